//! Each rule applied to a realistic column of values: the cost per value that the stream
//! rewriter adds for a ruled column, before escaping.

use criterion::{Criterion, Throughput};
use scrub_benches::Faker;
use scrub_rules::{DEFAULT_EMAIL, Keys, MD5_HEX_LEN, Outcome, Place, Rule, Value};

/// 10,000 e-mail addresses and as many profile texts (NULL where gendump makes them NULL).
fn columns() -> (Vec<Vec<u8>>, Vec<Option<Vec<u8>>>) {
    let mut faker = Faker::new(42);
    let (mut name, mut email, mut bio) = (Vec::new(), Vec::new(), Vec::new());
    let mut emails = Vec::new();
    let mut bios = Vec::new();
    for _ in 0..10_000 {
        faker.person(&mut name, &mut email);
        emails.push(email.clone());
        bios.push(faker.bio(&mut bio).then(|| bio.clone()));
    }
    (emails, bios)
}

/// Checks one outcome of `rule` on a non-NULL value; returns the output length.
fn checked(rule: &Rule, outcome: Outcome<'_>) -> usize {
    match (rule, outcome) {
        (Rule::Keep, Outcome::Unchanged) | (Rule::Null, Outcome::Null) => 0,
        (Rule::Email(address) | Rule::Fixed(address), Outcome::Text(text)) => {
            assert_eq!(text, address.as_bytes());
            text.len()
        }
        (Rule::Md5 { len }, Outcome::Text(text)) => {
            assert_eq!(text.len(), *len);
            assert!(text.iter().all(u8::is_ascii_hexdigit));
            text.len()
        }
        (rule, outcome) => panic!("{rule:?} gave {outcome:?}"),
    }
}

pub fn bench(c: &mut Criterion) {
    let (emails, bios) = columns();
    let rules = [
        ("keep", Rule::Keep),
        ("null", Rule::Null),
        ("email", Rule::Email(DEFAULT_EMAIL.into())),
        ("fixed", Rule::Fixed("redacted".into())),
        ("md5", Rule::Md5 { len: MD5_HEX_LEN }),
        ("md5:10", Rule::Md5 { len: 10 }),
    ];
    let mut group = c.benchmark_group("rules");
    let email_bytes: usize = emails.iter().map(Vec::len).sum();
    group.throughput(Throughput::Bytes(email_bytes as u64));
    for (label, rule) in &rules {
        group.bench_function(format!("{label} on users.email"), |b| {
            let keys = Keys::from_seed(7);
            let mut scratch = Vec::new();
            b.iter(|| {
                let mut out = 0;
                for (row, email) in emails.iter().enumerate() {
                    let place = Place {
                        row: row as u64,
                        column: 1,
                    };
                    out += checked(
                        rule,
                        rule.apply(Value::Text(email), place, &keys, &mut scratch)
                            .unwrap(),
                    );
                }
                out
            });
        });
    }
    // A long, often NULL column: NULL stays NULL (as it is, or written anew) under every
    // rule but `fixed`.
    let bio_bytes: usize = bios.iter().flatten().map(Vec::len).sum();
    group.throughput(Throughput::Bytes(bio_bytes as u64));
    for (label, rule) in &rules {
        group.bench_function(format!("{label} on users.bio"), |b| {
            let keys = Keys::from_seed(7);
            let mut scratch = Vec::new();
            b.iter(|| {
                let mut out = 0;
                for (row, bio) in bios.iter().enumerate() {
                    let place = Place {
                        row: row as u64,
                        column: 4,
                    };
                    let value = bio.as_deref().map_or(Value::Null, Value::Text);
                    let outcome = rule.apply(value, place, &keys, &mut scratch).unwrap();
                    out += match (value, rule, outcome) {
                        (Value::Null, Rule::Fixed(_), _) | (Value::Text(_), ..) => {
                            checked(rule, outcome)
                        }
                        (Value::Null, _, Outcome::Unchanged | Outcome::Null) => 0,
                        (Value::Null, _, outcome) => panic!("{rule:?} on NULL gave {outcome:?}"),
                    };
                }
                out
            });
        });
    }
    group.finish();
}
