//! Rewriting the segments of one chunk: what the parallel workers run.
//!
//! COPY rows are walked with one memchr2 pass over tabs and newlines; only ruled fields are
//! decoded, and only when their rule reads the text ([`scrub_rules::Rule::reads_text`]);
//! everything else is kept by reference (see [`crate::output`]). INSERT rows are
//! walked value by value with the same lexer the splitter uses.

use std::borrow::Cow;
use std::collections::BTreeMap;

use memchr::memchr2_iter;
use scrub_rules::{Ident, Keys, Outcome, Place, TableName, Value};

use crate::error::{DataError, at};
use crate::escape::{
    COPY_NULL, SqlValue, decode_copy, decode_sql_value, encode_copy, encode_sql, is_sql_null,
};
use crate::output::Rewritten;
use crate::plan::{BoundsPlan, Plan};
use crate::splitter::{Kind, Segment, lines};
use crate::values::InsertRows;

/// Rows and rewritten values per table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    pub tables: BTreeMap<TableName, TableStats>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TableStats {
    pub rows: u64,
    pub dropped: bool,
    /// Per ruled column: (rule label, values changed).
    pub columns: BTreeMap<Ident, (String, u64)>,
}

impl Stats {
    pub fn merge(&mut self, other: Stats) {
        for (table, s) in other.tables {
            let mine = self.tables.entry(table).or_default();
            mine.rows += s.rows;
            mine.dropped |= s.dropped;
            for (column, (label, n)) in s.columns {
                mine.columns.entry(column).or_insert((label, 0)).1 += n;
            }
        }
    }

    fn record(&mut self, plan: &Plan, rows: u64, changed: &[u64]) {
        let s = self.tables.entry(plan.table.clone()).or_default();
        s.rows += rows;
        s.dropped |= plan.drop_rows;
        for (field, n) in plan.ruled.iter().zip(changed) {
            s.columns
                .entry(field.column.clone())
                .or_insert_with(|| (field.rule.label(), 0))
                .1 += n;
        }
    }
}

/// Rewrites the segments of `input` (one chunk) into `out`, with output derived from `keys`.
pub fn rewrite(
    input: &[u8],
    segments: &[Segment],
    keys: &Keys,
    out: &mut Rewritten,
    stats: &mut Stats,
) -> Result<(), DataError> {
    let mut rules = Applier {
        keys,
        scratch: Vec::new(),
    };
    for seg in segments {
        match &seg.kind {
            // Statistics segments come only from readers' splitters (`Splitter::every_row`).
            Kind::Raw | Kind::Statistics(_) => out.keep(input, seg.range.clone()),
            Kind::CopyRows(plan) => copy_rows(input, seg, plan, &mut rules, out, stats)?,
            Kind::InsertRows(plan) => insert_rows(input, seg, plan, &mut rules, out, stats)?,
            Kind::Bounds(plan) => bound_literals(input, seg, plan, &mut rules, out)?,
        }
    }
    Ok(())
}

/// Applies rules with the run's keys, reusing one buffer for computed values.
struct Applier<'k> {
    keys: &'k Keys,
    scratch: Vec<u8>,
}

impl Applier<'_> {
    /// Applies field `f`'s rule to `value` and writes the result with `encode`, or keeps the
    /// original bytes. Returns whether the value changed; a value the rule refuses is an
    /// error at `line`.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        plan: &Plan,
        f: usize,
        value: Value<'_>,
        place: Place,
        line: u64,
        original: std::ops::Range<usize>,
        input: &[u8],
        out: &mut Rewritten,
        encode: impl FnOnce(Option<&[u8]>, &mut Vec<u8>),
    ) -> Result<bool, DataError> {
        let field = &plan.ruled[f];
        let outcome = field
            .rule
            .apply(value, place, self.keys, &mut self.scratch)
            .map_err(|e| {
                at(
                    line,
                    format!("{}, column {}", plan.context(), field.column),
                    e.0,
                )
            })?;
        Ok(match outcome {
            Outcome::Unchanged => {
                out.keep(input, original);
                false
            }
            Outcome::Null => {
                out.push_with(|o| encode(None, o));
                true
            }
            Outcome::Text(t) => {
                out.push_with(|o| encode(Some(t), o));
                true
            }
        })
    }
}

fn copy_rows(
    input: &[u8],
    seg: &Segment,
    plan: &Plan,
    rules: &mut Applier<'_>,
    out: &mut Rewritten,
    stats: &mut Stats,
) -> Result<(), DataError> {
    let data = &input[seg.range.clone()];
    let base = seg.range.start;
    if plan.drop_rows {
        stats.record(plan, lines(data), &[]);
        return Ok(());
    }
    let mut changed = vec![0u64; plan.ruled.len()];
    let mut rows = 0u64;
    let mut kept_to = base;
    let mut row_start = 0usize;
    let mut field_start = 0usize;
    let mut field = 0usize;
    let mut next_rule = 0usize;
    for i in memchr2_iter(b'\t', b'\n', data) {
        if plan.ruled.get(next_rule).is_some_and(|r| r.index == field) {
            let range = base + field_start..base + i;
            let raw = &data[field_start..i];
            let value = if plan.ruled[next_rule].rule.reads_text() {
                decode_copy(raw)
            } else {
                (raw != COPY_NULL).then_some(Cow::Borrowed(raw))
            };
            let value_ref = match &value {
                Some(v) => Value::Text(v),
                None => Value::Null,
            };
            let place = Place {
                row: seg.offset + row_start as u64,
                column: field as u32,
            };
            out.keep(input, kept_to..range.start);
            let did = rules.apply(
                plan,
                next_rule,
                value_ref,
                place,
                seg.line + rows,
                range.clone(),
                input,
                out,
                |v, o| match v {
                    Some(t) => encode_copy(t, o),
                    None => o.extend_from_slice(COPY_NULL),
                },
            )?;
            changed[next_rule] += did as u64;
            kept_to = range.end;
            next_rule += 1;
        }
        field += 1;
        field_start = i + 1;
        if data[i] == b'\n' {
            if field != plan.columns {
                return Err(at(
                    seg.line + rows,
                    plan.context(),
                    format!(
                        "the row has {field} fields, the COPY statement lists {} columns",
                        plan.columns
                    ),
                ));
            }
            rows += 1;
            row_start = i + 1;
            field = 0;
            next_rule = 0;
        }
    }
    out.keep(input, kept_to..seg.range.end);
    stats.record(plan, rows, &changed);
    Ok(())
}

fn insert_rows(
    input: &[u8],
    seg: &Segment,
    plan: &Plan,
    rules: &mut Applier<'_>,
    out: &mut Rewritten,
    stats: &mut Stats,
) -> Result<(), DataError> {
    let std = plan.std_strings;
    let end = seg.range.end;
    let line_of = |i: usize| seg.line + lines(&input[seg.range.start..i]);
    let malformed = |i: usize| {
        at(
            line_of(i),
            plan.context(),
            "malformed row in the VALUES list",
        )
    };
    let mut changed = vec![0u64; plan.ruled.len()];
    let mut rows = 0u64;
    let mut kept_to = seg.range.start;
    let mut walk = InsertRows::new(input, seg.range.clone(), std);
    let mut values = Vec::new();
    while let Some(row_start) = walk.next_row(&mut values).map_err(malformed)? {
        if values.len() != plan.columns {
            return Err(at(
                line_of(row_start),
                plan.context(),
                format!(
                    "the row has {} values, the statement has {} columns",
                    values.len(),
                    plan.columns
                ),
            ));
        }
        rows += 1;
        if plan.drop_rows {
            continue;
        }
        for (k, field) in plan.ruled.iter().enumerate() {
            let range = values[field.index].clone();
            let raw = &input[range.clone()];
            let decoded = if field.rule.reads_text() {
                decode_sql_value(raw, std)
            } else if is_sql_null(raw) {
                SqlValue::Null
            } else {
                SqlValue::Expression(raw)
            };
            let value_ref = rule_value(&decoded);
            let place = Place {
                row: seg.offset + (row_start - seg.range.start) as u64,
                column: field.index as u32,
            };
            out.keep(input, kept_to..range.start);
            let did = rules.apply(
                plan,
                k,
                value_ref,
                place,
                line_of(range.start),
                range.clone(),
                input,
                out,
                |v, o| match v {
                    Some(t) => encode_sql(t, std, o),
                    None => o.extend_from_slice(b"NULL"),
                },
            )?;
            changed[k] += did as u64;
            kept_to = range.end;
        }
    }
    if plan.drop_rows {
        stats.record(plan, rows, &[]);
        return Ok(());
    }
    out.keep(input, kept_to..end);
    stats.record(plan, rows, &changed);
    Ok(())
}

/// Rewrites the literal bounds of a partition with its key column's rule, as the rows of that
/// column are: the same value gives the same pseudonym, so the rows still route to it.
fn bound_literals(
    input: &[u8],
    seg: &Segment,
    plan: &BoundsPlan,
    rules: &mut Applier<'_>,
    out: &mut Rewritten,
) -> Result<(), DataError> {
    let base = seg.range.start;
    let mut kept_to = base;
    for span in &plan.literals {
        let range = base + span.start..base + span.end;
        let decoded = decode_sql_value(&input[range.clone()], plan.std_strings);
        let value = rule_value(&decoded);
        let place = Place {
            row: seg.offset,
            column: 0,
        };
        let outcome = plan
            .rule
            .apply(value, place, rules.keys, &mut rules.scratch)
            .map_err(|e| {
                at(
                    seg.line + lines(&input[base..range.start]),
                    format!("partition {}, bound of {}", plan.table, plan.column),
                    e.0,
                )
            })?;
        out.keep(input, kept_to..range.start);
        match outcome {
            Outcome::Unchanged => out.keep(input, range.clone()),
            Outcome::Null => out.push(b"NULL"),
            Outcome::Text(t) => out.push_with(|o| encode_sql(t, plan.std_strings, o)),
        }
        kept_to = range.end;
    }
    out.keep(input, kept_to..seg.range.end);
    Ok(())
}

/// What a rule sees of an INSERT value: NULL, or the text (an expression as written).
fn rule_value<'a>(v: &'a SqlValue<'_>) -> Value<'a> {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Text(t) => Value::Text(t),
        SqlValue::Expression(e) => Value::Text(e),
    }
}
