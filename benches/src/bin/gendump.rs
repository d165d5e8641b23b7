//! gendump: writes a realistic plain pg_dump file of a given size to stdout, the same bytes
//! for the same seed, size and form.
//!
//!     gendump --size 200MB --form copy --seed 42 > dump.sql

use std::io::{self, ErrorKind, Write};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use scrub_benches::{Form, Profile, Spec, parse_size, write_dump};

/// Write a deterministic plain-SQL pg_dump file (tables public.api_tokens, public.events,
/// public.users) to stdout.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Size of the dump: bytes, or with a unit (200MB, 10GB, 512KiB)
    #[arg(long, value_parser = parse_size)]
    size: u64,
    /// How table data is written, as pg_dump's default, --column-inserts and --inserts
    #[arg(long, value_enum, default_value_t = FormArg::Copy)]
    form: FormArg,
    /// Shape of the rows: wide (users keep a long bio) or narrow (short fields only, the
    /// worst case for per-value rule cost)
    #[arg(long, value_enum, default_value_t = ProfileArg::Wide)]
    profile: ProfileArg,
    /// Seed of the random values
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Add one public.users row whose bio is a single value of this size
    #[arg(long, value_parser = parse_size)]
    huge_value: Option<u64>,
    /// Write the row count of each table to this file (table<TAB>rows)
    #[arg(long)]
    counts: Option<std::path::PathBuf>,
    /// No summary on stderr
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProfileArg {
    Wide,
    Narrow,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormArg {
    Copy,
    ColumnInserts,
    Inserts,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err)
            if err
                .downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("gendump: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let form = match args.form {
        FormArg::Copy => Form::Copy,
        FormArg::ColumnInserts => Form::ColumnInserts,
        FormArg::Inserts => Form::Inserts,
    };
    let spec = Spec {
        size: args.size,
        form,
        profile: match args.profile {
            ProfileArg::Wide => Profile::Wide,
            ProfileArg::Narrow => Profile::Narrow,
        },
        seed: args.seed,
        huge_value: args.huge_value,
    };
    let started = Instant::now();
    let counts = write_dump(&spec, io::stdout().lock())?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.counts {
        let tmp = path.with_extension("tmp");
        std::fs::File::create(&tmp)
            .and_then(|mut file| file.write_all(counts.tsv().as_bytes()))
            .and_then(|()| std::fs::rename(&tmp, path))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if !args.quiet {
        eprintln!(
            "gendump: {} bytes in {seconds:.2} s ({:.0} MB/s): {} users, {} events, {} api_tokens",
            counts.bytes,
            counts.bytes as f64 / seconds / 1e6,
            counts.users,
            counts.events,
            counts.api_tokens,
        );
    }
    Ok(())
}
