//! Where the output goes: standard output, or a file that appears only when complete.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tempfile::NamedTempFile;

const BUFFER: usize = 256 * 1024;

pub enum Sink {
    Stdout(BufWriter<io::Stdout>),
    /// A device or pipe named with `-o` (`/dev/null`, a FIFO): written in place, never replaced.
    Special(BufWriter<File>),
    /// A temporary file beside the destination; dropped (and so deleted) unless committed.
    File {
        tmp: BufWriter<NamedTempFile>,
        dest: PathBuf,
    },
}

impl Sink {
    pub fn open(output: Option<&Path>) -> Result<Sink> {
        match output {
            None => {
                crate::pipe::widen(io::stdout());
                Ok(Sink::Stdout(BufWriter::with_capacity(BUFFER, io::stdout())))
            }
            Some(dest) if is_special(dest) => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(dest)
                    .with_context(|| format!("cannot open {}", dest.display()))?;
                Ok(Sink::Special(BufWriter::with_capacity(BUFFER, file)))
            }
            Some(dest) => {
                let dir = match dest.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let name = dest
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let tmp = tempfile::Builder::new()
                    .prefix(&format!(".{name}."))
                    .suffix(".tmp")
                    .tempfile_in(dir)
                    .with_context(|| {
                        format!("cannot create a temporary file in {}", dir.display())
                    })?;
                Ok(Sink::File {
                    tmp: BufWriter::with_capacity(BUFFER, tmp),
                    dest: dest.to_owned(),
                })
            }
        }
    }

    pub fn writer(&mut self) -> &mut (dyn Write + Send) {
        match self {
            Sink::Stdout(w) => w,
            Sink::Special(w) => w,
            Sink::File { tmp, .. } => tmp,
        }
    }

    /// Flushes and, for a file, syncs it and renames it into place.
    pub fn commit(self) -> Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush().map_err(Into::into),
            Sink::Special(mut w) => w.flush().map_err(Into::into),
            Sink::File { tmp, dest } => {
                let tmp = tmp
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .context("cannot write the output")?;
                tmp.as_file().sync_all().context("cannot sync the output")?;
                tmp.persist(&dest).with_context(|| {
                    format!("cannot rename the output into place as {}", dest.display())
                })?;
                if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
                    File::open(dir).and_then(|d| d.sync_all()).ok();
                }
                Ok(())
            }
        }
    }
}

/// Whether `path` exists and is not a regular file (or a link to one): a device or a FIFO,
/// which a rename would replace instead of writing to.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}
