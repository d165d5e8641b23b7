//! The parallel pipeline: rayon workers take turns reading and cutting the next chunk, then
//! rewrite (and compress) it; one thread writes the chunks in input order.
//!
//! Reading is the one sequential step, so the input sits behind a lock that one worker at a
//! time holds, and that worker then rewrites the chunk it cut. Its bytes stay in the cache of
//! the core that copied them in from the kernel and searched them for line ends: a separate
//! reader thread handing chunks on made every worker fetch every byte from another core's
//! cache, which on cheap rules cost as much as the rewrite itself, and had three busy
//! threads share two cores.
//!
//! Ordering and back-pressure come from one bounded channel: with each chunk the worker
//! that cut it queues the receiving end of a one-shot channel that it answers on once the
//! chunk is rewritten, and the writer takes those in queue order. When the writer falls
//! behind, the queue (`2 × jobs + 2` places) fills and the worker holding the input waits,
//! so with the chunk being written and the one waiting for a place at most `2 × jobs + 4`
//! chunks are in memory at once.
//!
//! With one job there is nothing to overlap with, so `-j1` runs every step on the calling
//! thread: it uses one core, and is the baseline that `-jN` is measured against.

use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};
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

/// Memory the writer hands back for the next chunks.
type Spent = (Vec<u8>, Rewritten);

/// What a worker answers for one chunk.
type Outcome = Result<Done, RunError>;

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
    let (order_tx, order_rx) = sync_channel::<Receiver<Outcome>>(in_flight);
    let (spent_tx, spent_rx) = channel::<Spent>();
    let reading = Mutex::new(Reading {
        chunker,
        order: Some(order_tx),
        spent: spent_rx,
        spare_outputs: Vec::new(),
        failed: None,
    });
    let written = thread::scope(|scope| {
        let writer = scope.spawn(|| write_in_order(order_rx, &mut *output, spent_tx, progress));
        pool.broadcast(|_| work(&reading, settings));
        writer.join().expect("the writer thread does not panic")
    });
    // The writer's error concerns earlier input than the reader's, so it goes first.
    let written = written?;
    if let Some(e) = reading.into_inner().expect("no worker panics").failed {
        return Err(e);
    }
    Ok(written)
}

/// The sequential part of a parallel run, which one worker at a time holds: the input, and
/// the queue that fixes the output order.
struct Reading<'a, R> {
    chunker: &'a mut Chunker<R>,
    /// `None` once the input is done, failed or the writer stopped.
    order: Option<SyncSender<Receiver<Outcome>>>,
    spent: Receiver<Spent>,
    spare_outputs: Vec<Rewritten>,
    failed: Option<RunError>,
}

impl<R: Read> Reading<'_, R> {
    /// The next chunk, with its output memory and the sender its result goes to, its place
    /// in the output order taken; `None` when there is no more to do.
    fn next(&mut self) -> Option<(Chunk, Rewritten, SyncSender<Outcome>)> {
        let order = self.order.as_ref()?;
        for (buffer, out) in self.spent.try_iter() {
            self.chunker.recycle(buffer);
            self.spare_outputs.push(out);
        }
        match self.chunker.next_chunk() {
            Ok(Some(chunk)) => {
                let (tx, rx) = sync_channel(1);
                if order.send(rx).is_err() {
                    self.order = None; // the writer stopped; its error says why
                    return None;
                }
                Some((chunk, self.spare_outputs.pop().unwrap_or_default(), tx))
            }
            Ok(None) => {
                self.order = None;
                None
            }
            Err(e) => {
                self.order = None;
                self.failed = Some(RunError::from(e));
                None
            }
        }
    }
}

/// One worker: cut the next chunk while holding the input, then rewrite it while another
/// worker cuts the one after.
fn work<R: Read>(reading: &Mutex<Reading<'_, R>>, settings: &Settings) {
    loop {
        let next = reading.lock().expect("no worker panics").next();
        let Some((chunk, out, tx)) = next else {
            return;
        };
        let _ = tx.send(process(chunk, out, settings));
    }
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
    order: Receiver<Receiver<Outcome>>,
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
