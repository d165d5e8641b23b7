//! Any bytes through the rewriter: it may reject them with an error, never panic, and with no
//! rules what it accepts comes back unchanged, at any chunk size.
//!
//! `scrub_bytes` applies the default [`InputChecks`]: input that is not a whole plain dump is
//! refused as a whole (an `Err`, no output), so the identity holds for every `Ok`. Most
//! mutated inputs lose pg_dump's header or completion line and would stop at that check, so
//! the same bytes also go through the chunker with every departure allowed: the splitter and
//! rewriter then see fragments too, and a strict `Ok` must give the lenient run's output.
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use scrub_rules::{Keys, RuleSet};
use scrubber::{Chunker, InputChecks, Rewritten, Stats};

static RULES: LazyLock<Arc<RuleSet>> = LazyLock::new(|| {
    Arc::new(
        RuleSet::from_yaml("tables:\n  public.users:\n    columns:\n      email: email\n      name: {md5: 4}\n  t:\n    columns:\n      a: null\n")
            .unwrap(),
    )
});
static NO_RULES: LazyLock<Arc<RuleSet>> = LazyLock::new(|| Arc::new(RuleSet::default()));
static KEYS: LazyLock<Keys> = LazyLock::new(|| Keys::from_seed(1));

const LENIENT: InputChecks = InputChecks {
    allow_fragment: true,
    allow_incomplete: true,
};

/// `scrub_bytes` with `checks` instead of the default ones.
fn scrub_with(
    input: &[u8],
    rules: Arc<RuleSet>,
    chunk: usize,
    checks: InputChecks,
) -> Result<Vec<u8>, scrubber::Error> {
    let mut chunker = Chunker::new(input, rules, chunk).with_checks(checks);
    let (mut out, mut stats, mut rewritten) = (Vec::new(), Stats::default(), Rewritten::default());
    while let Some(c) = chunker.next_chunk()? {
        rewritten.clear();
        scrubber::rewrite(c.bytes(), c.segments(), &KEYS, &mut rewritten, &mut stats)?;
        for s in rewritten.slices(c.bytes()) {
            out.extend_from_slice(s);
        }
        chunker.recycle(c.into_buffer());
    }
    chunker.finish()?;
    Ok(out)
}

fuzz_target!(|data: &[u8]| {
    let chunk = 1 + data.first().copied().unwrap_or(0) as usize;
    let _ = scrubber::scrub_bytes(data, RULES.clone(), &KEYS, chunk);
    let _ = scrub_with(data, RULES.clone(), chunk, LENIENT);
    // With no rules a dump either passes through unchanged or is rejected (a truncated COPY,
    // input that is not a whole dump).
    let strict = scrubber::scrub_bytes(data, NO_RULES.clone(), &KEYS, chunk);
    if let Ok((out, _)) = &strict {
        assert!(out == data, "no rules must be the identity");
    }
    let lenient = scrub_with(data, NO_RULES.clone(), chunk, LENIENT);
    if let Ok(out) = &lenient {
        assert!(
            out == data,
            "no rules must be the identity, fragments included"
        );
    }
    if strict.is_ok() {
        assert!(
            lenient.is_ok(),
            "the lenient checks refused what the strict ones accepted"
        );
    }
});
