//! The parallel pipeline: one thread reads and cuts chunks, rayon workers rewrite (and
//! compress) them, one thread writes them in input order.
//!
//! Ordering and back-pressure come from one bounded channel: for each chunk the reader
//! queues the receiving end of a one-shot channel that the chunk's worker will answer on,
//! and the writer takes those in queue order. When the writer falls behind, the queue fills
//! and the reader waits, so at most `2 × jobs + 2` chunks are in memory at once.
//! A chunk with nothing to rewrite or compress (the rows of tables without rules) the
//! reader answers itself: handing it to a worker costs more than the rewrite.
//!
//! With one job there is nothing to overlap with, so `-j1` runs every step on the calling
//! thread: it uses one core, and is the baseline that `-jN` is measured against.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::thread;

use scrub_rules::{Keys, RuleSet};
use scrubber::{Chunk, Chunker, DataError, Report, Rewritten, Stats};

use crate::compress::Compression;
use crate::progress::Line;

#[derive(Debug, Clone)]
pub struct Settings {
    pub jobs: usize,
    pub keys: Arc<Keys>,
    pub compress: Option<Compression>,
    pub chunk_size: usize,
    /// What input besides a whole plain dump to accept.
    pub checks: scrubber::InputChecks,
    /// Owner, privilege and subscription statements to leave out.
    pub omit: scrubber::Omit,
}

/// What a successful run did.
pub struct Totals {
    pub stats: Stats,
    pub report: Report,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Data(DataError),
    #[error("reading the input: {0}")]
    Read(std::io::Error),
    #[error("writing the output: {0}")]
    Write(std::io::Error),
}

impl From<scrubber::Error> for RunError {
    fn from(e: scrubber::Error) -> Self {
        match e {
            scrubber::Error::Data(d) => RunError::Data(d),
            scrubber::Error::Read(io) => RunError::Read(io),
        }
    }
}

struct Done {
    chunk: Chunk,
    /// The pieces of the output; with compression, what was compressed.
    out: Rewritten,
    /// One compressed member or frame.
    compressed: Option<Vec<u8>>,
    stats: Stats,
}

/// Memory the writer hands back to the reader for the next chunks.
type Spent = (Vec<u8>, Rewritten);

fn process(chunk: Chunk, mut out: Rewritten, settings: &Settings) -> Result<Done, RunError> {
    out.clear();
    let mut stats = Stats::default();
    scrubber::rewrite(
        chunk.bytes(),
        chunk.segments(),
        &settings.keys,
        &mut out,
        &mut stats,
    )
    .map_err(RunError::Data)?;
    let compressed = match settings.compress {
        None => None,
        Some(c) => Some(
            c.compress(out.slices(chunk.bytes()), out.len())
                .map_err(RunError::Write)?,
        ),
    };
    Ok(Done {
        chunk,
        out,
        compressed,
        stats,
    })
}

/// Runs the pipeline from `input` to `output`: on this thread alone for one job, else with
/// a writer thread and `jobs` workers.
pub fn run(
    input: impl Read + Send,
    rules: Arc<RuleSet>,
    output: &mut (dyn Write + Send),
    settings: Settings,
    progress: &Line,
) -> Result<Totals, RunError> {
    let mut chunker = Chunker::new(input, rules, settings.chunk_size)
        .with_checks(settings.checks)
        .with_omit(settings.omit);
    let (stats, bytes_out) = if settings.jobs == 1 {
        run_inline(&mut chunker, output, &settings, progress)?
    } else {
        run_threaded(&mut chunker, output, &settings, progress)?
    };
    let mut bytes_out = bytes_out;
    if let (Some(c), 0) = (settings.compress, bytes_out) {
        // An empty input still gives a valid compressed stream.
        let empty = c.compress(std::iter::empty(), 0).map_err(RunError::Write)?;
        output.write_all(&empty).map_err(RunError::Write)?;
        bytes_out = empty.len() as u64;
    }
    let bytes_in = chunker.bytes_read();
    let report = chunker.finish()?;
    Ok(Totals {
        stats,
        report,
        bytes_in,
        bytes_out,
    })
}

/// `-j1`: read, rewrite and write each chunk in turn, with no thread besides this one.
fn run_inline<R: Read>(
    chunker: &mut Chunker<R>,
    output: &mut (dyn Write + Send),
    settings: &Settings,
    progress: &Line,
) -> Result<(Stats, u64), RunError> {
    let mut stats = Stats::default();
    let mut bytes_out = 0;
    let mut out = Rewritten::default();
    while let Some(chunk) = chunker.next_chunk()? {
        let mut done = process(chunk, out, settings)?;
        bytes_out += write_done(&mut done, output, &mut stats, progress)?;
        chunker.recycle(done.chunk.into_buffer());
        out = done.out;
    }
    Ok((stats, bytes_out))
}

fn run_threaded<R: Read + Send>(
    chunker: &mut Chunker<R>,
    output: &mut (dyn Write + Send),
    settings: &Settings,
    progress: &Line,
) -> Result<(Stats, u64), RunError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .thread_name(|i| format!("scrub-worker-{i}"))
        .build()
        .expect("a thread pool of a few threads can be built");
    let in_flight = 2 * settings.jobs + 2;
    let (written, read) = thread::scope(|scope| {
        let (order_tx, order_rx) = sync_channel::<Receiver<Result<Done, RunError>>>(in_flight);
        let (spent_tx, spent_rx) = channel::<Spent>();
        let writer = scope.spawn(|| write_in_order(order_rx, &mut *output, spent_tx, progress));
        let mut spare_outputs: Vec<Rewritten> = Vec::new();
        let read = loop {
            for (buffer, out) in spent_rx.try_iter() {
                chunker.recycle(buffer);
                spare_outputs.push(out);
            }
            match chunker.next_chunk() {
                Ok(Some(chunk)) => {
                    let (tx, rx) = sync_channel(1);
                    if order_tx.send(rx).is_err() {
                        break Ok(()); // the writer stopped; its error says why
                    }
                    let out = spare_outputs.pop().unwrap_or_default();
                    if chunk.is_passthrough() && settings.compress.is_none() {
                        // Nothing to rewrite or compress: waking a worker would cost more.
                        let _ = tx.send(process(chunk, out, settings));
                        continue;
                    }
                    let settings = settings.clone();
                    pool.spawn(move || {
                        let _ = tx.send(process(chunk, out, &settings));
                    });
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(RunError::from(e)),
            }
        };
        drop(order_tx);
        (
            writer.join().expect("the writer thread does not panic"),
            read,
        )
    });
    // The writer's error concerns earlier input than the reader's, so it goes first.
    let written = written?;
    read?;
    Ok(written)
}

/// Writes one finished chunk; returns the bytes written.
fn write_done(
    done: &mut Done,
    output: &mut (dyn Write + Send),
    stats: &mut Stats,
    progress: &Line,
) -> Result<u64, RunError> {
    stats.merge(std::mem::take(&mut done.stats));
    progress.chunk_written(&done.chunk, stats);
    let mut n = 0u64;
    match &done.compressed {
        None => {
            for s in done.out.slices(done.chunk.bytes()) {
                output.write_all(s).map_err(RunError::Write)?;
                n += s.len() as u64;
            }
        }
        Some(bytes) => {
            output.write_all(bytes).map_err(RunError::Write)?;
            n += bytes.len() as u64;
        }
    }
    Ok(n)
}

fn write_in_order(
    order: Receiver<Receiver<Result<Done, RunError>>>,
    output: &mut (dyn Write + Send),
    spent: Sender<Spent>,
    progress: &Line,
) -> Result<(Stats, u64), RunError> {
    let mut stats = Stats::default();
    let mut bytes_out = 0u64;
    for pending in order {
        let mut done = pending.recv().expect("every queued chunk gets an answer")?;
        bytes_out += write_done(&mut done, output, &mut stats, progress)?;
        let _ = spent.send((done.chunk.into_buffer(), done.out));
    }
    Ok((stats, bytes_out))
}
