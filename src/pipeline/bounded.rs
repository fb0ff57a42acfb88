//! A map bounded in entries and in total weight (bytes), dropping the
//! oldest entries first: what a process remembers per request shape
//! (persisted queries, cached answers) cannot grow without limit.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Values by key, oldest dropped first.
pub struct BoundedMap<V> {
    max_entries: usize,
    max_weight: usize,
    inner: Mutex<Inner<V>>,
}

struct Inner<V> {
    values: HashMap<String, (V, usize)>,
    order: VecDeque<String>,
    weight: usize,
}

impl<V: Clone> BoundedMap<V> {
    /// A map of at most `max_entries` entries weighing `max_weight` together.
    pub fn new(max_entries: usize, max_weight: usize) -> Self {
        BoundedMap {
            max_entries,
            max_weight,
            inner: Mutex::new(Inner {
                values: HashMap::new(),
                order: VecDeque::new(),
                weight: 0,
            }),
        }
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<V> {
        let inner = self.inner.lock().ok()?;
        inner.values.get(key).map(|(value, _)| value.clone())
    }

    /// Remembers `value` under `key` (kept if already there); a value heavier
    /// than the whole map may weigh is not remembered.
    pub fn insert(&self, key: &str, value: V, weight: usize) {
        if self.max_entries == 0 || weight > self.max_weight {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.values.contains_key(key) {
            return;
        }
        while inner.values.len() >= self.max_entries || inner.weight + weight > self.max_weight {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some((_, dropped)) = inner.values.remove(&oldest) {
                inner.weight -= dropped;
            }
        }
        inner.values.insert(key.to_owned(), (value, weight));
        inner.order.push_back(key.to_owned());
        inner.weight += weight;
    }

    /// The most entries it may hold (0: it holds nothing).
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |inner| inner.values.len())
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_go_first_when_entries_or_weight_run_out() {
        let map = BoundedMap::new(2, 10);
        map.insert("a", 1, 4);
        map.insert("b", 2, 4);
        map.insert("c", 3, 4);
        assert_eq!(
            (map.get("a"), map.get("b"), map.get("c")),
            (None, Some(2), Some(3))
        );
        map.insert("d", 4, 9);
        assert_eq!(
            (map.get("b"), map.get("c"), map.get("d")),
            (None, None, Some(4))
        );
        map.insert("e", 5, 11);
        assert_eq!(map.get("e"), None, "heavier than the whole map");
        assert_eq!(map.len(), 1);
    }
}
