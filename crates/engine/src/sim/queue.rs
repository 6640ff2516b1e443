//! The event queue: a monotone radix heap keyed by (time, sequence number). Events are
//! never scheduled before the last one taken out, which lets pushes cost O(1) and pops
//! move each event between at most a few of 129 buckets; ties in time come out in
//! sequence order, so the order is total and reproducible.

/// A monotone priority queue of `(time, seq, value)`, smallest `(time, seq)` first.
#[derive(Clone, Debug)]
pub(crate) struct EventQueue<T: Copy> {
    last: u128,
    len: usize,
    buckets: Vec<Vec<(u128, T)>>,
}

#[inline]
fn key(time: u64, seq: u64) -> u128 {
    ((time as u128) << 64) | seq as u128
}

impl<T: Copy> EventQueue<T> {
    pub fn new() -> Self {
        EventQueue { last: 0, len: 0, buckets: (0..129).map(|_| Vec::new()).collect() }
    }

    #[inline]
    fn bucket(&self, k: u128) -> usize {
        128 - (k ^ self.last).leading_zeros() as usize
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds an event; `(time, seq)` must not be smaller than the last one popped.
    #[inline]
    pub fn push(&mut self, time: u64, seq: u64, value: T) {
        let k = key(time, seq);
        debug_assert!(k >= self.last, "event scheduled in the past");
        let b = self.bucket(k);
        self.buckets[b].push((k, value));
        self.len += 1;
    }

    /// Makes sure the smallest event sits in bucket 0.
    fn settle(&mut self) -> bool {
        if !self.buckets[0].is_empty() {
            return true;
        }
        let Some(i) = (1..129).find(|&i| !self.buckets[i].is_empty()) else {
            return false;
        };
        let mut items = std::mem::take(&mut self.buckets[i]);
        self.last = items.iter().map(|(k, _)| *k).min().expect("non-empty");
        for &(k, v) in &items {
            let b = self.bucket(k);
            debug_assert!(b < i);
            self.buckets[b].push((k, v));
        }
        // Keep the allocation for reuse.
        items.clear();
        self.buckets[i] = items;
        true
    }

    /// The time of the next event.
    pub fn peek_time(&mut self) -> Option<u64> {
        if self.settle() {
            Some((self.buckets[0][0].0 >> 64) as u64)
        } else {
            None
        }
    }

    /// Takes the next event out.
    pub fn pop(&mut self) -> Option<(u64, T)> {
        if !self.settle() {
            return None;
        }
        // Keys are unique, so bucket 0 holds exactly the one smallest event.
        let (k, v) = self.buckets[0].pop().expect("settled");
        self.len -= 1;
        Some(((k >> 64) as u64, v))
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
