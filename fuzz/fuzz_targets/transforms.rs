//! The structured transforms (`json`, `array`, `redact`) on arbitrary values: they parse text
//! a user's database chose, so they may refuse a value with an error, never panic.
//!
//! Also: the output depends on the value, place and key only (applying twice gives the same
//! outcome), and a `json` rule given a valid JSON document returns a valid JSON document (its
//! output is spliced into the document, which must still load). The first input byte picks
//! the rule, the next eight the row offset; the rest is the value.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use scrub_rules::{Keys, Outcome, Place, Rule, RuleSet, Value};

const RULES: &str = r#"tables:
  t:
    columns:
      j1: {json: {"$.email": email, "$.phones[*]": null, "$..name": {fake: name}}}
      j2: {json: {"$..*": {redact: [email, phone, card]}, '$["a b"][0]': {fixed: "x\"y\\z"}}}
      j3: {json: {"$": {md5: 6}, "$.n": hash}}
      a1: {array: {md5: 8}}
      a2: {array: {array: {fixed: "q,\"}"}}}
      a3: {array: {hash: email}}
      a4: {array: {json: {"$.k": keep, "$.e": email}}}
      a5: {array: null}
      r1: {redact: [email, phone, card]}
      r2: {redact: [email]}
      r3: {redact: [phone]}
      r4: {redact: [card]}
"#;

static SET: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let set = RuleSet::from_yaml(RULES).unwrap();
    set.tables()[0]
        .columns
        .iter()
        .map(|c| c.rule.clone())
        .collect()
});
static KEYS: LazyLock<Keys> = LazyLock::new(|| Keys::from_seed(11));

fn owned(
    o: Result<Outcome<'_>, scrub_rules::ValueError>,
) -> Result<Option<Option<Vec<u8>>>, String> {
    match o {
        Ok(Outcome::Unchanged) => Ok(None),
        Ok(Outcome::Null) => Ok(Some(None)),
        Ok(Outcome::Text(t)) => Ok(Some(Some(t.to_vec()))),
        Err(e) => Err(e.0),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let rule = &SET[data[0] as usize % SET.len()];
    let row = u64::from_le_bytes(data[1..9].try_into().unwrap());
    let value = &data[9..];
    let place = Place {
        row,
        column: data[0] as u32 & 0xff,
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let first = owned(rule.apply(Value::Text(value), place, &KEYS, &mut a));
    let again = owned(rule.apply(Value::Text(value), place, &KEYS, &mut b));
    assert_eq!(first, again, "the same value gave two outcomes");
    let _ = rule.apply(Value::Null, place, &KEYS, &mut a);
    if let (Rule::Json(_), Ok(Some(Some(out)))) = (rule, &first)
        && serde_json::from_slice::<serde::de::IgnoredAny>(value).is_ok()
    {
        assert!(
            serde_json::from_slice::<serde::de::IgnoredAny>(out).is_ok(),
            "valid JSON in, invalid JSON out: {:?}",
            String::from_utf8_lossy(out)
        );
    }
});
