//! `scrub check`: the rules against a schema, before any data is read.
//!
//! Each finding is a rule that would make the restore fail (NULL into NOT NULL, text into an
//! integer, one fixed value into a UNIQUE column, a foreign key whose two ends are rewritten
//! differently), that would leak (a table or column that does not exist, so the rule never
//! runs), or whose column's values also sit in the schema where no rule reaches them (a
//! partition bound, a CHECK, a DEFAULT).
//!
//! The foreign-key findings are also what a run checks at the end ([`foreign_key_findings`]):
//! pg_dump writes the foreign keys after the data, so only then is the catalog complete.

use std::fmt;

use scrub_rules::{ColumnRule, FakeKind, HashShape, Ident, Policy, Pos, Rule, RuleSet, TableName};

use crate::catalog::{Catalog, Column, Table};
use crate::partition::{Strategy, rewrites_bounds};
use crate::plan::{ColumnFacts, Uncovered, column_rule_for, rules_for};

/// One problem with one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub at: Pos,
    pub table: TableName,
    pub column: Option<Ident>,
    pub message: String,
    /// The rule writes what the column's type cannot hold (`null` in NOT NULL, text in a
    /// number, too many characters): another rule would fit, which `scrub detect` looks for.
    pub type_misfit: bool,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.at.line, self.at.column, self.table)?;
        if let Some(c) = &self.column {
            write!(f, ".{c}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Checks every rule against the tables of `catalog`.
pub fn check_rules(rules: &RuleSet, catalog: &Catalog) -> Vec<Finding> {
    let mut findings = rule_findings(rules, catalog);
    findings.extend(foreign_key_findings(rules, catalog));
    findings.sort_by_key(|f| f.at);
    findings
}

fn rule_findings(rules: &RuleSet, catalog: &Catalog) -> Vec<Finding> {
    let mut findings = Vec::new();
    for t in rules.tables() {
        let Some(table) = catalog.table(&t.table).filter(|d| d.line > 0) else {
            let message = match catalog.unreadable(&t.table) {
                Some((line, e)) => {
                    format!("the CREATE TABLE at line {line} of the schema could not be read: {e}")
                }
                None => "no such table in the schema".to_owned(),
            };
            findings.push(Finding {
                at: t.at,
                table: t.table.clone(),
                column: None,
                message,
                type_misfit: false,
            });
            continue;
        };
        for c in &t.columns {
            let mut report = |message: String, type_misfit: bool| {
                findings.push(Finding {
                    at: c.at,
                    table: t.table.clone(),
                    column: Some(c.column.clone()),
                    message,
                    type_misfit,
                });
            };

            let Some(column) = table.column(&c.column) else {
                report("no such column in the schema".to_owned(), false);
                continue;
            };
            if c.rule == Rule::Keep {
                continue;
            }
            if column.generated {
                report(
                    "a generated column has no data in a dump; remove the rule".to_owned(),
                    false,
                );
                continue;
            }
            let label = c.rule.label();
            if c.rule == Rule::Null && column.not_null {
                report(
                    "`null` on a NOT NULL column: the restore would fail".to_owned(),
                    true,
                );
            }
            if c.rule != Rule::Null && !writes_typed_text(&c.rule, &base_type(catalog, column)) {
                match text_capacity(catalog, column) {
                    None => report(
                        format!(
                            "`{label}` writes text, but the column is {}",
                            column.data_type.to_lowercase()
                        ),
                        true,
                    ),
                    Some(Some(max)) if c.rule.max_len().is_some_and(|len| len > max) => report(
                        format!(
                            "`{label}` writes {} characters, but the column is {}",
                            c.rule.max_len().unwrap_or_default(),
                            column.data_type.to_lowercase()
                        ),
                        true,
                    ),
                    Some(_) => {}
                }
            }
            if c.rule.is_constant() {
                let constant = |name: &Ident| t.column(name).is_some_and(|r| r.rule.is_constant());
                if table
                    .unique
                    .iter()
                    .any(|set| set.contains(&c.column) && set.iter().all(constant))
                {
                    report(
                        format!(
                            "`{label}` gives every row the same value, but the column is UNIQUE or a PRIMARY KEY: the restore would fail"
                        ),
                        false,
                    );
                }
            }
            for message in schema_literals(catalog, &t.table, table, column, &c.rule) {
                report(message, false);
            }
        }
    }
    findings
}

/// Where the schema itself holds values of a ruled column, which the rules do not rewrite.
fn schema_literals(
    catalog: &Catalog,
    name: &TableName,
    table: &Table,
    column: &Column,
    rule: &Rule,
) -> Vec<String> {
    let label = rule.label();
    let mut out = Vec::new();
    if let Some(key) = &table.partition_key {
        let part = key
            .columns
            .iter()
            .position(|k| k.as_ref() == Some(&column.name));
        let bounded: Vec<_> = catalog
            .tables()
            .into_iter()
            .filter(|(_, p)| p.parents.contains(name))
            .filter_map(|(p, t)| Some((p, t.bounds.as_ref()?)))
            .filter(|(_, b)| part.is_some_and(|k| b.bounds.values.iter().any(|v| v.key == k)))
            .collect();
        if let Some((partition, first)) = bounded.first() {
            let more = match bounded.len() {
                1 => String::new(),
                n => format!(" and {} more partition(s)", n - 1),
            };
            let bounds = format!(
                "this column is the partition key of {name}, and partition {partition}{more} has literal bounds (schema line {}: {})",
                first.line, first.bounds.text
            );
            let what = if rewrites_bounds(rule) && key.strategy == Strategy::List {
                None
            } else if rewrites_bounds(rule) {
                Some(format!(
                    "`{label}` does not keep the order of values, so RANGE bounds cannot follow it: the run fails at that line"
                ))
            } else {
                Some(format!(
                    "bounds are schema literals that `{label}` does not rewrite, so the rewritten rows would land in the wrong partition or fail the restore; only a `hash` rule on a LIST key has its bounds rewritten too"
                ))
            };
            if let Some(what) = what {
                out.push(format!("{bounds}: {what}"));
            }
        }
    }
    // A NULL satisfies every CHECK.
    for check in table
        .checks
        .iter()
        .filter(|c| *rule != Rule::Null && c.columns.contains(&column.name))
    {
        out.push(format!(
            "used in CHECK ({}) at schema line {}: the constraint and its literals are restored as written, and may reject the values `{label}` writes",
            check.text, check.line
        ));
    }
    if let Some((line, expr)) = &column.default
        && default_has_values(expr)
    {
        out.push(format!(
            "has DEFAULT {expr} at schema line {line}: schema literals are not rewritten, so the default stays in the output as written"
        ));
    }
    out
}

/// Whether a DEFAULT holds a value that could be personal: a literal, other than the sequence
/// name of a serial column's `nextval(...)`.
fn default_has_values(expr: &str) -> bool {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, expr)
        .tokenize()
        .unwrap_or_default();
    let serial =
        matches!(tokens.first(), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("nextval"));
    !serial
        && tokens.iter().any(|t| match t {
            Token::SingleQuotedString(s)
            | Token::EscapedStringLiteral(s)
            | Token::NationalStringLiteral(s) => !s.is_empty(),
            Token::Number(..) => true,
            _ => false,
        })
}

/// Foreign keys whose two ends the rules rewrite differently: each one would fail the restore's
/// foreign key check (or, without the constraint, silently break joins).
///
/// A column that references a rewritten column must carry the same value-based rule (equal
/// values stay equal), or `null` if it is nullable; a column that references a kept column
/// must be kept (or nulled).
pub fn foreign_key_findings(rules: &RuleSet, catalog: &Catalog) -> Vec<Finding> {
    let mut findings = Vec::new();
    let rule_of = |table: &TableName, column: &Ident| -> Option<&ColumnRule> {
        column_rule_for(rules, &catalog.lineage(table), column)
    };
    let changes = |r: Option<&ColumnRule>| r.is_some_and(|c| c.rule != Rule::Keep);
    for (name, table) in catalog.tables() {
        for fk in &table.references {
            for (x, y) in fk.columns.iter().zip(&fk.referred) {
                let (rx, ry) = (rule_of(name, x), rule_of(&fk.table, y));
                let nullable = table.column(x).is_none_or(|c| !c.not_null);
                let nulled = rx.is_some_and(|r| r.rule == Rule::Null);
                if nulled && nullable || !changes(rx) && !changes(ry) {
                    continue;
                }
                let here = format!("{name}.{x} references {}.{y}", fk.table);
                let describe = |r: Option<&ColumnRule>| match r {
                    Some(r) => format!("`{}` (rule at {})", r.rule.label(), r.at),
                    None => "no rule".to_owned(),
                };
                let message = match (rx, ry) {
                    (_, Some(ry)) if changes(Some(ry)) && !ry.rule.is_value_based() => format!(
                        "{here}, whose `{}` (rule at {}) depends on the row, not the value, so no rule on {x} can follow it: give both the same `hash` rule",
                        ry.rule.label(),
                        ry.at
                    ),
                    (Some(rx_), Some(ry_)) if rx_.rule.maps_like(&ry_.rule) => continue,
                    _ if changes(ry) => format!(
                        "{here}, which {} rewrites, but {x} has {}: the restore's foreign key check would fail, or joins silently break; give both the same `hash` rule{}",
                        describe(ry),
                        describe(rx),
                        if nullable {
                            format!(" (or `null` on {x})")
                        } else {
                            String::new()
                        }
                    ),
                    _ => format!(
                        "{here}, which keeps its values, but {x} has {}: its values would not be in {}: the restore's foreign key check would fail",
                        describe(rx),
                        fk.table
                    ),
                };
                let (at, table, column) = match (rx, ry) {
                    (Some(r), _) => (r.at, name.clone(), x.clone()),
                    (None, Some(r)) => (r.at, fk.table.clone(), y.clone()),
                    (None, None) => unreachable!("one of them changes"),
                };
                findings.push(Finding {
                    at,
                    table,
                    column: Some(column),
                    message,
                    type_misfit: false,
                });
            }
        }
    }
    findings
}

/// `policy: strict`: the columns of every table in the schema that no rule covers.
pub fn uncovered_columns(rules: &RuleSet, catalog: &Catalog) -> Vec<Uncovered> {
    if rules.policy() != Policy::Strict {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (name, table) in catalog.tables() {
        // A partitioned table holds no rows itself: its partitions are checked.
        if table.partition_key.is_some() {
            continue;
        }
        let lineage = catalog.lineage(name);
        if rules_for(rules, &lineage).is_some_and(|r| r.drop_rows || r.keep_all) {
            continue;
        }
        for column in table.columns.iter().filter(|c| !c.generated) {
            if column_rule_for(rules, &lineage, &column.name).is_none() {
                out.push(Uncovered {
                    table: name.clone(),
                    column: column.name.clone(),
                    line: table.line,
                });
            }
        }
    }
    out.sort();
    out
}

/// The column's type in lower case, a domain resolved to its base type.
/// Quotes go: `--quote-all-identifiers` dumps write `"text"`, `public."citext"`.
fn base_type(catalog: &Catalog, column: &Column) -> String {
    catalog
        .domain_base(&column.data_type)
        .unwrap_or(&column.data_type)
        .replace('"', "")
        .to_ascii_lowercase()
}

/// Whether `rule` writes the text form of a non-text type that PostgreSQL reads into a
/// column of type `base`: json paths into json, array elements into arrays, fake IPs into
/// inet, dates into date, UUIDs into uuid, hashed digits into a wide enough number.
fn writes_typed_text(rule: &Rule, base: &str) -> bool {
    let name = base.rsplit('.').next().unwrap_or(base).trim();
    match rule {
        Rule::Keep => true,
        Rule::Json(_) => matches!(name, "json" | "jsonb"),
        Rule::Array(inner) => match name.strip_suffix("[]") {
            Some(element) => {
                let element = element.trim();
                writes_typed_text(inner, element)
                    || matches!(
                        element.split('(').next().unwrap_or(element).trim(),
                        "text"
                            | "citext"
                            | "character varying"
                            | "varchar"
                            | "character"
                            | "char"
                            | "bpchar"
                    )
            }
            None => false,
        },
        Rule::Fake(fake) => match fake.kind {
            FakeKind::Ip | FakeKind::Ipv6 => matches!(name, "inet" | "cidr"),
            FakeKind::DateOfBirth { .. } => name == "date" || name.starts_with("timestamp"),
            FakeKind::Uuid => name == "uuid",
            _ => false,
        },
        Rule::Hash(hash) => match hash.shape {
            HashShape::Uuid => name == "uuid",
            HashShape::Digits { len } => match name.split('(').next().unwrap_or(name).trim() {
                "numeric" | "decimal" => true,
                "bigint" | "int8" => len <= 18,
                "integer" | "int" | "int4" => len <= 9,
                "smallint" | "int2" => len <= 4,
                _ => false,
            },
            _ => false,
        },
        _ => false,
    }
}

/// What the catalog knows of `table.column`: generated, and the most characters it holds
/// (`varchar(n)`, `char(n)`).
pub fn column_facts(catalog: &Catalog, table: &TableName, column: &Ident) -> ColumnFacts {
    match catalog.table(table).and_then(|t| t.column(column)) {
        Some(column) => ColumnFacts {
            generated: column.generated,
            max_chars: text_capacity(catalog, column).flatten(),
        },
        None => ColumnFacts::default(),
    }
}

/// `None` if the column does not hold text; `Some(max)` with its length limit if it does.
fn text_capacity(catalog: &Catalog, column: &Column) -> Option<Option<usize>> {
    let base = base_type(catalog, column);
    if base.ends_with(']') {
        return None;
    }
    let (name, length) = match base.split_once('(') {
        Some((n, rest)) => (
            n.trim(),
            rest.trim_end_matches(')').trim().parse::<usize>().ok(),
        ),
        None => (base.trim(), None),
    };
    let name = name.rsplit('.').next().unwrap_or(name);
    match name {
        "text" | "citext" | "name" | "character varying" | "varchar" => Some(length),
        "character" | "char" | "bpchar" => Some(Some(length.unwrap_or(1))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "
CREATE TABLE public.users (id integer NOT NULL, email character varying(40) NOT NULL, code character(8), age integer, nick text, team_id integer);
CREATE TABLE public.teams (id integer NOT NULL, name text);
ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.users ADD CONSTRAINT users_email_key UNIQUE (email);
ALTER TABLE ONLY public.users ADD CONSTRAINT users_team_fk FOREIGN KEY (team_id) REFERENCES public.teams(id);
";

    /// The catalog of `schema`, each statement learnt at its line.
    fn catalog(schema: &str) -> Catalog {
        let mut catalog = Catalog::default();
        for (i, statement) in schema.lines().enumerate() {
            if let Some(((parent, child), bounds)) =
                crate::header::parse_attach_partition(statement.as_bytes())
                    .zip(Some(crate::partition::bounds(statement)))
            {
                let (parent, child) = (catalog.resolve(&parent), catalog.resolve(&child));
                catalog.attach(parent, child, bounds, i as u64 + 1);
            } else if !statement.trim().is_empty() {
                catalog.learn(statement, i as u64 + 1);
            }
        }
        catalog
    }

    fn findings_in(schema: &str, rules: &str) -> Vec<String> {
        let rules = RuleSet::from_yaml(rules).unwrap();
        check_rules(&rules, &catalog(schema))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn findings(rules: &str) -> Vec<String> {
        findings_in(SCHEMA, rules)
    }

    #[test]
    fn clean_rules_give_no_findings() {
        assert_eq!(
            findings(
                "tables:\n  users:\n    columns:\n      email: md5\n      nick: null\n      team_id: null\n"
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_kind_of_problem_is_reported_where_the_rule_is() {
        let f = findings(
            "tables:\n  users:\n    columns:\n      email: email\n      code: md5\n      age: md5\n      id: null\n      nickname: md5\n  teams:\n    columns:\n      id: {md5: 8}\n  nosuch:\n    columns:\n      a: md5\n",
        );
        let expect = [
            "4:7: public.users.email: `email` gives every row the same value, but the column is UNIQUE",
            "5:7: public.users.code: `md5` writes 32 characters, but the column is character(8)",
            "6:7: public.users.age: `md5` writes text, but the column is integer",
            "7:7: public.users.id: `null` on a NOT NULL column",
            "8:7: public.users.nickname: no such column",
            "11:7: public.teams.id: `md5:8` writes text, but the column is integer",
            "11:7: public.teams.id: public.users.team_id references public.teams.id, whose `md5:8` (rule at 11:7) depends on the row",
            "12:3: public.nosuch: no such table",
        ];
        assert_eq!(f.len(), expect.len(), "{f:#?}");
        for (got, want) in f.iter().zip(expect) {
            assert!(got.starts_with(want), "{got}\n does not start with\n{want}");
        }
    }

    const LITERALS: &str = "\
CREATE TABLE public.people (id integer, email text NOT NULL, nick text DEFAULT 'anon@corp.com'::text, code text DEFAULT ''::text, CONSTRAINT mail CHECK (email ~~ '%@corp.com')) PARTITION BY LIST (email);
CREATE TABLE public.people_a (id integer, email text NOT NULL, nick text, code text);
ALTER TABLE ONLY public.people ATTACH PARTITION public.people_a FOR VALUES IN ('ann@corp.com', 'bob@corp.com');
CREATE TABLE public.serial (id integer NOT NULL, phone text);
ALTER TABLE ONLY public.serial ALTER COLUMN id SET DEFAULT nextval('public.serial_id_seq'::regclass);
ALTER TABLE ONLY public.serial ADD CONSTRAINT digits CHECK (phone ~ '^[0-9]+$') NOT VALID;
";

    #[test]
    fn schema_literals_of_ruled_columns_are_reported_with_both_positions() {
        let f = findings_in(
            LITERALS,
            "tables:\n  people:\n    columns:\n      email: md5\n      nick: md5\n      code: md5\n  serial:\n    columns:\n      id: keep\n      phone: md5\n",
        );
        let expect = [
            "4:7: public.people.email: this column is the partition key of public.people, and partition public.people_a has literal bounds (schema line 3: FOR VALUES IN ('ann@corp.com', 'bob@corp.com')): bounds are schema literals that `md5` does not rewrite",
            "4:7: public.people.email: used in CHECK (email ~~ '%@corp.com') at schema line 1",
            "5:7: public.people.nick: has DEFAULT 'anon@corp.com'::TEXT at schema line 1",
            "10:7: public.serial.phone: used in CHECK (phone ~ '^[0-9]+$') at schema line 6",
        ];
        assert_eq!(f.len(), expect.len(), "{f:#?}");
        for (got, want) in f.iter().zip(expect) {
            assert!(got.starts_with(want), "{got}\n does not start with\n{want}");
        }
        // `keep` on the same columns: nothing to say.
        assert_eq!(
            findings_in(
                LITERALS,
                "tables:\n  people:\n    columns: {email: keep, nick: keep}\n"
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn no_false_findings_for_null_under_a_check_quoted_types_or_tables_without_columns() {
        // A NULL satisfies every CHECK; `serial.phone` is nullable.
        assert_eq!(
            findings_in(LITERALS, "tables:\n  serial:\n    columns: {phone: null}\n"),
            Vec::<String>::new()
        );
        // `--quote-all-identifiers` writes type names quoted.
        let quoted = "CREATE TABLE \"public\".\"docs\" (\"id\" integer, \"body\" \"text\", \"meta\" \"jsonb\", \"tag\" \"public\".\"citext\");\nCREATE TABLE \"public\".\"none\" ();\n";
        assert_eq!(
            findings_in(
                quoted,
                "tables:\n  docs:\n    columns:\n      body: md5\n      meta: {json: {$.email: email}}\n      tag: md5\n  none:\n    rows: none\n"
            ),
            Vec::<String>::new()
        );
        // But text into a quoted non-text type is still a finding.
        let f = findings_in(quoted, "tables:\n  docs:\n    columns:\n      meta: md5\n");
        assert!(
            f.len() == 1 && f[0].contains("writes text, but the column is"),
            "{f:?}"
        );
    }

    const KEYS: &str = "\
CREATE TABLE public.users (id integer NOT NULL, email text NOT NULL, org text NOT NULL);
CREATE TABLE public.orders (id integer, user_email text, buyer text NOT NULL, org text, note text);
ALTER TABLE ONLY public.orders ADD CONSTRAINT by_email FOREIGN KEY (user_email) REFERENCES public.users(email);
ALTER TABLE ONLY public.orders ADD CONSTRAINT by_pair FOREIGN KEY (buyer, org) REFERENCES public.users(email, org);
";

    #[test]
    fn foreign_keys_need_both_ends_rewritten_alike() {
        // Both ends of both keys kept, or the nullable end nulled: nothing to say.
        assert_eq!(
            findings_in(
                KEYS,
                "tables:\n  users:\n    columns: {org: keep}\n  orders:\n    columns: {user_email: null}\n"
            ),
            Vec::<String>::new()
        );
        // The same value-based rule on every end of the composite key, NULL on the simple one.
        assert_eq!(
            findings_in(
                KEYS,
                "tables:\n  users:\n    columns: {email: {fixed: aa}, org: {fixed: bb}}\n  orders:\n    columns: {user_email: null, buyer: {fixed: aa}, org: {fixed: bb}}\n"
            )
            .iter()
            .filter(|f| f.contains("references"))
            .count(),
            0
        );
        let f = findings_in(
            KEYS,
            "tables:\n  users:\n    columns:\n      email: {fixed: aa}\n  orders:\n    columns:\n      buyer: {fixed: cc}\n      org: {fixed: bb}\n",
        );
        let expect = [
            "4:7: public.users.email: public.orders.user_email references public.users.email, which `fixed` (rule at 4:7) rewrites, but user_email has no rule: the restore's foreign key check would fail, or joins silently break; give both the same `hash` rule (or `null` on user_email)",
            "7:7: public.orders.buyer: public.orders.buyer references public.users.email, which `fixed` (rule at 4:7) rewrites, but buyer has `fixed` (rule at 7:7)",
            "8:7: public.orders.org: public.orders.org references public.users.org, which keeps its values, but org has `fixed` (rule at 8:7)",
        ];
        let f: Vec<_> = f.into_iter().filter(|f| f.contains("references")).collect();
        assert_eq!(f.len(), expect.len(), "{f:#?}");
        for (got, want) in f.iter().zip(expect) {
            assert!(got.starts_with(want), "{got}\n does not start with\n{want}");
        }
    }

    #[test]
    fn strict_policy_lists_every_uncovered_column_with_data() {
        let rules = |yaml: &str| RuleSet::from_yaml(yaml).unwrap();
        let catalog = catalog(&format!("{LITERALS}{KEYS}"));
        let listed = rules("tables:\n  users:\n    columns: {id: keep}\n");
        assert!(uncovered_columns(&listed, &catalog).is_empty());
        let strict = rules(
            "policy: strict\ntables:\n  people:\n    columns: {id: keep, email: keep, nick: keep}\n  users:\n    rows: none\n  orders:\n    columns: {id: keep, user_email: keep, buyer: keep, org: keep, note: keep}\n",
        );
        let got: Vec<String> = uncovered_columns(&strict, &catalog)
            .iter()
            .map(ToString::to_string)
            .collect();
        // people is partitioned: its partition people_a is covered through it, but for `code`.
        assert_eq!(
            got,
            [
                "2: public.people_a.code is not covered by any rule (policy: strict)",
                "4: public.serial.id is not covered by any rule (policy: strict)",
                "4: public.serial.phone is not covered by any rule (policy: strict)",
            ]
        );
    }
}
