//! `scrub check`: validate a rules file, and check it against a schema.

use std::sync::Arc;

use scrub_rules::RuleSet;
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
    // Read the schema through the same splitter as a run, with no rules: it only learns.
    let report = read(schema, RuleSet::default(), args)?;
    let findings = scrubber::check_rules(&rules, &report.catalog);
    // A file with data too shows which columns have rows: under strict only those need a
    // rule, which is what a run with the rules reports. If that run stops at the data (a
    // finding above says why), every column is asked for.
    let with_rows = (report.saw_data && rules.policy() == scrub_rules::Policy::Strict)
        .then(|| read(schema, rules.clone(), args).ok())
        .flatten();
    let uncovered = match with_rows {
        Some(run) => run.uncovered,
        None => scrubber::uncovered_columns(&rules, &report.catalog),
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

/// Reads `schema` through the splitter with `rules` (the chunks are not rewritten).
fn read(
    schema: &std::path::PathBuf,
    rules: RuleSet,
    args: &CheckArgs,
) -> Result<scrubber::Report, Failure> {
    let schema_name = schema.display();
    let reader = input::open(Some(schema)).map_err(|e| Failure::data(format!("scrub: {e:#}")))?;
    let mut chunker = Chunker::new(reader, Arc::new(rules), scrubber::DEFAULT_CHUNK_SIZE)
        .with_checks(args.accept.checks());
    loop {
        match chunker.next_chunk() {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return Err(Failure::data(format!("scrub: {schema_name}:{e}"))),
        }
    }
    chunker
        .finish()
        .map_err(|e| Failure::data(format!("scrub: {schema_name}:{e}")))
}
