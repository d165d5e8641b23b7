//! The rules file: YAML in, a validated [`RuleSet`] out.
//!
//! Shape errors (unknown keys, unknown rules, duplicate keys) come from serde-saphyr with the
//! line, column and a source excerpt; name errors found afterwards carry the key's position.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_saphyr::Spanned;

use crate::name::{Ident, TableName, parse_column_name, parse_table_name};
use crate::rule::{DEFAULT_EMAIL, MD5_HEX_LEN, Rule};

/// A position in the rules file, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The rule of one column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnRule {
    pub column: Ident,
    pub rule: Rule,
    pub at: Pos,
}

/// Everything the file says about one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableRules {
    pub table: TableName,
    pub at: Pos,
    pub columns: Vec<ColumnRule>,
    /// `rows: none`: keep the table, drop every data row.
    pub drop_rows: bool,
}

impl TableRules {
    pub fn column(&self, column: &Ident) -> Option<&ColumnRule> {
        self.columns.iter().find(|c| &c.column == column)
    }
}

/// Which columns the file must speak for (`policy:` at the top of the file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// Only the named columns are touched; the others pass through as they are.
    #[default]
    Listed,
    /// Every column of every table with data must have a rule or `keep` (or its table
    /// `rows: none`): a column added by a later migration fails the run instead of leaking.
    Strict,
}

/// A validated rules file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSet {
    policy: Policy,
    tables: Vec<TableRules>,
    index: BTreeMap<TableName, usize>,
}

impl RuleSet {
    /// Parses and validates a rules file.
    pub fn from_yaml(text: &str) -> Result<RuleSet, RulesError> {
        let raw: RawFile =
            serde_saphyr::from_str(text).map_err(|e| RulesError::Yaml(e.to_string()))?;
        let mut set = RuleSet {
            policy: match raw.policy {
                None => Policy::Listed,
                Some(p) => match p.value.as_str() {
                    "listed" => Policy::Listed,
                    "strict" => Policy::Strict,
                    other => {
                        return Err(RulesError::At(
                            pos(&p),
                            format!(
                                "unknown policy `{other}`; policies are `listed` (the default: only the named columns are touched) and `strict` (every column must have a rule or `keep`)"
                            ),
                        ));
                    }
                },
            },
            ..RuleSet::default()
        };
        for (key, raw_table) in raw.tables.0 {
            let at = pos(&key);
            let table =
                parse_table_name(&key.value).map_err(|e| RulesError::At(at, e.to_string()))?;
            if let Some(&other) = set.index.get(&table) {
                let first = set.tables[other].at;
                return Err(RulesError::At(
                    at,
                    format!("table {table} already has rules at {first}"),
                ));
            }
            let mut columns: Vec<ColumnRule> = Vec::new();
            for (col_key, rule) in raw_table.columns.0 {
                let at = pos(&col_key);
                let column = parse_column_name(&col_key.value)
                    .map_err(|e| RulesError::At(at, e.to_string()))?;
                if let Some(first) = columns.iter().find(|c| c.column == column) {
                    return Err(RulesError::At(
                        at,
                        format!("column {table}.{column} already has a rule at {}", first.at),
                    ));
                }
                columns.push(ColumnRule {
                    column,
                    rule: rule.0,
                    at,
                });
            }
            let drop_rows = matches!(raw_table.rows, Some(RawRows::None));
            if drop_rows && !columns.is_empty() {
                return Err(RulesError::At(
                    at,
                    format!(
                        "table {table}: `rows: none` drops every row, so its column rules would do nothing; keep one or the other"
                    ),
                ));
            }
            if !drop_rows && columns.is_empty() {
                return Err(RulesError::At(
                    at,
                    format!("table {table} has no column rules and no `rows: none`"),
                ));
            }
            set.index.insert(table.clone(), set.tables.len());
            set.tables.push(TableRules {
                table,
                at,
                columns,
                drop_rows,
            });
        }
        Ok(set)
    }

    /// The rules of a table, if the file names it.
    pub fn table(&self, table: &TableName) -> Option<&TableRules> {
        self.index.get(table).map(|&i| &self.tables[i])
    }

    /// Whether columns without a rule are allowed (`listed`) or an error (`strict`).
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Every table with rules, in file order.
    pub fn tables(&self) -> &[TableRules] {
        &self.tables
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}

/// A rules file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// serde-saphyr's message: position and excerpt included.
    #[error("{0}")]
    Yaml(String),
    #[error("line {line} column {column}: {message}", line = .0.line, column = .0.column, message = .1)]
    At(Pos, String),
}

fn pos<T>(s: &Spanned<T>) -> Pos {
    Pos {
        line: s.referenced.line(),
        column: s.referenced.column(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    policy: Option<Spanned<String>>,
    tables: Ordered<RawTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    columns: Ordered<RuleValue>,
    rows: Option<RawRows>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawRows {
    All,
    None,
}

/// A YAML mapping kept in file order, with the position of each key.
struct Ordered<V>(Vec<(Spanned<String>, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Ordered(Vec::new()))
            }
        }
        d.deserialize_map(OrderedVisitor(std::marker::PhantomData))
    }
}

/// A rule as YAML spells it: a word (`email`, `md5`, `null`, `keep`), YAML null, or a
/// one-key mapping with an argument (`{md5: 10}`, `{email: a@b.c}`, `{fixed: text}`).
#[derive(Deserialize)]
#[serde(try_from = "RawRule")]
struct RuleValue(Rule);

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRule {
    Word(Option<String>),
    WithArg(BTreeMap<String, RawArg>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawArg {
    Number(u64),
    Text(String),
}

const KNOWN: &str = "email, md5, null, keep, {md5: N}, {email: ADDRESS}, {fixed: TEXT}";

impl TryFrom<RawRule> for RuleValue {
    type Error = String;

    fn try_from(raw: RawRule) -> Result<Self, String> {
        let rule = match raw {
            RawRule::Word(None) => Rule::Null,
            RawRule::Word(Some(word)) => match word.as_str() {
                "null" => Rule::Null,
                "keep" => Rule::Keep,
                "md5" => Rule::Md5 { len: MD5_HEX_LEN },
                "email" => Rule::Email(DEFAULT_EMAIL.to_owned()),
                "fixed" => return Err("`fixed` needs its text: {fixed: \"TEXT\"}".to_owned()),
                other => return Err(format!("unknown rule `{other}`; rules are {KNOWN}")),
            },
            RawRule::WithArg(map) => {
                let mut entries = map.into_iter();
                let (Some((name, arg)), None) = (entries.next(), entries.next()) else {
                    return Err(format!(
                        "a rule mapping has exactly one key; rules are {KNOWN}"
                    ));
                };
                match (name.as_str(), arg) {
                    ("md5", RawArg::Number(n)) if (1..=MD5_HEX_LEN as u64).contains(&n) => {
                        Rule::Md5 { len: n as usize }
                    }
                    ("md5", _) => {
                        return Err(format!("md5 takes a length from 1 to {MD5_HEX_LEN}"));
                    }
                    ("email", RawArg::Text(address)) if is_email(&address) => Rule::Email(address),
                    ("email", _) => {
                        return Err("email takes an address like dev@example.org".to_owned());
                    }
                    ("fixed", RawArg::Text(text)) => Rule::Fixed(text),
                    ("fixed", RawArg::Number(n)) => Rule::Fixed(n.to_string()),
                    (other, _) => return Err(format!("unknown rule `{other}`; rules are {KNOWN}")),
                }
            }
        };
        Ok(RuleValue(rule))
    }
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
tables:
  public.users:
    columns:
      email: email
      name: md5
      username: {md5: 10}
      phone: null
      fax: "null"
      mobile: ~
      contact: {email: "dev@example.org"}
      notes: {fixed: "redacted"}
      created_at: keep
  'public."User Data"':
    columns:
      '"E-Mail"': email
  sessions:
    rows: none
"#;

    #[test]
    fn the_documented_example_parses() {
        let set = RuleSet::from_yaml(EXAMPLE).unwrap();
        let users = set
            .table(&parse_table_name("public.users").unwrap())
            .unwrap();
        let rules: Vec<_> = users
            .columns
            .iter()
            .map(|c| (c.column.as_str(), c.rule.clone()))
            .collect();
        assert_eq!(
            rules,
            vec![
                ("email", Rule::Email(DEFAULT_EMAIL.into())),
                ("name", Rule::Md5 { len: 32 }),
                ("username", Rule::Md5 { len: 10 }),
                ("phone", Rule::Null),
                ("fax", Rule::Null),
                ("mobile", Rule::Null),
                ("contact", Rule::Email("dev@example.org".into())),
                ("notes", Rule::Fixed("redacted".into())),
                ("created_at", Rule::Keep),
            ]
        );
        assert_eq!(users.at, Pos { line: 3, column: 3 });
        let quoted = set
            .table(&parse_table_name(r#"public."User Data""#).unwrap())
            .unwrap();
        assert_eq!(quoted.columns[0].column.as_str(), "E-Mail");
        assert!(
            set.table(&parse_table_name("public.sessions").unwrap())
                .unwrap()
                .drop_rows
        );
    }

    fn error_of(yaml: &str) -> String {
        RuleSet::from_yaml(yaml).unwrap_err().to_string()
    }

    #[test]
    fn errors_say_where() {
        let e = error_of("tables:\n  t:\n    columns:\n      a: mdd5\n");
        assert!(
            e.contains("line 4 column 10") && e.contains("unknown rule `mdd5`"),
            "{e}"
        );
        let e = error_of("tables:\n  t:\n    colums:\n      a: md5\n");
        assert!(e.contains("line 3 column 5") && e.contains("colums"), "{e}");
        let e = error_of("tables:\n  t:\n    columns:\n      a: {md5: 33}\n");
        assert!(e.contains("line 4") && e.contains("1 to 32"), "{e}");
        let e = error_of("tables:\n  a.b.c:\n    columns:\n      a: md5\n");
        assert!(e.starts_with("line 2 column 3:"), "{e}");
    }

    #[test]
    fn same_table_twice_after_folding_is_an_error() {
        let e = error_of(
            "tables:\n  Users:\n    columns: {a: md5}\n  public.users:\n    columns: {b: md5}\n",
        );
        assert!(
            e.contains("line 4 column 3") && e.contains("already has rules at 2:3"),
            "{e}"
        );
    }

    #[test]
    fn policy_is_listed_unless_the_file_says_strict() {
        let tables = "tables:\n  t:\n    columns: {a: keep}\n";
        assert_eq!(RuleSet::from_yaml(tables).unwrap().policy(), Policy::Listed);
        for (policy, want) in [("listed", Policy::Listed), ("strict", Policy::Strict)] {
            let set = RuleSet::from_yaml(&format!("policy: {policy}\n{tables}")).unwrap();
            assert_eq!(set.policy(), want);
        }
        let e = error_of(&format!("{tables}policy: strikt\n"));
        assert!(
            e.starts_with("line 4 column 9:") && e.contains("unknown policy `strikt`"),
            "{e}"
        );
    }

    #[test]
    fn a_table_needs_something_to_do() {
        assert!(error_of("tables:\n  t: {}\n").contains("no column rules"));
        assert!(
            error_of("tables:\n  t:\n    rows: none\n    columns: {a: md5}\n")
                .contains("rows: none")
        );
        assert!(error_of("tables:\n  t:\n    columns: {a: {email: nope}}\n").contains("address"));
    }
}
