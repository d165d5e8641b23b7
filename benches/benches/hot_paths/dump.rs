//! The stream rewriter on a gendump dump held in memory, one group per form:
//! `split` (statement scanning and row splitting into chunks), `rewrite` (the ruled fields
//! of every users row: email + md5 + null, on chunks split beforehand), and `passthrough`
//! (split and rewrite when only a 3-row table has rules).

use std::sync::Arc;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput};
use scrub_benches::{Counts, Form, Profile, Spec, write_dump};
use scrub_rules::{Keys, RuleSet, parse_column_name, parse_table_name};
use scrubber::{Chunk, Chunker, DEFAULT_CHUNK_SIZE, Rewritten, Stats, rewrite};

/// Email, md5 and null on three of the four text columns of every users row.
const USERS_RULES: &str = "tables:\n  public.users:\n    columns:\n      email: email\n      name: md5\n      phone: null\n";
/// A rule that matches, on a table of three rows: users and events pass through.
const PASSTHROUGH_RULES: &str = "tables:\n  public.api_tokens:\n    columns:\n      token: md5\n";

const SIZE: u64 = 4_000_000;
const SEED: u64 = 7;

fn rules(yaml: &str) -> Arc<RuleSet> {
    Arc::new(RuleSet::from_yaml(yaml).expect("benchmark rules parse"))
}

/// Splits the whole dump; checks that the chunks hold every byte and every rule matched.
fn split(dump: &[u8], rules: Arc<RuleSet>) -> Vec<Chunk> {
    let mut chunker = Chunker::new(dump, rules, DEFAULT_CHUNK_SIZE);
    let mut chunks = Vec::new();
    while let Some(chunk) = chunker.next_chunk().expect("gendump dumps split") {
        chunks.push(chunk);
    }
    let report = chunker.finish().expect("the dump ends cleanly");
    assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
    assert_eq!(
        chunks.iter().map(|c| c.bytes().len()).sum::<usize>(),
        dump.len()
    );
    chunks
}

/// Rewrites every chunk; returns the output length and the stats.
fn rewrite_all(chunks: &[Chunk]) -> (usize, Stats) {
    let mut stats = Stats::default();
    let mut len = 0;
    for chunk in chunks {
        let mut out = Rewritten::default();
        rewrite(
            chunk.bytes(),
            chunk.segments(),
            &Keys::from_seed(SEED),
            &mut out,
            &mut stats,
        )
        .expect("gendump rows rewrite");
        len += out.len();
    }
    (len, stats)
}

/// Every users row counted, and every email changed (users.email is never NULL).
fn assert_users_rewritten(stats: &Stats, counts: &Counts) {
    let users = &stats.tables[&parse_table_name("public.users").unwrap()];
    assert_eq!(users.rows, counts.users);
    assert_eq!(
        users.columns[&parse_column_name("email").unwrap()].1,
        counts.users
    );
}

fn bench_form(c: &mut Criterion, group: &str, form: Form) {
    let mut dump = Vec::new();
    let counts = write_dump(
        &Spec {
            size: SIZE,
            form,
            profile: Profile::Wide,
            seed: 42,
            huge_value: None,
        },
        &mut dump,
    )
    .unwrap();
    let users_rules = rules(USERS_RULES);
    let passthrough_rules = rules(PASSTHROUGH_RULES);

    let mut group = c.benchmark_group(group);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(dump.len() as u64));

    group.bench_function("split", |b| {
        b.iter(|| split(&dump, users_rules.clone()).len());
    });

    let chunks = split(&dump, users_rules.clone());
    group.bench_function("rewrite email+md5+null", |b| {
        b.iter(|| {
            let (len, stats) = rewrite_all(&chunks);
            assert_users_rewritten(&stats, &counts);
            len
        });
    });

    group.bench_function("passthrough split+rewrite", |b| {
        b.iter_batched(
            || passthrough_rules.clone(),
            |rules| {
                let (len, stats) = rewrite_all(&split(&dump, rules));
                // Three 40-character tokens become 32 md5 characters; nothing else changes.
                assert_eq!(len, dump.len() - 3 * 8);
                assert_eq!(stats.tables.len(), 1);
                len
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

pub fn copy(c: &mut Criterion) {
    bench_form(c, "copy", Form::Copy);
}

pub fn column_inserts(c: &mut Criterion) {
    bench_form(c, "column-inserts", Form::ColumnInserts);
}

/// `--inserts`: no column list, the order comes from the CREATE TABLE.
pub fn inserts(c: &mut Criterion) {
    bench_form(c, "inserts", Form::Inserts);
}
