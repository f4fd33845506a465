//! A bounded in-memory cache for responses that never change while the
//! process runs (the dataset is immutable after load).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;

/// A map that stops accepting new entries once `capacity` entries or
/// `max_bytes` of weighted values are held (no eviction: the working set of a
/// district is small, and a full cache only means later entries are rendered
/// each time).
pub struct BoundedCache<K, V> {
    map: RwLock<(HashMap<K, V>, usize)>,
    capacity: usize,
    max_bytes: usize,
}

impl<K: Eq + Hash, V: Clone> BoundedCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self::with_budget(capacity, usize::MAX)
    }

    /// A cache holding at most `capacity` entries and `max_bytes` in total,
    /// as counted by [`BoundedCache::insert_weighted`].
    pub fn with_budget(capacity: usize, max_bytes: usize) -> Self {
        BoundedCache { map: RwLock::new((HashMap::new(), 0)), capacity, max_bytes }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.map.read().ok()?.0.get(key).cloned()
    }

    /// Insert unless full; returns the value either way.
    pub fn insert(&self, key: K, value: V) -> V {
        self.insert_weighted(key, value, 0)
    }

    /// Insert a value that weighs `bytes` unless the cache is full.
    pub fn insert_weighted(&self, key: K, value: V, bytes: usize) -> V {
        if let Ok(mut guard) = self.map.write() {
            let (map, used) = &mut *guard;
            if map.len() < self.capacity && used.saturating_add(bytes) <= self.max_bytes && !map.contains_key(&key) {
                map.insert(key, value.clone());
                *used += bytes;
            }
        }
        value
    }

    /// Bytes held, as counted by [`BoundedCache::insert_weighted`].
    pub fn bytes(&self) -> usize {
        self.map.read().map(|m| m.1).unwrap_or(0)
    }

    /// The cached value, or `make()` (cached when it succeeds).
    pub fn get_or_try<E>(&self, key: K, make: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        Ok(self.insert(key, make()?))
    }

    /// Like [`BoundedCache::get_or_try`], counting `weigh(&value)` bytes
    /// against the budget.
    pub fn get_or_try_weighted<E>(&self, key: K, make: impl FnOnce() -> Result<V, E>, weigh: impl FnOnce(&V) -> usize) -> Result<V, E> {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        let v = make()?;
        let bytes = weigh(&v);
        Ok(self.insert_weighted(key, v, bytes))
    }

    pub fn len(&self) -> usize {
        self.map.read().map(|m| m.0.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Bytes a report holds in memory (cells, text and column names), for the
/// cache budget.
pub fn report_bytes(r: &crate::report::Report) -> usize {
    let cell = std::mem::size_of::<crate::report::Cell>();
    let text: usize = r
        .rows
        .iter()
        .flatten()
        .map(|c| match c {
            crate::report::Cell::Text(Some(t)) => t.capacity(),
            _ => 0,
        })
        .sum();
    let rows = r.rows.len() * std::mem::size_of::<Vec<crate::report::Cell>>();
    let names: usize = r.columns.iter().map(|c| c.capacity() + std::mem::size_of::<String>()).sum();
    r.rows.iter().map(Vec::capacity).sum::<usize>() * cell + text + rows + names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_growing_at_capacity() {
        let c = BoundedCache::new(2);
        for i in 0..5 {
            assert_eq!(c.insert(i, i * 10), i * 10);
        }
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&0), Some(0));
        assert_eq!(c.get(&4), None);
        assert_eq!(c.get_or_try::<()>(4, || Ok(40)), Ok(40));
    }

    #[test]
    fn stops_growing_at_the_byte_budget() {
        let c = BoundedCache::with_budget(100, 10);
        c.insert_weighted(1, 'a', 6);
        c.insert_weighted(2, 'b', 6);
        c.insert_weighted(3, 'c', 4);
        assert_eq!((c.get(&1), c.get(&2), c.get(&3)), (Some('a'), None, Some('c')));
        assert_eq!(c.bytes(), 10);
        assert_eq!(c.get_or_try_weighted::<()>(4, || Ok('d'), |_| 1), Ok('d'));
        assert_eq!(c.get(&4), None, "over the budget: answered, not kept");
    }
}
