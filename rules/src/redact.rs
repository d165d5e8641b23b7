//! `{redact: [KINDS]}`: personal-data-shaped substrings of free text replaced in place.
//!
//! The rule sees the decoded value, so a match never straddles an escape and what it writes
//! is escaped afterwards like any other value. Each kind is found by a regular expression
//! (the `regex` crate, compiled once when the rules file is read) and then checked the way
//! a person would: a card must pass Luhn, a phone needs 7 to 15 digits and either a leading
//! `+` or phone punctuation, dates are not phones, an IP's parts are at most 255. When
//! matches overlap, the more specific kind wins (email, iban, ip, card, phone).
//!
//! Each match becomes a pseudonym of the same shape, derived with keyed BLAKE3 from the
//! match (domain `redact:<kind>`), so the same address or number gives the same pseudonym
//! everywhere in the run (and in every run with the same key file). Digits of phones,
//! cards and IBANs are hashed without their punctuation, so `555-123-4567` and
//! `555 123 4567` map to the same digits, each written in its own punctuation.

use std::fmt;

use regex::bytes::Regex;

use crate::keys::Keys;
use crate::rule::{Outcome, ValueError};

/// What `redact` can find. The order is the priority when matches overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RedactKind {
    Email,
    Iban,
    Ip,
    Card,
    Phone,
}

impl RedactKind {
    /// Every kind, as the rules file names them.
    pub const NAMES: &'static str = "email, phone, ip, iban, card";

    pub fn from_name(name: &str) -> Option<RedactKind> {
        Some(match name {
            "email" => RedactKind::Email,
            "phone" => RedactKind::Phone,
            "ip" => RedactKind::Ip,
            "iban" => RedactKind::Iban,
            "card" => RedactKind::Card,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            RedactKind::Email => "email",
            RedactKind::Phone => "phone",
            RedactKind::Ip => "ip",
            RedactKind::Iban => "iban",
            RedactKind::Card => "card",
        }
    }
}

/// A `redact` rule: its kinds and their compiled patterns.
#[derive(Clone)]
pub struct Redact {
    kinds: Vec<RedactKind>,
    email: Option<Regex>,
    iban: Option<Regex>,
    ip: Option<Regex>,
    /// Runs of digit groups with phone or card punctuation, split into spans afterwards.
    digits: Option<Regex>,
}

const EMAIL: &str = r"(?-u)[A-Za-z0-9._%+\-\x80-\xFF]+@[A-Za-z0-9\x80-\xFF](?:[A-Za-z0-9\-\x80-\xFF]*[A-Za-z0-9\x80-\xFF])?(?:\.[A-Za-z0-9\x80-\xFF](?:[A-Za-z0-9\-\x80-\xFF]*[A-Za-z0-9\x80-\xFF])?)+";
const IBAN: &str = r"(?-u)\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b";
const IP: &str = r"(?-u)[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}";
const DIGITS: &str = r"(?-u)\+?\(?[0-9][0-9()\-. ]*[0-9]";

impl Redact {
    /// A rule for `kinds` (order and repeats do not matter).
    pub fn new(mut kinds: Vec<RedactKind>) -> Redact {
        kinds.sort();
        kinds.dedup();
        let compile = |wanted: &[RedactKind], pattern: &str| {
            wanted
                .iter()
                .any(|k| kinds.contains(k))
                .then(|| Regex::new(pattern).expect("a valid built-in pattern"))
        };
        Redact {
            email: compile(&[RedactKind::Email], EMAIL),
            iban: compile(&[RedactKind::Iban], IBAN),
            ip: compile(&[RedactKind::Ip], IP),
            digits: compile(&[RedactKind::Card, RedactKind::Phone], DIGITS),
            kinds,
        }
    }

    /// The kinds, in priority order.
    pub fn kinds(&self) -> &[RedactKind] {
        &self.kinds
    }

    /// `email+phone`, for summaries.
    pub fn kinds_label(&self) -> String {
        let names: Vec<_> = self.kinds.iter().map(|k| k.name()).collect();
        names.join("+")
    }

    /// The spans of `text` this rule replaces, in order, without overlaps.
    pub fn find(&self, text: &[u8]) -> Vec<Found> {
        let mut found = Vec::new();
        if let Some(re) = &self.email {
            found.extend(
                re.find_iter(text)
                    .map(|m| Found::new(RedactKind::Email, m.range())),
            );
        }
        if let Some(re) = &self.iban {
            found.extend(
                re.find_iter(text)
                    .filter(|m| is_iban(m.as_bytes()))
                    .map(|m| Found::new(RedactKind::Iban, m.range())),
            );
        }
        if let Some(re) = &self.ip {
            found.extend(
                re.find_iter(text)
                    .filter(|m| is_ipv4(text, m.start(), m.end()))
                    .map(|m| Found::new(RedactKind::Ip, m.range())),
            );
        }
        if let Some(re) = &self.digits {
            for run in re.find_iter(text) {
                let groups = digit_groups(text, run.start(), run.end());
                if self.kinds.contains(&RedactKind::Card) {
                    spans(&groups, |g| is_card(text, g), RedactKind::Card, &mut found);
                }
                if self.kinds.contains(&RedactKind::Phone) {
                    let plus = text[run.start()] == b'+';
                    spans(
                        &groups,
                        |g| is_phone(text, g, plus && g[0].start == groups[0].start),
                        RedactKind::Phone,
                        &mut found,
                    );
                }
            }
        }
        // The more specific kind first, then left to right; drop what overlaps a kept one.
        found.sort_by_key(|f| (f.kind, f.start));
        let mut kept: Vec<Found> = Vec::with_capacity(found.len());
        for f in found {
            if !kept.iter().any(|k| f.start < k.end && k.start < f.end) {
                kept.push(f);
            }
        }
        kept.sort_by_key(|f| f.start);
        kept
    }

    /// Replaces every match in `text`; `Unchanged` when there is none.
    pub(crate) fn apply<'a>(
        &self,
        text: &[u8],
        keys: &Keys,
        out: &'a mut Vec<u8>,
    ) -> Result<Outcome<'a>, ValueError> {
        let found = self.find(text);
        if found.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        let mut copied = 0;
        for f in found {
            out.extend_from_slice(&text[copied..f.start]);
            pseudonym(f.kind, &text[f.start..f.end], keys, out);
            copied = f.end;
        }
        out.extend_from_slice(&text[copied..]);
        Ok(Outcome::Text(out))
    }
}

impl PartialEq for Redact {
    fn eq(&self, other: &Redact) -> bool {
        self.kinds == other.kinds
    }
}

impl Eq for Redact {}

impl fmt::Debug for Redact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Redact").field(&self.kinds).finish()
    }
}

/// A span of the text that `redact` replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    pub kind: RedactKind,
    pub start: usize,
    pub end: usize,
}

impl Found {
    fn new(kind: RedactKind, range: std::ops::Range<usize>) -> Found {
        Found {
            kind,
            start: range.start,
            end: range.end,
        }
    }
}

/// A run of digits inside a digit run, and what separates it from the previous one.
#[derive(Clone, Copy, Debug)]
struct Group {
    start: usize,
    end: usize,
    /// Separator bytes before this group (empty for the first).
    sep_start: usize,
    /// Part of a date (`2024-01-31`, `31.01.2024`): never a phone or card.
    date: bool,
}

fn digit_groups(text: &[u8], start: usize, end: usize) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut at = start;
    while at < end {
        let sep_start = at;
        while at < end && !text[at].is_ascii_digit() {
            at += 1;
        }
        let digits = at;
        while at < end && text[at].is_ascii_digit() {
            at += 1;
        }
        if at > digits {
            groups.push(Group {
                start: digits,
                end: at,
                sep_start: if groups.is_empty() { digits } else { sep_start },
                date: false,
            });
        }
    }
    for i in 2..groups.len() {
        let (a, b, c) = (groups[i - 2], groups[i - 1], groups[i]);
        let sep = |g: Group| &text[g.sep_start..g.start];
        let len = |g: Group| g.end - g.start;
        let same_sep = sep(b) == sep(c) && matches!(sep(b), b"-" | b"." | b"/");
        let shaped = (len(a) == 4 && len(b) <= 2 && len(c) <= 2)
            || (len(a) <= 2 && len(b) <= 2 && len(c) == 4);
        if same_sep && shaped {
            for g in &mut groups[i - 2..=i] {
                g.date = true;
            }
        }
    }
    groups
}

/// Adds the spans of `groups` that `accept` takes, longest first from each group on.
fn spans(
    groups: &[Group],
    accept: impl Fn(&[Group]) -> bool,
    kind: RedactKind,
    found: &mut Vec<Found>,
) {
    let mut i = 0;
    'from: while i < groups.len() {
        for j in (i..groups.len()).rev() {
            let span = &groups[i..=j];
            if span.iter().all(|g| !g.date) && accept(span) {
                found.push(Found {
                    kind,
                    start: groups[i].start,
                    end: groups[j].end,
                });
                i = j + 1;
                continue 'from;
            }
        }
        i += 1;
    }
}

fn digit_count(span: &[Group]) -> usize {
    span.iter().map(|g| g.end - g.start).sum()
}

/// 13 to 19 digits, single spaces or dashes between groups, passing Luhn.
fn is_card(text: &[u8], span: &[Group]) -> bool {
    (13..=19).contains(&digit_count(span))
        && span[1..]
            .iter()
            .all(|g| matches!(&text[g.sep_start..g.start], b" " | b"-"))
        && luhn_sum(span.iter().flat_map(|g| &text[g.start..g.end]).copied()) % 10 == 0
}

/// 7 to 15 digits, with a leading `+` or phone punctuation between groups; a single
/// digit group only once (not `1 2 3 4 5 6 7`); dots alone need three groups (not `1234.5678`).
fn is_phone(text: &[u8], span: &[Group], plus: bool) -> bool {
    let seps: Vec<&[u8]> = span[1..]
        .iter()
        .map(|g| &text[g.sep_start..g.start])
        .collect();
    let phone_sep = |s: &&[u8]| {
        s.len() <= 3
            && matches!(
                *s,
                b" " | b"-" | b"." | b" - " | b") " | b")" | b" (" | b"(" | b") -" | b")-"
            )
    };
    (7..=15).contains(&digit_count(span))
        && (plus || !seps.is_empty())
        && seps.iter().all(phone_sep)
        && span.iter().filter(|g| g.end - g.start == 1).count() <= 1
        && !(!seps.is_empty() && seps.iter().all(|s| *s == b".") && seps.len() < 2)
}

/// Luhn's sum over digits, the last one being the check digit.
fn luhn_sum(digits: impl DoubleEndedIterator<Item = u8>) -> u32 {
    digits
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 {
                if d > 4 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum()
}

fn is_ipv4(text: &[u8], start: usize, end: usize) -> bool {
    let before_ok = start == 0 || !(text[start - 1].is_ascii_digit() || text[start - 1] == b'.');
    let after_ok = match text.get(end) {
        None => true,
        Some(b) if b.is_ascii_digit() => false,
        Some(b'.') => !text.get(end + 1).is_some_and(u8::is_ascii_digit),
        Some(_) => true,
    };
    before_ok
        && after_ok
        && text[start..end]
            .split(|&b| b == b'.')
            .all(|part| std::str::from_utf8(part).is_ok_and(|p| p.parse::<u8>().is_ok()))
}

/// The pattern gave country letters, check digits and groups of 4; an IBAN has 15 to 34
/// characters. (Check digits are not verified: a mistyped IBAN is still personal data.)
fn is_iban(m: &[u8]) -> bool {
    let compact = m.iter().filter(|&&b| b != b' ').count();
    (15..=34).contains(&compact)
}

/// The keyed hash stream of a match: domain `redact:<kind>`, length-prefixed, then the
/// match's value.
fn keyed(kind: RedactKind, value: &[u8], keys: &Keys) -> blake3::OutputReader {
    let domain = format!("redact:{}", kind.name());
    let mut hasher = blake3::Hasher::new_keyed(keys.key());
    hasher.update(&(domain.len() as u64).to_le_bytes());
    hasher.update(domain.as_bytes());
    hasher.update(value);
    hasher.finalize_xof()
}

/// Uniform decimal digits from a keyed stream.
struct Digits(blake3::OutputReader);

impl Digits {
    fn next(&mut self) -> u8 {
        loop {
            let mut byte = [0u8];
            self.0.fill(&mut byte);
            if byte[0] < 250 {
                return b'0' + byte[0] % 10;
            }
        }
    }
}

/// Writes the pseudonym of `matched` (of `kind`) to `out`.
fn pseudonym(kind: RedactKind, matched: &[u8], keys: &Keys, out: &mut Vec<u8>) {
    match kind {
        RedactKind::Email => {
            let mut bytes = [0u8; 12];
            keyed(kind, matched, keys).fill(&mut bytes);
            out.push(b'u');
            out.extend_from_slice(hex::encode(bytes).as_bytes());
            out.extend_from_slice(b"@example.com");
        }
        RedactKind::Ip => {
            let mut bytes = [0u8; 3];
            keyed(kind, matched, keys).fill(&mut bytes);
            let [a, b, c] = bytes;
            out.extend_from_slice(format!("10.{a}.{b}.{c}").as_bytes());
        }
        RedactKind::Phone | RedactKind::Card => {
            let digits: Vec<u8> = matched.iter().copied().filter(u8::is_ascii_digit).collect();
            let mut keyed = Digits(keyed(kind, &digits, keys));
            let mut new: Vec<u8> = digits.iter().map(|_| keyed.next()).collect();
            if kind == RedactKind::Card {
                let last = new.len() - 1;
                new[last] = b'0';
                let sum = luhn_sum(new.iter().copied());
                new[last] = b'0' + ((10 - sum % 10) % 10) as u8;
            }
            let mut new = new.into_iter();
            out.extend(matched.iter().map(|&b| {
                if b.is_ascii_digit() {
                    new.next().expect("as many digits")
                } else {
                    b
                }
            }));
        }
        RedactKind::Iban => {
            let value: Vec<u8> = matched.iter().copied().filter(|&b| b != b' ').collect();
            let mut keyed = Digits(keyed(kind, &value, keys));
            let bban: Vec<u8> = value[4..].iter().map(|_| keyed.next()).collect();
            let check = 98 - iban_mod97(&value[..2], &bban);
            let mut compact = value[..2].to_vec();
            compact.extend_from_slice(format!("{check:02}").as_bytes());
            compact.extend_from_slice(&bban);
            let mut compact = compact.into_iter();
            out.extend(matched.iter().map(|&b| {
                if b == b' ' {
                    b
                } else {
                    compact.next().expect("as many characters")
                }
            }));
        }
    }
}

/// ISO 13616's remainder of `BBAN country 00` (digits and letters as numbers) by 97.
fn iban_mod97(country: &[u8], bban: &[u8]) -> u32 {
    let mut rem = 0u32;
    let mut push = |n: u32| {
        rem = if n >= 10 {
            (rem * 100 + n) % 97
        } else {
            (rem * 10 + n) % 97
        };
    };
    for &b in bban.iter().chain(country).chain(b"00") {
        push(match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            _ => u32::from(b.to_ascii_uppercase() - b'A') + 10,
        });
    }
    rem
}
