//! The `fake` rule: realistic values for data that developers read (names, addresses, phone
//! numbers, ...), derived from the keyed hash of the value so that equal inputs get equal
//! fakes in every table and every run with the same key.
//!
//! The word lists and formats are the English locale data of the `fake` crate, used as data:
//! its generators draw from an RNG and allocate a `String` per call, while a fake here is
//! picked straight from the bytes of the value's digest (domain `fake:<kind>`, plus the rule's
//! own `domain:`) and written into the caller's buffer. The bytes of a digest are used
//! once each: six 32-bit draws for choices, and the last 64 bits for the suffix that makes
//! `unique` e-mails and usernames distinct.

use std::io::Write;

use fake::locales::{Data, EN};
use jiff::Span;
use jiff::civil::Date;

use crate::hash::{digest, write_uuid};
use crate::keys::Keys;
use crate::rule::truncate_chars;

/// The earliest and latest `date_of_birth` unless the rule says otherwise.
pub const DEFAULT_BIRTH_FROM: Date = jiff::civil::date(1940, 1, 1);
pub const DEFAULT_BIRTH_TO: Date = jiff::civil::date(2005, 12, 31);

/// Hosts of fake e-mail addresses: reserved for examples, so no fake reaches a real inbox.
const EMAIL_HOSTS: [&str; 3] = ["example.com", "example.net", "example.org"];
/// Characters of the suffix of unique e-mails and usernames: 13 base-36 digits hold 64 bits.
const SUFFIX_LEN: usize = 13;

/// A `fake` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fake {
    pub kind: Kind,
    /// The digest's domain: `fake:<kind>`, or `fake:<kind>:<domain>` with the rule's `domain:`.
    pub domain: String,
    /// Carry 64 bits of the digest in the output (e-mail, username) or 122 (uuid).
    pub unique: bool,
    /// Cut longer output at this many characters (the unique suffix is never cut).
    pub max_chars: Option<usize>,
}

/// What a fake looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    FirstName,
    LastName,
    Name,
    Email,
    Username,
    Phone,
    Street,
    City,
    PostalCode,
    Company,
    Ip,
    Ipv6,
    Uuid,
    /// A date from `from` to `from + days`, both included.
    DateOfBirth {
        from: Date,
        days: i32,
    },
}

/// Every kind's name in the rules file.
pub const KIND_NAMES: &str = "first_name, last_name, name, email, username, phone, street, city, postal_code, company, ip, ipv6, uuid, date_of_birth";

impl Kind {
    /// The kind named `name` (a `date_of_birth` gets the default range).
    pub fn from_name(name: &str) -> Option<Kind> {
        Some(match name {
            "first_name" => Kind::FirstName,
            "last_name" => Kind::LastName,
            "name" => Kind::Name,
            "email" => Kind::Email,
            "username" => Kind::Username,
            "phone" => Kind::Phone,
            "street" => Kind::Street,
            "city" => Kind::City,
            "postal_code" => Kind::PostalCode,
            "company" => Kind::Company,
            "ip" => Kind::Ip,
            "ipv6" => Kind::Ipv6,
            "uuid" => Kind::Uuid,
            "date_of_birth" => Kind::birth_dates(DEFAULT_BIRTH_FROM, DEFAULT_BIRTH_TO)?,
            _ => return None,
        })
    }

    /// Dates of birth from `from` to `to`, both included; `None` when `to` is before `from`.
    pub fn birth_dates(from: Date, to: Date) -> Option<Kind> {
        let days = from.until(to).ok()?.get_days();
        (days >= 0).then_some(Kind::DateOfBirth { from, days })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Kind::FirstName => "first_name",
            Kind::LastName => "last_name",
            Kind::Name => "name",
            Kind::Email => "email",
            Kind::Username => "username",
            Kind::Phone => "phone",
            Kind::Street => "street",
            Kind::City => "city",
            Kind::PostalCode => "postal_code",
            Kind::Company => "company",
            Kind::Ip => "ip",
            Kind::Ipv6 => "ipv6",
            Kind::Uuid => "uuid",
            Kind::DateOfBirth { .. } => "date_of_birth",
        }
    }

    /// The shortest output that keeps a unique fake unique, for the kinds that can be.
    pub fn min_unique_len(&self) -> Option<usize> {
        match self {
            Kind::Email | Kind::Username => Some(1 + self.tail_len(true)),
            Kind::Uuid => Some(36),
            _ => None,
        }
    }

    /// What follows the handle of an e-mail or username: the unique suffix, the host.
    fn tail_len(&self, unique: bool) -> usize {
        let suffix = if unique { 1 + SUFFIX_LEN } else { 0 };
        let host = if *self == Kind::Email {
            1 + EMAIL_HOSTS[0].len()
        } else {
            0
        };
        suffix + host
    }

    /// The longest output of the kinds whose formats bound it.
    fn max_len(&self) -> Option<usize> {
        match self {
            Kind::Phone => EN::PHONE_CELL_NUMBER_FORMATS.iter().map(|f| f.len()).max(),
            Kind::PostalCode => EN::ADDRESS_POSTCODE_FORMATS.iter().map(|f| f.len()).max(),
            Kind::Ip => Some(15),
            Kind::Ipv6 => Some(39),
            Kind::Uuid => Some(36),
            Kind::DateOfBirth { .. } => Some(10),
            _ => None,
        }
    }
}

impl Fake {
    pub fn new(kind: Kind, domain: Option<&str>, unique: bool, max_chars: Option<usize>) -> Fake {
        let domain = match domain {
            Some(d) => format!("fake:{}:{d}", kind.name()),
            None => format!("fake:{}", kind.name()),
        };
        Fake {
            kind,
            domain,
            unique,
            max_chars,
        }
    }

    /// The longest output in characters, when it is bounded.
    pub fn max_len(&self) -> Option<usize> {
        match (self.kind.max_len(), self.max_chars) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
        .map(|n| match (self.unique, self.kind.min_unique_len()) {
            (true, Some(min)) => n.max(min),
            _ => n,
        })
    }

    /// Writes the fake for `value` to `out`.
    pub fn apply(&self, value: &[u8], keys: &Keys, out: &mut Vec<u8>) {
        let digest = digest(keys, &self.domain, value);
        let mut draws = Draws::new(&digest);
        match self.kind {
            Kind::FirstName => push(out, draws.pick(EN::NAME_FIRST_NAME)),
            Kind::LastName => push(out, draws.pick(EN::NAME_LAST_NAME)),
            Kind::Name => fill(EN::NAME_TPL, out, |part, out| match part {
                "FirstName" => push(out, draws.pick(EN::NAME_FIRST_NAME)),
                _ => push(out, draws.pick(EN::NAME_LAST_NAME)),
            }),
            Kind::Email | Kind::Username => {
                Fake::handle(&mut draws, out);
                if let Some(max) = self.max_chars {
                    truncate_chars(
                        out,
                        max.saturating_sub(self.kind.tail_len(self.unique)).max(1),
                    );
                }
                if self.unique {
                    out.push(b'.');
                    write_base36(draws.suffix(), out);
                }
                if self.kind == Kind::Email {
                    out.push(b'@');
                    push(out, draws.pick(&EMAIL_HOSTS));
                }
            }
            Kind::Phone => digits(draws.pick(EN::PHONE_CELL_NUMBER_FORMATS), &mut draws, out),
            Kind::Street => {
                digits(
                    draws.pick(EN::ADDRESS_BUILDING_NUMBER_FORMATS),
                    &mut draws,
                    out,
                );
                out.push(b' ');
                fill(EN::ADDRESS_STREET_TPL, out, |part, out| match part {
                    "StreetName" => push(out, draws.person_word()),
                    _ => push(out, draws.pick(EN::ADDRESS_STREET_SUFFIX)),
                });
            }
            Kind::City => {
                let template = if draws.next().is_multiple_of(4) {
                    EN::ADDRESS_CITY_WITH_PREFIX_TPL
                } else {
                    EN::ADDRESS_CITY_TPL
                };
                fill(template, out, |part, out| match part {
                    "CityPrefix" => push(out, draws.pick(EN::ADDRESS_CITY_PREFIX)),
                    "CityName" => push(out, draws.person_word()),
                    _ => push(out, draws.pick(EN::ADDRESS_CITY_SUFFIX)),
                });
            }
            Kind::PostalCode => digits(draws.pick(EN::ADDRESS_POSTCODE_FORMATS), &mut draws, out),
            Kind::Company => fill(
                draws.pick(EN::COMPANY_NAME_TPLS),
                out,
                |part, out| match part {
                    "Suffix" => push(out, draws.pick(EN::COMPANY_SUFFIX)),
                    _ => push(out, draws.pick(EN::NAME_LAST_NAME)),
                },
            ),
            Kind::Ip => {
                // A unicast address outside 0/8 and the loopback network.
                let [a, b, c, d] = draws.next().to_le_bytes();
                let first = 1 + a % 223;
                let first = if first == 127 { 128 } else { first };
                write!(out, "{first}.{b}.{c}.{d}").expect("writing to a Vec cannot fail");
            }
            Kind::Ipv6 => {
                for i in 0..4 {
                    let n = draws.next();
                    let sep = if i == 0 { "" } else { ":" };
                    write!(out, "{sep}{:x}:{:x}", n >> 16, n & 0xffff)
                        .expect("writing to a Vec cannot fail");
                }
            }
            Kind::Uuid => write_uuid(digest[..16].try_into().expect("16 bytes"), out),
            Kind::DateOfBirth { from, days } => {
                let offset = draws.next() % (days as u32 + 1);
                let date = from
                    .checked_add(Span::new().days(offset))
                    .expect("inside the range checked at parse time");
                write!(out, "{date}").expect("writing to a Vec cannot fail");
            }
        }
        if !self.unique
            && let Some(max) = self.max_chars
        {
            truncate_chars(out, max);
        }
    }

    /// The handle of an e-mail or username: lowercase letters from a first and a last name.
    fn handle(draws: &mut Draws, out: &mut Vec<u8>) {
        let first = draws.pick(EN::NAME_FIRST_NAME);
        let last = draws.pick(EN::NAME_LAST_NAME);
        match draws.next() % 4 {
            0 => {
                push_handle(out, first);
                out.push(b'.');
                push_handle(out, last);
            }
            1 => {
                push_handle(out, first);
                out.push(b'_');
                push_handle(out, last);
            }
            2 => {
                push_handle(out, &first[..1]);
                push_handle(out, last);
            }
            _ => {
                push_handle(out, first);
                write!(out, "{}", draws.next() % 100).expect("writing to a Vec cannot fail");
            }
        }
    }
}

/// Choices taken from a digest, 32 bits at a time; the last 64 bits are kept for the suffix.
struct Draws<'a> {
    digest: &'a [u8; 32],
    at: usize,
}

impl<'a> Draws<'a> {
    const CHOICE_BYTES: usize = 24;

    fn new(digest: &'a [u8; 32]) -> Draws<'a> {
        Draws { digest, at: 0 }
    }

    fn next(&mut self) -> u32 {
        let at = self.at % Self::CHOICE_BYTES;
        self.at += 4;
        u32::from_le_bytes(self.digest[at..at + 4].try_into().expect("4 bytes"))
    }

    fn pick<'w>(&mut self, words: &[&'w str]) -> &'w str {
        words[self.next() as usize % words.len()]
    }

    /// A first or a last name, as streets and towns are named after people.
    fn person_word(&mut self) -> &'static str {
        if self.next().is_multiple_of(2) {
            self.pick(EN::NAME_FIRST_NAME)
        } else {
            self.pick(EN::NAME_LAST_NAME)
        }
    }

    fn suffix(&self) -> u64 {
        u64::from_le_bytes(
            self.digest[Self::CHOICE_BYTES..]
                .try_into()
                .expect("8 bytes"),
        )
    }
}

fn push(out: &mut Vec<u8>, word: &str) {
    out.extend_from_slice(word.as_bytes());
}

/// A name as it goes into an address: lowercase ASCII letters and digits only (`O'Hara` is
/// `ohara`).
fn push_handle(out: &mut Vec<u8>, word: &str) {
    out.extend(
        word.bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase()),
    );
}

/// Writes `template` with each `{Part}` replaced by what `part` writes.
fn fill(template: &str, out: &mut Vec<u8>, mut part: impl FnMut(&str, &mut Vec<u8>)) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        push(out, &rest[..open]);
        let close = open + rest[open..].find('}').expect("locale templates close `{`");
        part(&rest[open + 1..close], out);
        rest = &rest[close + 1..];
    }
    push(out, rest);
}

/// Writes a number format of the locale: `#` any digit, `^` a digit from 1 to 9 (the first
/// `#` too, so a house number never starts with 0), anything else itself.
fn digits(format: &str, draws: &mut Draws, out: &mut Vec<u8>) {
    let mut n = (u64::from(draws.next()) << 32) | u64::from(draws.next());
    let digit = |n: &mut u64, base: u64| {
        let d = *n % base;
        *n /= base;
        d as u8
    };
    let mut first = true;
    for c in format.bytes() {
        match c {
            b'^' => out.push(b'1' + digit(&mut n, 9)),
            b'#' if first => out.push(b'1' + digit(&mut n, 9)),
            b'#' => out.push(b'0' + digit(&mut n, 10)),
            other => out.push(other),
        }
        first &= !matches!(c, b'#' | b'^');
    }
}

/// `n` as 13 lowercase base-36 digits.
fn write_base36(mut n: u64, out: &mut Vec<u8>) {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let start = out.len();
    out.resize(start + SUFFIX_LEN, b'0');
    for slot in out[start..].iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const ALL: [&str; 14] = [
        "first_name",
        "last_name",
        "name",
        "email",
        "username",
        "phone",
        "street",
        "city",
        "postal_code",
        "company",
        "ip",
        "ipv6",
        "uuid",
        "date_of_birth",
    ];

    fn keys() -> Keys {
        Keys::with_key_material(1, &[3; 32]).unwrap()
    }

    fn fake(kind: &str) -> Fake {
        Fake::new(Kind::from_name(kind).unwrap(), None, false, None)
    }

    fn run(rule: &Fake, value: &str, keys: &Keys) -> String {
        let mut out = Vec::new();
        rule.apply(value.as_bytes(), keys, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_kind_is_named_and_looks_like_its_kind() {
        assert_eq!(KIND_NAMES, ALL.join(", "));
        let k = keys();
        for name in ALL {
            let rule = fake(name);
            assert_eq!(rule.kind.name(), name);
            for input in ["ann@corp.com", "Bob Jones", "", "555-0100"] {
                let out = run(&rule, input, &k);
                assert!(!out.is_empty(), "{name}");
                if let Some(max) = rule.max_len() {
                    assert!(out.chars().count() <= max, "{name}: {out}");
                }
                let ok = match name {
                    "first_name" => EN::NAME_FIRST_NAME.contains(&out.as_str()),
                    "last_name" => EN::NAME_LAST_NAME.contains(&out.as_str()),
                    "name" => out.split(' ').count() == 2,
                    "email" => {
                        let (local, host) = out.split_once('@').unwrap();
                        EMAIL_HOSTS.contains(&host)
                            && local.bytes().all(|b| {
                                b.is_ascii_lowercase() || b.is_ascii_digit() || b"._".contains(&b)
                            })
                    }
                    "username" => out.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._".contains(&b)
                    }),
                    "phone" => out.bytes().filter(u8::is_ascii_digit).count() >= 10,
                    "street" => out.split(' ').next().unwrap().parse::<u32>().is_ok(),
                    "postal_code" => out.bytes().all(|b| b.is_ascii_digit() || b == b'-'),
                    "ip" => out.parse::<Ipv4Addr>().is_ok(),
                    "ipv6" => out.parse::<Ipv6Addr>().is_ok(),
                    "uuid" => out.len() == 36 && out.as_bytes()[14] == b'4',
                    "date_of_birth" => {
                        let d: Date = out.parse().unwrap();
                        (DEFAULT_BIRTH_FROM..=DEFAULT_BIRTH_TO).contains(&d)
                    }
                    _ => out
                        .chars()
                        .all(|c| c.is_alphanumeric() || " '-.".contains(c)),
                };
                assert!(ok, "{name} gave {out:?}");
            }
        }
    }

    #[test]
    fn equal_inputs_give_equal_fakes_and_keys_and_domains_change_them() {
        let (a, b) = (keys(), Keys::from_seed(9));
        let rule = fake("name");
        assert_eq!(run(&rule, "x", &a), run(&rule, "x", &keys()));
        let names: HashSet<String> = (0..50).map(|i| run(&rule, &i.to_string(), &a)).collect();
        assert!(names.len() > 45, "{names:?}");
        let differ = (0..50)
            .filter(|i| run(&rule, &i.to_string(), &a) != run(&rule, &i.to_string(), &b))
            .count();
        assert!(differ > 45, "{differ}");
        let other = Fake::new(Kind::Name, Some("people"), false, None);
        let differ = (0..50)
            .filter(|i| run(&rule, &i.to_string(), &a) != run(&other, &i.to_string(), &a))
            .count();
        assert!(differ > 45, "{differ}");
    }

    #[test]
    fn dates_of_birth_stay_inside_their_range() {
        let from = jiff::civil::date(1999, 12, 30);
        let to = jiff::civil::date(2000, 1, 2);
        let rule = Fake::new(Kind::birth_dates(from, to).unwrap(), None, false, None);
        let k = keys();
        let seen: HashSet<String> = (0..200).map(|i| run(&rule, &i.to_string(), &k)).collect();
        let want: HashSet<String> = ["1999-12-30", "1999-12-31", "2000-01-01", "2000-01-02"]
            .map(String::from)
            .into();
        assert_eq!(seen, want);
        assert!(Kind::birth_dates(to, from).is_none());
    }

    #[test]
    fn max_length_cuts_at_a_character_boundary_and_keeps_unique_suffixes() {
        let k = keys();
        let rule = Fake::new(Kind::Company, None, false, Some(5));
        for i in 0..100 {
            assert!(run(&rule, &i.to_string(), &k).chars().count() <= 5);
        }
        let mut out = "Zoë".as_bytes().to_vec();
        truncate_chars(&mut out, 3);
        assert_eq!(out, "Zoë".as_bytes());
        truncate_chars(&mut out, 2);
        assert_eq!(out, b"Zo");
        let email = Fake::new(Kind::Email, None, true, Some(30));
        let full = Fake::new(Kind::Email, None, true, None);
        for i in 0..100 {
            let (cut, whole) = (
                run(&email, &i.to_string(), &k),
                run(&full, &i.to_string(), &k),
            );
            assert!(cut.len() <= 30, "{cut}");
            assert_eq!(cut[cut.len() - 26..], whole[whole.len() - 26..]);
        }
        let plain = Fake::new(Kind::Email, None, false, Some(20));
        for i in 0..100 {
            let out = run(&plain, &i.to_string(), &k);
            assert!(out.len() <= 20 && out.contains("@example."), "{out}");
        }
    }

    /// 1,000,000 distinct inputs through every kind that `unique: true` accepts.
    #[test]
    fn a_million_distinct_inputs_give_a_million_distinct_unique_fakes() {
        let k = keys();
        let mut input = Vec::new();
        let mut out = Vec::new();
        for kind in [Kind::Email, Kind::Username, Kind::Uuid] {
            let rule = Fake::new(kind, None, true, None);
            let mut seen = HashSet::with_capacity(1_000_000);
            for n in 0..1_000_000u32 {
                input.clear();
                write!(input, "user{n}@corp.example").unwrap();
                out.clear();
                rule.apply(&input, &k, &mut out);
                assert!(seen.insert(out.clone()), "{kind:?}: duplicate for {n}");
            }
        }
    }
}
