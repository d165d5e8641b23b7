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
//! row has every key.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::keys::Keys;
use crate::rule::{Outcome, Place, Rule, Value, ValueError};

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
    let mut matches = Vec::new();
    for (index, (path, _)) in rule.paths.iter().enumerate() {
        let mut found = Vec::new();
        walk(root, &path.steps, &mut found)?;
        matches.extend(found.into_iter().map(|raw| {
            let start = raw.get().as_ptr() as usize - doc.as_ptr() as usize;
            Match {
                start,
                end: start + raw.get().len(),
                path: index,
            }
        }));
    }
    if matches.is_empty() {
        return Ok(Outcome::Unchanged);
    }
    // JSON values nest or are disjoint: an outer match (a `null` over an object) takes its
    // inner ones with it, and of equal matches the first path in the file wins.
    matches.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end), m.path));
    let mut copied = 0;
    let mut scratch = Vec::new();
    for m in matches {
        if m.start < copied {
            continue;
        }
        let (path, inner) = &rule.paths[m.path];
        let original = &doc[m.start..m.end];
        let decoded;
        let value = match original.as_bytes()[0] {
            b'{' | b'[' => match inner {
                Rule::Keep => continue,
                Rule::Null => {
                    out.extend_from_slice(&text[copied..m.start]);
                    out.extend_from_slice(b"null");
                    copied = m.end;
                    continue;
                }
                _ => {
                    return Err(ValueError(format!(
                        "JSON path {path} matches an object or array; only `null` and `keep` apply to those"
                    )));
                }
            },
            b'"' => {
                decoded = serde_json::from_str::<Cow<str>>(original).map_err(|e| invalid(&e))?;
                Value::Text(decoded.as_bytes())
            }
            b'n' => Value::Null,
            _ => Value::Text(original.as_bytes()),
        };
        let outcome = inner.apply(value, place, keys, &mut scratch)?;
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
    if copied == 0 {
        return Ok(Outcome::Unchanged);
    }
    out.extend_from_slice(&text[copied..]);
    Ok(Outcome::Text(out))
}

/// Collects the values under `raw` that `steps` lead to.
fn walk<'a>(
    raw: &'a RawValue,
    steps: &[Step],
    found: &mut Vec<&'a RawValue>,
) -> Result<(), ValueError> {
    let Some((step, rest)) = steps.split_first() else {
        found.push(raw);
        return Ok(());
    };
    let children = Children::of(raw)?;
    for (key, child) in children.iter() {
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
    }
    Ok(())
}

/// The members of an object or items of an array, as slices of the document.
enum Children<'a> {
    Object(Vec<(Cow<'a, str>, &'a RawValue)>),
    Array(Vec<&'a RawValue>),
    None,
}

impl<'a> Children<'a> {
    fn of(raw: &'a RawValue) -> Result<Children<'a>, ValueError> {
        let text = raw.get();
        let parsed = match text.as_bytes()[0] {
            b'{' => serde_json::from_str::<Members<'a>>(text).map(|m| Children::Object(m.0)),
            b'[' => serde_json::from_str(text).map(Children::Array),
            _ => return Ok(Children::None),
        };
        parsed.map_err(|e| ValueError(format!("not valid JSON: {e}")))
    }

    /// Each child with its member name or item index.
    fn iter(&self) -> Box<dyn Iterator<Item = (ChildKey<'_>, &'a RawValue)> + '_> {
        match self {
            Children::Object(members) => {
                Box::new(members.iter().map(|(k, v)| (ChildKey::Name(k), *v)))
            }
            Children::Array(items) => Box::new(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (ChildKey::Item(i), *v)),
            ),
            Children::None => Box::new(std::iter::empty()),
        }
    }
}

#[derive(Clone, Copy)]
enum ChildKey<'k> {
    Name(&'k str),
    Item(usize),
}

/// An object's members in document order, duplicates included, keys borrowed when they
/// have no escapes.
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(Key(key)) = map.next_key()? {
                    members.push((key, map.next_value()?));
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(MembersVisitor)
    }
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
