//! Properties over generated dumps: what holds for every dump, not just the ones we wrote.
//!
//! * With no rules, the output is the input, byte for byte.
//! * The output does not depend on how the input is cut into chunks.
//! * Ruled values follow their rule and unruled values are untouched, checked against a
//!   naive oracle that decodes the rewritten rows field by field.

use std::sync::Arc;

use proptest::prelude::*;
use scrub_rules::{Keys, RuleSet};
use scrubber::{decode_copy, encode_copy, scrub_bytes};

/// A value: NULL, or bytes drawn to hit the escapes (tab, newline, CR, backslash, `\N`, `\.`);
/// any byte but NUL, which PostgreSQL text cannot hold.
fn value() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(b"\\N".to_vec())),
        1 => Just(Some(b"\\.".to_vec())),
        6 => proptest::collection::vec(prop_oneof![Just(b'\t'), Just(b'\n'), Just(b'\r'), Just(b'\\'), Just(b'\''), Just(b';'), Just(b'('), Just(b')'), Just(b','), 1u8..=255, b'a'..=b'z'], 0..12).prop_map(Some),
    ]
}

fn rows() -> impl Strategy<Value = Vec<[Option<Vec<u8>>; 3]>> {
    proptest::collection::vec([value(), value(), value()], 0..20)
}

fn copy_block(table: &str, rows: &[[Option<Vec<u8>>; 3]]) -> Vec<u8> {
    let mut out = format!("COPY public.{table} (id, email, note) FROM stdin;\n").into_bytes();
    for row in rows {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                out.push(b'\t');
            }
            match v {
                None => out.extend_from_slice(b"\\N"),
                Some(v) => encode_copy(v, &mut out),
            }
        }
        out.push(b'\n');
    }
    out.extend_from_slice(b"\\.\n\n");
    out
}

fn insert_statements(table: &str, rows: &[[Option<Vec<u8>>; 3]]) -> Vec<u8> {
    let mut out = Vec::new();
    for row in rows {
        out.extend_from_slice(
            format!("INSERT INTO public.{table} (id, email, note) VALUES (").as_bytes(),
        );
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            match v {
                None => out.extend_from_slice(b"NULL"),
                Some(v) => {
                    out.push(b'\'');
                    for &b in v {
                        if b == b'\'' {
                            out.push(b'\'');
                        }
                        out.push(b);
                    }
                    out.push(b'\'');
                }
            }
        }
        out.extend_from_slice(b");\n");
    }
    out
}

fn dump(users: &[[Option<Vec<u8>>; 3]], other: &[[Option<Vec<u8>>; 3]], inserts: bool) -> Vec<u8> {
    let mut d = b"--\n-- PostgreSQL database dump\n--\n\nSET standard_conforming_strings = on;\nCREATE TABLE public.users (id text, email text, note text);\nCREATE TABLE public.other (id text, email text, note text);\n".to_vec();
    let block = if inserts {
        insert_statements
    } else {
        copy_block
    };
    d.extend(block("other", other));
    d.extend(block("users", users));
    d.extend_from_slice(b"\n--\n-- PostgreSQL database dump complete\n--\n\n");
    d
}

const RULES: &str =
    "tables:\n  public.users:\n    columns:\n      email: email\n      note: {md5: 6}\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_rules_is_the_identity(users in rows(), other in rows(), inserts in any::<bool>(), chunk in 1usize..300) {
        let input = dump(&users, &other, inserts);
        let (out, _) = scrub_bytes(&input, Arc::new(RuleSet::default()), &Keys::from_seed(1), chunk).unwrap();
        prop_assert!(out == input);
    }

    #[test]
    fn chunking_never_changes_the_output(users in rows(), other in rows(), inserts in any::<bool>(), chunk in 1usize..300) {
        let input = dump(&users, &other, inserts);
        let rules = Arc::new(RuleSet::from_yaml(RULES).unwrap());
        let (whole, _) = scrub_bytes(&input, rules.clone(), &Keys::from_seed(9), 1 << 20).unwrap();
        let (cut, _) = scrub_bytes(&input, rules, &Keys::from_seed(9), chunk).unwrap();
        prop_assert!(whole == cut);
    }

    #[test]
    fn ruled_copy_fields_follow_their_rule(users in rows(), other in rows()) {
        let input = dump(&users, &other, false);
        let rules = Arc::new(RuleSet::from_yaml(RULES).unwrap());
        let (out, report) = scrub_bytes(&input, rules, &Keys::from_seed(3), 64).unwrap();
        prop_assert!(report.unmatched.is_empty());
        let text = out.as_slice();
        let start = memmem(text, b"COPY public.users").unwrap();
        let body = &text[start..];
        let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').skip(1).take(users.len()).collect();
        for (row, line) in users.iter().zip(lines) {
            let fields: Vec<Option<Vec<u8>>> = line.split(|&b| b == b'\t').map(|f| decode_copy(f).map(|c| c.into_owned())).collect();
            prop_assert_eq!(fields.len(), 3);
            prop_assert_eq!(&fields[0], &row[0], "unruled field changed");
            match &row[1] {
                None => prop_assert_eq!(&fields[1], &None),
                Some(_) => prop_assert_eq!(fields[1].as_deref(), Some(b"nobody@example.com".as_slice())),
            }
            match &row[2] {
                None => prop_assert_eq!(&fields[2], &None),
                Some(_) => {
                    let v = fields[2].clone().unwrap();
                    prop_assert!(v.len() == 6 && v.iter().all(u8::is_ascii_hexdigit));
                }
            }
        }
        // The table without rules is untouched.
        let other_block = copy_block("other", &other);
        prop_assert!(memmem(text, &other_block).is_some());
    }
}

fn memmem(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Byte soup made of the pieces that steer the splitter, to reach its corners.
fn soup() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"COPY public.users (id, email, note) FROM stdin;\n".to_vec()),
        Just(b"COPY t (a) FROM stdin WITH CSV;\n".to_vec()),
        Just(b"INSERT INTO public.users VALUES ".to_vec()),
        Just(b"INSERT INTO t (a) VALUES (".to_vec()),
        Just(b"CREATE TABLE public.users (id int, email text, note text);\n".to_vec()),
        Just(b"SET standard_conforming_strings = off;\n".to_vec()),
        Just(b"SET search_path = x, pg_catalog;\n".to_vec()),
        Just(b"\\.\n".to_vec()),
        Just(b"\\restrict k\n".to_vec()),
        Just(b"$$".to_vec()),
        Just(b"$a$".to_vec()),
        Just(b"E'".to_vec()),
        Just(b"/*".to_vec()),
        Just(b"*/".to_vec()),
        Just(b"--".to_vec()),
        proptest::collection::vec(
            prop_oneof![
                Just(b'\''),
                Just(b'"'),
                Just(b'('),
                Just(b')'),
                Just(b','),
                Just(b';'),
                Just(b'\n'),
                Just(b'\t'),
                Just(b'\\'),
                any::<u8>()
            ],
            0..8
        ),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// No input makes it panic: it rewrites or it reports an error, at any chunk size.
    #[test]
    fn any_input_is_rewritten_or_rejected(input in soup(), chunk in 1usize..64) {
        let rules = Arc::new(RuleSet::from_yaml("tables:\n  public.users:\n    columns:\n      email: email\n  t:\n    columns:\n      a: {md5: 3}\n").unwrap());
        let whole = scrub_bytes(&input, rules.clone(), &Keys::from_seed(1), 1 << 16).map(|(out, _)| out).map_err(|e| e.to_string());
        let cut = scrub_bytes(&input, rules, &Keys::from_seed(1), chunk).map(|(out, _)| out).map_err(|e| e.to_string());
        prop_assert_eq!(whole.is_ok(), cut.is_ok(), "chunking changed the verdict: {:?} vs {:?}", whole, cut);
        if let (Ok(a), Ok(b)) = (whole, cut) {
            prop_assert!(a == b);
        }
    }
}
