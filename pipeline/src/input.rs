//! Opening the input: a file or standard input, decompressed when its first bytes say so.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

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
    let raw: Box<dyn Read + Send> = match path {
        Some(p) if p.as_path() != Path::new("-") => {
            if p.is_dir() {
                anyhow::bail!(
                    "{} is a directory (a pg_dump directory-format archive?), not a plain-SQL dump; run `pg_restore -f - {} | scrub ...`",
                    p.display(),
                    p.display()
                );
            }
            Box::new(File::open(p).with_context(|| format!("cannot open {}", p.display()))?)
        }
        _ => {
            crate::pipe::widen(io::stdin());
            Box::new(io::stdin())
        }
    };
    let mut reader = BufReader::with_capacity(1 << 16, raw);
    let head = reader.fill_buf().context("cannot read the input")?;
    Ok(if head.starts_with(GZIP_MAGIC) {
        Box::new(flate2::read::MultiGzDecoder::new(reader))
    } else if head.starts_with(ZSTD_MAGIC) {
        Box::new(zstd::stream::read::Decoder::with_buffer(reader).context("cannot start zstd")?)
    } else {
        Box::new(reader)
    })
}
