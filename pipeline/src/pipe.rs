//! Bigger pipe buffers for standard input and output.
//!
//! scrub usually sits in a pipe (`pg_restore -f - | scrub | zstd`). Linux gives a pipe
//! 64 KiB, so the processes on either side wake each other for every 64 KiB, and on a
//! machine with few cores those switches cost the sequential reader a measurable share of
//! its time. A 1 MiB pipe (the unprivileged maximum of `fs.pipe-max-size`) moves one chunk
//! per wake-up. It is an optimisation only: anything that is not a pipe, or a system that
//! refuses, is left as it is.

use std::os::fd::AsFd;

/// The pipe buffer asked for: one chunk.
const PIPE_SIZE: usize = 1 << 20;

/// Asks for a 1 MiB buffer on `fd` if it is a pipe; silently keeps the old size otherwise.
pub fn widen(fd: impl AsFd) {
    let is_fifo = rustix::fs::fstat(&fd)
        .is_ok_and(|st| rustix::fs::FileType::from_raw_mode(st.st_mode).is_fifo());
    if is_fifo {
        let _ = rustix::pipe::fcntl_setpipe_size(&fd, PIPE_SIZE);
    }
}
