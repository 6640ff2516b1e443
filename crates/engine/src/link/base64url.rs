//! URL-safe base64 without padding (RFC 4648 §5 alphabet `A–Z a–z 0–9 - _`) for share links.
//!
//! Decoding is strict, so every byte string has exactly one text form: characters outside
//! the alphabet (padding `=` included), lengths that cannot come from the encoder
//! (`len % 4 == 1`) and non-zero unused bits in the last character are all refused.

use std::fmt;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Why [`decode`] refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The text is longer than the caller's maximum (checked before anything is allocated).
    TooLong { len: usize, limit: usize },
    /// `ch` is not in the alphabet; `pos` counts characters from 0 (all earlier ones are ASCII,
    /// so it is also the byte offset).
    InvalidChar { pos: usize, ch: char },
    /// `len % 4 == 1`: no byte string encodes to this many characters.
    BadLength { len: usize },
    /// The last character carries bits that are not part of any byte.
    NonZeroTrailingBits,
}

impl fmt::Display for DecodeError {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooLong { len, limit } => write!(
                f,
                "The link is too long ({} characters; at most {} are accepted).",
                crate::format::thousands(len as f64),
                crate::format::thousands(limit as f64)
            ),
            Self::InvalidChar { pos, ch } => write!(
                f,
                "The link contains a character that does not belong there: '{ch}', character {} after \"s=\".",
                pos + 1
            ),
            Self::BadLength { .. } => {
                f.write_str("The link looks cut off: it has a character too many or too few.")
            }
            Self::NonZeroTrailingBits => {
                f.write_str("The link looks cut off or changed: its last character is not one Scale Lab writes there.")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Encodes `data` as URL-safe base64 without padding: `ceil(4 * len / 3)` characters.
#[inline]
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    let (mut acc, mut bits) = (0u32, 0);
    for &b in data {
        (acc, bits) = (acc << 8 | u32::from(b), bits + 8);
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(ALPHABET[(acc >> bits) as usize & 63]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[(acc << (6 - bits)) as usize & 63]));
    }
    out
}

#[inline]
fn sextet(b: u8) -> Option<u32> {
    let v = match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decodes text made by [`encode`]. Text longer than `max_len` bytes is refused before any
/// allocation; see [`DecodeError`] for the other refusals.
#[inline]
pub fn decode(text: &str, max_len: usize) -> Result<Vec<u8>, DecodeError> {
    let s = text.as_bytes();
    if s.len() > max_len {
        return Err(DecodeError::TooLong {
            len: s.len(),
            limit: max_len,
        });
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0);
    for (pos, &b) in s.iter().enumerate() {
        let Some(v) = sextet(b) else {
            let ch = text.get(pos..).and_then(|t| t.chars().next());
            return Err(DecodeError::InvalidChar {
                pos,
                ch: ch.unwrap_or('?'),
            });
        };
        (acc, bits) = (acc << 6 | v, bits + 6);
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if s.len() % 4 == 1 {
        return Err(DecodeError::BadLength { len: s.len() });
    }
    if acc & ((1 << bits) - 1) != 0 {
        return Err(DecodeError::NonZeroTrailingBits);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, text) in cases {
            assert_eq!(encode(plain.as_bytes()), text);
            assert_eq!(decode(text, 100).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn url_safe_alphabet_every_sextet() {
        // 0xfb 0xff: sextets 62, 63 -> '-' '_' (standard base64 would give '+' '/').
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8", 10).unwrap(), [0xfb, 0xff]);
        // 48 bytes holding the sextets 0..64 in order encode to the alphabet itself.
        let bits: Vec<u8> = (0u32..16)
            .flat_map(|i| {
                let n = (4 * i) << 18 | (4 * i + 1) << 12 | (4 * i + 2) << 6 | (4 * i + 3);
                [(n >> 16) as u8, (n >> 8) as u8, n as u8]
            })
            .collect();
        let text = std::str::from_utf8(ALPHABET).unwrap();
        assert_eq!(encode(&bits), text);
        assert_eq!(decode(text, 64).unwrap(), bits);
    }

    #[test]
    fn refuses_characters_outside_alphabet_with_position() {
        assert_eq!(
            decode("Zm9v+g", 100),
            Err(DecodeError::InvalidChar { pos: 4, ch: '+' })
        );
        assert_eq!(
            decode("Zm8=", 100),
            Err(DecodeError::InvalidChar { pos: 3, ch: '=' })
        );
        assert_eq!(
            decode("Zm é", 100),
            Err(DecodeError::InvalidChar { pos: 2, ch: ' ' })
        );
        assert_eq!(
            decode("Zmé", 100),
            Err(DecodeError::InvalidChar { pos: 2, ch: 'é' })
        );
        assert_eq!(
            decode("/", 100),
            Err(DecodeError::InvalidChar { pos: 0, ch: '/' })
        );
    }

    #[test]
    fn refuses_impossible_length() {
        assert_eq!(decode("Zm9vY", 100), Err(DecodeError::BadLength { len: 5 }));
        assert_eq!(decode("A", 100), Err(DecodeError::BadLength { len: 1 }));
    }

    #[test]
    fn refuses_nonzero_trailing_bits() {
        assert_eq!(decode("Zh", 100), Err(DecodeError::NonZeroTrailingBits)); // "Zg" is 'f'
        assert_eq!(decode("Zm9", 100), Err(DecodeError::NonZeroTrailingBits)); // "Zm8" is "fo"
        assert_eq!(decode("Zm8", 100).unwrap(), b"fo");
    }

    #[test]
    fn maximum_length_is_checked_first() {
        assert_eq!(
            decode("AAAA", 3),
            Err(DecodeError::TooLong { len: 4, limit: 3 })
        );
        // Even an invalid text is refused for its length first.
        assert_eq!(
            decode("!!!!!", 4),
            Err(DecodeError::TooLong { len: 5, limit: 4 })
        );
        assert_eq!(decode("AAAA", 4).unwrap(), [0, 0, 0]);
    }

    #[test]
    fn messages_are_plain_sentences() {
        let errors = [
            DecodeError::TooLong { len: 9, limit: 4 },
            DecodeError::InvalidChar { pos: 0, ch: '+' },
            DecodeError::BadLength { len: 5 },
            DecodeError::NonZeroTrailingBits,
        ];
        for e in errors {
            let m = e.to_string();
            assert!(m.starts_with("The link") && m.ends_with('.'), "{m}");
        }
        assert!(errors[0].to_string().contains("at most 4"));
        // Counted from 1, after the "s=" the learner can see in the address.
        assert!(errors[1]
            .to_string()
            .contains("'+', character 1 after \"s=\""));
    }

    proptest! {
        #[test]
        fn encode_decode_identity(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let text = encode(&data);
            prop_assert_eq!(text.len(), (data.len() * 4).div_ceil(3));
            prop_assert!(text.bytes().all(|b| ALPHABET.contains(&b)));
            prop_assert_eq!(decode(&text, text.len()).unwrap(), data);
        }

        #[test]
        fn any_text_is_refused_or_canonical(text in "[A-Za-z0-9_-]{0,40}|[A-Za-z0-9_=+/é-]{0,40}|\\PC{0,20}") {
            // Never panics; whatever it accepts re-encodes to the very same text.
            if let Ok(bytes) = decode(&text, 64) {
                prop_assert_eq!(encode(&bytes), text);
            }
        }
    }
}
