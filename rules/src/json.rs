//! `{json: {PATH: RULE, ...}}`: rules for values inside a json or jsonb document.
//!
//! The document is never re-serialized. serde_json parses it into borrowed
//! [`RawValue`] pieces, which are slices of the input: a path walks down those pieces, each
//! matched scalar's offset in the input is known from its pointer, and the rule's output is
//! spliced in place of exactly those bytes. Key order, duplicate keys, number spelling and
//! whitespace (jsonb dumps `{"a": 1}`, json keeps whatever the user wrote) all survive.
//!
//! A path is the usual JSONPath subset: `$` the document, `.key` or `["any key"]` a member,
//! `[N]` an array item, `[*]` or `.*` every child, and `..` in front of any of those to look
//! at every depth. A path that matches nothing in a document leaves it alone: not every
//! row has every key. A path that matches nothing in any document of a whole dump is
//! another matter: most likely a typo (`$.emial`) that lets the real key through, so the
//! rule remembers which paths have matched ([`JsonRule::unmatched_paths`]) and a run
//! reports the others as rules that matched nothing.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::keys::Keys;
use crate::rule::{Outcome, Place, Rule, Value, ValueError};
use crate::scratch;

/// A parsed path such as `$.address.street` or `$..email`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Step {
    /// `..`: the selector applies at this level and every level below.
    descend: bool,
    selector: Selector,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Selector {
    Key(String),
    Index(usize),
    Any,
}

impl JsonPath {
    /// Parses a path; the error says which character is wrong.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let fail = |at: usize, what: &str| {
            Err(format!(
                "`{text}`: {what} at character {}",
                text[..at].chars().count() + 1
            ))
        };
        let bytes = text.as_bytes();
        if bytes.first() != Some(&b'$') {
            return fail(0, "a path starts with `$`");
        }
        let mut steps = Vec::new();
        let mut at = 1;
        while at < bytes.len() {
            let descend = text[at..].starts_with("..");
            let selector = if descend || bytes[at] == b'.' {
                at += if descend { 2 } else { 1 };
                if bytes.get(at) == Some(&b'[') && descend {
                    match bracket(text, at) {
                        Ok((selector, end)) => {
                            at = end;
                            selector
                        }
                        Err((at, what)) => return fail(at, what),
                    }
                } else if bytes.get(at) == Some(&b'*') {
                    at += 1;
                    Selector::Any
                } else {
                    let len = text[at..]
                        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                        .unwrap_or(text.len() - at);
                    if len == 0 {
                        return fail(
                            at,
                            "expected a key (letters, digits, `_`, `-`; others go in `[\"...\"]`)",
                        );
                    }
                    at += len;
                    Selector::Key(text[at - len..at].to_owned())
                }
            } else if bytes[at] == b'[' {
                match bracket(text, at) {
                    Ok((selector, end)) => {
                        at = end;
                        selector
                    }
                    Err((at, what)) => return fail(at, what),
                }
            } else {
                return fail(at, "expected `.`, `..` or `[`");
            };
            steps.push(Step { descend, selector });
        }
        Ok(JsonPath {
            text: text.to_owned(),
            steps,
        })
    }

    /// The path as the rules file wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Reads `[N]`, `[*]`, `["key"]` or `['key']` at `at` (the `[`); returns the selector and
/// where it ends, or where and what is wrong.
fn bracket(text: &str, at: usize) -> Result<(Selector, usize), (usize, &'static str)> {
    let bytes = text.as_bytes();
    let inner = at + 1;
    let close = |end: usize| {
        if bytes.get(end) == Some(&b']') {
            Ok(end + 1)
        } else {
            Err((end, "expected `]`"))
        }
    };
    match bytes.get(inner) {
        Some(b'*') => Ok((Selector::Any, close(inner + 1)?)),
        Some(&quote @ (b'"' | b'\'')) => {
            let mut key = String::new();
            let mut chars = text[inner + 1..].char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, escaped)) => key.push(escaped),
                        None => break,
                    },
                    c if c as u32 == quote as u32 => {
                        return Ok((Selector::Key(key), close(inner + 1 + i + 1)?));
                    }
                    c => key.push(c),
                }
            }
            Err((inner, "unterminated quoted key"))
        }
        Some(b'0'..=b'9') => {
            let len = bytes[inner..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let index = text[inner..inner + len]
                .parse()
                .map_err(|_| (inner, "index too large"))?;
            Ok((Selector::Index(index), close(inner + len)?))
        }
        _ => Err((
            inner,
            "expected an index, `*` or a quoted key inside `[...]`",
        )),
    }
}

/// The paths of a `json` rule, each with its rule, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonRule {
    pub paths: Vec<(JsonPath, Rule)>,
    seen: Seen,
}

impl JsonRule {
    pub fn new(paths: Vec<(JsonPath, Rule)>) -> JsonRule {
        let seen = Seen(Arc::new(SeenFlags {
            document: Flag::default(),
            paths: paths.iter().map(|_| Flag::default()).collect(),
        }));
        JsonRule { paths, seen }
    }

    /// The paths that matched no value in any of the documents this rule was applied to,
    /// once it was applied to at least one (a column that only held NULLs proves nothing).
    /// Read it after every thread applying the rule is done.
    pub fn unmatched_paths(&self) -> Vec<&JsonPath> {
        if !self.seen.0.document.is_set() {
            return Vec::new();
        }
        self.paths
            .iter()
            .zip(&self.seen.0.paths)
            .filter(|(_, matched)| !matched.is_set())
            .map(|((path, _), _)| path)
            .collect()
    }
}

/// What the documents have shown a rule so far: whether there was one, and which paths
/// matched in any. Clones of the rule (each table's plan holds one) and the worker threads
/// of a run share it. It is not part of what the rule means, so two rules compare equal
/// whatever they have seen.
#[derive(Clone, Debug)]
struct Seen(Arc<SeenFlags>);

#[derive(Debug)]
struct SeenFlags {
    document: Flag,
    paths: Vec<Flag>,
}

impl PartialEq for Seen {
    fn eq(&self, _: &Seen) -> bool {
        true
    }
}

impl Eq for Seen {}

/// A flag set once and never cleared. Setting it reads first, so after the first time the
/// threads only share a read-only cache line.
#[derive(Debug, Default)]
struct Flag(AtomicBool);

impl Flag {
    fn set(&self) {
        if !self.0.load(Ordering::Relaxed) {
            self.0.store(true, Ordering::Relaxed);
        }
    }

    fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A matched value: where it is in the document and which path matched it.
struct Match {
    start: usize,
    end: usize,
    path: usize,
}

/// Applies the rule of every path to the document `text`.
pub(crate) fn apply<'a>(
    rule: &JsonRule,
    text: &[u8],
    place: Place,
    keys: &Keys,
    out: &'a mut Vec<u8>,
) -> Result<Outcome<'a>, ValueError> {
    let invalid = |e: &dyn fmt::Display| ValueError(format!("not valid JSON: {e}"));
    let doc = std::str::from_utf8(text).map_err(|e| invalid(&e))?;
    let root: &RawValue = serde_json::from_str(doc).map_err(|e| invalid(&e))?;
    rule.seen.0.document.set();
    let mut matches = Vec::new();
    for (index, (path, _)) in rule.paths.iter().enumerate() {
        let before = matches.len();
        walk(root, &path.steps, &mut |raw| {
            let start = raw.get().as_ptr() as usize - doc.as_ptr() as usize;
            matches.push(Match {
                start,
                end: start + raw.get().len(),
                path: index,
            });
        })?;
        if matches.len() > before {
            rule.seen.0.paths[index].set();
        }
    }
    if matches.is_empty() {
        return Ok(Outcome::Unchanged);
    }
    // JSON values nest or are disjoint. An outer match (a `null` over an object) takes its
    // inner ones with it; of equal matches the first path in the file wins. `keep` on an
    // object or array claims nothing, so it never shields a rule on a value inside.
    matches.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end), m.path));
    let (mut claimed, mut index) = (0, 0);
    let copied = scratch::with_buffer(|scratch| {
        let mut copied = 0;
        for m in matches {
            if m.start < claimed {
                continue;
            }
            let (path, inner) = &rule.paths[m.path];
            let original = &doc[m.start..m.end];
            let decoded;
            let value = match original.as_bytes()[0] {
                b'{' | b'[' => match inner {
                    Rule::Keep => continue,
                    Rule::Null => Value::Text(original.as_bytes()),
                    _ => {
                        return Err(ValueError(format!(
                            "JSON path {path} matches an object or array; only `null` and `keep` apply to those"
                        )));
                    }
                },
                b'"' => {
                    decoded =
                        serde_json::from_str::<Cow<str>>(original).map_err(|e| invalid(&e))?;
                    Value::Text(decoded.as_bytes())
                }
                b'n' => Value::Null,
                _ => Value::Text(original.as_bytes()),
            };
            claimed = m.end;
            let outcome = inner.apply(value, place.inner(index), keys, scratch)?;
            index += 1;
            if outcome == Outcome::Unchanged {
                continue;
            }
            out.extend_from_slice(&text[copied..m.start]);
            copied = m.end;
            match outcome {
                Outcome::Text(new) => {
                    let new = std::str::from_utf8(new).map_err(|_| {
                        ValueError(format!(
                            "the rule of JSON path {path} gave text that is not UTF-8"
                        ))
                    })?;
                    serde_json::to_writer(&mut *out, new).expect("a string serializes");
                }
                _ => out.extend_from_slice(b"null"),
            }
        }
        Ok(copied)
    })?;
    if copied == 0 {
        return Ok(Outcome::Unchanged);
    }
    out.extend_from_slice(&text[copied..]);
    Ok(Outcome::Text(out))
}

/// Hands `found` each value under `raw` that `steps` lead to.
fn walk<'a>(
    raw: &'a RawValue,
    steps: &[Step],
    found: &mut dyn FnMut(&'a RawValue),
) -> Result<(), ValueError> {
    let Some((step, rest)) = steps.split_first() else {
        found(raw);
        return Ok(());
    };
    for_each_child(raw, |key, child| {
        let selected = match (&step.selector, key) {
            (Selector::Any, _) => true,
            (Selector::Key(name), ChildKey::Name(key)) => key == name,
            (Selector::Index(index), ChildKey::Item(item)) => item == *index,
            _ => false,
        };
        if selected {
            walk(child, rest, found)?;
        }
        if step.descend {
            walk(child, steps, found)?;
        }
        Ok(())
    })
}

/// Calls `each` with every member of an object (duplicates included) or item of an array, in
/// document order, as slices of the document; nothing for a scalar. The children are
/// visited as serde_json reads them, not collected first.
fn for_each_child<'a>(
    raw: &'a RawValue,
    each: impl FnMut(ChildKey<'_>, &'a RawValue) -> Result<(), ValueError>,
) -> Result<(), ValueError> {
    let text = raw.get();
    if !matches!(text.as_bytes()[0], b'{' | b'[') {
        return Ok(());
    }
    let mut children = Children { each, failed: None };
    let mut reader = serde_json::Deserializer::from_str(text);
    de::Deserializer::deserialize_any(&mut reader, &mut children).map_err(|e| {
        children
            .failed
            .take()
            .unwrap_or_else(|| ValueError(format!("not valid JSON: {e}")))
    })
}

/// The visitor of [`for_each_child`]: `failed` keeps the callback's own error, which serde
/// can only carry as text.
struct Children<F> {
    each: F,
    failed: Option<ValueError>,
}

impl<'de, F> Children<F>
where
    F: FnMut(ChildKey<'_>, &'de RawValue) -> Result<(), ValueError>,
{
    fn call<E: de::Error>(&mut self, key: ChildKey<'_>, child: &'de RawValue) -> Result<(), E> {
        (self.each)(key, child).map_err(|e| {
            let error = E::custom(&e.0);
            self.failed = Some(e);
            error
        })
    }
}

impl<'de, F> Visitor<'de> for &mut Children<F>
where
    F: FnMut(ChildKey<'_>, &'de RawValue) -> Result<(), ValueError>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key()? {
            let child = map.next_value()?;
            self.call(ChildKey::Name(&key), child)?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut item = 0;
        while let Some(child) = seq.next_element()? {
            self.call(ChildKey::Item(item), child)?;
            item += 1;
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum ChildKey<'k> {
    Name(&'k str),
    Item(usize),
}

/// A member name, borrowed from the document unless it had escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::rule::DEFAULT_EMAIL;

    fn rule(paths: &[(&str, Rule)]) -> JsonRule {
        JsonRule::new(
            paths
                .iter()
                .map(|(p, r)| (JsonPath::parse(p).unwrap(), r.clone()))
                .collect(),
        )
    }

    fn run(rule: &JsonRule, doc: &str) -> Result<String, ValueError> {
        let mut out = Vec::new();
        let place = Place { row: 9, column: 0 };
        Ok(
            match apply(rule, doc.as_bytes(), place, &Keys::from_seed(1), &mut out)? {
                Outcome::Unchanged => doc.to_owned(),
                Outcome::Text(t) => String::from_utf8(t.to_vec()).unwrap(),
                Outcome::Null => panic!("a json rule never nulls the whole value"),
            },
        )
    }

    #[test]
    fn paths_that_never_match_are_known_once_a_document_was_seen() {
        let r = rule(&[
            ("$.email", email()),
            ("$.emial", email()),
            ("$.phones[*]", Rule::Null),
        ]);
        assert!(
            r.unmatched_paths().is_empty(),
            "no document seen yet: nothing to say"
        );
        run(&r, r#"{"name": "x"}"#).unwrap();
        let names = |r: &JsonRule| -> Vec<String> {
            r.unmatched_paths()
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect()
        };
        assert_eq!(names(&r), ["$.email", "$.emial", "$.phones[*]"]);
        run(&r, r#"{"email": "a@b.c", "phones": ["1"]}"#).unwrap();
        assert_eq!(names(&r), ["$.emial"]);
        // A clone (a table's plan holds one) shares what is seen; equality ignores it.
        let plan_copy = r.clone();
        run(&plan_copy, r#"{"emial": "typo@b.c"}"#).unwrap();
        assert!(names(&r).is_empty());
        assert_eq!(
            r,
            rule(&[
                ("$.email", email()),
                ("$.emial", email()),
                ("$.phones[*]", Rule::Null)
            ])
        );
    }

    fn email() -> Rule {
        Rule::Email {
            address: DEFAULT_EMAIL.into(),
            unique: false,
        }
    }

    #[test]
    fn paths_parse_and_bad_ones_say_where() {
        for good in [
            "$",
            "$.a",
            "$.a.b",
            "$.a[*]",
            "$.a[0]",
            "$[\"key with spaces\"]",
            "$['it\\'s']",
            "$..name",
            "$..*",
            "$..[0]",
            "$.*.x",
            "$.naïve-key_2",
        ] {
            JsonPath::parse(good).unwrap();
        }
        for (bad, at) in [
            ("a.b", 1),
            ("$.", 3),
            ("$.a[", 5),
            ("$.a[1", 6),
            ("$[\"x", 3),
            ("$.a b", 4),
            ("$a", 2),
            ("$.a[-1]", 5),
            ("$.é[x]", 5),
        ] {
            let e = JsonPath::parse(bad).unwrap_err();
            assert!(e.ends_with(&format!("at character {at}")), "{bad}: {e}");
        }
    }

    #[test]
    fn matched_scalars_are_replaced_and_every_other_byte_stays() {
        let doc = r#"{"email": "ann@corp.com" , "n":1,"phones": ["+1 555", 12, null, true],
  "address": {"street": "Main \"St\"", "city": "X"}, "list": [{"email": "b@c.d"}]}"#;
        let out = run(
            &rule(&[
                ("$.email", email()),
                ("$.phones[*]", Rule::Null),
                ("$.address.street", Rule::Fixed("a\tb\\c\"d\ne".into())),
                ("$.list[0].email", Rule::Fixed("é".into())),
                ("$.missing.path", Rule::Null),
            ]),
            doc,
        )
        .unwrap();
        let expected = doc
            .replace("\"ann@corp.com\"", "\"nobody@example.com\"")
            .replace(r#"["+1 555", 12, null, true]"#, "[null, null, null, null]")
            .replace(r#""Main \"St\"""#, r#""a\tb\\c\"d\ne""#)
            .replace("\"b@c.d\"", "\"é\"");
        assert_eq!(out, expected);
    }

    #[test]
    fn scalar_kinds_reach_the_rule_decoded() {
        // Strings arrive unescaped, numbers and booleans as their text, null as NULL.
        let fixed = Rule::Fixed("x".into());
        let doc = r#"{"s": "a\u0041\n", "n": -1.5e3, "b": false, "z": null}"#;
        assert_eq!(
            run(&rule(&[("$.*", fixed)]), doc).unwrap(),
            r#"{"s": "x", "n": "x", "b": "x", "z": "x"}"#
        );
        assert_eq!(
            run(&rule(&[("$.*", email())]), doc).unwrap(),
            r#"{"s": "nobody@example.com", "n": "nobody@example.com", "b": "nobody@example.com", "z": null}"#
        );
        let md5 = run(
            &rule(&[(
                "$.s",
                Rule::Md5 {
                    len: 8,
                    unique: false,
                },
            )]),
            doc,
        )
        .unwrap();
        assert!(
            md5.starts_with(r#"{"s": ""#)
                && md5.ends_with(r#"", "n": -1.5e3, "b": false, "z": null}"#),
            "{md5}"
        );
    }

    #[test]
    fn place_based_rules_give_each_match_its_own_value() {
        let out = run(
            &rule(&[(
                "$[*]",
                Rule::Md5 {
                    len: 8,
                    unique: false,
                },
            )]),
            r#"["a", "a"]"#,
        )
        .unwrap();
        let items: Vec<String> = serde_json::from_str(&out).unwrap();
        assert_ne!(items[0], items[1]);
    }

    #[test]
    fn keys_by_bracket_recursive_descent_and_duplicates() {
        let doc = r#"{"a b": 1, "x": {"name": "n1", "y": [{"name": "n2"}, {"name": {"name": "n3"}}]}, "name": "n0", "name": "dup"}"#;
        assert_eq!(
            run(&rule(&[("$[\"a b\"]", Rule::Fixed("k".into()))]), doc).unwrap(),
            doc.replace("\"a b\": 1", "\"a b\": \"k\"")
        );
        // `..name` finds every depth; an object match under a scalar rule is refused, under
        // `null` it goes whole, taking its inner match with it.
        let e = run(&rule(&[("$..name", Rule::Fixed("k".into()))]), doc).unwrap_err();
        assert!(e.0.contains("$..name matches an object or array"), "{e}");
        assert_eq!(
            run(&rule(&[("$..name", Rule::Null)]), doc).unwrap(),
            r#"{"a b": 1, "x": {"name": null, "y": [{"name": null}, {"name": null}]}, "name": null, "name": null}"#
        );
        assert_eq!(
            run(
                &rule(&[("$.x.name", Rule::Keep), ("$..name", Rule::Null)]),
                doc
            )
            .unwrap(),
            r#"{"a b": 1, "x": {"name": "n1", "y": [{"name": null}, {"name": null}]}, "name": null, "name": null}"#
        );
        // `keep` on an object does not shield what is inside.
        assert_eq!(
            run(&rule(&[("$.x", Rule::Keep), ("$.x.name", Rule::Null)]), doc).unwrap(),
            doc.replace("\"n1\"", "null")
        );
    }

    #[test]
    fn documents_without_a_match_or_not_json() {
        let r = rule(&[("$.email", email())]);
        for doc in [
            "[]",
            "\"text\"",
            "42",
            "null",
            "{\"other\": 1}",
            "  {\"email\": {}} ",
        ] {
            if doc.contains("email") {
                assert!(run(&r, doc).is_err());
            } else {
                assert_eq!(run(&r, doc).unwrap(), doc);
            }
        }
        for bad in ["{", "{'a': 1}", "nul", "{\"a\": 1} x", "\u{0}"] {
            let e = run(&r, bad).unwrap_err();
            assert!(e.0.starts_with("not valid JSON: "), "{bad}: {e}");
        }
        let mut out = Vec::new();
        let place = Place { row: 0, column: 0 };
        let e = apply(
            &r,
            b"{\"email\": \"\xff\"}",
            place,
            &Keys::from_seed(1),
            &mut out,
        )
        .unwrap_err();
        assert!(e.0.starts_with("not valid JSON: "), "{e}");
    }

    fn json_string() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                Just('"'),
                Just('\\'),
                Just('\n'),
                Just('\t'),
                Just('\u{1}'),
                Just('é'),
                Just('\u{1F600}'),
                Just(' '),
                any::<char>(),
            ],
            0..6,
        )
        .prop_map(|c| c.into_iter().collect())
    }

    proptest! {
        #[test]
        fn a_splice_keeps_every_byte_outside_the_match(
            before in json_string(), target in json_string(), after in json_string(),
            new in json_string(), pad in "[ \t\n]{0,3}",
        ) {
            let enc = |s: &str| serde_json::to_string(s).unwrap();
            let doc = format!(
                "{pad}{{{pad}\"before\":{pad}{}{pad},\"t\":{pad}{},\"after\":[{pad}{}]}}{pad}",
                enc(&before), enc(&target), enc(&after)
            );
            let out = run(&rule(&[("$.t", Rule::Fixed(new.clone()))]), &doc).unwrap();
            let at = doc.find(&format!("\"t\":{pad}")).unwrap() + 4 + pad.len();
            let old_len = enc(&target).len();
            prop_assert_eq!(&out[..at], &doc[..at]);
            prop_assert_eq!(&out[at + enc(&new).len()..], &doc[at + old_len..]);
            let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
            prop_assert_eq!(parsed["t"].as_str().unwrap(), new.as_str());
            prop_assert_eq!(parsed["before"].as_str().unwrap(), before.as_str());
        }
    }
}
