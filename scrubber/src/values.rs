//! Walking the `( ... )` rows of an INSERT's VALUES list value by value: shared by the
//! rewriter, which replaces some values, and [`crate::fields`], which reads all of them.
//!
//! Values are found with the same lexer the splitter uses, so a `,` or `)` inside a string
//! literal, a cast like `'1'::numeric(10,2)` or an `ARRAY[...]` never ends a value.

use std::ops::Range;

use crate::lex::{self, Scan};

/// The rows of one INSERT segment (whole rows and the commas between them, as the splitter
/// cuts them).
pub struct InsertRows<'a> {
    /// The input up to the segment's end, so no scan runs past it.
    input: &'a [u8],
    pos: usize,
    std_strings: bool,
}

impl<'a> InsertRows<'a> {
    pub fn new(input: &'a [u8], segment: Range<usize>, std_strings: bool) -> InsertRows<'a> {
        InsertRows {
            input: &input[..segment.end],
            pos: segment.start,
            std_strings,
        }
    }

    /// Reads the next row: returns the position of its `(` and sets `values` to the range of
    /// each value, without surrounding white space. `Ok(None)` at the end of the segment,
    /// `Err(position)` for a malformed row.
    pub fn next_row(&mut self, values: &mut Vec<Range<usize>>) -> Result<Option<usize>, usize> {
        values.clear();
        let input = self.input;
        let open = loop {
            if self.pos >= input.len() {
                return Ok(None);
            }
            let Scan::Found(p) = lex::skip_trivia(input, self.pos) else {
                return Ok(None);
            };
            match input[p] {
                b',' => self.pos = p + 1,
                b'(' => break p,
                _ => return Err(p),
            }
        };
        let mut j = open + 1;
        loop {
            let Scan::Found(start) = lex::skip_trivia(input, j) else {
                return Err(j);
            };
            if input[start] == b')' && values.is_empty() {
                self.pos = start + 1;
                return Ok(Some(open));
            }
            let delim = value_end(input, start, self.std_strings).ok_or(start)?;
            let mut end = delim;
            while end > start && input[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            values.push(start..end);
            j = delim + 1;
            if input[delim] == b')' {
                self.pos = j;
                return Ok(Some(open));
            }
        }
    }
}

/// The index of the `,` or `)` that ends the value starting at `from` (at nesting depth 0).
fn value_end(buf: &[u8], from: usize, std_strings: bool) -> Option<usize> {
    let mut depth = 0usize;
    match lex::scan_code(buf, from, from, std_strings, |_, b| match b {
        b'(' | b'[' => {
            depth += 1;
            false
        }
        b')' | b']' if depth > 0 => {
            depth -= 1;
            false
        }
        b',' | b')' => depth == 0,
        _ => false,
    }) {
        Scan::Found(i) => Some(i),
        Scan::NeedMore => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(sql: &str) -> Result<Vec<Vec<&str>>, usize> {
        let mut walk = InsertRows::new(sql.as_bytes(), 0..sql.len(), true);
        let mut values = Vec::new();
        let mut out = Vec::new();
        while walk.next_row(&mut values)?.is_some() {
            out.push(values.iter().map(|r| &sql[r.clone()]).collect());
        }
        Ok(out)
    }

    #[test]
    fn values_with_commas_and_parentheses_inside() {
        assert_eq!(
            rows("(1, 'a,b)' ,'1'::numeric(10,2)),\n (ARRAY[1,2], NULL)").unwrap(),
            vec![
                vec!["1", "'a,b)'", "'1'::numeric(10,2)"],
                vec!["ARRAY[1,2]", "NULL"]
            ]
        );
        assert_eq!(rows("()").unwrap(), vec![Vec::<&str>::new()]);
    }

    #[test]
    fn malformed_rows_say_where() {
        assert_eq!(rows("(1, 2), x"), Err(8));
        assert_eq!(rows("(1, 'open"), Err(4));
    }
}
