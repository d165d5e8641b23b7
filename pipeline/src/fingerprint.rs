//! 128-bit keyed fingerprints of values, so that `scrub verify` holds no plaintext.
//!
//! The key is drawn at random for each run and never leaves memory, so the fingerprints in
//! a core dump or swap cannot be matched against guessed values later. 128 bits make a false
//! match between two different values practically impossible (about 2^-64 for 2^32 values).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Keyed BLAKE3, cut to 128 bits.
pub struct Fingerprinter {
    key: [u8; 32],
}

impl Fingerprinter {
    pub fn random() -> Fingerprinter {
        Fingerprinter {
            key: rand::random(),
        }
    }

    pub fn of(&self, value: &[u8]) -> u128 {
        self.of_parts(&[value])
    }

    /// The fingerprint of `parts` one after the other, each length-prefixed so that no two
    /// different splits give the same input.
    pub fn of_parts(&self, parts: &[&[u8]]) -> u128 {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        for p in parts {
            hasher.update(&(p.len() as u64).to_le_bytes());
            hasher.update(p);
        }
        let bytes: [u8; 16] = hasher.finalize().as_bytes()[..16]
            .try_into()
            .expect("16 of 32 bytes");
        u128::from_le_bytes(bytes)
    }
}

/// A map keyed by fingerprints: they are uniformly random already, so the table uses their
/// low bits as they are instead of hashing them again.
pub type FingerprintMap<V> = HashMap<u128, V, BuildHasherDefault<AlreadyHashed>>;

#[derive(Default)]
pub struct AlreadyHashed(u64);

impl Hasher for AlreadyHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_match_and_the_key_changes_every_run() {
        let (a, b) = (Fingerprinter::random(), Fingerprinter::random());
        assert_eq!(a.of(b"ann@corp.com"), a.of(b"ann@corp.com"));
        assert_ne!(a.of(b"ann@corp.com"), a.of(b"ann@corp.co"));
        assert_ne!(a.of(b"ann@corp.com"), b.of(b"ann@corp.com"));
        assert_ne!(a.of_parts(&[b"ab", b"c"]), a.of_parts(&[b"a", b"bc"]));
    }
}
