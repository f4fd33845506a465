//! A bounded in-memory cache for responses that never change while the
//! process runs (the dataset is immutable after load).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;

/// A map that stops accepting new entries once `capacity` is reached (no
/// eviction: the working set of a district is small, and a full cache only
/// means later entries are rendered each time).
pub struct BoundedCache<K, V> {
    map: RwLock<HashMap<K, V>>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> BoundedCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        BoundedCache { map: RwLock::new(HashMap::new()), capacity }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.map.read().ok()?.get(key).cloned()
    }

    /// Insert unless full; returns the value either way.
    pub fn insert(&self, key: K, value: V) -> V {
        if let Ok(mut m) = self.map.write() {
            if m.len() < self.capacity {
                m.insert(key, value.clone());
            }
        }
        value
    }

    /// The cached value, or `make()` (cached when it succeeds).
    pub fn get_or_try<E>(&self, key: K, make: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        Ok(self.insert(key, make()?))
    }

    pub fn len(&self) -> usize {
        self.map.read().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
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
}
