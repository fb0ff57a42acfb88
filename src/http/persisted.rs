//! Automatic persisted queries (Apollo's protocol): a client sends only
//! the SHA-256 of its query (`extensions.persistedQuery.sha256Hash`), so a
//! GET URL stays short and cacheable; when the server does not know the
//! hash it answers `PERSISTED_QUERY_NOT_FOUND` and the client sends the
//! query once with its hash. Each process keeps its own bounded store, so
//! many stateless processes need no shared state: an unknown hash costs
//! one retry.

use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Queries by hash, and the hashes in the order they came.
type Store = (HashMap<String, Arc<str>>, VecDeque<String>);

/// The queries this process has seen, by hash, oldest dropped first.
#[derive(Default)]
pub struct PersistedQueries {
    capacity: usize,
    store: Mutex<Store>,
}

impl PersistedQueries {
    /// A store holding at most `capacity` queries.
    pub fn new(capacity: usize) -> Self {
        PersistedQueries {
            capacity,
            store: Mutex::default(),
        }
    }

    /// The query with this hash, if seen.
    pub fn get(&self, hash: &str) -> Option<Arc<str>> {
        self.store.lock().ok()?.0.get(hash).cloned()
    }

    /// Remembers `query` under its hash.
    pub fn insert(&self, hash: &str, query: &str) {
        if self.capacity == 0 {
            return;
        }
        let Ok(mut guard) = self.store.lock() else {
            return;
        };
        let (queries, order) = &mut *guard;
        if queries.contains_key(hash) {
            return;
        }
        while queries.len() >= self.capacity {
            match order.pop_front() {
                Some(oldest) => queries.remove(&oldest),
                None => break,
            };
        }
        queries.insert(hash.to_owned(), Arc::from(query));
        order.push_back(hash.to_owned());
    }
}

/// The lowercase hex SHA-256 of `text`.
pub fn sha256_hex(text: &[u8]) -> String {
    Sha256::digest(text)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_by_hash_and_forgets_the_oldest() {
        let store = PersistedQueries::new(2);
        store.insert("a", "{ a }");
        store.insert("b", "{ b }");
        store.insert("c", "{ c }");
        assert!(store.get("a").is_none());
        assert_eq!(store.get("c").as_deref(), Some("{ c }"));
        assert_eq!(sha256_hex(b"{ __typename }").len(), 64);
    }
}
