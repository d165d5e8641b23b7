//! The rules file: YAML in, a validated [`RuleSet`] out.
//!
//! Shape errors (unknown keys, unknown rules, duplicate keys) come from serde-saphyr with the
//! line, column and a source excerpt; name errors found afterwards carry the key's position.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_saphyr::Spanned;

use crate::args::{self, RawArg};
use crate::json::{JsonPath, JsonRule};
use crate::name::{Ident, TableName, parse_column_name, parse_table_name};
use crate::redact::{Redact, RedactKind};
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
    /// `columns: keep`: the table was reviewed as a whole. Every column no rule names
    /// (at this level or another of its lineage) passes through and counts as covered
    /// under `policy: strict`, a column added later too.
    pub keep_all: bool,
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

/// What to do with the contents of large objects (`large_objects:` at the top of the file).
///
/// A large object (`lo_create`, then `lowrite` calls in the dump's BLOBS section) is data
/// like a table's: a scanned passport, a letter with an address. No column rule reaches it,
/// so the file decides for all of them at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LargeObjects {
    /// The file does not say: a dump with large objects is an error under `policy: strict`
    /// and a warning otherwise.
    #[default]
    Undecided,
    /// `keep`: their contents pass through.
    Keep,
    /// `none`: each object is still created (the OIDs that tables hold still resolve) but
    /// left empty: its `lowrite` calls are dropped.
    Empty,
}

/// A validated rules file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSet {
    policy: Policy,
    large_objects: LargeObjects,
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
            large_objects: match raw.large_objects {
                None => LargeObjects::Undecided,
                Some(l) => match l.value.as_str() {
                    "keep" => LargeObjects::Keep,
                    "none" => LargeObjects::Empty,
                    other => {
                        return Err(RulesError::At(
                            pos(&l),
                            format!(
                                "unknown large_objects setting `{other}`; it is `none` (create each large object empty) or `keep` (pass their contents through)"
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
            let keep_all = matches!(raw_table.columns, RawColumns::Keep);
            let listed = match raw_table.columns {
                RawColumns::Keep => Vec::new(),
                RawColumns::Listed(listed) => listed.0,
            };
            for (col_key, rule) in listed {
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
            if drop_rows && keep_all {
                return Err(RulesError::At(
                    at,
                    format!(
                        "table {table}: `rows: none` drops every row and `columns: keep` keeps every column; keep one or the other"
                    ),
                ));
            }
            if drop_rows && !columns.is_empty() {
                return Err(RulesError::At(
                    at,
                    format!(
                        "table {table}: `rows: none` drops every row, so its column rules would do nothing; keep one or the other"
                    ),
                ));
            }
            if !drop_rows && !keep_all && columns.is_empty() {
                return Err(RulesError::At(
                    at,
                    format!(
                        "table {table} has no column rules, no `columns: keep` and no `rows: none`"
                    ),
                ));
            }
            set.index.insert(table.clone(), set.tables.len());
            set.tables.push(TableRules {
                table,
                at,
                columns,
                drop_rows,
                keep_all,
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

    /// What to do with the contents of large objects.
    pub fn large_objects(&self) -> LargeObjects {
        self.large_objects
    }

    /// Every table with rules, in file order.
    pub fn tables(&self) -> &[TableRules] {
        &self.tables
    }

    /// The `json` paths that matched no value in the documents their rule was applied to
    /// (see [`JsonRule::unmatched_paths`]), with the table and column rule they belong to.
    pub fn unmatched_json_paths(&self) -> Vec<(&TableRules, &ColumnRule, &JsonPath)> {
        let mut out = Vec::new();
        for table in &self.tables {
            for column in &table.columns {
                let mut rule = &column.rule;
                while let Rule::Array(inner) = rule {
                    rule = inner;
                }
                if let Rule::Json(json) = rule {
                    out.extend(
                        json.unmatched_paths()
                            .into_iter()
                            .map(|p| (table, column, p)),
                    );
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Whether any rule derives its output from the run's key (see [`Rule::uses_key`]).
    pub fn uses_key(&self) -> bool {
        self.tables
            .iter()
            .flat_map(|t| &t.columns)
            .any(|c| c.rule.uses_key())
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

/// `line L column C`, for positions inside a message that serde-saphyr positions at the rule.
fn at_text(at: Pos) -> String {
    format!("line {} column {}", at.line, at.column)
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
    large_objects: Option<Spanned<String>>,
    tables: Ordered<RawTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    columns: RawColumns,
    rows: Option<RawRows>,
}

/// `rows: all` is the default, spelt out: every row is kept (and rewritten by the column
/// rules); `rows: none` drops them.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawRows {
    All,
    None,
}

/// A table's `columns:`: a mapping of column rules, or the word `keep` (reviewed as a whole).
enum RawColumns {
    Keep,
    Listed(Ordered<RuleValue>),
}

impl Default for RawColumns {
    fn default() -> Self {
        RawColumns::Listed(Ordered::default())
    }
}

impl<'de> Deserialize<'de> for RawColumns {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ColumnsVisitor;
        impl<'de> Visitor<'de> for ColumnsVisitor {
            type Value = RawColumns;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of column rules, or `keep` (every column kept as it is)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                match v {
                    "keep" => Ok(RawColumns::Keep),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Ordered::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawColumns::Listed)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(RawColumns::default())
            }
        }
        d.deserialize_any(ColumnsVisitor)
    }
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

/// A rule as YAML spells it: a word (`email`, `md5`, `hash`, `null`, `keep`), YAML null, or a
/// one-key mapping with an argument (`{md5: 10}`, `{email: a@b.c}`, `{fixed: text}`,
/// `{hash: email}`, `{fake: {kind: name}}` (options: see `args`), `{array: RULE}`,
/// `{json: {PATH: RULE}}`, `{redact: [KINDS]}`).
///
/// The mapping's key says how to read its argument, so a nested rule is read by this same
/// type and its errors carry its own position in the file.
struct RuleValue(Rule);

impl<'de> Deserialize<'de> for RuleValue {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RuleVisitor).map(RuleValue)
    }
}

const KNOWN: &str = "email, md5, hash, null, keep, {md5: N}, {email: ADDRESS}, {fixed: TEXT}, \
                     {hash: SHAPE}, {fake: KIND}, {array: RULE}, {json: {PATH: RULE}}, \
                     {redact: [KINDS]}";

struct RuleVisitor;

impl<'de> Visitor<'de> for RuleVisitor {
    type Value = Rule;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a rule ({KNOWN})")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Rule, E> {
        Ok(Rule::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Rule, E> {
        Ok(Rule::Null)
    }

    fn visit_str<E: de::Error>(self, word: &str) -> Result<Rule, E> {
        Ok(match word {
            "null" => Rule::Null,
            "keep" => Rule::Keep,
            "md5" => Rule::Md5 {
                len: MD5_HEX_LEN,
                unique: false,
            },
            "email" => Rule::Email {
                address: DEFAULT_EMAIL.to_owned(),
                unique: false,
            },
            "hash" => args::hash(None).map_err(E::custom)?,
            "fixed" => return Err(E::custom("`fixed` needs its text: {fixed: \"TEXT\"}")),
            "fake" => return Err(E::custom("`fake` needs a kind: {fake: first_name}")),
            "json" | "array" | "redact" => {
                return Err(E::custom(format!(
                    "`{word}` needs its argument: {}",
                    match word {
                        "json" => "{json: {\"$.path\": RULE}}",
                        "array" => "{array: RULE}",
                        _ => "{redact: [email, phone]}",
                    }
                )));
            }
            other => {
                return Err(E::custom(format!(
                    "unknown rule `{other}`; rules are {KNOWN}"
                )));
            }
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Rule, A::Error> {
        let one_key = || {
            de::Error::custom(format!(
                "a rule mapping has exactly one key; rules are {KNOWN}"
            ))
        };
        let name: String = map.next_key()?.ok_or_else(one_key)?;
        let rule = match name.as_str() {
            "md5" => args::md5(map.next_value()?).map_err(de::Error::custom)?,
            "email" => args::email(map.next_value()?).map_err(de::Error::custom)?,
            "hash" => args::hash(Some(map.next_value()?)).map_err(de::Error::custom)?,
            "fake" => args::fake(map.next_value()?).map_err(de::Error::custom)?,
            "fixed" => match map.next_value()? {
                RawArg::Text(text) => Rule::Fixed(text),
                RawArg::Number(n) => Rule::Fixed(n.to_string()),
                RawArg::Options(_) => {
                    return Err(de::Error::custom(
                        "`fixed` takes its text: {fixed: \"TEXT\"}",
                    ));
                }
            },
            "array" => Rule::Array(Box::new(map.next_value::<RuleValue>()?.0)),
            "json" => Rule::Json(json_rule(map.next_value()?)?),
            "redact" => Rule::Redact(redact_rule(map.next_value()?)?),
            other => {
                return Err(de::Error::custom(format!(
                    "unknown rule `{other}`; rules are {KNOWN}"
                )));
            }
        };
        if map.next_key::<String>()?.is_some() {
            return Err(one_key());
        }
        Ok(rule)
    }
}

/// `{json: {PATH: RULE, ...}}`: each path parsed, a bad one reported at its key.
fn json_rule<E: de::Error>(paths: Ordered<RuleValue>) -> Result<JsonRule, E> {
    if paths.0.is_empty() {
        return Err(E::custom(
            "json takes at least one path: {json: {\"$.email\": RULE}}",
        ));
    }
    let mut parsed: Vec<(JsonPath, Rule)> = Vec::new();
    for (key, rule) in paths.0 {
        let at = pos(&key);
        let path = JsonPath::parse(&key.value)
            .map_err(|e| E::custom(format!("bad JSON path at {}: {e}", at_text(at))))?;
        if parsed.iter().any(|(p, _)| p.as_str() == path.as_str()) {
            return Err(E::custom(format!(
                "JSON path {path} at {} is listed twice",
                at_text(at)
            )));
        }
        parsed.push((path, rule.0));
    }
    Ok(JsonRule::new(parsed))
}

/// `{redact: [KINDS]}`: known kinds, at least one.
fn redact_rule<E: de::Error>(names: Vec<Spanned<String>>) -> Result<Redact, E> {
    if names.is_empty() {
        return Err(E::custom(format!(
            "redact takes a list of kinds: {}",
            RedactKind::NAMES
        )));
    }
    let kinds = names
        .iter()
        .map(|name| {
            RedactKind::from_name(&name.value).ok_or_else(|| {
                E::custom(format!(
                    "unknown redact kind `{}` at {}; kinds are {}",
                    name.value,
                    at_text(pos(name)),
                    RedactKind::NAMES
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Redact::new(kinds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::RedactKind;

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

    fn email(address: &str) -> Rule {
        Rule::Email {
            address: address.into(),
            unique: false,
        }
    }

    fn md5(len: usize) -> Rule {
        Rule::Md5 { len, unique: false }
    }

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
                ("email", email(DEFAULT_EMAIL)),
                ("name", md5(32)),
                ("username", md5(10)),
                ("phone", Rule::Null),
                ("fax", Rule::Null),
                ("mobile", Rule::Null),
                ("contact", email("dev@example.org")),
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
    fn a_table_is_kept_as_a_whole_by_columns_keep_and_rows_all_is_the_default() {
        let set = RuleSet::from_yaml("tables:\n  countries:\n    columns: keep\n").unwrap();
        let t = &set.tables()[0];
        assert!(t.keep_all && t.columns.is_empty() && !t.drop_rows);
        let all =
            RuleSet::from_yaml("tables:\n  t:\n    rows: all\n    columns: {a: md5}\n").unwrap();
        assert!(!all.tables()[0].drop_rows);
        let e = error_of("tables:\n  t:\n    columns: kept\n");
        assert!(e.contains("line 3") && e.contains("`keep`"), "{e}");
        let e = error_of("tables:\n  t:\n    columns: keep\n    rows: none\n");
        assert!(
            e.starts_with("line 2 column 3:") && e.contains("one or the other"),
            "{e}"
        );
        let e = error_of("tables:\n  t:\n    rows: all\n");
        assert!(
            e.contains("no column rules, no `columns: keep` and no `rows: none`"),
            "{e}"
        );
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
    fn large_objects_are_undecided_unless_the_file_says_none_or_keep() {
        let tables = "tables:\n  t:\n    columns: {a: md5}\n";
        let set = RuleSet::from_yaml(tables).unwrap();
        assert_eq!(set.large_objects(), LargeObjects::Undecided);
        for (setting, want) in [("none", LargeObjects::Empty), ("keep", LargeObjects::Keep)] {
            let set = RuleSet::from_yaml(&format!("large_objects: {setting}\n{tables}")).unwrap();
            assert_eq!(set.large_objects(), want);
        }
        let e = error_of(&format!("{tables}large_objects: drop\n"));
        assert!(
            e.starts_with("line 4 column 16:") && e.contains("`none`"),
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

    /// The keyed rules of the issue 6 example, exactly as the README shows them.
    const KEYED: &str = r#"
tables:
  public.users:
    columns:
      email: {hash: email}
      alt_email: {hash: {as: email, at: corp.example, domain: people}}
      login: hash
      ref: {hash: {as: hex, length: 16}}
      phone: {hash: {as: digits, length: 10}}
      token: {hash: uuid}
      account_no: {hash: {as: digits, length: 12, unique: true}}
      nickname: {md5: {length: 16, unique: true}}
      contact: {email: {unique: true}}
      other: {email: {address: dev@corp.example, unique: true}}
      first_name: {fake: first_name}
      full_name: {fake: {kind: name}}
      work_email: {fake: {kind: email, unique: true}}
      born: {fake: {kind: date_of_birth, from: 1940-01-01, to: 2005-12-31}}
      city: {fake: {kind: city, max_length: 12, domain: places}}
"#;

    #[test]
    fn the_keyed_example_parses() {
        use crate::fake::{Fake, Kind};
        use crate::hash::{Hash, Shape};
        let set = RuleSet::from_yaml(KEYED).unwrap();
        let users = set
            .table(&parse_table_name("public.users").unwrap())
            .unwrap();
        let rule = |c: &str| {
            users
                .column(&parse_column_name(c).unwrap())
                .unwrap()
                .rule
                .clone()
        };
        let hash =
            |shape, domain: &str, unique| Rule::Hash(Hash::new(shape, domain.into(), unique));
        let example = || "example.com".to_owned();
        assert_eq!(
            rule("email"),
            hash(Shape::Email { at: example() }, "", false)
        );
        assert_eq!(
            rule("alt_email"),
            hash(
                Shape::Email {
                    at: "corp.example".into()
                },
                "people",
                false
            )
        );
        assert_eq!(rule("login"), hash(Shape::Hex { len: 32 }, "", false));
        assert_eq!(rule("ref"), hash(Shape::Hex { len: 16 }, "", false));
        assert_eq!(rule("phone"), hash(Shape::Digits { len: 10 }, "", false));
        assert_eq!(rule("token"), hash(Shape::Uuid, "", false));
        assert_eq!(
            rule("account_no"),
            hash(Shape::Digits { len: 12 }, "", true)
        );
        assert_eq!(
            rule("nickname"),
            Rule::Md5 {
                len: 16,
                unique: true
            }
        );
        assert_eq!(
            rule("contact"),
            Rule::Email {
                address: DEFAULT_EMAIL.into(),
                unique: true
            }
        );
        assert_eq!(
            rule("other"),
            Rule::Email {
                address: "dev@corp.example".into(),
                unique: true
            }
        );
        assert_eq!(
            rule("first_name"),
            Rule::Fake(Fake::new(Kind::FirstName, None, false, None))
        );
        assert_eq!(
            rule("full_name"),
            Rule::Fake(Fake::new(Kind::Name, None, false, None))
        );
        assert_eq!(
            rule("work_email"),
            Rule::Fake(Fake::new(Kind::Email, None, true, None))
        );
        assert_eq!(
            rule("born"),
            Rule::Fake(Fake::new(
                Kind::from_name("date_of_birth").unwrap(),
                None,
                false,
                None
            ))
        );
        assert_eq!(
            rule("city"),
            Rule::Fake(Fake::new(Kind::City, Some("places"), false, Some(12)))
        );
    }

    #[test]
    fn bad_keyed_arguments_say_where_and_why() {
        let cases = [
            ("{hash: sha1}", "unknown hash shape `sha1`"),
            ("{hash: {as: hex, length: 65}}", "from 1 to 64"),
            ("{hash: {as: digits, length: 0}}", "from 1 to 40"),
            ("{hash: {as: email, length: 10}}", "fixed length"),
            (
                "{hash: {as: hex, at: corp.example}}",
                "`at` is for the email shape",
            ),
            ("{hash: {as: email, at: nodot}}", "host name"),
            ("{hash: {as: hex, length: 16, unique: true}}", "at least 24"),
            (
                "{hash: {as: digits, length: 40, unique: true}}",
                "at most 38",
            ),
            ("{hash: {as: hex, unique: 3}}", "true or false"),
            ("{hash: {as: hex, salt: x}}", "unknown option `salt`"),
            ("{md5: {length: 8, unique: true}}", "at least 16"),
            ("{md5: {length: 40}}", "1 to 32"),
            ("{email: {address: nope, unique: true}}", "address like"),
            ("fake", "needs a kind"),
            ("{fake: pet}", "unknown fake kind `pet`"),
            ("{fake: {kind: first_name, unique: true}}", "use {hash:"),
            (
                "{fake: {kind: email, unique: true, max_length: 20}}",
                "at least 27",
            ),
            (
                "{fake: {kind: city, from: 1990-01-01}}",
                "for date_of_birth",
            ),
            (
                "{fake: {kind: date_of_birth, from: 2000-01-01, to: 1990-01-01}}",
                "before",
            ),
            (
                "{fake: {kind: date_of_birth, from: 1990-13-01}}",
                "not a date",
            ),
            ("{fake: {kind: name, max_length: 0}}", "at least 1"),
        ];
        for (rule, want) in cases {
            let e = error_of(&format!("tables:\n  t:\n    columns:\n      a: {rule}\n"));
            assert!(e.contains("line 4") && e.contains(want), "{rule}: {e}");
        }
    }

    fn rule_of(yaml_rule: &str) -> Rule {
        let yaml = format!("tables:\n  t:\n    columns:\n      a: {yaml_rule}\n");
        RuleSet::from_yaml(&yaml).unwrap().tables()[0].columns[0]
            .rule
            .clone()
    }

    #[test]
    fn nested_rules_parse() {
        let Rule::Json(json) = rule_of(
            r#"{json: {"$.email": email, "$.phones[*]": null, '$["a b"].c': {md5: 8}, "$..x": {array: {fixed: 0}}}}"#,
        ) else {
            panic!("not a json rule")
        };
        let paths: Vec<(&str, &Rule)> = json.paths.iter().map(|(p, r)| (p.as_str(), r)).collect();
        assert_eq!(
            paths,
            vec![
                ("$.email", &email(DEFAULT_EMAIL)),
                ("$.phones[*]", &Rule::Null),
                ("$[\"a b\"].c", &md5(8)),
                ("$..x", &Rule::Array(Box::new(Rule::Fixed("0".into())))),
            ]
        );
        assert_eq!(rule_of("{array: md5}"), Rule::Array(Box::new(md5(32))));
        assert_eq!(
            rule_of("{array: {json: {$.a: null}}}").label(),
            "array:json"
        );
        let Rule::Redact(redact) = rule_of("{redact: [phone, email, phone]}") else {
            panic!("not a redact rule")
        };
        assert_eq!(redact.kinds(), [RedactKind::Email, RedactKind::Phone]);
        // Block style, nested over several lines.
        let yaml = "tables:\n  t:\n    columns:\n      profile:\n        json:\n          $.address.street: {fixed: x}\n          $.tags:\n            array: email\n";
        let set = RuleSet::from_yaml(yaml).unwrap();
        assert!(matches!(&set.tables()[0].columns[0].rule, Rule::Json(j) if j.paths.len() == 2));
    }

    #[test]
    fn nested_rule_errors_say_where() {
        let e = error_of(
            "tables:\n  t:\n    columns:\n      a:\n        json:\n          \"$.a\": md5\n          \"$.b\": {md5: 99}\n",
        );
        assert!(
            e.contains("line 7 column 18") && e.contains("1 to 32"),
            "{e}"
        );
        let e = error_of("tables:\n  t:\n    columns:\n      a: {array: {md6: 3}}\n");
        assert!(
            e.contains("line 4 column 18") && e.contains("unknown rule `md6`"),
            "{e}"
        );
        let e = error_of(
            "tables:\n  t:\n    columns:\n      a: {json: {\"$.a\": md5, \"$.b[\": null}}\n",
        );
        assert!(
            e.contains("bad JSON path at line 4 column 30: `$.b[`") && e.contains("character 5"),
            "{e}"
        );
        let e = error_of("tables:\n  t:\n    columns:\n      a: {redact: [email, fone]}\n");
        assert!(
            e.contains("unknown redact kind `fone` at line 4 column 27"),
            "{e}"
        );
        for (rule, says) in [
            ("{redact: []}", "list of kinds"),
            ("{json: {}}", "at least one path"),
            ("json", "needs its argument"),
            ("array", "needs its argument"),
            ("{array: {md5: 3, email: x}}", "exactly one key"),
            ("{json: {$.a: md5, $.a: null}}", "duplicate"),
            ("{redact: email}", "line 4"),
        ] {
            let e = error_of(&format!("tables:\n  t:\n    columns:\n      a: {rule}\n"));
            assert!(e.contains(says), "{rule}: {e}");
        }
    }
}
