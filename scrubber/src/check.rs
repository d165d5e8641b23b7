//! `scrub check`: the rules against a schema, before any data is read.
//!
//! Each finding is a rule that would make the restore fail (NULL into NOT NULL, text into an
//! integer, one fixed value into a UNIQUE column, a changed key that a foreign key points
//! at) or that would leak (a table or column that does not exist, so the rule never runs).

use std::fmt;

use scrub_rules::{Ident, Pos, Rule, RuleSet, TableName};

use crate::catalog::{Catalog, Column};

/// One problem with one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub at: Pos,
    pub table: TableName,
    pub column: Option<Ident>,
    pub message: String,
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
    let mut findings = Vec::new();
    for t in rules.tables() {
        let Some(table) = catalog.table(&t.table).filter(|d| !d.columns.is_empty()) else {
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
            });
            continue;
        };
        for c in &t.columns {
            let mut report = |message: String| {
                findings.push(Finding {
                    at: c.at,
                    table: t.table.clone(),
                    column: Some(c.column.clone()),
                    message,
                });
            };
            let Some(column) = table.column(&c.column) else {
                report("no such column in the schema".to_owned());
                continue;
            };
            if c.rule == Rule::Keep {
                continue;
            }
            if column.generated {
                report("a generated column has no data in a dump; remove the rule".to_owned());
                continue;
            }
            let label = c.rule.label();
            if c.rule == Rule::Null && column.not_null {
                report("`null` on a NOT NULL column: the restore would fail".to_owned());
            }
            if c.rule != Rule::Null {
                match text_capacity(catalog, column) {
                    None => report(format!(
                        "`{label}` writes text, but the column is {}",
                        column.data_type.to_lowercase()
                    )),
                    Some(Some(max)) if c.rule.max_len().is_some_and(|len| len > max) => {
                        report(format!(
                            "`{label}` writes {} characters, but the column is {}",
                            c.rule.max_len().unwrap_or_default(),
                            column.data_type.to_lowercase()
                        ))
                    }
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
                    report(format!(
                        "`{label}` gives every row the same value, but the column is UNIQUE or a PRIMARY KEY: the restore would fail"
                    ));
                }
            }
            for (from, cols) in &table.referenced_by {
                if cols.contains(&c.column) {
                    report(format!(
                        "a foreign key of {from} references this column, and `{label}` changes it: the restore would fail"
                    ));
                }
            }
            for (cols, to) in &table.references {
                if cols.contains(&c.column) && c.rule != Rule::Null {
                    report(format!(
                        "this column is a foreign key to {to}, and `{label}` makes values {to} does not have: the restore would fail"
                    ));
                }
            }
        }
    }
    findings
}

/// `None` if the column does not hold text; `Some(max)` with its length limit if it does.
fn text_capacity(catalog: &Catalog, column: &Column) -> Option<Option<usize>> {
    let base = catalog
        .domain_base(&column.data_type)
        .unwrap_or(&column.data_type)
        .to_ascii_lowercase();
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

    fn findings(rules: &str) -> Vec<String> {
        let mut catalog = Catalog::default();
        for statement in SCHEMA.split(";\n").filter(|s| !s.trim().is_empty()) {
            catalog.learn(statement, 1);
        }
        let rules = RuleSet::from_yaml(rules).unwrap();
        check_rules(&rules, &catalog)
            .iter()
            .map(ToString::to_string)
            .collect()
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
            "11:7: public.teams.id: a foreign key of public.users references this column",
            "12:3: public.nosuch: no such table",
        ];
        assert_eq!(f.len(), expect.len(), "{f:#?}");
        for (got, want) in f.iter().zip(expect) {
            assert!(got.starts_with(want), "{got}\n does not start with\n{want}");
        }
    }
}
