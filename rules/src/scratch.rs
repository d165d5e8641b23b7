//! Working buffers that a rule reuses from one value to the next on the same thread.
//!
//! A rule that holds an inner rule (`array`, `json`) needs a buffer for the inner result
//! besides its own output. Allocating it per value costs more than the rule's work on short
//! values, and with several workers glibc's allocator makes them wait on each other's arena
//! locks: the profile of issue 15 showed `array` at `-j2` slower than at `-j1`, a quarter of
//! its worker time in `realloc`/`free` futex waits. So buffers come from a small per-thread
//! stack: nested rules take one each, and a buffer grown by an outsized value is dropped
//! rather than kept, so what a thread holds stays small.

use std::cell::RefCell;

/// A buffer that grew beyond this is freed after use instead of kept.
const KEEP_AT_MOST: usize = 64 * 1024;

thread_local! {
    static SPARE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with an empty buffer of this thread's, returned for reuse afterwards.
pub(crate) fn with_buffer<T>(f: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    let mut buffer = SPARE.with_borrow_mut(Vec::pop).unwrap_or_default();
    buffer.clear();
    let result = f(&mut buffer);
    if buffer.capacity() <= KEEP_AT_MOST {
        SPARE.with_borrow_mut(|spare| spare.push(buffer));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_uses_get_distinct_buffers_and_reuse_them() {
        let (outer, inner) = with_buffer(|a| {
            a.extend_from_slice(b"outer");
            let inner = with_buffer(|b| {
                assert!(b.is_empty());
                b.extend_from_slice(b"inner");
                b.as_ptr()
            });
            assert_eq!(a, b"outer");
            (a.as_ptr(), inner)
        });
        assert_ne!(outer, inner);
        // Both went back: the next two uses get them again, emptied.
        with_buffer(|a| {
            assert!(a.is_empty());
            with_buffer(|b| assert!([outer, inner].contains(&b.as_ptr())));
            assert!([outer, inner].contains(&a.as_ptr()));
        });
    }

    #[test]
    fn an_outsized_buffer_is_not_kept() {
        let big = with_buffer(|b| {
            b.resize(KEEP_AT_MOST + 1, 0);
            b.as_ptr()
        });
        with_buffer(|b| assert!(b.capacity() <= KEEP_AT_MOST || b.as_ptr() != big));
    }
}
