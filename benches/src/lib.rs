//! Benchmark support for scrub: `gendump`, a deterministic generator of plain pg_dump files
//! of any size, and the criterion benches under `benches/` that time the hot paths.
//!
//! ```
//! use scrub_benches::{Form, Profile, Spec, write_dump};
//!
//! let mut dump = Vec::new();
//! let spec = Spec { size: 100_000, form: Form::Copy, profile: Profile::Wide, seed: 42, huge_value: None };
//! let counts = write_dump(&spec, &mut dump).unwrap();
//! assert!(dump.starts_with(b"--\n-- PostgreSQL database dump\n"));
//! assert_eq!(counts.bytes, dump.len() as u64);
//! ```

mod dump;
mod encode;
mod fake;

pub use dump::{Counts, Form, Profile, Spec, write_dump};
pub use encode::{copy_text, sql_literal};
pub use fake::Faker;

/// Parses a byte count: a number with an optional unit, `KB`/`MB`/`GB`/`TB` in powers of
/// 1000 and `KiB`/`MiB`/`GiB`/`TiB` in powers of 1024 (case ignored, the `B` optional).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a number of bytes, e.g. 200MB"))?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let (prefix, base) = match unit.strip_suffix('i') {
        Some(prefix) => (prefix, 1024u64),
        None => (unit, 1000u64),
    };
    let power = match prefix {
        "" if base == 1000 => 0,
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit (use B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ));
        }
    };
    number
        .checked_mul(base.pow(power))
        .ok_or_else(|| format!("{text:?}: too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("200MB"), Ok(200_000_000));
        assert_eq!(parse_size("2mb"), Ok(2_000_000));
        assert_eq!(parse_size("10G"), Ok(10_000_000_000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("64 KiB"), Ok(65_536));
        assert_eq!(parse_size("5B"), Ok(5));
        for bad in ["", "MB", "12XB", "1iB", "99999999999999TB", "-1"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
