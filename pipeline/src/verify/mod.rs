//! `scrub verify -c RULES ORIGINAL SCRUBBED`: proves that no value of a ruled column of the
//! original is left anywhere in the scrubbed dump, and that no row went missing.
//!
//! # How
//!
//! The two dumps are read at the same time, each in a thread of its own ([`read`]), so they
//! can be two pipes fed by one `pg_restore` (what `scripts/backup` does): nothing is read
//! twice and nothing needs to be a file.
//!
//! 1. ORIGINAL: rows per table, and a 128-bit keyed fingerprint ([`Fingerprinter`], a random
//!    key per run, so neither memory nor the temporary files hold plaintext) of every value
//!    of every ruled column, with where it was first seen, written to disk partitions
//!    ([`spill`]). Rules resolve through partitions and inheritance exactly as in a run.
//!    Left out: NULLs, `keep` columns, values shorter than `--min-length` characters
//!    (counted and reported), values the rule maps to themselves, and values equal to what a
//!    constant rule (`email`, `fixed`) writes, since the scrubbed dump holds those by design.
//! 2. SCRUBBED: rows per table; each row is paired with the original row it was made from
//!    ([`pair`]), which tells the fields that may be leaks from data the rules leave alone
//!    (a city named like a person is not a leak; an e-mail address copied into a column the
//!    rules missed is). Those fields' fingerprints go to disk partitions too, and so do the
//!    values of statistics statements.
//! 3. The join, partition by partition: a looked-up fingerprint among the original's ruled
//!    values is a leak. A `unique` rule's output seen twice for two different inputs is a
//!    duplicate (the same input twice gives the same output by design).
//!
//! Memory stays bounded whatever the size of the dump or the number of distinct values: a
//! few chunks per reader, the rows waiting for their partner (a budget, see [`pair`]) and
//! one partition's hash table at a time (a partition over [`PARTITION_BUDGET`] is split again
//! by more bits of the key). The partitions are anonymous files in `--tmp-dir` (default: the
//! scrubbed dump's folder) that vanish when the process ends, however it ends; the report
//! says how much they took. Whole fields are compared: a ruled value embedded in a longer
//! text (a name inside a comment) is not found; that is what `redact` and `scrub detect` are
//! for.

mod pair;
mod read;
mod spill;

use std::collections::{BTreeSet, BinaryHeap};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, bounded, select};

use crate::cli::VerifyArgs;
use crate::fingerprint::{FingerprintMap, Fingerprinter};
use crate::progress::Progress;
use crate::{Failure, keyfile, load_rules};
use pair::{Paired, Pairer};
use read::{Message, PlaceName, Settings, Shown, Totals};
use serde::Serialize;
use spill::Part;

/// Leaks and duplicates listed one by one (those on the first lines); beyond this they are
/// only counted.
const LISTED: usize = 100;
/// Bytes of one partition's records loaded into memory at once.
const PARTITION_BUDGET: u64 = 96 << 20;
/// Batches in flight from each reader.
const IN_FLIGHT: usize = 4;

pub fn run(args: &VerifyArgs) -> Result<(), Failure> {
    let rules = load_rules(&args.rules)?;
    let seed = args.seed.unwrap_or_else(rand::random);
    let keys = keyfile::keys(seed, args.key_file.as_deref())
        .map_err(|e| Failure::usage(format!("scrub verify: {e}")))?;
    let fingerprints = Fingerprinter::random();
    let progress = Progress::new(args.progress.progress, false);
    let spill_dir = args
        .tmp_dir
        .clone()
        .unwrap_or_else(|| folder_of(&args.scrubbed));
    let settings = Settings {
        rules: &rules,
        keys: &keys,
        fingerprints: &fingerprints,
        min_length: args.min_length,
        show_values: args.show_values,
        checks: args.accept.checks(),
        progress: &progress,
    };
    let spill_error = |e: io::Error| read::spill_error(&spill_dir, &e);
    let (original, scrubbed, paired, own_outputs) = std::thread::scope(|scope| {
        let (send_original, from_original) = bounded(IN_FLIGHT);
        let (send_scrubbed, from_scrubbed) = bounded(IN_FLIGHT);
        let original =
            scope.spawn(|| read::original(&args.original, &settings, &spill_dir, send_original));
        let scrubbed = scope.spawn(|| read::scrubbed(&args.scrubbed, &settings, send_scrubbed));
        let mut pairer = Pairer::new(&fingerprints, &spill_dir).map_err(spill_error)?;
        let paired = receive(&mut pairer, &from_original, &from_scrubbed).map_err(spill_error);
        // A reader that failed stops at once; the other one may be blocked on a pipe that
        // nobody feeds any more (two branches of one tee), so the process ends here.
        let original = original.join().expect("the reader does not panic");
        let scrubbed = scrubbed.join().expect("the reader does not panic");
        let own = pairer.own_outputs;
        Ok::<_, Failure>((
            original?,
            scrubbed?,
            paired.and_then(|()| pairer.finish().map_err(spill_error))?,
            own,
        ))
    })
    .inspect_err(exit_now)?;
    let mut original = original;
    let ruled_values = std::mem::take(&mut original.ruled_values);
    let joined = join(
        ruled_values,
        paired,
        [&original.places, &scrubbed.places],
        &spill_dir,
        args.key_file.is_none(),
    )
    .map_err(spill_error)?;
    let report = gather(args, &original, &scrubbed, &joined, own_outputs);
    print!("{}", render(&report));
    if let Some(path) = &args.report {
        crate::report::write(path, &report, "scrub verify")?;
    }
    if report.ok {
        Ok(())
    } else {
        Err(Failure::data(format!(
            "scrub verify: {} does not pass: {} problem(s), listed above",
            args.scrubbed.display(),
            report.problems
        )))
    }
}

/// Where the temporary files go by default: beside the scrubbed dump.
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Ends the process on a failure while reading: the other reader may be waiting on a pipe
/// whose writer waits on the failed one.
fn exit_now(failure: &Failure) {
    eprintln!("{}", failure.message);
    std::process::exit(i32::from(failure.code));
}

/// Hands every message of both readers to the pairer until both are done, reading only the
/// dump that is behind while the other's waiting rows fill their budget.
fn receive(
    pairer: &mut Pairer<'_>,
    original: &Receiver<Message>,
    scrubbed: &Receiver<Message>,
) -> io::Result<()> {
    let (mut original_open, mut scrubbed_open) = (true, true);
    while original_open || scrubbed_open {
        let [original_full, scrubbed_full] = pairer.full();
        let want_original = original_open && (!original_full || !scrubbed_open);
        let want_scrubbed = scrubbed_open && (!scrubbed_full || !original_open);
        let message = match (want_original, want_scrubbed) {
            (true, true) => select! {
                recv(original) -> m => m.map_err(|_| true),
                recv(scrubbed) -> m => m.map_err(|_| false),
            },
            (true, false) => original.recv().map_err(|_| true),
            (false, true) => scrubbed.recv().map_err(|_| false),
            (false, false) => {
                // Both full: the dumps no longer pair up.
                pairer.evict()?;
                continue;
            }
        };
        match message {
            Ok(Message::Original(rows)) => pairer.original(rows)?,
            Ok(Message::Scrubbed(rows)) => pairer.scrubbed(rows)?,
            Ok(Message::OriginalStatistics(text)) => pairer.original_statistics(text),
            Ok(Message::ScrubbedStatistics(s)) => pairer.scrubbed_statistics(s),
            Err(true) => original_open = false,
            Err(false) => scrubbed_open = false,
        }
    }
    Ok(())
}

/// What the join found.
#[derive(Default)]
struct Joined {
    distinct: u64,
    leaks: Listed,
    duplicates: Listed,
    /// Bytes written to temporary files: look-ups, outputs, partitions split again.
    spilled: u64,
    /// Verify drew its own key (no key file): a leak in a `fake` column may be the run's
    /// fake of another value, which the report says.
    own_key: bool,
}

/// The findings on the first lines of the scrubbed dump, and how many there were.
#[derive(Default)]
struct Listed {
    first: BinaryHeap<(u64, String)>,
    count: u64,
}

impl Listed {
    fn add(&mut self, line: u64, describe: impl FnOnce() -> String) {
        self.count += 1;
        if self.first.len() < LISTED || self.first.peek().is_some_and(|(l, _)| line < *l) {
            self.first.push((line, describe()));
            if self.first.len() > LISTED {
                self.first.pop();
            }
        }
    }

    fn in_order(&self) -> Vec<&str> {
        let mut v: Vec<_> = self.first.iter().collect();
        v.sort();
        v.into_iter().map(|(_, s)| s.as_str()).collect()
    }
}

/// Joins the original's ruled values with the scrubbed dump's look-ups, and groups the
/// outputs of `unique` rules, one partition at a time.
fn join(
    ruled_values: Vec<Part>,
    paired: Paired,
    places: [&[PlaceName]; 2],
    spill: &Path,
    own_key: bool,
) -> io::Result<Joined> {
    let mut joined = Joined {
        spilled: paired.spilled,
        own_key,
        ..Joined::default()
    };
    for (values, lookups) in ruled_values.into_iter().zip(paired.lookups) {
        leaks_in(values, lookups, places, spill, &mut joined)?;
    }
    for outputs in paired.outputs {
        duplicates_in(outputs, places[1], spill, &mut joined)?;
    }
    Ok(joined)
}

fn leaks_in(
    values: Part,
    lookups: Part,
    places: [&[PlaceName]; 2],
    spill: &Path,
    joined: &mut Joined,
) -> io::Result<()> {
    if values.bytes > PARTITION_BUDGET && values.can_split() {
        joined.spilled += values.bytes + lookups.bytes;
        for (v, l) in values.split(spill)?.into_iter().zip(lookups.split(spill)?) {
            leaks_in(v, l, places, spill, joined)?;
        }
        return Ok(());
    }
    let mut origins: FingerprintMap<(u32, u64)> = FingerprintMap::default();
    origins.reserve((values.bytes / 30) as usize);
    let mut records = values.records();
    while let Some((key, p)) = records.next_record()? {
        origins
            .entry(key)
            .or_insert((le_u32(&p[..4]), le_u64(&p[4..12])));
    }
    joined.distinct += origins.len() as u64;
    let mut records = lookups.records();
    while let Some((key, p)) = records.next_record()? {
        let Some(&(origin, first)) = origins.get(&key) else {
            continue;
        };
        let (place, line) = (&places[1][le_u32(&p[..4]) as usize], le_u64(&p[4..12]));
        let hint = joined.own_key && place.is_fake();
        joined.leaks.add(line, || {
            format!(
                "leak: {} value from original line {first} found in scrubbed {} line {line}: {}{}",
                places[0][origin as usize].name,
                place.name,
                Shown::decode(&p[12..]),
                if hint {
                    " (in a `fake` column: if the run had another key than verify, its fakes of other values look like leaks; pass the run's --key-file)"
                } else {
                    ""
                }
            )
        });
    }
    Ok(())
}

fn duplicates_in(
    outputs: Part,
    places: &[PlaceName],
    spill: &Path,
    joined: &mut Joined,
) -> io::Result<()> {
    if outputs.bytes > PARTITION_BUDGET && outputs.can_split() {
        joined.spilled += outputs.bytes;
        for part in outputs.split(spill)? {
            duplicates_in(part, places, spill, joined)?;
        }
        return Ok(());
    }
    let mut seen: FingerprintMap<(u128, u64)> = FingerprintMap::default();
    let mut records = outputs.records();
    while let Some((key, p)) = records.next_record()? {
        let input = u128::from_le_bytes(p[..16].try_into().expect("16 bytes"));
        let (place, line) = (&places[le_u32(&p[16..20]) as usize], le_u64(&p[20..28]));
        match seen.get(&key) {
            // The same input twice: the same output by design.
            Some(&(first_input, _)) if input != 0 && input == first_input => {}
            Some(&(_, first)) => joined.duplicates.add(line, || {
                format!(
                    "duplicate: {} ({}) line {line} repeats the output of line {first}: {}",
                    place.name,
                    place.rule.as_deref().unwrap_or(""),
                    Shown::decode(&p[28..])
                )
            }),
            None => {
                seen.insert(key, (input, line));
            }
        }
    }
    Ok(())
}

fn le_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b.try_into().expect("4 bytes"))
}

fn le_u64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b.try_into().expect("8 bytes"))
}

/// What `verify --report` writes (the README's "Reports" lists the fields), and what the
/// printed report shows.
#[derive(Serialize)]
struct VerifyReport {
    scrub_version: &'static str,
    ok: bool,
    original: String,
    scrubbed: String,
    rules: String,
    tables: Vec<TableRows>,
    unmatched_rules: Vec<String>,
    row_count_mismatches: Vec<String>,
    leaks: Findings,
    duplicates: Findings,
    distinct_values_checked: u64,
    min_length: usize,
    short_values_not_checked: u64,
    own_outputs: u64,
    temporary_bytes: u64,
    problems: u64,
}

#[derive(Serialize)]
struct TableRows {
    table: String,
    original: u64,
    scrubbed: u64,
    /// `rows: none`: the scrubbed dump must have none.
    dropped: bool,
}

#[derive(Serialize)]
struct Findings {
    count: u64,
    /// Those on the first lines of the scrubbed dump, at most [`LISTED`]; values masked
    /// unless `--show-values`.
    listed: Vec<String>,
}

impl Findings {
    fn of(listed: &Listed) -> Findings {
        Findings {
            count: listed.count,
            listed: listed.in_order().into_iter().map(str::to_owned).collect(),
        }
    }
}

fn gather(
    args: &VerifyArgs,
    original: &Totals,
    scrubbed: &Totals,
    joined: &Joined,
    own_outputs: u64,
) -> VerifyReport {
    let names: BTreeSet<_> = original.rows.keys().chain(scrubbed.rows.keys()).collect();
    let tables: Vec<TableRows> = names
        .into_iter()
        .map(|table| TableRows {
            table: table.to_string(),
            original: original.rows.get(table).copied().unwrap_or(0),
            scrubbed: scrubbed.rows.get(table).copied().unwrap_or(0),
            dropped: original.dropped.contains(table),
        })
        .collect();
    let unmatched_rules: Vec<String> = original
        .unmatched
        .iter()
        .map(|u| format!("{}:{u}", args.rules.display()))
        .collect();
    let row_count_mismatches: Vec<String> = tables
        .iter()
        .filter_map(|t| {
            let expected = if t.dropped { 0 } else { t.original };
            (t.scrubbed != expected).then(|| {
                format!(
                    "{} has {} row(s) in the scrubbed dump, expected {expected}{}",
                    t.table,
                    t.scrubbed,
                    if t.dropped { " (rows: none)" } else { "" }
                )
            })
        })
        .collect();
    let problems = unmatched_rules.len() as u64
        + row_count_mismatches.len() as u64
        + joined.leaks.count
        + joined.duplicates.count;
    VerifyReport {
        scrub_version: crate::report::VERSION,
        ok: problems == 0,
        original: args.original.display().to_string(),
        scrubbed: args.scrubbed.display().to_string(),
        rules: args.rules.display().to_string(),
        tables,
        unmatched_rules,
        row_count_mismatches,
        leaks: Findings::of(&joined.leaks),
        duplicates: Findings::of(&joined.duplicates),
        distinct_values_checked: joined.distinct,
        min_length: args.min_length,
        short_values_not_checked: original.short,
        own_outputs,
        temporary_bytes: original.spilled + joined.spilled,
        problems,
    }
}

/// The printed report.
fn render(r: &VerifyReport) -> String {
    let mut s = format!("scrub verify: {} against {}\n", r.scrubbed, r.original);
    let name = |t: &TableRows| {
        if t.dropped {
            format!("{} (rows: none)", t.table)
        } else {
            t.table.clone()
        }
    };
    let width = r.tables.iter().map(|t| name(t).len()).max().unwrap_or(5);
    let _ = writeln!(
        s,
        "  {:<width$} {:>12} {:>12}",
        "table", "original", "scrubbed"
    );
    for t in &r.tables {
        let _ = writeln!(
            s,
            "  {:<width$} {:>12} {:>12}",
            name(t),
            t.original,
            t.scrubbed
        );
    }
    for u in &r.unmatched_rules {
        let _ = writeln!(s, "rule: {u} (a misspelt rule would leak)");
    }
    for m in &r.row_count_mismatches {
        let _ = writeln!(s, "row count: {m}");
    }
    for line in r.leaks.listed.iter().chain(&r.duplicates.listed) {
        let _ = writeln!(s, "{line}");
    }
    for (what, f) in [("leak(s)", &r.leaks), ("duplicate(s)", &r.duplicates)] {
        let listed = f.listed.len() as u64;
        if f.count > listed {
            let _ = writeln!(s, "... {} more {what} not listed", f.count - listed);
        }
    }
    let _ = writeln!(
        s,
        "{} distinct ruled value(s) checked; {} leak(s), {} row count mismatch(es), {} duplicate(s), {} rule(s) that matched nothing; {} ruled value(s) shorter than {} characters not checked; {} scrubbed value(s) were their rule's output for their row; {} MiB of temporary files",
        r.distinct_values_checked,
        r.leaks.count,
        r.row_count_mismatches.len(),
        r.duplicates.count,
        r.unmatched_rules.len(),
        r.short_values_not_checked,
        r.min_length,
        r.own_outputs,
        r.temporary_bytes.div_ceil(1 << 20),
    );
    s
}
