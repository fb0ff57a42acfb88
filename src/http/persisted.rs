//! Automatic persisted queries (Apollo's protocol): a client sends only
//! the SHA-256 of its query (`extensions.persistedQuery.sha256Hash`), so a
//! GET URL stays short and cacheable; when the server does not know the
//! hash it answers `PERSISTED_QUERY_NOT_FOUND` and the client sends the
//! query once with its hash. Each process keeps its own bounded store, so
//! many processes need not share it: an unknown hash costs one retry. With
//! trusted documents ([`super::trusted`]), callers held to them teach the
//! store nothing.

use crate::pipeline::bounded::BoundedMap;
use std::sync::Arc;

/// The queries this process has seen, by hash, oldest dropped first.
pub struct PersistedQueries {
    queries: BoundedMap<Arc<str>>,
}

impl PersistedQueries {
    /// A store holding at most `capacity` queries.
    pub fn new(capacity: usize) -> Self {
        PersistedQueries {
            queries: BoundedMap::new(capacity, usize::MAX),
        }
    }

    /// The query with this hash, if seen.
    pub fn get(&self, hash: &str) -> Option<Arc<str>> {
        self.queries.get(hash)
    }

    /// Remembers `query` under its hash.
    pub fn insert(&self, hash: &str, query: &str) {
        self.queries.insert(hash, Arc::from(query), query.len());
    }
}

pub use crate::domain::vocabulary::sha256_hex;

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
