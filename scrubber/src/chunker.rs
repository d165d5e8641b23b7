//! Reading a dump into chunks of whole segments, ready to be rewritten independently.
//!
//! One buffer, filled to the chunk size; the splitter takes the longest prefix of whole
//! units; the unfinished tail moves to the next buffer. The buffer grows only when a single
//! unit (one row or statement) does not fit, and shrinks back afterwards.
//!
//! Reading is the one sequential step of a parallel run, so it does no more than copy
//! the input in: buffers are zeroed once when first grown and then reused as they are
//! (`Read::read_to_end` zeroed the room it read into every time, a memset of the whole
//! input), and reads go straight into them.

use std::io::Read;
use std::sync::Arc;

use scrub_rules::RuleSet;

use crate::error::Error;
use crate::shape::{HEAD_LEN, InputChecks, Shape};
use crate::splitter::{Report, Segment, Splitter};

/// The default chunk size: big enough that per-chunk costs vanish, small enough that a few
/// chunks in flight per thread stay within a few tens of MiB.
pub const DEFAULT_CHUNK_SIZE: usize = 1 << 20;

/// A piece of the input and its segments; rewrite it with [`crate::rewrite`].
#[derive(Debug)]
pub struct Chunk {
    /// Initialised memory, of which the first `len` bytes are the chunk.
    buffer: Vec<u8>,
    len: usize,
    segments: Vec<Segment>,
}

impl Chunk {
    /// The chunk's input bytes: what the segments' ranges index.
    pub fn bytes(&self) -> &[u8] {
        &self.buffer[..self.len]
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The buffer, to hand back with [`Chunker::recycle`] once the output is written.
    pub fn into_buffer(self) -> Vec<u8> {
        self.buffer
    }
}

/// Buffers kept for reuse: enough for the chunks in flight of a few threads.
const SPARE_BUFFERS: usize = 16;

/// Cuts a dump read from `R` into [`Chunk`]s.
pub struct Chunker<R> {
    input: R,
    splitter: Splitter,
    /// Initialised memory whose first `filled` bytes are the input read and not yet handed
    /// out in a chunk.
    buf: Vec<u8>,
    filled: usize,
    spare: Vec<Vec<u8>>,
    chunk_size: usize,
    eof: bool,
    bytes_read: u64,
    /// The two ends of the input, to tell a whole plain dump from anything else.
    shape: Shape,
}

impl<R: Read> Chunker<R> {
    pub fn new(input: R, rules: Arc<RuleSet>, chunk_size: usize) -> Chunker<R> {
        Chunker::with_splitter(input, Splitter::new(rules), chunk_size)
    }

    /// A chunker whose chunks hold the rows of every table, ruled or not (see
    /// [`Splitter::every_row`]); with no rules, nothing is dropped.
    pub fn every_row(input: R, chunk_size: usize) -> Chunker<R> {
        Chunker::with_splitter(input, Splitter::every_row(), chunk_size)
    }

    fn with_splitter(input: R, splitter: Splitter, chunk_size: usize) -> Chunker<R> {
        let chunk_size = chunk_size.max(1);
        Chunker {
            input,
            splitter,
            buf: Vec::new(),
            filled: 0,
            spare: Vec::new(),
            chunk_size,
            eof: false,
            bytes_read: 0,
            shape: Shape::new(InputChecks::default()),
        }
    }

    /// Accepts the departures from a whole pg_dump plain dump that `checks` allows (by
    /// default none: see [`InputChecks`]).
    /// Leaves out the statements `omit` names ([`crate::Omit`]).
    pub fn with_omit(mut self, omit: crate::Omit) -> Chunker<R> {
        self.splitter = self.splitter.omit(omit);
        self
    }

    pub fn with_checks(mut self, checks: InputChecks) -> Chunker<R> {
        self.shape = Shape::new(checks);
        self
    }

    /// Takes back a written chunk's buffer, so that the next chunks reuse its memory instead
    /// of asking the allocator (and the kernel) for fresh pages every time.
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        if self.spare.len() < SPARE_BUFFERS && buffer.capacity() <= 2 * self.chunk_size {
            self.spare.push(buffer);
        }
    }

    /// The next chunk, or `None` at the end of the input.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, Error> {
        let mut want = self.chunk_size.max(self.filled);
        let first = self.bytes_read == 0 && !self.eof;
        if first {
            // The first read takes in the whole head, whatever the chunk size.
            self.fill(HEAD_LEN)?;
            self.shape.check_head()?;
        }
        loop {
            self.fill(want)?;
            if self.filled == 0 {
                return Ok(None);
            }
            let mut segments = Vec::new();
            let consumed =
                self.splitter
                    .split(&self.buf[..self.filled], self.eof, &mut segments)?;
            if consumed == 0 {
                assert!(
                    !self.eof,
                    "the splitter consumes everything or fails at the end of the input"
                );
                // One unit is bigger than the buffer: read more of it.
                want = self.filled * 2;
                continue;
            }
            let tail = self.filled - consumed;
            let mut next = self.spare.pop().unwrap_or_default();
            if next.len() < tail {
                next.resize(tail, 0);
            }
            next[..tail].copy_from_slice(&self.buf[consumed..self.filled]);
            self.filled = tail;
            let buffer = std::mem::replace(&mut self.buf, next);
            return Ok(Some(Chunk {
                buffer,
                len: consumed,
                segments,
            }));
        }
    }

    /// Reads until the buffer holds `want` bytes or the input ends. The buffer is grown (and
    /// zeroed) to `want` only when it is smaller, so growing it for one huge value costs that
    /// value's size once.
    fn fill(&mut self, want: usize) -> Result<(), Error> {
        if self.eof || self.filled >= want {
            return Ok(());
        }
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        let start = self.filled;
        while self.filled < want {
            match self.input.read(&mut self.buf[self.filled..want]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.bytes_read += (self.filled - start) as u64;
        self.shape.saw(&self.buf[start..self.filled]);
        Ok(())
    }

    /// The tables the dump has defined up to the last chunk handed out.
    pub fn catalog(&self) -> &crate::Catalog {
        self.splitter.catalog()
    }

    /// Bytes read from the input so far (after decompression).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Ends the run: checks the dump ended cleanly and reports what it showed.
    pub fn finish(self) -> Result<Report, Error> {
        let (saw_data, line) = (self.splitter.saw_data(), self.splitter.line());
        let report = self.splitter.finish()?;
        self.shape.check_end(saw_data, line)?;
        Ok(report)
    }
}
