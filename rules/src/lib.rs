//! The rule model of `scrub`: which columns of which tables get which transform.
//!
//! This crate reads and validates the YAML rules file and applies a rule to one decoded
//! value. It does no I/O and knows nothing of dumps: the `scrubber` crate finds the values
//! and escapes what the rules return.
//!
//! ```
//! use scrub_rules::{Outcome, Place, RuleSet, Value, parse_table_name, MD5_HEX_LEN};
//!
//! let rules = RuleSet::from_yaml("tables:\n  users:\n    columns:\n      email: email\n").unwrap();
//! let users = rules.table(&parse_table_name("public.users").unwrap()).unwrap();
//! let rule = &users.columns[0].rule;
//! let mut scratch = [0; MD5_HEX_LEN];
//! let place = Place { seed: 1, row: 0, column: 0 };
//! assert_eq!(rule.apply(Value::Text(b"ann@corp.com"), place, &mut scratch), Outcome::Text(b"nobody@example.com"));
//! ```

mod file;
mod name;
mod rule;

pub use file::{ColumnRule, Pos, RuleSet, RulesError, TableRules};
pub use name::{
    DEFAULT_SCHEMA, Ident, NameError, TableName, parse_column_name, parse_dotted, parse_table_name,
};
pub use rule::{DEFAULT_EMAIL, MD5_HEX_LEN, Outcome, Place, Rule, Scratch, Value};
