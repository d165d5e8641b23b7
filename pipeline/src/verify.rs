//! `scrub verify -c RULES ORIGINAL SCRUBBED`: proves that no value of a ruled column of the
//! original is left anywhere in the scrubbed dump, and that no row went missing.
//!
//! # How
//!
//! Two streaming passes with [`scrubber::read_rows`], so memory does not grow with the dump,
//! only with the number of distinct ruled values:
//!
//! 1. ORIGINAL: rows per table, and a 128-bit keyed fingerprint ([`Fingerprinter`], a random
//!    key per run, so memory holds no plaintext) of every distinct value of every ruled
//!    column, with where it was first seen. Rules resolve through partitions and inheritance
//!    exactly as in a run. Left out: NULLs, `keep` columns, values shorter than
//!    `--min-length` characters (a country code or a `t` would "leak" into every table that
//!    legitimately holds the same text; they are counted and reported), values the rule maps
//!    to themselves (a `redact` with nothing to replace), and values equal to what a constant
//!    rule (`email`, `fixed`) writes, since the scrubbed dump holds those by design.
//! 2. SCRUBBED: rows per table; every field of every row of every table (any column: a value
//!    copied into a denormalized column elsewhere is found too) is fingerprinted and looked
//!    up. A match is a leak. In columns whose rule promises unique output, a repeated output
//!    is reported as a duplicate.
//!
//! `fake` rules pick from word lists, so the fake for one person is often the real name of
//! another: pass 1 also fingerprints what each `fake` rule makes of each value (with the
//! run's key: give verify the same `--key-file`/`SCRUB_KEY_FILE` and `SCRUB_SEED` as the
//! run), and a match in a `fake` column that is that column's own output is not a leak.
//!
//! Memory: about 40–70 bytes per distinct ruled value of the original (a fingerprint, an
//! origin and a line in a hash table), plus the same per distinct value of a unique-ruled
//! column of the scrubbed dump. Whole fields are compared: a ruled value embedded in a longer
//! text (a name inside a comment) is not found; that is what `redact` and `scrub detect` are
//! for.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use scrub_rules::{Ident, Keys, Outcome, Place, Rule, RuleSet, TableName, Value};
use scrubber::{Catalog, DataError, Plan, Row};

use crate::cli::VerifyArgs;
use crate::fingerprint::{FingerprintMap, Fingerprinter};
use crate::{Failure, input, keyfile, load_rules};

/// Leaks and duplicates listed one by one; beyond this they are only counted.
const LISTED: usize = 100;

pub fn run(args: &VerifyArgs) -> Result<(), Failure> {
    let rules = load_rules(&args.rules)?;
    let seed = args.seed.unwrap_or_else(rand::random);
    let keys = keyfile::keys(seed, args.key_file.as_deref())
        .map_err(|e| Failure::usage(format!("scrub verify: {e}")))?;
    let mut verifier = Verifier {
        resolver: Resolver::new(&rules),
        keys,
        fingerprints: Fingerprinter::random(),
        min_length: args.min_length,
        show_values: args.show_values,
        constants: constant_outputs(&rules),
        original: Side::default(),
        scrubbed: Side::default(),
        values: FingerprintMap::default(),
        origins: Origins::default(),
        short: 0,
        leaks: Findings::default(),
        outputs: FingerprintMap::default(),
        duplicates: Findings::default(),
        fakes: FingerprintMap::default(),
        fake_collisions: 0,
    };
    let checks = args.accept.checks();
    read(&args.original, checks, |catalog, row| {
        verifier.original_row(catalog, row)
    })?;
    verifier.resolver = Resolver::new(&rules);
    read(&args.scrubbed, checks, |catalog, row| {
        verifier.scrubbed_row(catalog, row)
    })?;
    let (text, problems) = verifier.report(&args.original, &args.scrubbed);
    print!("{text}");
    if problems == 0 {
        Ok(())
    } else {
        Err(Failure::data(format!(
            "scrub verify: {} does not pass: {problems} problem(s), listed above",
            args.scrubbed.display()
        )))
    }
}

/// Reads one dump, stopping at the first error `visit` returns.
fn read(
    path: &Path,
    checks: scrubber::InputChecks,
    mut visit: impl FnMut(&Catalog, &Row<'_>) -> Result<(), DataError>,
) -> Result<(), Failure> {
    let name = path.display();
    let reader = input::open(Some(&path.to_path_buf()))
        .map_err(|e| Failure::usage(format!("scrub verify: {e:#}")))?;
    let mut failed = None;
    scrubber::read_rows(
        reader,
        scrubber::DEFAULT_CHUNK_SIZE,
        checks,
        |catalog, row| {
            if failed.is_none() {
                failed = visit(catalog, row).err();
            }
        },
    )
    .map_err(|e| Failure::data(format!("scrub verify: {name}:{e}")))?;
    match failed {
        Some(e) => Err(Failure::data(format!("scrub verify: {name}:{e}"))),
        None => Ok(()),
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

/// Whether a rule promises distinct outputs for distinct inputs.
fn promises_unique(rule: &Rule) -> bool {
    rule.label().ends_with("+unique")
}

/// Rows per table of one dump.
#[derive(Default)]
struct Side {
    rows: BTreeMap<TableName, u64>,
    /// Tables whose rules say `rows: none`.
    dropped: BTreeSet<TableName>,
}

/// Ruled columns, numbered so that a fingerprint's origin takes four bytes.
#[derive(Default)]
struct Origins {
    names: Vec<(TableName, Ident)>,
    ids: HashMap<(TableName, Ident), u32>,
}

impl Origins {
    fn id(&mut self, table: &TableName, column: &Ident) -> u32 {
        let key = (table.clone(), column.clone());
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(key.clone());
        self.ids.insert(key, id);
        id
    }

    fn name(&self, id: u32) -> String {
        let (t, c) = &self.names[id as usize];
        format!("{t}.{c}")
    }
}

/// The first [`LISTED`] findings, and how many there were.
#[derive(Default)]
struct Findings {
    listed: Vec<String>,
    count: u64,
}

impl Findings {
    fn add(&mut self, describe: impl FnOnce() -> String) {
        self.count += 1;
        if self.listed.len() < LISTED {
            self.listed.push(describe());
        }
    }
}

/// The rules of each table as the rewriter resolves them, for the column list of its data.
struct Resolver<'r> {
    rules: &'r RuleSet,
    plans: HashMap<TableName, Option<Arc<Plan>>>,
}

impl<'r> Resolver<'r> {
    fn new(rules: &'r RuleSet) -> Resolver<'r> {
        Resolver {
            rules,
            plans: HashMap::new(),
        }
    }

    /// The plan for `row`'s table, or `None` when no rule covers it.
    fn plan(&mut self, catalog: &Catalog, row: &Row<'_>) -> Result<Option<Arc<Plan>>, DataError> {
        if let Some(cached) = self.plans.get(row.table)
            && cached.as_ref().is_none_or(|p| p.names == row.columns)
        {
            return Ok(cached.clone());
        }
        let lineage = catalog.lineage(row.table);
        let plan = match scrubber::rules_for(self.rules, &lineage) {
            Some(rules) => Some(Plan::build(
                row.table,
                "data of",
                row.columns,
                rules,
                true,
                row.line,
                |c| scrubber::column_facts(catalog, row.table, c),
            )?),
            None => None,
        };
        self.plans.insert(row.table.clone(), plan.clone());
        Ok(plan)
    }
}

struct Verifier<'r> {
    resolver: Resolver<'r>,
    keys: Keys,
    fingerprints: Fingerprinter,
    min_length: usize,
    show_values: bool,
    constants: BTreeSet<Vec<u8>>,
    original: Side,
    scrubbed: Side,
    /// Fingerprints of the original's ruled values: (origin, line first seen).
    values: FingerprintMap<(u32, u64)>,
    origins: Origins,
    /// Ruled values shorter than `min_length`, not checked.
    short: u64,
    leaks: Findings,
    /// Fingerprints of (column, output) in unique-ruled columns of the scrubbed dump: line.
    outputs: FingerprintMap<u64>,
    duplicates: Findings,
    /// Fingerprints of (table, column, output) of `fake` rules on the original's values.
    fakes: FingerprintMap<()>,
    /// Matches that were a `fake` column's own output.
    fake_collisions: u64,
}

impl Verifier<'_> {
    fn original_row(&mut self, catalog: &Catalog, row: &Row<'_>) -> Result<(), DataError> {
        *self.original.rows.entry(row.table.clone()).or_default() += 1;
        let Some(plan) = self.resolver.plan(catalog, row)? else {
            return Ok(());
        };
        if plan.drop_rows {
            self.original.dropped.insert(row.table.clone());
            return Ok(());
        }
        let mut scratch = Vec::new();
        for field in &plan.ruled {
            let Some(value) = row.fields[field.index].as_deref() else {
                continue;
            };
            if too_short(value, self.min_length) {
                self.short += 1;
                continue;
            }
            if self.constants.contains(value) {
                continue;
            }
            let place = Place {
                row: row.offset,
                column: field.index as u32,
            };
            match field
                .rule
                .apply(Value::Text(value), place, &self.keys, &mut scratch)
            {
                Ok(Outcome::Unchanged) => continue,
                Ok(Outcome::Text(t)) if t == value => continue,
                Ok(Outcome::Text(t)) if matches!(field.rule, Rule::Fake(_)) => {
                    let output = self.fingerprints.of_parts(&[
                        plan.table.to_string().as_bytes(),
                        field.column.as_str().as_bytes(),
                        t,
                    ]);
                    self.fakes.insert(output, ());
                }
                _ => {}
            }
            let fingerprint = self.fingerprints.of(value);
            if !self.values.contains_key(&fingerprint) {
                let origin = self.origins.id(&plan.table, &field.column);
                self.values.insert(fingerprint, (origin, row.line));
            }
        }
        Ok(())
    }

    fn scrubbed_row(&mut self, catalog: &Catalog, row: &Row<'_>) -> Result<(), DataError> {
        *self.scrubbed.rows.entry(row.table.clone()).or_default() += 1;
        let plan = self.resolver.plan(catalog, row)?;
        let ruled = plan.as_ref().map_or(&[][..], |p| &p.ruled[..]);
        let table = row.table.to_string();
        for (i, value) in row.fields.iter().enumerate() {
            let Some(value) = value.as_deref() else {
                continue;
            };
            if too_short(value, self.min_length) {
                continue;
            }
            let Some(&(origin, line)) = self.values.get(&self.fingerprints.of(value)) else {
                continue;
            };
            let rule = ruled.iter().find(|f| f.index == i).map(|f| &f.rule);
            let in_fake = matches!(rule, Some(Rule::Fake(_)));
            if in_fake {
                let column = row.columns[i].as_str().as_bytes();
                let own = self
                    .fingerprints
                    .of_parts(&[table.as_bytes(), column, value]);
                if self.fakes.contains_key(&own) {
                    self.fake_collisions += 1;
                    continue;
                }
            }
            let show = self.show_values;
            let origins = &self.origins;
            self.leaks.add(|| {
                format!(
                    "leak: {} value from original line {line} found in scrubbed {table}.{} line {}: {}{}",
                    origins.name(origin),
                    row.columns[i],
                    row.line,
                    shown(value, show),
                    if in_fake {
                        " (in a `fake` column: if the run had another key than verify, its fakes of other values look like leaks; pass the run's --key-file)"
                    } else {
                        ""
                    }
                )
            });
        }
        for field in ruled.iter().filter(|f| promises_unique(&f.rule)) {
            let Some(value) = row.fields[field.index].as_deref() else {
                continue;
            };
            let fingerprint = self.fingerprints.of_parts(&[
                table.as_bytes(),
                field.column.as_str().as_bytes(),
                value,
            ]);
            if let Some(&first) = self.outputs.get(&fingerprint) {
                let show = self.show_values;
                self.duplicates.add(|| {
                    format!(
                        "duplicate: {table}.{} ({}) line {} repeats the output of line {first}: {}",
                        field.column,
                        field.rule.label(),
                        row.line,
                        shown(value, show)
                    )
                });
            } else {
                self.outputs.insert(fingerprint, row.line);
            }
        }
        Ok(())
    }

    /// The report, and how many problems it lists.
    fn report(&self, original: &Path, scrubbed: &Path) -> (String, u64) {
        let mut s = format!(
            "scrub verify: {} against {}\n",
            scrubbed.display(),
            original.display()
        );
        let tables: BTreeSet<&TableName> = self
            .original
            .rows
            .keys()
            .chain(self.scrubbed.rows.keys())
            .collect();
        let name = |table: &TableName| {
            if self.original.dropped.contains(table) {
                format!("{table} (rows: none)")
            } else {
                table.to_string()
            }
        };
        let width = tables.iter().map(|t| name(t).len()).max().unwrap_or(5);
        let _ = writeln!(
            s,
            "  {:<width$} {:>12} {:>12}",
            "table", "original", "scrubbed"
        );
        let mut mismatches = Vec::new();
        for table in tables {
            let before = self.original.rows.get(table).copied().unwrap_or(0);
            let after = self.scrubbed.rows.get(table).copied().unwrap_or(0);
            let dropped = self.original.dropped.contains(table);
            let _ = writeln!(s, "  {:<width$} {before:>12} {after:>12}", name(table));
            let expected = if dropped { 0 } else { before };
            if after != expected {
                mismatches.push(format!(
                    "row count: {table} has {after} row(s) in the scrubbed dump, expected {expected}{}",
                    if dropped { " (rows: none)" } else { "" }
                ));
            }
        }
        for line in mismatches
            .iter()
            .chain(&self.leaks.listed)
            .chain(&self.duplicates.listed)
        {
            let _ = writeln!(s, "{line}");
        }
        for (what, f) in [("leak(s)", &self.leaks), ("duplicate(s)", &self.duplicates)] {
            if f.count > f.listed.len() as u64 {
                let _ = writeln!(
                    s,
                    "... {} more {what} not listed",
                    f.count - f.listed.len() as u64
                );
            }
        }
        let _ = writeln!(
            s,
            "{} distinct ruled value(s) checked; {} leak(s), {} row count mismatch(es), {} duplicate(s); {} ruled value(s) shorter than {} characters not checked; {} fake output(s) equal to an original value",
            self.values.len(),
            self.leaks.count,
            mismatches.len(),
            self.duplicates.count,
            self.short,
            self.min_length,
            self.fake_collisions
        );
        (
            s,
            self.leaks.count + mismatches.len() as u64 + self.duplicates.count,
        )
    }
}

/// Whether `value` has fewer than `min` characters (bytes of invalid UTF-8 count as one).
fn too_short(value: &[u8], min: usize) -> bool {
    value.len() < min
        || (value.len() < 4 * min && String::from_utf8_lossy(value).chars().count() < min)
}

/// A value for the report: masked (first character, `…`, length) unless asked otherwise.
fn shown(value: &[u8], in_full: bool) -> String {
    let text = String::from_utf8_lossy(value);
    if in_full {
        return format!("{text:?}");
    }
    let first = text.chars().next().unwrap_or(' ');
    format!("{first}… ({} chars)", text.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_masked_unless_asked() {
        assert_eq!(shown("ann@corp.com".as_bytes(), false), "a… (12 chars)");
        assert_eq!(shown("Zoë".as_bytes(), false), "Z… (3 chars)");
        assert_eq!(shown(b"ann@corp.com", true), "\"ann@corp.com\"");
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(too_short(b"abc", 4));
        assert!(!too_short(b"abcd", 4));
        assert!(too_short("äöü".as_bytes(), 4));
        assert!(!too_short("äöüß".as_bytes(), 4));
    }
}
