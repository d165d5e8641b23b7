//! What a rule does to one value.
//!
//! Rules see the decoded value (after COPY or SQL unescaping) and return the new decoded
//! value; the stream rewriter escapes it for where it lands. Output is derived from the run's
//! [`Keys`] and the value (or its place in the dump), never from RNG state, so a run is
//! reproducible and identical whatever the number of threads.

use crate::fake::Fake;
use crate::hash::{Hash, Shape, write_hex};
use crate::json::JsonRule;
use crate::keys::Keys;
use crate::permute;
use crate::redact::Redact;
use crate::{array, json};

/// The address written by the `email` rule when no other is given.
pub const DEFAULT_EMAIL: &str = "nobody@example.com";

/// Hex characters an `md5` rule can produce at most.
pub const MD5_HEX_LEN: usize = 32;

/// One column's transform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Reviewed and left as it is.
    Keep,
    /// SQL NULL.
    Null,
    /// `len` random lowercase hex characters: the first `len` of a 128-bit block function of
    /// the seed and the value's place (the name is the one such rules have in other tools);
    /// with `unique`, the first 16 are a keyed permutation of the row's place instead.
    Md5 { len: usize, unique: bool },
    /// A fixed e-mail address; with `unique`, `local+<16 hex>@host` from a keyed permutation
    /// of the row's place.
    Email { address: String, unique: bool },
    /// Any fixed text; the only rule that also replaces NULL.
    Fixed(String),
    /// A keyed pseudonym of the value.
    Hash(Hash),
    /// A realistic fake derived from the keyed pseudonym of the value.
    Fake(Fake),
    /// Rules for values found by path inside a json or jsonb document.
    Json(JsonRule),
    /// A rule for each element of a PostgreSQL array.
    Array(Box<Rule>),
    /// Personal-data-shaped substrings of free text replaced by keyed pseudonyms.
    Redact(Redact),
}

/// Hex characters that carry a row's permuted place in unique `md5` and `email` output.
pub const PLACE_HEX_LEN: usize = 16;

/// A value as the dump holds it, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Null,
    Text(&'a [u8]),
}

/// What a rule makes of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// Leave the value's bytes exactly as they are in the dump.
    Unchanged,
    Null,
    /// New decoded text, to be escaped for its destination.
    Text(&'a [u8]),
}

/// Where a value sits in the dump: what place-based rules derive their output from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    /// The absolute byte offset of the row in the uncompressed input: unique per row.
    pub row: u64,
    /// The column's position in the row.
    pub column: u32,
}

impl Place {
    /// The place of the `index`th value inside this one (an array element, a json match),
    /// so that place-based rules give each its own output. Columns number far below 2^16,
    /// so the index goes above them.
    pub(crate) fn inner(self, index: usize) -> Place {
        Place {
            row: self.row,
            column: self.column ^ ((index as u32).wrapping_add(1) << 16),
        }
    }
}

/// A value the rule cannot transform (a `unique` rule given input outside its domain, say).
/// The rewriter adds the table, column and line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

impl Rule {
    /// Applies the rule. Computed output is written to `out` (cleared first) and borrowed
    /// from there; fixed output is borrowed from the rule.
    pub fn apply<'a>(
        &'a self,
        value: Value<'_>,
        place: Place,
        keys: &Keys,
        out: &'a mut Vec<u8>,
    ) -> Result<Outcome<'a>, ValueError> {
        out.clear();
        Ok(match (self, value) {
            (Rule::Keep, _) => Outcome::Unchanged,
            (Rule::Fixed(text), _) => Outcome::Text(text.as_bytes()),
            (_, Value::Null) => Outcome::Unchanged,
            (Rule::Json(rule), Value::Text(text)) => {
                return json::apply(rule, text, place, keys, out);
            }
            (Rule::Array(inner), Value::Text(text)) => {
                return array::apply(inner, text, place, keys, out);
            }
            (Rule::Redact(redact), Value::Text(text)) => return redact.apply(text, keys, out),
            (Rule::Null, Value::Text(_)) => Outcome::Null,
            (
                Rule::Email {
                    address,
                    unique: false,
                },
                Value::Text(_),
            ) => Outcome::Text(address.as_bytes()),
            (
                Rule::Email {
                    address,
                    unique: true,
                },
                Value::Text(_),
            ) => {
                let (local, host) = address.rsplit_once('@').expect("checked at parse time");
                out.extend_from_slice(local.as_bytes());
                out.push(b'+');
                write_place(place, keys, out);
                out.push(b'@');
                out.extend_from_slice(host.as_bytes());
                Outcome::Text(out)
            }
            (Rule::Md5 { len, unique }, Value::Text(_)) => {
                let block = u128::from(place.row) | u128::from(place.column) << 64;
                let mut digest = [0u8; 32];
                digest[..16].copy_from_slice(&keys.md5().encrypt(block).to_be_bytes());
                if *unique {
                    write_place(place, keys, out);
                    write_hex(&digest, len - PLACE_HEX_LEN, out);
                } else {
                    write_hex(&digest, *len, out);
                }
                Outcome::Text(out)
            }
            (Rule::Hash(hash), Value::Text(text)) => {
                hash.apply(text, keys, out)?;
                Outcome::Text(out)
            }
            (Rule::Fake(fake), Value::Text(text)) => {
                fake.apply(text, keys, out);
                Outcome::Text(out)
            }
        })
    }

    /// A short name for summaries: `email`, `md5:10`, ...
    pub fn label(&self) -> String {
        match self {
            Rule::Keep => "keep".into(),
            Rule::Null => "null".into(),
            Rule::Md5 { len, unique } => {
                let base = if *len == MD5_HEX_LEN {
                    "md5".into()
                } else {
                    format!("md5:{len}")
                };
                with_unique(base, *unique)
            }
            Rule::Email { unique, .. } => with_unique("email".into(), *unique),
            Rule::Fixed(_) => "fixed".into(),
            Rule::Hash(hash) => {
                let base = match &hash.shape {
                    Shape::Hex { len } | Shape::Digits { len } => {
                        format!("hash:{}{len}", hash.shape.name())
                    }
                    shape => format!("hash:{}", shape.name()),
                };
                with_unique(base, hash.unique)
            }
            Rule::Fake(fake) => with_unique(format!("fake:{}", fake.kind.name()), fake.unique),
            Rule::Json(_) => "json".into(),
            Rule::Array(inner) => format!("array:{}", inner.label()),
            Rule::Redact(redact) => format!("redact:{}", redact.kinds_label()),
        }
    }

    /// Whether every row gets the same output: such a rule on a UNIQUE column breaks the restore.
    pub fn is_constant(&self) -> bool {
        matches!(self, Rule::Email { unique: false, .. } | Rule::Fixed(_))
    }

    /// Whether the output depends on the run's key: such rules give pseudonyms that match
    /// across runs with the same key file.
    pub fn uses_key(&self) -> bool {
        match self {
            Rule::Hash(_) | Rule::Fake(_) | Rule::Redact(_) => true,
            Rule::Array(inner) => inner.uses_key(),
            Rule::Json(json) => json.paths.iter().any(|(_, rule)| rule.uses_key()),
            _ => false,
        }
    }

    /// Whether the output depends on the value's text, not only on whether it is NULL. Only
    /// then does the rewriter decode the value: `md5`, `email`, `null`, `fixed` and `keep`
    /// never look at it, so a huge value under them costs no decoded copy.
    pub fn reads_text(&self) -> bool {
        match self {
            Rule::Keep | Rule::Null | Rule::Fixed(_) | Rule::Email { .. } | Rule::Md5 { .. } => {
                false
            }
            Rule::Hash(_) | Rule::Fake(_) | Rule::Json(_) | Rule::Array(_) | Rule::Redact(_) => {
                true
            }
        }
    }

    /// Whether the output depends on the value alone (and the run's key), not on where it
    /// is: equal values in two columns under equal rules stay equal, so a foreign key between
    /// them still holds. `md5` and unique `email` derive their output from the row's place.
    pub fn is_value_based(&self) -> bool {
        match self {
            Rule::Keep | Rule::Null | Rule::Fixed(_) | Rule::Hash(_) | Rule::Fake(_) => true,
            Rule::Email { unique, .. } => !unique,
            Rule::Md5 { .. } => false,
            Rule::Redact(_) => true,
            Rule::Array(inner) => inner.is_value_based(),
            Rule::Json(json) => json.paths.iter().all(|(_, rule)| rule.is_value_based()),
        }
    }

    /// Whether equal values under `self` and under `other` come out equal: both value-based
    /// and the same mapping. `unique` on a `hash` changes the mapping only for `digits` (a
    /// permutation instead of the digest); the other shapes are the digest either way.
    pub fn maps_like(&self, other: &Rule) -> bool {
        let same = match (self, other) {
            (Rule::Hash(a), Rule::Hash(b)) => {
                a.domain == b.domain
                    && a.shape == b.shape
                    && (a.unique == b.unique || !matches!(a.shape, Shape::Digits { .. }))
            }
            _ => self == other,
        };
        same && self.is_value_based()
    }

    /// The longest output the rule can produce, in characters, when that is known.
    pub fn max_len(&self) -> Option<usize> {
        match self {
            Rule::Keep | Rule::Null | Rule::Json(_) | Rule::Array(_) | Rule::Redact(_) => None,
            Rule::Md5 { len, .. } => Some(*len),
            Rule::Email {
                address,
                unique: false,
            }
            | Rule::Fixed(address) => Some(address.chars().count()),
            Rule::Email {
                address,
                unique: true,
            } => Some(address.chars().count() + 1 + PLACE_HEX_LEN),
            Rule::Hash(hash) => Some(hash.shape.output_len()),
            Rule::Fake(fake) => fake.max_len(),
        }
    }

    /// The rule for a column that holds at most `n` characters (`varchar(n)` in the schema):
    /// fakes and redacted text are cut to fit; other rules are as they are (`scrub check` reports those that
    /// cannot fit).
    pub fn with_max_chars(self, n: usize) -> Rule {
        match self {
            Rule::Fake(mut fake) => {
                fake.max_chars = Some(fake.max_chars.map_or(n, |m| m.min(n)));
                Rule::Fake(fake)
            }
            Rule::Redact(redact) => Rule::Redact(redact.with_max_chars(n)),
            other => other,
        }
    }
}

fn with_unique(label: String, unique: bool) -> String {
    if unique { label + "+unique" } else { label }
}

/// Cuts the text at `max` characters, never inside one: UTF-8 characters when the text is
/// UTF-8, else bytes (a single-byte encoding such as LATIN1).
pub(crate) fn truncate_chars(out: &mut Vec<u8>, max: usize) {
    let cut = match std::str::from_utf8(out) {
        Ok(text) => text.char_indices().nth(max).map(|(cut, _)| cut),
        Err(_) => (out.len() > max).then_some(max),
    };
    if let Some(cut) = cut {
        out.truncate(cut);
    }
}

/// 16 hex characters of the row's place, through a keyed permutation of byte offsets bound
/// to the column and the seed: distinct rows of a column give distinct text, and the run's
/// seed varies it as it varies every place-based rule.
fn write_place(place: Place, keys: &Keys, out: &mut Vec<u8>) {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&permute::u64(keys.place(), place.column, place.row).to_be_bytes());
    write_hex(&bytes, PLACE_HEX_LEN, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(row: u64) -> Place {
        Place { row, column: 2 }
    }

    fn apply<'a>(rule: &'a Rule, value: Value<'_>, row: u64, out: &'a mut Vec<u8>) -> Outcome<'a> {
        rule.apply(value, place(row), &Keys::from_seed(7), out)
            .unwrap()
    }

    #[test]
    fn null_stays_null_except_fixed() {
        let mut s = Vec::new();
        for rule in [
            Rule::Keep,
            Rule::Null,
            Rule::Md5 {
                len: 10,
                unique: false,
            },
            Rule::Email {
                address: DEFAULT_EMAIL.into(),
                unique: false,
            },
        ] {
            let out = apply(&rule, Value::Null, 0, &mut s);
            assert!(
                matches!(out, Outcome::Null | Outcome::Unchanged),
                "{rule:?} gave {out:?}"
            );
        }
        let fixed = Rule::Fixed("redacted".into());
        assert_eq!(
            apply(&fixed, Value::Null, 0, &mut s),
            Outcome::Text(b"redacted")
        );
    }

    #[test]
    fn md5_is_lowercase_hex_of_the_asked_length_and_depends_on_place() {
        let rule = Rule::Md5 {
            len: 10,
            unique: false,
        };
        let (mut s1, mut s2) = (Vec::new(), Vec::new());
        let a = apply(&rule, Value::Text(b"x"), 1, &mut s1);
        let b = apply(&rule, Value::Text(b"x"), 2, &mut s2);
        let (Outcome::Text(a), Outcome::Text(b)) = (a, b) else {
            panic!("md5 gave no text")
        };
        assert_eq!(a.len(), 10);
        assert!(
            a.iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        );
        assert_ne!(a, b);
    }

    #[test]
    fn md5_is_reproducible_for_the_same_seed_and_place() {
        let rule = Rule::Md5 {
            len: 32,
            unique: false,
        };
        let (mut s1, mut s2) = (Vec::new(), Vec::new());
        assert_eq!(
            apply(&rule, Value::Text(b"a"), 9, &mut s1),
            apply(&rule, Value::Text(b"b"), 9, &mut s2)
        );
    }

    fn text<'a>(outcome: Outcome<'a>) -> &'a [u8] {
        match outcome {
            Outcome::Text(t) => t,
            other => panic!("no text: {other:?}"),
        }
    }

    /// 1,000,000 rows (distinct byte offsets, as in a dump) through unique `md5` and `email`:
    /// no two outputs are equal.
    #[test]
    fn a_million_rows_give_a_million_distinct_unique_md5_and_emails() {
        let keys = Keys::from_seed(11);
        let rules = [
            Rule::Md5 {
                len: PLACE_HEX_LEN,
                unique: true,
            },
            Rule::Email {
                address: DEFAULT_EMAIL.into(),
                unique: true,
            },
        ];
        let mut out = Vec::new();
        for rule in rules {
            let mut seen = std::collections::HashSet::with_capacity(1_000_000);
            let mut row = 0u64;
            for n in 0..1_000_000u64 {
                row += 20 + n % 7;
                let place = Place { row, column: 1 };
                let t = text(
                    rule.apply(Value::Text(b"same"), place, &keys, &mut out)
                        .unwrap(),
                );
                assert!(seen.insert(t.to_vec()), "{rule:?}: duplicate at row {n}");
            }
        }
    }

    #[test]
    fn unique_place_rules_have_their_form() {
        let keys = Keys::from_seed(3);
        let mut out = Vec::new();
        let email = Rule::Email {
            address: "dev@corp.example".into(),
            unique: true,
        };
        let t = text(
            email
                .apply(Value::Text(b"x"), place(5), &keys, &mut out)
                .unwrap(),
        )
        .to_vec();
        let t = String::from_utf8(t).unwrap();
        let hex = t
            .strip_prefix("dev+")
            .unwrap()
            .strip_suffix("@corp.example")
            .unwrap();
        assert!(
            hex.len() == 16 && hex.bytes().all(|c| c.is_ascii_hexdigit()),
            "{t}"
        );
        assert_eq!(Some(t.len()), email.max_len());
        let md5 = Rule::Md5 {
            len: 20,
            unique: true,
        };
        let t = text(
            md5.apply(Value::Text(b"x"), place(5), &keys, &mut out)
                .unwrap(),
        );
        assert_eq!(t.len(), 20);
        assert_eq!(
            &t[..16],
            hex.as_bytes(),
            "the same place in the same column"
        );
        assert_eq!(md5.label(), "md5:20+unique");
        assert!(!email.is_constant() && !email.uses_key());
    }

    #[test]
    fn hash_and_fake_rules_are_keyed_labelled_and_sized() {
        use crate::fake::{Fake, Kind};
        use crate::hash::{Hash, Shape};
        let keys = Keys::from_seed(3);
        let hash = Rule::Hash(Hash::new(Shape::Digits { len: 6 }, String::new(), true));
        let mut out = Vec::new();
        assert_eq!(
            text(
                hash.apply(Value::Text(b"42"), place(1), &keys, &mut out)
                    .unwrap()
            )
            .len(),
            6
        );
        assert_eq!(
            hash.apply(Value::Text(b"x"), place(1), &keys, &mut out),
            Err(ValueError(
                "unique digits need decimal input of at most 6 digits, got \"x\"".into()
            ))
        );
        assert_eq!(
            hash.apply(Value::Null, place(1), &keys, &mut out),
            Ok(Outcome::Unchanged)
        );
        assert_eq!(hash.label(), "hash:digits6+unique");
        assert_eq!(hash.max_len(), Some(6));
        assert!(hash.uses_key() && !hash.is_constant());
        assert_eq!(hash.clone().with_max_chars(3), hash, "only fakes are cut");

        let name = Rule::Fake(Fake::new(Kind::Name, None, false, None));
        assert_eq!((name.label().as_str(), name.max_len()), ("fake:name", None));
        let cut = name.clone().with_max_chars(4);
        assert_eq!(cut.max_len(), Some(4));
        let t = text(
            cut.apply(Value::Text(b"a"), place(1), &keys, &mut out)
                .unwrap(),
        );
        assert!(t.len() <= 4);
        assert_eq!(
            cut.with_max_chars(8).max_len(),
            Some(4),
            "the tighter limit stays"
        );
        let ip = Rule::Fake(Fake::new(Kind::Ip, None, false, None));
        assert_eq!(ip.max_len(), Some(15));
        assert!(ip.uses_key());
    }
}
