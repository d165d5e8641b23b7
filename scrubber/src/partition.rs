//! Partition keys (`PARTITION BY LIST (email)`) and partition bounds (`FOR VALUES IN ('a')`),
//! with the byte span of every literal bound.
//!
//! A ruled partition key matters twice: `scrub check` must say that the bounds are schema
//! literals the data rules do not reach, and a `hash`-ruled key needs its bounds rewritten in
//! the stream with the same rule, or the restored rows no longer fit their partitions. Both
//! need to know where each literal sits in its statement, which sqlparser's AST does not say
//! for `ALTER TABLE ... ATTACH PARTITION` (the form pg_dump writes), so both forms are read
//! here from sqlparser's tokens, which carry their positions.

use std::ops::Range;

use scrub_rules::{Ident, Rule};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Word};

/// How a partitioned table routes rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    List,
    Range,
    Hash,
}

/// `PARTITION BY strategy (key, ...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionKey {
    pub strategy: Strategy,
    /// The key's parts in order: a column, or `None` for an expression.
    pub columns: Vec<Option<Ident>>,
}

/// The `FOR VALUES ...` (or `DEFAULT`) clause of one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub kind: BoundKind,
    /// The literal values, each with the key part it bounds.
    pub values: Vec<BoundValue>,
    /// The clause as written, for messages.
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundKind {
    /// `FOR VALUES IN (...)`.
    List,
    /// `FOR VALUES FROM (...) TO (...)`.
    Range,
    /// `FOR VALUES WITH (MODULUS m, REMAINDER r)`: no values of the key.
    Hash,
    /// `DEFAULT`.
    Default,
}

/// One literal in a bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundValue {
    /// Which part of the partition key (0 for a list).
    pub key: usize,
    /// The literal's bytes in the statement, quotes included.
    pub span: Range<usize>,
}

/// Whether `rule` can rewrite a partition's LIST bounds so that rows still route to their
/// partition: equal values must give equal outputs (value-based) and different values
/// different ones (so not constant, not `null`).
pub fn rewrites_bounds(rule: &Rule) -> bool {
    rule.is_value_based() && !rule.is_constant() && !matches!(rule, Rule::Keep | Rule::Null)
}

/// The partition key of a `CREATE TABLE ... PARTITION BY` statement.
pub fn partition_key(sql: &str) -> Option<PartitionKey> {
    let tokens = tokens(sql)?;
    let at = (0..tokens.len()).find(|&i| {
        depth_before(&tokens, i) == 0
            && is_keyword(&tokens[i], Keyword::PARTITION)
            && tokens
                .get(i + 1)
                .is_some_and(|t| is_keyword(t, Keyword::BY))
    })?;
    let strategy = match tokens.get(at + 2).map(|t| &t.token) {
        Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("list") => Strategy::List,
        Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("range") => Strategy::Range,
        Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("hash") => Strategy::Hash,
        _ => return None,
    };
    let columns = groups(&tokens, at + 3)?
        .0
        .into_iter()
        .map(|part| match part {
            [t] => match &t.token {
                Token::Word(w) => Some(Ident::from_token(&w.value, w.quote_style.is_some())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    Some(PartitionKey { strategy, columns })
}

/// The bounds of a `CREATE TABLE ... PARTITION OF ... FOR VALUES` or `ALTER TABLE ... ATTACH
/// PARTITION ... FOR VALUES` statement, with spans into `sql`.
pub fn bounds(sql: &str) -> Option<Bounds> {
    let tokens = tokens(sql)?;
    let starts = line_starts(sql);
    let offset = |l: Location| byte_offset(sql, &starts, l);
    let clause = |from: usize| {
        let start = offset(tokens[from].span.start);
        sql[start..].trim_end().trim_end_matches(';').to_owned()
    };
    let default = (0..tokens.len()).find(|&i| {
        depth_before(&tokens, i) == 0
            && is_keyword(&tokens[i], Keyword::DEFAULT)
            && i > 0
            && !is_keyword(&tokens[i - 1], Keyword::SET)
    });
    let Some(at) = (0..tokens.len()).find(|&i| {
        is_keyword(&tokens[i], Keyword::FOR)
            && tokens
                .get(i + 1)
                .is_some_and(|t| is_keyword(t, Keyword::VALUES))
    }) else {
        return default.map(|i| Bounds {
            kind: BoundKind::Default,
            values: Vec::new(),
            text: clause(i),
        });
    };
    let text = clause(at);
    let literal = |t: &TokenWithSpan, key: usize| {
        matches!(
            t.token,
            Token::SingleQuotedString(_)
                | Token::EscapedStringLiteral(_)
                | Token::NationalStringLiteral(_)
                | Token::Number(..)
        )
        .then(|| BoundValue {
            key,
            span: offset(t.span.start)..offset(t.span.end),
        })
    };
    let (kind, lists) = match tokens.get(at + 2) {
        Some(t) if is_keyword(t, Keyword::IN) => (BoundKind::List, vec![groups(&tokens, at + 3)?]),
        Some(t) if is_keyword(t, Keyword::FROM) => {
            let (from, after) = groups(&tokens, at + 3)?;
            if !tokens
                .get(after)
                .is_some_and(|t| is_keyword(t, Keyword::TO))
            {
                return None;
            }
            (
                BoundKind::Range,
                vec![(from, after), groups(&tokens, after + 1)?],
            )
        }
        Some(t) if is_keyword(t, Keyword::WITH) => (BoundKind::Hash, Vec::new()),
        _ => return None,
    };
    let mut values = Vec::new();
    for (parts, _) in lists {
        for (i, part) in parts.iter().enumerate() {
            let key = if kind == BoundKind::List { 0 } else { i };
            // A literal, or a literal with a cast (`'2022-01-01'::date`): the first token.
            if let Some(v) = part.first().and_then(|t| literal(t, key)) {
                values.push(v);
            }
        }
    }
    Some(Bounds { kind, values, text })
}

fn tokens(sql: &str) -> Option<Vec<TokenWithSpan>> {
    let all = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    Some(
        all.into_iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect(),
    )
}

fn is_keyword(t: &TokenWithSpan, kw: Keyword) -> bool {
    matches!(&t.token, Token::Word(Word { keyword, quote_style: None, .. }) if *keyword == kw)
}

/// Parenthesis depth just before token `i`.
fn depth_before(tokens: &[TokenWithSpan], i: usize) -> usize {
    tokens[..i].iter().fold(0usize, |d, t| match t.token {
        Token::LParen => d + 1,
        Token::RParen => d.saturating_sub(1),
        _ => d,
    })
}

/// The comma-separated parts of the parenthesized list opening at token `open`, and the index
/// of the token after its `)`.
type Parts<'t> = (Vec<&'t [TokenWithSpan]>, usize);

fn groups(tokens: &[TokenWithSpan], open: usize) -> Option<Parts<'_>> {
    if tokens.get(open)?.token != Token::LParen {
        return None;
    }
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    for (i, t) in tokens.iter().enumerate().skip(open + 1) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen if depth > 0 => depth -= 1,
            Token::RParen => {
                parts.push(&tokens[start..i]);
                return Some((parts, i + 1));
            }
            Token::Comma if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    None
}

fn line_starts(sql: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', sql.as_bytes()).map(|i| i + 1))
        .collect()
}

/// The byte offset of a tokenizer location (1-based line, 1-based column in characters).
fn byte_offset(sql: &str, line_starts: &[usize], l: Location) -> usize {
    let start = line_starts[(l.line as usize).saturating_sub(1)];
    let column = (l.column as usize).saturating_sub(1);
    sql[start..]
        .char_indices()
        .nth(column)
        .map_or(sql.len(), |(i, _)| start + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals<'s>(sql: &'s str, b: &Bounds) -> Vec<(usize, &'s str)> {
        b.values
            .iter()
            .map(|v| (v.key, &sql[v.span.clone()]))
            .collect()
    }

    #[test]
    fn keys_of_each_strategy() {
        let k = partition_key("CREATE TABLE public.t (\n    email text,\n    \"Day\" date\n)\nPARTITION BY LIST (email);").unwrap();
        assert_eq!(k.strategy, Strategy::List);
        assert_eq!(k.columns, vec![Some(Ident::from_token("email", false))]);
        let k =
            partition_key("CREATE TABLE t (a int, b date) PARTITION BY RANGE (\"Day\", lower(a));")
                .unwrap();
        assert_eq!(k.strategy, Strategy::Range);
        assert_eq!(k.columns, vec![Some(Ident::from_token("Day", true)), None]);
        assert!(partition_key("CREATE TABLE t (a int);").is_none());
    }

    #[test]
    fn bounds_in_both_statement_forms_with_byte_spans() {
        let sql = "ALTER TABLE ONLY public.t ATTACH PARTITION public.t_a FOR VALUES IN ('añn@corp.com', 'it''s', NULL);";
        let b = bounds(sql).unwrap();
        assert_eq!(b.kind, BoundKind::List);
        assert_eq!(literals(sql, &b), [(0, "'añn@corp.com'"), (0, "'it''s'")]);
        assert_eq!(b.text, "FOR VALUES IN ('añn@corp.com', 'it''s', NULL)");
        let sql = "CREATE TABLE public.t_b PARTITION OF public.t\n  FOR VALUES FROM ('a', MINVALUE) TO ('m', E'z\\'');";
        let b = bounds(sql).unwrap();
        assert_eq!(b.kind, BoundKind::Range);
        assert_eq!(literals(sql, &b), [(0, "'a'"), (0, "'m'"), (1, "E'z\\''")]);
        let b = bounds(
            "ALTER TABLE ONLY t ATTACH PARTITION t_h FOR VALUES WITH (modulus 4, remainder 1);",
        )
        .unwrap();
        assert_eq!((b.kind, b.values.len()), (BoundKind::Hash, 0));
        let b =
            bounds("ALTER TABLE ONLY public.t ATTACH PARTITION public.t_other DEFAULT;").unwrap();
        assert_eq!((b.kind, b.text.as_str()), (BoundKind::Default, "DEFAULT"));
    }
}
