//! Reading a dump into chunks of whole segments, ready to be rewritten independently.
//!
//! One buffer, filled to the chunk size; the splitter takes the longest prefix of whole
//! units; the unfinished tail moves to the next buffer. The buffer grows only when a single
//! unit (one row or statement) does not fit, and shrinks back afterwards.

use std::io::{ErrorKind, Read};
use std::sync::Arc;

use scrub_rules::RuleSet;

use crate::error::Error;
use crate::splitter::{Report, Segment, Splitter};

/// The default chunk size: big enough that per-chunk costs vanish, small enough that a few
/// chunks in flight per thread stay within a few tens of MiB.
pub const DEFAULT_CHUNK_SIZE: usize = 1 << 20;

/// A piece of the input and its segments; rewrite it with [`crate::rewrite`].
#[derive(Debug)]
pub struct Chunk {
    pub data: Vec<u8>,
    pub segments: Vec<Segment>,
}

/// Cuts a dump read from `R` into [`Chunk`]s.
pub struct Chunker<R> {
    input: R,
    splitter: Splitter,
    buf: Vec<u8>,
    chunk_size: usize,
    eof: bool,
    bytes_read: u64,
}

impl<R: Read> Chunker<R> {
    pub fn new(input: R, rules: Arc<RuleSet>, chunk_size: usize) -> Chunker<R> {
        let chunk_size = chunk_size.max(1);
        Chunker {
            input,
            splitter: Splitter::new(rules),
            buf: Vec::with_capacity(chunk_size),
            chunk_size,
            eof: false,
            bytes_read: 0,
        }
    }

    /// The next chunk, or `None` at the end of the input.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, Error> {
        let mut want = self.chunk_size.max(self.buf.len());
        loop {
            self.fill(want)?;
            if self.buf.is_empty() {
                return Ok(None);
            }
            let mut segments = Vec::new();
            let consumed = self.splitter.split(&self.buf, self.eof, &mut segments)?;
            if consumed == 0 {
                if self.eof {
                    unreachable!(
                        "the splitter consumes everything or fails at the end of the input"
                    );
                }
                // One unit is bigger than the buffer: read more of it.
                want = self.buf.len() * 2;
                continue;
            }
            let mut next = Vec::with_capacity(self.chunk_size.max(self.buf.len() - consumed));
            next.extend_from_slice(&self.buf[consumed..]);
            self.buf.truncate(consumed);
            let data = std::mem::replace(&mut self.buf, next);
            return Ok(Some(Chunk { data, segments }));
        }
    }

    /// Reads until the buffer holds `want` bytes or the input ends.
    fn fill(&mut self, want: usize) -> Result<(), Error> {
        while self.buf.len() < want && !self.eof {
            let len = self.buf.len();
            self.buf.resize(want, 0);
            match self.input.read(&mut self.buf[len..]) {
                Ok(0) => {
                    self.buf.truncate(len);
                    self.eof = true;
                }
                Ok(n) => {
                    self.buf.truncate(len + n);
                    self.bytes_read += n as u64;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => self.buf.truncate(len),
                Err(e) => {
                    self.buf.truncate(len);
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }

    /// Bytes read from the input so far (after decompression).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Ends the run: checks the dump ended cleanly and reports what it showed.
    pub fn finish(self) -> Result<Report, Error> {
        Ok(self.splitter.finish()?)
    }
}
