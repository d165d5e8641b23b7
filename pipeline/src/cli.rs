//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::compress::Compression;

/// Rewrites the table data of a pg_dump plain-SQL stream by the rules of a YAML file and
/// passes every other byte through untouched.
#[derive(Debug, Parser)]
#[command(
    name = "scrub",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("SCRUB_COMMIT"), ")"),
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validates a rules file and, given a schema, reports every rule that would break the
    /// restore or leak.
    Check(CheckArgs),
    /// Checks a scrubbed dump against its original: reports every value of a ruled column
    /// that is still anywhere in the scrubbed dump (not one that is data the rules leave
    /// alone), and rows per table. Exit 0 clean, 1 on a leak, a row count mismatch, a
    /// duplicate in a unique column or a rule that matches nothing.
    Verify(VerifyArgs),
    /// Reads a dump and prints a proposed rules file: `policy: strict`, every column of every
    /// table with data, `keep` where nothing personal was found, a rule and the reason where
    /// something was. With -c, exits 1 when a column that looks personal has no rule there.
    Detect(DetectArgs),
    /// Writes the man pages (one per command) or the bash, zsh and fish completions into
    /// DIR, made from these very definitions; scripts/package runs it for the .deb.
    Generate(GenerateArgs),
}

/// Whether to show progress on standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressWhen {
    /// When standard error is a terminal.
    Auto,
    /// Never.
    Never,
}

#[derive(Debug, Args, Clone, Copy)]
pub struct ProgressArgs {
    /// Progress on standard error (bytes, the rate, the table, and with a file as input the
    /// percentage and time left): `auto` shows it when standard error is a terminal.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ProgressWhen::Auto)]
    pub progress: ProgressWhen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Generated {
    /// A man page per command: scrub.1, scrub-check.1, scrub-verify.1, scrub-detect.1,
    /// scrub-generate.1.
    Man,
    /// Completions for bash (scrub.bash), zsh (_scrub) and fish (scrub.fish).
    Completions,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to write.
    #[arg(value_enum)]
    pub what: Generated,
    /// The folder to write into (made when missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// What input besides a whole pg_dump plain dump to accept (see the README's "Input").
#[derive(Debug, Args, Clone, Copy)]
pub struct InputArgs {
    /// Accept SQL that has neither pg_dump's header nor any table data (hand-made SQL).
    #[arg(long)]
    pub allow_fragment: bool,

    /// Accept a dump that has pg_dump's header but not its last line
    /// `-- PostgreSQL database dump complete` (a dump cut short).
    #[arg(long)]
    pub allow_incomplete: bool,
}

impl InputArgs {
    pub fn checks(&self) -> scrubber::InputChecks {
        scrubber::InputChecks {
            allow_fragment: self.allow_fragment,
            allow_incomplete: self.allow_incomplete,
        }
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub accept: InputArgs,

    /// The rules file (YAML).
    #[arg(
        short = 'c',
        long = "config",
        env = "SCRUB_RULES",
        value_name = "RULES",
        required = true
    )]
    pub rules: Option<PathBuf>,

    /// The dump to read (plain SQL, or gzip/zstd of it); standard input when absent or `-`.
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,

    /// More INPUTs: refused with a message of scrub's (clap would read them as subcommands).
    #[arg(value_name = "MORE", hide = true)]
    pub more_inputs: Vec<PathBuf>,

    /// Write here instead of standard output (`-`): an unnamed file in the same folder, synced,
    /// named and renamed into place only when the whole run succeeded. `-f` as in pg_dump.
    #[arg(
        short = 'o',
        long = "output",
        visible_short_alias = 'f',
        value_name = "FILE"
    )]
    pub output: Option<PathBuf>,

    /// Compress the output: gzip[:LEVEL] or zstd[:LEVEL], in parallel.
    #[arg(long, value_name = "ALGO[:LEVEL]", value_parser = Compression::parse)]
    pub compress: Option<Compression>,

    /// Worker threads [default: all cores].
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Seed for random rules: the same seed gives byte-identical output at any -j.
    #[arg(long, env = "SCRUB_SEED", value_name = "S")]
    pub seed: Option<u64>,

    /// The key of `hash` and `fake` rules (at least 32 random bytes, mode 0600): the same key
    /// gives the same pseudonyms in every run. Without one, each run draws its own.
    #[arg(long, env = "SCRUB_KEY_FILE", value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// No summary and no progress on standard error.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub progress: ProgressArgs,

    /// Also write the run's summary as JSON to FILE (see the README's "Reports"), whether
    /// the run succeeds or fails.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Leave out `ALTER ... OWNER TO` and `SET SESSION AUTHORIZATION`, as `pg_restore
    /// --no-owner` does.
    #[arg(long)]
    pub no_owner: bool,

    /// Leave out `GRANT`, `REVOKE` and `ALTER DEFAULT PRIVILEGES`, as `pg_restore
    /// --no-privileges` does.
    #[arg(long)]
    pub no_privileges: bool,

    /// Leave out subscriptions (and their comments and labels), as `pg_restore
    /// --no-subscriptions` does.
    #[arg(long)]
    pub no_subscriptions: bool,

    /// Bytes per chunk handed to a worker.
    #[arg(long, hide = true, default_value_t = scrubber::DEFAULT_CHUNK_SIZE)]
    pub chunk_size: usize,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub accept: InputArgs,

    /// The rules file (YAML).
    #[arg(
        short = 'c',
        long = "config",
        env = "SCRUB_RULES",
        value_name = "RULES"
    )]
    pub rules: PathBuf,

    /// A schema to check the rules against: a plain dump or `pg_dump --schema-only` output.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub accept: InputArgs,

    /// The rules file the scrubbed dump was made with (YAML).
    #[arg(
        short = 'c',
        long = "config",
        env = "SCRUB_RULES",
        value_name = "RULES"
    )]
    pub rules: PathBuf,

    /// The key file of the run, so that values a rule maps to themselves are recognized.
    #[arg(long, env = "SCRUB_KEY_FILE", value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// The seed of the run, for the place-based rules (`md5`, unique `email`); the key never
    /// derives from it.
    #[arg(long, env = "SCRUB_SEED", value_name = "S")]
    pub seed: Option<u64>,

    /// Values with fewer characters are not counted as leaks (they occur in legitimate data).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub min_length: usize,

    /// Print leaked values in full instead of masked (first character and length).
    #[arg(long)]
    pub show_values: bool,

    /// The folder for its temporary files (fingerprints, no plaintext; removed when it
    /// ends, however it ends). Default: the folder of SCRUBBED.
    #[arg(long, value_name = "DIR")]
    pub tmp_dir: Option<PathBuf>,

    #[command(flatten)]
    pub progress: ProgressArgs,

    /// Also write the findings as JSON to FILE (values masked as on screen, or in full with
    /// --show-values; see the README's "Reports").
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// The dump before scrubbing (plain SQL, or gzip/zstd of it).
    #[arg(value_name = "ORIGINAL")]
    pub original: PathBuf,

    /// The scrubbed dump (plain SQL, or gzip/zstd of it).
    #[arg(value_name = "SCRUBBED")]
    pub scrubbed: PathBuf,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    #[command(flatten)]
    pub accept: InputArgs,

    /// Rules to check: exit 1 when a column that looks personal has no rule (or `keep`) in it.
    #[arg(short = 'c', long = "config", value_name = "RULES")]
    pub rules: Option<PathBuf>,

    /// Rows sampled per table for the value checks.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub sample: u64,

    #[command(flatten)]
    pub progress: ProgressArgs,

    /// The schema (a `pg_dump --schema-only` file), read before INPUT, which is then a data
    /// sample such as a `pg_dump --data-only` of a few tables.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// The dump to read (plain SQL, or gzip/zstd of it); standard input when absent or `-`.
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
}
