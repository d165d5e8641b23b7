//! Any bytes through the rewriter: it may reject them with an error, never panic, and with no
//! rules what it accepts comes back unchanged, at any chunk size.
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use scrub_rules::RuleSet;

static RULES: LazyLock<Arc<RuleSet>> = LazyLock::new(|| {
    Arc::new(
        RuleSet::from_yaml("tables:\n  public.users:\n    columns:\n      email: email\n      name: {md5: 4}\n  t:\n    columns:\n      a: null\n")
            .unwrap(),
    )
});

fuzz_target!(|data: &[u8]| {
    let chunk = 1 + data.first().copied().unwrap_or(0) as usize;
    let _ = scrubber::scrub_bytes(data, RULES.clone(), 1, chunk);
    // With no rules a dump either passes through unchanged or is rejected (a truncated COPY).
    if let Ok((out, _)) = scrubber::scrub_bytes(data, Arc::new(RuleSet::default()), 1, chunk) {
        assert!(out == data, "no rules must be the identity");
    }
});
