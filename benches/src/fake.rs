//! Realistic column values from a seeded random stream: names and emails with accents,
//! phones in many formats, free text with every byte that COPY and SQL quoting must escape,
//! JSON payloads, timestamps and addresses.
//!
//! Every choice goes through [`Faker::below`], a multiply-shift on xoshiro256++ output, so
//! the values depend only on the seed and the order of the calls, not on the form they are
//! written in.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

/// First names as they are written, and folded to ASCII for email addresses.
const FIRST_NAMES: &[(&str, &str)] = &[
    ("Anna", "anna"),
    ("Ben", "ben"),
    ("Chloé", "chloe"),
    ("Dmitri", "dmitri"),
    ("Elif", "elif"),
    ("Farah", "farah"),
    ("Gustav", "gustav"),
    ("Hana", "hana"),
    ("Ibrahim", "ibrahim"),
    ("Jürgen", "juergen"),
    ("Kwame", "kwame"),
    ("Léa", "lea"),
    ("Mateo", "mateo"),
    ("Nadia", "nadia"),
    ("Oskar", "oskar"),
    ("Priya", "priya"),
    ("Quentin", "quentin"),
    ("Rosa", "rosa"),
    ("Søren", "soren"),
    ("Tomás", "tomas"),
    ("Uma", "uma"),
    ("Valentina", "valentina"),
    ("Wei", "wei"),
    ("Ximena", "ximena"),
    ("Yusuf", "yusuf"),
    ("Zoë", "zoe"),
    ("Łukasz", "lukasz"),
    ("Ágnes", "agnes"),
    ("Mary-Jane", "maryjane"),
    ("O'Neil", "oneil"),
    ("Björn", "bjorn"),
    ("Aiko", "aiko"),
    ("Мария", "maria"),
    ("Иван", "ivan"),
    ("陈", "chen"),
    ("さくら", "sakura"),
    ("Fatima", "fatima"),
    ("George", "george"),
    ("Helen", "helen"),
    ("Isabel", "isabel"),
    ("James", "james"),
    ("Kate", "kate"),
    ("Liam", "liam"),
    ("Maya", "maya"),
    ("Noah", "noah"),
    ("Olivia", "olivia"),
    ("Paul", "paul"),
    ("Ruth", "ruth"),
];

const LAST_NAMES: &[(&str, &str)] = &[
    ("Smith", "smith"),
    ("García", "garcia"),
    ("Müller", "mueller"),
    ("Nguyen", "nguyen"),
    ("O'Brien", "obrien"),
    ("Kowalski", "kowalski"),
    ("Dubois", "dubois"),
    ("Rossi", "rossi"),
    ("Yılmaz", "yilmaz"),
    ("Andersson", "andersson"),
    ("Okafor", "okafor"),
    ("Tanaka", "tanaka"),
    ("Novák", "novak"),
    ("Ivanova", "ivanova"),
    ("da Silva", "dasilva"),
    ("van der Berg", "vanderberg"),
    ("Johnson", "johnson"),
    ("Brown", "brown"),
    ("Lee", "lee"),
    ("Martin", "martin"),
    ("Schäfer", "schaefer"),
    ("Jensen", "jensen"),
    ("Papadopoulos", "papadopoulos"),
    ("Kim", "kim"),
    ("Haddad", "haddad"),
    ("Fernández", "fernandez"),
    ("Nakamura", "nakamura"),
    ("Walsh", "walsh"),
    ("Smith-Jones", "smithjones"),
    ("Петров", "petrov"),
    ("王", "wang"),
    ("Ó Súilleabháin", "osullivan"),
];

const DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "proton.me",
    "example.org",
    "web.de",
    "mail.ru",
    "corp.example.com",
    "uni-example.edu",
    "fastmail.fm",
    "gmx.net",
    "icloud.com",
];

const WORDS: &[&str] = &[
    "the",
    "a",
    "and",
    "of",
    "to",
    "in",
    "is",
    "for",
    "on",
    "with",
    "as",
    "at",
    "by",
    "from",
    "I",
    "we",
    "my",
    "our",
    "love",
    "work",
    "build",
    "team",
    "data",
    "coffee",
    "travel",
    "engineer",
    "designer",
    "teacher",
    "nurse",
    "developer",
    "manager",
    "student",
    "writer",
    "hiking",
    "music",
    "photography",
    "cooking",
    "cycling",
    "reading",
    "gardening",
    "running",
    "based",
    "currently",
    "previously",
    "open",
    "source",
    "projects",
    "startup",
    "company",
    "people",
    "products",
    "customers",
    "backend",
    "frontend",
    "databases",
    "PostgreSQL",
    "years",
    "experience",
    "passionate",
    "about",
    "learning",
    "new",
    "things",
    "every",
    "day",
    "city",
    "weekend",
    "family",
    "dog",
    "cat",
    "kids",
    "books",
    "film",
    "jazz",
    "football",
    "volunteer",
    "mentor",
    "speaker",
    "conference",
    "remote",
    "office",
    "morning",
    "night",
    "ask",
    "me",
    "anything",
    "contact",
    "via",
    "email",
    "phone",
    "please",
    "thanks",
    "hello",
];

/// Words and symbols outside ASCII, for multi-byte UTF-8 in free text.
const UNICODE_WORDS: &[&str] = &[
    "café",
    "naïve",
    "Straße",
    "façade",
    "jalapeño",
    "smörgåsbord",
    "Zürich",
    "São Paulo",
    "東京",
    "北京市",
    "Привет",
    "Ελλάδα",
    "مرحبا",
    "שלום",
    "नमस्ते",
    "😀",
    "🎉",
    "👩‍💻",
    "☕",
    "€100",
    "±5 °C",
    "“quoted”",
    "—",
    "…",
];

/// Text with backslashes, the bytes every dump tool gets wrong at least once.
const BACKSLASH_TEXT: &[&str] = &[
    r"C:\Users\me\Documents",
    r"\d+\.\d+",
    r"\\fileserver\share",
    r"a\nb (not a newline)",
    r"\N",
    r"\.",
    r"\\",
    r"\x41\101",
    r"end\",
];

const PHONE_FORMATS: &[&str] = &[
    "+1 (###) ###-####",
    "+44 20 #### ####",
    "+49 30 ########",
    "###-####",
    "(0#) #### ####",
    "+33 # ## ## ## ##",
    "+81 3-####-####",
    "+7 ### ###-##-##",
    "###.###.#### x##",
];

const EVENT_KINDS: &[&str] = &[
    "login",
    "logout",
    "page_view",
    "page_view",
    "page_view",
    "search",
    "add_to_cart",
    "purchase",
    "password_reset",
    "api_call",
    "api_call",
    "export",
    "settings_changed",
];

const PATHS: &[&str] = &[
    "/",
    "/products",
    "/products/item",
    "/cart",
    "/checkout",
    "/account/settings",
    "/search",
    "/api/v2/orders",
    "/blog/2024/hello-world",
    "/help/faq",
];

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "curl/8.8.0",
    "python-requests/2.32.3",
];

/// A seeded source of column values.
pub struct Faker {
    rng: Xoshiro256PlusPlus,
}

impl Faker {
    pub fn new(seed: u64) -> Faker {
        Faker {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
        }
    }

    /// The next raw 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A number in `0..n` (multiply-shift: fast, and bias-free enough for test data).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.bits()) * u128::from(n)) >> 64) as u64
    }

    /// True `per_mille` times in a thousand.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<T: Copy>(&mut self, list: &[T]) -> T {
        list[self.below(list.len() as u64) as usize]
    }

    fn digits(&mut self, count: u64, out: &mut Vec<u8>) {
        for _ in 0..count {
            out.push(b'0' + self.below(10) as u8);
        }
    }

    /// A person: display name and email address. The name is `None` now and then (NULL).
    pub fn person(&mut self, name: &mut Vec<u8>, email: &mut Vec<u8>) -> bool {
        let (first, first_ascii) = self.pick(FIRST_NAMES);
        let (last, last_ascii) = self.pick(LAST_NAMES);
        email.clear();
        match self.below(6) {
            0 => email.extend_from_slice(first_ascii.as_bytes()),
            1 => email.extend_from_slice(&first_ascii.as_bytes()[..1]),
            2 => {
                email.extend_from_slice(first_ascii.as_bytes());
                email.push(b'_');
            }
            _ => {
                email.extend_from_slice(first_ascii.as_bytes());
                email.push(b'.');
            }
        }
        email.extend_from_slice(last_ascii.as_bytes());
        if self.chance(400) {
            let n = self.below(10_000);
            email.extend_from_slice(n.to_string().as_bytes());
        }
        if self.chance(50) {
            email.extend_from_slice(b"+newsletter");
        }
        email.push(b'@');
        email.extend_from_slice(self.pick(DOMAINS).as_bytes());

        name.clear();
        if self.chance(30) {
            return false;
        }
        if self.chance(100) {
            name.extend_from_slice(last.as_bytes());
            name.extend_from_slice(b", ");
            name.extend_from_slice(first.as_bytes());
        } else {
            name.extend_from_slice(first.as_bytes());
            name.push(b' ');
            if self.chance(150) {
                name.push(b'A' + self.below(26) as u8);
                name.extend_from_slice(b". ");
            }
            name.extend_from_slice(last.as_bytes());
        }
        true
    }

    /// A phone number in one of many national formats; false (NULL) for one in five.
    pub fn phone(&mut self, out: &mut Vec<u8>) -> bool {
        out.clear();
        if self.chance(200) {
            return false;
        }
        for &b in self.pick(PHONE_FORMATS).as_bytes() {
            if b == b'#' {
                self.digits(1, out);
            } else {
                out.push(b);
            }
        }
        true
    }

    /// A free-text profile: false for NULL (8 %); otherwise sometimes the literal text `\N`,
    /// `\.` or an empty string, usually prose with tabs, CR/LF, quotes, backslashes and
    /// non-ASCII text, from a few bytes to a few kilobytes.
    pub fn bio(&mut self, out: &mut Vec<u8>) -> bool {
        out.clear();
        match self.below(1000) {
            0..80 => return false,
            80..90 => out.extend_from_slice(br"\N"),
            90..95 => {}
            95..97 => out.extend_from_slice(br"\."),
            _ => {
                let len = match self.below(10) {
                    0..4 => 10 + self.below(80),
                    4..9 => 80 + self.below(320),
                    _ => 400 + self.below(2600),
                };
                self.prose(len as usize, out);
            }
        }
        true
    }

    /// A short note: a few words, false (NULL) for one in five.
    pub fn note(&mut self, out: &mut Vec<u8>) -> bool {
        out.clear();
        if self.chance(200) {
            return false;
        }
        let len = 4 + self.below(20);
        self.prose(len as usize, out);
        true
    }

    /// A PostgreSQL `text[]` literal of up to four words, a quoted one with a space now and
    /// then; false (NULL) for one in ten.
    pub fn tags(&mut self, out: &mut Vec<u8>) -> bool {
        out.clear();
        if self.chance(100) {
            return false;
        }
        out.push(b'{');
        for i in 0..self.below(5) {
            if i > 0 {
                out.push(b',');
            }
            let word = self.pick(WORDS).as_bytes();
            if self.chance(100) {
                out.push(b'"');
                out.extend_from_slice(word);
                out.push(b' ');
                out.extend_from_slice(self.pick(WORDS).as_bytes());
                out.push(b'"');
            } else {
                out.extend_from_slice(word);
            }
        }
        out.push(b'}');
        true
    }

    /// Appends prose until `out` has grown by at least `len` bytes.
    pub fn prose(&mut self, len: usize, out: &mut Vec<u8>) {
        let end = out.len() + len;
        while out.len() < end {
            self.prose_token(out);
        }
    }

    fn prose_token(&mut self, out: &mut Vec<u8>) {
        let word = self.pick(WORDS).as_bytes();
        match self.below(1000) {
            0..820 => {
                out.extend_from_slice(word);
                out.push(b' ');
            }
            820..860 => {
                out.extend_from_slice(word);
                out.extend_from_slice(b", ");
            }
            860..900 => {
                out.extend_from_slice(word);
                out.extend_from_slice(self.pick(&[&b". "[..], b"! ", b"? ", b"; "]));
            }
            900..915 => out.push(b'\n'),
            915..920 => out.extend_from_slice(b"\r\n"),
            920..930 => out.push(b'\t'),
            930..940 => {
                let quote = self.pick(b"'\"");
                out.push(quote);
                out.extend_from_slice(word);
                out.push(quote);
                out.push(b' ');
            }
            940..950 => {
                out.extend_from_slice(self.pick(BACKSLASH_TEXT).as_bytes());
                out.push(b' ');
            }
            950..975 => {
                out.extend_from_slice(self.pick(UNICODE_WORDS).as_bytes());
                out.push(b' ');
            }
            975..985 => out.extend_from_slice(self.pick(&[&b"it's "[..], b"don't ", b"O'Reilly "])),
            985..995 => {
                let n = self.below(100_000);
                out.extend_from_slice(n.to_string().as_bytes());
                out.push(b' ');
            }
            _ => {
                out.extend_from_slice(b"https://example.com");
                out.extend_from_slice(self.pick(PATHS).as_bytes());
                out.extend_from_slice(b"?q=1&ref=bio ");
            }
        }
    }

    /// An event kind such as `page_view`.
    pub fn event_kind(&mut self) -> &'static str {
        self.pick(EVENT_KINDS)
    }

    /// A client address, IPv4 mostly, IPv6 sometimes; false (NULL) for one in twenty.
    pub fn ip(&mut self, out: &mut Vec<u8>) -> bool {
        out.clear();
        match self.below(100) {
            0..5 => return false,
            5..10 => {
                let (a, b) = (self.below(0x10000), self.below(0x10000));
                out.extend_from_slice(format!("2001:db8::{a:x}:{b:x}").as_bytes());
            }
            _ => {
                let bits = self.bits();
                let [a, b, c, d, ..] = bits.to_le_bytes();
                out.extend_from_slice(format!("{}.{b}.{c}.{d}", a % 223 + 1).as_bytes());
            }
        }
        true
    }

    /// A JSON document like the ones web applications keep per event; false (NULL) for one
    /// in ten. String values hold escaped quotes, backslashes and non-ASCII text at times.
    pub fn payload(&mut self, out: &mut Vec<u8>) -> bool {
        out.clear();
        if self.chance(100) {
            return false;
        }
        out.extend_from_slice(b"{\"ms\": ");
        out.extend_from_slice(self.below(5000).to_string().as_bytes());
        out.extend_from_slice(b", \"ua\": \"");
        out.extend_from_slice(self.pick(USER_AGENTS).as_bytes());
        out.extend_from_slice(b"\", \"path\": \"");
        out.extend_from_slice(self.pick(PATHS).as_bytes());
        out.push(b'"');
        if self.chance(300) {
            out.extend_from_slice(b", \"query\": \"");
            match self.below(4) {
                0 => out.extend_from_slice(br#"say \"hi\""#),
                1 => out.extend_from_slice(r"Zürich café ☕".as_bytes()),
                2 => out.extend_from_slice(br"C:\\temp\\report.csv"),
                _ => out.extend_from_slice(b"it's 50% off"),
            }
            out.push(b'"');
        }
        out.extend_from_slice(b", \"tags\": [");
        for i in 0..self.below(4) {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            out.push(b'"');
            out.extend_from_slice(self.pick(WORDS).as_bytes());
            out.push(b'"');
        }
        out.extend_from_slice(b"]}");
        true
    }
}

/// `epoch_micros` (microseconds since 1970-01-01 UTC) as PostgreSQL writes a
/// `timestamp with time zone` in UTC: `2024-03-09 17:02:45.123456+00`.
pub fn timestamptz(epoch_micros: u64, out: &mut Vec<u8>) {
    let secs = epoch_micros / 1_000_000;
    let micros = epoch_micros % 1_000_000;
    let (year, month, day) = civil_from_days(secs / 86_400);
    let rest = secs % 86_400;
    let (hour, minute, second) = (rest / 3600, rest / 60 % 60, rest % 60);
    out.extend_from_slice(
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}.{micros:06}+00")
            .as_bytes(),
    );
}

/// The proleptic Gregorian date of a day number counted from 1970-01-01.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so that leap days fall at the end of a year, then split
    // into 400-year eras of 146097 days.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_known_dates() {
        let mut out = Vec::new();
        timestamptz(0, &mut out);
        assert_eq!(out, b"1970-01-01 00:00:00.000000+00");
        out.clear();
        // 2024-02-29 23:59:59.5 UTC, a leap day.
        timestamptz(1_709_251_199_500_000, &mut out);
        assert_eq!(out, b"2024-02-29 23:59:59.500000+00");
        out.clear();
        timestamptz(951_782_400_000_001, &mut out);
        assert_eq!(out, b"2000-02-29 00:00:00.000001+00");
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut faker = Faker::new(1);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            seen[faker.below(7) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn same_seed_same_values() {
        let (mut a, mut b) = (Faker::new(9), Faker::new(9));
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for _ in 0..100 {
            assert_eq!(a.bio(&mut x), b.bio(&mut y));
            assert_eq!(x, y);
        }
    }

    #[test]
    fn bios_hold_the_hard_bytes() {
        let mut faker = Faker::new(3);
        let mut bio = Vec::new();
        let (mut nulls, mut backslash_n, mut tabs, mut newlines, mut quotes, mut non_ascii) =
            (0, 0, 0, 0, 0, 0);
        for _ in 0..5000 {
            if !faker.bio(&mut bio) {
                nulls += 1;
                continue;
            }
            backslash_n += usize::from(bio == br"\N");
            tabs += usize::from(bio.contains(&b'\t'));
            newlines += usize::from(bio.contains(&b'\n'));
            quotes += usize::from(bio.contains(&b'\''));
            non_ascii += usize::from(bio.iter().any(|b| !b.is_ascii()));
            assert!(std::str::from_utf8(&bio).is_ok());
        }
        for count in [nulls, backslash_n, tabs, newlines, quotes, non_ascii] {
            assert!(count > 10, "{count}");
        }
    }
}
