//! What the dump has told us so far about its tables.
//!
//! pg_dump writes `CREATE TABLE` before the data, and `--inserts` dumps give no column names,
//! so the rewriter learns each table's column order here (sqlparser reads the statements).
//! It also learns what `scrub check` needs (types, NOT NULL, keys, references, and the
//! schema's own literals a rule cannot reach: partition bounds, CHECKs, DEFAULTs), which tables
//! are partitions or children of others, so that a rule on a parent also covers the rows
//! pg_dump writes into its partitions, and the `search_path` that unqualified names resolve
//! through (pg_dump 9.6 and older, and hand-edited dumps).

use std::collections::HashMap;

use scrub_rules::{DEFAULT_SCHEMA, Ident, TableName};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, CreateIndex, CreateTable, Expr,
    ObjectName, ObjectNamePart, Statement, TableConstraint, UserDefinedTypeRepresentation,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::partition::{self, Bounds, PartitionKey};
use crate::{header, unparsed};

/// One column as its CREATE TABLE defines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: Ident,
    /// The type as written (`character varying(40)`, `public.mpaa_rating`, ...).
    pub data_type: String,
    pub not_null: bool,
    /// A generated column (`GENERATED ALWAYS AS (...) STORED`) has no data in the dump.
    pub generated: bool,
    /// `DEFAULT expr`: the line that sets it, and the expression.
    pub default: Option<(u64, String)>,
}

/// A CHECK constraint: the columns it reads, and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub columns: Vec<Ident>,
    pub text: String,
    pub line: u64,
}

/// A foreign key of a table: its columns, pairwise, reference `referred` of `table`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignKey {
    pub columns: Vec<Ident>,
    pub table: TableName,
    pub referred: Vec<Ident>,
    pub line: u64,
}

/// A partition's bounds and the line of the statement that gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionBounds {
    pub bounds: Bounds,
    pub line: u64,
}

/// One table as the dump defines it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Columns in table order; inherited ones first.
    pub columns: Vec<Column>,
    /// Tables this one inherits from or is a partition of.
    pub parents: Vec<TableName>,
    /// Column sets under a PRIMARY KEY, UNIQUE constraint or unique index.
    pub unique: Vec<Vec<Ident>>,
    /// Foreign keys of this table.
    pub references: Vec<ForeignKey>,
    /// `PARTITION BY ...`: a partitioned table, whose rows are in its partitions.
    pub partition_key: Option<PartitionKey>,
    /// `FOR VALUES ...` of a partition.
    pub bounds: Option<PartitionBounds>,
    pub checks: Vec<Check>,
    /// The line of its CREATE TABLE.
    pub line: u64,
    /// An inheritance child whose column order in the source database the dump does not
    /// show: `INHERITS` puts the parents' columns first, but a column added to a parent
    /// after the child was made comes last in the child, and `--inserts` writes values in
    /// that order. Set for a child with columns of its own or several parents, or whose
    /// parent is itself such a child or unknown.
    pub order_unknown: bool,
}

impl Table {
    pub fn column(&self, name: &Ident) -> Option<&Column> {
        self.columns.iter().find(|c| &c.name == name)
    }

    /// The columns COPY and `--column-inserts` list, in order (generated columns have no data;
    /// `--inserts` writes `DEFAULT` in their place).
    pub fn data_columns(&self) -> Vec<Ident> {
        self.columns
            .iter()
            .filter(|c| !c.generated)
            .map(|c| c.name.clone())
            .collect()
    }
}

/// The tables of a dump, as far as it has been read.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    tables: HashMap<TableName, Table>,
    /// CREATE TABLE statements sqlparser could not read: table, line, reason.
    unreadable: HashMap<TableName, (u64, String)>,
    search_path: Option<Vec<Ident>>,
    domains: HashMap<TableName, String>,
    /// Each index the dump created, and its table.
    indexes: HashMap<TableName, TableName>,
    /// The attributes of each composite type, for typed tables.
    composites: HashMap<TableName, Vec<Column>>,
}

impl Catalog {
    pub fn table(&self, name: &TableName) -> Option<&Table> {
        self.tables.get(name)
    }

    /// The table of the index `name`, if the dump created one by that name.
    pub fn index_table(&self, name: &TableName) -> Option<&TableName> {
        self.indexes.get(name)
    }

    /// Why the CREATE TABLE of `name` could not be read, if it could not.
    pub fn unreadable(&self, name: &TableName) -> Option<&(u64, String)> {
        self.unreadable.get(name)
    }

    /// The base type of a domain the dump created, if `type_name` is one.
    pub fn domain_base(&self, type_name: &str) -> Option<&str> {
        let parts = scrub_rules::parse_dotted(type_name).ok()?;
        let name = self.resolve(&parts);
        self.domains.get(&name).map(String::as_str)
    }

    pub fn set_search_path(&mut self, schemas: Vec<Ident>) {
        self.search_path = Some(schemas);
    }

    /// Resolves a name as written in the dump: `schema.table` as is; a bare `table` through
    /// the `search_path` the dump set, as PostgreSQL would.
    pub fn resolve(&self, parts: &[Ident]) -> TableName {
        match parts {
            [.., schema, name] => TableName::new(schema.clone(), name.clone()),
            [name] => {
                let path = self.path();
                path.iter()
                    .map(|schema| TableName::new(schema.clone(), name.clone()))
                    .find(|t| self.tables.contains_key(t))
                    .unwrap_or_else(|| TableName::new(self.creation_schema(), name.clone()))
            }
            [] => unreachable!("a name has at least one part"),
        }
    }

    fn path(&self) -> Vec<Ident> {
        match &self.search_path {
            Some(path) => path
                .iter()
                .filter(|s| s.as_str() != "pg_catalog" && s.as_str() != "$user")
                .cloned()
                .collect(),
            None => vec![Ident::from_token(DEFAULT_SCHEMA, false)],
        }
    }

    /// The schema a bare name is created in.
    fn creation_schema(&self) -> Ident {
        self.path()
            .into_iter()
            .next()
            .unwrap_or_else(|| Ident::from_token(DEFAULT_SCHEMA, false))
    }

    /// The table itself, then its parents, grandparents, ... (nearest first, no repeats).
    pub fn lineage(&self, name: &TableName) -> Vec<TableName> {
        let mut out = vec![name.clone()];
        let mut i = 0;
        while i < out.len() {
            if let Some(t) = self.tables.get(&out[i]) {
                for p in &t.parents {
                    if !out.contains(p) {
                        out.push(p.clone());
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// Every table, in name order.
    /// The table, its ancestors, and every table that has it among its ancestors.
    pub(crate) fn family(&self, table: &TableName) -> Vec<TableName> {
        let mut out = self.lineage(table);
        for name in self.tables.keys() {
            if !out.contains(name) && self.lineage(name).contains(table) {
                out.push(name.clone());
            }
        }
        out
    }

    pub fn tables(&self) -> Vec<(&TableName, &Table)> {
        let mut all: Vec<_> = self.tables.iter().collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        all
    }

    /// Records `parent` as the partition parent of `child` (`ATTACH PARTITION`), with the
    /// bounds the statement at `line` gives it.
    pub fn attach(
        &mut self,
        parent: TableName,
        child: TableName,
        bounds: Option<Bounds>,
        line: u64,
    ) {
        let entry = self.tables.entry(child).or_default();
        if !entry.parents.contains(&parent) {
            entry.parents.push(parent);
        }
        if let Some(bounds) = bounds {
            entry.bounds = Some(PartitionBounds { bounds, line });
        }
    }

    /// Learns from a DDL statement: CREATE TABLE (typed tables and virtual generated columns
    /// too, see [`unparsed`] and [`header::parse_typed_table`]), CREATE TYPE ... AS (...), CREATE DOMAIN, CREATE [UNIQUE] INDEX,
    /// ALTER TABLE ... ADD CONSTRAINT. Other statements, and ones sqlparser cannot read, teach
    /// nothing (a CREATE TABLE that cannot be read is remembered, to explain a later failure).
    /// Returns the table a CREATE TABLE defined.
    pub fn learn(&mut self, sql: &str, line: u64) -> Option<TableName> {
        let parse = |sql: &str| Parser::parse_sql(&PostgreSqlDialect {}, sql);
        let (statements, sql) = match parse(sql) {
            Ok(s) => (s, sql.to_owned()),
            Err(e) => {
                if let Some(stored) = unparsed::stored_generated(sql)
                    && let Ok(s) = parse(&stored)
                {
                    (s, stored)
                } else if let Some((table, type_name)) = header::parse_typed_table(sql.as_bytes()) {
                    return Some(self.learn_typed_table(&table, &type_name, line, e.to_string()));
                } else {
                    if let Some(name) = created_table_name(sql) {
                        let name = self.resolve(&name);
                        self.unreadable.insert(name, (line, e.to_string()));
                    }
                    return None;
                }
            }
        };
        let mut created = None;
        for statement in statements {
            match statement {
                Statement::CreateTable(create) => {
                    created = Some(self.learn_create_table(create, &sql, line));
                }
                Statement::CreateType {
                    name,
                    representation: Some(UserDefinedTypeRepresentation::Composite { attributes }),
                } => {
                    let name = self.resolve(&object_name(&name));
                    let attributes = attributes
                        .iter()
                        .map(|a| Column {
                            name: ident(&a.name),
                            data_type: a.data_type.to_string(),
                            not_null: false,
                            generated: false,
                            default: None,
                        })
                        .collect();
                    self.composites.insert(name, attributes);
                }
                Statement::CreateIndex(index) => self.learn_index(index),
                Statement::CreateDomain(domain) => {
                    let name = self.resolve(&object_name(&domain.name));
                    self.domains.insert(name, domain.data_type.to_string());
                }
                Statement::AlterTable(alter) => {
                    let table = self.resolve(&object_name(&alter.name));
                    for op in alter.operations {
                        match op {
                            AlterTableOperation::AddConstraint { constraint, .. } => {
                                self.learn_constraint(&table, constraint, line);
                            }
                            AlterTableOperation::AlterColumn {
                                column_name,
                                op: AlterColumnOperation::SetDefault { value },
                            } => {
                                let name = ident(&column_name);
                                let t = self.tables.entry(table.clone()).or_default();
                                if let Some(c) = t.columns.iter_mut().find(|c| c.name == name) {
                                    c.default = Some((line, value.to_string()));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        created
    }

    /// A typed table (`CREATE TABLE t OF person_t`) has its composite type's attributes as
    /// columns, in order. `error` is why sqlparser could not read the statement.
    fn learn_typed_table(
        &mut self,
        table: &[Ident],
        type_name: &[Ident],
        line: u64,
        error: String,
    ) -> TableName {
        let name = self.resolve(table);
        let type_name = self.resolve(type_name);
        match self.composites.get(&type_name) {
            Some(attributes) => {
                let columns = attributes.clone();
                self.unreadable.remove(&name);
                let t = self.tables.entry(name.clone()).or_default();
                t.columns = columns;
                t.line = line;
            }
            None => {
                let why = format!(
                    "{error}; it is a typed table of {type_name}, whose CREATE TYPE the dump has not shown before this line"
                );
                self.unreadable.insert(name.clone(), (line, why));
            }
        }
        name
    }

    fn learn_create_table(&mut self, create: CreateTable, sql: &str, line: u64) -> TableName {
        let name = self.resolve(&object_name(&create.name));
        let mut parents: Vec<TableName> = Vec::new();
        if let Some(parent) = &create.partition_of {
            parents.push(self.resolve(&object_name(parent)));
        }
        for parent in create.inherits.iter().flatten() {
            parents.push(self.resolve(&object_name(parent)));
        }
        let inherits = create.inherits.as_ref().map_or(0, Vec::len);
        let inherited = |c: &sqlparser::ast::ColumnDef| {
            parents.iter().any(|p| {
                self.tables
                    .get(p)
                    .is_some_and(|t| t.column(&ident(&c.name)).is_some())
            })
        };
        // A column of the child's own that merges with a parent's takes the parent's place;
        // one that does not may sit before columns added to the parent later.
        let order_unknown = inherits > 0
            && (inherits > 1
                || !create.columns.iter().all(inherited)
                || parents
                    .iter()
                    .any(|p| self.tables.get(p).is_none_or(|t| t.order_unknown)));
        let mut columns: Vec<Column> = Vec::new();
        for parent in &parents {
            for c in self
                .tables
                .get(parent)
                .map(|t| t.columns.clone())
                .unwrap_or_default()
            {
                if !columns.iter().any(|have| have.name == c.name) {
                    columns.push(c);
                }
            }
        }
        let mut unique = Vec::new();
        let mut checks = Vec::new();
        for def in create.columns {
            let name = ident(&def.name);
            let mut column = Column {
                name: name.clone(),
                data_type: def.data_type.to_string(),
                not_null: false,
                generated: false,
                default: None,
            };
            for option in def.options {
                match option.option {
                    ColumnOption::NotNull => column.not_null = true,
                    ColumnOption::PrimaryKey(_) => {
                        column.not_null = true;
                        unique.push(vec![name.clone()]);
                    }
                    ColumnOption::Unique(_) => unique.push(vec![name.clone()]),
                    ColumnOption::Generated {
                        generation_expr: Some(_),
                        ..
                    } => column.generated = true,
                    ColumnOption::Default(expr) => column.default = Some((line, expr.to_string())),
                    ColumnOption::Check(c) => checks.push(check(&c.expr, line)),
                    _ => {}
                }
            }
            match columns.iter_mut().find(|c| c.name == column.name) {
                // A parent's plain column may be generated in the child, or get a default.
                Some(existing) => {
                    existing.not_null |= column.not_null;
                    existing.generated |= column.generated;
                    existing.default = column.default.or(existing.default.take());
                }
                None => columns.push(column),
            }
        }
        self.unreadable.remove(&name);
        let table = self.tables.entry(name.clone()).or_default();
        table.columns = columns;
        table.line = line;
        table.order_unknown = order_unknown;
        for p in parents {
            if !table.parents.contains(&p) {
                table.parents.push(p);
            }
        }
        table.unique.extend(unique);
        table.checks.extend(checks);
        if create.partition_by.is_some() {
            table.partition_key = partition::partition_key(sql);
        }
        if create.partition_of.is_some() {
            table.bounds = partition::bounds(sql).map(|bounds| PartitionBounds { bounds, line });
        }
        for constraint in create.constraints {
            self.learn_constraint(&name, constraint, line);
        }
        name
    }

    fn learn_constraint(&mut self, table: &TableName, constraint: TableConstraint, line: u64) {
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                let cols: Vec<Ident> = pk
                    .columns
                    .iter()
                    .filter_map(|c| expr_ident(&c.column.expr))
                    .collect();
                let t = self.tables.entry(table.clone()).or_default();
                for c in t.columns.iter_mut().filter(|c| cols.contains(&c.name)) {
                    c.not_null = true;
                }
                t.unique.push(cols);
            }
            TableConstraint::Unique(u) => {
                let cols = u
                    .columns
                    .iter()
                    .filter_map(|c| expr_ident(&c.column.expr))
                    .collect();
                self.tables
                    .entry(table.clone())
                    .or_default()
                    .unique
                    .push(cols);
            }
            TableConstraint::ForeignKey(fk) => {
                let target = self.resolve(&object_name(&fk.foreign_table));
                let referred: Vec<Ident> = fk.referred_columns.iter().map(ident).collect();
                let columns = fk.columns.iter().map(ident).collect();
                self.tables
                    .entry(table.clone())
                    .or_default()
                    .references
                    .push(ForeignKey {
                        columns,
                        table: target,
                        referred,
                        line,
                    });
            }
            TableConstraint::Check(c) => {
                let c = check(&c.expr, line);
                self.tables.entry(table.clone()).or_default().checks.push(c);
            }
            _ => {}
        }
    }

    fn learn_index(&mut self, index: CreateIndex) {
        let table = self.resolve(&object_name(&index.table_name));
        if let Some(name) = index.name.as_ref().and_then(|n| object_name(n).pop()) {
            // An index lives in its table's schema.
            let index_name = TableName::new(table.schema.clone(), name);
            self.indexes.insert(index_name, table.clone());
        }
        if !index.unique || index.predicate.is_some() {
            return;
        }
        let cols: Vec<Ident> = index
            .columns
            .iter()
            .filter_map(|c| expr_ident(&c.column.expr))
            .collect();
        if cols.len() == index.columns.len() {
            self.tables.entry(table).or_default().unique.push(cols);
        }
    }
}

fn ident(i: &sqlparser::ast::Ident) -> Ident {
    Ident::from_token(&i.value, i.quote_style.is_some())
}

fn object_name(name: &ObjectName) -> Vec<Ident> {
    name.0
        .iter()
        .filter_map(|part| match part {
            ObjectNamePart::Identifier(i) => Some(ident(i)),
            ObjectNamePart::Function(_) => None,
        })
        .collect()
}

/// A CHECK's expression and the names it reads: every identifier token, which is what a column
/// reference is (a function named like a column would count too, and only make a finding).
fn check(expr: &Expr, line: u64) -> Check {
    let text = expr.to_string();
    let columns = Tokenizer::new(&PostgreSqlDialect {}, &text)
        .tokenize()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(Ident::from_token(&w.value, w.quote_style.is_some())),
            _ => None,
        })
        .collect();
    Check {
        columns,
        text,
        line,
    }
}

fn expr_ident(expr: &Expr) -> Option<Ident> {
    match expr {
        Expr::Identifier(i) => Some(ident(i)),
        _ => None,
    }
}

/// The table a CREATE TABLE statement names, read from its first tokens.
fn created_table_name(sql: &str) -> Option<Vec<Ident>> {
    let upper = sql.trim_start().to_ascii_uppercase();
    let after = [
        "CREATE TABLE ",
        "CREATE UNLOGGED TABLE ",
        "CREATE FOREIGN TABLE ",
    ]
    .iter()
    .find_map(|prefix| {
        upper
            .starts_with(prefix)
            .then(|| &sql.trim_start()[prefix.len()..])
    })?;
    let end = after.find(['(', ' ', '\n']).unwrap_or(after.len());
    scrub_rules::parse_dotted(&after[..end]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use scrub_rules::parse_table_name;

    fn t(name: &str) -> TableName {
        parse_table_name(name).unwrap()
    }

    #[test]
    fn learns_columns_keys_and_generated() {
        let mut c = Catalog::default();
        c.learn(
            "CREATE TABLE public.users (id integer NOT NULL, email character varying(40), full_name text GENERATED ALWAYS AS (email) STORED, \"Nick\" text UNIQUE);",
            3,
        );
        c.learn(
            "ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);",
            9,
        );
        c.learn(
            "CREATE UNIQUE INDEX users_email ON public.users USING btree (email);",
            10,
        );
        c.learn("ALTER TABLE ONLY public.orders ADD CONSTRAINT fk FOREIGN KEY (user_email) REFERENCES public.users(email);", 11);
        let users = c.table(&t("users")).unwrap();
        assert_eq!(
            users
                .data_columns()
                .iter()
                .map(Ident::as_str)
                .collect::<Vec<_>>(),
            ["id", "email", "Nick"]
        );
        assert!(
            users
                .column(&Ident::from_token("id", false))
                .unwrap()
                .not_null
        );
        assert_eq!(
            users
                .column(&Ident::from_token("email", false))
                .unwrap()
                .data_type,
            "CHARACTER VARYING(40)"
        );
        assert_eq!(users.unique.len(), 3);
        let orders = c.table(&t("orders")).unwrap();
        assert_eq!(
            orders.references,
            vec![ForeignKey {
                columns: vec![Ident::from_token("user_email", false)],
                table: t("users"),
                referred: vec![Ident::from_token("email", false)],
                line: 11,
            }]
        );
        assert_eq!(users.line, 3);
    }

    #[test]
    fn partitions_and_children_know_their_parents() {
        let mut c = Catalog::default();
        c.learn(
            "CREATE TABLE public.payment (id integer, email text) PARTITION BY RANGE (id);",
            1,
        );
        c.learn(
            "CREATE TABLE public.payment_p1 (id integer, email text);",
            2,
        );
        c.attach(t("payment"), t("payment_p1"), None, 2);
        c.learn(
            "CREATE TABLE public.payment_old (note text) INHERITS (public.payment);",
            3,
        );
        assert_eq!(
            c.lineage(&t("payment_p1")),
            vec![t("payment_p1"), t("payment")]
        );
        let old = c.table(&t("payment_old")).unwrap();
        assert_eq!(
            old.data_columns()
                .iter()
                .map(Ident::as_str)
                .collect::<Vec<_>>(),
            ["id", "email", "note"]
        );
    }

    #[test]
    fn bare_names_resolve_through_the_search_path() {
        let mut c = Catalog::default();
        assert_eq!(c.resolve(&[Ident::from_token("t", false)]), t("public.t"));
        c.set_search_path(vec![
            Ident::from_token("sales", false),
            Ident::from_token("pg_catalog", false),
        ]);
        c.learn("CREATE TABLE customer (id integer);", 1);
        assert!(c.table(&t("sales.customer")).is_some());
        c.set_search_path(vec![
            Ident::from_token("other", false),
            Ident::from_token("sales", false),
        ]);
        assert_eq!(
            c.resolve(&[Ident::from_token("customer", false)]),
            t("sales.customer")
        );
        assert_eq!(
            c.resolve(&[Ident::from_token("nothing", false)]),
            t("other.nothing")
        );
    }

    #[test]
    fn remembers_why_a_create_table_was_unreadable() {
        let mut c = Catalog::default();
        c.learn(
            "CREATE TABLE public.weird (a integer) WITH SOMETHING ODD;",
            4,
        );
        assert_eq!(c.unreadable(&t("weird")).map(|u| u.0), Some(4));
    }
}
