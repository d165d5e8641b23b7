//! Puts the git commit the binary is built from into `scrub --version`
//! (`SCRUB_COMMIT`), so that a report or a bug names the exact code.
//!
//! One `git` call is all it takes, so no build dependency (vergen and the like) for it.
//! Outside a git checkout (a source tarball, `cargo install` of a published crate) the
//! commit is `unknown`, or whatever `SCRUB_COMMIT` says in the build's environment
//! (a distribution's build recipe can set it).

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn main() {
    println!("cargo:rerun-if-env-changed=SCRUB_COMMIT");
    let commit = std::env::var("SCRUB_COMMIT")
        .ok()
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    // A new commit or checkout moves HEAD or the branch it names: build again then. Only
    // files that exist are watched: cargo runs the script on every build for a missing one.
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]).map(PathBuf::from) {
        let branch = git(&["symbolic-ref", "-q", "HEAD"]);
        let watched = ["HEAD", "packed-refs"]
            .into_iter()
            .map(|f| dir.join(f))
            .chain(branch.map(|b| dir.join(b)));
        for path in watched.filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rustc-env=SCRUB_COMMIT={commit}");
}
