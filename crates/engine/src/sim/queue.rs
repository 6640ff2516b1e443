//! The event queue: a monotone radix heap keyed by time. Events are never scheduled
//! before the last one taken out, which lets pushes cost O(1) and pops move each event
//! between at most a few of 65 buckets; ties in time come out in sequence-number order,
//! so the order is total and reproducible.

/// A monotone priority queue of `(time, seq, value)`, smallest `(time, seq)` first.
///
/// Bucket `b > 0` holds events whose time first differs from the last popped time in
/// bit `b - 1`; bucket 0 holds the events at exactly that time, sorted by sequence
/// number (new ones always have the largest sequence number, so appending keeps it
/// sorted).
#[derive(Clone, Debug)]
pub(crate) struct EventQueue<T: Copy> {
    last: u64,
    len: usize,
    /// Bit `b` set when bucket `b` (1..=64) is non-empty.
    occupied: u128,
    now_bucket: Vec<(u64, T)>,
    head: usize,
    buckets: Vec<Vec<(u64, u64, T)>>,
}

impl<T: Copy> EventQueue<T> {
    pub fn new() -> Self {
        EventQueue {
            last: 0,
            len: 0,
            occupied: 0,
            now_bucket: Vec::new(),
            head: 0,
            buckets: (0..65).map(|_| Vec::new()).collect(),
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

    /// Adds an event; `time` must not be before the last one popped, and `seq` must
    /// grow with every push.
    #[inline]
    pub fn push(&mut self, time: u64, seq: u64, value: T) {
        debug_assert!(time >= self.last, "event scheduled in the past");
        self.len += 1;
        if time == self.last {
            self.now_bucket.push((seq, value));
        } else {
            let b = 64 - (time ^ self.last).leading_zeros() as usize;
            self.buckets[b].push((time, seq, value));
            self.occupied |= 1 << b;
        }
    }

    /// Makes sure the next events sit in the `now` bucket.
    fn settle(&mut self) -> bool {
        if self.head < self.now_bucket.len() {
            return true;
        }
        self.now_bucket.clear();
        self.head = 0;
        if self.occupied == 0 {
            return false;
        }
        let i = self.occupied.trailing_zeros() as usize;
        self.occupied &= !(1 << i);
        let mut items = std::mem::take(&mut self.buckets[i]);
        self.last = items.iter().map(|e| e.0).min().expect("non-empty");
        for &(t, seq, v) in &items {
            if t == self.last {
                self.now_bucket.push((seq, v));
            } else {
                let b = 64 - (t ^ self.last).leading_zeros() as usize;
                debug_assert!(b < i);
                self.buckets[b].push((t, seq, v));
                self.occupied |= 1 << b;
            }
        }
        self.now_bucket.sort_unstable_by_key(|e| e.0);
        // Keep the allocation for reuse.
        items.clear();
        self.buckets[i] = items;
        true
    }

    /// The time of the next event.
    pub fn peek_time(&mut self) -> Option<u64> {
        if self.settle() {
            Some(self.last)
        } else {
            None
        }
    }

    /// Takes the next event out.
    pub fn pop(&mut self) -> Option<(u64, T)> {
        if !self.settle() {
            return None;
        }
        let (_, v) = self.now_bucket[self.head];
        self.head += 1;
        self.len -= 1;
        Some((self.last, v))
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
            let pushes = rng.below(3);
            for _ in 0..pushes {
                seq += 1;
                let dt = match rng.below(4) {
                    0 => 0,
                    1 => rng.below(10) as u64,
                    2 => rng.below(100_000) as u64,
                    _ => rng.below(u32::MAX) as u64,
                };
                q.push(now + dt, seq, seq as u32);
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
