//! The event queue: a monotone radix heap keyed by time, with the lowest 12 bits of
//! the time in its first level and one byte per level above. Events are never
//! scheduled before the last one taken out, which lets pushes cost O(1) and each event
//! move between at most a few buckets (one for every level in which its time differs
//! from the current time; most events fall within 4 ms and go straight to the first);
//! events with the same time come out in the order they were pushed, that is in
//! sequence-number order, so the order is total and reproducible.

/// Bits of the time that level 0 resolves: one bucket per microsecond over a window
/// of 4,096 µs, wide enough that most events (a hop, a service time) land there
/// directly rather than being refiled from a higher level.
const LOW_BITS: u32 = 12;
/// Buckets of level 0.
const LOW: usize = 1 << LOW_BITS;
/// The bits of a time above level 0's: the start of its window.
const WINDOW: u64 = !(LOW as u64 - 1);

/// The bucket of level 0 that holds `time`.
#[inline(always)]
fn low_bucket(time: u64) -> usize {
    time as usize & (LOW - 1)
}
/// Levels above level 0, one byte of the time each (bits 12 and up).
const HIGH_LEVELS: usize = 7;
/// Buckets per higher level: one per value of a byte.
const WIDTH: usize = 256;

/// A monotone priority queue of `(time, value)`: smallest time first, and events with
/// equal times in the order they were pushed.
///
/// Relative to `last` (the time of the current or next event), an event whose time
/// shares every bit above the lowest 12 with `last` sits in level 0, one exact time
/// per bucket; one that first differs from `last` in byte `p - 1` above those bits
/// sits in bucket `(p, that byte of its time)`. All events with one time always sit
/// in one bucket, in push order: a bucket is only ever redistributed whole, into
/// empty lower levels, and every push is the newest, so no sequence number needs to
/// be stored to keep equal times in order.
#[derive(Clone, Debug)]
pub(crate) struct EventQueue<T: Copy> {
    /// Time of the current bucket `(0, last % LOW)`; never after the next event.
    last: u64,
    /// Time of the last event popped: pushes must not be before it.
    popped: u64,
    len: usize,
    /// Bit `p` set when some bucket of level `p` (1..=7) is non-empty.
    levels: u32,
    /// Level 0: bit `d` set when bucket `d` is non-empty.
    low_bits: [u64; LOW / 64],
    /// Levels 1..=7 (at `p - 1`): bit `d` set when bucket `(p, d)` is non-empty.
    high_bits: [[u64; WIDTH / 64]; HIGH_LEVELS],
    /// Level 0: exact times; only the values are kept.
    low: Box<[Vec<T>; LOW]>,
    /// Events of the current bucket already popped.
    head: usize,
    /// Levels 1..=7, bucket `(p, d)` at `(p - 1) * 256 + d`.
    high: Vec<Vec<(u64, T)>>,
}

#[inline]
fn lowest(words: &[u64; WIDTH / 64]) -> Option<usize> {
    words
        .iter()
        .position(|w| *w != 0)
        .map(|i| i * 64 + words[i].trailing_zeros() as usize)
}

impl<T: Copy> EventQueue<T> {
    pub fn new() -> Self {
        EventQueue {
            last: 0,
            popped: 0,
            len: 0,
            levels: 0,
            low_bits: [0; LOW / 64],
            high_bits: [[0; WIDTH / 64]; HIGH_LEVELS],
            low: Box::new([const { Vec::new() }; LOW]),
            head: 0,
            high: (0..HIGH_LEVELS * WIDTH).map(|_| Vec::new()).collect(),
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds an event; `time` must not be before the last one popped.
    #[inline]
    pub fn push(&mut self, time: u64, value: T) {
        debug_assert!(time >= self.popped, "event scheduled in the past");
        if time < self.last {
            // Only after a peek moved `last` ahead of the last event popped.
            self.rebase(time);
        }
        self.len += 1;
        self.place(time, value);
    }

    /// Files an event (not before `last`) into its bucket.
    #[inline(always)]
    fn place(&mut self, time: u64, value: T) {
        let x = time ^ self.last;
        if x < LOW as u64 {
            let d = low_bucket(time);
            self.low[d].push(value);
            self.low_bits[d >> 6] |= 1 << (d & 63);
        } else {
            // The byte above the low bits in which `time` first differs from `last`.
            let q = (63 - LOW_BITS as usize - x.leading_zeros() as usize) / 8;
            let d = ((time >> (LOW_BITS as usize + 8 * q)) & 0xff) as usize;
            self.high[q * WIDTH + d].push((time, value));
            self.high_bits[q][d >> 6] |= 1 << (d & 63);
            self.levels |= 2 << q;
        }
    }

    /// Moves `last` back to `time` (slow path: refiles every pending event, keeping
    /// the order of events with equal times).
    #[cold]
    fn rebase(&mut self, time: u64) {
        let mut all: Vec<(u64, T)> = Vec::with_capacity(self.len);
        let base = self.last & WINDOW;
        for d in 0..LOW {
            let skip = if d == low_bucket(self.last) {
                self.head
            } else {
                0
            };
            let t = base | d as u64;
            all.extend(self.low[d].drain(..).skip(skip).map(|v| (t, v)));
        }
        for b in &mut self.high {
            all.append(b);
        }
        self.low_bits = [0; LOW / 64];
        self.high_bits = [[0; WIDTH / 64]; HIGH_LEVELS];
        self.levels = 0;
        self.head = 0;
        self.last = time;
        for (t, v) in all {
            self.place(t, v);
        }
    }

    /// Makes sure the next event is at `head` of the current bucket.
    #[inline(always)]
    fn settle(&mut self) -> bool {
        let cur = low_bucket(self.last);
        if self.head < self.low[cur].len() {
            return true;
        }
        if self.len == 0 {
            return false;
        }
        // The current bucket is used up: move to the next non-empty one of level 0
        // (there are none before it), or refill level 0 from the levels above.
        self.low[cur].clear();
        self.head = 0;
        let w = cur >> 6;
        self.low_bits[w] &= !(1 << (cur & 63));
        let mut i = w;
        while i < LOW / 64 {
            let word = self.low_bits[i];
            if word != 0 {
                self.last = (self.last & WINDOW) | (i * 64 + word.trailing_zeros() as usize) as u64;
                return true;
            }
            i += 1;
        }
        self.refill();
        true
    }

    /// Level 0 is empty (and some event is pending): redistributes the first
    /// non-empty bucket of the lowest non-empty level.
    #[inline(never)]
    fn refill(&mut self) {
        let q = self.levels.trailing_zeros() as usize - 1;
        let d = lowest(&self.high_bits[q]).expect("level marked non-empty");
        self.high_bits[q][d >> 6] &= !(1 << (d & 63));
        if self.high_bits[q].iter().all(|w| *w == 0) {
            self.levels &= !(2 << q);
        }
        let mut items = std::mem::take(&mut self.high[q * WIDTH + d]);
        self.last = items.iter().map(|e| e.0).min().expect("non-empty");
        for &(t, v) in &items {
            self.place(t, v);
        }
        // Keep the allocation for reuse.
        items.clear();
        self.high[q * WIDTH + d] = items;
        debug_assert!(self.head < self.low[low_bucket(self.last)].len());
    }

    /// The time of the next event.
    #[inline]
    pub fn peek_time(&mut self) -> Option<u64> {
        if self.settle() {
            Some(self.last)
        } else {
            None
        }
    }

    /// Takes the next event out.
    #[cfg(test)]
    pub fn pop(&mut self) -> Option<(u64, T)> {
        if !self.settle() {
            return None;
        }
        Some(self.pop_peeked())
    }

    /// Takes out the next event, right after [`EventQueue::peek_time`] found one (with
    /// no push in between).
    #[inline]
    pub fn pop_peeked(&mut self) -> (u64, T) {
        let v = self.low[low_bucket(self.last)][self.head];
        self.head += 1;
        self.len -= 1;
        self.popped = self.last;
        (self.last, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[test]
    fn pops_in_the_same_order_as_a_binary_heap() {
        let mut rng = Rng::new(9);
        let mut q = EventQueue::new();
        let mut reference = BinaryHeap::new();
        let mut seq = 0u64;
        let mut now = 0u64;
        for round in 0..20_000 {
            if round % 3 == 0 {
                // A peek may look ahead of the last event popped; pushes in between
                // must still come out in order.
                let _ = q.peek_time();
            }
            let pushes = rng.below(3);
            for _ in 0..pushes {
                seq += 1;
                let dt = match rng.below(5) {
                    0 => 0,
                    1 => rng.below(300) as u64,
                    2 => rng.below(10) as u64,
                    3 => rng.below(100_000) as u64,
                    // A failure timer hours or days ahead: the levels above 2^32 µs.
                    4 if round % 7 == 0 => (rng.below(u32::MAX) as u64) << 20,
                    _ => rng.below(u32::MAX) as u64,
                };
                q.push(now + dt, seq as u32);
                reference.push(Reverse((now + dt, seq)));
            }
            if round % 2 == 0 {
                let a = q.pop();
                let b = reference.pop().map(|Reverse((t, s))| (t, s as u32));
                assert_eq!(a, b);
                if let Some((t, _)) = a {
                    now = t;
                }
            }
            assert_eq!(q.len(), reference.len());
        }
        while let Some(Reverse((t, s))) = reference.pop() {
            assert_eq!(q.peek_time(), Some(t));
            assert_eq!(q.pop(), Some((t, s as u32)));
        }
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
    }
}
