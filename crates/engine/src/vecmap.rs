//! Ordered maps and sets kept as sorted vectors. The engine's maps are small (a node's
//! parameters, a scenario's traffic, the chapters of a course) and are read far more
//! than written; a sorted vector looks a key up by binary search, iterates in key order
//! like `BTreeMap`, and costs the browser bundle a fraction of the B-tree's code, which
//! is generated again for every key and value type (about 4 KB each, 30 KB in all).
//! Inserting is O(n): do not use these for maps that grow large one key at a time.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A map ordered by key, like `BTreeMap`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`, inserted with `make` first when there is none.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, make()));
                i
            }
        };
        &mut self.entries[i].1
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K, V> VecMap<K, V> {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&K, &mut V)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    /// Later entries replace earlier ones with the same key, as in `BTreeMap`. Sorts
    /// once (O(n log n)) rather than inserting one by one.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut entries: Vec<(K, V)> = iter.into_iter().collect();
        if !entries.is_sorted_by(|a, b| a.0 < b.0) {
            entries = merge_sort(entries);
        }
        // Of equal keys (now side by side, in their original order) the last one's
        // value stays.
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
        VecMap { entries }
    }
}

/// Sorts entries by key, stably: a merge sort that moves the entries (no copies).
fn merge_sort<K: Ord, V>(mut left: Vec<(K, V)>) -> Vec<(K, V)> {
    if left.len() < 2 {
        return left;
    }
    let right = merge_sort(left.split_off(left.len() / 2));
    let left = merge_sort(left);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        // Take from the left while it is not larger: equal keys keep their order.
        let next = if b.0 < a.0 { r.next() } else { l.next() };
        out.extend(next);
    }
    out.extend(l);
    out.extend(r);
    out
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for VecMap<K, V> {
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for VecMap<K, V> {
    type Output = V;
    /// The value of `key`; panics when there is none, like `BTreeMap`.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry for the key")
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Serialize, V: Serialize> Serialize for VecMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for VecMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = VecMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                // Gathered first and sorted once: inserting one by one would cost
                // O(n²) moves on a file with many keys out of order.
                let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0).min(4096));
                while let Some(entry) = access.next_entry()? {
                    entries.push(entry);
                }
                Ok(entries.into_iter().collect())
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// A set ordered by value, like `BTreeSet`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VecSet<T> {
    map: VecMap<T, ()>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet {
            map: VecMap::default(),
        }
    }
}

impl<T: Ord> VecSet<T> {
    pub const fn new() -> Self {
        VecSet { map: VecMap::new() }
    }

    /// Adds `value`; false when it was there already.
    pub fn insert(&mut self, value: T) -> bool {
        self.map.insert(value, ()).is_none()
    }

    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.map.contains_key(value)
    }

    /// Removes `value`; false when it was not there.
    pub fn remove<Q: Ord + ?Sized>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.map.remove(value).is_some()
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.map.retain(|k, _| keep(k));
    }
}

impl<T> VecSet<T> {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }

    /// The values in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.map.keys()
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    /// Sorts once, like the map's `collect`.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        VecSet {
            map: iter.into_iter().map(|v| (v, ())).collect(),
        }
    }
}

impl<T: Ord> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.insert(v);
        }
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = std::iter::Map<std::vec::IntoIter<(T, ())>, fn((T, ())) -> T>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.into_iter().map(|(k, ())| k)
    }
}

impl<'a, T> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (T, ())>, fn(&'a (T, ())) -> &'a T>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.entries.iter().map(|(k, ())| k)
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for VecSet<T> {
    fn from(values: [T; N]) -> Self {
        values.into_iter().collect()
    }
}

impl<T: fmt::Debug> fmt::Debug for VecSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use std::collections::{BTreeMap, BTreeSet};

    fn same<K: Ord + fmt::Debug, V: PartialEq + fmt::Debug>(a: &VecMap<K, V>, b: &BTreeMap<K, V>) {
        assert!(a.iter().eq(b.iter()), "{a:?} != {b:?}");
        assert_eq!(a.len(), b.len());
    }

    #[test]
    fn behaves_like_a_btree_map() {
        let mut rng = Rng::new(7);
        let (mut map, mut expected) = (VecMap::new(), BTreeMap::new());
        for step in 0..4000 {
            let key = rng.below(60);
            let value = rng.next_u64();
            match rng.below(6) {
                0 | 1 => assert_eq!(map.insert(key, value), expected.insert(key, value)),
                2 => assert_eq!(map.remove(&key), expected.remove(&key)),
                3 => {
                    *map.get_or_insert_with(key, || 1) += 1;
                    *expected.entry(key).or_insert(1) += 1;
                }
                4 => {
                    if let Some(v) = map.get_mut(&key) {
                        *v = value;
                    }
                    if let Some(v) = expected.get_mut(&key) {
                        *v = value;
                    }
                }
                _ => {
                    map.retain(|k, v| !(*k as u64 + *v % 7).is_multiple_of(5));
                    expected.retain(|k, v| !(*k as u64 + *v % 7).is_multiple_of(5));
                }
            }
            assert_eq!(map.get(&key), expected.get(&key), "step {step}");
            assert_eq!(map.contains_key(&key), expected.contains_key(&key));
            same(&map, &expected);
        }
        assert!(map.keys().eq(expected.keys()) && map.values().eq(expected.values()));
    }

    #[test]
    fn collecting_sorts_and_keeps_the_last_of_a_repeated_key() {
        let mut rng = Rng::new(9);
        for n in [0, 1, 2, 3, 10, 100, 1000] {
            let pairs: Vec<(u32, u32)> = (0..n).map(|i| (rng.below(n.max(1) / 2 + 1), i)).collect();
            let map: VecMap<u32, u32> = pairs.iter().copied().collect();
            let expected: BTreeMap<u32, u32> = pairs.iter().copied().collect();
            same(&map, &expected);
            let set: VecSet<u32> = pairs.iter().map(|p| p.0).collect();
            let expected: BTreeSet<u32> = pairs.iter().map(|p| p.0).collect();
            assert!(set.iter().eq(expected.iter()), "n = {n}");
        }
    }

    #[test]
    fn sets_behave_like_btree_sets() {
        let mut rng = Rng::new(5);
        let (mut set, mut expected) = (VecSet::new(), BTreeSet::new());
        for _ in 0..2000 {
            let v = rng.below(40);
            match rng.below(3) {
                0 => assert_eq!(set.insert(v), expected.insert(v)),
                1 => assert_eq!(set.remove(&v), expected.remove(&v)),
                _ => assert_eq!(set.contains(&v), expected.contains(&v)),
            }
            assert!(set.iter().eq(expected.iter()));
        }
    }

    #[test]
    fn files_read_and_write_it_as_a_map_in_key_order() {
        let map: VecMap<String, u32> = [("b".to_string(), 2), ("a".to_string(), 1)].into();
        assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"a":1,"b":2}"#);
        let back: VecMap<String, u32> = serde_json::from_str(r#"{"b":2,"a":1}"#).unwrap();
        assert_eq!(back, map);
        // Keys out of order are sorted; a repeated key keeps its last value, as
        // `BTreeMap` does (the file readers report the repetition separately).
        let text = format!(
            "{{{}}}",
            (0..300)
                .rev()
                .map(|i| format!("\"k{i:03}\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let many: VecMap<String, u32> = serde_json::from_str(&text).unwrap();
        let expected: BTreeMap<String, u32> = serde_json::from_str(&text).unwrap();
        same(&many, &expected);
        let repeated: VecMap<String, u32> = serde_json::from_str(r#"{"a":1,"b":3,"a":2}"#).unwrap();
        assert_eq!(
            repeated,
            [("a".to_string(), 2), ("b".to_string(), 3)].into()
        );
        let e = serde_json::from_str::<VecMap<String, u32>>("[1]").unwrap_err();
        assert!(e.to_string().contains("expected a map"), "{e}");
    }
}
