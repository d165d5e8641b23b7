//! The secrets a run derives its output from.
//!
//! Two things make output vary: the *seed* (place-based rules such as `md5`, which give
//! every row a fresh value) and the *key* (value-based rules such as `hash`, which give the
//! same value the same pseudonym wherever it appears). The key comes from a key file when
//! pseudonyms must match across runs; otherwise the binary draws a fresh one from the operating
//! system, so each run without a key file is consistent within its dump and unlinkable to any
//! other. The key is never derived from the seed: a seed is not secret (backups fix it so that
//! unchanged data gives identical bytes), and a known key lets anyone hash a guessed e-mail
//! and find it in the copy.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::prf::BlockKey;

/// The shortest key file accepted: 256 bits of randomness.
pub const MIN_KEY_MATERIAL: usize = 32;

/// Where a run's key came from, for the summary (never the key itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// Read from a key file: pseudonyms match every other run with that file.
    File,
    /// Drawn for this run: consistent within this run only.
    Drawn,
    /// Derived from the seed by [`Keys::from_seed`]: for tests and benchmarks only.
    Seed,
}

/// The seed and key of one run, and the block keys derived from them once per run.
#[derive(Clone)]
pub struct Keys {
    seed: u64,
    key: [u8; 32],
    source: KeySource,
    /// From the seed alone: the text of `md5`.
    md5: BlockKey,
    /// From the key and the seed: the permuted places of unique `md5` and `email`.
    place: BlockKey,
    /// A number no other `Keys` made by this process has (a clone keeps it): what caches of
    /// keys derived from these look them up by, cheaper than comparing the key.
    id: u64,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Keys {
    fn new(seed: u64, key: [u8; 32], source: KeySource) -> Keys {
        let md5 = blake3::derive_key("scrub 2026 md5 text from seed", &seed.to_le_bytes());
        Keys {
            seed,
            key,
            source,
            md5: BlockKey::new(&md5, "md5", &[]),
            place: BlockKey::new(&key, "place", &seed.to_le_bytes()),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Keys for a run without a key file: `key` must be fresh randomness, drawn for this run.
    pub fn drawn(seed: u64, key: [u8; 32]) -> Keys {
        Keys::new(seed, key, KeySource::Drawn)
    }

    /// Reproducible keys for tests and benchmarks: the key follows from the seed, so whoever
    /// knows the seed knows the key. Never for real output.
    pub fn from_seed(seed: u64) -> Keys {
        let key = blake3::derive_key("scrub 2026 hash key from seed", &seed.to_le_bytes());
        Keys::new(seed, key, KeySource::Seed)
    }

    /// Keys for a run with a key file's contents as key material.
    pub fn with_key_material(seed: u64, material: &[u8]) -> Result<Keys, KeyError> {
        if material.len() < MIN_KEY_MATERIAL {
            return Err(KeyError::TooShort(material.len()));
        }
        let key = blake3::derive_key("scrub 2026 hash key from key file", material);
        Ok(Keys::new(seed, key, KeySource::File))
    }

    /// The seed of place-based rules.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The 256-bit key of value-based rules.
    pub fn key(&self) -> &[u8; 32] {
        &self.key
    }

    pub fn source(&self) -> KeySource {
        self.source
    }

    /// The block key of `md5` text: a function of the seed, like every place-based output.
    pub(crate) fn md5(&self) -> &BlockKey {
        &self.md5
    }

    /// The block key of permuted places.
    pub(crate) fn place(&self) -> &BlockKey {
        &self.place
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("seed", &self.seed)
            .field("key", &"<secret>")
            .field("source", &self.source)
            .finish()
    }
}

/// Key material that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the key file holds {0} bytes; it needs at least {MIN_KEY_MATERIAL} bytes of random data (for example `head -c 32 /dev/urandom`)"
    )]
    TooShort(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_and_seeds_give_distinct_keys() {
        let material = [7u8; 32];
        let a = Keys::with_key_material(1, &material).unwrap();
        let b = Keys::with_key_material(2, &material).unwrap();
        assert_eq!(a.key(), b.key(), "the key does not depend on the seed");
        assert_ne!(a.key(), Keys::from_seed(1).key());
        assert_ne!(Keys::from_seed(1).key(), Keys::from_seed(2).key());
        assert_eq!(
            Keys::with_key_material(1, &[0; 31]).unwrap_err(),
            KeyError::TooShort(31)
        );
    }

    #[test]
    fn debug_output_hides_the_key() {
        let keys = Keys::from_seed(3);
        let shown = format!("{keys:?}");
        assert!(shown.contains("<secret>") && !shown.contains(&hex::encode(keys.key())));
    }
}
