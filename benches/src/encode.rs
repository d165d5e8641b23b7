//! How a value is written into a dump: COPY text escaping and SQL string literals, byte for
//! byte as PostgreSQL 15 writes them (`CopyAttributeOutText` and `appendStringLiteral` with
//! `standard_conforming_strings = on`).

/// The letter that follows the backslash when COPY text format escapes a byte, 0 for a byte
/// written as it is. PostgreSQL escapes backslash, the delimiter (tab) and the control
/// characters that have a C escape letter; every other byte, including any other control
/// byte and every non-ASCII byte, goes out raw.
const COPY_ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    table[b'\\' as usize] = b'\\';
    table[b'\t' as usize] = b't';
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[0x08] = b'b';
    table[0x0b] = b'v';
    table[0x0c] = b'f';
    table
};

/// Appends `value` to `out` in COPY text form (without the field separator).
pub fn copy_text(value: &[u8], out: &mut Vec<u8>) {
    let mut start = 0;
    for (i, &b) in value.iter().enumerate() {
        let letter = COPY_ESCAPE[b as usize];
        if letter != 0 {
            out.extend_from_slice(&value[start..i]);
            out.extend_from_slice(&[b'\\', letter]);
            start = i + 1;
        }
    }
    out.extend_from_slice(&value[start..]);
}

/// Appends `value` to `out` as a standard SQL string literal: single quotes around it, a
/// quote inside doubled, backslashes and newlines as they are.
pub fn sql_literal(value: &[u8], out: &mut Vec<u8>) {
    out.push(b'\'');
    let mut start = 0;
    for i in memchr::memchr_iter(b'\'', value) {
        out.extend_from_slice(&value[start..=i]);
        out.push(b'\'');
        start = i + 1;
    }
    out.extend_from_slice(&value[start..]);
    out.push(b'\'');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reading side of COPY text format, restricted to what [`copy_text`] writes.
    fn copy_decode(field: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut bytes = field.iter();
        while let Some(&b) = bytes.next() {
            if b != b'\\' {
                out.push(b);
                continue;
            }
            out.push(match bytes.next().expect("dangling backslash") {
                b't' => b'\t',
                b'n' => b'\n',
                b'r' => b'\r',
                b'b' => 0x08,
                b'v' => 0x0b,
                b'f' => 0x0c,
                &other => other,
            });
        }
        out
    }

    fn copy(value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        copy_text(value, &mut out);
        out
    }

    fn sql(value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        sql_literal(value, &mut out);
        out
    }

    #[test]
    fn copy_escapes_what_postgres_escapes() {
        assert_eq!(copy(b"a\tb\nc\\d\re"), b"a\\tb\\nc\\\\d\\re");
        assert_eq!(copy(b"\x08\x0b\x0c"), b"\\b\\v\\f");
        assert_eq!(copy(b"\\N"), b"\\\\N");
        assert_eq!(copy(b"\\."), b"\\\\.");
        assert_eq!(
            copy("Zoë 'x' \"y\" \x01".as_bytes()),
            "Zoë 'x' \"y\" \x01".as_bytes()
        );
    }

    #[test]
    fn copy_output_never_holds_a_raw_separator_and_decodes_back() {
        let all: Vec<u8> = (0..=255u8).chain(0..=255u8).collect();
        let encoded = copy(&all);
        assert!(!encoded.contains(&b'\t') && !encoded.contains(&b'\n'));
        assert_eq!(copy_decode(&encoded), all);
    }

    #[test]
    fn sql_literal_doubles_quotes_only() {
        assert_eq!(sql(b""), b"''");
        assert_eq!(sql(b"it's"), b"'it''s'");
        assert_eq!(sql(b"''"), b"''''''");
        assert_eq!(sql(b"a\\b\nc\t"), b"'a\\b\nc\t'");
    }
}
