//! `scrub`: the command-line program. See the README for the rules file and examples.
//!
//! Exit status: 0 success, 1 bad data (or a rule that matched nothing, or a problem `check`
//! found), 2 bad usage or a bad rules file. A closed standard output ends the run quietly.

mod check;
mod classify;
mod cli;
mod compress;
mod detect;
mod fingerprint;
mod generate;
mod input;
mod keyfile;
mod parallel;
mod pipe;
mod progress;
mod report;
mod sink;
mod summary;
mod verify;

use std::io::ErrorKind;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use scrub_rules::{LargeObjects, Policy, RuleSet};

use crate::cli::{Cli, Command, RunArgs};
use crate::parallel::{RunError, Settings};

/// A failed run: what to print, and the exit status.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn data(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(help_args(std::env::args_os().collect()));
    let result = match cli.command {
        Some(Command::Check(args)) => check::run(&args),
        Some(Command::Verify(args)) => verify::run(&args),
        Some(Command::Detect(args)) => detect::run(&args),
        Some(Command::Generate(args)) => generate::run(&args),
        None => scrub(cli.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("{}", f.message.trim_end());
            }
            ExitCode::from(f.code)
        }
    }
}

/// Reads and validates a rules file; failures are usage errors (exit 2).
/// `scrub help --help` and `scrub help verify -h` mean the help clap's `help` would print
/// without the flag (clap refuses a flag after `help`).
fn help_args(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    if args.get(1).is_some_and(|a| a == "help") {
        let is_flag = |a: &std::ffi::OsString| a == "--help" || a == "-h";
        let (head, tail) = args.split_at(2);
        let rest: Vec<_> = tail.iter().filter(|a| !is_flag(a)).cloned().collect();
        args = head.iter().cloned().chain(rest).collect();
    }
    args
}

pub fn load_rules(path: &Path) -> Result<RuleSet, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!(
            "scrub: cannot read the rules file {}: {e}",
            path.display()
        ))
    })?;
    // The YAML parser names its input `<input>`: the file is what the reader must open.
    RuleSet::from_yaml(&text).map_err(|e| {
        let shown = path.display().to_string();
        Failure::usage(format!(
            "scrub: {shown}: {}",
            e.to_string().replace("<input>", &shown)
        ))
    })
}

/// A run, and its `--report` whether it succeeds or fails.
fn scrub(args: RunArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let output = args.output.as_deref().filter(|o| *o != Path::new("-"));
    let mut record = report::RunReport::start(
        input::display_name(args.input.as_deref()),
        output.map_or("-".to_owned(), |o| o.display().to_string()),
        jobs,
    );
    let report_path = args.report.clone();
    let result = scrub_run(args, jobs, started, &mut record);
    let Some(path) = report_path else {
        return result;
    };
    record.ok = result.is_ok();
    record.error = result
        .as_ref()
        .err()
        .map(|f| f.message.trim_end().to_owned());
    record.seconds = started.elapsed().as_secs_f64();
    let written = report::write(&path, &record, "scrub");
    match (result, written) {
        (Err(mut f), Err(w)) => {
            f.message = format!("{}\n{}", f.message.trim_end(), w.message);
            Err(f)
        }
        (result, written) => result.and(written),
    }
}

fn scrub_run(
    args: RunArgs,
    jobs: usize,
    started: Instant,
    record: &mut report::RunReport,
) -> Result<(), Failure> {
    let rules_path = args.rules.expect("clap requires --config");
    if let Some(extra) = args.more_inputs.first() {
        return Err(Failure::usage(format!(
            "scrub: one INPUT at a time (got {} and {}): scrub reads one dump; run it once per file",
            args.input.as_deref().unwrap_or(Path::new("-")).display(),
            extra.display()
        )));
    }
    // `-o -` is standard output, as INPUT `-` is standard input.
    let output = args.output.as_deref().filter(|o| *o != Path::new("-"));
    if args.compress.is_some() && output.is_none() && std::io::stdout().is_terminal() {
        return Err(Failure::usage(
            "scrub: --compress would write binary data to the terminal: give -o FILE or a pipe",
        ));
    }
    let rules = Arc::new(load_rules(&rules_path)?);
    let keyed = rules.uses_key();
    let input_name = input::display_name(args.input.as_deref());
    let progress = progress::Progress::new(args.progress.progress, args.quiet);
    let (input, line) = input::open_shown(args.input.as_ref(), &progress, "scrub")
        .map_err(|e| Failure::data(format!("scrub: {e:#}")))?;
    let seed = args.seed.unwrap_or_else(rand::random);
    let keys = keyfile::keys(seed, args.key_file.as_deref())
        .map_err(|e| Failure::usage(format!("scrub: {e}")))?;
    let settings = Settings {
        jobs,
        keys: Arc::new(keys),
        compress: args.compress,
        chunk_size: args.chunk_size,
        checks: args.accept.checks(),
        omit: scrubber::Omit {
            owner: args.no_owner,
            privileges: args.no_privileges,
            subscriptions: args.no_subscriptions,
        },
    };

    let mut sink = sink::Sink::open(output).map_err(|e| Failure::data(format!("scrub: {e:#}")))?;
    let run = parallel::run(input, rules.clone(), sink.writer(), settings.clone(), &line);
    drop(line);
    let totals = match run {
        Ok(t) => t,
        Err(RunError::Write(e)) if e.kind() == ErrorKind::BrokenPipe => return Ok(()),
        Err(RunError::Data(e)) => return Err(Failure::data(format!("scrub: {input_name}:{e}"))),
        Err(e) => return Err(Failure::data(format!("scrub: {input_name}: {e}"))),
    };
    let report = &totals.report;
    let rules_name = rules_path.display();
    let mut message = String::new();
    let mut unmatched_rules: Vec<String> = report
        .unmatched
        .iter()
        .map(|u| format!("{rules_name}:{u}"))
        .collect();
    let unmatched_paths = rules.unmatched_json_paths();
    for (table, column, path) in &unmatched_paths {
        unmatched_rules.push(format!(
            "{rules_name}:{}: JSON path {path} of {}.{} matched no value in any document of {input_name}",
            column.at, table.table, column.column
        ));
    }
    for u in &unmatched_rules {
        message.push_str(&format!("scrub: {u}\n"));
    }
    record.read(
        &totals,
        &rules,
        keyed.then(|| settings.keys.source()),
        unmatched_rules,
    );
    for u in &report.uncovered {
        message.push_str(&format!("scrub: {input_name}:{u}\n"));
    }
    for f in &report.foreign_keys {
        message.push_str(&format!("scrub: {rules_name}:{f}\n"));
    }
    let mut reasons = Vec::new();
    let unmatched = report.unmatched.len() + unmatched_paths.len();
    if unmatched > 0 {
        reasons.push(format!(
            "{unmatched} rule(s) matched nothing in {input_name} (a misspelt rule would leak)"
        ));
    }
    if !report.uncovered.is_empty() {
        reasons.push(format!(
            "{} column(s) with data have no rule under `policy: strict`",
            report.uncovered.len()
        ));
    }
    if !report.foreign_keys.is_empty() {
        reasons.push(format!(
            "{} foreign key column(s) would not match what they reference",
            report.foreign_keys.len()
        ));
    }
    let large = &report.large_objects;
    let undecided = large.objects > 0 && rules.large_objects() == LargeObjects::Undecided;
    if undecided {
        let what = format!(
            "{input_name}:{}: the dump holds the contents of {} large object(s), which no column rule reaches; say `large_objects: none` (create them empty) or `large_objects: keep` in {rules_name}",
            large.first_line.unwrap_or(0),
            large.objects
        );
        if rules.policy() == Policy::Strict {
            message.push_str(&format!("scrub: {what}\n"));
            reasons.push(format!(
                "{} large object(s) undecided under `policy: strict`",
                large.objects
            ));
        } else if !rules.is_empty() {
            eprintln!("scrub: warning: {what}");
        }
    }
    if !reasons.is_empty() {
        message.push_str(&format!(
            "scrub: {}; no output was kept",
            reasons.join("; ")
        ));
        return Err(Failure::data(message));
    }
    match sink.commit() {
        Ok(()) => {}
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == ErrorKind::BrokenPipe) =>
        {
            return Ok(());
        }
        Err(e) => return Err(Failure::data(format!("scrub: {e:#}"))),
    }
    if !args.quiet {
        eprint!(
            "{}",
            summary::render(&totals, &settings, keyed, started.elapsed())
        );
    }
    Ok(())
}
