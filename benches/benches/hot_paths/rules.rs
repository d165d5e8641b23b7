//! Each rule applied to a realistic column of values: the cost per value that the stream
//! rewriter adds for a ruled column, before escaping.

use criterion::{Criterion, Throughput};
use scrub_benches::Faker;
use scrub_rules::{
    DEFAULT_EMAIL, Fake, FakeKind, Hash, HashShape, Keys, MD5_HEX_LEN, Outcome, Place, Rule, Value,
};

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
        (
            Rule::Email {
                address,
                unique: false,
            }
            | Rule::Fixed(address),
            Outcome::Text(text),
        ) => {
            assert_eq!(text, address.as_bytes());
            text.len()
        }
        (Rule::Email { unique: true, .. }, Outcome::Text(text)) => {
            assert!(text.starts_with(b"nobody+") && text.ends_with(b"@example.com"));
            text.len()
        }
        (Rule::Md5 { len, .. }, Outcome::Text(text)) => {
            assert_eq!(text.len(), *len);
            assert!(text.iter().all(u8::is_ascii_hexdigit));
            text.len()
        }
        (Rule::Hash(hash), Outcome::Text(text)) => {
            assert_eq!(text.len(), hash.shape.output_len());
            text.len()
        }
        (Rule::Fake(_), Outcome::Text(text)) => {
            assert!(!text.is_empty());
            text.len()
        }
        (rule, outcome) => panic!("{rule:?} gave {outcome:?}"),
    }
}

fn hash(shape: HashShape) -> Rule {
    Rule::Hash(Hash::new(shape, String::new(), false))
}

fn fake(kind: FakeKind, unique: bool) -> Rule {
    Rule::Fake(Fake::new(kind, None, unique, None))
}

pub fn bench(c: &mut Criterion) {
    let (emails, bios) = columns();
    let rules = [
        ("keep", Rule::Keep),
        ("null", Rule::Null),
        (
            "email",
            Rule::Email {
                address: DEFAULT_EMAIL.into(),
                unique: false,
            },
        ),
        ("fixed", Rule::Fixed("redacted".into())),
        (
            "md5",
            Rule::Md5 {
                len: MD5_HEX_LEN,
                unique: false,
            },
        ),
        (
            "md5:10",
            Rule::Md5 {
                len: 10,
                unique: false,
            },
        ),
        (
            "md5:16+unique",
            Rule::Md5 {
                len: 16,
                unique: true,
            },
        ),
        (
            "md5+unique",
            Rule::Md5 {
                len: MD5_HEX_LEN,
                unique: true,
            },
        ),
        (
            "email+unique",
            Rule::Email {
                address: DEFAULT_EMAIL.into(),
                unique: true,
            },
        ),
        ("hash", hash(HashShape::Hex { len: 32 })),
        ("hash:digits", hash(HashShape::Digits { len: 12 })),
        ("hash:uuid", hash(HashShape::Uuid)),
        (
            "hash:email",
            hash(HashShape::Email {
                at: "example.com".into(),
            }),
        ),
        ("fake:name", fake(FakeKind::Name, false)),
        ("fake:email", fake(FakeKind::Email, false)),
        ("fake:phone", fake(FakeKind::Phone, false)),
        ("fake:email+unique", fake(FakeKind::Email, true)),
        ("fake:street", fake(FakeKind::Street, false)),
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
    // Numeric ids through the keyed decimal permutation (cycle walking included).
    let ids: Vec<Vec<u8>> = (0..10_000u64)
        .map(|i| (i * 7919 + 100_000).to_string().into_bytes())
        .collect();
    group.throughput(Throughput::Bytes(
        ids.iter().map(Vec::len).sum::<usize>() as u64
    ));
    let unique_digits = Rule::Hash(Hash::new(
        HashShape::Digits { len: 12 },
        String::new(),
        true,
    ));
    group.bench_function("hash:digits12+unique on users.id", |b| {
        let keys = Keys::from_seed(7);
        let mut scratch = Vec::new();
        b.iter(|| {
            let mut out = 0;
            for (row, id) in ids.iter().enumerate() {
                let place = Place {
                    row: row as u64,
                    column: 0,
                };
                out += checked(
                    &unique_digits,
                    unique_digits
                        .apply(Value::Text(id), place, &keys, &mut scratch)
                        .unwrap(),
                );
            }
            out
        });
    });
    group.finish();
}
