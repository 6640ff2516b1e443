//! The simulation's event queue: a timing wheel of exact microseconds for the next
//! [`SPAN`] µs, in front of a binary heap for everything later.
//!
//! Almost every event (a network hop, a service time) falls within the wheel's window,
//! so it is filed once, at the slot of its exact time, and taken out from there: no
//! comparison with other events and no move between buckets. The few later ones (health
//! checks, long jobs, hops between continents) wait in the heap. Events with equal times
//! come out in the order they were pushed, so the order is total and reproducible.
//!
//! Invariants: every event on the wheel has a time in `[base, base + SPAN)` and sits in
//! slot `time % SPAN`, one exact time per slot, in push order; every event in `far` is at
//! or after `base + SPAN`. `base` is the time of the last event popped (pushes are never
//! before it), and every event of `far` that a pop brings into the window joins the
//! wheel at once, before anything else is pushed: an event pushed to `far` was pushed
//! before any event with the same time could reach the wheel directly, so appending it
//! keeps the push order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Width of the window, in microseconds (65.5 ms).
const SPAN: u64 = 1 << 16;
const MASK: u64 = SPAN - 1;
/// Words of the slot bitmap, and of its summary (one bit per non-empty word).
const WORDS: usize = (SPAN / 64) as usize;
const SUMMARY: usize = WORDS / 64;
/// No entry (end of a slot's list).
const NIL: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Entry {
    value: u64,
    next: u32,
}

/// A monotone priority queue of `(time, value)`: smallest time first, and events with
/// equal times in the order they were pushed.
#[derive(Clone, Debug)]
pub(crate) struct EventQueue {
    /// Start of the window and time of the last event popped (see the module docs).
    base: u64,
    /// Time found by the last peek, for [`EventQueue::pop_peeked`].
    peeked: u64,
    /// Events on the wheel.
    near: usize,
    /// First and last entry of each slot's list.
    head: Box<[u32; SPAN as usize]>,
    tail: Box<[u32; SPAN as usize]>,
    /// Bit `s` set when slot `s` is non-empty.
    bits: Box<[u64; WORDS]>,
    /// Bit `w` set when word `w` of `bits` is non-zero.
    summary: [u64; SUMMARY],
    /// The entries of every slot's list, and the free ones (a list through `next`).
    entries: Vec<Entry>,
    free: u32,
    /// `(time, push number, value)`, the smallest first.
    far: BinaryHeap<Reverse<(u64, u64, u64)>>,
    /// Events pushed to `far` so far (its tie-break).
    far_pushes: u64,
    /// Time of the first event in `far` (`u64::MAX` when it is empty).
    far_min: u64,
}

/// An array of `N` copies of `x` on the heap (not built on the stack first). Indexes
/// masked to the array's size then need no bounds check.
fn boxed<X: Copy, const N: usize>(x: X) -> Box<[X; N]> {
    match vec![x; N].into_boxed_slice().try_into() {
        Ok(b) => b,
        Err(_) => unreachable!(),
    }
}

impl EventQueue {
    pub fn new() -> Self {
        EventQueue {
            base: 0,
            peeked: 0,
            near: 0,
            head: boxed(NIL),
            tail: boxed(NIL),
            bits: boxed(0),
            summary: [0; SUMMARY],
            entries: Vec::new(),
            free: NIL,
            far: BinaryHeap::new(),
            far_pushes: 0,
            far_min: u64::MAX,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.near + self.far.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds an event; `time` must not be before the last one popped.
    #[inline]
    pub fn push(&mut self, time: u64, value: u64) {
        debug_assert!(time >= self.base, "event scheduled in the past");
        if time - self.base < SPAN {
            self.link(time, value);
        } else {
            self.push_far(time, value);
        }
    }

    /// Files an event past the window in `far`.
    #[inline(never)]
    fn push_far(&mut self, time: u64, value: u64) {
        self.far.push(Reverse((time, self.far_pushes, value)));
        self.far_pushes += 1;
        self.far_min = self.far_min.min(time);
    }

    /// Appends an event in the window to its slot's list.
    #[inline]
    fn link(&mut self, time: u64, value: u64) {
        let entry = Entry { value, next: NIL };
        let i = if self.free != NIL {
            let i = self.free;
            self.free = self.entries[i as usize].next;
            self.entries[i as usize] = entry;
            i
        } else {
            self.entries.push(entry);
            (self.entries.len() - 1) as u32
        };
        let s = (time & MASK) as usize;
        let last = self.tail[s];
        if last == NIL {
            self.head[s] = i;
            let w = s >> 6;
            if self.bits[w] == 0 {
                self.summary[w >> 6] |= 1 << (w & 63);
            }
            self.bits[w] |= 1 << (s & 63);
        } else {
            self.entries[last as usize].next = i;
        }
        self.tail[s] = i;
        self.near += 1;
    }

    /// Brings every event of `far` now inside the window onto the wheel, in order.
    #[inline(never)]
    fn migrate(&mut self) {
        while self.far_min - self.base < SPAN {
            if let Some(Reverse((t, _, v))) = self.far.pop() {
                self.link(t, v);
            }
            self.far_min = self.far.peek().map_or(u64::MAX, |e| e.0 .0);
        }
    }

    /// The time of the first event on the wheel (which must not be empty).
    #[inline(always)]
    fn first_time(&self) -> u64 {
        let from = (self.base & MASK) as usize;
        let s = self.next_slot(from);
        self.base + ((s as u64).wrapping_sub(from as u64) & MASK)
    }

    /// The first non-empty slot at or after `from`, wrapping around.
    #[inline(always)]
    fn next_slot(&self, from: usize) -> usize {
        let w = from >> 6;
        let m = self.bits[w] & (!0u64 << (from & 63));
        if m != 0 {
            return (w << 6) | m.trailing_zeros() as usize;
        }
        match self.first_word(w + 1) {
            Some(s) => s,
            // Wrapping around (the wheel is not empty).
            None => self.first_word(0).unwrap_or(0),
        }
    }

    /// The first slot set in the words from `start` on.
    #[inline]
    fn first_word(&self, start: usize) -> Option<usize> {
        let mut k = start >> 6;
        if k >= SUMMARY {
            return None;
        }
        let mut m = self.summary[k] & (!0u64 << (start & 63));
        loop {
            if m != 0 {
                let w = (k << 6) | m.trailing_zeros() as usize;
                return Some((w << 6) | self.bits[w].trailing_zeros() as usize);
            }
            k += 1;
            if k == SUMMARY {
                return None;
            }
            m = self.summary[k];
        }
    }

    /// Unlinks the first event of the slot of `time` (which holds events at `time`).
    #[inline(always)]
    fn take(&mut self, time: u64) -> (u64, u64) {
        let s = (time & MASK) as usize;
        let i = self.head[s];
        let e = self.entries[i as usize];
        self.head[s] = e.next;
        if e.next == NIL {
            self.tail[s] = NIL;
            let w = s >> 6;
            self.bits[w] &= !(1 << (s & 63));
            if self.bits[w] == 0 {
                self.summary[w >> 6] &= !(1 << (w & 63));
            }
        }
        self.entries[i as usize].next = self.free;
        self.free = i;
        self.near -= 1;
        (time, e.value)
    }

    /// The time of the next event.
    #[inline]
    pub fn peek_time(&mut self) -> Option<u64> {
        if self.near > 0 {
            self.peeked = self.first_time();
        } else if !self.far.is_empty() {
            self.peeked = self.far_min;
        } else {
            return None;
        }
        Some(self.peeked)
    }

    /// Takes the next event out.
    #[cfg(test)]
    pub fn pop(&mut self) -> Option<(u64, u64)> {
        self.peek_time()?;
        Some(self.pop_peeked())
    }

    /// Takes out the next event, right after [`EventQueue::peek_time`] found one (with
    /// no push in between).
    #[inline]
    pub fn pop_peeked(&mut self) -> (u64, u64) {
        let t = self.peeked;
        if t != self.base {
            // The window moves to start at `t` (with the wheel empty, `t` is the
            // first event of `far`).
            self.base = t;
            if self.far_min - t < SPAN {
                self.migrate();
            }
        }
        self.take(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    /// Random pushes near and far (across the window's edge, and far past it), peeks
    /// that look ahead of the last event popped, and pops, against a binary heap
    /// ordered by (time, push order).
    #[test]
    fn pops_in_the_same_order_as_a_binary_heap() {
        let mut rng = Rng::new(11);
        let mut q = EventQueue::new();
        let mut reference = BinaryHeap::new();
        let mut seq = 0u64;
        let mut now = 0u64;
        for round in 0..60_000 {
            if round % 3 == 0 {
                let _ = q.peek_time();
            }
            for _ in 0..rng.below(3) {
                seq += 1;
                let dt = match rng.below(7) {
                    0 => 0,
                    1 => rng.below(10) as u64,
                    2 => rng.below(300) as u64,
                    3 => SPAN - 2 + rng.below(4) as u64,
                    4 => rng.below(3 * SPAN as u32) as u64,
                    5 => rng.below(100_000_000) as u64,
                    _ => rng.below(u32::MAX) as u64,
                };
                q.push(now + dt, seq);
                reference.push(Reverse((now + dt, seq)));
            }
            if round % 2 == 0 {
                let a = q.pop();
                let b = reference.pop().map(|Reverse(x)| x);
                assert_eq!(a, b);
                if let Some((t, _)) = a {
                    now = t;
                }
            }
            assert_eq!(q.len(), reference.len());
        }
        while let Some(Reverse((t, s))) = reference.pop() {
            assert_eq!(q.peek_time(), Some(t));
            assert_eq!(q.pop(), Some((t, s)));
        }
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
    }

    /// An event pushed to the far queue and one pushed later at the same time onto
    /// the wheel come out in push order; so do pushes made after a peek jumped the
    /// window ahead of the last pop.
    #[test]
    fn equal_times_keep_push_order_across_the_window_edge() {
        let mut q = EventQueue::new();
        q.push(0, 0);
        let t = SPAN + 5;
        q.push(t, 1); // beyond the window: far
        assert_eq!(q.pop(), Some((0, 0)));
        q.push(10, 2);
        assert_eq!(q.pop(), Some((10, 2)));
        q.push(t, 3); // now inside the window
        q.push(t - 1, 4);
        assert_eq!(q.pop(), Some((t - 1, 4)));
        assert_eq!(q.pop(), Some((t, 1)));
        assert_eq!(q.pop(), Some((t, 3)));

        // The wheel is empty: a peek finds the far event; a push before it (but not
        // before the last pop) still comes out first.
        let far = t + 10 * SPAN;
        q.push(far, 5);
        assert_eq!(q.peek_time(), Some(far));
        q.push(t + 1, 6);
        q.push(far, 7);
        assert_eq!(q.pop(), Some((t + 1, 6)));
        assert_eq!(q.pop(), Some((far, 5)));
        assert_eq!(q.pop(), Some((far, 7)));
        assert!(q.is_empty());
    }
}
