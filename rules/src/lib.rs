//! The rule model of `scrub`: which columns of which tables get which transform.
//!
//! This crate reads and validates the YAML rules file and applies a rule to one decoded
//! value. It does no I/O and knows nothing of dumps: the `scrubber` crate finds the values
//! and escapes what the rules return.
//!
//! ```
//! use scrub_rules::{Keys, Outcome, Place, RuleSet, Value, parse_table_name};
//!
//! let rules = RuleSet::from_yaml("tables:\n  users:\n    columns:\n      email: email\n").unwrap();
//! let users = rules.table(&parse_table_name("public.users").unwrap()).unwrap();
//! let rule = &users.columns[0].rule;
//! let mut out = Vec::new();
//! let place = Place { row: 0, column: 0 };
//! let outcome = rule.apply(Value::Text(b"ann@corp.com"), place, &Keys::from_seed(1), &mut out);
//! assert_eq!(outcome, Ok(Outcome::Text(b"nobody@example.com")));
//! ```
//!
//! Value-based rules (`hash`, `fake`) derive their output from the run's key and the value
//! only, so the same value gets the same pseudonym in every table and row:
//!
//! ```
//! use scrub_rules::{Keys, Outcome, Place, RuleSet, Value, parse_table_name};
//!
//! let yaml = "tables:\n  users:\n    columns:\n      email: {hash: email}\n";
//! let rules = RuleSet::from_yaml(yaml).unwrap();
//! let rule = &rules.table(&parse_table_name("users").unwrap()).unwrap().columns[0].rule;
//! let keys = Keys::with_key_material(1, &[7; 32]).unwrap();
//! let (mut a, mut b) = (Vec::new(), Vec::new());
//! let first = rule.apply(Value::Text(b"ann@corp.com"), Place { row: 10, column: 1 }, &keys, &mut a);
//! let again = rule.apply(Value::Text(b"ann@corp.com"), Place { row: 99, column: 3 }, &keys, &mut b);
//! assert_eq!(first, again);
//! let Ok(Outcome::Text(text)) = first else { panic!() };
//! assert!(text.starts_with(b"u") && text.ends_with(b"@example.com") && text.len() == 37);
//! ```

mod args;
mod array;
mod fake;
mod file;
mod hash;
mod json;
mod keys;
mod name;
mod permute;
mod prf;
mod redact;
mod rule;
mod scratch;

pub use array::elements as array_elements;
pub use fake::{Fake, KIND_NAMES, Kind as FakeKind};
pub use file::{ColumnRule, LargeObjects, Policy, Pos, RuleSet, RulesError, TableRules};
pub use hash::{Hash, Shape as HashShape};
pub use json::{JsonPath, JsonRule};
pub use keys::{KeyError, KeySource, Keys, MIN_KEY_MATERIAL};
pub use name::{
    DEFAULT_SCHEMA, Ident, NameError, TableName, parse_column_name, parse_dotted, parse_table_name,
};
pub use redact::{Found, Redact, RedactKind};
pub use rule::{
    DEFAULT_EMAIL, MD5_HEX_LEN, Outcome, PLACE_HEX_LEN, Place, Rule, Value, ValueError,
};
