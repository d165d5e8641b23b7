//! What a rule does to one value.
//!
//! Rules see the decoded value (after COPY or SQL unescaping) and return the new decoded
//! value; the stream rewriter escapes it for where it lands. Output is derived from the run's
//! [`Keys`] and the value (or its place in the dump), never from RNG state, so a run is
//! reproducible and identical whatever the number of threads.

use md5::{Digest, Md5};

use crate::keys::Keys;

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
    /// `len` random lowercase hex characters (the first `len` of an MD5 digest).
    Md5 { len: usize },
    /// A fixed e-mail address.
    Email(String),
    /// Any fixed text; the only rule that also replaces NULL.
    Fixed(String),
}

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
            (Rule::Null, Value::Text(_)) => Outcome::Null,
            (Rule::Email(address), Value::Text(_)) => Outcome::Text(address.as_bytes()),
            (Rule::Md5 { len }, Value::Text(_)) => {
                let mut hasher = Md5::new();
                hasher.update(keys.seed().to_le_bytes());
                hasher.update(place.row.to_le_bytes());
                hasher.update(place.column.to_le_bytes());
                let digest: [u8; 16] = hasher.finalize().into();
                out.resize(MD5_HEX_LEN, 0);
                hex::encode_to_slice(digest, out).expect("32 hex characters for 16 bytes");
                out.truncate(*len);
                Outcome::Text(out)
            }
        })
    }

    /// A short name for summaries: `email`, `md5:10`, ...
    pub fn label(&self) -> String {
        match self {
            Rule::Keep => "keep".into(),
            Rule::Null => "null".into(),
            Rule::Md5 { len } if *len == MD5_HEX_LEN => "md5".into(),
            Rule::Md5 { len } => format!("md5:{len}"),
            Rule::Email(_) => "email".into(),
            Rule::Fixed(_) => "fixed".into(),
        }
    }

    /// Whether every row gets the same output: such a rule on a UNIQUE column breaks the restore.
    pub fn is_constant(&self) -> bool {
        matches!(self, Rule::Email(_) | Rule::Fixed(_))
    }

    /// Whether the output depends on the value alone (and the run's key), not on where it
    /// is: equal values in two columns under equal rules stay equal, so a foreign key between
    /// them still holds. `md5` derives its output from the row's place, so it is not.
    pub fn is_value_based(&self) -> bool {
        match self {
            Rule::Keep | Rule::Null | Rule::Email(_) | Rule::Fixed(_) => true,
            Rule::Md5 { .. } => false,
        }
    }

    /// The longest output the rule can produce, in characters, when that is known.
    pub fn max_len(&self) -> Option<usize> {
        match self {
            Rule::Keep | Rule::Null => None,
            Rule::Md5 { len } => Some(*len),
            Rule::Email(s) | Rule::Fixed(s) => Some(s.chars().count()),
        }
    }
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
            Rule::Md5 { len: 10 },
            Rule::Email(DEFAULT_EMAIL.into()),
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
        let rule = Rule::Md5 { len: 10 };
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
        let rule = Rule::Md5 { len: 32 };
        let (mut s1, mut s2) = (Vec::new(), Vec::new());
        assert_eq!(
            apply(&rule, Value::Text(b"a"), 9, &mut s1),
            apply(&rule, Value::Text(b"b"), 9, &mut s2)
        );
    }
}
