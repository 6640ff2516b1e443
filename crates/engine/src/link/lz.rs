//! Tiny deterministic LZ77 compressor for short share-link payloads (a few hundred bytes to
//! a few KB of many short repeated byte strings), with a bounded, never-panicking decoder.
//!
//! Format: a sequence of tokens, each `header` varint, then `header >> 4` literal bytes, then,
//! if the match code `m = header & 15` is not 0, a match of length `m + 2` (3..=16) or, for
//! `m == 15`, `17 + extra` with an `extra` varint, and its distance minus 1 as a varint. The
//! match copies bytes from `distance` bytes back in the output (it may overlap itself).
//! Empty input compresses to empty output.

use super::bytes::{ByteReader, ByteWriter, ReadError};
use std::fmt;

const MIN_MATCH: usize = 3;
/// Farthest distance searched back; compression is O(len × WINDOW) at worst.
const WINDOW: usize = 4096;
const HASH_BITS: u32 = 12;
const NONE: usize = usize::MAX;

/// Why [`decompress`] refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LzError {
    /// Cut short or a malformed number.
    Read(ReadError),
    /// A match refers back before the start of the output.
    BadDistance,
    /// The output would exceed the caller's maximum.
    TooLarge { limit: usize },
}

impl From<ReadError> for LzError {
    #[inline]
    fn from(e: ReadError) -> Self {
        Self::Read(e)
    }
}

impl fmt::Display for LzError {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(e) => e.fmt(f),
            Self::BadDistance => f.write_str("It refers to data it does not contain."),
            Self::TooLarge { limit } => {
                write!(
                    f,
                    "It holds more data than allowed (at most {} bytes).",
                    crate::format::thousands(*limit as f64)
                )
            }
        }
    }
}

impl std::error::Error for LzError {}

#[inline]
fn hash(d: &[u8]) -> usize {
    let v = u32::from(d[0]) | u32::from(d[1]) << 8 | u32::from(d[2]) << 16;
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

#[inline]
fn token(w: &mut ByteWriter, literals: &[u8], len: usize, dist: usize) {
    let m = if len == 0 {
        0
    } else {
        (len - MIN_MATCH + 1).min(15)
    };
    w.write_u64((literals.len() as u64) << 4 | m as u64);
    w.write_raw(literals);
    if m == 15 {
        w.write_u64((len - MIN_MATCH - 14) as u64);
    }
    if m != 0 {
        w.write_u64(dist as u64 - 1);
    }
}

/// LZ77 with hash chains over a 4 KB window: the longest (then nearest) match wins, unless the
/// next position has a longer one (one-step lazy matching).
#[inline]
pub fn compress(data: &[u8]) -> Vec<u8> {
    let n = data.len();
    let mut w = ByteWriter::new();
    let mut head = vec![NONE; 1 << HASH_BITS];
    // prev[i]: the previous position whose next 3 bytes hash like those at i.
    let mut prev = vec![NONE; n];
    for i in 0..n.saturating_sub(MIN_MATCH - 1) {
        let h = hash(&data[i..]);
        (prev[i], head[h]) = (head[h], i);
    }
    let longest = |i: usize| {
        let (mut best, mut dist, mut c) = (0, 0, prev[i]);
        while c != NONE && i - c <= WINDOW {
            let len = data[c..]
                .iter()
                .zip(&data[i..])
                .take_while(|(a, b)| a == b)
                .count();
            if len > best {
                (best, dist) = (len, i - c);
            }
            c = prev[c];
        }
        (best, dist)
    };
    let (mut i, mut lit, mut deferred) = (0, 0, false);
    while i < n {
        let (best, dist) = longest(i);
        // Lazy matching: a longer match one byte later is worth a literal. Deferring at most
        // once in a row keeps the work per input byte within a few windows' worth.
        if best >= MIN_MATCH && (deferred || i + 1 == n || longest(i + 1).0 <= best) {
            token(&mut w, &data[lit..i], best, dist);
            i += best;
            lit = i;
            deferred = false;
        } else {
            deferred = best >= MIN_MATCH;
            i += 1;
        }
    }
    if lit < n {
        token(&mut w, &data[lit..], 0, 0);
    }
    w.into_bytes()
}

/// Reverses [`compress`]. Refuses, before growing the output, anything that would make it
/// longer than `max_output`; each token consumes input, so work is bounded by
/// `data.len() + max_output`.
#[inline]
pub fn decompress(data: &[u8], max_output: usize) -> Result<Vec<u8>, LzError> {
    let mut r = ByteReader::new(data);
    let mut out = Vec::new();
    let too_large = LzError::TooLarge { limit: max_output };
    while !r.is_empty() {
        let header = r.read_u64()?;
        let room = (max_output - out.len()) as u64;
        if header >> 4 > room {
            return Err(too_large);
        }
        out.extend_from_slice(r.read_raw((header >> 4) as usize)?);
        let m = header & 15;
        if m != 0 {
            let extra = if m == 15 { r.read_u64()? } else { 0 };
            let len = extra.saturating_add(m + MIN_MATCH as u64 - 1);
            let dist = r.read_u64()?.saturating_add(1);
            if dist > out.len() as u64 {
                return Err(LzError::BadDistance);
            }
            if len > (max_output - out.len()) as u64 {
                return Err(too_large);
            }
            let start = out.len() - dist as usize;
            out.reserve(len as usize);
            for k in start..start + len as usize {
                out.push(out[k]);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Binary items shaped like a diagram: kind, x, y, name, a few params.
    fn names_payload(items: u32) -> Vec<u8> {
        let mut w = ByteWriter::new();
        for i in 0..items {
            w.write_u8((i % 5) as u8);
            w.write_u64(u64::from(i * 37 % 900));
            w.write_u64(u64::from(i * 53 % 600));
            w.write_str(&format!("Web server {}", i + 1));
            w.write_u64(u64::from(i % 3));
        }
        w.into_bytes()
    }

    #[test]
    fn exact_format_of_a_small_input() {
        // Literal 'a', then a 5-byte match at distance 1 (overlapping itself).
        assert_eq!(compress(b"aaaaaa"), [0x13, b'a', 0x00]);
        // Literals only.
        assert_eq!(compress(b"ab"), [0x20, b'a', b'b']);
        // 'abc', a match of 17 (code 15, extra 0) at distance 3, then literal 'x'.
        let text = b"abcabcabcabcabcabcabx";
        assert_eq!(
            compress(text),
            [0x3f, b'a', b'b', b'c', 0x00, 0x02, 0x10, b'x']
        );
        assert_eq!(
            decompress(&[0x3f, b'a', b'b', b'c', 0x00, 0x02, 0x10, b'x'], 100).unwrap(),
            text
        );
    }

    #[test]
    fn lazy_matching_defers_at_most_once() {
        // At "abcdefg" the best matches are "abc" (3), one byte later "bcde" (4), two bytes
        // later "cdefg" (5). One deferral is allowed, so "a" becomes a literal and "bcde" the
        // match; a second deferral would let the search cost grow with the match length.
        let packed = compress(b"abc1bcde2cdefg3abcdefg");
        let expected = [
            &[145, 1][..], // 9 literals, match code 1 (length 3): header 9 << 4 | 1 as a varint
            b"abc1bcde2",
            &[3],    // distance 4 ("cde")
            &[0x42], // 4 literals, match code 2 (length 4)
            b"fg3a",
            &[11],   // distance 12 ("bcde")
            &[0x20], // 2 literals, no match
            b"fg",
        ]
        .concat();
        assert_eq!(packed, expected);
        assert_eq!(decompress(&packed, 22).unwrap(), b"abc1bcde2cdefg3abcdefg");
    }

    #[test]
    fn empty_and_tiny_inputs() {
        assert!(compress(&[]).is_empty());
        assert_eq!(decompress(&[], 0), Ok(vec![]));
        for data in [&b"a"[..], b"ab", b"abc", b"abab", b"aaa"] {
            assert_eq!(decompress(&compress(data), 10).unwrap(), data);
        }
    }

    #[test]
    fn repeated_names_shrink() {
        let data = names_payload(60);
        let packed = compress(&data);
        assert!(
            packed.len() * 2 < data.len(),
            "{} -> {}",
            data.len(),
            packed.len()
        );
        assert_eq!(decompress(&packed, data.len()).unwrap(), data);
    }

    #[test]
    fn long_run_is_one_token() {
        let data = vec![7u8; 10_000];
        let packed = compress(&data);
        assert!(packed.len() <= 6, "{packed:?}");
        assert_eq!(decompress(&packed, 10_000).unwrap(), data);
    }

    #[test]
    fn matches_never_reach_beyond_the_window() {
        // A 64-byte block repeated 5000 bytes later cannot be matched; within 4096 it can.
        let block: Vec<u8> = (0u32..64).map(|i| (i * 97 % 251) as u8).collect();
        let with_gap = |gap: usize| [&block[..], &vec![0; gap], &block[..]].concat();
        let far = with_gap(5000);
        let near = with_gap(4000);
        assert!(compress(&far).len() > 128, "{}", compress(&far).len());
        assert!(compress(&near).len() < 80, "{}", compress(&near).len());
        assert_eq!(decompress(&compress(&far), far.len()).unwrap(), far);
    }

    #[test]
    fn refuses_output_beyond_maximum() {
        let data = names_payload(10);
        let packed = compress(&data);
        assert_eq!(decompress(&packed, data.len()).unwrap(), data);
        assert_eq!(
            decompress(&packed, data.len() - 1),
            Err(LzError::TooLarge {
                limit: data.len() - 1
            })
        );
        // Huge claimed lengths fail on the limit, without allocating.
        let mut w = ByteWriter::new();
        w.write_u64(1 << 4 | 15);
        w.write_u8(b'a');
        w.write_u64(u64::MAX);
        w.write_u64(0);
        assert_eq!(
            decompress(&w.into_bytes(), 1 << 20),
            Err(LzError::TooLarge { limit: 1 << 20 })
        );
        let mut w = ByteWriter::new();
        w.write_u64(u64::MAX);
        assert_eq!(
            decompress(&w.into_bytes(), 1 << 20),
            Err(LzError::TooLarge { limit: 1 << 20 })
        );
    }

    #[test]
    fn refuses_corrupt_input() {
        assert_eq!(decompress(&[0x03, 0x00], 100), Err(LzError::BadDistance));
        assert_eq!(
            decompress(&[0x13, b'a', 0x01], 100),
            Err(LzError::BadDistance)
        );
        assert_eq!(
            decompress(&[0x20, b'a'], 100),
            Err(LzError::Read(ReadError::Truncated))
        );
        assert_eq!(
            decompress(&[0x13, b'a'], 100),
            Err(LzError::Read(ReadError::Truncated))
        );
        assert_eq!(
            decompress(&[0x80, 0x00], 100),
            Err(LzError::Read(ReadError::OverlongVarint))
        );
    }

    #[test]
    fn messages_are_plain_sentences() {
        let errors = [
            LzError::Read(ReadError::Truncated),
            LzError::BadDistance,
            LzError::TooLarge { limit: 4096 },
        ];
        for e in errors {
            let m = e.to_string();
            assert!(m.starts_with("It ") && m.ends_with('.'), "{m}");
        }
        assert!(errors[2].to_string().contains("at most 4,096 bytes"));
    }

    fn repetitive() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"Web server ".to_vec()),
            Just(b"Cache".to_vec()),
            proptest::collection::vec(0u8..4, 1..5),
            proptest::collection::vec(any::<u8>(), 1..4),
        ];
        proptest::collection::vec(piece, 0..120).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn compress_decompress_identity(data in prop_oneof![
            repetitive(),
            proptest::collection::vec(any::<u8>(), 0..600),
        ]) {
            let packed = compress(&data);
            prop_assert_eq!(decompress(&packed, data.len()).unwrap(), data.clone());
            prop_assert_eq!(&compress(&data), &packed); // deterministic
            if !data.is_empty() {
                prop_assert!(decompress(&packed, data.len() - 1).is_err());
            }
        }

        #[test]
        fn damaged_stream_gives_value_or_error(
            data in repetitive(),
            pos in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let mut packed = compress(&data);
            if !packed.is_empty() {
                let i = pos.index(packed.len());
                packed[i] = byte;
            }
            if let Ok(out) = decompress(&packed, data.len() + 100) {
                prop_assert!(out.len() <= data.len() + 100);
            }
        }

        #[test]
        fn any_input_gives_value_or_error(data in proptest::collection::vec(any::<u8>(), 0..64), max in 0usize..5000) {
            if let Ok(out) = decompress(&data, max) {
                prop_assert!(out.len() <= max);
            }
        }
    }
}
