//! World regions and the fixed one-way network latency between them.

use serde::{Deserialize, Serialize};

/// A continent-sized region where users live and data centers stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    NorthAmerica,
    SouthAmerica,
    Europe,
    Asia,
    Oceania,
}

impl Region {
    /// Every region, in a fixed order (the order of the latency table).
    pub const ALL: &'static [Region] = &[
        Region::NorthAmerica,
        Region::SouthAmerica,
        Region::Europe,
        Region::Asia,
        Region::Oceania,
    ];

    /// A human name: "North America".
    pub fn label(self) -> &'static str {
        match self {
            Region::NorthAmerica => "North America",
            Region::SouthAmerica => "South America",
            Region::Europe => "Europe",
            Region::Asia => "Asia",
            Region::Oceania => "Oceania",
        }
    }

    /// The snake_case name used in files and in the Users "region" parameter.
    pub fn key(self) -> &'static str {
        match self {
            Region::NorthAmerica => "north_america",
            Region::SouthAmerica => "south_america",
            Region::Europe => "europe",
            Region::Asia => "asia",
            Region::Oceania => "oceania",
        }
    }

    /// The region named by [`Region::key`], if any.
    pub fn from_key(key: &str) -> Option<Region> {
        Region::ALL.iter().copied().find(|r| r.key() == key)
    }

    /// Position in [`Region::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One-way latency in milliseconds between regions (roughly half of typical public
/// round-trip times). The diagonal is the "last mile" inside a region, between a user
/// and a nearby data center or edge, or between two data centers of one region.
const ONE_WAY_MS: [[u64; 5]; 5] = [
    //  NA   SA   EU   AS   OC
    [5, 60, 40, 80, 80],   // North America
    [60, 5, 95, 150, 140], // South America
    [40, 95, 5, 90, 140],  // Europe
    [80, 150, 90, 5, 55],  // Asia
    [80, 140, 140, 55, 5], // Oceania
];

/// One-way network latency in microseconds between two regions. A hop between two
/// nodes in the same data center is cheaper still ([`IN_DC_HOP_US`]).
pub fn one_way_latency_us(a: Region, b: Region) -> u64 {
    ONE_WAY_MS[a.index()][b.index()] * 1000
}

/// One-way latency of a hop between two nodes in the same data center.
pub const IN_DC_HOP_US: u64 = 250;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_symmetric_and_local_is_cheapest() {
        for &a in Region::ALL {
            for &b in Region::ALL {
                assert_eq!(one_way_latency_us(a, b), one_way_latency_us(b, a));
                assert!(one_way_latency_us(a, a) <= one_way_latency_us(a, b));
            }
            assert!(IN_DC_HOP_US < one_way_latency_us(a, a));
        }
    }

    #[test]
    fn keys_round_trip() {
        for &r in Region::ALL {
            assert_eq!(Region::from_key(r.key()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.key()));
        }
        assert_eq!(Region::from_key("mars"), None);
    }
}
