//! The fast keyed function behind place-based output and `unique` permutations.
//!
//! Those rules need a pseudorandom function of a few bytes (a row's offset, a column, a
//! round number) many million times a run. AES-128 is that: one block per call, a few
//! nanoseconds with the AES instructions of every x86-64 and ARMv8 server (the `aes` crate
//! picks them at run time, and a constant-time software version elsewhere), and as a
//! permutation of 128-bit blocks it maps distinct inputs to distinct outputs. The key
//! schedule is expanded once, when the key is made, never per value. Keys themselves come
//! from BLAKE3, bound to what they are for, so no two uses share one.

use aes::Aes128;
use aes::cipher::{BlockEncrypt, KeyInit};

/// An expanded AES-128 key for one purpose.
#[derive(Clone)]
pub struct BlockKey(Aes128);

impl BlockKey {
    /// The key for `purpose` and `tweak` (length-prefixed, so no two pairs share a key)
    /// derived from `key`.
    pub fn new(key: &[u8; 32], purpose: &str, tweak: &[u8]) -> BlockKey {
        let mut hasher = blake3::Hasher::new_keyed(key);
        hasher.update(&(purpose.len() as u64).to_le_bytes());
        hasher.update(purpose.as_bytes());
        hasher.update(tweak);
        let derived = hasher.finalize();
        let bytes: &[u8; 16] = derived.as_bytes()[..16].try_into().expect("16 bytes");
        BlockKey(Aes128::new(bytes.into()))
    }

    /// The block `input` encrypted: a keyed permutation of 128-bit numbers.
    pub fn encrypt(&self, input: u128) -> u128 {
        let mut block = input.to_le_bytes().into();
        self.0.encrypt_block(&mut block);
        u128::from_le_bytes(block.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_for_other_purposes_or_tweaks_differ() {
        let base = BlockKey::new(&[1; 32], "a", b"x").encrypt(5);
        assert_eq!(base, BlockKey::new(&[1; 32], "a", b"x").encrypt(5));
        assert_ne!(base, BlockKey::new(&[1; 32], "a", b"y").encrypt(5));
        assert_ne!(base, BlockKey::new(&[1; 32], "ax", b"").encrypt(5));
        assert_ne!(base, BlockKey::new(&[2; 32], "a", b"x").encrypt(5));
        assert_ne!(base, BlockKey::new(&[1; 32], "a", b"x").encrypt(6));
    }

    #[test]
    fn it_is_aes_128() {
        // FIPS-197 appendix C.1: key 000102..0f, plaintext 00112233..ff.
        let key = BlockKey(Aes128::new(&core::array::from_fn(|i| i as u8).into()));
        let plain = u128::from_be_bytes(
            *b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff",
        );
        let cipher = u128::from_be_bytes(
            *b"\x69\xc4\xe0\xd8\x6a\x7b\x04\x30\xd8\xcd\xb7\x80\x70\xb4\xc5\x5a",
        );
        assert_eq!(
            key.encrypt(u128::from_le_bytes(plain.to_be_bytes())),
            u128::from_le_bytes(cipher.to_be_bytes())
        );
    }
}
