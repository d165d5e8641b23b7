//! Planner statistics in the dump (pg_dump 18 `--statistics`): which to drop.
//!
//! # Why drop, not rewrite
//!
//! pg_dump 18 writes each column's statistics as a call such as
//! `SELECT * FROM pg_catalog.pg_restore_attribute_stats('schemaname', 'public', 'relname',
//! 'users', 'attname', 'email', ..., 'most_common_vals', '{...}'::text, ...)`. The
//! `most_common_vals` and `histogram_bounds` arrays are original values of the column: a
//! ruled column's statistics would leak what the rule replaced. They cannot be rewritten
//! to match: the frequencies of the most common values and the order of the histogram
//! describe the originals, and the rewritten values have other frequencies and another
//! order. So the attribute statistics of a ruled column are dropped (PostgreSQL computes
//! fresh ones at the next `ANALYZE`), and relation-level counts (`pg_restore_relation_stats`:
//! pages and tuples, no values) stay.
//!
//! Which attribute statistics go:
//!
//! * of a table's column that a rule (other than `keep`) covers, or of any column of a
//!   `rows: none` table, looking through the table's parents and its partitions and children
//!   alike (a parent's `inherited` statistics hold its children's values);
//! * of a generated column of such a table family (`full_name GENERATED ALWAYS AS
//!   (first_name || ' ' || last_name)` holds the ruled names it is computed from);
//! * of an index (an expression index such as `lower(email)` has statistics of its own) on
//!   a table with any rule;
//! * of any relation the dump has not shown to be a table or an index of an unruled table
//!   (a materialized view, an index sqlparser could not read), as soon as there is any rule.
//!
//! Statistics of unruled columns stay, under `policy: strict` too.

use scrub_rules::{Ident, Rule, RuleSet, TableName, TableRules};

use crate::catalog::Catalog;
use crate::header::FunctionCall;
use crate::plan::rules_for;

/// The functions whose statements carry no values: relation-level counts.
const COUNTS_ONLY: &str = "pg_restore_relation_stats";

/// The arguments of the statistics functions that name what the statistics are of, or hold
/// numbers computed over the data (fractions, widths, counts, correlations). Every other
/// argument may hold values of the column (`most_common_vals`, `histogram_bounds`,
/// `most_common_elems`, `range_bounds_histogram` and whatever a later pg_dump adds).
const NOT_VALUES: &[&str] = &[
    "version",
    "schemaname",
    "relname",
    "attname",
    "attnum",
    "inherited",
    "null_frac",
    "avg_width",
    "n_distinct",
    "most_common_freqs",
    "correlation",
    "most_common_elem_freqs",
    "elem_count_histogram",
    "range_length_histogram",
    "range_empty_frac",
    "relpages",
    "reltuples",
    "relallvisible",
    "relallfrozen",
];

/// What a statistics statement restores.
#[derive(Debug, PartialEq, Eq)]
pub struct StatsCall {
    pub function: String,
    pub relation: Option<TableName>,
    /// The column (`attname`); `None` for an index expression (`attnum`).
    pub column: Option<Ident>,
    /// The values it holds: the elements of array arguments, the text of the others, for
    /// every argument not in [`NOT_VALUES`].
    pub values: Vec<Vec<u8>>,
}

impl StatsCall {
    /// Whether the statement holds values of a column that `rules` rewrite, so that a run
    /// drops it (see the module docs).
    pub fn holds_ruled_values(&self, rules: &RuleSet, catalog: &Catalog) -> bool {
        must_drop(self, rules, catalog)
    }
}

/// Reads `SELECT * FROM pg_catalog.pg_restore_..._stats(...)`, given its call (see
/// [`crate::header::called_function`]) and text; `None` for other statements.
pub(crate) fn parse(call: &FunctionCall, text: &[u8]) -> Option<StatsCall> {
    let function = call.function.as_str();
    if !(call.from && function.starts_with("pg_restore_") && function.ends_with("_stats")) {
        return None;
    }
    let literals = string_literals(&text[call.args..]);
    let arg = |key: &str| {
        literals
            .chunks(2)
            .find(|pair| pair[0] == key.as_bytes())
            .and_then(|pair| pair.get(1))
            .map(|v| Ident::from_token(&String::from_utf8_lossy(v), true))
    };
    let values = literals
        .chunks(2)
        .filter(|pair| !NOT_VALUES.iter().any(|k| pair[0] == k.as_bytes()))
        .filter_map(|pair| pair.get(1))
        .flat_map(|v| scrub_rules::array_elements(v).unwrap_or_else(|| vec![v.clone()]))
        .collect();
    let relation = match (arg("schemaname"), arg("relname")) {
        (Some(schema), Some(rel)) => Some(TableName::new(schema, rel)),
        _ => None,
    };
    Some(StatsCall {
        function: function.to_owned(),
        relation,
        column: arg("attname"),
        values,
    })
}

/// The `'...'` literals of an argument list, in order (`''` is a quote).
fn string_literals(args: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'\'', &args[i..]) {
        let mut value = Vec::new();
        let mut j = i + k + 1;
        while j < args.len() {
            if args[j] == b'\'' {
                if args.get(j + 1) == Some(&b'\'') {
                    value.push(b'\'');
                    j += 2;
                    continue;
                }
                break;
            }
            value.push(args[j]);
            j += 1;
        }
        out.push(value);
        i = j + 1;
        if i >= args.len() {
            break;
        }
    }
    out
}

/// Whether the statement must be dropped (see the module docs).
pub(crate) fn must_drop(call: &StatsCall, rules: &RuleSet, catalog: &Catalog) -> bool {
    if call.function == COUNTS_ONLY || !rules.tables().iter().any(changes_data) {
        return false;
    }
    let Some(relation) = &call.relation else {
        return true;
    };
    if let Some(table) = catalog.table(relation) {
        return match &call.column {
            // A generated column is computed from others, perhaps ruled ones.
            Some(column) if table.column(column).is_some_and(|c| c.generated) => {
                family_has_rules(relation, rules, catalog)
            }
            Some(column) => catalog
                .family(relation)
                .iter()
                .any(|t| rules_for(rules, &catalog.lineage(t)).is_some_and(|r| ruled(&r, column))),
            None => family_has_rules(relation, rules, catalog),
        };
    }
    match catalog.index_table(relation) {
        Some(table) => family_has_rules(table, rules, catalog),
        None => true,
    }
}

fn family_has_rules(table: &TableName, rules: &RuleSet, catalog: &Catalog) -> bool {
    catalog
        .family(table)
        .iter()
        .any(|t| rules_for(rules, &catalog.lineage(t)).is_some_and(|r| changes_data(&r)))
}

fn changes_data(rules: &TableRules) -> bool {
    rules.drop_rows || rules.columns.iter().any(|c| c.rule != Rule::Keep)
}

fn ruled(rules: &TableRules, column: &Ident) -> bool {
    rules.drop_rows || rules.column(column).is_some_and(|c| c.rule != Rule::Keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> TableName {
        scrub_rules::parse_table_name(name).unwrap()
    }

    const ATTRIBUTE: &[u8] = b"SELECT * FROM pg_catalog.pg_restore_attribute_stats(\n\t'version', '180000'::integer,\n\t'schemaname', 'public',\n\t'relname', 'users',\n\t'attname', 'e''mail',\n\t'most_common_vals', '{\"Bob\",\"Ann\"}'::text\n);";

    /// A statement as the splitter reads it.
    fn parse_statement(text: &[u8]) -> Option<StatsCall> {
        parse(&crate::header::called_function(text)?, text)
    }

    #[test]
    fn reads_the_relation_and_column_of_a_statistics_call() {
        let call = parse_statement(ATTRIBUTE).unwrap();
        assert_eq!(call.function, "pg_restore_attribute_stats");
        assert_eq!(call.relation, Some(t("public.users")));
        assert_eq!(call.column, Some(Ident::from_token("e'mail", true)));
        assert_eq!(call.values, vec![b"Bob".to_vec(), b"Ann".to_vec()]);
        assert_eq!(
            parse_statement(b"SELECT pg_catalog.set_config('search_path', '', false);"),
            None
        );
        assert_eq!(
            parse_statement(b"SELECT pg_catalog.lo_create('4242');"),
            None
        );
    }

    #[test]
    fn drops_ruled_columns_indexes_of_ruled_tables_and_unknown_relations() {
        let mut catalog = Catalog::default();
        for sql in [
            "CREATE TABLE public.users (id integer, email text, name text, shout text GENERATED ALWAYS AS (upper(email)) STORED);",
            "CREATE TABLE public.people (id integer, email text) PARTITION BY LIST (id);",
            "CREATE TABLE public.people_1 PARTITION OF public.people FOR VALUES IN (1);",
            "CREATE TABLE public.log (id integer, line text, up text GENERATED ALWAYS AS (upper(line)) STORED);",
            "CREATE INDEX users_lower_email ON public.users USING btree (lower(email));",
            "CREATE INDEX log_line ON public.log USING btree (lower(line));",
        ] {
            catalog.learn(sql, 1);
        }
        let rules = RuleSet::from_yaml(
            "tables:\n  users:\n    columns: {email: email, id: keep}\n  people_1:\n    columns: {email: md5}\n",
        )
        .unwrap();
        let call = |function: &str, rel: &str, column: Option<&str>| StatsCall {
            function: function.to_owned(),
            relation: Some(t(rel)),
            column: column.map(|c| Ident::from_token(c, true)),
            values: Vec::new(),
        };
        let attr = "pg_restore_attribute_stats";
        let drop = |c: &StatsCall| must_drop(c, &rules, &catalog);
        assert!(drop(&call(attr, "public.users", Some("email"))));
        assert!(
            !drop(&call(attr, "public.users", Some("id"))),
            "keep is reviewed"
        );
        assert!(!drop(&call(attr, "public.users", Some("name"))), "unruled");
        // A generated column may be computed from ruled ones.
        assert!(drop(&call(attr, "public.users", Some("shout"))));
        assert!(!drop(&call(attr, "public.log", Some("up"))));
        assert!(!drop(&call(
            "pg_restore_relation_stats",
            "public.users",
            None
        )));
        // A parent's inherited statistics hold its partitions' values.
        assert!(drop(&call(attr, "public.people", Some("email"))));
        assert!(!drop(&call(attr, "public.people", Some("id"))));
        assert!(drop(&call(attr, "public.users_lower_email", None)));
        assert!(!drop(&call(attr, "public.log_line", None)));
        assert!(drop(&call(attr, "public.some_matview", Some("email"))));
        // Without rules nothing is dropped.
        let none = RuleSet::default();
        assert!(!must_drop(
            &call(attr, "public.some_matview", Some("email")),
            &none,
            &catalog
        ));
    }
}
