//! The `hash` rule: keyed, deterministic pseudonyms that keep joins working.
//!
//! The pseudonym of a value is keyed BLAKE3 over the mapping's domain name (length-prefixed,
//! so `ab` + `c` and `a` + `bc` cannot meet) followed by the *decoded* value. Nothing else goes
//! in: not the table, the column, the dump format or the thread, so equal values map to equal
//! pseudonyms wherever they appear, and foreign keys still point at their rows. The shape only
//! formats that one digest, so `{hash: email}` and `{hash: hex}` in the same domain agree on
//! which inputs are equal. Whoever holds the key can hash a guessed value and look for it, so
//! the key is the secret (see `Keys`).
//!
//! `unique: true` on the `digits` shape swaps the digest for a keyed permutation of the
//! number (see `permute`), because 12 digits are too few for a hash to stay collision-free.

use std::borrow::Cow;
use std::io::Write;
use std::sync::OnceLock;

use crate::keys::Keys;
use crate::permute;
use crate::prf::BlockKey;
use crate::rule::ValueError;

/// The host of `hash` e-mails when `at:` does not say otherwise.
pub const DEFAULT_HASH_HOST: &str = "example.com";
/// Hex characters of the hex shape by default, and at most.
pub const DEFAULT_HEX_LEN: usize = 32;
pub const MAX_HEX_LEN: usize = 64;
/// Digits of the digits shape by default, and at most.
pub const DEFAULT_DIGITS: usize = 12;
pub const MAX_DIGITS: usize = 40;
/// Hex characters a unique hex pseudonym needs: 96 bits stay collision-free far beyond any
/// table size (one expected collision after about 2^48 distinct values).
pub const MIN_UNIQUE_HEX_LEN: usize = 24;
/// Hex characters in the local part of a hash e-mail (96 bits, as above).
const EMAIL_HEX_LEN: usize = 24;
const HEX: &[u8; 16] = b"0123456789abcdef";

/// A `hash` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hash {
    pub shape: Shape,
    /// The mapping's name: rules in the same domain map equal inputs to equal outputs.
    pub domain: String,
    pub unique: bool,
    /// The permutation key of unique digits, derived on first use.
    digits_key: DerivedKey,
}

/// A block key derived from a run's [`Keys`] (named by [`Keys::id`]) once, then only read,
/// by every thread: deriving it per value (a BLAKE3 hash and an AES key expansion) cost
/// more than the permutation it keys. Not part of what the rule means, so two rules
/// compare equal whatever they have cached.
#[derive(Clone, Default)]
struct DerivedKey(OnceLock<Box<(u64, BlockKey)>>);

impl PartialEq for DerivedKey {
    fn eq(&self, _: &DerivedKey) -> bool {
        true
    }
}

impl Eq for DerivedKey {}

impl std::fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DerivedKey")
    }
}

impl DerivedKey {
    /// The key `derive` makes from `keys`: the cached one when it was made from them.
    fn get(&self, keys: &Keys, derive: impl Fn() -> BlockKey) -> Cow<'_, BlockKey> {
        let (id, key) = &**self.0.get_or_init(|| Box::new((keys.id(), derive())));
        if *id == keys.id() {
            Cow::Borrowed(key)
        } else {
            Cow::Owned(derive())
        }
    }
}

/// How the digest is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `len` lowercase hex characters.
    Hex { len: usize },
    /// `u` + 24 hex + `@` + host.
    Email { at: String },
    /// `len` decimal digits.
    Digits { len: usize },
    /// RFC 4122 version-4-shaped text.
    Uuid,
}

impl Shape {
    /// The shape's name in the rules file.
    pub fn name(&self) -> &'static str {
        match self {
            Shape::Hex { .. } => "hex",
            Shape::Email { .. } => "email",
            Shape::Digits { .. } => "digits",
            Shape::Uuid => "uuid",
        }
    }

    /// The length of every output, in characters.
    pub fn output_len(&self) -> usize {
        match self {
            Shape::Hex { len } | Shape::Digits { len } => *len,
            Shape::Email { at } => 1 + EMAIL_HEX_LEN + 1 + at.chars().count(),
            Shape::Uuid => 36,
        }
    }
}

/// The keyed digest of `value` in mapping `domain`.
pub fn digest(keys: &Keys, domain: &str, value: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_keyed(keys.key());
    hasher.update(&(domain.len() as u64).to_le_bytes());
    hasher.update(domain.as_bytes());
    hasher.update(value);
    hasher.finalize().into()
}

impl Hash {
    pub fn new(shape: Shape, domain: String, unique: bool) -> Hash {
        Hash {
            shape,
            domain,
            unique,
            digits_key: DerivedKey::default(),
        }
    }

    /// Writes the pseudonym of `value` to `out`.
    pub fn apply(&self, value: &[u8], keys: &Keys, out: &mut Vec<u8>) -> Result<(), ValueError> {
        if let (Shape::Digits { len }, true) = (&self.shape, self.unique) {
            return self.unique_digits(*len, value, keys, out);
        }
        let d = digest(keys, &self.domain, value);
        match &self.shape {
            Shape::Hex { len } => write_hex(&d, *len, out),
            Shape::Email { at } => {
                out.push(b'u');
                write_hex(&d, EMAIL_HEX_LEN, out);
                out.push(b'@');
                out.extend_from_slice(at.as_bytes());
            }
            Shape::Digits { len } => write_digits(&d, *len, out),
            Shape::Uuid => write_uuid(d[..16].try_into().expect("16 bytes"), out),
        }
        Ok(())
    }

    fn unique_digits(
        &self,
        len: usize,
        value: &[u8],
        keys: &Keys,
        out: &mut Vec<u8>,
    ) -> Result<(), ValueError> {
        let number = parse_decimal(value, len).ok_or_else(|| {
            ValueError(format!(
                "unique digits need decimal input of at most {len} digits, got {:?}",
                String::from_utf8_lossy(value)
            ))
        })?;
        let key = self.digits_key.get(keys, || {
            BlockKey::new(keys.key(), "hash digits", self.domain.as_bytes())
        });
        let permuted = permute::decimal(&key, len as u32, number);
        write!(out, "{permuted:0len$}").expect("writing to a Vec cannot fail");
        Ok(())
    }
}

/// `value` as a number, when it is 1..=`len` ASCII digits.
fn parse_decimal(value: &[u8], len: usize) -> Option<u128> {
    if value.is_empty() || value.len() > len || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        value
            .iter()
            .fold(0u128, |n, d| n * 10 + u128::from(d - b'0')),
    )
}

/// The first `len` (at most 64) lowercase hex characters of `bytes`.
pub fn write_hex(bytes: &[u8; 32], len: usize, out: &mut Vec<u8>) {
    let whole = len.div_ceil(2);
    let mut text = [0u8; 64];
    hex::encode_to_slice(&bytes[..whole], &mut text[..2 * whole])
        .expect("two hex characters per byte");
    out.extend_from_slice(&text[..len]);
}

/// `len` (at most 40) decimal digits: each half of the digest gives up to 20 digits, taken
/// modulo 10^20 of a 128-bit number, so the bias is below 10^-18.
fn write_digits(bytes: &[u8; 32], len: usize, out: &mut Vec<u8>) {
    let first = len.min(20);
    for (half, width) in [(&bytes[..16], first), (&bytes[16..], len - first)] {
        if width == 0 {
            continue;
        }
        let n = u128::from_le_bytes(half.try_into().expect("16 bytes")) % 10u128.pow(width as u32);
        write!(out, "{n:0width$}").expect("writing to a Vec cannot fail");
    }
}

/// 16 bytes as a version-4, RFC 4122 variant UUID (122 of the bits survive).
pub fn write_uuid(mut bytes: [u8; 16], out: &mut Vec<u8>) {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0x0f)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn keys() -> Keys {
        Keys::with_key_material(1, &[5; 32]).unwrap()
    }

    fn hash(shape: Shape, domain: &str, unique: bool) -> Hash {
        Hash::new(shape, domain.into(), unique)
    }

    fn run(rule: &Hash, value: &[u8], keys: &Keys) -> String {
        let mut out = Vec::new();
        rule.apply(value, keys, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Whether `text` has the form of `template`: `h` a lowercase hex digit, `d` a decimal
    /// digit, `v` a UUID variant digit (8, 9, a, b), anything else itself.
    fn has_form(text: &str, template: &str) -> bool {
        text.len() == template.len()
            && text.bytes().zip(template.bytes()).all(|(c, t)| match t {
                b'h' => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
                b'd' => c.is_ascii_digit(),
                b'v' => b"89ab".contains(&c),
                _ => c == t,
            })
    }

    #[test]
    fn every_shape_has_its_form_and_length() {
        let k = keys();
        let cases = [
            (Shape::Hex { len: 32 }, "h".repeat(32)),
            (Shape::Hex { len: 7 }, "h".repeat(7)),
            (Shape::Hex { len: 64 }, "h".repeat(64)),
            (
                Shape::Email {
                    at: "corp.example".into(),
                },
                format!("u{}@corp.example", "h".repeat(24)),
            ),
            (Shape::Digits { len: 1 }, "d".into()),
            (Shape::Digits { len: 12 }, "d".repeat(12)),
            (Shape::Digits { len: 40 }, "d".repeat(40)),
            (Shape::Uuid, "hhhhhhhh-hhhh-4hhh-vhhh-hhhhhhhhhhhh".into()),
        ];
        for (shape, template) in cases {
            let out = run(&hash(shape.clone(), "", false), b"ann@corp.com", &k);
            assert!(has_form(&out, &template), "{shape:?} gave {out}");
            assert_eq!(out.chars().count(), shape.output_len(), "{shape:?}");
        }
    }

    #[test]
    fn same_value_same_domain_same_key_agree_across_shapes() {
        let k = keys();
        let hex = run(&hash(Shape::Hex { len: 24 }, "", false), b"x", &k);
        let email = run(
            &hash(
                Shape::Email {
                    at: "example.com".into(),
                },
                "",
                false,
            ),
            b"x",
            &k,
        );
        assert_eq!(email, format!("u{hex}@example.com"));
        let again = run(&hash(Shape::Hex { len: 24 }, "", false), b"x", &keys());
        assert_eq!(hex, again, "same key, another run");
    }

    #[test]
    fn domains_and_keys_separate_mappings() {
        let k = keys();
        let shape = Shape::Hex { len: 32 };
        let plain = run(&hash(shape.clone(), "", false), b"x", &k);
        assert_ne!(plain, run(&hash(shape.clone(), "people", false), b"x", &k));
        // The length prefix keeps domain and value apart.
        assert_ne!(
            run(&hash(shape.clone(), "a", false), b"bc", &k),
            run(&hash(shape.clone(), "ab", false), b"c", &k)
        );
        assert_ne!(
            plain,
            run(&hash(shape, "", false), b"x", &Keys::from_seed(1))
        );
    }

    #[test]
    fn unique_digits_keys_are_kept_per_key_and_domain() {
        let (a, b) = (keys(), Keys::with_key_material(1, &[6; 32]).unwrap());
        let x = hash(Shape::Digits { len: 6 }, "x", true);
        let y = hash(Shape::Digits { len: 6 }, "y", true);
        let first = run(&x, b"123456", &a);
        assert_ne!(run(&x, b"123456", &b), first);
        assert_ne!(run(&y, b"123456", &a), first);
        assert_eq!(run(&x, b"123456", &a), first);
        let fresh = permute::decimal(&BlockKey::new(a.key(), "hash digits", b"x"), 6, 123_456);
        assert_eq!(first, format!("{fresh:06}"));
    }

    #[test]
    fn unique_digits_permute_decimal_input_and_refuse_other_input() {
        let k = keys();
        let rule = hash(Shape::Digits { len: 3 }, "", true);
        let outputs: HashSet<String> = (0..1000)
            .map(|n| run(&rule, n.to_string().as_bytes(), &k))
            .collect();
        assert_eq!(outputs.len(), 1000);
        assert!(outputs.iter().all(|o| o.len() == 3));
        assert_eq!(run(&rule, b"007", &k), run(&rule, b"7", &k));
        for bad in [&b""[..], b"1000", b"-1", b"1.5", b" 1"] {
            let err = rule.apply(bad, &k, &mut Vec::new()).unwrap_err();
            assert!(
                err.0
                    .starts_with("unique digits need decimal input of at most 3 digits"),
                "{err}"
            );
        }
    }

    /// 1,000,000 distinct inputs through every shape that `unique: true` accepts: no two
    /// outputs are equal.
    #[test]
    fn a_million_distinct_inputs_give_a_million_distinct_outputs_in_every_unique_shape() {
        let k = keys();
        let shapes = [
            Shape::Hex {
                len: MIN_UNIQUE_HEX_LEN,
            },
            Shape::Email {
                at: DEFAULT_HASH_HOST.into(),
            },
            Shape::Uuid,
            Shape::Digits { len: 7 },
        ];
        let mut out = Vec::new();
        let mut input = Vec::new();
        for shape in shapes {
            let rule = hash(shape.clone(), "", true);
            let mut seen = HashSet::with_capacity(1_000_000);
            for n in 0..1_000_000u32 {
                input.clear();
                write!(input, "{n}").unwrap();
                rule.apply(&input, &k, &mut out).unwrap();
                assert!(seen.insert(out.clone()), "{shape:?}: duplicate for {n}");
                out.clear();
            }
        }
    }
}
