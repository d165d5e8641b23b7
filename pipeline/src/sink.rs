//! Where the output goes: standard output, or a file that appears only when complete.
//!
//! A file output is written to an anonymous file in the destination's folder (`O_TMPFILE`:
//! it has no name until the run succeeds), then linked under a temporary name and renamed
//! over the destination. A run that dies on the way, by an error, `SIGINT`, `SIGTERM` or
//! `SIGKILL`, leaves nothing in the folder: the kernel frees an unnamed file with its last
//! descriptor. On a file system without `O_TMPFILE` a named temporary file is used instead,
//! deleted on every error; only a kill there can leave a `.NAME.*.tmp` behind.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rustix::fs::{AtFlags, CWD, Mode, OFlags};
use tempfile::NamedTempFile;

const BUFFER: usize = 256 * 1024;

pub enum Sink {
    Stdout(BufWriter<io::Stdout>),
    /// A device or pipe named with `-o` (`/dev/null`, a FIFO): written in place, never replaced.
    Special(BufWriter<File>),
    /// An unnamed file in the destination's folder, named only when committed.
    Unnamed {
        tmp: BufWriter<File>,
        dest: PathBuf,
    },
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
            Some(dest) if dest.is_dir() || dest.as_os_str().to_string_lossy().ends_with('/') => {
                anyhow::bail!("-o {}: a folder; -o takes a file name", dest.display())
            }
            Some(dest) => {
                let dir = match dest.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                if let Some(file) = unnamed_file(dir)? {
                    return Ok(Sink::Unnamed {
                        tmp: BufWriter::with_capacity(BUFFER, file),
                        dest: dest.to_owned(),
                    });
                }
                let tmp = tempfile::Builder::new()
                    .prefix(&format!(".{}.", file_name(dest)))
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
            Sink::Unnamed { tmp, .. } => tmp,
            Sink::File { tmp, .. } => tmp,
        }
    }

    /// Flushes and, for a file, syncs it and renames it into place.
    pub fn commit(self) -> Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush().map_err(Into::into),
            Sink::Special(mut w) => w.flush().map_err(Into::into),
            Sink::Unnamed { tmp, dest } => {
                let file = tmp
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .context("cannot write the output")?;
                file.sync_all().context("cannot sync the output")?;
                name_and_rename(&file, &dest)?;
                sync_folder(&dest);
                Ok(())
            }
            Sink::File { tmp, dest } => {
                let tmp = tmp
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .context("cannot write the output")?;
                tmp.as_file().sync_all().context("cannot sync the output")?;
                tmp.persist(&dest).with_context(|| {
                    format!("cannot rename the output into place as {}", dest.display())
                })?;
                sync_folder(&dest);
                Ok(())
            }
        }
    }
}

/// An unnamed file (`O_TMPFILE`, mode 0600) in `dir`; `None` when its file system has none.
fn unnamed_file(dir: &Path) -> Result<Option<File>> {
    let flags = OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC;
    match rustix::fs::openat(CWD, dir, flags, Mode::from_raw_mode(0o600)) {
        Ok(fd) => Ok(Some(File::from(fd))),
        Err(e) if e == rustix::io::Errno::OPNOTSUPP || e == rustix::io::Errno::ISDIR => Ok(None),
        Err(e) => Err(io::Error::from(e))
            .with_context(|| format!("cannot create a temporary file in {}", dir.display())),
    }
}

/// Gives the unnamed `file` a temporary name beside `dest`, then renames it over `dest`.
fn name_and_rename(file: &File, dest: &Path) -> Result<()> {
    let dir = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
    for _ in 0..16 {
        let tmp = dir.join(format!(
            ".{}.{:016x}.tmp",
            file_name(dest),
            rand::random::<u64>()
        ));
        match rustix::fs::linkat(CWD, proc_path.as_str(), CWD, &tmp, AtFlags::SYMLINK_FOLLOW) {
            Ok(()) => {
                return std::fs::rename(&tmp, dest).or_else(|e| {
                    let _ = std::fs::remove_file(&tmp);
                    Err(e).with_context(|| {
                        format!("cannot rename the output into place as {}", dest.display())
                    })
                });
            }
            Err(rustix::io::Errno::EXIST) => continue,
            Err(e) => {
                return Err(io::Error::from(e))
                    .with_context(|| format!("cannot name the output in {}", dir.display()));
            }
        }
    }
    anyhow::bail!(
        "cannot name the output in {}: no free temporary name",
        dir.display()
    )
}

fn file_name(dest: &Path) -> String {
    dest.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Makes a rename into the destination's folder durable.
fn sync_folder(dest: &Path) {
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir).and_then(|d| d.sync_all()).ok();
    }
}

/// Whether `path` exists and is not a regular file (or a link to one): a device or a FIFO,
/// which a rename would replace instead of writing to.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}
