//! A rewritten chunk as a list of pieces: runs of the input buffer, and new bytes.
//!
//! Pass-through segments and long unchanged runs are not copied at all; short unchanged runs
//! between rewritten fields are copied into one owned buffer, so a chunk of ruled rows
//! becomes a single write rather than thousands of small ones.

use std::ops::Range;

/// Unchanged runs at least this long stay in the input buffer instead of being copied.
const BORROW_AT_LEAST: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Input(Range<usize>),
    Owned(Range<usize>),
}

/// The output of one chunk, to be written in order by [`Rewritten::slices`].
#[derive(Debug, Default)]
pub struct Rewritten {
    pieces: Vec<Piece>,
    owned: Vec<u8>,
}

impl Rewritten {
    /// Empties it for the next chunk, keeping its memory.
    pub fn clear(&mut self) {
        self.pieces.clear();
        self.owned.clear();
    }

    /// Passes `range` of the input through.
    pub fn keep(&mut self, input: &[u8], range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        if range.len() < BORROW_AT_LEAST {
            self.push(&input[range]);
            return;
        }
        if let Some(Piece::Input(last)) = self.pieces.last_mut()
            && last.end == range.start
        {
            last.end = range.end;
            return;
        }
        self.pieces.push(Piece::Input(range));
    }

    /// Appends new bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        let start = self.owned.len();
        self.owned.extend_from_slice(bytes);
        self.owned_grew(start);
    }

    /// Appends new bytes written by `f` into the owned buffer.
    pub fn push_with(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        let start = self.owned.len();
        f(&mut self.owned);
        self.owned_grew(start);
    }

    fn owned_grew(&mut self, start: usize) {
        let end = self.owned.len();
        if start == end {
            return;
        }
        if let Some(Piece::Owned(last)) = self.pieces.last_mut()
            && last.end == start
        {
            last.end = end;
            return;
        }
        self.pieces.push(Piece::Owned(start..end));
    }

    /// The output, in order, given the chunk's input buffer.
    pub fn slices<'a>(&'a self, input: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.pieces.iter().map(move |p| match p {
            Piece::Input(r) => &input[r.clone()],
            Piece::Owned(r) => &self.owned[r.clone()],
        })
    }

    /// Total output bytes.
    pub fn len(&self) -> usize {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Input(r) | Piece::Owned(r) => r.len(),
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_runs_are_copied_long_runs_borrowed() {
        let input = vec![b'x'; 40_000];
        let mut out = Rewritten::default();
        out.keep(&input, 0..10);
        out.push(b"NEW");
        out.keep(&input, 10..40_000);
        let pieces: Vec<&[u8]> = out.slices(&input).collect();
        assert_eq!(pieces.len(), 2, "one owned run, then one borrowed run");
        assert_eq!(pieces[0].len(), 13);
        assert_eq!(pieces[1].len(), 39_990);
        assert_eq!(out.len(), 40_003);
    }
}
