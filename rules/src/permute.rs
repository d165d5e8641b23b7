//! Keyed permutations: how `unique: true` guarantees distinct outputs without remembering
//! what it has written.
//!
//! A Feistel network is a bijection whatever its round function, so distinct inputs give
//! distinct outputs by construction; a keyed AES round function makes the mapping
//! unpredictable without the key. Two uses:
//!
//! - [`decimal`]: a permutation of `[0, 10^n)`, for `{hash: {as: digits, unique: true}}`. The
//!   network runs on the smallest even number of bits that holds `10^n - 1`; a result outside
//!   the range is fed through again (cycle walking) until it falls inside. The walk stays on
//!   the input's cycle, which holds at least the input itself, so it ends, and it maps distinct
//!   inputs to distinct outputs. At most a quarter of the bit space is outside the range on
//!   average, so the walk is short.
//! - [`u64`]: a permutation of all 64-bit numbers, for place-based rules (`md5`, `email`) whose
//!   distinct rows have distinct byte offsets.
//!
//! Each permutation has a [`BlockKey`] derived from the run's key and what is permuted (the
//! mapping's domain; the seed), and a 32-bit tweak (the column) that goes into every round's
//! block, so unrelated columns get unrelated permutations from one key schedule per run.
//! A round is one AES-128 block (AES-NI where the CPU has it): about 8 blocks a value, where
//! a keyed BLAKE3 round cost as much as the whole rest of the row.

use crate::prf::BlockKey;

/// Rounds of every network: enough for a pseudorandom permutation with a margin.
const ROUNDS: u8 = 8;

/// Round `round` of the network: `half_bits` (at most 64) pseudorandom bits from `right`.
fn round(key: &BlockKey, tweak: u32, round: u8, right: u128, half_bits: u32) -> u128 {
    let block = right | u128::from(tweak) << 64 | u128::from(round) << 96;
    key.encrypt(block) & mask(half_bits)
}

/// The balanced Feistel network on `2 * half_bits` bits (`half_bits` at most 64).
fn feistel(key: &BlockKey, tweak: u32, x: u128, half_bits: u32) -> u128 {
    let (mut left, mut right) = (x >> half_bits, x & mask(half_bits));
    for r in 0..ROUNDS {
        let next = left ^ round(key, tweak, r, right, half_bits);
        left = right;
        right = next;
    }
    (left << half_bits) | right
}

fn mask(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// The largest number of decimal digits [`decimal`] can permute: `10^38 - 1` fits in 128 bits.
pub const MAX_DECIMAL_DIGITS: u32 = 38;

/// The keyed permutation of `[0, 10^digits)` applied to `x` (which must be inside).
pub fn decimal(key: &BlockKey, digits: u32, x: u128) -> u128 {
    assert!(
        (1..=MAX_DECIMAL_DIGITS).contains(&digits),
        "digits {digits}"
    );
    let size = 10u128.pow(digits);
    assert!(x < size, "{x} is not below 10^{digits}");
    let bits = u128::BITS - (size - 1).leading_zeros();
    let half_bits = bits.div_ceil(2).max(1);
    let mut y = feistel(key, 0, x, half_bits);
    while y >= size {
        y = feistel(key, 0, y, half_bits);
    }
    y
}

/// The keyed permutation of all 64-bit numbers applied to `x`; each `tweak` gives another.
pub fn u64(key: &BlockKey, tweak: u32, x: u64) -> u64 {
    feistel(key, tweak, u128::from(x), 32) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn key(tweak: &[u8]) -> BlockKey {
        BlockKey::new(&[9; 32], "test", tweak)
    }

    #[test]
    fn decimal_is_a_bijection_on_every_small_domain() {
        for digits in 1..=4 {
            let size = 10u128.pow(digits);
            let k = key(&digits.to_le_bytes());
            let mut seen = vec![false; size as usize];
            for x in 0..size {
                let y = decimal(&k, digits, x);
                assert!(y < size, "{digits} digits: {x} -> {y}");
                assert!(!seen[y as usize], "{digits} digits: {y} reached twice");
                seen[y as usize] = true;
            }
        }
    }

    #[test]
    fn the_widest_decimal_domain_works() {
        let k = key(b"wide");
        let top = 10u128.pow(MAX_DECIMAL_DIGITS) - 1;
        assert!(decimal(&k, MAX_DECIMAL_DIGITS, top) <= top);
        assert_ne!(decimal(&k, MAX_DECIMAL_DIGITS, 0), 0);
    }

    #[test]
    fn different_tweaks_give_different_permutations() {
        let (a, b) = (key(b"a"), key(b"b"));
        let differ = (0..100u64)
            .filter(|&x| u64(&a, 0, x) != u64(&b, 0, x))
            .count();
        assert!(differ > 95, "{differ}");
        let differ = (0..100u64)
            .filter(|&x| u64(&a, 1, x) != u64(&a, 2, x))
            .count();
        assert!(differ > 95, "tweaks: {differ}");
    }

    #[test]
    fn a_million_offsets_stay_distinct() {
        let k = key(b"million");
        let mut seen = HashSet::with_capacity(1_000_000);
        for x in 0..1_000_000u64 {
            assert!(seen.insert(u64(&k, 3, x * 37)), "duplicate at {x}");
        }
    }

    proptest! {
        #[test]
        fn decimal_maps_distinct_inputs_to_distinct_outputs(
            digits in 1u32..=MAX_DECIMAL_DIGITS,
            a in any::<u128>(),
            b in any::<u128>(),
            tweak in any::<u64>(),
        ) {
            let size = 10u128.pow(digits);
            let (a, b) = (a % size, b % size);
            let k = key(&tweak.to_le_bytes());
            let (fa, fb) = (decimal(&k, digits, a), decimal(&k, digits, b));
            prop_assert!(fa < size && fb < size);
            prop_assert_eq!(a == b, fa == fb);
        }

        #[test]
        fn u64_maps_distinct_inputs_to_distinct_outputs(
            a in any::<u64>(),
            b in any::<u64>(),
            tweak in any::<u32>(),
        ) {
            let k = key(b"u64");
            prop_assert_eq!(a == b, u64(&k, tweak, a) == u64(&k, tweak, b));
        }

        #[test]
        fn feistel_is_a_bijection_on_small_bit_widths(half_bits in 1u32..=5, tweak in any::<u32>()) {
            let k = key(&tweak.to_le_bytes());
            let size = 1u128 << (2 * half_bits);
            let outputs: HashSet<u128> = (0..size).map(|x| feistel(&k, 7, x, half_bits)).collect();
            prop_assert_eq!(outputs.len() as u128, size);
            prop_assert!(outputs.iter().all(|&y| y < size));
        }
    }
}
