//! The two escapings a value can have in a dump: COPY text format and SQL string literals.
//!
//! Rules see decoded values and return decoded values, so a value gets the same result in a
//! COPY dump and an INSERT dump; these functions sit on both sides of that. Values are bytes,
//! not necessarily UTF-8 (`SQL_ASCII` and `LATIN1` dumps exist), and decoding borrows when
//! there is nothing to unescape, which is almost always.

use std::borrow::Cow;

use memchr::{memchr, memchr2};

/// COPY text's NULL marker.
pub const COPY_NULL: &[u8] = b"\\N";

/// Decodes one COPY text field: `None` for NULL (`\N`), else the value with escapes resolved.
pub fn decode_copy(field: &[u8]) -> Option<Cow<'_, [u8]>> {
    if field == COPY_NULL {
        return None;
    }
    let Some(first) = memchr(b'\\', field) else {
        return Some(Cow::Borrowed(field));
    };
    let mut out = Vec::with_capacity(field.len());
    out.extend_from_slice(&field[..first]);
    let mut i = first;
    while i < field.len() {
        let b = field[i];
        if b != b'\\' || i + 1 == field.len() {
            out.push(b);
            i += 1;
            continue;
        }
        i += 2 + unescape(Dialect::Copy, field[i + 1], &field[i + 2..], &mut out);
    }
    Some(Cow::Owned(out))
}

/// Reads up to `max` digits of `radix` from the front of `s`: (value, digits used).
fn digits(s: &[u8], radix: u32, max: usize) -> (u32, usize) {
    let mut value = 0;
    let mut used = 0;
    for &b in s.iter().take(max) {
        match (b as char).to_digit(radix) {
            Some(d) => {
                value = value * radix + d;
                used += 1;
            }
            None => break,
        }
    }
    (value, used)
}

/// Which backslash escapes apply: COPY text's, or those of an `E'...'` string.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Copy,
    EscapeString,
}

/// Decodes the escape `\c` followed by `rest`: appends what it stands for and returns how
/// many bytes of `rest` it used. Unknown escapes stand for the character itself.
fn unescape(dialect: Dialect, c: u8, rest: &[u8], out: &mut Vec<u8>) -> usize {
    match c {
        b'b' => out.push(0x08),
        b'f' => out.push(0x0c),
        b'n' => out.push(b'\n'),
        b'r' => out.push(b'\r'),
        b't' => out.push(b'\t'),
        b'v' if dialect == Dialect::Copy => out.push(0x0b),
        b'0'..=b'7' => {
            let (more, used) = digits(rest, 8, 2);
            out.push(((u32::from(c - b'0') << (3 * used)) | more) as u8);
            return used;
        }
        b'x' if rest.first().is_some_and(u8::is_ascii_hexdigit) => {
            let (value, used) = digits(rest, 16, 2);
            out.push(value as u8);
            return used;
        }
        b'u' | b'U' if dialect == Dialect::EscapeString => {
            let want = if c == b'u' { 4 } else { 8 };
            let (value, used) = digits(rest, 16, want);
            if let Some(ch) = char::from_u32(value).filter(|_| used == want) {
                let mut utf8 = [0; 4];
                out.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
                return used;
            }
            out.push(c);
        }
        other => out.push(other),
    }
    0
}

/// Appends `value` escaped for COPY text format, the way PostgreSQL's COPY TO writes it.
pub fn encode_copy(value: &[u8], out: &mut Vec<u8>) {
    // Rule output is nearly always plain text (hex, an address): one branch-free pass, no escapes.
    if value.iter().all(|&b| b > b'\r' && b != b'\\') {
        out.extend_from_slice(value);
        return;
    }
    let mut start = 0;
    for (i, &b) in value.iter().enumerate() {
        let escaped = match b {
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0x0b => b'v',
            _ => continue,
        };
        out.extend_from_slice(&value[start..i]);
        out.push(b'\\');
        out.push(escaped);
        start = i + 1;
    }
    out.extend_from_slice(&value[start..]);
}

/// What one value in an INSERT's VALUES list is.
#[derive(Debug, PartialEq, Eq)]
pub enum SqlValue<'a> {
    Null,
    /// A single string literal, decoded.
    Text(Cow<'a, [u8]>),
    /// Anything else (a number, `true`, a cast, a function call): its source text.
    Expression(&'a [u8]),
}

/// Whether an INSERT value is the keyword NULL.
pub fn is_sql_null(v: &[u8]) -> bool {
    v.eq_ignore_ascii_case(b"null")
}

/// Classifies and decodes one value of a VALUES list, given without surrounding white space.
pub fn decode_sql_value(v: &[u8], std_strings: bool) -> SqlValue<'_> {
    if is_sql_null(v) {
        return SqlValue::Null;
    }
    let (escapes, body_start) = match v {
        [b'E' | b'e', b'\'', ..] => (true, 2),
        [b'\'', ..] => (!std_strings, 1),
        _ => return SqlValue::Expression(v),
    };
    match crate::lex::skip_string(v, body_start, escapes, true) {
        Some(end) if end == v.len() => SqlValue::Text(unquote(&v[body_start..end - 1], escapes)),
        _ => SqlValue::Expression(v),
    }
}

/// Resolves `''` and, with `escapes`, backslash escapes of a literal's body.
fn unquote(body: &[u8], escapes: bool) -> Cow<'_, [u8]> {
    let special = if escapes {
        memchr2(b'\'', b'\\', body)
    } else {
        memchr(b'\'', body)
    };
    let Some(first) = special else {
        return Cow::Borrowed(body);
    };
    let mut out = Vec::with_capacity(body.len());
    out.extend_from_slice(&body[..first]);
    let mut i = first;
    while i < body.len() {
        let b = body[i];
        if b == b'\'' {
            out.push(b'\'');
            i += 2;
            continue;
        }
        if b != b'\\' || !escapes || i + 1 == body.len() {
            out.push(b);
            i += 1;
            continue;
        }
        i += 2 + unescape(Dialect::EscapeString, body[i + 1], &body[i + 2..], &mut out);
    }
    Cow::Owned(out)
}

/// Appends `value` as a SQL string literal that reads back as `value` under the dump's
/// `standard_conforming_strings`.
pub fn encode_sql(value: &[u8], std_strings: bool, out: &mut Vec<u8>) {
    out.push(b'\'');
    let mut start = 0;
    for (i, &b) in value.iter().enumerate() {
        if b == b'\'' || (b == b'\\' && !std_strings) {
            out.extend_from_slice(&value[start..=i]);
            out.push(b);
            start = i + 1;
        }
    }
    out.extend_from_slice(&value[start..]);
    out.push(b'\'');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn copy_escapes_pg_writes() {
        assert_eq!(decode_copy(b"\\N"), None);
        assert_eq!(decode_copy(b"\\\\N").unwrap().as_ref(), b"\\N");
        assert_eq!(
            decode_copy(b"a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh")
                .unwrap()
                .as_ref(),
            b"a\tb\nc\rd\\e\x08f\x0cg\x0bh"
        );
        assert_eq!(
            decode_copy(b"\\101\\x41\\7\\x4g\\q").unwrap().as_ref(),
            b"AA\x07\x04gq"
        );
        assert_eq!(decode_copy(b"\\\\.").unwrap().as_ref(), b"\\.");
        assert_eq!(decode_copy(b"trailing\\").unwrap().as_ref(), b"trailing\\");
    }

    #[test]
    fn sql_values() {
        assert_eq!(decode_sql_value(b"NULL", true), SqlValue::Null);
        assert_eq!(
            decode_sql_value(b"'it''s'", true),
            SqlValue::Text(Cow::Borrowed(b"it's".as_slice()))
        );
        assert_eq!(
            decode_sql_value(b"E'a\\nb\\'c\\u00e9'", true),
            SqlValue::Text(Cow::Owned("a\nb'c\u{e9}".into()))
        );
        assert_eq!(
            decode_sql_value(b"'a\\nb'", true),
            SqlValue::Text(Cow::Borrowed(b"a\\nb".as_slice()))
        );
        assert_eq!(
            decode_sql_value(b"'a\\nb'", false),
            SqlValue::Text(Cow::Owned(b"a\nb".to_vec()))
        );
        assert_eq!(decode_sql_value(b"42", true), SqlValue::Expression(b"42"));
        assert_eq!(
            decode_sql_value(b"'x'::text", true),
            SqlValue::Expression(b"'x'::text")
        );
    }

    proptest! {
        #[test]
        fn copy_round_trip(value in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut encoded = Vec::new();
            encode_copy(&value, &mut encoded);
            prop_assert!(!encoded.contains(&b'\t') && !encoded.contains(&b'\n') && !encoded.contains(&b'\r'));
            prop_assert_ne!(encoded.as_slice(), COPY_NULL);
            let decoded = decode_copy(&encoded).unwrap();
            prop_assert_eq!(decoded.as_ref(), value.as_slice());
        }

        #[test]
        fn sql_round_trip(value in proptest::collection::vec(any::<u8>(), 0..64), std_strings in any::<bool>()) {
            let mut encoded = Vec::new();
            encode_sql(&value, std_strings, &mut encoded);
            prop_assert_eq!(decode_sql_value(&encoded, std_strings), SqlValue::Text(Cow::Borrowed(value.as_slice())));
        }
    }
}
