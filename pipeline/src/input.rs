//! Opening the input: a file or standard input, decompressed when its first bytes say so.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::progress::{Line, Progress};

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

/// Where the input comes from, for messages.
pub fn display_name(path: Option<&Path>) -> String {
    match path {
        Some(p) if p != Path::new("-") => p.display().to_string(),
        _ => "<stdin>".to_owned(),
    }
}

/// Opens `path` (or standard input for `None` or `-`), unwrapping gzip or zstd.
pub fn open(path: Option<&PathBuf>) -> Result<Box<dyn Read + Send>> {
    open_shown(path, &Progress::none(), "").map(|(reader, _)| reader)
}

/// [`open`], with a progress line labelled `label` that counts the bytes read from the
/// file (of a known size, for a percentage) or standard input.
pub fn open_shown(
    path: Option<&PathBuf>,
    progress: &Progress,
    label: &str,
) -> Result<(Box<dyn Read + Send>, Line)> {
    let (raw, size): (Box<dyn Read + Send>, _) = match path {
        Some(p) if p.as_path() != Path::new("-") => {
            if p.is_dir() {
                anyhow::bail!(
                    "{} is a directory (a pg_dump directory-format archive?), not a plain-SQL dump; run `pg_restore -f - {} | scrub ...`",
                    p.display(),
                    p.display()
                );
            }
            let file = File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
            // A named pipe or a device has no size to count against.
            let size = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            (Box::new(file), size)
        }
        _ => {
            crate::pipe::widen(io::stdin());
            (Box::new(io::stdin()), None)
        }
    };
    let line = progress.line(label, size);
    let mut reader = BufReader::with_capacity(1 << 16, line.count(raw));
    let head = reader.fill_buf().context("cannot read the input")?;
    let decoded: Box<dyn Read + Send> = if head.starts_with(GZIP_MAGIC) {
        Box::new(flate2::read::MultiGzDecoder::new(reader))
    } else if head.starts_with(ZSTD_MAGIC) {
        Box::new(zstd::stream::read::Decoder::with_buffer(reader).context("cannot start zstd")?)
    } else {
        Box::new(reader)
    };
    Ok((decoded, line))
}
