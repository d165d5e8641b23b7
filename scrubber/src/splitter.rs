//! Cutting a dump into segments: bytes to pass through, and runs of whole rows to rewrite.
//!
//! # Design note
//!
//! The splitter is the one sequential stage: it must follow the dump statement by statement
//! (settings, CREATE TABLE, where each COPY block ends) before rows can be handed to parallel
//! workers. It keeps that work small:
//!
//! * COPY data is found in one memchr pass over line ends: rows of tables without rules are never split
//!   into fields, and rows of ruled tables are only cut at line ends; the fields are the
//!   workers' job.
//! * Everything else is scanned statement by statement with [`crate::lex`], which jumps over
//!   literals with memchr. INSERT statements are cut at row boundaries (`( ... )`), so a
//!   multi-row INSERT of any size streams.
//! * [`Splitter::split`] is stateless about its buffer: it consumes a prefix of whole units
//!   and leaves the rest for the next call, which sees it again with more bytes behind it.
//!   Only a single unit bigger than the buffer (one huge row or statement) makes the caller
//!   grow the buffer; COPY data of tables without rules streams even then.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::{Arc, LazyLock};

use memchr::{memchr, memmem, memrchr};
use scrub_rules::{Ident, LargeObjects, Policy, Rule, RuleSet, TableName};

use crate::catalog::Catalog;
use crate::check::{Finding, foreign_key_findings};
use crate::error::{DataError, at};
use crate::header::{self, Setting};
use crate::large_object::{self, LargeObjectsSeen};
use crate::lex::{self, Scan};
use crate::omit::Omit;
use crate::partition::{BoundKind, Bounds, rewrites_bounds};
use crate::plan::{BoundsPlan, Matches, Plan, Uncovered, Unmatched, column_rule_for, rules_for};
use crate::stats::{self, StatsCall};

/// What to do with a segment of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Pass the bytes through.
    Raw,
    /// Whole COPY text rows (each ending in `\n`) of a table with rules.
    CopyRows(Arc<Plan>),
    /// Whole `( ... )` rows of an INSERT, with the separators between them.
    InsertRows(Arc<Plan>),
    /// A statement that gives a partition literal bounds, to be rewritten by its key's rule.
    Bounds(Arc<BoundsPlan>),
    /// A statement that restores planner statistics, for readers of every value only
    /// ([`Splitter::every_row`]): its values are data too.
    Statistics(Arc<StatsCall>),
}

/// A run of the input and what to do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub kind: Kind,
    /// Where the segment is in the buffer given to [`Splitter::split`].
    pub range: Range<usize>,
    /// The input line the segment starts on (1-based).
    pub line: u64,
    /// The absolute byte offset of the segment in the input.
    pub offset: u64,
}

#[derive(Debug)]
enum Mode {
    Sql,
    Copy {
        plan: Option<Arc<Plan>>,
        at_line_start: bool,
        table: TableName,
        line: u64,
        /// Columns no rule covers (`policy: strict`), reported once the block shows a row.
        uncovered: Vec<Ident>,
    },
    Insert {
        plan: Option<Arc<Plan>>,
        table: TableName,
        line: u64,
    },
}

/// What one step decided about the bytes from the current position.
enum Step {
    /// Emit `pos..end` as a segment of this kind.
    Emit(Kind, usize),
    /// The same, when the step has counted the newlines in `pos..end` already.
    EmitCounted(Kind, usize, u64),
    /// Drop `pos..end` (rows of a `rows: none` table).
    Drop(usize),
    NeedMore,
}

/// The statement-level state machine. See the module docs.
pub struct Splitter {
    rules: Arc<RuleSet>,
    catalog: Catalog,
    matches: Matches,
    /// `policy: strict`: uncovered columns with data, and the line where it starts.
    uncovered: BTreeMap<(TableName, Ident), u64>,
    std_strings: bool,
    mode: Mode,
    /// Line and absolute offset of the first byte of the next buffer.
    line: u64,
    offset: u64,
    /// The last INSERT header and its plan: pg_dump repeats it for every row.
    last_insert: Option<(Vec<u8>, Option<Arc<Plan>>, TableName)>,
    /// Cut out the rows of every table, ruled or not ([`Splitter::every_row`]).
    every_row: bool,
    /// Statements to leave out ([`Splitter::omit`]).
    omit: Omit,
    /// Whether a COPY or INSERT has been seen: table data, the mark of a dump.
    saw_data: bool,
    /// Statistics statements dropped because they hold ruled values ([`crate::stats`]).
    statistics_dropped: u64,
    /// Statements left out by [`Splitter::omit`].
    omitted: u64,
    large_objects: LargeObjectsSeen,
}

/// What the whole dump showed, once it has been read.
#[derive(Debug)]
pub struct Report {
    /// Rules that matched nothing: each one an error (a typo would leak).
    pub unmatched: Vec<Unmatched>,
    /// `policy: strict`: columns with data that no rule covers, by line. Each one an error.
    pub uncovered: Vec<Uncovered>,
    /// Whether the input had table data (a COPY or INSERT), not only a schema.
    pub saw_data: bool,
    /// Foreign keys whose two ends the rules rewrite differently. Each one an error.
    pub foreign_keys: Vec<Finding>,
    /// Statistics statements dropped because they held values of ruled columns.
    pub statistics_dropped: u64,
    /// Owner, privilege and subscription statements left out on request ([`crate::omit`]).
    pub omitted: u64,
    /// The large objects whose contents the dump writes; see [`LargeObjects`].
    pub large_objects: LargeObjectsSeen,
    pub catalog: Catalog,
}

impl Splitter {
    pub fn new(rules: Arc<RuleSet>) -> Splitter {
        Splitter {
            rules,
            catalog: Catalog::default(),
            matches: Matches::default(),
            uncovered: BTreeMap::new(),
            std_strings: true,
            mode: Mode::Sql,
            line: 1,
            offset: 0,
            last_insert: None,
            every_row: false,
            omit: Omit::default(),
            saw_data: false,
            statistics_dropped: 0,
            omitted: 0,
            large_objects: LargeObjectsSeen::default(),
        }
    }

    /// A splitter without rules that hands out the rows of every table as
    /// [`Kind::CopyRows`] and [`Kind::InsertRows`] with a rule-less plan: for readers of
    /// every value (`scrub verify`, `scrub detect`), not for rewriting.
    pub fn every_row() -> Splitter {
        Splitter {
            every_row: true,
            ..Splitter::new(Arc::new(RuleSet::default()))
        }
    }

    /// Leaves out the statements `omit` names ([`crate::omit`]).
    pub fn omit(mut self, omit: Omit) -> Splitter {
        self.omit = omit;
        self
    }

    /// The tables learnt so far.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Whether the input so far had table data (a COPY or an INSERT).
    pub fn saw_data(&self) -> bool {
        self.saw_data
    }

    /// The line the next byte is on.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Splits a prefix of `buf` into segments (appended to `out`) and returns its length.
    /// The caller passes the rest again, with more input after it, on the next call; `eof`
    /// says no more input will come.
    pub fn split(
        &mut self,
        buf: &[u8],
        eof: bool,
        out: &mut Vec<Segment>,
    ) -> Result<usize, DataError> {
        let mut pos = 0;
        while pos < buf.len() {
            let step = match self.mode {
                Mode::Sql => self.sql_step(buf, pos, eof)?,
                Mode::Copy { .. } => self.copy_step(buf, pos, eof)?,
                Mode::Insert { .. } => self.insert_step(buf, pos, eof)?,
            };
            let (end, newlines) = match step {
                Step::NeedMore => break,
                Step::Emit(kind, end) => {
                    self.push(out, kind, pos..end);
                    (end, None)
                }
                Step::EmitCounted(kind, end, n) => {
                    self.push(out, kind, pos..end);
                    (end, Some(n))
                }
                Step::Drop(end) => (end, None),
            };
            self.line += newlines.unwrap_or_else(|| lines(&buf[pos..end]));
            self.offset += (end - pos) as u64;
            pos = end;
        }
        Ok(pos)
    }

    /// Checks that the dump ended between statements and reports what it showed.
    pub fn finish(self) -> Result<Report, DataError> {
        match &self.mode {
            Mode::Sql => {}
            Mode::Copy { table, line, .. } => {
                return Err(at(
                    self.line,
                    format!("COPY {table}"),
                    format!(
                        "the input ends inside the COPY data that starts at line {line}: no `\\.` line"
                    ),
                ));
            }
            Mode::Insert { table, line, .. } => {
                return Err(at(
                    self.line,
                    format!("INSERT INTO {table}"),
                    format!(
                        "the input ends inside the INSERT statement that starts at line {line}"
                    ),
                ));
            }
        }
        let unmatched = self.matches.unmatched(&self.rules, &self.catalog);
        let mut uncovered: Vec<Uncovered> = self
            .uncovered
            .into_iter()
            .map(|((table, column), line)| Uncovered {
                line,
                table,
                column,
            })
            .collect();
        uncovered.sort();
        Ok(Report {
            unmatched,
            uncovered,
            foreign_keys: foreign_key_findings(&self.rules, &self.catalog),
            saw_data: self.saw_data,
            statistics_dropped: self.statistics_dropped,
            omitted: self.omitted,
            large_objects: self.large_objects,
            catalog: self.catalog,
        })
    }

    fn push(&self, out: &mut Vec<Segment>, kind: Kind, range: Range<usize>) {
        if kind == Kind::Raw
            && let Some(last) = out.last_mut()
            && last.kind == Kind::Raw
            && last.range.end == range.start
        {
            last.range.end = range.end;
            return;
        }
        out.push(Segment {
            kind,
            range,
            line: self.line,
            offset: self.offset,
        });
    }

    fn sql_step(&mut self, buf: &[u8], pos: usize, eof: bool) -> Result<Step, DataError> {
        let p = match lex::skip_trivia(buf, pos) {
            Scan::Found(p) => p,
            Scan::NeedMore if eof => return Ok(Step::Emit(Kind::Raw, buf.len())),
            Scan::NeedMore => return Ok(Step::NeedMore),
        };
        if p > pos {
            return Ok(Step::Emit(Kind::Raw, p));
        }
        if buf[p] == b'\\' {
            // A psql meta-command (`\connect`, `\restrict KEY`): one line.
            return Ok(match memchr(b'\n', &buf[p..]) {
                Some(k) => Step::Emit(Kind::Raw, p + k + 1),
                None if eof => Step::Emit(Kind::Raw, buf.len()),
                None => Step::NeedMore,
            });
        }
        let word_end = buf[p..]
            .iter()
            .position(|b| !b.is_ascii_alphabetic())
            .map(|k| p + k);
        let word = match word_end {
            Some(e) => &buf[p..e],
            None if eof => &buf[p..],
            None => return Ok(Step::NeedMore),
        };
        if word.eq_ignore_ascii_case(b"INSERT") {
            self.saw_data = true;
            return self.insert_header(buf, p, eof);
        }
        let end = match lex::statement_end(buf, p, self.std_strings) {
            Scan::Found(end) => end,
            Scan::NeedMore if !eof => return Ok(Step::NeedMore),
            Scan::NeedMore if word.eq_ignore_ascii_case(b"COPY") => {
                return Err(at(self.line, "", "the input ends inside a COPY statement"));
            }
            Scan::NeedMore => return Ok(Step::Emit(Kind::Raw, buf.len())),
        };
        let text = &buf[p..end];
        if word.eq_ignore_ascii_case(b"COPY") {
            return self.copy_header(buf, p, end, eof);
        }
        if word.eq_ignore_ascii_case(b"SELECT")
            && let Some(call) = header::called_function(text)
        {
            if self.every_row
                && let Some(stats) = stats::parse(&call, text)
            {
                return Ok(Step::Emit(Kind::Statistics(Arc::new(stats)), end));
            }
            if self.drops_call(&call, text) {
                return Ok(Step::Drop(end));
            }
        }
        if self.omit.any() && self.omit.drops(text) {
            self.omitted += 1;
            return Ok(Step::Drop(end));
        }
        let kind = self.learn(word, text)?;
        Ok(Step::Emit(kind, end))
    }

    /// Whether a function call goes: statistics of ruled columns ([`crate::stats`]), the
    /// contents of large objects under `large_objects: none`. Counts both, and the objects.
    fn drops_call(&mut self, call: &header::FunctionCall, text: &[u8]) -> bool {
        if let Some(stats) = stats::parse(call, text) {
            let drop = stats::must_drop(&stats, &self.rules, &self.catalog);
            self.statistics_dropped += u64::from(drop);
            return drop;
        }
        let seen = &mut self.large_objects;
        match large_object::call(call) {
            Some(large_object::Call::Open) => {
                seen.objects += 1;
                seen.first_line.get_or_insert(self.line);
                false
            }
            Some(large_object::Call::Write)
                if self.rules.large_objects() == LargeObjects::Empty =>
            {
                seen.writes_dropped += 1;
                true
            }
            _ => false,
        }
    }

    /// Follows the statements that change how later ones read. Returns what to do with the
    /// statement: pass it through, or rewrite the bounds of a partition whose key is ruled.
    fn learn(&mut self, word: &[u8], text: &[u8]) -> Result<Kind, DataError> {
        // Settings and tables may change what the next INSERT header means.
        self.last_insert = None;
        let upper =
            |n: usize| String::from_utf8_lossy(&text[..text.len().min(n)]).to_ascii_uppercase();
        if word.eq_ignore_ascii_case(b"SET")
            || (word.eq_ignore_ascii_case(b"SELECT") && upper(64).contains("SET_CONFIG"))
        {
            match header::parse_setting(text) {
                Some(Setting::SearchPath(path)) => self.catalog.set_search_path(path),
                Some(Setting::StandardConformingStrings(on)) => self.std_strings = on,
                None => {}
            }
        } else if word.eq_ignore_ascii_case(b"CREATE") {
            let head = upper(40);
            let words: Vec<&str> = head.split_whitespace().collect();
            let wanted = matches!(
                words.get(1).copied(),
                Some("TABLE" | "DOMAIN" | "UNIQUE" | "INDEX" | "TYPE")
            ) || matches!(
                (words.get(1).copied(), words.get(2).copied()),
                (Some("UNLOGGED" | "FOREIGN"), Some("TABLE"))
            );
            if wanted {
                let created = self
                    .catalog
                    .learn(&String::from_utf8_lossy(text), self.line);
                let partition = created.and_then(|child| {
                    let t = self.catalog.table(&child)?;
                    let bounds = t.bounds.as_ref().filter(|b| b.line == self.line)?;
                    Some((
                        t.parents.first()?.clone(),
                        child.clone(),
                        bounds.bounds.clone(),
                    ))
                });
                if let Some((parent, child, bounds)) = partition {
                    return self.bounds_kind(&parent, &child, &bounds, text);
                }
            }
        } else if word.eq_ignore_ascii_case(b"ALTER") && upper(12).starts_with("ALTER TABLE") {
            if let Some((parent, child)) = header::parse_attach_partition(text) {
                let (parent, child) = (self.catalog.resolve(&parent), self.catalog.resolve(&child));
                let bounds = crate::partition::bounds(&String::from_utf8_lossy(text));
                self.catalog
                    .attach(parent.clone(), child.clone(), bounds.clone(), self.line);
                if let Some(bounds) = bounds {
                    return self.bounds_kind(&parent, &child, &bounds, text);
                }
            } else {
                self.catalog
                    .learn(&String::from_utf8_lossy(text), self.line);
            }
        }
        Ok(Kind::Raw)
    }

    /// What to do with a statement that gives `child` its bounds in `parent`: when the key
    /// column is ruled, a rule that maps each value to its own pseudonym rewrites the literal
    /// LIST bounds too; any other rule would leave the old values in the schema and route the
    /// rewritten rows to no partition, so the run fails here.
    fn bounds_kind(
        &self,
        parent: &TableName,
        child: &TableName,
        bounds: &Bounds,
        text: &[u8],
    ) -> Result<Kind, DataError> {
        let Some(key) = self
            .catalog
            .table(parent)
            .and_then(|t| t.partition_key.as_ref())
        else {
            return Ok(Kind::Raw);
        };
        let lineage = self.catalog.lineage(child);
        for (part, column) in key.columns.iter().enumerate() {
            let Some(ruled) = column
                .as_ref()
                .and_then(|c| column_rule_for(&self.rules, &lineage, c))
                .filter(|r| r.rule != Rule::Keep)
            else {
                continue;
            };
            let literals: Vec<_> = bounds
                .values
                .iter()
                .filter(|v| v.key == part)
                .map(|v| v.span.clone())
                .collect();
            if literals.is_empty() {
                continue;
            }
            let label = ruled.rule.label();
            let refuse = |why: String| {
                at(
                    self.line,
                    format!("partition {child} of {parent}"),
                    format!(
                        "its bounds `{}` hold values of {}, which `{label}` (rule at {}) rewrites: {why}",
                        bounds.text, ruled.column, ruled.at
                    ),
                )
            };
            if !rewrites_bounds(&ruled.rule) {
                return Err(refuse(format!(
                    "`{label}` cannot rewrite the bounds alike, so the rows would land in the wrong partition and the old values would stay in the schema; use a `hash` rule or keep the column"
                )));
            }
            if bounds.kind != BoundKind::List {
                return Err(refuse(
                    "a pseudonym does not keep the order of values, so RANGE bounds cannot follow it; keep the column, or partition by LIST".to_owned(),
                ));
            }
            if std::str::from_utf8(text).is_err() {
                return Err(refuse("the statement is not UTF-8".to_owned()));
            }
            return Ok(Kind::Bounds(Arc::new(BoundsPlan {
                table: child.clone(),
                column: ruled.column.clone(),
                rule: ruled.rule.clone(),
                literals,
                std_strings: self.std_strings,
            })));
        }
        Ok(Kind::Raw)
    }

    fn copy_header(
        &mut self,
        buf: &[u8],
        p: usize,
        end: usize,
        eof: bool,
    ) -> Result<Step, DataError> {
        let line = self.line;
        let h = header::parse_copy(&buf[p..end])
            .map_err(|e| at(line, "COPY", format!("cannot read the COPY statement: {e}")))?;
        if !h.from_stdin {
            return Ok(Step::Emit(Kind::Raw, end));
        }
        self.saw_data = true;
        let table = self.catalog.resolve(&h.table);
        let (plan, uncovered) = self.plan(&table, h.columns, "COPY", line)?;
        if let (Some(plan), Some(options)) = (&plan, &h.options) {
            let whose = if plan.changes_data() {
                "a table with rules"
            } else {
                "rows that are read"
            };
            return Err(at(
                line,
                format!("COPY {table}"),
                format!(
                    "COPY options `{options}` are not supported for {whose} (pg_dump writes plain text format)"
                ),
            ));
        }
        let data_start = match memchr(b'\n', &buf[end..]) {
            Some(k) => end + k + 1,
            None if eof => {
                return Err(at(
                    line,
                    format!("COPY {table}"),
                    "the input ends right after the COPY statement",
                ));
            }
            None => return Ok(Step::NeedMore),
        };
        self.mode = Mode::Copy {
            plan,
            at_line_start: true,
            table,
            line,
            uncovered,
        };
        Ok(Step::Emit(Kind::Raw, data_start))
    }

    /// The plan for data of `table` (`None` when no rule changes it), and under `policy:
    /// strict` the columns no rule covers. Records the match.
    fn plan(
        &mut self,
        table: &TableName,
        columns: Option<Vec<Ident>>,
        statement: &'static str,
        line: u64,
    ) -> Result<(Option<Arc<Plan>>, Vec<Ident>), DataError> {
        let lineage = self.catalog.lineage(table);
        let merged = rules_for(&self.rules, &lineage);
        let rules = merged.as_deref();
        let strict = self.rules.policy() == Policy::Strict;
        if rules.is_none() && !strict && !self.every_row {
            return Ok((None, Vec::new()));
        }
        let columns = match columns {
            Some(c) => c,
            None => self.known_columns(table, statement, line)?,
        };
        let mut uncovered = Vec::new();
        if strict && !rules.is_some_and(|r| r.drop_rows || r.keep_all) {
            let defined = self.catalog.table(table);
            uncovered = columns
                .iter()
                .filter(|c| rules.and_then(|r| r.column(c)).is_none())
                // `--inserts` writes DEFAULT for a generated column: it holds no data.
                .filter(|c| {
                    !defined
                        .and_then(|t| t.column(c))
                        .is_some_and(|d| d.generated)
                })
                .cloned()
                .collect();
        }
        let plan = match rules {
            Some(rules) => {
                self.matches.saw(&self.rules, &lineage, &columns);
                let schema = |c: &Ident| crate::check::column_facts(&self.catalog, table, c);
                Plan::build(
                    table,
                    statement,
                    &columns,
                    rules,
                    self.std_strings,
                    line,
                    schema,
                )?
            }
            None => Plan::unruled(table, statement, columns, self.std_strings),
        };
        Ok((
            (self.every_row || plan.changes_data()).then_some(plan),
            uncovered,
        ))
    }

    /// The columns of a COPY or INSERT that lists none, from the table's CREATE TABLE.
    fn known_columns(
        &self,
        table: &TableName,
        statement: &'static str,
        line: u64,
    ) -> Result<Vec<Ident>, DataError> {
        // A table with no columns is known by its CREATE TABLE (`CREATE TABLE t ();`).
        match self.catalog.table(table).filter(|t| t.line > 0) {
            // pg_dump --inserts writes `DEFAULT` for a generated column; COPY leaves it out.
            Some(t) if statement == "COPY" => Ok(t.data_columns()),
            Some(t) if t.order_unknown => Err(at(
                line,
                format!("{statement} {table}"),
                format!(
                    "the statement lists no columns, and {table} inherits from {} with columns of its own: pg_dump writes the values in the source table's column order, which the dump does not show (a column added to a parent later comes last in the child); dump with --column-inserts",
                    t.parents
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            Some(t) => Ok(t.columns.iter().map(|c| c.name.clone()).collect()),
            None => {
                let why = match self.catalog.unreadable(table) {
                    Some((l, e)) => format!("its CREATE TABLE at line {l} could not be read ({e})"),
                    None => "the dump has no CREATE TABLE for it before this line".to_owned(),
                };
                Err(at(
                    line,
                    format!("{statement} {table}"),
                    format!(
                        "the statement lists no columns and {why}; dump with --column-inserts, or include the schema"
                    ),
                ))
            }
        }
    }

    /// Records columns with data that no rule covers, at the line of their first data.
    fn saw_uncovered(&mut self, table: &TableName, columns: Vec<Ident>, line: u64) {
        for column in columns {
            self.uncovered
                .entry((table.clone(), column))
                .or_insert(line);
        }
    }

    fn copy_step(&mut self, buf: &[u8], pos: usize, eof: bool) -> Result<Step, DataError> {
        let Mode::Copy {
            plan,
            at_line_start,
            ..
        } = &mut self.mode
        else {
            unreachable!()
        };
        let rest = &buf[pos..];
        if *at_line_start && rest.starts_with(b"\\.") {
            match terminator_len(rest, eof) {
                Some(Some(n)) => {
                    self.mode = Mode::Sql;
                    return Ok(Step::Emit(Kind::Raw, pos + n));
                }
                Some(None) => {}
                None => return Ok(Step::NeedMore),
            }
        }
        // The data runs to the next `\.` line, or to the last whole line in the buffer. This
        // is the sequential stage's hottest loop, so it visits no line one by one: memmem
        // jumps to each `\n\.` (rows escape a leading backslash, so candidates are rare),
        // and the lines are counted with one vectorized pass.
        let data_end = copy_data_end(rest, eof);
        let newlines = data_end.map_or(0, |end| lines(&rest[..end]));
        let kind = match plan {
            Some(plan) => Kind::CopyRows(plan.clone()),
            None => Kind::Raw,
        };
        let step = match data_end {
            Some(end) => {
                *at_line_start = true;
                Ok(Step::EmitCounted(kind, pos + end, newlines))
            }
            _ if kind == Kind::Raw
                && !eof
                && (!*at_line_start || (rest.len() >= 2 && !rest.starts_with(b"\\."))) =>
            {
                // Part of a long line of a table without rules: pass it on now.
                *at_line_start = false;
                Ok(Step::Emit(Kind::Raw, buf.len()))
            }
            _ if eof => {
                let Mode::Copy { table, line, .. } = &self.mode else {
                    unreachable!()
                };
                Err(at(
                    self.line,
                    format!("COPY {table}"),
                    format!(
                        "the input ends inside the COPY data that starts at line {line}: no `\\.` line"
                    ),
                ))
            }
            _ => Ok(Step::NeedMore),
        };
        // The coverage check waits for a row, not the header: a table with no rows has no data.
        if let (
            Ok(Step::Emit(..) | Step::EmitCounted(..)),
            Mode::Copy {
                table, uncovered, ..
            },
        ) = (&step, &mut self.mode)
            && !uncovered.is_empty()
        {
            let (table, columns) = (table.clone(), std::mem::take(uncovered));
            self.saw_uncovered(&table, columns, self.line);
        }
        step
    }

    fn insert_header(&mut self, buf: &[u8], p: usize, eof: bool) -> Result<Step, DataError> {
        let line = self.line;
        if let Some((header, plan, table)) = &self.last_insert
            && buf[p..].starts_with(header)
        {
            let (plan, table, end) = (plan.clone(), table.clone(), p + header.len());
            return Ok(self.enter_insert(plan, table, line, end));
        }
        let values = match lex::find_keyword(buf, p, self.std_strings, b"VALUES") {
            Some(Scan::Found(v)) => v,
            Some(Scan::NeedMore) if !eof => return Ok(Step::NeedMore),
            Some(Scan::NeedMore) => {
                return Err(at(
                    line,
                    "INSERT",
                    "the input ends inside an INSERT statement",
                ));
            }
            None => return self.insert_without_values(buf, p, false),
        };
        let before = buf[p..values].trim_ascii_end();
        if before.len() > 7
            && before[before.len() - 7..].eq_ignore_ascii_case(b"DEFAULT")
            && before[before.len() - 8].is_ascii_whitespace()
        {
            return self.insert_without_values(buf, p, true);
        }
        let h = header::parse_insert(&buf[p..values]).map_err(|e| {
            at(
                line,
                "INSERT",
                format!("cannot read the INSERT statement: {e}"),
            )
        })?;
        let table = self.catalog.resolve(&h.table);
        let (plan, uncovered) = self.plan(&table, h.columns, "INSERT INTO", line)?;
        // An INSERT ... VALUES has a row: its columns have data.
        self.saw_uncovered(&table, uncovered, line);
        let end = values + b"VALUES".len();
        self.last_insert = Some((buf[p..end].to_vec(), plan.clone(), table.clone()));
        Ok(self.enter_insert(plan, table, line, end))
    }

    fn enter_insert(
        &mut self,
        plan: Option<Arc<Plan>>,
        table: TableName,
        line: u64,
        header_end: usize,
    ) -> Step {
        let drop = plan.as_ref().is_some_and(|p| p.drop_rows);
        self.mode = Mode::Insert { plan, table, line };
        if drop {
            Step::Drop(header_end)
        } else {
            Step::Emit(Kind::Raw, header_end)
        }
    }

    /// `INSERT ... SELECT` or `DEFAULT VALUES`: no values to rewrite, so none may be ruled.
    /// pg_dump writes `DEFAULT VALUES` for the rows of a table without columns: those hold
    /// no data, and go under `rows: none`.
    fn insert_without_values(
        &mut self,
        buf: &[u8],
        p: usize,
        default_values: bool,
    ) -> Result<Step, DataError> {
        let Scan::Found(end) = lex::statement_end(buf, p, self.std_strings) else {
            unreachable!("find_keyword saw the `;`")
        };
        self.last_insert = None;
        if let Some(name) = header::parse_insert_table(&buf[p..end]) {
            let table = self.catalog.resolve(&name);
            let no_columns = self
                .catalog
                .table(&table)
                .is_some_and(|t| t.line > 0 && t.columns.is_empty());
            if default_values && no_columns {
                let line = self.line;
                let (plan, _) = self.plan(&table, Some(Vec::new()), "INSERT INTO", line)?;
                return Ok(if plan.is_some_and(|p| p.drop_rows) {
                    Step::Drop(end)
                } else {
                    Step::Emit(Kind::Raw, end)
                });
            }
            let why = if rules_for(&self.rules, &self.catalog.lineage(&table)).is_some() {
                "the table has rules"
            } else if self.rules.policy() == Policy::Strict {
                "`policy: strict` must see the data of every column"
            } else {
                ""
            };
            if !why.is_empty() {
                return Err(at(
                    self.line,
                    format!("INSERT INTO {table}"),
                    format!("an INSERT without a VALUES list cannot be rewritten, and {why}"),
                ));
            }
        }
        Ok(Step::Emit(Kind::Raw, end))
    }

    fn insert_step(&mut self, buf: &[u8], pos: usize, eof: bool) -> Result<Step, DataError> {
        let Mode::Insert { plan, table, line } = &self.mode else {
            unreachable!()
        };
        let drop = plan.as_ref().is_some_and(|p| p.drop_rows);
        let pass = |end| {
            if drop {
                Step::Drop(end)
            } else {
                Step::Emit(Kind::Raw, end)
            }
        };
        let unterminated = || {
            at(
                self.line,
                format!("INSERT INTO {table}"),
                format!("the input ends inside the INSERT statement that starts at line {line}"),
            )
        };
        let std = self.std_strings;
        let p = match lex::skip_trivia(buf, pos) {
            Scan::Found(p) => p,
            Scan::NeedMore if eof => return Err(unterminated()),
            Scan::NeedMore => return Ok(Step::NeedMore),
        };
        if p > pos {
            return Ok(pass(p));
        }
        match buf[p] {
            b'(' => {
                let mut end = match lex::group_end(buf, p, std) {
                    Scan::Found(e) => e,
                    Scan::NeedMore if eof => return Err(unterminated()),
                    Scan::NeedMore => return Ok(Step::NeedMore),
                };
                // Take every further whole row already in the buffer.
                while let Scan::Found(comma) = lex::skip_trivia(buf, end) {
                    if buf[comma] != b',' {
                        break;
                    }
                    let Scan::Found(open) = lex::skip_trivia(buf, comma + 1) else {
                        break;
                    };
                    if buf[open] != b'(' {
                        break;
                    }
                    match lex::group_end(buf, open, std) {
                        Scan::Found(e) => end = e,
                        Scan::NeedMore => break,
                    }
                }
                Ok(match plan {
                    Some(plan) => Step::Emit(Kind::InsertRows(plan.clone()), end),
                    None => Step::Emit(Kind::Raw, end),
                })
            }
            b',' => Ok(pass(p + 1)),
            b';' => {
                if drop && p + 1 == buf.len() && !eof {
                    return Ok(Step::NeedMore); // to drop the line end too, whatever the chunking
                }
                let end = if drop && buf.get(p + 1) == Some(&b'\n') {
                    p + 2
                } else {
                    p + 1
                };
                self.mode = Mode::Sql;
                Ok(pass(end))
            }
            _ => {
                // `ON CONFLICT DO NOTHING` and the like: the rest of the statement.
                match lex::statement_end(buf, p, std) {
                    Scan::Found(end) => {
                        self.mode = Mode::Sql;
                        Ok(pass(end))
                    }
                    Scan::NeedMore if eof => Err(unterminated()),
                    Scan::NeedMore => Ok(Step::NeedMore),
                }
            }
        }
    }
}

/// Where the COPY data in `rest` (which starts at a line start or inside a line) stops
/// being whole rows: the start of the first line that is, or may be once more input comes,
/// the `\.` end marker; else the end of the last whole line. `None` when `rest` holds no
/// line end.
fn copy_data_end(rest: &[u8], eof: bool) -> Option<usize> {
    static MARKER: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"\n\\."));
    let mut from = 0;
    while let Some(k) = MARKER.find(&rest[from..]) {
        let line_start = from + k + 1;
        if terminator_len(&rest[line_start..], eof) != Some(None) {
            return Some(line_start);
        }
        from = line_start;
    }
    memrchr(b'\n', rest).map(|k| k + 1)
}

/// For text at a line start that begins with `\.`: `Some(Some(len))` when the line is the COPY
/// end marker (len includes the line end), `Some(None)` when it is not, `None` when the buffer
/// ends too soon to say.
fn terminator_len(s: &[u8], eof: bool) -> Option<Option<usize>> {
    match s.get(2) {
        Some(b'\n') => Some(Some(3)),
        Some(b'\r') => match s.get(3) {
            Some(b'\n') => Some(Some(4)),
            Some(_) => Some(None),
            None if eof => Some(Some(3)),
            None => None,
        },
        Some(_) => Some(None),
        None if eof => Some(Some(2)),
        None => None,
    }
}

/// Newlines in `s`.
pub fn lines(s: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', s).count() as u64
}
