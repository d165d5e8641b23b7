//! SQL names as PostgreSQL resolves them.
//!
//! A rule names `schema.table` and `column` the way SQL does: unquoted parts fold to lower
//! case, double-quoted parts are exact (`""` inside stands for one `"`). pg_dump writes the
//! same spelling in COPY headers and INSERT statements, so both sides go through this one
//! tokenizer (sqlparser's) and compare folded names.

use std::fmt;

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// The schema a name without one lands in when nothing else says otherwise.
pub const DEFAULT_SCHEMA: &str = "public";

/// One SQL identifier after folding: what PostgreSQL stores in the catalog.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ident(String);

impl Ident {
    /// An identifier from a token's text: quoted text is exact, unquoted text folds to lower case.
    pub fn from_token(text: &str, quoted: bool) -> Ident {
        if quoted {
            Ident(text.to_owned())
        } else {
            Ident(text.to_ascii_lowercase())
        }
    }

    /// The folded name, as stored in the catalog.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ident {
    /// Writes the identifier as SQL would need it: bare when that reads back the same.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        let bare = !s.is_empty()
            && s.bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'$');
        if bare {
            f.write_str(s)
        } else {
            write!(f, "\"{}\"", s.replace('"', "\"\""))
        }
    }
}

/// A table: schema and name, both folded.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableName {
    pub schema: Ident,
    pub name: Ident,
}

impl TableName {
    pub fn new(schema: Ident, name: Ident) -> TableName {
        TableName { schema, name }
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// Why a name could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("`{0}` is not a SQL name: {1}")]
    Syntax(String, String),
    #[error("`{0}` has {1} dotted parts; expected {2}")]
    Parts(String, usize, &'static str),
}

/// Splits `a."B c".d` into folded identifiers.
pub fn parse_dotted(text: &str) -> Result<Vec<Ident>, NameError> {
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, text)
        .tokenize()
        .map_err(|e| NameError::Syntax(text.to_owned(), e.to_string()))?;
    let mut parts = Vec::new();
    let mut want_ident = true;
    for token in tokens {
        match token {
            Token::Whitespace(_) => {}
            Token::Word(w) if want_ident => {
                parts.push(Ident::from_token(&w.value, w.quote_style.is_some()));
                want_ident = false;
            }
            Token::Period if !want_ident => want_ident = true,
            other => {
                return Err(NameError::Syntax(
                    text.to_owned(),
                    format!("unexpected `{other}`"),
                ));
            }
        }
    }
    if want_ident {
        return Err(NameError::Syntax(
            text.to_owned(),
            "expected a name".to_owned(),
        ));
    }
    Ok(parts)
}

/// Reads `table` or `schema.table`; no schema means [`DEFAULT_SCHEMA`].
pub fn parse_table_name(text: &str) -> Result<TableName, NameError> {
    let mut parts = parse_dotted(text)?;
    match parts.len() {
        1 => Ok(TableName::new(
            Ident(DEFAULT_SCHEMA.to_owned()),
            parts.remove(0),
        )),
        2 => {
            let name = parts.remove(1);
            Ok(TableName::new(parts.remove(0), name))
        }
        n => Err(NameError::Parts(
            text.to_owned(),
            n,
            "`table` or `schema.table`",
        )),
    }
}

/// Reads a single column name.
pub fn parse_column_name(text: &str) -> Result<Ident, NameError> {
    let mut parts = parse_dotted(text)?;
    match parts.len() {
        1 => Ok(parts.remove(0)),
        n => Err(NameError::Parts(text.to_owned(), n, "a single column name")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_folds_quoted_is_exact() {
        let t = parse_table_name(r#"Public."User Data""#).unwrap();
        assert_eq!(t.schema.as_str(), "public");
        assert_eq!(t.name.as_str(), "User Data");
        assert_eq!(t.to_string(), r#"public."User Data""#);
    }

    #[test]
    fn no_schema_means_public() {
        let t = parse_table_name("Users").unwrap();
        assert_eq!(t.to_string(), "public.users");
    }

    #[test]
    fn doubled_quote_is_one_quote() {
        let c = parse_column_name(r#""say ""hi""""#).unwrap();
        assert_eq!(c.as_str(), r#"say "hi""#);
        assert_eq!(c.to_string(), r#""say ""hi""""#);
    }

    #[test]
    fn rejects_junk() {
        assert!(parse_table_name("a.b.c").is_err());
        assert!(parse_table_name("a.").is_err());
        assert!(parse_table_name("").is_err());
        assert!(parse_column_name("a b").is_err());
        assert!(parse_column_name("a.b").is_err());
    }
}
