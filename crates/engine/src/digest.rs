//! A run's fingerprint: a 64-bit FNV-1a hash of everything a serializable value holds,
//! fed through serde without writing any text. Every number goes in as its exact bits,
//! every text with its length, every field and enum variant by its place (a struct's
//! fields always come in one order, and a skipped one leaves a mark), so the same
//! metrics give the same digest natively and in WebAssembly, and any changed figure
//! changes it. (Without names, the variants of an untagged enum with fields of the
//! same types would hash alike; what is hashed, `Metrics`, has none.) It needs neither a JSON writer nor float formatting, and no field or
//! variant names, which keeps all three out of the page (names took about 1 KB).

use std::fmt;

use serde::ser::{self, Serialize};

/// The starting value of a 64-bit FNV-1a hash.
pub(crate) const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// A 64-bit FNV-1a hash `h` continued over `bytes` (start from [`FNV_START`]).
pub(crate) fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// FNV-1a over the bytes it is fed.
struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        self.0 = fnv1a(self.0, bytes);
    }

    /// A tag that separates kinds of value, then the value's bytes.
    fn tagged(&mut self, tag: u8, bytes: &[u8]) {
        self.bytes(&[tag]);
        self.bytes(bytes);
    }

    fn text(&mut self, tag: u8, s: &str) {
        self.tagged(tag, &(s.len() as u64).to_le_bytes());
        self.bytes(s.as_bytes());
    }
}

/// The hex digest of `value`.
pub fn digest<T: Serialize + ?Sized>(value: &T) -> String {
    let mut h = Fnv(FNV_START);
    // Serializing into a hash cannot fail: every method below, and every one serde
    // provides by default, returns Ok (the 128-bit numbers, which serde's defaults
    // refuse, are hashed too).
    let _ = value.serialize(&mut h);
    let mut out = String::with_capacity(16);
    for i in (0..16).rev() {
        let nibble = (h.0 >> (i * 4)) & 0xf;
        out.push(char::from_digit(nibble as u32, 16).unwrap_or('0'));
    }
    out
}

/// Never produced; serde requires an error type.
#[derive(Debug)]
struct Never;

impl fmt::Display for Never {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the fingerprint could not be computed")
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Never
    }
}

type R = Result<(), Never>;

impl ser::Serializer for &mut Fnv {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> R {
        self.tagged(1, &[u8::from(v)]);
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> R {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> R {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> R {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> R {
        self.tagged(2, &v.to_le_bytes());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> R {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> R {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> R {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> R {
        self.tagged(3, &v.to_le_bytes());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> R {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> R {
        // Every NaN as one: its sign and payload bits may differ between machines.
        let v = if v.is_nan() { f64::NAN } else { v };
        self.tagged(4, &v.to_bits().to_le_bytes());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> R {
        self.tagged(19, &v.to_le_bytes());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> R {
        self.tagged(20, &v.to_le_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> R {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_str(self, v: &str) -> R {
        self.text(5, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        self.tagged(6, &(v.len() as u64).to_le_bytes());
        self.bytes(v);
        Ok(())
    }
    fn serialize_none(self) -> R {
        self.tagged(7, &[]);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        self.tagged(8, &[]);
        value.serialize(self)
    }
    fn serialize_unit(self) -> R {
        self.tagged(9, &[]);
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> R {
        self.tagged(10, &[]);
        Ok(())
    }
    fn serialize_unit_variant(self, _name: &'static str, index: u32, _variant: &'static str) -> R {
        self.tagged(11, &index.to_le_bytes());
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        value: &T,
    ) -> R {
        self.tagged(12, &index.to_le_bytes());
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Never> {
        self.tagged(13, &(len.unwrap_or(usize::MAX) as u64).to_le_bytes());
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self, Never> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Self, Never> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        len: usize,
    ) -> Result<Self, Never> {
        self.tagged(12, &index.to_le_bytes());
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Never> {
        self.tagged(14, &(len.unwrap_or(usize::MAX) as u64).to_le_bytes());
        Ok(self)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, Never> {
        self.tagged(15, &[]);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self, Never> {
        self.tagged(12, &index.to_le_bytes());
        Ok(self)
    }
}

/// Marks the end of a sequence, map or struct, so that `[[a], b]` and `[[a, b]]` differ.
fn end(h: &mut Fnv) -> R {
    h.tagged(16, &[]);
    Ok(())
}

/// The compound serializers whose parts are plain values: each part is hashed in turn,
/// then the end marker.
macro_rules! compound {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for &mut Fnv {
            type Ok = ();
            type Error = Never;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
                value.serialize(&mut **self)
            }
            fn end(self) -> R {
                end(self)
            }
        }
    )*};
}

compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for &mut Fnv {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> R {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        end(self)
    }
}

/// A field: a mark, then its value (its place in the struct tells it apart).
fn field<T: Serialize + ?Sized>(h: &mut Fnv, _key: &'static str, value: &T) -> R {
    h.tagged(17, &[]);
    value.serialize(h)
}

impl ser::SerializeStruct for &mut Fnv {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        field(self, key, value)
    }
    fn skip_field(&mut self, _key: &'static str) -> R {
        self.tagged(18, &[]);
        Ok(())
    }
    fn end(self) -> R {
        end(self)
    }
}

impl ser::SerializeStructVariant for &mut Fnv {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        field(self, key, value)
    }
    fn skip_field(&mut self, _key: &'static str) -> R {
        self.tagged(18, &[]);
        Ok(())
    }
    fn end(self) -> R {
        end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{bench_workload, Simulation};

    #[test]
    fn any_changed_figure_changes_the_digest() {
        let (d, mut s) = bench_workload();
        s.duration_s = 3;
        let mut sim = Simulation::new(&d, &s).expect("runs");
        sim.run_to_end();
        let m = sim.snapshot();

        let mut deep = m.clone();
        let p = &mut deep.node_series[0].points[1];
        p.utilisation = f64::from_bits(p.utilisation.to_bits() + 1);
        assert_ne!(digest(&m), digest(&deep), "one bit of one node's point");

        let mut count = m.clone();
        count.totals.ok += 1;
        assert_ne!(digest(&m), digest(&count), "a count");

        let mut name = m.clone();
        let last = name.nodes[0].id.pop().expect("an id");
        name.nodes[0].id.push(if last == 'x' { 'y' } else { 'x' });
        assert_ne!(digest(&m), digest(&name), "a name");

        let mut fewer = m.clone();
        assert!(fewer.series.pop().is_some(), "the run has a series");
        assert_ne!(digest(&m), digest(&fewer), "a second dropped");

        let mut none = m.clone();
        none.nodes[0].hit_rate = if m.nodes[0].hit_rate.is_some() {
            None
        } else {
            Some(0.0)
        };
        assert_ne!(digest(&m), digest(&none), "an absent value");
    }

    #[test]
    fn variants_and_skipped_fields_stay_apart_without_their_names() {
        #[derive(serde::Serialize)]
        enum E {
            A,
            B,
            C(u8),
            D(u8),
            F(u8, u8),
            G(u8, u8),
        }
        assert_ne!(digest(&E::A), digest(&E::B));
        assert_ne!(digest(&E::C(1)), digest(&E::D(1)));
        assert_ne!(digest(&E::F(1, 2)), digest(&E::G(1, 2)));

        // Which field was left out shows, though no name is hashed, in a struct and in
        // an enum's variant with fields.
        #[derive(serde::Serialize)]
        enum V {
            W {
                #[serde(skip_serializing_if = "Option::is_none")]
                a: Option<u8>,
                #[serde(skip_serializing_if = "Option::is_none")]
                b: Option<u8>,
            },
        }
        assert_ne!(
            digest(&V::W {
                a: Some(1),
                b: None
            }),
            digest(&V::W {
                a: None,
                b: Some(1)
            })
        );
        #[derive(serde::Serialize)]
        struct S {
            #[serde(skip_serializing_if = "Option::is_none")]
            a: Option<u8>,
            #[serde(skip_serializing_if = "Option::is_none")]
            b: Option<u8>,
        }
        let first = S {
            a: Some(1),
            b: None,
        };
        let second = S {
            a: None,
            b: Some(1),
        };
        assert_ne!(digest(&first), digest(&second));
    }

    #[test]
    fn it_is_fnv_1a_of_tagged_bytes() {
        // Known answers, worked out by hand from FNV-1a's offset and prime: a unit is
        // the tag 9, `true` the tag 1 and the byte 1, a u128 the tag 20 and 16 bytes.
        assert_eq!(digest(&()), "af63c44c8601c3c4");
        assert_eq!(digest(&true), "082f2307b4e88e77");
        assert_eq!(digest(&(1u128 << 70)), "bec33ee7a7ecad43");
        // 128-bit numbers count, and what follows them too.
        assert_ne!(digest(&(1u128, 2u8)), digest(&(1u128, 3u8)));
        assert_ne!(digest(&(-1i128, 2u8)), digest(&(1i128, 2u8)));
        // Every NaN is one value; other bits stay apart (0 and -0 differ).
        let other_nan = f64::from_bits(f64::NAN.to_bits() ^ 0x8000_0000_0000_0001);
        assert!(other_nan.is_nan());
        assert_eq!(digest(&other_nan), digest(&f64::NAN));
        assert_ne!(digest(&0.0f64), digest(&-0.0f64));
    }
}
