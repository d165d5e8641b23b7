//! Criterion benches of scrub's hot paths, in bytes per second of input:
//! each rule's transform (`rules`), and on a 4 MB gendump dump in each form (`copy`,
//! `column-inserts`, `inserts`) the statement scanning and row splitting, the rewriting of
//! ruled fields, and passthrough. Every timed iteration checks its result.
//!
//!     cargo bench -p scrub-benches
//!     cargo bench -p scrub-benches -- copy     # one group

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

mod dump;
mod rules;

/// Short runs: the groups together take about a minute on two cores.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = hot_paths;
    config = config();
    targets = rules::bench, dump::copy, dump::column_inserts, dump::inserts
}
criterion_main!(hot_paths);
