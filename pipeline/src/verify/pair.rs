//! Pairing each row of the scrubbed dump with the row of the original it was made from, to
//! tell a leak from a coincidence.
//!
//! A scrub rewrites rows in place: the k-th row of a table in the scrubbed dump is the k-th
//! row of that table in the original (tables whose rules say `rows: none` have none). Paired
//! that way, each scrubbed field is one of:
//!
//! * in a ruled column, the rule's own output for that row's original value (what the run
//!   must write; with the run's key it is recomputed exactly): fine, whatever it equals;
//!   anything else is looked up among the original's ruled values;
//! * in an unruled column, the original's value at the same place: the data the rules leave
//!   alone, so not a leak even when it equals a ruled value elsewhere (a city named like a
//!   person, a year equal to a postal code) unless it is a direct identifier
//!   ([`crate::classify::is_direct_identifier`]: an e-mail address in a column the rules
//!   missed is a copy, not a coincidence); a value that differs from the original's is
//!   looked up.
//!
//! Rows that find no partner (rows lost or added, or more rows waiting than the memory
//! budget holds while one dump runs ahead of the other) have every field looked up: pairing
//! only ever spares values, it never hides one. The look-ups are written to disk partitions
//! ([`super::spill`]) and joined with the original's ruled values when both dumps are read.
//!
//! Statistics statements (pg_dump 18 `--statistics`) cannot be paired row by row. One whose
//! text is the original's own, for a column no rule covers, holds that column's data and is
//! spared like it; every value of any other is looked up.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::path::Path;

use scrub_rules::TableName;

use super::read::{Candidate, OriginalRow, ScrubbedRow, ScrubbedStatistics};
use super::spill::{Part, Partitions};
use crate::fingerprint::{FingerprintMap, Fingerprinter};

/// Memory for rows of one dump waiting for their partner, in (estimated) bytes.
const WAITING_BUDGET: usize = 32 << 20;

pub struct Pairer<'f> {
    fingerprints: &'f Fingerprinter,
    /// Values to look up: fingerprint → place, line, how it is shown.
    lookups: Partitions,
    /// Outputs of `unique` rules: fingerprint of (place, output) → input, line, shown.
    outputs: Partitions,
    tables: HashMap<TableName, Waiting>,
    /// Bytes waiting, original and scrubbed.
    waiting: [usize; 2],
    original_statistics: FingerprintMap<()>,
    scrubbed_statistics: Vec<ScrubbedStatistics>,
    /// Scrubbed values that were their rule's output for their row.
    pub own_outputs: u64,
    /// Scrubbed rows that had no partner.
    pub unpaired: u64,
    payload: Vec<u8>,
}

/// The rows of one table waiting for their partner, each side in order.
#[derive(Default)]
struct Waiting {
    original: VecDeque<OriginalRow>,
    /// The ordinal of `original`'s front: rows of the table taken off so far.
    original_taken: u64,
    scrubbed: VecDeque<ScrubbedRow>,
    scrubbed_taken: u64,
}

/// What the pairing wrote for the join.
pub struct Paired {
    pub lookups: Vec<Part>,
    pub outputs: Vec<Part>,
    pub spilled: u64,
}

impl<'f> Pairer<'f> {
    pub fn new(fingerprints: &'f Fingerprinter, spill: &Path) -> io::Result<Pairer<'f>> {
        Ok(Pairer {
            fingerprints,
            lookups: Partitions::new(spill)?,
            outputs: Partitions::new(spill)?,
            tables: HashMap::new(),
            waiting: [0, 0],
            original_statistics: FingerprintMap::default(),
            scrubbed_statistics: Vec::new(),
            own_outputs: 0,
            unpaired: 0,
            payload: Vec::new(),
        })
    }

    pub fn original(&mut self, rows: Vec<OriginalRow>) -> io::Result<()> {
        for row in rows {
            self.waiting[0] += original_size(&row);
            let name = row.table.name.clone();
            self.tables
                .entry(name.clone())
                .or_default()
                .original
                .push_back(row);
            self.settle(&name)?;
        }
        Ok(())
    }

    pub fn scrubbed(&mut self, rows: Vec<ScrubbedRow>) -> io::Result<()> {
        for row in rows {
            self.waiting[1] += scrubbed_size(&row);
            let name = row.table.name.clone();
            self.tables
                .entry(name.clone())
                .or_default()
                .scrubbed
                .push_back(row);
            self.settle(&name)?;
        }
        Ok(())
    }

    /// Whether the rows waiting for a partner, original and scrubbed, fill their budget:
    /// then the pairing reads only the other dump, until both do ([`Pairer::evict`]).
    pub fn full(&self) -> [bool; 2] {
        self.waiting.map(|w| w > WAITING_BUDGET)
    }

    pub fn original_statistics(&mut self, text: u128) {
        self.original_statistics.insert(text, ());
    }

    pub fn scrubbed_statistics(&mut self, statistics: ScrubbedStatistics) {
        self.scrubbed_statistics.push(statistics);
    }

    /// Both dumps are read: the rows still waiting have no partner.
    pub fn finish(mut self) -> io::Result<Paired> {
        let names: Vec<TableName> = self.tables.keys().cloned().collect();
        for name in names {
            let waiting = self.tables.get_mut(&name).expect("listed");
            let rows = std::mem::take(&mut waiting.scrubbed);
            for row in rows {
                self.check(None, &row)?;
            }
        }
        for statistics in std::mem::take(&mut self.scrubbed_statistics) {
            if statistics.of_unruled_column
                && self.original_statistics.contains_key(&statistics.text)
            {
                continue;
            }
            for value in &statistics.values {
                self.look_up(value, statistics.place, statistics.line)?;
            }
        }
        let spilled = self.lookups.bytes() + self.outputs.bytes();
        Ok(Paired {
            lookups: self.lookups.finish()?,
            outputs: self.outputs.finish()?,
            spilled,
        })
    }

    /// Pairs the fronts of a table's two queues as long as both have rows.
    fn settle(&mut self, name: &TableName) -> io::Result<()> {
        loop {
            let w = self.tables.get_mut(name).expect("present");
            if w.original.is_empty() || w.scrubbed.is_empty() {
                return Ok(());
            }
            if w.original_taken < w.scrubbed_taken {
                let row = w.original.pop_front().expect("not empty");
                w.original_taken += 1;
                self.waiting[0] -= original_size(&row);
                continue;
            }
            let scrubbed = w.scrubbed.pop_front().expect("not empty");
            w.scrubbed_taken += 1;
            self.waiting[1] -= scrubbed_size(&scrubbed);
            if w.original_taken > w.scrubbed_taken - 1 {
                // Its partner was let go (see `evict`).
                self.check(None, &scrubbed)?;
                continue;
            }
            let original = w.original.pop_front().expect("not empty");
            w.original_taken += 1;
            self.waiting[0] -= original_size(&original);
            self.check(Some(&original), &scrubbed)?;
        }
    }

    /// When both dumps have more rows waiting than their budget (rows lost or added, so the
    /// two no longer pair up), lets go of the oldest rows: an original row is only forgotten
    /// (its ruled values are on disk), a scrubbed one is checked unpaired.
    pub fn evict(&mut self) -> io::Result<()> {
        while self.waiting[0] > WAITING_BUDGET {
            let Some(w) = self.tables.values_mut().max_by_key(|w| w.original.len()) else {
                break;
            };
            let row = w.original.pop_front().expect("bytes are waiting");
            w.original_taken += 1;
            self.waiting[0] -= original_size(&row);
        }
        while self.waiting[1] > WAITING_BUDGET {
            let Some(w) = self.tables.values_mut().max_by_key(|w| w.scrubbed.len()) else {
                break;
            };
            let row = w.scrubbed.pop_front().expect("bytes are waiting");
            w.scrubbed_taken += 1;
            self.waiting[1] -= scrubbed_size(&row);
            self.check(None, &row)?;
        }
        Ok(())
    }

    /// Decides which fields of `scrubbed` to look up, given its partner (see the module docs).
    fn check(&mut self, original: Option<&OriginalRow>, scrubbed: &ScrubbedRow) -> io::Result<()> {
        let table = &scrubbed.table;
        let original = original.filter(|o| o.table.columns == table.columns);
        if original.is_none() {
            self.unpaired += 1;
        }
        for value in &scrubbed.fields {
            let i = value.index as usize;
            let place = table.first_place + value.index;
            match (&table.ruled[i], original) {
                (Some(ruled), original) => {
                    if ruled.unique {
                        let input = original.map_or(0, |o| o.fields[i]);
                        self.output(value, place, input, scrubbed.line)?;
                    }
                    let own = original.and_then(|o| {
                        o.expected
                            .iter()
                            .find(|(j, _)| *j == value.index)
                            .map(|e| e.1)
                    });
                    if own == Some(value.fingerprint) {
                        self.own_outputs += 1;
                        continue;
                    }
                }
                (None, Some(o)) if o.fields[i] == value.fingerprint && !value.identifier => {
                    continue;
                }
                (None, _) => {}
            }
            self.look_up(value, place, scrubbed.line)?;
        }
        Ok(())
    }

    fn look_up(&mut self, value: &Candidate, place: u32, line: u64) -> io::Result<()> {
        self.payload.clear();
        self.payload.extend_from_slice(&place.to_le_bytes());
        self.payload.extend_from_slice(&line.to_le_bytes());
        value.shown.encode(&mut self.payload);
        self.lookups.push(value.fingerprint, &self.payload)
    }

    fn output(&mut self, value: &Candidate, place: u32, input: u128, line: u64) -> io::Result<()> {
        let key = self
            .fingerprints
            .of_parts(&[&place.to_le_bytes(), &value.fingerprint.to_le_bytes()]);
        self.payload.clear();
        self.payload.extend_from_slice(&input.to_le_bytes());
        self.payload.extend_from_slice(&place.to_le_bytes());
        self.payload.extend_from_slice(&line.to_le_bytes());
        value.shown.encode(&mut self.payload);
        self.outputs.push(key, &self.payload)
    }
}

fn original_size(row: &OriginalRow) -> usize {
    64 + 16 * row.fields.len() + 32 * row.expected.len()
}

fn scrubbed_size(row: &ScrubbedRow) -> usize {
    64 + std::mem::size_of::<Candidate>() * row.fields.len()
}
