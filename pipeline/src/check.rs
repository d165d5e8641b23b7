//! `scrub check`: validate a rules file, and check it against a schema.

use std::sync::Arc;

use scrubber::Chunker;

use crate::cli::CheckArgs;
use crate::{Failure, input, load_rules};

pub fn run(args: &CheckArgs) -> Result<(), Failure> {
    let rules = load_rules(&args.rules)?;
    let rules_name = args.rules.display();
    let column_rules: usize = rules.tables().iter().map(|t| t.columns.len()).sum();
    let Some(schema) = &args.schema else {
        println!(
            "{rules_name}: {} table(s), {column_rules} column rule(s): valid",
            rules.tables().len()
        );
        return Ok(());
    };
    let schema_name = schema.display();
    let reader = input::open(Some(schema)).map_err(|e| Failure::data(format!("scrub: {e:#}")))?;
    // Read the schema through the same splitter as a run: it learns the tables and, when the
    // file has data too, which columns have rows (only those need a rule under strict). The
    // chunks are not rewritten.
    let mut chunker = Chunker::new(
        reader,
        Arc::new(rules.clone()),
        scrubber::DEFAULT_CHUNK_SIZE,
    )
    .with_checks(args.accept.checks());
    loop {
        match chunker.next_chunk() {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return Err(Failure::data(format!("scrub: {schema_name}:{e}"))),
        }
    }
    let report = chunker
        .finish()
        .map_err(|e| Failure::data(format!("scrub: {schema_name}:{e}")))?;
    let findings = scrubber::check_rules(&rules, &report.catalog);
    let uncovered = if report.saw_data {
        report.uncovered.clone()
    } else {
        scrubber::uncovered_columns(&rules, &report.catalog)
    };
    if findings.is_empty() && uncovered.is_empty() {
        println!(
            "{rules_name}: {} table(s), {column_rules} column rule(s): all match {schema_name}",
            rules.tables().len()
        );
        return Ok(());
    }
    let mut out = String::new();
    for f in &findings {
        out.push_str(&format!("{rules_name}:{f}\n"));
    }
    for u in &uncovered {
        out.push_str(&format!("{schema_name}:{u}\n"));
    }
    out.push_str(&format!(
        "scrub check: {} problem(s) with {rules_name} against {schema_name}",
        findings.len() + uncovered.len()
    ));
    Err(Failure::data(out))
}
