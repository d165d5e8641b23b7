//! The scrub stream rewriter: finds the table data in a pg_dump plain-SQL stream and
//! rewrites the fields of ruled columns, passing every other byte through untouched.
//!
//! It works on byte buffers and does no I/O of its own beyond pulling from a [`std::io::Read`]
//! and runs no threads: the `scrub` binary's workers take turns cutting chunks with one
//! [`Chunker`] and each hands its chunk to [`rewrite`], then one thread writes the results in
//! order. [`scrub_bytes`] runs the same steps one after the other.
//!
//! ```
//! use std::sync::Arc;
//! use scrub_rules::{Keys, RuleSet};
//!
//! let rules = Arc::new(RuleSet::from_yaml("tables:\n  public.users:\n    columns:\n      email: email\n").unwrap());
//! let dump = b"COPY public.users (id, email) FROM stdin;\n1\tann@corp.com\n2\t\\N\n\\.\n";
//! let keys = scrub_rules::Keys::from_seed(42);
//! let (out, report) = scrubber::scrub_bytes(dump, rules, &keys, 1 << 16).unwrap();
//! assert_eq!(out, b"COPY public.users (id, email) FROM stdin;\n1\tnobody@example.com\n2\t\\N\n\\.\n");
//! assert!(report.unmatched.is_empty());
//! ```

mod catalog;
mod check;
mod chunker;
mod error;
mod escape;
mod fields;
mod header;
mod large_object;
mod lex;
mod omit;
mod output;
mod partition;
mod plan;
mod rewrite;
mod shape;
mod splitter;
mod stats;
mod unparsed;
mod values;

use std::sync::Arc;

use scrub_rules::{Keys, RuleSet};

pub use catalog::{Catalog, Check, Column, ForeignKey, PartitionBounds, Table};
pub use check::{Finding, check_rules, column_facts, foreign_key_findings, uncovered_columns};
pub use chunker::{Chunk, Chunker, DEFAULT_CHUNK_SIZE};
pub use error::{DataError, Error};
pub use escape::{decode_copy, encode_copy};
pub use fields::{Field, Row, Visit, read_dump, read_rows};
pub use large_object::LargeObjectsSeen;
pub use omit::Omit;
pub use output::Rewritten;
pub use partition::{BoundKind, BoundValue, Bounds, PartitionKey, Strategy};
pub use plan::{ColumnFacts, Matches, Plan, Uncovered, Unmatched, rules_for};
pub use rewrite::{Stats, TableStats, rewrite};
pub use shape::InputChecks;
pub use splitter::{Kind, Report, Segment, Splitter, lines};
pub use stats::StatsCall;

/// Rewrites a whole dump in memory, one chunk after another: the reference the parallel
/// pipeline is tested against. Returns the output and the report.
pub fn scrub_bytes(
    input: &[u8],
    rules: Arc<RuleSet>,
    keys: &Keys,
    chunk_size: usize,
) -> Result<(Vec<u8>, Report), Error> {
    let mut chunker = Chunker::new(input, rules, chunk_size);
    let mut out = Vec::with_capacity(input.len());
    let mut stats = Stats::default();
    let mut rewritten = Rewritten::default();
    while let Some(chunk) = chunker.next_chunk()? {
        rewritten.clear();
        rewrite(
            chunk.bytes(),
            chunk.segments(),
            keys,
            &mut rewritten,
            &mut stats,
        )?;
        for s in rewritten.slices(chunk.bytes()) {
            out.extend_from_slice(s);
        }
        chunker.recycle(chunk.into_buffer());
    }
    Ok((out, chunker.finish()?))
}
