//! `{array: RULE}`: a rule applied to each element of a PostgreSQL array.
//!
//! The dump holds an array as its text form (`array_out`): `{a,"b c",NULL,"x\"y",""}`,
//! nested braces for more dimensions (`{{1,2},{3,4}}`) and, when a lower bound is not 1, a
//! dimension decoration in front (`[0:1]={7,8}`). The decoration and the braces are copied
//! as they are, so dimensions and lengths never change; only elements the inner rule changes
//! are written anew, quoted the way `array_in` needs. Elements the rule leaves alone keep
//! their original bytes, so an unruled array comes back byte-identical.
//!
//! The delimiter is `,`, which is every built-in type's but `box` (whose arrays use `;`):
//! `box[]` is not supported: its text is refused (an element holding `);(`) rather than
//! split at the commas inside each box.

use std::borrow::Cow;

use crate::keys::Keys;
use crate::rule::{Outcome, Place, Rule, Value, ValueError};
use crate::scratch;

/// One piece of an array's text, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Structure copied as it is: the decoration, braces and delimiters.
    Literal(&'a [u8]),
    /// An element: its bytes in the text and its decoded value.
    Element { raw: &'a [u8], value: Element<'a> },
}

/// An element's decoded value: borrowed from the text unless it holds backslash escapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Element<'a> {
    Null,
    Text(Cow<'a, [u8]>),
}

/// `MAXDIM`: the most dimensions `array_in` accepts.
const MAX_DIMENSIONS: usize = 6;

/// Splits an array's text into structure and elements, handing each piece to `each` in
/// order as it is read (an array is rewritten in one pass, with nothing collected).
///
/// Rejects what `array_in` rejects: unbalanced braces, text after the closing brace,
/// an unterminated quote, a missing delimiter, more than six dimensions, or an element
/// that mixes dimensions (`{1,{2}}`). Whitespace around elements is structure, as
/// `array_in` ignores it. A malformed array may have given some pieces before its error.
pub(crate) fn parse<'a>(
    text: &'a [u8],
    mut each: impl FnMut(Piece<'a>) -> Result<(), ValueError>,
) -> Result<(), ValueError> {
    let malformed = |e: String| ValueError(format!("not a valid array: {e}"));
    let mut at = 0;
    if text.first() == Some(&b'[') {
        let eq = text
            .iter()
            .position(|&b| b == b'=')
            .ok_or_else(|| malformed("a dimension decoration `[..]` without `=`".into()))?;
        at = eq + 1;
    }
    at = skip_space(text, at);
    if text.get(at) != Some(&b'{') {
        return Err(malformed(format!(
            "an array starts with `{{`, byte {at} does not"
        )));
    }
    // One entry per open brace: whether it holds sub-arrays (`Some(true)`), elements
    // (`Some(false)`) or nothing yet.
    let mut levels = [None; MAX_DIMENSIONS];
    let mut depth = 0;
    // Whether the next thing must be a delimiter or a closing brace.
    let mut need_delimiter = false;
    let mut literal_start = 0;
    loop {
        at = skip_space(text, at);
        let Some(&byte) = text.get(at) else {
            return Err(malformed(
                "unbalanced braces: the array is not closed".into(),
            ));
        };
        match byte {
            b'{' if !need_delimiter => {
                if depth == MAX_DIMENSIONS {
                    return Err(malformed(format!(
                        "more than {MAX_DIMENSIONS} dimensions at byte {at}"
                    )));
                }
                if depth > 0 {
                    set_kind(&mut levels[depth - 1], true, at).map_err(malformed)?;
                }
                levels[depth] = None;
                depth += 1;
                at += 1;
            }
            b'}' => {
                depth -= 1;
                if !need_delimiter && levels[depth].is_some() {
                    return Err(malformed(format!(
                        "missing element before `}}` at byte {at}"
                    )));
                }
                at += 1;
                need_delimiter = true;
                if depth == 0 {
                    at = skip_space(text, at);
                    if at != text.len() {
                        return Err(malformed(format!(
                            "text after the closing `}}` at byte {at}"
                        )));
                    }
                    break;
                }
            }
            b',' if need_delimiter => {
                need_delimiter = false;
                at += 1;
            }
            _ if need_delimiter => {
                return Err(malformed(format!(
                    "expected `,` or `}}` at byte {at}, found `{}`",
                    byte as char
                )));
            }
            b',' => {
                return Err(malformed(format!(
                    "missing element before `,` at byte {at}"
                )));
            }
            _ => {
                set_kind(&mut levels[depth - 1], false, at).map_err(malformed)?;
                if at > literal_start {
                    each(Piece::Literal(&text[literal_start..at]))?;
                }
                let (end, value) = element(text, at).map_err(malformed)?;
                each(Piece::Element {
                    raw: &text[at..end],
                    value,
                })?;
                at = end;
                literal_start = at;
                need_delimiter = true;
            }
        }
    }
    each(Piece::Literal(&text[literal_start..]))
}

/// The non-NULL elements of an array's text, decoded, at any depth; `None` when the text is
/// not an array. For readers that look at every value (`scrub verify` reads the arrays of
/// pg_dump 18's statistics statements with it).
pub fn elements(text: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut found = Vec::new();
    parse(text, |piece| {
        if let Piece::Element {
            value: Element::Text(t),
            ..
        } = piece
        {
            found.push(t.into_owned());
        }
        Ok(())
    })
    .ok()?;
    Some(found)
}

fn skip_space(text: &[u8], mut at: usize) -> usize {
    while text.get(at).is_some_and(|&b| is_space(b)) {
        at += 1;
    }
    at
}

/// Records whether a level holds sub-arrays or elements; mixing both is malformed.
fn set_kind(level: &mut Option<bool>, nested: bool, at: usize) -> Result<(), String> {
    match level {
        None => *level = Some(nested),
        Some(kind) if *kind != nested => {
            return Err(format!(
                "an array level mixes elements and sub-arrays at byte {at}"
            ));
        }
        Some(_) => {}
    }
    Ok(())
}

/// Reads one element starting at `start`: quoted or not, with backslash escapes.
/// Returns where it ends (before trailing whitespace) and its decoded value.
fn element(text: &[u8], start: usize) -> Result<(usize, Element<'_>), String> {
    // What a backslash changed, when one did: the decoded bytes before `run`.
    let mut decoded: Option<Vec<u8>> = None;
    let unescape = |decoded: &mut Option<Vec<u8>>, run: usize, at: usize| {
        let &escaped = text
            .get(at + 1)
            .ok_or_else(|| format!("backslash at the end, byte {at}"))?;
        let d = decoded.get_or_insert_with(Vec::new);
        d.extend_from_slice(&text[run..at]);
        d.push(escaped);
        Ok::<_, String>(at + 2)
    };
    let value = |decoded: Option<Vec<u8>>, run: usize, end: usize, from: usize| {
        Element::Text(match decoded {
            Some(mut d) => {
                d.extend_from_slice(&text[run..end]);
                Cow::Owned(d)
            }
            None => Cow::Borrowed(&text[from..end]),
        })
    };
    if text[start] == b'"' {
        let (mut at, mut run) = (start + 1, start + 1);
        loop {
            match text.get(at) {
                None => return Err(format!("unterminated quoted element from byte {start}")),
                Some(b'"') => return Ok((at + 1, value(decoded, run, at, start + 1))),
                Some(b'\\') => {
                    at = unescape(&mut decoded, run, at)?;
                    run = at;
                }
                Some(_) => at += 1,
            }
        }
    }
    // Unquoted: up to the delimiter or brace; inner whitespace is kept, trailing is not.
    let (mut at, mut run, mut end) = (start, start, start);
    while let Some(&b) = text.get(at) {
        match b {
            b',' | b'}' => break,
            b'{' | b'"' => {
                return Err(format!(
                    "unexpected `{}` inside an unquoted element at byte {at}",
                    b as char
                ));
            }
            b'\\' => {
                at = unescape(&mut decoded, run, at)?;
                (run, end) = (at, at);
            }
            _ => {
                at += 1;
                if !is_space(b) {
                    end = at;
                }
            }
        }
    }
    let raw = &text[start..end];
    if raw.windows(3).any(|w| w == b");(") {
        return Err(format!(
            "element `{}` looks like part of a box[] (delimiter `;`), which array rules do not support",
            String::from_utf8_lossy(raw)
        ));
    }
    if raw.eq_ignore_ascii_case(b"NULL") {
        return Ok((end, Element::Null));
    }
    Ok((end, value(decoded, run, end, start)))
}

/// `array_isspace`: the whitespace `array_in` skips and `array_out` quotes.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Writes an element as `array_out` would: bare when it can be, else quoted with `"` and
/// `\` escaped.
pub(crate) fn write_element(text: &[u8], out: &mut Vec<u8>) {
    let quote = text.is_empty()
        || text.eq_ignore_ascii_case(b"NULL")
        || text
            .iter()
            .any(|&b| matches!(b, b'{' | b'}' | b'"' | b',' | b'\\') || is_space(b));
    if !quote {
        out.extend_from_slice(text);
        return;
    }
    out.push(b'"');
    for &b in text {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Applies `inner` to every element of the array text `value`.
pub(crate) fn apply<'a>(
    inner: &Rule,
    text: &[u8],
    place: Place,
    keys: &Keys,
    out: &'a mut Vec<u8>,
) -> Result<Outcome<'a>, ValueError> {
    let mut changed = false;
    let mut index = 0;
    scratch::with_buffer(|scratch| {
        parse(text, |piece| {
            match piece {
                Piece::Literal(bytes) => out.extend_from_slice(bytes),
                Piece::Element { raw, value } => {
                    let value = match &value {
                        Element::Null => Value::Null,
                        Element::Text(text) => Value::Text(text),
                    };
                    let outcome = inner.apply(value, place.inner(index), keys, scratch)?;
                    index += 1;
                    match outcome {
                        Outcome::Unchanged => out.extend_from_slice(raw),
                        Outcome::Null => {
                            changed = true;
                            out.extend_from_slice(b"NULL");
                        }
                        Outcome::Text(new) => {
                            changed = true;
                            write_element(new, out);
                        }
                    }
                }
            }
            Ok(())
        })
    })?;
    Ok(if changed {
        Outcome::Text(out)
    } else {
        Outcome::Unchanged
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::rule::MD5_HEX_LEN;

    fn elements(text: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut found = Vec::new();
        parse(text, |p| {
            if let Piece::Element { value, .. } = p {
                found.push(match value {
                    Element::Null => None,
                    Element::Text(t) => Some(t.into_owned()),
                });
            }
            Ok(())
        })
        .unwrap();
        found
    }

    fn run(rule: &Rule, text: &str) -> Result<String, ValueError> {
        let mut out = Vec::new();
        let place = Place { row: 5, column: 1 };
        Ok(
            match apply(rule, text.as_bytes(), place, &Keys::from_seed(3), &mut out)? {
                Outcome::Unchanged => text.to_owned(),
                Outcome::Text(t) => String::from_utf8(t.to_vec()).unwrap(),
                Outcome::Null => panic!("an array rule never nulls the whole value"),
            },
        )
    }

    fn text(s: &str) -> Option<Vec<u8>> {
        Some(s.as_bytes().to_vec())
    }

    #[test]
    fn elements_decode_as_array_in_reads_them() {
        assert_eq!(
            elements(br#"{a,"b c",NULL,"x\"y","",null,"NULL", d e ,f\,g}"#),
            vec![
                text("a"),
                text("b c"),
                None,
                text("x\"y"),
                text(""),
                None,
                text("NULL"),
                text("d e"),
                text("f,g"),
            ]
        );
        assert_eq!(
            elements(b"{{1,2},{3,NULL}}"),
            vec![text("1"), text("2"), text("3"), None]
        );
        assert_eq!(elements(b"[0:1]={7,8}"), vec![text("7"), text("8")]);
        assert_eq!(elements(b"{}"), Vec::<Option<Vec<u8>>>::new());
        assert_eq!(
            elements(b"{{{{{{1}}}}}}"),
            vec![text("1")],
            "six dimensions"
        );
    }

    #[test]
    fn structure_and_nulls_stay_and_changed_elements_are_quoted() {
        assert_eq!(
            run(&Rule::Fixed("a b".into()), "[2:3]={{x,NULL},{\"\",y}}").unwrap(),
            "[2:3]={{\"a b\",\"a b\"},{\"a b\",\"a b\"}}"
        );
        assert_eq!(
            run(
                &Rule::Email {
                    address: "q@x.org".into(),
                    unique: false
                },
                "{NULL,\"a,b\"}"
            )
            .unwrap(),
            "{NULL,q@x.org}"
        );
        assert_eq!(run(&Rule::Null, "{a,NULL}").unwrap(), "{NULL,NULL}");
        assert_eq!(run(&Rule::Keep, "{ a , \"b\" }").unwrap(), "{ a , \"b\" }");
        assert_eq!(
            run(&Rule::Fixed("null".into()), "{a}").unwrap(),
            "{\"null\"}"
        );
        assert_eq!(
            run(&Rule::Fixed("q\"\\".into()), "{a}").unwrap(),
            "{\"q\\\"\\\\\"}"
        );
        let md5 = run(
            &Rule::Md5 {
                len: MD5_HEX_LEN,
                unique: false,
            },
            "{{a,b},{NULL,d}}",
        )
        .unwrap();
        let parts: Vec<&str> = md5
            .trim_matches(|c| c == '{' || c == '}')
            .split([',', '{', '}'])
            .filter(|p| !p.is_empty())
            .collect();
        assert_eq!(parts.len(), 4, "{md5}");
        assert_eq!(parts[2], "NULL");
        // Place-based rules give each element its own value.
        assert!(parts[0] != parts[1] && parts[1] != parts[3], "{md5}");
        assert!(md5.starts_with("{{") && md5.contains("},{"), "{md5}");
    }

    #[test]
    fn malformed_arrays_are_value_errors() {
        for bad in [
            "",
            "a,b",
            "{a,b",
            "{a,,b}",
            "{a,}",
            "{,a}",
            "{1,{2}}",
            "{{1},2}",
            "{a}x",
            "{\"a}",
            "{a\"b}",
            "[1:2]{a,b}",
            "{a\\",
            "{(1,1),(0,0);(2,2),(1,1)}",
            "{{{{{{{1}}}}}}}",
        ] {
            let e = run(&Rule::Fixed("x".into()), bad).unwrap_err();
            assert!(e.0.starts_with("not a valid array: "), "{bad}: {e}");
        }
    }

    fn array_text(elements: &[Option<Vec<u8>>]) -> Vec<u8> {
        let mut text = b"{".to_vec();
        for (i, e) in elements.iter().enumerate() {
            if i > 0 {
                text.push(b',');
            }
            match e {
                None => text.extend_from_slice(b"NULL"),
                Some(e) => write_element(e, &mut text),
            }
        }
        text.push(b'}');
        text
    }

    proptest! {
        #[test]
        fn written_elements_read_back(
            elements in prop::collection::vec(
                prop::option::weighted(0.9, prop::collection::vec(
                    prop_oneof![
                        Just(b'"'), Just(b'\\'), Just(b','), Just(b'{'), Just(b'}'),
                        Just(b' '), Just(b'\t'), Just(b'\n'), Just(b'N'), Just(b'U'),
                        Just(b'L'), Just(b'l'), Just(b';'), any::<u8>(),
                    ], 0..8)),
                0..6)
        ) {
            let text = array_text(&elements);
            prop_assert_eq!(self::elements(&text), elements.clone());
            // Rewriting every element with an identity rule keeps array_out's text.
            let mut rebuilt = Vec::new();
            parse(&text, |piece| {
                match piece {
                    Piece::Literal(l) => rebuilt.extend_from_slice(l),
                    Piece::Element { value: Element::Null, .. } => rebuilt.extend_from_slice(b"NULL"),
                    Piece::Element { value: Element::Text(t), .. } => write_element(&t, &mut rebuilt),
                }
                Ok(())
            }).unwrap();
            prop_assert_eq!(rebuilt, text);
        }

        #[test]
        fn two_dimensional_arrays_keep_their_shape(
            rows in 1usize..4, cols in 1usize..4, seed in any::<u64>()
        ) {
            let inner: Vec<String> = (0..rows)
                .map(|r| {
                    let cells: Vec<String> = (0..cols)
                        .map(|c| if (r + c + seed as usize).is_multiple_of(3) { "NULL".into() } else { format!("\"{r} {c}\"") })
                        .collect();
                    format!("{{{}}}", cells.join(","))
                })
                .collect();
            let text = format!("{{{}}}", inner.join(","));
            let out = run(&Rule::Md5 { len: 6, unique: false }, &text).unwrap();
            let before = elements(text.as_bytes());
            let after = elements(out.as_bytes());
            prop_assert_eq!(before.len(), rows * cols);
            prop_assert_eq!(after.len(), rows * cols);
            for (b, a) in before.iter().zip(&after) {
                prop_assert_eq!(b.is_none(), a.is_none());
            }
            prop_assert_eq!(out.matches('{').count(), rows + 1);
        }
    }
}
