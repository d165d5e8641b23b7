//! Reading every row of every table, decoded: what `scrub verify` and `scrub detect` look at.
//!
//! The rewriter only ever decodes the fields of ruled columns. Checking a scrubbed dump for
//! leaks, or guessing which columns hold personal data, needs every field of every table, so
//! this reader runs the same [`Chunker`] with a splitter that cuts out the rows of every table
//! ([`crate::Splitter::every_row`]) and decodes each field with the rewriter's decoders. Memory
//! stays at a chunk or two, whatever the size of the dump.
//!
//! ```
//! let dump = b"COPY public.t (id, note) FROM stdin;\n1\ta\\tb\n2\t\\N\n\\.\n";
//! let mut seen = Vec::new();
//! scrubber::read_rows(&dump[..], 1 << 16, scrubber::InputChecks::default(), |_, row| {
//!     seen.push((row.line, row.fields.iter().map(|f| f.as_deref().map(<[u8]>::to_vec)).collect::<Vec<_>>()));
//! })
//! .unwrap();
//! assert_eq!(seen[0], (2, vec![Some(b"1".to_vec()), Some(b"a\tb".to_vec())]));
//! assert_eq!(seen[1], (3, vec![Some(b"2".to_vec()), None]));
//! ```

use std::borrow::Cow;
use std::io::Read;

use memchr::memchr2_iter;
use scrub_rules::{Ident, TableName};

use crate::catalog::Catalog;
use crate::chunker::Chunker;
use crate::error::{DataError, Error, at};
use crate::escape::{SqlValue, decode_copy, decode_sql_value};
use crate::plan::Plan;
use crate::shape::InputChecks;
use crate::splitter::{Kind, Report, Segment, lines};
use crate::stats::StatsCall;
use crate::values::InsertRows;

/// One decoded field: `None` for NULL. An INSERT value that is not a string literal (a number,
/// a cast) is its source text.
pub type Field<'a> = Option<Cow<'a, [u8]>>;

/// One row of table data.
#[derive(Debug)]
pub struct Row<'a> {
    /// The table the rows go into (a partition or child as the dump names it).
    pub table: &'a TableName,
    /// The columns of `fields`, in order.
    pub columns: &'a [Ident],
    /// The input line the row starts on (1-based).
    pub line: u64,
    /// The absolute byte offset of the row in the input: what place-based rules see.
    pub offset: u64,
    pub fields: &'a [Field<'a>],
}

/// Reads a dump and calls `visit` with each row of each table, in input order, and with the
/// tables the dump has defined so far. Returns what the whole dump showed.
pub fn read_rows<R: Read>(
    input: R,
    chunk_size: usize,
    checks: InputChecks,
    visit: impl FnMut(&Catalog, &Row<'_>),
) -> Result<Report, Error> {
    /// Rows only: statistics are skipped.
    struct Rows<F>(F);
    impl<F: FnMut(&Catalog, &Row<'_>)> Visit for Rows<F> {
        fn row(&mut self, catalog: &Catalog, row: &Row<'_>) {
            (self.0)(catalog, row)
        }
    }
    read_dump(input, chunk_size, checks, &mut Rows(visit))
}

/// What [`read_dump`] hands out, in input order.
pub trait Visit {
    fn row(&mut self, catalog: &Catalog, row: &Row<'_>);

    /// A statement that restores planner statistics (pg_dump 18 `--statistics`), whose
    /// values are data of the column too.
    fn statistics(&mut self, _catalog: &Catalog, _line: u64, _text: &[u8], _call: &StatsCall) {}
}

/// [`read_rows`], with the statistics statements as well.
pub fn read_dump<R: Read>(
    input: R,
    chunk_size: usize,
    checks: InputChecks,
    visit: &mut impl Visit,
) -> Result<Report, Error> {
    let mut chunker = Chunker::every_row(input, chunk_size).with_checks(checks);
    while let Some(chunk) = chunker.next_chunk()? {
        let catalog = chunker.catalog();
        for seg in chunk.segments() {
            let mut row = |row: &Row<'_>| visit.row(catalog, row);
            match &seg.kind {
                // Partition bounds are schema, not rows.
                Kind::Raw | Kind::Bounds(_) => {}
                Kind::CopyRows(plan) => copy_rows(chunk.bytes(), seg, plan, &mut row)?,
                Kind::InsertRows(plan) => insert_rows(chunk.bytes(), seg, plan, &mut row)?,
                Kind::Statistics(call) => {
                    visit.statistics(catalog, seg.line, &chunk.bytes()[seg.range.clone()], call)
                }
            }
        }
        chunker.recycle(chunk.into_buffer());
    }
    chunker.finish()
}

fn copy_rows(
    input: &[u8],
    seg: &Segment,
    plan: &Plan,
    visit: &mut impl FnMut(&Row<'_>),
) -> Result<(), DataError> {
    let data = &input[seg.range.clone()];
    let mut fields: Vec<Field<'_>> = Vec::with_capacity(plan.columns);
    let (mut line, mut row_start, mut field_start) = (seg.line, 0, 0);
    for i in memchr2_iter(b'\t', b'\n', data) {
        fields.push(decode_copy(&data[field_start..i]));
        field_start = i + 1;
        if data[i] == b'\n' {
            if fields.len() != plan.columns {
                return Err(at(
                    line,
                    plan.context(),
                    format!(
                        "the row has {} fields, the COPY statement lists {} columns",
                        fields.len(),
                        plan.columns
                    ),
                ));
            }
            visit(&Row {
                table: &plan.table,
                columns: &plan.names,
                line,
                offset: seg.offset + row_start as u64,
                fields: &fields,
            });
            fields.clear();
            line += 1;
            row_start = i + 1;
        }
    }
    Ok(())
}

fn insert_rows(
    input: &[u8],
    seg: &Segment,
    plan: &Plan,
    visit: &mut impl FnMut(&Row<'_>),
) -> Result<(), DataError> {
    let mut walk = InsertRows::new(input, seg.range.clone(), plan.std_strings);
    let mut values = Vec::new();
    let mut fields: Vec<Field<'_>> = Vec::with_capacity(plan.columns);
    // Lines are counted forward from row to row, not from the segment start each time.
    let (mut counted_line, mut counted_to) = (seg.line, seg.range.start);
    let mut line_of = |i: usize| {
        counted_line += lines(&input[counted_to..i]);
        counted_to = i;
        counted_line
    };
    loop {
        let row_start = match walk.next_row(&mut values) {
            Ok(Some(p)) => p,
            Ok(None) => return Ok(()),
            Err(p) => {
                return Err(at(
                    line_of(p),
                    plan.context(),
                    "malformed row in the VALUES list",
                ));
            }
        };
        let line = line_of(row_start);
        if values.len() != plan.columns {
            return Err(at(
                line,
                plan.context(),
                format!(
                    "the row has {} values, the statement has {} columns",
                    values.len(),
                    plan.columns
                ),
            ));
        }
        fields.clear();
        fields.extend(values.iter().map(|r| {
            match decode_sql_value(&input[r.clone()], plan.std_strings) {
                SqlValue::Null => None,
                SqlValue::Text(t) => Some(t),
                SqlValue::Expression(e) => Some(Cow::Borrowed(e)),
            }
        }));
        visit(&Row {
            table: &plan.table,
            columns: &plan.names,
            line,
            offset: seg.offset + (row_start - seg.range.start) as u64,
            fields: &fields,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (table, line, offset, fields) of every row, read with chunks of `chunk_size`.
    fn read(dump: &str, chunk_size: usize) -> Vec<(String, u64, u64, Vec<Option<String>>)> {
        let mut out = Vec::new();
        read_rows(
            dump.as_bytes(),
            chunk_size,
            InputChecks::default(),
            |_, row| {
                let fields = row
                    .fields
                    .iter()
                    .map(|f| {
                        f.as_deref()
                            .map(|v| String::from_utf8_lossy(v).into_owned())
                    })
                    .collect();
                out.push((row.table.to_string(), row.line, row.offset, fields));
            },
        )
        .unwrap();
        out
    }

    const DUMP: &str = "SET standard_conforming_strings = on;\n\
        CREATE TABLE public.t (id integer, note text);\n\
        COPY public.t (id, note) FROM stdin;\n1\ta\\nb\n2\t\\N\n\\.\n\
        INSERT INTO public.t VALUES (3, 'it''s'), (4, NULL);\n\
        INSERT INTO public.u (x) VALUES\n  (E'\\x41');\n";

    #[test]
    fn every_row_of_every_table_with_its_line_and_offset() {
        let rows = read(DUMP, 1 << 16);
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            rows,
            vec![
                ("public.t".into(), 4, 122, vec![some("1"), some("a\nb")]),
                ("public.t".into(), 5, 129, vec![some("2"), None]),
                ("public.t".into(), 7, 165, vec![some("3"), some("it's")]),
                ("public.t".into(), 7, 179, vec![some("4"), None]),
                ("public.u".into(), 9, 224, vec![some("A")]),
            ]
        );
        assert_eq!(&DUMP[122..124], "1\t");
        assert_eq!(&DUMP[165..167], "(3");
        assert_eq!(&DUMP[224..226], "(E");
    }

    #[test]
    fn tiny_chunks_read_the_same_rows() {
        let whole = read(DUMP, 1 << 16);
        for size in [1, 2, 7, 64] {
            assert_eq!(read(DUMP, size), whole, "chunk size {size}");
        }
    }

    #[test]
    fn a_short_row_is_an_error_naming_its_line() {
        let dump = "COPY public.t (a, b) FROM stdin;\n1\t2\n3\n\\.\n";
        let err =
            read_rows(dump.as_bytes(), 1 << 16, InputChecks::default(), |_, _| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "3: COPY public.t: the row has 1 fields, the COPY statement lists 2 columns"
        );
    }
}
