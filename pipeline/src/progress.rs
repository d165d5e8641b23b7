//! Progress on standard error while a run reads its input: bytes read, the rate, the table and
//! its rows, and, when the input is a file, the percentage and the time left.
//!
//! Only for a person watching: it is drawn only when standard error is a terminal (never in
//! a log, a pipe or the journal), cleared before anything else is printed, and off with
//! `-q` or `--progress never`. The bytes are counted where they are read from the file,
//! before any gzip or zstd is undone, so the percentage is of the file's size.

use std::io::{self, IsTerminal, Read};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use scrub_rules::TableName;
use scrubber::{Chunk, Kind, Stats};

use crate::cli::ProgressWhen;

/// Rows between two updates of the table line of a reader that counts rows one by one.
const ROWS_PER_UPDATE: u64 = 1 << 14;

/// The progress lines of one command: none, or one per input read.
pub struct Progress {
    lines: Option<MultiProgress>,
}

impl Progress {
    /// Progress for `when`, or none when `quiet` or standard error is not a terminal.
    pub fn new(when: ProgressWhen, quiet: bool) -> Progress {
        let shown = when == ProgressWhen::Auto && !quiet && io::stderr().is_terminal();
        Progress {
            lines: shown.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
        }
    }

    /// No progress at all.
    pub fn none() -> Progress {
        Progress { lines: None }
    }

    /// A progress line for reading `label`, of `size` bytes when known.
    pub fn line(&self, label: &str, size: Option<u64>) -> Line {
        let Some(lines) = &self.lines else {
            return Line::hidden();
        };
        let bar = match size {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{prefix} {bar:20} {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {wide_msg}",
                )
                .expect("a valid template"),
            ),
            None => ProgressBar::no_length().with_style(
                ProgressStyle::with_template("{prefix} {spinner} {bytes} {bytes_per_sec} {wide_msg}")
                    .expect("a valid template"),
            ),
        };
        let bar = lines.add(bar.with_prefix(label.to_owned()));
        bar.enable_steady_tick(Duration::from_millis(200));
        Line {
            bar: Some(bar),
            table: None,
            rows: 0,
        }
    }
}

/// One input's progress line. Hidden lines cost a branch per call.
pub struct Line {
    bar: Option<ProgressBar>,
    /// The table last shown, and its rows (for [`Line::row`]).
    table: Option<TableName>,
    rows: u64,
}

impl Line {
    pub fn hidden() -> Line {
        Line {
            bar: None,
            table: None,
            rows: 0,
        }
    }

    /// `reader`, counting what is read from it into this line.
    pub fn count<R: Read>(&self, reader: R) -> Counted<R> {
        Counted {
            reader,
            bar: self.bar.clone(),
        }
    }

    /// Shows `table` with `rows` read so far.
    fn table(&self, table: &TableName, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{table}: {rows} rows"));
        }
    }

    /// A chunk of a run has been written, `stats` counting it: shows the last ruled table it
    /// held rows of (the others are passed through unread) with its rows so far.
    pub fn chunk_written(&self, chunk: &Chunk, stats: &Stats) {
        if self.bar.is_none() {
            return;
        }
        let last = chunk.segments().iter().rev().find_map(|s| match &s.kind {
            Kind::CopyRows(plan) | Kind::InsertRows(plan) => Some(&plan.table),
            _ => None,
        });
        if let Some(table) = last {
            self.table(table, stats.tables.get(table).map_or(0, |t| t.rows));
        }
    }

    /// One more row of `table`, for readers that see rows one at a time: shown when the
    /// table changes and every [`ROWS_PER_UPDATE`] rows.
    pub fn row(&mut self, table: &TableName) {
        if self.bar.is_none() {
            return;
        }
        if self.table.as_ref() != Some(table) {
            self.table = Some(table.clone());
            self.rows = 0;
        }
        self.rows += 1;
        if self.rows == 1 || self.rows.is_multiple_of(ROWS_PER_UPDATE) {
            self.table(table, self.rows);
        }
    }
}

impl Drop for Line {
    /// The line goes when its reading ends, so that what is printed next stands alone.
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A reader that advances a progress line by the bytes read.
pub struct Counted<R> {
    reader: R,
    bar: Option<ProgressBar>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.reader.read(buf)?;
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
        Ok(n)
    }
}
