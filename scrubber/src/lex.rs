//! Finding structure in SQL text without parsing it.
//!
//! The rewriter needs statement ends, the `VALUES` keyword of an INSERT and the extent of
//! each `( ... )` row, in text that may hold anything inside string literals, quoted
//! identifiers, dollar-quoted bodies and comments. [`scan_code`] walks the code bytes and
//! jumps over those opaque regions with memchr/memmem, so a literal costs a few SIMD steps.
//!
//! Every function works on a buffer that may end mid-statement: it answers
//! [`Scan::NeedMore`] when the answer depends on bytes not yet read, and the caller retries
//! from the same place once the buffer holds more. Nothing here keeps state between calls.

use memchr::{memchr, memchr2, memmem};

/// The result of looking for something in a buffer that may be incomplete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    /// Found at this index.
    Found(usize),
    /// The buffer ends before the answer is known.
    NeedMore,
}

/// Whether `b` may continue an identifier (and so cannot start a `$tag$` or an `E'` prefix).
pub fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Calls `visit(i, byte)` for each byte of SQL code from `from`, skipping string literals,
/// quoted identifiers, dollar-quoted strings and comments. Returns the index where `visit`
/// first returned true. `start` bounds how far back prefix checks (`E'`) may look.
///
/// `std_strings` is the dump's `standard_conforming_strings`: when off, a backslash escapes
/// inside every '...' literal, not only inside E'...'.
pub fn scan_code(
    buf: &[u8],
    start: usize,
    from: usize,
    std_strings: bool,
    mut visit: impl FnMut(usize, u8) -> bool,
) -> Scan {
    let mut i = from;
    while i < buf.len() {
        let b = buf[i];
        let next = match b {
            b'\'' => {
                let escapes = !std_strings || has_e_prefix(buf, start, i);
                match skip_string(buf, i + 1, escapes, false) {
                    Some(end) => end,
                    None => return Scan::NeedMore,
                }
            }
            b'"' => match memchr(b'"', &buf[i + 1..]) {
                Some(k) => i + 1 + k + 1,
                None => return Scan::NeedMore,
            },
            b'-' | b'/' | b'$' => match skip_comment_or_dollar(buf, start, i) {
                Skip::To(end) => end,
                Skip::NotOpaque => {
                    if visit(i, b) {
                        return Scan::Found(i);
                    }
                    i + 1
                }
                Skip::NeedMore => return Scan::NeedMore,
            },
            _ => {
                if visit(i, b) {
                    return Scan::Found(i);
                }
                i + 1
            }
        };
        i = next;
    }
    Scan::NeedMore
}

enum Skip {
    To(usize),
    NotOpaque,
    NeedMore,
}

fn skip_comment_or_dollar(buf: &[u8], start: usize, i: usize) -> Skip {
    let Some(&next) = buf.get(i + 1) else {
        return Skip::NeedMore;
    };
    match (buf[i], next) {
        (b'-', b'-') => match memchr(b'\n', &buf[i + 2..]) {
            Some(k) => Skip::To(i + 2 + k + 1),
            None => Skip::NeedMore,
        },
        (b'/', b'*') => match skip_block_comment(buf, i + 2) {
            Some(end) => Skip::To(end),
            None => Skip::NeedMore,
        },
        (b'$', _) => {
            if i > start && is_ident_byte(buf[i - 1]) {
                return Skip::NotOpaque;
            }
            match dollar_tag(buf, i) {
                DollarTag::Opens(tag_end) => {
                    let tag = &buf[i..tag_end];
                    match memmem::find(&buf[tag_end..], tag) {
                        Some(k) => Skip::To(tag_end + k + tag.len()),
                        None => Skip::NeedMore,
                    }
                }
                DollarTag::No => Skip::NotOpaque,
                DollarTag::NeedMore => Skip::NeedMore,
            }
        }
        _ => Skip::NotOpaque,
    }
}

enum DollarTag {
    /// A `$tag$` opens here and ends just before this index.
    Opens(usize),
    /// A `$` that is not a dollar quote (`$1`, or an operator).
    No,
    NeedMore,
}

/// Whether a `$tag$` (tag possibly empty) opens at `i`.
fn dollar_tag(buf: &[u8], i: usize) -> DollarTag {
    for (j, &b) in buf.iter().enumerate().skip(i + 1) {
        if b == b'$' {
            return DollarTag::Opens(j + 1);
        }
        let first = j == i + 1;
        let ok = if first {
            b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
        } else {
            is_ident_byte(b)
        };
        if !ok {
            return DollarTag::No;
        }
    }
    DollarTag::NeedMore
}

/// Whether the quote at `i` opens an E'...' (escape string) literal.
fn has_e_prefix(buf: &[u8], start: usize, i: usize) -> bool {
    i > start && matches!(buf[i - 1], b'E' | b'e') && (i - 1 == start || !is_ident_byte(buf[i - 2]))
}

/// From just inside a '...' literal, the index just past its closing quote. A doubled quote
/// continues the literal; with `escapes`, a backslash escapes the next byte. A quote that is
/// the last byte of `buf` closes the literal only if `complete` says nothing follows `buf`.
pub fn skip_string(buf: &[u8], mut i: usize, escapes: bool, complete: bool) -> Option<usize> {
    loop {
        let k = if escapes {
            memchr2(b'\'', b'\\', &buf[i..])?
        } else {
            memchr(b'\'', &buf[i..])?
        };
        let at = i + k;
        if buf[at] == b'\\' {
            if at + 1 >= buf.len() {
                return None;
            }
            i = at + 2;
            continue;
        }
        match buf.get(at + 1) {
            Some(b'\'') => i = at + 2,
            Some(_) => return Some(at + 1),
            None if complete => return Some(at + 1),
            None => return None,
        }
    }
}

/// From just inside `/*`, the index just past the matching `*/` (block comments nest).
fn skip_block_comment(buf: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 1usize;
    loop {
        let k = memchr2(b'*', b'/', &buf[i..])?;
        let at = i + k;
        let next = *buf.get(at + 1)?;
        match (buf[at], next) {
            (b'*', b'/') => {
                depth -= 1;
                if depth == 0 {
                    return Some(at + 2);
                }
                i = at + 2;
            }
            (b'/', b'*') => {
                depth += 1;
                i = at + 2;
            }
            _ => i = at + 1,
        }
    }
}

/// The index just past the `;` that ends the statement starting at `from`.
pub fn statement_end(buf: &[u8], from: usize, std_strings: bool) -> Scan {
    match scan_code(buf, from, from, std_strings, |_, b| b == b';') {
        Scan::Found(i) => Scan::Found(i + 1),
        Scan::NeedMore => Scan::NeedMore,
    }
}

/// Skips white space and comments from `from`: the index of the next other byte.
pub fn skip_trivia(buf: &[u8], from: usize) -> Scan {
    let mut i = from;
    while i < buf.len() {
        match buf[i] {
            b if b.is_ascii_whitespace() => i += 1,
            b'-' | b'/' => match (buf[i], buf.get(i + 1)) {
                (_, None) => return Scan::NeedMore,
                (b'-', Some(b'-')) => match memchr(b'\n', &buf[i + 2..]) {
                    Some(k) => i += 2 + k + 1,
                    None => return Scan::NeedMore,
                },
                (b'/', Some(b'*')) => match skip_block_comment(buf, i + 2) {
                    Some(end) => i = end,
                    None => return Scan::NeedMore,
                },
                _ => return Scan::Found(i),
            },
            _ => return Scan::Found(i),
        }
    }
    Scan::NeedMore
}

/// From a `(` at `from`, the index just past its matching `)`.
pub fn group_end(buf: &[u8], from: usize, std_strings: bool) -> Scan {
    debug_assert_eq!(buf[from], b'(');
    let mut depth = 0usize;
    match scan_code(buf, from, from, std_strings, |_, b| {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                depth -= 1;
                return depth == 0;
            }
            _ => {}
        }
        false
    }) {
        Scan::Found(i) => Scan::Found(i + 1),
        Scan::NeedMore => Scan::NeedMore,
    }
}

/// The index of the first word `word` (ASCII, case-insensitive) in code at parenthesis depth
/// zero, from `from`, stopping with `None` at a `;`.
pub fn find_keyword(buf: &[u8], from: usize, std_strings: bool, word: &[u8]) -> Option<Scan> {
    let mut depth = 0usize;
    let mut hit_semicolon = false;
    let scan = scan_code(buf, from, from, std_strings, |i, b| match b {
        b'(' => {
            depth += 1;
            false
        }
        b')' => {
            depth = depth.saturating_sub(1);
            false
        }
        b';' if depth == 0 => {
            hit_semicolon = true;
            true
        }
        _ => depth == 0 && is_word_at(buf, from, i, word),
    });
    match scan {
        Scan::Found(_) if hit_semicolon => None,
        other => Some(other),
    }
}

/// Whether `word` stands at `i` as a whole word. Needs one byte past the word to decide;
/// without it, says no (the caller's scan then runs out and asks for more).
fn is_word_at(buf: &[u8], start: usize, i: usize, word: &[u8]) -> bool {
    let end = i + word.len();
    end < buf.len()
        && buf[i..end].eq_ignore_ascii_case(word)
        && !is_ident_byte(buf[end])
        && (i == start || !is_ident_byte(buf[i - 1]))
}
