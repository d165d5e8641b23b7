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
//!   columns are the composite type's attributes, in order; [`typed_table`] reads the two names.

use scrub_rules::Ident;
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

/// `CREATE [UNLOGGED] TABLE name OF type ...`: the table's and the type's names.
pub(crate) fn typed_table(sql: &str) -> Option<(Vec<Ident>, Vec<Ident>)> {
    let tokens: Vec<Token> = tokens(sql)?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut i = 0;
    if !is_word(tokens.first()?, "CREATE") {
        return None;
    }
    i += 1;
    if is_word(tokens.get(i)?, "UNLOGGED") {
        i += 1;
    }
    if !is_word(tokens.get(i)?, "TABLE") {
        return None;
    }
    let (table, next) = dotted_name(&tokens, i + 1)?;
    if !is_word(tokens.get(next)?, "OF") {
        return None;
    }
    let (type_name, _) = dotted_name(&tokens, next + 1)?;
    Some((table, type_name))
}

/// A name such as `public."Person"` from `tokens[start..]`, and the index after it.
fn dotted_name(tokens: &[Token], start: usize) -> Option<(Vec<Ident>, usize)> {
    let mut parts = Vec::new();
    let mut i = start;
    loop {
        let Token::Word(w) = tokens.get(i)? else {
            return None;
        };
        parts.push(Ident::from_token(&w.value, w.quote_style.is_some()));
        i += 1;
        if tokens.get(i) != Some(&Token::Period) {
            return Some((parts, i));
        }
        i += 1;
    }
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

    #[test]
    fn typed_tables_name_their_type() {
        let names = |v: Vec<Ident>| v.iter().map(|i| i.as_str().to_owned()).collect::<Vec<_>>();
        let (table, ty) = typed_table(
            "CREATE TABLE public.typed_people OF public.\"Person\" (\n    name WITH OPTIONS NOT NULL\n);",
        )
        .unwrap();
        assert_eq!(names(table), ["public", "typed_people"]);
        assert_eq!(names(ty), ["public", "Person"]);
        assert!(typed_table("CREATE UNLOGGED TABLE t OF person_t;").is_some());
        assert_eq!(typed_table("CREATE TABLE t (a int);"), None);
    }
}
