//! The summary printed on standard error at the end of a run.

use std::fmt::Write;
use std::time::Duration;

use crate::parallel::{Settings, Totals};

pub fn render(totals: &Totals, settings: &Settings, elapsed: Duration) -> String {
    let jobs = settings.jobs;
    let secs = elapsed.as_secs_f64();
    let mb_s = totals.bytes_in as f64 / 1e6 / secs.max(1e-9);
    let mut s = format!(
        "scrub: {} bytes in, {} bytes out, {secs:.2} s ({mb_s:.1} MB/s), {jobs} thread(s)\n",
        totals.bytes_in, totals.bytes_out
    );
    for (table, t) in &totals.stats.tables {
        if t.dropped {
            let _ = writeln!(s, "  {table}: {} rows dropped", t.rows);
            continue;
        }
        let columns: Vec<String> = t
            .columns
            .iter()
            .map(|(c, (rule, n))| format!("{c} ({rule}) {n}"))
            .collect();
        let _ = writeln!(s, "  {table}: {} rows; {}", t.rows, columns.join(", "));
    }
    s
}
