//! Reading one dump for `scrub verify`, in a thread of its own: every row becomes keyed
//! fingerprints, sent in batches to the thread that pairs the two dumps ([`super::pair`]).
//!
//! The original's reader also writes the fingerprint of every ruled value to disk partitions
//! ([`super::spill`]): the set a scrubbed value is looked up in, whatever its size.

use crossbeam_channel::Sender;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::path::Path;
use std::sync::Arc;

use scrub_rules::{Ident, Keys, Outcome, Place, Rule, RuleSet, TableName, Value};
use scrubber::{Catalog, DataError, InputChecks, Matches, Row, StatsCall, Unmatched, Visit};

use super::spill::{Part, Partitions};
use crate::classify;
use crate::fingerprint::Fingerprinter;
use crate::progress::{Line, Progress};
use crate::{Failure, input};

/// Rows per message to the pairing thread.
const BATCH: usize = 4096;

/// What both readers share.
pub struct Settings<'a> {
    pub rules: &'a RuleSet,
    pub keys: &'a Keys,
    pub fingerprints: &'a Fingerprinter,
    pub min_length: usize,
    pub show_values: bool,
    pub checks: InputChecks,
    pub progress: &'a Progress,
}

/// A table's data as one dump shows it.
pub struct TableInfo {
    pub name: TableName,
    pub columns: Vec<Ident>,
    /// The rule of each column, `None` for unruled columns.
    pub ruled: Vec<Option<Ruled>>,
    /// `rows: none`: the scrubbed dump must hold no row of it.
    pub drop_rows: bool,
    /// The first of the table's ids in [`Totals::places`], one per column.
    pub first_place: u32,
}

pub struct Ruled {
    pub rule: Rule,
    /// The rule promises distinct outputs for distinct inputs.
    pub unique: bool,
}

/// A row of the original: the fingerprint of each field (0 for NULL), and for ruled fields
/// the fingerprint of what the rule makes of it.
pub struct OriginalRow {
    pub table: Arc<TableInfo>,
    pub fields: Vec<u128>,
    pub expected: Vec<(u32, u128)>,
}

/// A row of the scrubbed dump: its fields that are worth looking up (not NULL, not shorter
/// than `--min-length`).
pub struct ScrubbedRow {
    pub table: Arc<TableInfo>,
    pub line: u64,
    pub fields: Vec<Candidate>,
}

/// A value of the scrubbed dump that may be a leak.
pub struct Candidate {
    pub index: u32,
    pub fingerprint: u128,
    /// An e-mail address, IBAN, card or `+` phone number: in an unruled column it is looked
    /// up even when unchanged ([`classify::is_direct_identifier`]).
    pub identifier: bool,
    pub shown: Shown,
}

/// How a value appears in the report: masked (first character, length in characters), or in
/// full under `--show-values`.
pub enum Shown {
    Masked(char, u32),
    Full(Box<[u8]>),
}

impl Shown {
    fn of(value: &[u8], in_full: bool) -> Shown {
        if in_full {
            return Shown::Full(value.into());
        }
        let text = String::from_utf8_lossy(&value[..value.len().min(4)]);
        let first = text.chars().next().unwrap_or(' ');
        let chars = match std::str::from_utf8(value) {
            Ok(s) => s.chars().count(),
            Err(_) => String::from_utf8_lossy(value).chars().count(),
        };
        Shown::Masked(first, chars as u32)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Shown::Masked(c, n) => {
                out.push(0);
                out.extend_from_slice(&u32::from(*c).to_le_bytes());
                out.extend_from_slice(&n.to_le_bytes());
            }
            Shown::Full(v) => {
                out.push(1);
                out.extend_from_slice(&v[..v.len().min(1024)]);
            }
        }
    }

    /// The report's text of an encoded [`Shown`].
    pub fn decode(bytes: &[u8]) -> String {
        match bytes.split_first() {
            Some((0, rest)) if rest.len() == 8 => {
                let c = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
                let n = u32::from_le_bytes(rest[4..].try_into().expect("4 bytes"));
                format!("{}… ({n} chars)", char::from_u32(c).unwrap_or(' '))
            }
            Some((_, rest)) => format!("{:?}", String::from_utf8_lossy(rest)),
            None => String::new(),
        }
    }
}

/// A statistics statement of the scrubbed dump.
pub struct ScrubbedStatistics {
    pub place: u32,
    pub line: u64,
    /// The fingerprint of its whole text.
    pub text: u128,
    /// It names a table's column that no rule covers: when the original has the same
    /// statement, its values are that column's data, which is checked with the rows.
    pub of_unruled_column: bool,
    pub values: Vec<Candidate>,
}

pub enum Message {
    Original(Vec<OriginalRow>),
    Scrubbed(Vec<ScrubbedRow>),
    /// The fingerprint of the text of a statistics statement of the original.
    OriginalStatistics(u128),
    ScrubbedStatistics(ScrubbedStatistics),
}

/// A column (or a statistics statement) of one dump, for the report.
pub struct PlaceName {
    pub name: String,
    /// The label of its rule, if it has one.
    pub rule: Option<String>,
}

impl PlaceName {
    pub fn is_fake(&self) -> bool {
        self.rule.as_deref().is_some_and(|r| r.starts_with("fake"))
    }
}

/// What one dump showed.
#[derive(Default)]
pub struct Totals {
    pub rows: BTreeMap<TableName, u64>,
    /// Tables whose rules say `rows: none`.
    pub dropped: BTreeSet<TableName>,
    /// Ruled values shorter than `--min-length`, not checked (original).
    pub short: u64,
    /// What [`TableInfo::first_place`] ids and statistics (scrubbed) and origins of ruled
    /// values (original) stand for.
    pub places: Vec<PlaceName>,
    /// Rules that matched nothing (original).
    pub unmatched: Vec<Unmatched>,
    /// Partitions of (fingerprint → origin, line) of every ruled value (original).
    pub ruled_values: Vec<Part>,
    pub spilled: u64,
}

/// Reads the original: rows to `send`, ruled values to partitions in `spill`.
pub fn original(
    path: &Path,
    settings: &Settings<'_>,
    spill: &Path,
    send: Sender<Message>,
) -> Result<Totals, Failure> {
    let mut reader = Reader::new(settings, send, true);
    let mut values = Partitions::new(spill).map_err(|e| spill_error(spill, &e))?;
    reader.values = Some(&mut values);
    reader.read(path)?;
    let mut totals = std::mem::take(&mut reader.totals);
    drop(reader);
    totals.spilled = values.bytes();
    totals.ruled_values = values.finish().map_err(|e| spill_error(spill, &e))?;
    Ok(totals)
}

/// Reads the scrubbed dump: rows and statistics to `send`.
pub fn scrubbed(
    path: &Path,
    settings: &Settings<'_>,
    send: Sender<Message>,
) -> Result<Totals, Failure> {
    let mut reader = Reader::new(settings, send, false);
    reader.read(path)?;
    Ok(std::mem::take(&mut reader.totals))
}

pub fn spill_error(dir: &Path, e: &io::Error) -> Failure {
    Failure::data(format!(
        "scrub verify: cannot write its temporary files in {} ({e}); give another folder with --tmp-dir",
        dir.display()
    ))
}

struct Reader<'s, 'v> {
    settings: &'s Settings<'s>,
    original: bool,
    send: Sender<Message>,
    /// The receiver hung up (the other dump failed): stop reading.
    closed: bool,
    tables: HashMap<TableName, Arc<TableInfo>>,
    matches: Matches,
    constants: BTreeSet<Vec<u8>>,
    origins: HashMap<(TableName, Ident), u32>,
    values: Option<&'v mut Partitions>,
    batch_original: Vec<OriginalRow>,
    batch_scrubbed: Vec<ScrubbedRow>,
    totals: Totals,
    failed: Option<String>,
    scratch: Vec<u8>,
    /// This dump's progress line.
    line: Line,
}

impl<'s, 'v> Reader<'s, 'v> {
    fn new(settings: &'s Settings<'s>, send: Sender<Message>, original: bool) -> Self {
        Reader {
            settings,
            original,
            send,
            closed: false,
            tables: HashMap::new(),
            matches: Matches::default(),
            constants: constant_outputs(settings.rules),
            origins: HashMap::new(),
            values: None,
            batch_original: Vec::new(),
            batch_scrubbed: Vec::new(),
            totals: Totals::default(),
            failed: None,
            scratch: Vec::new(),
            line: Line::hidden(),
        }
    }

    fn read(&mut self, path: &Path) -> Result<scrubber::Report, Failure> {
        let name = path.display();
        let label = if self.original {
            "original"
        } else {
            "scrubbed"
        };
        let (input, line) =
            input::open_shown(Some(&path.to_path_buf()), self.settings.progress, label)
                .map_err(|e| Failure::usage(format!("scrub verify: {e:#}")))?;
        self.line = line;
        let report = scrubber::read_dump(
            input,
            scrubber::DEFAULT_CHUNK_SIZE,
            self.settings.checks,
            self,
        )
        .map_err(|e| Failure::data(format!("scrub verify: {name}:{e}")))?;
        self.line = Line::hidden();
        if let Some(f) = self.failed.take() {
            return Err(Failure::data(format!("scrub verify: {name}:{f}")));
        }
        self.flush();
        if self.original {
            self.totals.unmatched = self.matches.unmatched(self.settings.rules, &report.catalog);
        }
        Ok(report)
    }

    fn flush(&mut self) {
        if !self.batch_original.is_empty() {
            let batch = std::mem::take(&mut self.batch_original);
            self.deliver(Message::Original(batch));
        }
        if !self.batch_scrubbed.is_empty() {
            let batch = std::mem::take(&mut self.batch_scrubbed);
            self.deliver(Message::Scrubbed(batch));
        }
    }

    fn deliver(&mut self, message: Message) {
        if !self.closed && self.send.send(message).is_err() {
            self.closed = true;
        }
    }

    /// The table of `row`, with its rules, learnt once per table and column list.
    fn table(&mut self, catalog: &Catalog, row: &Row<'_>) -> Result<Arc<TableInfo>, DataError> {
        if let Some(info) = self.tables.get(row.table)
            && info.columns == row.columns
        {
            return Ok(info.clone());
        }
        let lineage = catalog.lineage(row.table);
        let rules = scrubber::rules_for(self.settings.rules, &lineage);
        let mut ruled: Vec<Option<Ruled>> = row.columns.iter().map(|_| None).collect();
        let mut drop_rows = false;
        if let Some(rules) = rules {
            if self.original {
                self.matches.saw(self.settings.rules, &lineage, row.columns);
            }
            let plan = scrubber::Plan::build(
                row.table,
                "data of",
                row.columns,
                &rules,
                true,
                row.line,
                |c| scrubber::column_facts(catalog, row.table, c),
            )?;
            drop_rows = plan.drop_rows;
            for field in &plan.ruled {
                ruled[field.index] = Some(Ruled {
                    unique: field.rule.label().ends_with("+unique"),
                    rule: field.rule.clone(),
                });
            }
        }
        let first_place = self.totals.places.len() as u32;
        for (column, rule) in row.columns.iter().zip(&ruled) {
            self.totals.places.push(PlaceName {
                name: format!("{}.{column}", row.table),
                rule: rule.as_ref().map(|r| r.rule.label()),
            });
        }
        let info = Arc::new(TableInfo {
            name: row.table.clone(),
            columns: row.columns.to_vec(),
            ruled,
            drop_rows,
            first_place,
        });
        self.tables.insert(row.table.clone(), info.clone());
        Ok(info)
    }

    fn original_row(&mut self, table: Arc<TableInfo>, row: &Row<'_>) -> io::Result<()> {
        let s = self.settings;
        let mut fields = Vec::with_capacity(row.fields.len());
        let mut expected = Vec::new();
        for (i, field) in row.fields.iter().enumerate() {
            let Some(value) = field.as_deref() else {
                fields.push(0);
                continue;
            };
            let fingerprint = s.fingerprints.of(value).max(1);
            fields.push(fingerprint);
            let Some(ruled) = &table.ruled[i] else {
                continue;
            };
            let place = Place {
                row: row.offset,
                column: i as u32,
            };
            let replaced =
                match ruled
                    .rule
                    .apply(Value::Text(value), place, s.keys, &mut self.scratch)
                {
                    Ok(Outcome::Unchanged) => false,
                    Ok(Outcome::Text(t)) => {
                        expected.push((i as u32, s.fingerprints.of(t).max(1)));
                        t != value
                    }
                    _ => true,
                };
            if !replaced {
                expected.push((i as u32, fingerprint));
                continue;
            }
            // The output of a short value is known (above); the value is not looked for.
            if too_short(value, s.min_length) {
                self.totals.short += 1;
                continue;
            }
            if self.constants.contains(value) {
                continue;
            }
            let origin = self.origin(&table.name, &table.columns[i]);
            let mut payload = [0u8; 12];
            payload[..4].copy_from_slice(&origin.to_le_bytes());
            payload[4..].copy_from_slice(&row.line.to_le_bytes());
            if let Some(values) = self.values.as_deref_mut() {
                values.push(fingerprint, &payload)?;
            }
        }
        self.batch_original.push(OriginalRow {
            table,
            fields,
            expected,
        });
        Ok(())
    }

    fn origin(&mut self, table: &TableName, column: &Ident) -> u32 {
        let key = (table.clone(), column.clone());
        if let Some(&id) = self.origins.get(&key) {
            return id;
        }
        let id = self.totals.places.len() as u32;
        self.totals.places.push(PlaceName {
            name: format!("{table}.{column}"),
            rule: None,
        });
        self.origins.insert(key, id);
        id
    }

    fn scrubbed_row(&mut self, table: Arc<TableInfo>, row: &Row<'_>) {
        let s = self.settings;
        let mut fields = Vec::new();
        for (i, field) in row.fields.iter().enumerate() {
            let Some(value) = field.as_deref() else {
                continue;
            };
            if too_short(value, s.min_length) {
                continue;
            }
            fields.push(Candidate {
                index: i as u32,
                fingerprint: s.fingerprints.of(value).max(1),
                identifier: table.ruled[i].is_none() && classify::is_direct_identifier(value),
                shown: Shown::of(value, s.show_values),
            });
        }
        self.batch_scrubbed.push(ScrubbedRow {
            table,
            line: row.line,
            fields,
        });
    }
}

impl Visit for Reader<'_, '_> {
    fn row(&mut self, catalog: &Catalog, row: &Row<'_>) {
        if self.failed.is_some() || self.closed {
            return;
        }
        *self.totals.rows.entry(row.table.clone()).or_default() += 1;
        self.line.row(row.table);
        let table = match self.table(catalog, row) {
            Ok(t) => t,
            Err(e) => {
                self.failed = Some(e.to_string());
                return;
            }
        };
        if table.drop_rows {
            self.totals.dropped.insert(row.table.clone());
            if self.original {
                return;
            }
        }
        if self.original {
            if let Err(e) = self.original_row(table, row) {
                self.failed = Some(format!(" cannot write the temporary files of verify: {e}"));
            }
        } else {
            self.scrubbed_row(table, row);
        }
        if self.batch_original.len() + self.batch_scrubbed.len() >= BATCH {
            self.flush();
        }
    }

    fn statistics(&mut self, catalog: &Catalog, line: u64, text: &[u8], call: &StatsCall) {
        if self.failed.is_some() || self.closed {
            return;
        }
        let s = self.settings;
        let fingerprint = s.fingerprints.of(text);
        if self.original {
            self.deliver(Message::OriginalStatistics(fingerprint));
            return;
        }
        let name = match (&call.relation, &call.column) {
            (Some(r), Some(c)) => format!("{r}.{c}"),
            (Some(r), None) => format!("{r} (an index expression)"),
            _ => "a relation the statement does not name".to_owned(),
        };
        let place = self.totals.places.len() as u32;
        self.totals.places.push(PlaceName {
            name: format!("statistics of {name}"),
            rule: None,
        });
        let of_unruled_column = call.column.is_some()
            && call
                .relation
                .as_ref()
                .is_some_and(|r| catalog.table(r).is_some())
            && !call.holds_ruled_values(s.rules, catalog);
        let values = call
            .values
            .iter()
            .filter(|v| !too_short(v, s.min_length))
            .map(|v| Candidate {
                index: 0,
                fingerprint: s.fingerprints.of(v).max(1),
                identifier: false,
                shown: Shown::of(v, s.show_values),
            })
            .collect();
        self.deliver(Message::ScrubbedStatistics(ScrubbedStatistics {
            place,
            line,
            text: fingerprint,
            of_unruled_column,
            values,
        }));
    }
}

/// What the scrubbed dump holds by design: the output of every rule that writes the same
/// text for every row.
fn constant_outputs(rules: &RuleSet) -> BTreeSet<Vec<u8>> {
    let mut out = BTreeSet::new();
    let mut scratch = Vec::new();
    for column in rules.tables().iter().flat_map(|t| &t.columns) {
        if !column.rule.is_constant() {
            continue;
        }
        let place = Place { row: 0, column: 0 };
        let keys = Keys::from_seed(0);
        if let Ok(Outcome::Text(t)) =
            column
                .rule
                .apply(Value::Text(b""), place, &keys, &mut scratch)
        {
            out.insert(t.to_vec());
        }
    }
    out
}

/// Whether `value` has fewer than `min` characters (bytes of invalid UTF-8 count as one).
pub fn too_short(value: &[u8], min: usize) -> bool {
    value.len() < min
        || (value.len() < 4 * min && String::from_utf8_lossy(value).chars().count() < min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_masked_unless_asked() {
        let text = |v: &[u8], full| {
            let mut out = Vec::new();
            Shown::of(v, full).encode(&mut out);
            Shown::decode(&out)
        };
        assert_eq!(text("ann@corp.com".as_bytes(), false), "a… (12 chars)");
        assert_eq!(text("Zoë".as_bytes(), false), "Z… (3 chars)");
        assert_eq!(text(b"ann@corp.com", true), "\"ann@corp.com\"");
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(too_short(b"abc", 4));
        assert!(!too_short(b"abcd", 4));
        assert!(too_short("äöü".as_bytes(), 4));
        assert!(!too_short("äöüß".as_bytes(), 4));
    }
}
