//! Guessing which columns hold personal data: from the column's name, and from a sample of
//! its values. Pure functions, no I/O: `scrub detect` feeds them.
//!
//! # Names
//!
//! A name is split into lowercase words at `_`, `-`, spaces, digits and camelCase humps
//! (`billingEmail2` → `billing`, `email`), and only whole words match, so `filename`,
//! `hostname`, `hotel` or `zipfile_id` never look like a name, a tel or a zip. Then:
//!
//! * A last word that says the column is *about* the data rather than the data itself makes
//!   it not personal: `email_id`, `phone_type`, `email_verified`, `address_count`.
//! * `name` alone is personal only on a table of people (`users`, `customers`, `contacts`,
//!   `employees`, ...; `products.name` is not), and `X_name` only when X is a person
//!   (`customer_name`, `owner_name`), never `table_name` or `file_name`. `first`/`given`,
//!   `last`/`family`/`surname`, `full`/`display` and `user`/`nick` names have their own kinds.
//! * The rest is a word list per kind: `email`/`mail`, `phone`/`mobile`/`tel`/`fax`,
//!   `address`/`street`, `city`, `zip`/`postal`, `ip` (and `ip_address`, which is an IP,
//!   not a street), `birth`/`dob`, `password`/`token`/`secret`/`api_key`, `ssn`/`social
//!   security`, `iban`, `card`/`cc_number`.
//!
//! # Values
//!
//! A column whose non-NULL sampled values are at least half e-mail addresses, phone numbers,
//! IP addresses, IBANs (passing the mod-97 check) or card numbers (passing Luhn) is flagged
//! whatever its name. Free text in which at least a tenth of the sampled values *contain* an
//! e-mail address is flagged for redaction. Phone numbers need a `+`, a leading `0` or
//! punctuation, so plain integer keys do not pass for them.

use std::fmt;
use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

/// A kind of personal data, with the rule proposed for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Email,
    FirstName,
    LastName,
    FullName,
    Username,
    Phone,
    Street,
    City,
    PostalCode,
    Ip,
    Birth,
    Secret,
    Ssn,
    Iban,
    Card,
    /// Free text with e-mail addresses inside.
    EmbeddedContact,
}

impl Kind {
    /// The rule to propose, in the rules file's YAML flow syntax; `not_null` columns cannot
    /// take `null`.
    pub fn proposal(self, not_null: bool) -> &'static str {
        match self {
            Kind::Email => "{hash: email}",
            Kind::FirstName => "{fake: first_name}",
            Kind::LastName => "{fake: last_name}",
            Kind::FullName => "{fake: name}",
            Kind::Username => "{fake: username}",
            Kind::Phone => "{fake: phone}",
            Kind::Street => "{fake: street}",
            Kind::City => "{fake: city}",
            Kind::PostalCode => "{fake: postal_code}",
            Kind::Ip => "{fake: ip}",
            Kind::Birth => "{fake: date_of_birth}",
            Kind::Secret if not_null => "{fixed: redacted}",
            Kind::Secret => "null",
            Kind::Ssn => "{hash: {as: digits, length: 9}}",
            Kind::Iban | Kind::Card => "{hash: {as: digits, length: 16}}",
            Kind::EmbeddedContact => "{redact: [email, phone]}",
        }
    }
}

impl Kind {
    /// The rule to propose for a column under a PRIMARY KEY, UNIQUE constraint or unique
    /// index: one that promises distinct outputs for distinct inputs, so the restore can
    /// build the index.
    pub fn unique_proposal(self) -> &'static str {
        match self {
            Kind::Email => "{hash: {as: email, unique: true}}",
            Kind::Username => "{fake: {kind: username, unique: true}}",
            _ => "{md5: {length: 32, unique: true}}",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Email => "e-mail addresses",
            Kind::FirstName => "first names",
            Kind::LastName => "last names",
            Kind::FullName => "names of people",
            Kind::Username => "user names",
            Kind::Phone => "phone numbers",
            Kind::Street => "street addresses",
            Kind::City => "cities",
            Kind::PostalCode => "postal codes",
            Kind::Ip => "IP addresses",
            Kind::Birth => "dates of birth",
            Kind::Secret => "secrets",
            Kind::Ssn => "social security numbers",
            Kind::Iban => "IBANs",
            Kind::Card => "card numbers",
            Kind::EmbeddedContact => "text with e-mail addresses inside",
        })
    }
}

/// Lowercase words of an identifier: split at non-alphanumerics, digits and camelCase.
pub fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars() {
        let boundary = match prev {
            None => false,
            Some(p) => {
                !c.is_alphabetic() || !p.is_alphabetic() || (p.is_lowercase() && c.is_uppercase())
            }
        };
        if boundary && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if c.is_alphabetic() {
            current.extend(c.to_lowercase());
        }
        prev = Some(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Last words that make a column data *about* the personal data, not the data itself.
const ABOUT: &[&str] = &[
    "id",
    "ids",
    "uuid",
    "type",
    "types",
    "kind",
    "count",
    "verified",
    "confirmed",
    "enabled",
    "at",
    "on",
    "status",
    "format",
    "template",
    "length",
    "valid",
    "validated",
    "sent",
    "optin",
    "opt",
    "domain",
    "expires",
    "expiry",
    "changed",
    "updated",
    "set",
    "required",
    "policy",
    "provider",
    "country",
    "code",
];

/// Words that make a table (or a name's qualifier) about people.
const PEOPLE: &[&str] = &[
    "user",
    "customer",
    "person",
    "people",
    "contact",
    "employee",
    "member",
    "author",
    "client",
    "patient",
    "staff",
    "student",
    "profile",
    "subscriber",
    "guest",
    "owner",
    "applicant",
    "candidate",
    "driver",
    "recipient",
    "sender",
    "holder",
    "buyer",
    "seller",
    "teacher",
    "parent",
    "child",
    "friend",
    "account",
    "participant",
    "attendee",
    "lead",
    "billing",
    "shipping",
    "emergency",
    "maiden",
    "signer",
    "beneficiary",
    "cardholder",
];

fn is_people(word: &str) -> bool {
    let singular = word.strip_suffix('s').unwrap_or(word);
    PEOPLE.contains(&word) || PEOPLE.contains(&singular)
}

/// The kind of personal data a column's name suggests, with the word(s) that said so.
pub fn by_name(table: &str, column: &str) -> Option<(Kind, String)> {
    let w = words(column);
    let last = w.last()?;
    let postal_code =
        last == "code" && w.iter().any(|v| v == "postal" || v == "zip" || v == "post");
    if w.len() > 1 && ABOUT.contains(&last.as_str()) && !postal_code {
        return None;
    }
    let has = |x: &str| w.iter().any(|v| v == x);
    let pair = |a: &str, b: &str| w.windows(2).any(|p| p[0] == a && p[1] == b);
    let found = |kind: Kind, why: &str| Some((kind, why.to_owned()));
    if has("password") || has("passwd") || has("pwd") || has("passphrase") {
        return found(Kind::Secret, "password");
    }
    if has("token") || has("secret") || has("apikey") || pair("api", "key") || has("otp") {
        return found(Kind::Secret, "token or secret");
    }
    if has("ssn") || pair("social", "security") {
        return found(Kind::Ssn, "ssn");
    }
    if has("iban") {
        return found(Kind::Iban, "iban");
    }
    if pair("credit", "card")
        || pair("card", "number")
        || pair("card", "no")
        || has("cardnumber")
        || has("creditcard")
        || last == "card"
        || (has("cc") && (has("number") || has("num") || has("no")))
        || has("pan")
    {
        return found(Kind::Card, "card number");
    }
    if has("email") || has("mail") || pair("e", "mail") || has("emailaddress") {
        return found(Kind::Email, "email");
    }
    if has("ip") || has("ipaddr") || has("ipaddress") || has("ipv") || pair("remote", "addr") {
        return found(Kind::Ip, "ip");
    }
    if has("birth") || has("birthday") || has("birthdate") || has("dob") || has("born") {
        return found(Kind::Birth, "birth");
    }
    if [
        "phone",
        "telephone",
        "tel",
        "mobile",
        "fax",
        "cellphone",
        "phonenumber",
    ]
    .iter()
    .any(|x| has(x))
    {
        return found(Kind::Phone, "phone");
    }
    if has("zip") || has("zipcode") || has("postal") || has("postcode") || has("plz") {
        return found(Kind::PostalCode, "postal code");
    }
    if has("city") || has("town") {
        return found(Kind::City, "city");
    }
    if has("street") || has("address") || has("addr") || has("streetaddress") {
        return found(Kind::Street, "address");
    }
    if has("firstname") || has("forename") || pair("first", "name") || pair("given", "name") {
        return found(Kind::FirstName, "first name");
    }
    if pair("middle", "name") {
        return found(Kind::FirstName, "middle name");
    }
    if has("lastname") || has("surname") || pair("last", "name") || pair("family", "name") {
        return found(Kind::LastName, "last name");
    }
    if has("fullname") || pair("full", "name") || pair("display", "name") {
        return found(Kind::FullName, "full name");
    }
    if has("username") || pair("user", "name") || has("nickname") || has("nick") || has("login") {
        return found(Kind::Username, "user name");
    }
    if last == "name" {
        let qualifier = &w[..w.len() - 1];
        let people = match qualifier {
            [] => words(table).iter().any(|t| is_people(t)),
            q => q.iter().any(|t| is_people(t)),
        };
        if people {
            return found(Kind::FullName, "name on a table of people");
        }
    }
    None
}

/// Whether a column of SQL type `data_type` can hold data of `kind` at all: a `last_login`
/// timestamp is no user name, an `is_email` boolean no address.
pub fn type_can_hold(kind: Kind, data_type: &str) -> bool {
    let t = data_type.to_ascii_lowercase();
    let base = t.split(['(', '[']).next().unwrap_or("").trim();
    match base {
        "boolean" | "bool" => false,
        "date"
        | "timestamp"
        | "timestamp without time zone"
        | "timestamp with time zone"
        | "timestamptz"
        | "time"
        | "interval" => kind == Kind::Birth,
        "smallint" | "integer" | "int" | "int2" | "int4" | "int8" | "bigint" | "numeric"
        | "decimal" | "real" | "double precision" | "serial" | "bigserial" => matches!(
            kind,
            Kind::Phone | Kind::PostalCode | Kind::Card | Kind::Ssn
        ),
        "inet" | "cidr" => kind == Kind::Ip,
        _ => true,
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
        .expect("valid regex")
});
static EMBEDDED_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
        .expect("valid regex")
});
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\+?\(?[0-9][0-9 ().\-/]{5,22}[0-9]$").expect("valid regex"));

/// The kind a single value looks like, if any.
pub fn by_value(v: &str) -> Option<Kind> {
    let v = v.trim();
    if v.len() > 320 {
        return None;
    }
    if EMAIL.is_match(v) {
        return Some(Kind::Email);
    }
    if is_ip(v) {
        return Some(Kind::Ip);
    }
    if is_iban(v) {
        return Some(Kind::Iban);
    }
    if is_card(v) {
        return Some(Kind::Card);
    }
    if is_phone(v) {
        return Some(Kind::Phone);
    }
    None
}

/// Whether a value is an identifier of one person that two columns share only when one is a
/// copy of the other, never by chance: an e-mail address, an IBAN, a card number or an
/// international phone number (`+...`). Cheap checks come first: `scrub verify` asks this of
/// unchanged fields of unruled columns.
pub fn is_direct_identifier(v: &[u8]) -> bool {
    let Ok(v) = std::str::from_utf8(v) else {
        return false;
    };
    match v.as_bytes() {
        [] => false,
        b if memchr::memchr(b'@', b).is_some() => EMAIL.is_match(v.trim()),
        [b'+', ..] => is_phone(v),
        [a, b, ..] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => is_iban(v),
        [d, ..] if d.is_ascii_digit() && v.len() >= 13 => is_card(v),
        _ => false,
    }
}

/// Whether free text holds an e-mail address somewhere inside.
pub fn embeds_email(v: &str) -> bool {
    v.contains('@') && EMBEDDED_EMAIL.is_match(v)
}

fn is_ip(v: &str) -> bool {
    let addr = v.split_once('/').map_or(v, |(a, _)| a);
    (addr.contains('.') || addr.contains(':')) && addr.parse::<IpAddr>().is_ok()
}

/// Two letters, two check digits, 11 to 30 letters or digits (spaces allowed), mod 97 = 1.
fn is_iban(v: &str) -> bool {
    let s: String = v.chars().filter(|c| *c != ' ').collect();
    let b = s.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b[4..].iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let mut rem = 0u32;
    for &c in b[4..].iter().chain(&b[..4]) {
        let n = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            _ => u32::from(c.to_ascii_uppercase() - b'A') + 10,
        };
        rem = if n >= 10 {
            (rem * 100 + n) % 97
        } else {
            (rem * 10 + n) % 97
        };
    }
    rem == 1
}

/// 13 to 19 digits (spaces or dashes between groups allowed) passing the Luhn check.
fn is_card(v: &str) -> bool {
    if !v
        .bytes()
        .all(|c| c.is_ascii_digit() || c == b' ' || c == b'-')
    {
        return false;
    }
    let digits: Vec<u32> = v
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|c| u32::from(c - b'0'))
        .collect();
    if !(13..=19).contains(&digits.len()) || digits[0] == 0 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn is_phone(v: &str) -> bool {
    if !PHONE.is_match(v) {
        return false;
    }
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let punctuated = v.bytes().any(|c| !c.is_ascii_digit());
    (7..=15).contains(&digits) && (punctuated || v.starts_with('0'))
}

/// What the sampled values of one column showed.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    pub non_null: u64,
    counts: [u64; 5],
    embedded: u64,
}

/// The value kinds a sample counts, in `Sample::counts` order.
const VALUE_KINDS: [Kind; 5] = [Kind::Email, Kind::Ip, Kind::Iban, Kind::Card, Kind::Phone];

impl Sample {
    pub fn add(&mut self, value: &str) {
        self.non_null += 1;
        match by_value(value) {
            Some(kind) => {
                let i = VALUE_KINDS
                    .iter()
                    .position(|k| *k == kind)
                    .expect("a value kind");
                self.counts[i] += 1;
            }
            None if embeds_email(value) => self.embedded += 1,
            None => {}
        }
    }

    /// Adds another sample of the same column (a partition's, to its parent's).
    pub fn merge(&mut self, other: &Sample) {
        self.non_null += other.non_null;
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
        self.embedded += other.embedded;
    }

    /// The kind most values have, when at least half do (or a tenth embed an e-mail), with
    /// the share in percent.
    pub fn verdict(&self) -> Option<(Kind, u64)> {
        if self.non_null == 0 {
            return None;
        }
        let pct = |n: u64| n * 100 / self.non_null;
        let (i, &best) = self.counts.iter().enumerate().max_by_key(|(_, n)| **n)?;
        if best * 2 >= self.non_null {
            return Some((VALUE_KINDS[i], pct(best)));
        }
        (self.embedded * 10 >= self.non_null).then(|| (Kind::EmbeddedContact, pct(self.embedded)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_split_into_words() {
        assert_eq!(words("billingEmail2"), ["billing", "email"]);
        assert_eq!(words("IP_Address"), ["ip", "address"]);
        assert_eq!(words("date-of birth"), ["date", "of", "birth"]);
    }

    #[test]
    fn personal_names() {
        let kind = |t, c| by_name(t, c).map(|(k, _)| k);
        assert_eq!(kind("users", "email"), Some(Kind::Email));
        assert_eq!(kind("users", "e_mail"), Some(Kind::Email));
        assert_eq!(kind("customers", "full_name"), Some(Kind::FullName));
        assert_eq!(kind("people", "firstName"), Some(Kind::FirstName));
        assert_eq!(kind("people", "surname"), Some(Kind::LastName));
        assert_eq!(kind("contacts", "phone_number"), Some(Kind::Phone));
        assert_eq!(kind("logins", "ip_address"), Some(Kind::Ip));
        assert_eq!(kind("people", "date_of_birth"), Some(Kind::Birth));
        assert_eq!(kind("people", "dob"), Some(Kind::Birth));
        assert_eq!(kind("payments", "card_number"), Some(Kind::Card));
        assert_eq!(kind("payments", "cc_number"), Some(Kind::Card));
        assert_eq!(kind("payments", "card"), Some(Kind::Card));
        assert_eq!(kind("payments", "payment_card"), Some(Kind::Card));
        assert_eq!(kind("accounts", "iban"), Some(Kind::Iban));
        assert_eq!(kind("users", "password_hash"), Some(Kind::Secret));
        assert_eq!(kind("users", "api_key"), Some(Kind::Secret));
        assert_eq!(kind("users", "ssn"), Some(Kind::Ssn));
        assert_eq!(kind("users", "name"), Some(Kind::FullName));
        assert_eq!(kind("orders", "customer_name"), Some(Kind::FullName));
        assert_eq!(kind("shops", "street_address"), Some(Kind::Street));
        assert_eq!(kind("shops", "postal_code"), Some(Kind::PostalCode));
        assert_eq!(kind("shops", "zip"), Some(Kind::PostalCode));
        assert_eq!(kind("shops", "zip_code"), Some(Kind::PostalCode));
    }

    #[test]
    fn names_that_are_not_personal() {
        for (t, c) in [
            ("products", "name"),
            ("files", "filename"),
            ("files", "file_name"),
            ("meta", "table_name"),
            ("hosts", "hostname"),
            ("hotels", "hotel"),
            ("users", "email_verified"),
            ("users", "phone_type"),
            ("orders", "address_id"),
            ("settings", "value"),
            ("orders", "total"),
        ] {
            assert_eq!(by_name(t, c), None, "{t}.{c}");
        }
    }

    #[test]
    fn types_that_cannot_hold_the_kind() {
        assert!(!type_can_hold(Kind::Username, "timestamp with time zone"));
        assert!(!type_can_hold(Kind::Email, "boolean"));
        assert!(type_can_hold(Kind::Birth, "date"));
        assert!(type_can_hold(Kind::Ip, "inet"));
        assert!(type_can_hold(Kind::Email, "character varying(200)"));
        assert!(!type_can_hold(Kind::FullName, "integer"));
    }

    #[test]
    fn values() {
        assert_eq!(by_value("ann.lee+x@corp.example.com"), Some(Kind::Email));
        assert_eq!(by_value("192.168.1.20"), Some(Kind::Ip));
        assert_eq!(by_value("10.0.0.0/8"), Some(Kind::Ip));
        assert_eq!(by_value("2001:db8::1"), Some(Kind::Ip));
        assert_eq!(by_value("DE89 3704 0044 0532 0130 00"), Some(Kind::Iban));
        assert_eq!(by_value("GB82WEST12345698765432"), Some(Kind::Iban));
        assert_eq!(by_value("GB83WEST12345698765432"), None);
        assert_eq!(by_value("4111 1111 1111 1111"), Some(Kind::Card));
        assert_eq!(by_value("4111111111111112"), None);
        assert_eq!(by_value("+49 30 1234567"), Some(Kind::Phone));
        assert_eq!(by_value("(555) 123-4567"), Some(Kind::Phone));
        assert_eq!(
            by_value("1234567"),
            None,
            "an integer is not a phone number"
        );
        assert_eq!(by_value("12.50"), None);
        assert_eq!(by_value("hello world"), None);
        assert!(embeds_email("write to ann@corp.com, thanks"));
        assert!(!embeds_email("no address @ all"));
    }

    #[test]
    fn a_column_is_flagged_when_half_its_values_match() {
        let mut s = Sample::default();
        for v in ["a@b.com", "c@d.org", "x", "y"] {
            s.add(v);
        }
        assert_eq!(s.verdict(), Some((Kind::Email, 50)));
        s.add("z");
        assert_eq!(s.verdict(), None);
        let mut notes = Sample::default();
        for v in ["call me", "mail ann@corp.com", "ok", "fine", "sure"] {
            notes.add(v);
        }
        assert_eq!(notes.verdict(), Some((Kind::EmbeddedContact, 20)));
    }
}
