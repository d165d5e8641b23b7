//! The summary printed on standard error at the end of a run.
//!
//! It says where the pseudonyms' key came from (never the key), because that decides whether
//! this copy can be joined with another one.

use std::fmt::Write;
use std::time::Duration;

use scrub_rules::KeySource;

use crate::parallel::{Settings, Totals};

/// The summary; `keyed` tells whether the rules use the key (`hash`, `fake`).
pub fn render(totals: &Totals, settings: &Settings, keyed: bool, elapsed: Duration) -> String {
    let jobs = settings.jobs;
    let secs = elapsed.as_secs_f64();
    let mb_s = totals.bytes_in as f64 / 1e6 / secs.max(1e-9);
    let mut s = format!(
        "scrub: {} bytes in, {} bytes out, {secs:.2} s ({mb_s:.1} MB/s), {jobs} thread(s)\n",
        totals.bytes_in, totals.bytes_out
    );
    if keyed {
        s.push_str(match settings.keys.source() {
            KeySource::File => "pseudonyms: keyed by the key file\n",
            KeySource::Drawn => {
                "pseudonyms: keyed for this run only (no key file; unlinkable to other runs)\n"
            }
            KeySource::Seed => "pseudonyms: keyed by the seed (tests only)\n",
        });
    }
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
    let dropped = totals.report.statistics_dropped;
    if dropped > 0 {
        let _ = writeln!(
            s,
            "  statistics: {dropped} statement(s) with values of ruled columns dropped"
        );
    }
    let omitted = totals.report.omitted;
    if omitted > 0 {
        let _ = writeln!(
            s,
            "  owners, privileges, subscriptions: {omitted} statement(s) left out"
        );
    }
    let large = &totals.report.large_objects;
    if large.writes_dropped > 0 {
        let _ = writeln!(
            s,
            "  large objects: {} written empty ({} lowrite call(s) dropped)",
            large.objects, large.writes_dropped
        );
    }
    s
}
