//! Output compression, one independent gzip member or zstd frame per chunk.
//!
//! Compressing chunks separately lets the same worker threads that rewrite a chunk compress
//! it, so `--compress` scales with `-j` like the rewriting does, with no second thread pool.
//! Concatenated gzip members and zstd frames are valid streams that gzip, zcat, zstd and
//! pg_restore read as one.

use std::io::Write;

use anyhow::{Context, Result, bail};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip(u32),
    Zstd(i32),
}

impl Compression {
    /// Reads `gzip`, `gzip:9`, `zstd`, `zstd:19`.
    pub fn parse(s: &str) -> Result<Compression> {
        let (name, level) = match s.split_once(':') {
            Some((n, l)) => (
                n,
                Some(
                    l.parse::<i32>()
                        .with_context(|| format!("`{l}` is not a level"))?,
                ),
            ),
            None => (s, None),
        };
        match (name, level) {
            ("gzip", None) => Ok(Compression::Gzip(6)),
            ("gzip", Some(l @ 1..=9)) => Ok(Compression::Gzip(l as u32)),
            ("gzip", Some(_)) => bail!("gzip levels are 1 to 9"),
            ("zstd", None) => Ok(Compression::Zstd(3)),
            ("zstd", Some(l @ 1..=22)) => Ok(Compression::Zstd(l)),
            ("zstd", Some(_)) => bail!("zstd levels are 1 to 22"),
            _ => bail!("expected gzip[:LEVEL] or zstd[:LEVEL]"),
        }
    }

    /// Compresses `slices`, in order, into one self-contained member or frame.
    pub fn compress<'a>(
        &self,
        slices: impl Iterator<Item = &'a [u8]>,
        size_hint: usize,
    ) -> std::io::Result<Vec<u8>> {
        let out = Vec::with_capacity(size_hint / 3 + 64);
        match *self {
            Compression::Gzip(level) => {
                let mut e = flate2::write::GzEncoder::new(out, flate2::Compression::new(level));
                for s in slices {
                    e.write_all(s)?;
                }
                e.finish()
            }
            Compression::Zstd(level) => {
                let mut e = zstd::stream::write::Encoder::new(out, level)?;
                for s in slices {
                    e.write_all(s)?;
                }
                e.finish()
            }
        }
    }
}
