//! Is the input a whole pg_dump plain-SQL dump at all?
//!
//! # Why
//!
//! A splitter that finds no COPY or INSERT passes everything through, which is right for a
//! schema-only dump and a disaster for anything else: a custom-format archive (`pg_dump -Fc`)
//! given by mistake would come out unchanged, production data under an "anonymized" name.
//! And a dump cut short at a statement boundary looks complete to a statement reader. So the
//! reader of every byte also looks at the two ends of the stream:
//!
//! * the head: archive magic (`PGDMP`, tar's `ustar`), NUL bytes (SQL text never has one),
//!   and pg_dump's header comment `-- PostgreSQL database dump`;
//! * the tail: pg_dump's last comment, `-- PostgreSQL database dump complete`, which every
//!   pg_dump and pg_restore writes after the last statement (only `\unrestrict` follows it).
//!
//! Input without the header and without table data is not a dump (a README, a log, an empty
//! file); [`InputChecks::allow_fragment`] lets hand-made SQL through. A dump with the header
//! but without the completion line was truncated; [`InputChecks::allow_incomplete`] accepts
//! it. A hand-edited dump without the header (and so without the promise of a last line) is
//! judged by its table data alone.

use memchr::{memchr, memmem};

use crate::error::{DataError, at};

/// Which departures from a whole pg_dump plain dump to accept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InputChecks {
    /// Accept SQL that has no pg_dump header and no table data (hand-made SQL).
    pub allow_fragment: bool,
    /// Accept a dump that has pg_dump's header but not its completion line.
    pub allow_incomplete: bool,
}

/// Bytes of the head looked at: pg_dump's header is in the first few lines.
pub(crate) const HEAD_LEN: usize = 4096;
/// Bytes of the tail kept: the completion line and what may follow it (`\unrestrict KEY`).
const TAIL_LEN: usize = 512;

const HEADERS: [&[u8]; 2] = [
    b"\n-- PostgreSQL database dump\n",
    b"\n-- PostgreSQL database cluster dump\n",
];
const COMPLETIONS: [&[u8]; 2] = [
    b"\n-- PostgreSQL database dump complete\n",
    b"\n-- PostgreSQL database cluster dump complete\n",
];

/// What the two ends of the input showed so far.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    checks: InputChecks,
    head: Vec<u8>,
    tail: Vec<u8>,
    total: u64,
}

impl Shape {
    pub(crate) fn new(checks: InputChecks) -> Shape {
        Shape {
            checks,
            ..Shape::default()
        }
    }

    /// Takes note of bytes just read (in input order).
    pub(crate) fn saw(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        if self.head.len() < HEAD_LEN {
            let n = bytes.len().min(HEAD_LEN - self.head.len());
            self.head.extend_from_slice(&bytes[..n]);
        }
        if bytes.len() >= TAIL_LEN {
            self.tail.clear();
            self.tail
                .extend_from_slice(&bytes[bytes.len() - TAIL_LEN..]);
        } else {
            self.tail.extend_from_slice(bytes);
            let excess = self.tail.len().saturating_sub(TAIL_LEN);
            self.tail.drain(..excess);
        }
    }

    /// Refuses input whose first bytes show it is not SQL text. Call once the head is full
    /// or the input has ended.
    pub(crate) fn check_head(&self) -> Result<(), DataError> {
        let head = &self.head;
        let refuse = |what: &str| Err(at(1, "", what.to_owned()));
        if head.starts_with(b"PGDMP") {
            return refuse(
                "this is a pg_dump custom-format archive, not plain SQL; run `pg_restore -f - FILE | scrub ...`",
            );
        }
        if head.get(257..262) == Some(b"ustar") {
            return refuse(
                "this is a tar archive (pg_dump -Ft?), not plain SQL; run `pg_restore -f - FILE | scrub ...`",
            );
        }
        if memchr(0, head).is_some() {
            return refuse(
                "this is binary data (it holds NUL bytes), not a pg_dump plain-SQL dump",
            );
        }
        Ok(())
    }

    /// Judges the whole input once it has ended: `saw_data` says whether it had a COPY or
    /// INSERT. `line` is the last line, for the message.
    pub(crate) fn check_end(&self, saw_data: bool, line: u64) -> Result<(), DataError> {
        if self.total == 0 {
            return Err(at(
                1,
                "",
                "the input is empty: not a pg_dump plain-SQL dump",
            ));
        }
        let header = self.has_header();
        if header && !self.checks.allow_incomplete && !self.has_completion() {
            return Err(at(
                line,
                "",
                "the dump ends without pg_dump's last line `-- PostgreSQL database dump complete`: it was cut short (--allow-incomplete accepts it)",
            ));
        }
        if !header && !saw_data && !self.checks.allow_fragment {
            return Err(at(
                1,
                "",
                "this is not a pg_dump plain-SQL dump: it has neither pg_dump's header `-- PostgreSQL database dump` nor any table data (--allow-fragment accepts hand-made SQL)",
            ));
        }
        Ok(())
    }

    fn has_header(&self) -> bool {
        // The header is the second line; a leading newline lets the first line match too.
        let mut head = Vec::with_capacity(self.head.len() + 1);
        head.push(b'\n');
        head.extend_from_slice(&self.head);
        HEADERS.iter().any(|h| memmem::find(&head, h).is_some())
    }

    fn has_completion(&self) -> bool {
        let mut tail = self.tail.clone();
        tail.push(b'\n');
        COMPLETIONS.iter().any(|c| memmem::find(&tail, c).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape_of(input: &[u8], checks: InputChecks, piece: usize) -> Shape {
        let mut shape = Shape::new(checks);
        for part in input.chunks(piece.max(1)) {
            shape.saw(part);
        }
        shape
    }

    const WHOLE: &[u8] = b"--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE t (a int);\n\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict abc\n";

    #[test]
    fn a_whole_dump_passes_in_any_pieces() {
        for piece in [1, 3, 7, 600] {
            let s = shape_of(WHOLE, InputChecks::default(), piece);
            assert_eq!(s.check_head(), Ok(()));
            assert_eq!(s.check_end(false, 9), Ok(()));
        }
    }

    #[test]
    fn a_cut_dump_fails_unless_allowed() {
        let cut = &WHOLE[..40];
        let e = shape_of(cut, InputChecks::default(), 5)
            .check_end(true, 4)
            .unwrap_err();
        assert!(e.message.contains("cut short"), "{e}");
        let lenient = InputChecks {
            allow_incomplete: true,
            ..InputChecks::default()
        };
        assert_eq!(shape_of(cut, lenient, 5).check_end(true, 4), Ok(()));
    }

    #[test]
    fn archives_binary_empty_and_prose_are_refused() {
        let custom = shape_of(b"PGDMP\x01\x0e\x00rest", InputChecks::default(), 4);
        assert!(
            custom
                .check_head()
                .unwrap_err()
                .message
                .contains("custom-format")
        );
        let mut tar = vec![b'a'; 600];
        tar[257..262].copy_from_slice(b"ustar");
        assert!(
            shape_of(&tar, InputChecks::default(), 100)
                .check_head()
                .unwrap_err()
                .message
                .contains("tar archive")
        );
        let binary = shape_of(b"ab\x00cd", InputChecks::default(), 1);
        assert!(binary.check_head().unwrap_err().message.contains("binary"));
        let empty = shape_of(b"", InputChecks::default(), 1);
        assert!(
            empty
                .check_end(false, 1)
                .unwrap_err()
                .message
                .contains("empty")
        );
        let prose = shape_of(b"# README\nsome text;\n", InputChecks::default(), 4);
        assert!(
            prose
                .check_end(false, 2)
                .unwrap_err()
                .message
                .contains("not a pg_dump")
        );
        let fragment = InputChecks {
            allow_fragment: true,
            ..InputChecks::default()
        };
        assert_eq!(
            shape_of(b"SELECT 1;\n", fragment, 4).check_end(false, 1),
            Ok(())
        );
        // Hand-edited dumps without the header are judged by their data.
        assert_eq!(
            shape_of(
                b"COPY t (a) FROM stdin;\n1\n\\.\n",
                InputChecks::default(),
                4
            )
            .check_end(true, 3),
            Ok(())
        );
    }
}
