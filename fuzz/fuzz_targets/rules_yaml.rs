//! Any text as a rules file: `RuleSet::from_yaml` may refuse it, never panic; what it accepts
//! must re-validate to the same rule set and be usable by the rewriter.
//!
//! The rule set has no printer back to YAML, so "re-validates" means: parsing the same text
//! again gives an equal set (no hidden state), every table is found under its own name, every
//! rule answers the questions `scrub check` asks of it, and a splitter built on the set
//! rewrites a small dump that names its tables without panicking.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use scrub_rules::{Keys, RuleSet};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = RuleSet::from_yaml(text) else {
        return;
    };
    let again = RuleSet::from_yaml(text).expect("accepted once, refused the second time");
    assert_eq!(set, again, "the same text gave two rule sets");
    let mut dump = b"--\n-- PostgreSQL database dump\n--\n\n".to_vec();
    for t in set.tables() {
        assert_eq!(
            set.table(&t.table),
            Some(t),
            "table {} not found by name",
            t.table
        );
        // Exactly one of: column rules, `rows: none`, `columns: keep`.
        let kinds = [!t.columns.is_empty(), t.drop_rows, t.keep_all];
        assert_eq!(kinds.iter().filter(|&&k| k).count(), 1, "{}", t.table);
        for c in &t.columns {
            assert_eq!(t.column(&c.column), Some(c));
            let _ = (c.rule.label(), c.rule.max_len(), c.rule.is_value_based());
            let _ = (c.rule.uses_key(), c.rule.reads_text(), c.rule.is_constant());
        }
        let cols: Vec<String> = t.columns.iter().map(|c| c.column.to_string()).collect();
        if !cols.is_empty() {
            let row: Vec<&str> = cols.iter().map(|_| "a@b.c").collect();
            dump.extend_from_slice(
                format!(
                    "COPY {} ({}) FROM stdin;\n{}\n\\.\n\n",
                    t.table,
                    cols.join(", "),
                    row.join("\t")
                )
                .as_bytes(),
            );
        }
    }
    dump.extend_from_slice(b"--\n-- PostgreSQL database dump complete\n--\n\n");
    let _ = scrubber::scrub_bytes(&dump, Arc::new(set), &Keys::from_seed(3), 1 << 16);
});
