//! The rules that apply to one block of table data, resolved against its column list.

use std::borrow::Cow;
use std::sync::Arc;

use scrub_rules::{ColumnRule, Ident, Rule, RuleSet, TableName, TableRules};

use crate::error::{DataError, at};

/// How to rewrite the rows of one COPY block or INSERT statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The table whose rows these are (a partition, perhaps).
    pub table: TableName,
    /// `COPY` or `INSERT INTO`, for messages.
    pub statement: &'static str,
    /// Fields (COPY) or values (INSERT) per row.
    pub columns: usize,
    /// The names of those `columns`, in data order.
    pub names: Vec<Ident>,
    /// Ruled fields by position, ascending; `keep` rules are left out.
    pub ruled: Vec<RuledField>,
    /// `rows: none`: drop every row.
    pub drop_rows: bool,
    /// `standard_conforming_strings` where the statement stands (INSERT literals).
    pub std_strings: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuledField {
    pub index: usize,
    pub column: Ident,
    pub rule: Rule,
}

impl Plan {
    /// Whether the plan changes anything (a table with only `keep` rules passes through).
    pub fn changes_data(&self) -> bool {
        self.drop_rows || !self.ruled.is_empty()
    }

    pub fn context(&self) -> String {
        format!("{} {}", self.statement, self.table)
    }

    /// The plan for data of a table no rule covers: read, never changed.
    pub fn unruled(
        table: &TableName,
        statement: &'static str,
        columns: Vec<Ident>,
        std_strings: bool,
    ) -> Arc<Plan> {
        Arc::new(Plan {
            table: table.clone(),
            statement,
            columns: columns.len(),
            names: columns,
            ruled: Vec::new(),
            drop_rows: false,
            std_strings,
        })
    }

    /// Builds the plan for data of `table` with `columns`, given the rules that cover it
    /// (its own, or an ancestor's). Fails when a ruled column is not in the column list.
    /// `schema` says what the dump's schema tells of a column (see [`ColumnFacts`]).
    pub fn build(
        table: &TableName,
        statement: &'static str,
        columns: &[Ident],
        rules: &TableRules,
        std_strings: bool,
        line: u64,
        schema: impl Fn(&Ident) -> ColumnFacts,
    ) -> Result<Arc<Plan>, DataError> {
        let mut ruled = Vec::new();
        for c in &rules.columns {
            let facts = schema(&c.column);
            if facts.generated {
                continue;
            }
            let Some(index) = columns.iter().position(|name| name == &c.column) else {
                let listed: Vec<String> = columns.iter().map(ToString::to_string).collect();
                let via = if &rules.table == table {
                    String::new()
                } else {
                    format!(" (via its parent {})", rules.table)
                };
                return Err(at(
                    line,
                    format!("{statement} {table}"),
                    format!(
                        "no column {} in this data, but the rule at line {} column {}{via} names it; the data has ({})",
                        c.column,
                        c.at.line,
                        c.at.column,
                        listed.join(", ")
                    ),
                ));
            };
            if c.rule != Rule::Keep {
                ruled.push(RuledField {
                    index,
                    column: c.column.clone(),
                    rule: match facts.max_chars {
                        Some(n) => c.rule.clone().with_max_chars(n),
                        None => c.rule.clone(),
                    },
                });
            }
        }
        ruled.sort_by_key(|r| r.index);
        Ok(Arc::new(Plan {
            table: table.clone(),
            statement,
            columns: columns.len(),
            names: columns.to_vec(),
            ruled,
            drop_rows: rules.drop_rows,
            std_strings,
        }))
    }
}

/// What the dump's schema says about a ruled column of the table whose data is planned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColumnFacts {
    /// A generated column has no data: COPY leaves it out and `--inserts` writes `DEFAULT`,
    /// which must stay. A parent's rule does not touch it in a child where it is generated.
    pub generated: bool,
    /// Its `varchar(n)`/`char(n)` limit: rules that can shorten their output (fakes,
    /// redacted text) are cut to fit it.
    pub max_chars: Option<usize>,
}

/// How to rewrite the literal bounds of one partition (`FOR VALUES IN ('a', 'b')`) whose
/// LIST key is ruled by a value-based rule, so that the rewritten rows still route to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundsPlan {
    /// The partition, and the key column whose rule rewrites its bounds.
    pub table: TableName,
    pub column: Ident,
    pub rule: Rule,
    /// The literals, as byte ranges from the start of the statement.
    pub literals: Vec<std::ops::Range<usize>>,
    pub std_strings: bool,
}

/// Which rules the dump has matched so far, to fail closed on the ones it never does.
#[derive(Debug, Default)]
pub struct Matches {
    tables: std::collections::HashSet<TableName>,
    columns: std::collections::HashSet<(TableName, Ident)>,
}

impl Matches {
    /// Records that data with `columns` was seen for the table whose lineage (itself, then
    /// its parents) is `lineage`: every level's rules matched it.
    pub fn saw(&mut self, rules: &RuleSet, lineage: &[TableName], columns: &[Ident]) {
        for level in lineage.iter().filter_map(|t| rules.table(t)) {
            self.tables.insert(level.table.clone());
            for c in &level.columns {
                if columns.contains(&c.column) {
                    self.columns.insert((level.table.clone(), c.column.clone()));
                }
            }
        }
    }

    /// The rules nothing matched, given the catalog's tables as well.
    pub fn unmatched(&self, rules: &RuleSet, catalog: &crate::catalog::Catalog) -> Vec<Unmatched> {
        let mut out = Vec::new();
        for t in rules.tables() {
            let defined = catalog.table(&t.table).filter(|d| !d.columns.is_empty());
            if !self.tables.contains(&t.table) && defined.is_none() {
                out.push(Unmatched {
                    table: t.table.clone(),
                    column: None,
                    line: t.at.line,
                    col: t.at.column,
                });
                continue;
            }
            for c in &t.columns {
                let known = self.columns.contains(&(t.table.clone(), c.column.clone()))
                    || defined.is_some_and(|d| d.column(&c.column).is_some());
                if !known {
                    out.push(Unmatched {
                        table: t.table.clone(),
                        column: Some(c.column.clone()),
                        line: c.at.line,
                        col: c.at.column,
                    });
                }
            }
        }
        out
    }
}

/// A rule that matched nothing in the dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    pub table: TableName,
    pub column: Option<Ident>,
    /// Where the rule is in the rules file.
    pub line: u64,
    pub col: u64,
}

impl std::fmt::Display for Unmatched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            None => write!(
                f,
                "{}:{}: table {} never appears in the dump",
                self.line, self.col, self.table
            ),
            Some(c) => write!(
                f,
                "{}:{}: column {}.{} never appears in the dump",
                self.line, self.col, self.table, c
            ),
        }
    }
}

/// A column with data that no rule covers, under `policy: strict`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Uncovered {
    /// The input line of the first data of the column (of the CREATE TABLE, for `check`).
    pub line: u64,
    pub table: TableName,
    pub column: Ident,
}

impl std::fmt::Display for Uncovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}.{} is not covered by any rule (policy: strict)",
            self.line, self.table, self.column
        )
    }
}

/// The rules for a table's rows: its own and those of every ancestor (a partitioned or
/// inherited table's rules cover its partitions and children), merged. A column ruled at
/// several levels takes the nearest table's rule; `rows: none` anywhere in the lineage drops
/// the rows, and `columns: keep` anywhere keeps the columns no level names. `lineage` is the table first, then its parents (see `Catalog::lineage`).
pub fn rules_for<'r>(rules: &'r RuleSet, lineage: &[TableName]) -> Option<Cow<'r, TableRules>> {
    let mut levels = lineage.iter().filter_map(|t| rules.table(t));
    let nearest = levels.next()?;
    let mut merged: Option<TableRules> = None;
    for further in levels {
        let m = merged.get_or_insert_with(|| nearest.clone());
        m.drop_rows |= further.drop_rows;
        m.keep_all |= further.keep_all;
        for column in &further.columns {
            if m.column(&column.column).is_none() {
                m.columns.push(column.clone());
            }
        }
    }
    Some(merged.map_or(Cow::Borrowed(nearest), Cow::Owned))
}

/// The rule [`rules_for`] gives `column` of a table: the nearest level's that names it.
pub fn column_rule_for<'r>(
    rules: &'r RuleSet,
    lineage: &[TableName],
    column: &Ident,
) -> Option<&'r ColumnRule> {
    lineage
        .iter()
        .filter_map(|t| rules.table(t))
        .find_map(|r| r.column(column))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> TableName {
        scrub_rules::parse_table_name(name).unwrap()
    }

    #[test]
    fn a_childs_rules_add_to_its_parents_never_hide_them() {
        let rules = RuleSet::from_yaml(
            "tables:\n  public.p:\n    columns:\n      note: {fixed: P}\n      id: keep\n  public.c:\n    columns:\n      secret: md5\n      id: null\n",
        )
        .unwrap();
        let lineage = [t("public.c"), t("public.p")];
        let merged = rules_for(&rules, &lineage).unwrap();
        let rule = |c: &str| {
            merged
                .column(&Ident::from_token(c, true))
                .map(|r| r.rule.clone())
        };
        assert_eq!(
            rule("secret"),
            Some(Rule::Md5 {
                len: scrub_rules::MD5_HEX_LEN,
                unique: false
            })
        );
        assert!(
            matches!(rule("note"), Some(Rule::Fixed(_))),
            "the parent's rule"
        );
        assert_eq!(rule("id"), Some(Rule::Null), "the nearest level wins");
        let id = Ident::from_token("id", true);
        assert_eq!(
            column_rule_for(&rules, &lineage, &id).map(|r| &r.rule),
            Some(&Rule::Null)
        );
        // a table without rules of its own takes its parent's as they are
        assert!(matches!(
            rules_for(&rules, &[t("public.c2"), t("public.p")]),
            Some(Cow::Borrowed(_))
        ));
        assert!(rules_for(&rules, &[t("public.other")]).is_none());
    }

    #[test]
    fn rows_none_anywhere_in_the_lineage_drops_the_rows() {
        let rules = RuleSet::from_yaml(
            "tables:\n  public.p:\n    rows: none\n  public.c:\n    columns:\n      secret: md5\n",
        )
        .unwrap();
        assert!(
            rules_for(&rules, &[t("public.c"), t("public.p")])
                .unwrap()
                .drop_rows
        );
    }
}
