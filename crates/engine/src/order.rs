//! Sorting for the few places that sort, without the standard library's sorts. Each of
//! `sort`, `sort_by` and `sort_unstable` brings several kilobytes of code per element
//! type into the browser bundle (together about 7 KB gzipped). Here every sort packs
//! its items into `u128` values (a 64-bit key above a 32-bit position or payload) and
//! one small merge sort orders those. A key above the item's position makes every
//! value distinct, so the order is stable and the same on every platform.

/// Sorts `v` in ascending order: a bottom-up merge sort, O(n log n), stable.
fn merge_sort(v: &mut [u128]) {
    let n = v.len();
    let mut from = v.to_vec();
    let mut to = vec![0u128; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            for slot in &mut to[start..end] {
                // Take from the left run while it is not larger: equal values keep
                // their order.
                if i < mid && (j >= end || from[i] <= from[j]) {
                    *slot = from[i];
                    i += 1;
                } else {
                    *slot = from[j];
                    j += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut from, &mut to);
        width *= 2;
    }
    v.copy_from_slice(&from);
}

/// Sorts `items` by `key`, ascending; items with equal keys keep their order.
pub fn sort_by_key<T>(items: &mut Vec<T>, key: impl Fn(&T) -> u64) {
    let mut packed: Vec<u128> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (key(item) as u128) << 32 | i as u128)
        .collect();
    merge_sort(&mut packed);
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    items.extend(
        packed
            .iter()
            .filter_map(|&p| slots[(p as u32) as usize].take()),
    );
}

/// Sorts whole numbers in ascending order.
pub fn sort_u32(v: &mut [u32]) {
    let mut packed: Vec<u128> = v.iter().map(|&x| x as u128).collect();
    merge_sort(&mut packed);
    for (x, p) in v.iter_mut().zip(packed) {
        *x = p as u32;
    }
}

/// Sorts pairs by their first number, then their second.
pub fn sort_pairs(v: &mut [(u64, u32)]) {
    let mut packed: Vec<u128> = v
        .iter()
        .map(|&(a, b)| (a as u128) << 32 | b as u128)
        .collect();
    merge_sort(&mut packed);
    for (x, p) in v.iter_mut().zip(packed) {
        *x = ((p >> 32) as u64, p as u32);
    }
}

/// A key for `x` whose order as a whole number is `f64::total_cmp`'s: negative numbers
/// have their bits inverted, the others their sign bit set.
pub fn f64_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn sorts_agree_with_the_standard_librarys() {
        let mut rng = Rng::new(11);
        for n in [0usize, 1, 2, 3, 7, 8, 9, 100, 1000, 1025] {
            // Few distinct keys, so that stability is tested.
            let mut items: Vec<(u64, usize)> = (0..n).map(|i| ((rng.next_u64() % 7), i)).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|p| p.0);
            sort_by_key(&mut items, |p| p.0);
            assert_eq!(items, expected, "n = {n}");

            let mut xs: Vec<u32> = (0..n).map(|_| rng.next_u64() as u32).collect();
            let mut expected = xs.clone();
            expected.sort_unstable();
            sort_u32(&mut xs);
            assert_eq!(xs, expected, "n = {n}");

            let mut pairs: Vec<(u64, u32)> = (0..n)
                .map(|_| (rng.next_u64() % 5 * (u64::MAX / 5), rng.next_u64() as u32))
                .collect();
            let mut expected = pairs.clone();
            expected.sort_unstable();
            sort_pairs(&mut pairs);
            assert_eq!(pairs, expected, "n = {n}");
        }
    }

    #[test]
    fn float_keys_order_as_total_cmp() {
        let mut rng = Rng::new(3);
        let mut xs = vec![
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            1.0,
            -1.0,
            f64::MAX,
            f64::MIN,
        ];
        xs.extend((0..200).map(|_| (rng.next_f64() - 0.5) * 1e6));
        for a in &xs {
            for b in &xs {
                assert_eq!(f64_key(*a).cmp(&f64_key(*b)), a.total_cmp(b), "{a} {b}");
            }
        }
    }
}
