//! Records keyed by a fingerprint, spilled to disk in partitions, so that `scrub verify` can
//! join any number of them in bounded memory (a grace hash join).
//!
//! A record is a 128-bit key (a keyed fingerprint, so uniformly random) and a short payload.
//! [`Partitions`] writes each record to one of [`FANOUT`] files chosen by bits of its key;
//! a join then loads one partition of one side into a hash table and streams the same
//! partition of the other side past it. A partition too big for memory is split again by the
//! next bits of the key ([`Part::split`]), as often as needed: equal keys always land in the
//! same partition, so the join stays exact.
//!
//! The files are anonymous (`tempfile::tempfile_in`: unlinked as soon as they are created), so
//! the kernel frees them when the process ends, however it ends: a crash, `SIGINT`, `SIGTERM`
//! or `SIGKILL` leaves nothing behind in the folder.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;

/// Partitions per split: 6 bits of the key.
pub const FANOUT: usize = 64;
const FANOUT_BITS: u32 = 6;
/// Write buffer per partition file.
const BUFFER: usize = 64 << 10;

/// One side's records, being written.
pub struct Partitions {
    files: Vec<BufWriter<File>>,
    /// The bits of the key that pick the partition start this far from the top.
    shift: u32,
    bytes: u64,
}

impl Partitions {
    pub fn new(dir: &Path) -> io::Result<Partitions> {
        Partitions::at_depth(dir, 0)
    }

    fn at_depth(dir: &Path, depth: u32) -> io::Result<Partitions> {
        let files = (0..FANOUT)
            .map(|_| {
                Ok(BufWriter::with_capacity(
                    BUFFER,
                    tempfile::tempfile_in(dir)?,
                ))
            })
            .collect::<io::Result<_>>()?;
        Ok(Partitions {
            files,
            shift: depth * FANOUT_BITS,
            bytes: 0,
        })
    }

    pub fn push(&mut self, key: u128, payload: &[u8]) -> io::Result<()> {
        let len = u16::try_from(payload.len()).expect("payloads are short");
        let file = &mut self.files[partition(key, self.shift)];
        file.write_all(&key.to_le_bytes())?;
        file.write_all(&len.to_le_bytes())?;
        file.write_all(payload)?;
        self.bytes += 18 + u64::from(len);
        Ok(())
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The partitions, each ready to be read from its start.
    pub fn finish(self) -> io::Result<Vec<Part>> {
        let depth = self.shift / FANOUT_BITS;
        self.files
            .into_iter()
            .map(|w| {
                let mut file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
                let bytes = file.stream_position()?;
                file.rewind()?;
                Ok(Part { file, bytes, depth })
            })
            .collect()
    }
}

fn partition(key: u128, shift: u32) -> usize {
    ((key >> (128 - FANOUT_BITS - shift)) as usize) & (FANOUT - 1)
}

/// One partition of one side, written and rewound.
pub struct Part {
    file: File,
    pub bytes: u64,
    depth: u32,
}

impl Part {
    /// Whether [`Part::split`] can cut it finer (the key has bits left).
    pub fn can_split(&self) -> bool {
        (self.depth + 2) * FANOUT_BITS <= 128
    }

    /// Its records in the order they were written.
    pub fn records(self) -> Records {
        Records {
            reader: BufReader::with_capacity(BUFFER, self.file),
            payload: Vec::new(),
        }
    }

    /// Splits it into [`FANOUT`] partitions by the next bits of the key.
    pub fn split(self, dir: &Path) -> io::Result<Vec<Part>> {
        let mut out = Partitions::at_depth(dir, self.depth + 1)?;
        let mut records = self.records();
        while let Some((key, payload)) = records.next_record()? {
            out.push(key, payload)?;
        }
        out.finish()
    }
}

/// Reads a partition back.
pub struct Records {
    reader: BufReader<File>,
    payload: Vec<u8>,
}

impl Records {
    /// The next record, or `None` at the end. The payload is valid until the next call.
    pub fn next_record(&mut self) -> io::Result<Option<(u128, &[u8])>> {
        let mut head = [0u8; 18];
        match self.reader.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let key = u128::from_le_bytes(head[..16].try_into().expect("16 bytes"));
        let len = usize::from(u16::from_le_bytes([head[16], head[17]]));
        self.payload.resize(len, 0);
        self.reader.read_exact(&mut self.payload)?;
        Ok(Some((key, &self.payload)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(part: Part) -> Vec<(u128, Vec<u8>)> {
        let mut records = part.records();
        let mut out = Vec::new();
        while let Some((k, p)) = records.next_record().unwrap() {
            out.push((k, p.to_vec()));
        }
        out
    }

    #[test]
    fn equal_keys_meet_in_one_partition_at_every_depth_in_write_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut parts = Partitions::new(dir.path()).unwrap();
        let keys: Vec<u128> = (0..2000u128)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835))
            .collect();
        for (i, &k) in keys.iter().enumerate() {
            parts.push(k, &(i as u32).to_le_bytes()).unwrap();
            parts.push(k, b"again").unwrap();
        }
        let written = parts.bytes();
        let parts = parts.finish().unwrap();
        assert_eq!(parts.iter().map(|p| p.bytes).sum::<u64>(), written);
        let mut seen = 0;
        for part in parts {
            for sub in part.split(dir.path()).unwrap() {
                let records = all(sub);
                for pair in records.chunks(2) {
                    assert_eq!(pair[0].0, pair[1].0);
                    assert_eq!(pair[1].1, b"again");
                    let i = u32::from_le_bytes(pair[0].1[..4].try_into().unwrap()) as usize;
                    assert_eq!(keys[i], pair[0].0);
                    seen += 1;
                }
            }
        }
        assert_eq!(seen, keys.len());
        // The files are unlinked: nothing in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
