//! Reading the few statements whose meaning the rewriter needs: COPY and INSERT headers,
//! `SET` / `set_config` for `search_path` and `standard_conforming_strings`, and
//! `ALTER TABLE ... ATTACH PARTITION`. They are tokenized with sqlparser's tokenizer and read
//! by hand, because the data that follows them is not SQL that sqlparser should see.

use scrub_rules::Ident;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer, Word};

/// A dotted name as written, each part folded: `[schema, table]` or `[table]`.
pub type DottedName = Vec<Ident>;

/// `COPY name [(columns)] FROM ...`.
#[derive(Debug, PartialEq, Eq)]
pub struct CopyHeader {
    pub table: DottedName,
    pub columns: Option<Vec<Ident>>,
    /// Data follows inline (`FROM stdin`).
    pub from_stdin: bool,
    /// Anything between `stdin` and `;` (`WITH (FORMAT csv)`, `CSV`, ...).
    pub options: Option<String>,
}

/// `INSERT INTO name [(columns)] [OVERRIDING ... VALUE]`, up to `VALUES`.
#[derive(Debug, PartialEq, Eq)]
pub struct InsertHeader {
    pub table: DottedName,
    pub columns: Option<Vec<Ident>>,
}

/// A setting the rewriter follows.
#[derive(Debug, PartialEq, Eq)]
pub enum Setting {
    /// The schemas, in order, folded.
    SearchPath(Vec<Ident>),
    StandardConformingStrings(bool),
}

/// Tokens of a statement without white space and comments.
struct Tokens {
    tokens: Vec<Token>,
    at: usize,
}

impl Tokens {
    fn new(text: &[u8]) -> Result<Tokens, String> {
        let text = String::from_utf8_lossy(text);
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, &text)
            .tokenize()
            .map_err(|e| e.to_string())?;
        let tokens = tokens
            .into_iter()
            .filter(|t| !matches!(t, Token::Whitespace(_)))
            .collect();
        Ok(Tokens { tokens, at: 0 })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<&Token> {
        self.at += 1;
        self.tokens.get(self.at - 1)
    }

    fn keyword(&mut self, kw: Keyword) -> bool {
        let hit = matches!(self.peek(), Some(Token::Word(Word { keyword, quote_style: None, .. })) if *keyword == kw);
        if hit {
            self.at += 1;
        }
        hit
    }

    /// Like [`Tokens::keyword`], for words sqlparser has no keyword for.
    fn word(&mut self, want: &str) -> bool {
        let hit = matches!(self.peek(), Some(Token::Word(Word { value, quote_style: None, .. })) if value.eq_ignore_ascii_case(want));
        if hit {
            self.at += 1;
        }
        hit
    }

    fn expect_keyword(&mut self, kw: Keyword) -> Result<(), String> {
        if self.keyword(kw) {
            Ok(())
        } else {
            Err(format!("expected {kw:?}, found {}", self.describe()))
        }
    }

    fn punct(&mut self, want: &Token) -> bool {
        let hit = self.peek() == Some(want);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn describe(&self) -> String {
        self.peek()
            .map_or_else(|| "the end".to_owned(), |t| format!("`{t}`"))
    }

    fn ident(&mut self) -> Result<Ident, String> {
        match self.next() {
            Some(Token::Word(w)) => Ok(Ident::from_token(&w.value, w.quote_style.is_some())),
            other => Err(format!(
                "expected a name, found {}",
                other.map_or("the end".to_owned(), |t| format!("`{t}`"))
            )),
        }
    }

    fn dotted(&mut self) -> Result<DottedName, String> {
        let mut parts = vec![self.ident()?];
        while self.punct(&Token::Period) {
            parts.push(self.ident()?);
        }
        Ok(parts)
    }

    /// `( a, b, ... )` if the next token opens one.
    fn column_list(&mut self) -> Result<Option<Vec<Ident>>, String> {
        if !self.punct(&Token::LParen) {
            return Ok(None);
        }
        let mut columns = Vec::new();
        if self.punct(&Token::RParen) {
            return Ok(Some(columns));
        }
        loop {
            columns.push(self.ident()?);
            if self.punct(&Token::RParen) {
                return Ok(Some(columns));
            }
            if !self.punct(&Token::Comma) {
                return Err(format!(
                    "expected `,` or `)` in the column list, found {}",
                    self.describe()
                ));
            }
        }
    }

    fn rest(&self) -> String {
        self.tokens[self.at..]
            .iter()
            .filter(|t| **t != Token::SemiColon)
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Reads a `COPY ... ;` statement.
pub fn parse_copy(text: &[u8]) -> Result<CopyHeader, String> {
    let mut t = Tokens::new(text)?;
    t.expect_keyword(Keyword::COPY)?;
    let table = t.dotted()?;
    let columns = t.column_list()?;
    if !t.keyword(Keyword::FROM) {
        return Ok(CopyHeader {
            table,
            columns,
            from_stdin: false,
            options: None,
        });
    }
    let from_stdin = t.keyword(Keyword::STDIN);
    let rest = t.rest();
    Ok(CopyHeader {
        table,
        columns,
        from_stdin,
        options: (!rest.is_empty()).then_some(rest),
    })
}

/// Reads an INSERT header: the text from `INSERT` up to, not including, `VALUES`.
pub fn parse_insert(text: &[u8]) -> Result<InsertHeader, String> {
    let mut t = Tokens::new(text)?;
    let table = insert_target(&mut t)?;
    if t.keyword(Keyword::AS) {
        t.ident()?;
    }
    let columns = t.column_list()?;
    if t.word("overriding") {
        if !(t.keyword(Keyword::SYSTEM) || t.keyword(Keyword::USER)) {
            return Err(format!(
                "expected SYSTEM or USER after OVERRIDING, found {}",
                t.describe()
            ));
        }
        t.expect_keyword(Keyword::VALUE)?;
    }
    match t.peek() {
        None => Ok(InsertHeader { table, columns }),
        Some(_) => Err(format!("unexpected {} before VALUES", t.describe())),
    }
}

/// The table of any INSERT statement (`INSERT INTO name ...`), whatever follows it.
pub fn parse_insert_table(text: &[u8]) -> Option<DottedName> {
    insert_target(&mut Tokens::new(text).ok()?).ok()
}

fn insert_target(t: &mut Tokens) -> Result<DottedName, String> {
    t.expect_keyword(Keyword::INSERT)?;
    t.expect_keyword(Keyword::INTO)?;
    t.dotted()
}

/// `CREATE [UNLOGGED] TABLE name OF type ...`: the table's and the type's names.
pub fn parse_typed_table(text: &[u8]) -> Option<(DottedName, DottedName)> {
    let mut t = Tokens::new(text).ok()?;
    t.expect_keyword(Keyword::CREATE).ok()?;
    t.keyword(Keyword::UNLOGGED);
    t.expect_keyword(Keyword::TABLE).ok()?;
    let table = t.dotted().ok()?;
    t.expect_keyword(Keyword::OF).ok()?;
    Some((table, t.dotted().ok()?))
}

/// A `SELECT [* FROM] [schema.]function(...)` statement.
#[derive(Debug, PartialEq, Eq)]
pub struct FunctionCall {
    /// In lower case, without its schema.
    pub function: String,
    /// Where the argument list starts (its `(`).
    pub args: usize,
    /// Whether it is the `SELECT * FROM function(...)` form.
    pub from: bool,
}

/// Reads the function a statement calls. Only the head is read: pg_dump's calls name their
/// function first, and their arguments may be megabytes (`lowrite`).
pub fn called_function(text: &[u8]) -> Option<FunctionCall> {
    let head = &text[..text.len().min(80)];
    let args = memchr::memchr(b'(', head)?;
    let prefix = String::from_utf8_lossy(&head[..args]).to_ascii_lowercase();
    let words: Vec<&str> = prefix.split_whitespace().collect();
    let (name, from) = match words.as_slice() {
        ["select", name] => (*name, false),
        ["select", "*", "from", name] => (*name, true),
        _ => return None,
    };
    Some(FunctionCall {
        function: name.rsplit('.').next()?.to_owned(),
        args,
        from,
    })
}

/// Reads `SET [SESSION] name = value` and `SELECT pg_catalog.set_config('name', 'value', ...)`
/// for the settings the rewriter follows; anything else is `None`.
pub fn parse_setting(text: &[u8]) -> Option<Setting> {
    let mut t = Tokens::new(text).ok()?;
    if t.keyword(Keyword::SET) {
        t.keyword(Keyword::SESSION);
        let name = t.ident().ok()?;
        if !(t.punct(&Token::Eq) || t.keyword(Keyword::TO)) {
            return None;
        }
        let mut values = Vec::new();
        while let Some(token) = t.next() {
            match token {
                Token::Word(w) => values.push(Ident::from_token(&w.value, w.quote_style.is_some())),
                Token::SingleQuotedString(s) => values.push(Ident::from_token(s, true)),
                Token::Comma | Token::SemiColon => {}
                _ => return None,
            }
        }
        return setting(name.as_str(), values);
    }
    t.expect_keyword(Keyword::SELECT).ok()?;
    let function = t.dotted().ok()?;
    if function.last()?.as_str() != "set_config" || !t.punct(&Token::LParen) {
        return None;
    }
    let (
        Some(Token::SingleQuotedString(name)),
        Some(Token::Comma),
        Some(Token::SingleQuotedString(value)),
    ) = (t.next().cloned(), t.next().cloned(), t.next().cloned())
    else {
        return None;
    };
    let values = if name == "search_path" {
        parse_search_path_value(&value)
    } else {
        vec![Ident::from_token(&value, true)]
    };
    setting(&name, values)
}

fn setting(name: &str, values: Vec<Ident>) -> Option<Setting> {
    match name {
        "search_path" => Some(Setting::SearchPath(values)),
        "standard_conforming_strings" => {
            let on = matches!(
                values.first()?.as_str().to_ascii_lowercase().as_str(),
                "on" | "true" | "yes" | "1"
            );
            Some(Setting::StandardConformingStrings(on))
        }
        _ => None,
    }
}

/// The value of `set_config('search_path', 'a, "B"', false)`: a list of names in one string.
fn parse_search_path_value(value: &str) -> Vec<Ident> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(inner) => Ident::from_token(&inner.replace("\"\"", "\""), true),
                None => Ident::from_token(s, false),
            },
        )
        .collect()
}

/// `ALTER TABLE [ONLY] parent ATTACH PARTITION child ...`: (parent, child).
pub fn parse_attach_partition(text: &[u8]) -> Option<(DottedName, DottedName)> {
    let mut t = Tokens::new(text).ok()?;
    t.expect_keyword(Keyword::ALTER).ok()?;
    t.expect_keyword(Keyword::TABLE).ok()?;
    t.keyword(Keyword::ONLY);
    let parent = t.dotted().ok()?;
    t.expect_keyword(Keyword::ATTACH).ok()?;
    t.expect_keyword(Keyword::PARTITION).ok()?;
    let child = t.dotted().ok()?;
    Some((parent, child))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(parts: &[Ident]) -> Vec<&str> {
        parts.iter().map(Ident::as_str).collect()
    }

    #[test]
    fn copy_headers() {
        let h = parse_copy(br#"COPY "Sales Dept"."User Data" (id, "E-Mail", Name) FROM stdin;"#)
            .unwrap();
        assert_eq!(names(&h.table), ["Sales Dept", "User Data"]);
        assert_eq!(
            names(h.columns.as_deref().unwrap()),
            ["id", "E-Mail", "name"]
        );
        assert!(h.from_stdin && h.options.is_none());
        let h = parse_copy(b"COPY customer (a) FROM stdin WITH (FORMAT csv);").unwrap();
        assert_eq!(names(&h.table), ["customer"]);
        assert!(h.options.unwrap().contains("csv"));
        assert!(!parse_copy(b"COPY t TO stdout;").unwrap().from_stdin);
        let h = parse_copy(br#"COPY "a""b" FROM stdin;"#).unwrap();
        assert_eq!(names(&h.table), ["a\"b"]);
        assert!(h.columns.is_none());
    }

    #[test]
    fn insert_headers() {
        let h = parse_insert(b"INSERT INTO public.t (a, \"B\") OVERRIDING SYSTEM VALUE ").unwrap();
        assert_eq!(names(&h.table), ["public", "t"]);
        assert_eq!(names(h.columns.as_deref().unwrap()), ["a", "B"]);
        let h = parse_insert(b"insert into Orders ").unwrap();
        assert_eq!(names(&h.table), ["orders"]);
        assert!(h.columns.is_none());
        assert!(parse_insert(b"INSERT INTO t SELECT 1").is_err());
        assert_eq!(
            names(&parse_insert_table(b"INSERT INTO s.t(a) SELECT 1").unwrap()),
            ["s", "t"]
        );
    }

    #[test]
    fn typed_tables_name_their_type() {
        let (table, ty) = parse_typed_table(
            b"CREATE TABLE public.typed_people OF public.\"Person\" (\n    name WITH OPTIONS NOT NULL\n);",
        )
        .unwrap();
        assert_eq!(names(&table), ["public", "typed_people"]);
        assert_eq!(names(&ty), ["public", "Person"]);
        assert!(parse_typed_table(b"CREATE UNLOGGED TABLE t OF person_t;").is_some());
        assert_eq!(parse_typed_table(b"CREATE TABLE t (a int);"), None);
    }

    #[test]
    fn called_functions() {
        let call = |text: &[u8]| called_function(text).map(|c| (c.function, c.args, c.from));
        assert_eq!(
            call(b"SELECT pg_catalog.lowrite(0, '\\x6869');"),
            Some(("lowrite".to_owned(), 25, false))
        );
        assert_eq!(
            call(b"SELECT * FROM pg_catalog.pg_restore_relation_stats(\n\t'version')"),
            Some(("pg_restore_relation_stats".to_owned(), 50, true))
        );
        assert_eq!(call(b"SELECT a, b FROM f(1);"), None);
        assert_eq!(call(b"INSERT INTO t VALUES (1);"), None);
    }

    #[test]
    fn settings() {
        assert_eq!(
            parse_setting(b"SET search_path = public, pg_catalog;"),
            Some(Setting::SearchPath(vec![
                Ident::from_token("public", false),
                Ident::from_token("pg_catalog", false)
            ]))
        );
        assert_eq!(
            parse_setting(b"SELECT pg_catalog.set_config('search_path', '', false);"),
            Some(Setting::SearchPath(vec![]))
        );
        assert_eq!(
            parse_setting(
                br#"SELECT pg_catalog.set_config('search_path', 'Sales, "My Schema"', false);"#
            ),
            Some(Setting::SearchPath(vec![
                Ident::from_token("sales", false),
                Ident::from_token("My Schema", true)
            ]))
        );
        assert_eq!(
            parse_setting(b"SET standard_conforming_strings = off;"),
            Some(Setting::StandardConformingStrings(false))
        );
        assert_eq!(
            parse_setting(b"SET standard_conforming_strings TO on;"),
            Some(Setting::StandardConformingStrings(true))
        );
        assert_eq!(parse_setting(b"SET client_encoding = 'UTF8';"), None);
    }

    #[test]
    fn attach_partition() {
        let (parent, child) =
            parse_attach_partition(b"ALTER TABLE ONLY public.payment ATTACH PARTITION public.payment_p2022_01 FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');").unwrap();
        assert_eq!(names(&parent), ["public", "payment"]);
        assert_eq!(names(&child), ["public", "payment_p2022_01"]);
    }
}
