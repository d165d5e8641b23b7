//! The arguments of rules that take options: `{hash: {as: digits, length: 12, unique: true}}`,
//! `{fake: {kind: email, max_length: 40}}`, `{md5: {length: 16, unique: true}}`,
//! `{email: {address: a@b.c, unique: true}}`, and their short forms.
//!
//! Each function turns the YAML argument of one rule into a [`Rule`] or a message saying
//! which option is wrong and what it accepts; `file` adds the line and column.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::fake::{self, Fake, KIND_NAMES, Kind};
use crate::hash::{self, Hash, Shape};
use crate::permute::MAX_DECIMAL_DIGITS;
use crate::rule::{DEFAULT_EMAIL, MD5_HEX_LEN, PLACE_HEX_LEN, Rule};

/// A rule's argument as YAML spells it.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum RawArg {
    Number(u64),
    Text(String),
    Options(BTreeMap<String, Scalar>),
}

/// The value of one option.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Scalar {
    Bool(bool),
    Number(u64),
    Text(String),
}

/// The options of one rule, taken one by one so that any left over are reported.
struct Options {
    rule: &'static str,
    known: &'static str,
    map: BTreeMap<String, Scalar>,
}

impl Options {
    fn new(rule: &'static str, known: &'static str, map: BTreeMap<String, Scalar>) -> Options {
        Options { rule, known, map }
    }

    fn text(&mut self, name: &str) -> Result<Option<String>, String> {
        match self.map.remove(name) {
            None => Ok(None),
            Some(Scalar::Text(t)) => Ok(Some(t)),
            Some(_) => Err(format!("{}: `{name}` takes text", self.rule)),
        }
    }

    fn number(&mut self, name: &str) -> Result<Option<usize>, String> {
        match self.map.remove(name) {
            None => Ok(None),
            Some(Scalar::Number(n)) => Ok(Some(n as usize)),
            Some(_) => Err(format!("{}: `{name}` takes a number", self.rule)),
        }
    }

    fn flag(&mut self, name: &str) -> Result<bool, String> {
        match self.map.remove(name) {
            None => Ok(false),
            Some(Scalar::Bool(b)) => Ok(b),
            Some(_) => Err(format!("{}: `{name}` takes true or false", self.rule)),
        }
    }

    /// Fails on any option not taken.
    fn done(self) -> Result<(), String> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(name) => Err(format!(
                "{}: unknown option `{name}`; options are {}",
                self.rule, self.known
            )),
        }
    }
}

/// `md5` with an argument: `{md5: N}` or `{md5: {length: N, unique: true}}`.
pub(crate) fn md5(arg: RawArg) -> Result<Rule, String> {
    let range = format!("md5 takes a length from 1 to {MD5_HEX_LEN}");
    let (len, unique) = match arg {
        RawArg::Number(n) => (n as usize, false),
        RawArg::Options(map) => {
            let mut o = Options::new("md5", "length, unique", map);
            let len = o.number("length")?.unwrap_or(MD5_HEX_LEN);
            let unique = o.flag("unique")?;
            o.done()?;
            (len, unique)
        }
        RawArg::Text(_) => return Err(range),
    };
    if !(1..=MD5_HEX_LEN).contains(&len) {
        return Err(range);
    }
    if unique && len < PLACE_HEX_LEN {
        return Err(format!(
            "md5 with unique: true needs a length of at least {PLACE_HEX_LEN}: its first {PLACE_HEX_LEN} characters carry the row's place"
        ));
    }
    Ok(Rule::Md5 { len, unique })
}

/// `email` with an argument: `{email: ADDRESS}` or `{email: {address: A, unique: true}}`.
pub(crate) fn email(arg: RawArg) -> Result<Rule, String> {
    let (address, unique) = match arg {
        RawArg::Text(address) => (address, false),
        RawArg::Options(map) => {
            let mut o = Options::new("email", "address, unique", map);
            let address = o.text("address")?.unwrap_or_else(|| DEFAULT_EMAIL.into());
            let unique = o.flag("unique")?;
            o.done()?;
            (address, unique)
        }
        RawArg::Number(_) => (String::new(), false),
    };
    if !is_email(&address) {
        return Err("email takes an address like dev@example.org".to_owned());
    }
    Ok(Rule::Email { address, unique })
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, host)) => {
            !local.is_empty() && !local.chars().any(char::is_whitespace) && is_host(host)
        }
        None => false,
    }
}

fn is_host(s: &str) -> bool {
    s.contains('.') && !s.contains('@') && !s.chars().any(char::is_whitespace)
}

const HASH_OPTIONS: &str = "as, length, at, domain, unique";

/// `hash` with an argument (`None` for the bare word): `{hash: SHAPE}` or
/// `{hash: {as: SHAPE, length: N, at: HOST, domain: NAME, unique: true}}`.
pub(crate) fn hash(arg: Option<RawArg>) -> Result<Rule, String> {
    let mut o = match arg {
        None => Options::new("hash", HASH_OPTIONS, BTreeMap::new()),
        Some(RawArg::Text(shape)) => {
            let map = BTreeMap::from([("as".to_owned(), Scalar::Text(shape))]);
            Options::new("hash", HASH_OPTIONS, map)
        }
        Some(RawArg::Options(map)) => Options::new("hash", HASH_OPTIONS, map),
        Some(RawArg::Number(_)) => {
            return Err(format!(
                "hash takes a shape (hex, email, digits, uuid) or options ({HASH_OPTIONS})"
            ));
        }
    };
    let shape_name = o.text("as")?.unwrap_or_else(|| "hex".into());
    let length = o.number("length")?;
    let at = o.text("at")?;
    let domain = o.text("domain")?.unwrap_or_default();
    let unique = o.flag("unique")?;
    o.done()?;
    let sized = |default: usize, max: usize| match length {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(format!("hash {shape_name} takes a length from 1 to {max}")),
    };
    let shape = match shape_name.as_str() {
        "hex" => Shape::Hex {
            len: sized(hash::DEFAULT_HEX_LEN, hash::MAX_HEX_LEN)?,
        },
        "digits" => Shape::Digits {
            len: sized(hash::DEFAULT_DIGITS, hash::MAX_DIGITS)?,
        },
        "email" | "uuid" if length.is_some() => {
            return Err(format!(
                "hash {shape_name} has a fixed length; `length` is for hex and digits"
            ));
        }
        "email" => Shape::Email {
            at: at.clone().unwrap_or_else(|| hash::DEFAULT_HASH_HOST.into()),
        },
        "uuid" => Shape::Uuid,
        other => {
            return Err(format!(
                "unknown hash shape `{other}`; shapes are hex, email, digits, uuid"
            ));
        }
    };
    match (&shape, at) {
        (Shape::Email { .. }, Some(host)) if !is_host(&host) => {
            return Err(format!(
                "hash email: `at` takes a host name like corp.example, got `{host}`"
            ));
        }
        (Shape::Email { .. }, _) | (_, None) => {}
        (_, Some(_)) => return Err("hash: `at` is for the email shape".to_owned()),
    }
    if unique {
        match shape {
            Shape::Hex { len } if len < hash::MIN_UNIQUE_HEX_LEN => {
                return Err(format!(
                    "hash hex with unique: true needs a length of at least {}: fewer than 96 bits would collide on large tables",
                    hash::MIN_UNIQUE_HEX_LEN
                ));
            }
            Shape::Digits { len } if len > MAX_DECIMAL_DIGITS as usize => {
                return Err(format!(
                    "hash digits with unique: true takes a length of at most {MAX_DECIMAL_DIGITS}"
                ));
            }
            _ => {}
        }
    }
    Ok(Rule::Hash(Hash::new(shape, domain, unique)))
}

/// `fake` with an argument: `{fake: KIND}` or
/// `{fake: {kind: K, unique: true, max_length: N, from: DATE, to: DATE, domain: NAME}}`.
pub(crate) fn fake(arg: RawArg) -> Result<Rule, String> {
    let map = match arg {
        RawArg::Text(kind) => BTreeMap::from([("kind".to_owned(), Scalar::Text(kind))]),
        RawArg::Options(map) => map,
        RawArg::Number(_) => return Err(format!("fake takes a kind: {KIND_NAMES}")),
    };
    let mut o = Options::new("fake", "kind, unique, max_length, from, to, domain", map);
    let Some(kind_name) = o.text("kind")? else {
        return Err(format!("fake needs a kind: {KIND_NAMES}"));
    };
    let mut kind = Kind::from_name(&kind_name)
        .ok_or_else(|| format!("unknown fake kind `{kind_name}`; kinds are {KIND_NAMES}"))?;
    let unique = o.flag("unique")?;
    let max_length = o.number("max_length")?;
    let from = o.text("from")?;
    let to = o.text("to")?;
    let domain = o.text("domain")?;
    o.done()?;
    if from.is_some() || to.is_some() {
        if !matches!(kind, Kind::DateOfBirth { .. }) {
            return Err("fake: `from` and `to` are for date_of_birth".to_owned());
        }
        let from = date(from.as_deref(), fake::DEFAULT_BIRTH_FROM)?;
        let to = date(to.as_deref(), fake::DEFAULT_BIRTH_TO)?;
        kind = Kind::birth_dates(from, to)
            .ok_or_else(|| format!("fake date_of_birth: `to` ({to}) is before `from` ({from})"))?;
    }
    if max_length == Some(0) {
        return Err("fake: `max_length` is at least 1".to_owned());
    }
    if unique {
        let Some(min) = kind.min_unique_len() else {
            return Err(format!(
                "fake {kind_name} cannot be unique: its values are too few to stay distinct; use {{hash: {{as: hex, length: 24, unique: true}}}} (or a unique fake email, username or uuid)"
            ));
        };
        if let Some(max) = max_length.filter(|&m| m < min) {
            return Err(format!(
                "fake {kind_name} with unique: true needs max_length of at least {min}, got {max}"
            ));
        }
    }
    Ok(Rule::Fake(Fake::new(
        kind,
        domain.as_deref(),
        unique,
        max_length,
    )))
}

fn date(text: Option<&str>, default: jiff::civil::Date) -> Result<jiff::civil::Date, String> {
    match text {
        None => Ok(default),
        Some(t) => t
            .parse()
            .map_err(|e| format!("fake date_of_birth: `{t}` is not a date like 1990-12-31 ({e})")),
    }
}
