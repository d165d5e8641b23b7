//! `--report FILE`: a run's summary as JSON, for monitoring and for `scripts/backup`'s run
//! record. The README's "Reports" lists every field; a test holds the two together.
//!
//! The file is written whether the run succeeds or fails (then with `ok: false` and the
//! error), into a temporary file beside FILE that is renamed over it, so a reader never
//! sees half a report.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use scrub_rules::{KeySource, LargeObjects, RuleSet};

use crate::Failure;
use crate::parallel::Totals;

/// The version line of `scrub --version`, as reports carry it.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SCRUB_COMMIT"),
    ")"
);

/// What `scrub --report` writes.
#[derive(Debug, Serialize)]
pub struct RunReport {
    pub scrub_version: &'static str,
    pub ok: bool,
    /// The message the run ended with, when it failed.
    pub error: Option<String>,
    pub input: String,
    /// `-` for standard output.
    pub output: String,
    pub jobs: usize,
    pub seconds: f64,
    /// Bytes read (after decompression) and written (after compression); `null` when the
    /// run failed before the end of its input.
    pub bytes_in: Option<u64>,
    pub bytes_out: Option<u64>,
    /// Where the key of `hash` and `fake` came from: `file`, `drawn` (this run only),
    /// `seed` (tests); `null` when no rule uses one.
    pub key: Option<&'static str>,
    pub tables: Vec<TableReport>,
    pub unmatched_rules: Vec<String>,
    pub uncovered_columns: Vec<String>,
    pub foreign_key_mismatches: Vec<String>,
    pub statistics_dropped: u64,
    pub statements_omitted: u64,
    pub large_objects: LargeObjectsReport,
}

#[derive(Debug, Serialize)]
pub struct TableReport {
    pub table: String,
    pub rows: u64,
    /// `rows: none`: its rows were left out.
    pub dropped: bool,
    pub columns: Vec<ColumnReport>,
}

#[derive(Debug, Serialize)]
pub struct ColumnReport {
    pub column: String,
    pub rule: String,
    /// Values the rule rewrote (NULLs it keeps are not counted).
    pub changed: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct LargeObjectsReport {
    /// Large objects whose contents the dump writes.
    pub objects: u64,
    /// `keep`, `none` (created empty) or `undecided` (the rules file does not say).
    pub handling: &'static str,
    /// `lowrite` calls left out under `large_objects: none`.
    pub writes_dropped: u64,
}

impl RunReport {
    /// The report of a run that has not got far yet.
    pub fn start(input: String, output: String, jobs: usize) -> RunReport {
        RunReport {
            scrub_version: VERSION,
            ok: false,
            error: None,
            input,
            output,
            jobs,
            seconds: 0.0,
            bytes_in: None,
            bytes_out: None,
            key: None,
            tables: Vec::new(),
            unmatched_rules: Vec::new(),
            uncovered_columns: Vec::new(),
            foreign_key_mismatches: Vec::new(),
            statistics_dropped: 0,
            statements_omitted: 0,
            large_objects: LargeObjectsReport::default(),
        }
    }

    /// What the whole input gave; `unmatched` holds the rules that matched nothing, as the
    /// messages say them.
    pub fn read(
        &mut self,
        totals: &Totals,
        rules: &RuleSet,
        key: Option<KeySource>,
        unmatched: Vec<String>,
    ) {
        let report = &totals.report;
        self.bytes_in = Some(totals.bytes_in);
        self.bytes_out = Some(totals.bytes_out);
        self.key = key.map(|k| match k {
            KeySource::File => "file",
            KeySource::Drawn => "drawn",
            KeySource::Seed => "seed",
        });
        self.tables = totals
            .stats
            .tables
            .iter()
            .map(|(table, t)| TableReport {
                table: table.to_string(),
                rows: t.rows,
                dropped: t.dropped,
                columns: t
                    .columns
                    .iter()
                    .map(|(column, (rule, changed))| ColumnReport {
                        column: column.to_string(),
                        rule: rule.clone(),
                        changed: *changed,
                    })
                    .collect(),
            })
            .collect();
        self.unmatched_rules = unmatched;
        self.uncovered_columns = report
            .uncovered
            .iter()
            .map(|u| u.to_string().trim().to_owned())
            .collect();
        self.foreign_key_mismatches = report
            .foreign_keys
            .iter()
            .map(|f| f.to_string().trim().to_owned())
            .collect();
        self.statistics_dropped = report.statistics_dropped;
        self.statements_omitted = report.omitted;
        self.large_objects = LargeObjectsReport {
            objects: report.large_objects.objects,
            handling: match rules.large_objects() {
                LargeObjects::Undecided => "undecided",
                LargeObjects::Keep => "keep",
                LargeObjects::Empty => "none",
            },
            writes_dropped: report.large_objects.writes_dropped,
        };
    }
}

/// Writes `value` as JSON to `path`: to a temporary file in its folder, synced, then renamed
/// over it.
pub fn write(path: &Path, value: &impl Serialize, command: &str) -> Result<(), Failure> {
    let fail = |e: &dyn std::fmt::Display| {
        Failure::data(format!(
            "{command}: cannot write the report {}: {e}",
            path.display()
        ))
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(|e| fail(&e))?;
    serde_json::to_writer_pretty(&mut file, value).map_err(|e| fail(&e))?;
    file.write_all(b"\n").map_err(|e| fail(&e))?;
    file.as_file().sync_all().map_err(|e| fail(&e))?;
    file.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}
