//! Large objects in the dump: counting them, and emptying them under `large_objects: none`.
//!
//! pg_dump writes each large object as `SELECT pg_catalog.lo_create('OID');` (in its BLOB or
//! BLOB METADATA entry) and its contents in the BLOBS section as
//! `SELECT pg_catalog.lo_open('OID', 131072);`, one `SELECT pg_catalog.lowrite(0, '\x...');`
//! per piece, then `SELECT pg_catalog.lo_close(0);`. Every version from 9.6 to 18 writes the
//! same calls. Only the `lowrite` calls carry contents: dropping them leaves each object
//! created, opened and closed, so it exists, empty, under its OID.

use crate::header::FunctionCall;

/// What a statement does to a large object, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// `lo_open`: the start of one object's contents.
    Open,
    /// `lowrite`: a piece of its contents.
    Write,
}

/// What `SELECT pg_catalog.lo_open(...)` and `SELECT pg_catalog.lowrite(...)` do, given
/// the statement's call (see [`crate::header::called_function`]).
pub(crate) fn call(call: &FunctionCall) -> Option<Call> {
    match call.function.as_str() {
        _ if call.from => None,
        "lo_open" => Some(Call::Open),
        "lowrite" => Some(Call::Write),
        _ => None,
    }
}

/// The large objects a dump holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LargeObjectsSeen {
    /// Objects whose contents the dump writes (their `lo_open` calls).
    pub objects: u64,
    /// The line of the first one.
    pub first_line: Option<u64>,
    /// `lowrite` calls dropped under `large_objects: none`.
    pub writes_dropped: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_calls_pg_dump_writes_and_nothing_else() {
        let call = |text: &[u8]| crate::header::called_function(text).and_then(|c| call(&c));
        assert_eq!(
            call(b"SELECT pg_catalog.lo_open('16385', 131072);"),
            Some(Call::Open)
        );
        assert_eq!(
            call(b"SELECT pg_catalog.lowrite(0, '\\x6869');"),
            Some(Call::Write)
        );
        assert_eq!(call(b"select lowrite(0, E'\\\\x6869');"), Some(Call::Write));
        assert_eq!(call(b"SELECT pg_catalog.lo_close(0);"), None);
        assert_eq!(call(b"SELECT pg_catalog.lo_create('16385');"), None);
        assert_eq!(call(b"SELECT * FROM lowrite(0, 'x');"), None);
        assert_eq!(
            call(b"SELECT pg_catalog.set_config('search_path', '', false);"),
            None
        );
    }
}
