//! CREATE TABLE forms pg_dump writes that sqlparser cannot read, read from their tokens.
//!
//! A table whose INSERTs name no columns is rewritten by the column order of its CREATE TABLE,
//! so a statement the parser rejects would stop every run with rules on that table. Two forms
//! of valid pg_dump output are rejected by sqlparser 0.63:
//!
//! * PostgreSQL 18's virtual generated columns, `display text GENERATED ALWAYS AS
//!   (upper(name))` (pg_dump writes no keyword after the expression; SQL allows `VIRTUAL`):
//!   [`stored_generated`] rewrites them to the `STORED` form the parser knows, which says the
//!   same about the column order and that the column has no data.
//! * Typed tables, `CREATE TABLE t OF person_t [(name WITH OPTIONS NOT NULL, ...)]`: their
//!   columns are the composite type's attributes, in order;
//!   [`crate::header::parse_typed_table`] reads the two names.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer, Word};

fn tokens(sql: &str) -> Option<Vec<Token>> {
    Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize().ok()
}

fn is_word(token: &Token, keyword: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(keyword))
}

/// The statement with each `GENERATED ALWAYS AS (expr)` that lacks `STORED` made `STORED`
/// (`VIRTUAL` replaced); `None` when there is none.
pub(crate) fn stored_generated(sql: &str) -> Option<String> {
    let mut tokens = tokens(sql)?;
    // Positions of the tokens that are not whitespace.
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i], Token::Whitespace(_)))
        .collect();
    let mut inserts = Vec::new();
    let mut k = 0;
    while k + 3 < sig.len() {
        let at = |n: usize| &tokens[sig[n]];
        if !(is_word(at(k), "GENERATED")
            && is_word(at(k + 1), "ALWAYS")
            && is_word(at(k + 2), "AS")
            && *at(k + 3) == Token::LParen)
        {
            k += 1;
            continue;
        }
        let mut depth = 0usize;
        let mut close = None;
        for (n, &i) in sig.iter().enumerate().skip(k + 3) {
            match tokens[i] {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(n);
                        break;
                    }
                }
                _ => {}
            }
        }
        let close = close?;
        match sig.get(close + 1).map(|&i| &tokens[i]) {
            Some(t) if is_word(t, "STORED") => {}
            Some(t) if is_word(t, "VIRTUAL") => inserts.push((sig[close + 1], true)),
            _ => inserts.push((sig[close] + 1, false)),
        }
        k = close + 1;
    }
    if inserts.is_empty() {
        return None;
    }
    let stored = || {
        Token::Word(Word {
            value: "STORED".to_owned(),
            quote_style: None,
            keyword: Keyword::STORED,
        })
    };
    for &(i, replace) in inserts.iter().rev() {
        if replace {
            tokens[i] = stored();
        } else {
            tokens.insert(i, stored());
            tokens.insert(
                i,
                Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
            );
        }
    }
    Some(tokens.iter().map(ToString::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_generated_columns_read_as_stored() {
        assert_eq!(
            stored_generated(
                "CREATE TABLE public.v (\n    name text,\n    display text GENERATED ALWAYS AS (upper((name || 'x'::text)))\n);"
            )
            .as_deref(),
            Some(
                "CREATE TABLE public.v (\n    name text,\n    display text GENERATED ALWAYS AS (upper((name || 'x'::text))) STORED\n);"
            )
        );
        assert_eq!(
            stored_generated("CREATE TABLE v (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL);")
                .as_deref(),
            Some("CREATE TABLE v (a int, b int GENERATED ALWAYS AS (a * 2) STORED);")
        );
        assert_eq!(
            stored_generated("CREATE TABLE v (a int, b int GENERATED ALWAYS AS (a) STORED);"),
            None
        );
        assert_eq!(
            stored_generated("CREATE TABLE v (id int GENERATED ALWAYS AS IDENTITY);"),
            None
        );
    }
}
