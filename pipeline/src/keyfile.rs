//! The key file of `hash` and `fake` rules: read once, refused when others could read it.
//!
//! Pseudonyms are only as private as the key: whoever holds it can hash a guessed e-mail and
//! find it in the copy. So the file must be private to its owner (like ssh's identity files),
//! its path may come from `SCRUB_KEY_FILE` rather than the command line, and the key itself is
//! never printed.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use scrub_rules::Keys;

/// Keys for the run: from the key file when one is given, else drawn from the operating
/// system for this run alone (never from the seed, which is not secret).
pub fn keys(seed: u64, key_file: Option<&Path>) -> Result<Keys, String> {
    let Some(path) = key_file else {
        return Ok(Keys::drawn(seed, rand::random()));
    };
    let shown = path.display();
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read the key file {shown}: {e}"))?;
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "the key file {shown} has mode {:04o}: group and others must have no access (chmod 600 {shown})",
            mode & 0o7777
        ));
    }
    let material =
        std::fs::read(path).map_err(|e| format!("cannot read the key file {shown}: {e}"))?;
    Keys::with_key_material(seed, &material).map_err(|e| format!("{shown}: {e}"))
}
