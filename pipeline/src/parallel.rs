//! The parallel pipeline: one thread reads and cuts chunks, rayon workers rewrite (and
//! compress) them, one thread writes them in input order.
//!
//! Ordering and back-pressure come from one bounded channel: for each chunk the reader
//! queues the receiving end of a one-shot channel that the chunk's worker will answer on,
//! and the writer takes those in queue order. When the writer falls behind, the queue fills
//! and the reader waits, so at most `2 × jobs + 2` chunks are in memory at once.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread;

use scrub_rules::RuleSet;
use scrubber::{Chunk, Chunker, DataError, Report, Rewritten, Stats};

use crate::compress::Compression;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub jobs: usize,
    pub seed: u64,
    pub compress: Option<Compression>,
    pub chunk_size: usize,
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

enum Body {
    /// The chunk's input and the pieces of its output.
    Pieces(Vec<u8>, Rewritten),
    /// One compressed member or frame.
    Compressed(Vec<u8>),
}

struct Done {
    body: Body,
    stats: Stats,
}

fn process(chunk: Chunk, settings: Settings) -> Result<Done, RunError> {
    let mut out = Rewritten::default();
    let mut stats = Stats::default();
    scrubber::rewrite(
        &chunk.data,
        &chunk.segments,
        settings.seed,
        &mut out,
        &mut stats,
    )
    .map_err(RunError::Data)?;
    let body = match settings.compress {
        None => Body::Pieces(chunk.data, out),
        Some(c) => Body::Compressed(
            c.compress(out.slices(&chunk.data), out.len())
                .map_err(RunError::Write)?,
        ),
    };
    Ok(Done { body, stats })
}

/// Runs the pipeline from `input` to `output`.
pub fn run(
    input: impl Read + Send,
    rules: Arc<RuleSet>,
    output: &mut (dyn Write + Send),
    settings: Settings,
) -> Result<Totals, RunError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .thread_name(|i| format!("scrub-worker-{i}"))
        .build()
        .expect("a thread pool of a few threads can be built");
    let in_flight = 2 * settings.jobs + 2;
    let mut chunker = Chunker::new(input, rules, settings.chunk_size);

    let (written, read) = thread::scope(|scope| {
        let (order_tx, order_rx) = sync_channel::<Receiver<Result<Done, RunError>>>(in_flight);
        let writer = scope.spawn(move || write_in_order(order_rx, output, settings.compress));
        let read = loop {
            match chunker.next_chunk() {
                Ok(Some(chunk)) => {
                    let (tx, rx) = sync_channel(1);
                    if order_tx.send(rx).is_err() {
                        break Ok(()); // the writer stopped; its error says why
                    }
                    pool.spawn(move || {
                        let _ = tx.send(process(chunk, settings));
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
    let (stats, bytes_out) = written?;
    read?;
    let bytes_in = chunker.bytes_read();
    let report = chunker.finish()?;
    Ok(Totals {
        stats,
        report,
        bytes_in,
        bytes_out,
    })
}

fn write_in_order(
    order: Receiver<Receiver<Result<Done, RunError>>>,
    output: &mut (dyn Write + Send),
    compress: Option<Compression>,
) -> Result<(Stats, u64), RunError> {
    let mut stats = Stats::default();
    let mut bytes_out = 0u64;
    let mut wrote_any = false;
    for pending in order {
        let done = pending.recv().expect("every queued chunk gets an answer")?;
        stats.merge(done.stats);
        match &done.body {
            Body::Pieces(input, out) => {
                for s in out.slices(input) {
                    output.write_all(s).map_err(RunError::Write)?;
                    bytes_out += s.len() as u64;
                }
            }
            Body::Compressed(bytes) => {
                output.write_all(bytes).map_err(RunError::Write)?;
                bytes_out += bytes.len() as u64;
            }
        }
        wrote_any = true;
    }
    if let (Some(c), false) = (compress, wrote_any) {
        // An empty input still gives a valid compressed stream.
        let empty = c.compress(std::iter::empty(), 0).map_err(RunError::Write)?;
        output.write_all(&empty).map_err(RunError::Write)?;
        bytes_out += empty.len() as u64;
    }
    Ok((stats, bytes_out))
}
