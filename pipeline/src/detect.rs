//! `scrub detect [-c RULES] [--sample N] [--schema SCHEMA] [INPUT]`: proposes a rules file
//! for a dump, or for a schema plus a sample of its data.
//!
//! Reads the dump once ([`scrubber::read_rows`]), keeps the first N rows of each table as
//! counts in a [`Sample`] per column (no values are kept), and the schema from its CREATE
//! TABLE statements. With `--schema`, the schema file is read first and the input is the
//! data sample (a `pg_dump --data-only`, say). Each column is then judged by its name and
//! its sampled values (see [`crate::classify`]) and the result printed as a rules file with
//! `policy: strict`: every column of every table the input defines or has data for, `keep`
//! where nothing was found, a proposal with the reason in a comment where something was.
//! A table without rows is judged by its column names alone, so a schema-only input still
//! gets a proposal, and `-c` still gates it. Partitions and inheritance children are folded
//! into their topmost parent, whose rules cover them; a child's own columns go under the
//! child.
//!
//! With `-c RULES`, every flagged column must be covered by RULES (any rule, `keep` included:
//! a reviewed column counts as covered, and so does a table with `rows: none`); the ones
//! that are not are listed on standard error and the exit status is 1.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Cursor, Read};

use scrub_rules::{Ident, RuleSet, TableName};
use scrubber::{Catalog, Row};

use crate::classify::{self, Kind, Sample};
use crate::cli::DetectArgs;
use crate::progress::Progress;
use crate::{Failure, input, load_rules};

pub fn run(args: &DetectArgs) -> Result<(), Failure> {
    let rules = args.rules.as_deref().map(load_rules).transpose()?;
    let open = |path| input::open(path).map_err(|e| Failure::usage(format!("scrub detect: {e:#}")));
    let name = input::display_name(args.input.as_deref());
    let progress = Progress::new(args.progress.progress, false);
    let (sample, mut line) = input::open_shown(args.input.as_ref(), &progress, "detect")
        .map_err(|e| Failure::usage(format!("scrub detect: {e:#}")))?;
    let (reader, source): (Box<dyn Read + Send>, Source) = match &args.schema {
        None => (sample, Source::Dump(name.clone())),
        Some(path) => {
            let mut schema = Vec::new();
            open(Some(path))?
                .read_to_end(&mut schema)
                .map_err(|e| Failure::data(format!("scrub detect: {}: {e}", path.display())))?;
            if schema.last().is_some_and(|&b| b != b'\n') {
                schema.push(b'\n');
            }
            let source = Source::SchemaAndSample {
                schema: path.display().to_string(),
                schema_lines: scrubber::lines(&schema),
                sample: name.clone(),
            };
            (Box::new(Cursor::new(schema).chain(sample)), source)
        }
    };
    let mut tables: BTreeMap<TableName, TableSample> = BTreeMap::new();
    let report = scrubber::read_rows(
        reader,
        scrubber::DEFAULT_CHUNK_SIZE,
        args.accept.checks(),
        |_, row| {
            line.row(row.table);
            let table = tables.entry(row.table.clone()).or_default();
            table.add(row, args.sample);
        },
    )
    .map_err(|e| Failure::data(format!("scrub detect: {}", source.locate(e))))?;
    drop(line);
    let catalog = report.catalog;
    let mut tables = fold_into_parents(tables, &catalog);
    add_tables_without_rows(&mut tables, &catalog);
    let mut judged = judge(tables, &catalog);
    fit_proposals(&mut judged, &catalog, &source, args.sample);
    print!("{}", render(&judged, &source, args.sample));
    let Some(rules) = rules else {
        return Ok(());
    };
    let uncovered = uncovered(&judged, &rules, &catalog);
    if uncovered.is_empty() {
        return Ok(());
    }
    let mut message = String::new();
    for line in &uncovered {
        let _ = writeln!(message, "scrub detect: {line}");
    }
    let _ = write!(
        message,
        "scrub detect: {} column(s) look personal and have no rule in {}",
        uncovered.len(),
        args.rules.as_ref().expect("rules given").display()
    );
    Err(Failure::data(message))
}

/// What detect reads: one dump, or a schema file followed by a data sample, read as one
/// stream whose lines are told apart again for messages.
enum Source {
    Dump(String),
    SchemaAndSample {
        schema: String,
        schema_lines: u64,
        sample: String,
    },
}

impl Source {
    /// `FILE:LINE: ...` for an error in the stream, with the file the line is in.
    fn locate(&self, e: scrubber::Error) -> String {
        match (self, e) {
            (Source::Dump(name), e) => format!("{name}:{e}"),
            (
                Source::SchemaAndSample {
                    schema_lines,
                    sample,
                    ..
                },
                scrubber::Error::Data(mut d),
            ) if d.line > *schema_lines => {
                d.line -= schema_lines;
                format!("{sample}:{d}")
            }
            (Source::SchemaAndSample { schema, .. }, scrubber::Error::Data(d)) => {
                format!("{schema}:{d}")
            }
            (Source::SchemaAndSample { schema, sample, .. }, e) => {
                format!("{schema} and {sample}: {e}")
            }
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Dump(name) => write!(f, "{name}"),
            Source::SchemaAndSample { schema, sample, .. } => {
                write!(f, "the schema {schema} and the data of {sample}")
            }
        }
    }
}

/// The sampled rows of one table.
#[derive(Default)]
struct TableSample {
    rows: u64,
    sampled: u64,
    columns: Vec<(Ident, Sample)>,
}

impl TableSample {
    fn add(&mut self, row: &Row<'_>, limit: u64) {
        self.rows += 1;
        let known = self.columns.len() == row.columns.len()
            && self
                .columns
                .iter()
                .zip(row.columns)
                .all(|((a, _), b)| a == b);
        if !known {
            for c in row.columns {
                if !self.columns.iter().any(|(have, _)| have == c) {
                    self.columns.push((c.clone(), Sample::default()));
                }
            }
        }
        if self.sampled >= limit {
            return;
        }
        self.sampled += 1;
        for (column, field) in row.columns.iter().zip(row.fields) {
            let Some(value) = field.as_deref() else {
                continue;
            };
            if let Some((_, sample)) = self.columns.iter_mut().find(|(c, _)| c == column) {
                sample.add(&String::from_utf8_lossy(value));
            }
        }
    }

    fn merge(&mut self, other: TableSample) {
        self.rows += other.rows;
        self.sampled += other.sampled;
        for (column, sample) in other.columns {
            match self.columns.iter_mut().find(|(c, _)| *c == column) {
                Some((_, mine)) => mine.merge(&sample),
                None => self.columns.push((column, sample)),
            }
        }
    }
}

/// Samples of partitions and children added to their ancestors': each column to the topmost
/// table in its lineage that defines it, whose rules cover it in every descendant. A child's
/// own columns (an inheritance child may add some) stay under the child, which gets its own
/// entry for them; the rules of both apply to its rows.
fn fold_into_parents(
    tables: BTreeMap<TableName, TableSample>,
    catalog: &Catalog,
) -> BTreeMap<TableName, TableSample> {
    let mut out: BTreeMap<TableName, TableSample> = BTreeMap::new();
    for (table, sample) in tables {
        let lineage = catalog.lineage(&table);
        let root = lineage.last().cloned().unwrap_or_else(|| table.clone());
        // the topmost table of the lineage that defines `column`
        let home = |column: &Ident| {
            lineage
                .iter()
                .rev()
                .find(|t| catalog.table(t).is_some_and(|d| d.column(column).is_some()))
                .cloned()
                .unwrap_or_else(|| root.clone())
        };
        let mut parts: BTreeMap<TableName, TableSample> = BTreeMap::new();
        for (column, values) in sample.columns {
            let part = parts.entry(home(&column)).or_default();
            part.columns.push((column, values));
        }
        // every level that takes columns counts the rows (they are its rows too)
        for (level, mut part) in parts {
            part.rows = sample.rows;
            part.sampled = sample.sampled;
            out.entry(level).or_default().merge(part);
        }
    }
    out
}

/// Adds every table the schema defines and no row was seen of, with its columns in table
/// order. Partitions and children are left to their parent, which is added instead.
fn add_tables_without_rows(tables: &mut BTreeMap<TableName, TableSample>, catalog: &Catalog) {
    for (name, table) in catalog.tables() {
        if table.columns.is_empty() || !table.parents.is_empty() {
            continue;
        }
        tables.entry(name.clone()).or_insert_with(|| TableSample {
            columns: table
                .columns
                .iter()
                .map(|c| (c.name.clone(), Sample::default()))
                .collect(),
            ..TableSample::default()
        });
    }
}

/// One column's verdict.
struct Verdict {
    column: Ident,
    /// The proposed kind and why, or `None` for `keep`.
    flagged: Option<(Kind, String)>,
    /// The proposed rule (YAML flow syntax), for a flagged column.
    rule: String,
    not_null: bool,
    /// Alone under a PRIMARY KEY, UNIQUE constraint or unique index.
    unique: bool,
    data_type: String,
}

struct JudgedTable {
    table: TableName,
    rows: u64,
    columns: Vec<Verdict>,
}

fn judge(tables: BTreeMap<TableName, TableSample>, catalog: &Catalog) -> Vec<JudgedTable> {
    let mut out = Vec::new();
    for (table, sample) in tables {
        let defined = catalog.table(&table);
        let mut columns: Vec<&(Ident, Sample)> = sample.columns.iter().collect();
        if let Some(d) = defined {
            let order = |c: &Ident| {
                d.columns
                    .iter()
                    .position(|x| &x.name == c)
                    .unwrap_or(usize::MAX)
            };
            columns.sort_by_key(|(c, _)| order(c));
        }
        let columns = columns
            .into_iter()
            .map(|(column, values)| {
                let schema = defined.and_then(|d| d.column(column));
                let data_type = schema.map_or("", |c| c.data_type.as_str());
                let not_null = schema.is_some_and(|c| c.not_null);
                let unique = defined.is_some_and(|d| {
                    d.unique
                        .iter()
                        .any(|set| set == std::slice::from_ref(column))
                });
                let flagged = verdict(&table, column, values, data_type);
                let rule = match &flagged {
                    None => "",
                    Some((k, _)) if unique => k.unique_proposal(),
                    Some((k, _)) => k.proposal(not_null),
                };
                Verdict {
                    column: column.clone(),
                    rule: rule.to_owned(),
                    flagged,
                    not_null,
                    unique,
                    data_type: data_type.to_owned(),
                }
            })
            .collect();
        out.push(JudgedTable {
            table,
            rows: sample.rows,
            columns,
        });
    }
    out
}

/// The kind of one column and the reason, from its name and its sampled values.
fn verdict(
    table: &TableName,
    column: &Ident,
    values: &Sample,
    data_type: &str,
) -> Option<(Kind, String)> {
    let by_name = classify::by_name(table.name.as_str(), column.as_str())
        .filter(|(kind, _)| classify::type_can_hold(*kind, data_type));
    let by_values = values
        .verdict()
        .filter(|(kind, _)| classify::type_can_hold(*kind, data_type));
    let name_reason = by_name
        .as_ref()
        .map(|_| format!("name: {:?}", column.as_str()));
    let value_reason = by_values.map(|(kind, pct)| match kind {
        Kind::EmbeddedContact => format!(
            "{pct}% of {} sampled values contain e-mail addresses",
            values.non_null
        ),
        _ => format!("{pct}% of {} sampled values are {kind}", values.non_null),
    });
    let kind = match (by_values, &by_name) {
        (Some((k, _)), _) if k != Kind::EmbeddedContact => k,
        (_, Some((k, _))) => *k,
        (Some((k, _)), None) => k,
        (None, None) => return None,
    };
    let reason: Vec<String> = [name_reason, value_reason].into_iter().flatten().collect();
    Some((kind, reason.join("; ")))
}

/// Replaces each proposal that `scrub check` finds the column cannot take (a text fake in an
/// integer zip code, a street in a `text[]`, `null` in a NOT NULL column) by the next that
/// fits its type ([`fallback`]), until the whole proposal passes the check.
fn fit_proposals(tables: &mut [JudgedTable], catalog: &Catalog, input: &Source, sample: u64) {
    for _ in 0..4 {
        let Ok(rules) = RuleSet::from_yaml(&render(tables, input, sample)) else {
            return;
        };
        let misfits: Vec<(TableName, Ident)> = scrubber::check_rules(&rules, catalog)
            .into_iter()
            .filter(|f| f.type_misfit)
            .filter_map(|f| Some((f.table, f.column?)))
            .collect();
        let mut changed = false;
        for t in tables.iter_mut() {
            for c in t.columns.iter_mut().filter(|c| c.flagged.is_some()) {
                if misfits.contains(&(t.table.clone(), c.column.clone())) {
                    let next = fallback(&c.rule, &c.data_type, c.not_null, c.unique);
                    changed |= next != c.rule;
                    c.rule = next;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

/// The next proposal to try for a column whose type cannot take `rule`: the rule on each
/// element of an array; hashed digits that fit a number column (distinct for a unique one);
/// `null` where NULL is allowed; else `keep`, with a comment that says no rule fits (review
/// it by hand).
fn fallback(rule: &str, data_type: &str, not_null: bool, unique: bool) -> String {
    let t = data_type.replace('"', "").to_ascii_lowercase();
    let base = t.split('(').next().unwrap_or("").trim();
    let digits = match base {
        "smallint" | "int2" => Some(4),
        "integer" | "int" | "int4" | "serial" => Some(9),
        "bigint" | "int8" | "bigserial" => Some(18),
        "numeric" | "decimal" => Some(12),
        _ => None,
    };
    if base.ends_with("[]") && !rule.starts_with("{array:") && rule != "null" {
        return format!("{{array: {rule}}}");
    }
    if let Some(len) = digits.filter(|_| !rule.starts_with("{hash: {as: digits")) {
        let unique = if unique { ", unique: true" } else { "" };
        return format!("{{hash: {{as: digits, length: {len}{unique}}}}}");
    }
    if !not_null && rule != "null" {
        return "null".to_owned();
    }
    format!(
        "keep  # REVIEW: no proposed rule fits {data_type}; keep leaves the values as they are;"
    )
}

/// The rules file.
fn render(tables: &[JudgedTable], input: &Source, sample: u64) -> String {
    let mut s = format!(
        "# Proposed by `scrub detect` from {input} (the first {sample} rows of each table).\n\
         # Review every line: `keep` means \"reviewed, not personal\"; the comments say why a\n\
         # rule is proposed.\n\
         policy: strict\n\
         tables:\n"
    );
    for t in tables {
        let _ = writeln!(
            s,
            "  {}:  # {} row(s)",
            yaml_key(&t.table.to_string()),
            t.rows
        );
        let _ = writeln!(s, "    columns:");
        for c in &t.columns {
            let key = yaml_key(&c.column.to_string());
            match &c.flagged {
                None => {
                    let _ = writeln!(s, "      {key}: keep");
                }
                Some((_, why)) => {
                    let _ = writeln!(s, "      {key}: {}  # {why}", c.rule);
                }
            }
        }
    }
    s
}

/// A mapping key as YAML reads it back: plain when safe, else single-quoted.
fn yaml_key(text: &str) -> String {
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'$')
        && text
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// Flagged columns that RULES leaves without a rule: `table.column: why`, sorted.
fn uncovered(tables: &[JudgedTable], rules: &RuleSet, catalog: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    for t in tables {
        let covering = scrubber::rules_for(rules, &catalog.lineage(&t.table));
        for c in &t.columns {
            let Some((kind, why)) = &c.flagged else {
                continue;
            };
            let covered = covering
                .as_ref()
                .is_some_and(|r| r.drop_rows || r.keep_all || r.column(&c.column).is_some());
            if !covered {
                out.push(format!(
                    "{}.{}: no rule, looks like {kind} ({why}); proposed: {}",
                    t.table, c.column, c.rule
                ));
            }
        }
    }
    out.sort();
    out
}
