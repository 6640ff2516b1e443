//! Byte-level writer and never-panicking reader for compact share-link payloads.
//!
//! Formats: unsigned LEB128 varints (`u64`, shortest form only), zigzag varints (`i64`),
//! single bytes, `f64` as 8 little-endian bytes, and length-prefixed (varint) byte slices
//! and UTF-8 strings.

use std::fmt;

/// Why a [`ByteReader`] read failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// The input ended in the middle of a value.
    Truncated,
    /// A varint longer than 10 bytes, above `u64::MAX`, or not in its shortest form.
    OverlongVarint,
    /// A string's bytes are not valid UTF-8.
    InvalidUtf8,
    /// A length or count is larger than the caller allows.
    TooLong { limit: usize },
    /// [`ByteReader::finish`] found `count` unread bytes.
    TrailingBytes { count: usize },
    /// A number that is infinite or not a number.
    NotFinite,
}

impl fmt::Display for ReadError {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Truncated => f.write_str("It ends too early: part of it is missing."),
            Self::OverlongVarint => f.write_str("It contains a number written in an invalid way."),
            Self::InvalidUtf8 => f.write_str("It contains text that is not readable."),
            Self::TooLong { limit } => {
                write!(
                    f,
                    "It contains an item larger than allowed (at most {}).",
                    crate::format::thousands(limit as f64)
                )
            }
            Self::TrailingBytes { count } => {
                write!(
                    f,
                    "It has {} at its end.",
                    crate::format::count_of(
                        count as u64,
                        "unexpected extra byte",
                        "unexpected extra bytes"
                    )
                )
            }
            Self::NotFinite => {
                f.write_str("It contains a number that is infinite or not a number.")
            }
        }
    }
}

impl std::error::Error for ReadError {}

/// Appends values to a growing byte buffer. Writing cannot fail.
#[derive(Debug, Default, Clone)]
pub struct ByteWriter {
    buf: Vec<u8>,
}

impl ByteWriter {
    #[inline]
    pub fn new() -> Self {
        Self::default()
    }
    #[inline]
    pub fn write_u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    /// Unsigned LEB128: 7 bits per byte, low bits first, high bit set on all but the last.
    #[inline]
    pub fn write_u64(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }
    /// Zigzag varint: 0, -1, 1, -2, ... become 0, 1, 2, 3, ... so small magnitudes stay short.
    #[inline]
    pub fn write_i64(&mut self, v: i64) {
        self.write_u64(((v << 1) ^ (v >> 63)) as u64);
    }
    #[inline]
    pub fn write_f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Bytes without a length prefix (the reader must know the length: [`ByteReader::read_raw`]).
    #[inline]
    pub fn write_raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }
    /// Varint length, then the bytes.
    #[inline]
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        self.write_u64(bytes.len() as u64);
        self.write_raw(bytes);
    }
    /// Varint length in bytes, then the UTF-8 bytes.
    #[inline]
    pub fn write_str(&mut self, s: &str) {
        self.write_bytes(s.as_bytes());
    }
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    #[inline]
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads values back from a byte slice. Every read returns a `Result` and never panics;
/// after an error the reader's position is unspecified.
#[derive(Debug, Clone)]
pub struct ByteReader<'a> {
    rest: &'a [u8],
}

impl<'a> ByteReader<'a> {
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }
    /// Bytes not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
    /// Succeeds only if all input was read.
    #[inline]
    pub fn finish(self) -> Result<(), ReadError> {
        match self.rest.len() {
            0 => Ok(()),
            count => Err(ReadError::TrailingBytes { count }),
        }
    }
    #[inline]
    pub fn read_u8(&mut self) -> Result<u8, ReadError> {
        let (&b, rest) = self.rest.split_first().ok_or(ReadError::Truncated)?;
        self.rest = rest;
        Ok(b)
    }
    #[inline]
    pub fn read_u64(&mut self) -> Result<u64, ReadError> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.read_u8()?;
            // The 10th byte may only hold bit 63; a final 0 byte means a longer form than needed.
            if (i == 9 && b > 1) || (b == 0 && i > 0) {
                return Err(ReadError::OverlongVarint);
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(ReadError::OverlongVarint)
    }
    #[inline]
    pub fn read_i64(&mut self) -> Result<i64, ReadError> {
        let u = self.read_u64()?;
        Ok((u >> 1) as i64 ^ -((u & 1) as i64))
    }
    #[inline]
    pub fn read_f64(&mut self) -> Result<f64, ReadError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.read_raw(8)?);
        // Every number of a design is finite; the writer never writes another.
        Some(f64::from_le_bytes(a))
            .filter(|x| x.is_finite())
            .ok_or(ReadError::NotFinite)
    }
    /// A varint that must be at most `limit` (e.g. an item count, checked before allocating).
    #[inline]
    pub fn read_len(&mut self, limit: usize) -> Result<usize, ReadError> {
        match self.read_u64()? {
            n if n <= limit as u64 => Ok(n as usize),
            _ => Err(ReadError::TooLong { limit }),
        }
    }
    /// The next `len` bytes, borrowed from the input.
    #[inline]
    pub fn read_raw(&mut self, len: usize) -> Result<&'a [u8], ReadError> {
        if len > self.rest.len() {
            return Err(ReadError::Truncated);
        }
        let (head, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(head)
    }
    /// A length-prefixed byte slice of at most `max` bytes.
    #[inline]
    pub fn read_bytes(&mut self, max: usize) -> Result<&'a [u8], ReadError> {
        let len = self.read_len(max)?;
        self.read_raw(len)
    }
    /// A length-prefixed UTF-8 string of at most `max` bytes.
    #[inline]
    pub fn read_str(&mut self, max: usize) -> Result<&'a str, ReadError> {
        std::str::from_utf8(self.read_bytes(max)?).map_err(|_| ReadError::InvalidUtf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn written(f: impl FnOnce(&mut ByteWriter)) -> Vec<u8> {
        let mut w = ByteWriter::new();
        f(&mut w);
        w.into_bytes()
    }

    #[test]
    fn varint_known_encodings() {
        let cases: [(u64, &[u8]); 6] = [
            (0, &[0]),
            (1, &[1]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (300, &[0xac, 0x02]),
            (
                u64::MAX,
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
        ];
        for (v, bytes) in cases {
            assert_eq!(written(|w| w.write_u64(v)), bytes, "{v}");
            let mut r = ByteReader::new(bytes);
            assert_eq!(r.read_u64(), Ok(v));
            assert!(r.finish().is_ok());
        }
    }

    #[test]
    fn zigzag_known_encodings() {
        let cases: [(i64, &[u8]); 7] = [
            (0, &[0]),
            (-1, &[1]),
            (1, &[2]),
            (-2, &[3]),
            (-64, &[0x7f]),
            (64, &[0x80, 0x01]),
            (
                i64::MIN,
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
        ];
        for (v, bytes) in cases {
            assert_eq!(written(|w| w.write_i64(v)), bytes, "{v}");
            assert_eq!(ByteReader::new(bytes).read_i64(), Ok(v));
        }
        let max = written(|w| w.write_i64(i64::MAX));
        assert_eq!(ByteReader::new(&max).read_i64(), Ok(i64::MAX));
    }

    #[test]
    fn f64_is_8_bytes_little_endian() {
        let bytes = written(|w| w.write_f64(1.0));
        assert_eq!(bytes, [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
        assert_eq!(ByteReader::new(&bytes).read_f64(), Ok(1.0));
        assert_eq!(
            ByteReader::new(&bytes[..7]).read_f64(),
            Err(ReadError::Truncated)
        );
    }

    #[test]
    fn strings_and_bytes_are_length_prefixed() {
        let bytes = written(|w| {
            w.write_str("Web");
            w.write_bytes(&[9, 8]);
            w.write_u8(7);
        });
        assert_eq!(bytes, [3, b'W', b'e', b'b', 2, 9, 8, 7]);
        let mut r = ByteReader::new(&bytes);
        assert_eq!(r.read_str(3), Ok("Web"));
        assert_eq!(r.remaining(), 4);
        assert_eq!(r.read_bytes(2), Ok(&[9u8, 8][..]));
        assert!(!r.is_empty());
        assert_eq!(r.read_u8(), Ok(7));
        assert!(r.is_empty());
        assert_eq!(r.read_u8(), Err(ReadError::Truncated));
    }

    #[test]
    fn refuses_overlong_varints() {
        let cases: [&[u8]; 4] = [
            &[0x80, 0x00],                                                 // 0 in two bytes
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], // 2^64
            &[
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0,
            ], // 11 bytes
            &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80], // never ends
        ];
        for bytes in cases {
            assert_eq!(
                ByteReader::new(bytes).read_u64(),
                Err(ReadError::OverlongVarint),
                "{bytes:?}"
            );
        }
        assert_eq!(
            ByteReader::new(&[0x80, 0x80]).read_u64(),
            Err(ReadError::Truncated)
        );
        assert_eq!(ByteReader::new(&[]).read_u64(), Err(ReadError::Truncated));
    }

    #[test]
    fn refuses_truncated_and_too_long_strings() {
        assert_eq!(
            ByteReader::new(&[5, b'a', b'b']).read_str(10),
            Err(ReadError::Truncated)
        );
        let ten = written(|w| w.write_str("0123456789"));
        assert_eq!(
            ByteReader::new(&ten).read_str(9),
            Err(ReadError::TooLong { limit: 9 })
        );
        assert_eq!(
            ByteReader::new(&ten).read_bytes(9),
            Err(ReadError::TooLong { limit: 9 })
        );
        assert_eq!(ByteReader::new(&ten).read_str(10), Ok("0123456789"));
        // A huge claimed length is refused by the limit, not by trying to allocate it.
        let huge = written(|w| w.write_u64(u64::MAX));
        assert_eq!(
            ByteReader::new(&huge).read_len(1000),
            Err(ReadError::TooLong { limit: 1000 })
        );
        assert_eq!(
            ByteReader::new(&huge).read_raw(usize::MAX),
            Err(ReadError::Truncated)
        );
    }

    #[test]
    fn refuses_invalid_utf8() {
        assert_eq!(
            ByteReader::new(&[2, 0xc3, 0x28]).read_str(10),
            Err(ReadError::InvalidUtf8)
        );
        assert_eq!(ByteReader::new(&[2, 0xc3, 0xa9]).read_str(10), Ok("é"));
    }

    #[test]
    fn finish_refuses_trailing_bytes() {
        let mut r = ByteReader::new(&[1, 2, 3]);
        assert_eq!(r.read_u8(), Ok(1));
        assert_eq!(r.finish(), Err(ReadError::TrailingBytes { count: 2 }));
        assert_eq!(ByteReader::new(&[]).finish(), Ok(()));
    }

    #[test]
    fn messages_are_plain_sentences() {
        let errors = [
            ReadError::Truncated,
            ReadError::OverlongVarint,
            ReadError::InvalidUtf8,
            ReadError::TooLong { limit: 64 },
            ReadError::TrailingBytes { count: 3 },
        ];
        for e in errors {
            let m = e.to_string();
            assert!(m.starts_with("It ") && m.ends_with('.'), "{m}");
            for jargon in ["varint", "utf", "Utf8", "Err", "None", "overflow", "usize"] {
                assert!(!m.contains(jargon), "{m}");
            }
        }
        assert!(errors[3].to_string().contains("64"));
        assert!(errors[4].to_string().contains('3'));
    }

    #[derive(Debug, Clone)]
    enum Value {
        U8(u8),
        U64(u64),
        I64(i64),
        F64(f64),
        Str(String),
        Bytes(Vec<u8>),
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<u8>().prop_map(Value::U8),
            any::<u64>().prop_map(Value::U64),
            (0u64..300).prop_map(Value::U64),
            any::<i64>().prop_map(Value::I64),
            (-300i64..300).prop_map(Value::I64),
            // Only finite numbers read back (the others are refused: see
            // `link::tests::every_finite_number_reads_back_bit_for_bit_and_no_other`).
            any::<f64>()
                .prop_filter("finite", |x| x.is_finite())
                .prop_map(Value::F64),
            "\\PC{0,12}".prop_map(Value::Str),
            proptest::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes),
        ]
    }

    proptest! {
        #[test]
        fn writer_reader_identity(values in proptest::collection::vec(value(), 0..30)) {
            let mut w = ByteWriter::new();
            for v in &values {
                match v {
                    Value::U8(x) => w.write_u8(*x),
                    Value::U64(x) => w.write_u64(*x),
                    Value::I64(x) => w.write_i64(*x),
                    Value::F64(x) => w.write_f64(*x),
                    Value::Str(s) => w.write_str(s),
                    Value::Bytes(b) => w.write_bytes(b),
                }
            }
            let bytes = w.into_bytes();
            let mut r = ByteReader::new(&bytes);
            for v in &values {
                match v {
                    Value::U8(x) => prop_assert_eq!(r.read_u8()?, *x),
                    Value::U64(x) => prop_assert_eq!(r.read_u64()?, *x),
                    Value::I64(x) => prop_assert_eq!(r.read_i64()?, *x),
                    Value::F64(x) => prop_assert_eq!(r.read_f64()?.to_bits(), x.to_bits()),
                    Value::Str(s) => prop_assert_eq!(r.read_str(48)?, s.as_str()),
                    Value::Bytes(b) => prop_assert_eq!(r.read_bytes(12)?, b.as_slice()),
                }
            }
            prop_assert_eq!(r.finish(), Ok(()));
        }

        #[test]
        fn any_input_gives_value_or_error(
            bytes in proptest::collection::vec(any::<u8>(), 0..64),
            ops in proptest::collection::vec(0u8..8, 0..24),
        ) {
            let mut r = ByteReader::new(&bytes);
            for op in ops {
                let before = r.remaining();
                let ok = match op {
                    0 => r.read_u8().is_ok(),
                    1 => r.read_u64().is_ok(),
                    2 => r.read_i64().is_ok(),
                    3 => r.read_f64().is_ok(),
                    4 => r.read_str(16).is_ok(),
                    5 => r.read_bytes(16).is_ok(),
                    6 => r.read_len(100).is_ok(),
                    _ => r.read_raw(3).is_ok(),
                };
                prop_assert!(r.remaining() <= before);
                if !ok {
                    break;
                }
            }
            let _ = r.finish();
        }
    }
}
