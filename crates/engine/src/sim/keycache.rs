//! A per-key cache with a capacity, a TTL and LRU / LFU / FIFO eviction, so hit rates
//! emerge from the key stream instead of being a fixed probability. All operations are
//! O(1); memory is bounded by the capacity plus one index word per key of the key space.

const NIL: u32 = u32::MAX;
/// LFU counters saturate here (like Redis' 8-bit counters).
const MAX_FREQ: u8 = 255;

/// Which entry leaves a full cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Eviction {
    Lru,
    Lfu,
    Fifo,
}

/// The cache's answer to a lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Present; microseconds until it expires (`u64::MAX` = never).
    Hit {
        remaining_us: u64,
    },
    Miss,
}

#[derive(Clone, Debug)]
pub(crate) struct KeyCache {
    eviction: Eviction,
    capacity: u32,
    ttl_us: u64,
    keys: u32,
    /// key -> slot + 1 (0 = absent); allocated on first use.
    index: Vec<u32>,
    slot_key: Vec<u32>,
    expires: Vec<u64>,
    freq: Vec<u8>,
    refreshing: Vec<bool>,
    prev: Vec<u32>,
    next: Vec<u32>,
    head: Vec<u32>,
    tail: Vec<u32>,
    min_freq: usize,
    len: u32,
    free: Vec<u32>,
    pub hits: u64,
    pub misses: u64,
}

impl KeyCache {
    pub fn new(eviction: Eviction, capacity: u32, ttl_us: u64, keys: u32) -> Self {
        let lists = if eviction == Eviction::Lfu {
            MAX_FREQ as usize + 1
        } else {
            1
        };
        KeyCache {
            eviction,
            capacity: capacity.max(1),
            ttl_us,
            keys: keys.max(1),
            index: Vec::new(),
            slot_key: Vec::new(),
            expires: Vec::new(),
            freq: Vec::new(),
            refreshing: Vec::new(),
            prev: Vec::new(),
            next: Vec::new(),
            head: vec![NIL; lists],
            tail: vec![NIL; lists],
            min_freq: 1,
            len: 0,
            free: Vec::new(),
            hits: 0,
            misses: 0,
        }
    }

    pub fn ttl_us(&self) -> u64 {
        self.ttl_us
    }

    #[cfg(test)]
    pub fn len(&self) -> u32 {
        self.len
    }

    fn slot(&mut self, key: u32) -> Option<usize> {
        if self.index.is_empty() {
            self.index = vec![0; self.keys as usize];
        }
        match self.index.get(key as usize) {
            Some(&s) if s != 0 => Some(s as usize - 1),
            _ => None,
        }
    }

    fn list_of(&self, s: usize) -> usize {
        if self.eviction == Eviction::Lfu {
            self.freq[s] as usize
        } else {
            0
        }
    }

    fn unlink(&mut self, s: usize) {
        let l = self.list_of(s);
        let (p, n) = (self.prev[s], self.next[s]);
        if p == NIL {
            self.head[l] = n;
        } else {
            self.next[p as usize] = n;
        }
        if n == NIL {
            self.tail[l] = p;
        } else {
            self.prev[n as usize] = p;
        }
        self.prev[s] = NIL;
        self.next[s] = NIL;
    }

    fn push_back(&mut self, s: usize) {
        let l = self.list_of(s);
        let t = self.tail[l];
        self.prev[s] = t;
        self.next[s] = NIL;
        if t == NIL {
            self.head[l] = s as u32;
        } else {
            self.next[t as usize] = s as u32;
        }
        self.tail[l] = s as u32;
    }

    fn remove_slot(&mut self, s: usize) {
        self.unlink(s);
        let k = self.slot_key[s] as usize;
        self.index[k] = 0;
        self.refreshing[s] = false;
        self.free.push(s as u32);
        self.len -= 1;
    }

    /// Looks a key up, counting a hit or a miss; expired entries count as misses.
    pub fn get(&mut self, key: u32, now: u64) -> Lookup {
        let Some(s) = self.slot(key) else {
            self.misses += 1;
            return Lookup::Miss;
        };
        if self.expires[s] <= now {
            self.remove_slot(s);
            self.misses += 1;
            return Lookup::Miss;
        }
        self.hits += 1;
        match self.eviction {
            Eviction::Fifo => {}
            Eviction::Lru => {
                self.unlink(s);
                self.push_back(s);
            }
            Eviction::Lfu => {
                let f = self.freq[s] as usize;
                if f < MAX_FREQ as usize {
                    self.unlink(s);
                    self.freq[s] += 1;
                    self.push_back(s);
                    if self.min_freq == f && self.head[f] == NIL {
                        self.min_freq = f + 1;
                    }
                } else {
                    self.unlink(s);
                    self.push_back(s);
                }
            }
        }
        let remaining = if self.expires[s] == u64::MAX {
            u64::MAX
        } else {
            self.expires[s] - now
        };
        Lookup::Hit {
            remaining_us: remaining,
        }
    }

    /// Stores a key (or refreshes its expiry), evicting one entry when full.
    pub fn insert(&mut self, key: u32, now: u64) {
        if key >= self.keys {
            return;
        }
        let expires = if self.ttl_us == 0 {
            u64::MAX
        } else {
            now.saturating_add(self.ttl_us)
        };
        if let Some(s) = self.slot(key) {
            self.expires[s] = expires;
            self.refreshing[s] = false;
            if self.eviction == Eviction::Lru {
                self.unlink(s);
                self.push_back(s);
            }
            return;
        }
        if self.len >= self.capacity {
            let l = match self.eviction {
                Eviction::Lfu => {
                    let mut f = self.min_freq.max(1);
                    while f <= MAX_FREQ as usize && self.head[f] == NIL {
                        f += 1;
                    }
                    f.min(MAX_FREQ as usize)
                }
                _ => 0,
            };
            let victim = self.head[l];
            if victim != NIL {
                self.remove_slot(victim as usize);
            }
        }
        let s = match self.free.pop() {
            Some(s) => s as usize,
            None => {
                self.slot_key.push(0);
                self.expires.push(0);
                self.freq.push(0);
                self.refreshing.push(false);
                self.prev.push(NIL);
                self.next.push(NIL);
                self.slot_key.len() - 1
            }
        };
        self.slot_key[s] = key;
        self.expires[s] = expires;
        self.freq[s] = 1;
        self.refreshing[s] = false;
        self.push_back(s);
        self.index[key as usize] = s as u32 + 1;
        self.len += 1;
        self.min_freq = 1;
    }

    /// Drops a key (a write made it stale).
    pub fn invalidate(&mut self, key: u32) {
        if let Some(s) = self.slot(key) {
            self.remove_slot(s);
        }
    }

    /// Marks a present key as being refreshed; false if absent or already refreshing.
    pub fn start_refresh(&mut self, key: u32) -> bool {
        match self.slot(key) {
            Some(s) if !self.refreshing[s] => {
                self.refreshing[s] = true;
                true
            }
            _ => false,
        }
    }

    /// Clears the refreshing mark of a key (a refresh failed).
    pub fn end_refresh(&mut self, key: u32) {
        if let Some(s) = self.slot(key) {
            self.refreshing[s] = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut c = KeyCache::new(Eviction::Lru, 2, 0, 10);
        c.insert(1, 0);
        c.insert(2, 0);
        assert!(matches!(c.get(1, 0), Lookup::Hit { .. }));
        c.insert(3, 0);
        assert_eq!(c.get(2, 0), Lookup::Miss);
        assert!(matches!(c.get(1, 0), Lookup::Hit { .. }));
        assert!(matches!(c.get(3, 0), Lookup::Hit { .. }));
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn fifo_ignores_hits() {
        let mut c = KeyCache::new(Eviction::Fifo, 2, 0, 10);
        c.insert(1, 0);
        c.insert(2, 0);
        assert!(matches!(c.get(1, 0), Lookup::Hit { .. }));
        c.insert(3, 0);
        assert_eq!(c.get(1, 0), Lookup::Miss);
        assert!(matches!(c.get(2, 0), Lookup::Hit { .. }));
    }

    #[test]
    fn lfu_keeps_the_frequent() {
        let mut c = KeyCache::new(Eviction::Lfu, 2, 0, 10);
        c.insert(1, 0);
        c.insert(2, 0);
        for _ in 0..3 {
            c.get(1, 0);
        }
        c.get(2, 0);
        c.insert(3, 0); // evicts 2 (freq 2) rather than 1 (freq 4)
        assert!(matches!(c.get(1, 0), Lookup::Hit { .. }));
        assert_eq!(c.get(2, 0), Lookup::Miss);
        c.invalidate(3);
        c.insert(4, 0);
        c.insert(5, 0); // evicts 4, the only entry with frequency 1
        assert!(matches!(c.get(1, 0), Lookup::Hit { .. }));
        assert_eq!(c.get(4, 0), Lookup::Miss);
    }

    #[test]
    fn ttl_expires_and_invalidate_removes() {
        let mut c = KeyCache::new(Eviction::Lru, 10, 100, 10);
        c.insert(1, 0);
        assert_eq!(c.get(1, 50), Lookup::Hit { remaining_us: 50 });
        assert_eq!(c.get(1, 100), Lookup::Miss);
        c.insert(2, 0);
        c.invalidate(2);
        assert_eq!(c.get(2, 1), Lookup::Miss);
        assert_eq!((c.hits, c.misses), (1, 2));
        assert_eq!(c.len(), 0);
    }
}
