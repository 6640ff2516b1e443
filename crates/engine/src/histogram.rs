//! A fixed-size log-linear latency histogram (HDR style): exact below 256 µs, then 128
//! sub-buckets per power of two, so any reported quantile is within 0.4 % of the truth.

/// Sub-buckets per power of two (7 bits of precision).
const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;
/// Values are clamped to this (about 12.7 days in microseconds).
const MAX_BITS: u32 = 40;
/// Number of counters.
const BUCKETS: usize = ((MAX_BITS - SUB_BITS) as usize + 1) * SUB as usize;

/// Counts of values in microseconds.
#[derive(Clone, Debug)]
pub struct Histogram {
    counts: Box<[u64]>,
    total: u64,
    sum: u128,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

fn index(v: u64) -> usize {
    let v = v.min((1u64 << MAX_BITS) - 1);
    if v < 2 * SUB {
        return v as usize;
    }
    let msb = 63 - v.leading_zeros();
    let shift = msb - SUB_BITS;
    let sub = (v >> shift) as usize;
    (shift as usize + 1) * SUB as usize + (sub - SUB as usize)
}

/// The range `[low, high)` of values counted in bucket `i`.
fn bounds(i: usize) -> (u64, u64) {
    if i < 2 * SUB as usize {
        return (i as u64, i as u64 + 1);
    }
    let shift = (i / SUB as usize - 1) as u32;
    let sub = (i % SUB as usize) as u64 + SUB;
    (sub << shift, (sub + 1) << shift)
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Histogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            total: 0,
            sum: 0,
            max: 0,
        }
    }

    /// Counts one value.
    #[inline]
    pub fn record(&mut self, v: u64) {
        self.counts[index(v)] += 1;
        self.total += 1;
        self.sum += v as u128;
        self.max = self.max.max(v);
    }

    /// Number of values counted.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Largest value counted (exact).
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Mean of the values (exact), 0 when empty.
    pub fn mean(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.sum as f64 / self.total as f64
        }
    }

    /// The value at quantile `q` in `[0, 1]` (bucket midpoint, never above the max), 0
    /// when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, hi) = bounds(i);
                let mid = if hi - lo == 1 {
                    lo as f64
                } else {
                    (lo + hi) as f64 / 2.0
                };
                return mid.min(self.max as f64);
            }
        }
        self.max as f64
    }

    /// Several quantiles in one pass; `qs` must be ascending.
    pub fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [f64; N] {
        let mut out = [0.0; N];
        if self.total == 0 {
            return out;
        }
        let mut k = 0;
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            seen += c;
            while k < N
                && seen >= ((qs[k].clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1)
            {
                let (lo, hi) = bounds(i);
                let mid = if hi - lo == 1 {
                    lo as f64
                } else {
                    (lo + hi) as f64 / 2.0
                };
                out[k] = mid.min(self.max as f64);
                k += 1;
            }
            if k == N {
                break;
            }
        }
        out
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        if self.total > 0 {
            self.counts.iter_mut().for_each(|c| *c = 0);
        }
        self.total = 0;
        self.sum = 0;
        self.max = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_cover_their_values() {
        let mut last_hi = 0;
        for i in 0..BUCKETS {
            let (lo, hi) = bounds(i);
            assert_eq!(lo, last_hi, "bucket {i}");
            assert!(hi > lo);
            assert_eq!(index(lo), i);
            assert_eq!(index(hi - 1), i);
            last_hi = hi;
        }
    }

    #[test]
    fn relative_error_is_bounded() {
        for v in [
            1u64,
            255,
            256,
            257,
            1000,
            12_345,
            999_999,
            77_777_777,
            1 << 39,
        ] {
            let mut h = Histogram::new();
            h.record(v);
            h.record(v + 1_000_000_000_000); // a larger value so the max does not clamp
            let q = h.quantile(0.5);
            assert!(
                (q - v as f64).abs() / v as f64 <= 1.0 / 256.0 + 1e-12,
                "{v} -> {q}"
            );
        }
    }

    #[test]
    fn quantiles_of_a_uniform_sequence() {
        let mut h = Histogram::new();
        for v in 1..=100_000u64 {
            h.record(v);
        }
        let [p50, p99] = h.quantiles([0.5, 0.99]);
        assert!((p50 - 50_000.0).abs() / 50_000.0 < 0.005, "{p50}");
        assert!((p99 - 99_000.0).abs() / 99_000.0 < 0.005, "{p99}");
        assert_eq!(h.quantile(0.5), p50);
        assert_eq!(h.max(), 100_000);
        assert!((h.mean() - 50_000.5).abs() < 1e-6);
        h.clear();
        assert_eq!(h.count(), 0);
        assert_eq!(h.quantile(0.5), 0.0);
    }
}
