//! `scrub generate man|completions DIR`: the man pages and shell completions,
//! made from the clap definitions in [`crate::cli`], so that they cannot drift from the
//! program. `scripts/package` runs it on the binary it packages (the way ripgrep's
//! `--generate` does), instead of a build script that would have to compile the CLI twice.

use std::fs;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::Failure;
use crate::cli::{Cli, GenerateArgs, Generated};

pub fn run(args: &GenerateArgs) -> Result<(), Failure> {
    let fail = |what: &Path, e: std::io::Error| {
        Failure::data(format!("scrub generate: {}: {e}", what.display()))
    };
    fs::create_dir_all(&args.dir).map_err(|e| fail(&args.dir, e))?;
    let mut cli = Cli::command();
    cli.build();
    match args.what {
        Generated::Man => {
            // After `build`, a subcommand's display name is `scrub-check` and its bin name
            // `scrub check`: the page's title and its synopsis.
            let pages = std::iter::once(&cli).chain(
                cli.get_subcommands()
                    .filter(|s| !s.is_hide_set() && s.get_name() != "help"),
            );
            for command in pages {
                let name = command.get_display_name().unwrap_or(command.get_name());
                let path = args.dir.join(format!("{name}.1"));
                let mut page = Vec::new();
                clap_mangen::Man::new(command.clone())
                    .render(&mut page)
                    .map_err(|e| fail(&path, e))?;
                fs::write(&path, page).map_err(|e| fail(&path, e))?;
                println!("{}", path.display());
            }
        }
        Generated::Completions => {
            for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
                let path = clap_complete::generate_to(shell, &mut cli, "scrub", &args.dir)
                    .map_err(|e| fail(&args.dir, e))?;
                println!("{}", path.display());
            }
        }
    }
    Ok(())
}
