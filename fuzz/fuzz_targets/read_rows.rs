//! The reader of `scrub verify` and `scrub detect` on arbitrary bytes: it may refuse them,
//! never panic, and the rows it hands out must not depend on the chunk size.
//!
//! The first byte picks the [`InputChecks`], the next two a chunk size (1 to 65536); the
//! rest is read at that size and at the default 1 MiB. When both runs succeed they must see
//! the same rows (table, columns, line, offset, decoded fields), and one succeeds only if
//! the other does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scrubber::InputChecks;

type Seen = (String, Vec<String>, u64, u64, Vec<Option<Vec<u8>>>);

fn rows(input: &[u8], chunk: usize, checks: InputChecks) -> Result<Vec<Seen>, String> {
    let mut seen = Vec::new();
    scrubber::read_rows(input, chunk, checks, |_, row| {
        seen.push((
            row.table.to_string(),
            row.columns.iter().map(ToString::to_string).collect(),
            row.line,
            row.offset,
            row.fields
                .iter()
                .map(|f| f.as_deref().map(<[u8]>::to_vec))
                .collect(),
        ));
    })
    .map_err(|e| e.to_string())?;
    Ok(seen)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let checks = InputChecks {
        allow_fragment: data[0] & 1 != 0,
        allow_incomplete: data[0] & 2 != 0,
    };
    let chunk = 1 + u16::from_le_bytes([data[1], data[2]]) as usize;
    let input = &data[3..];
    let small = rows(input, chunk, checks);
    let large = rows(input, scrubber::DEFAULT_CHUNK_SIZE, checks);
    match (&small, &large) {
        (Ok(a), Ok(b)) => assert!(a == b, "chunk size {chunk} changed the rows"),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "chunk size {chunk}: {:?} but at 1 MiB {:?}",
            small.as_ref().map(Vec::len),
            large.as_ref().map(Vec::len)
        ),
    }
});
