//! Documents already parsed and held to the limits, by query text.
//!
//! Frontends send the same few queries over and over; parsing one costs
//! more than cloning its parsed form (about 5% of a list page's CPU went to
//! the parser). A document is remembered only after it passed every limit,
//! and the limits do not change while the process runs, so a remembered
//! document needs no second check. Bounded like the other per-shape memories
//! ([`BoundedMap`]): at most [`MAX_DOCUMENTS`], weighing (estimated from the
//! text) at most [`MAX_WEIGHT`] together.
//!
//! A document also remembers whether it once passed async-graphql's full
//! validation: later runs of it as a query are validated in async-graphql's
//! fast mode, the limits only (see [`crate::pipeline`]).

use crate::pipeline::bounded::BoundedMap;
use async_graphql::parser::types::ExecutableDocument;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The most documents remembered.
pub const MAX_DOCUMENTS: usize = 1_000;
/// The most they may weigh together, in bytes (each weighs
/// [`WEIGHT_PER_BYTE`] times its text).
pub const MAX_WEIGHT: usize = 64 * 1024 * 1024;
/// A parsed document's size per byte of its text, as a generous estimate.
const WEIGHT_PER_BYTE: usize = 16;

/// A document that parsed and passed the limits.
pub struct KnownDocument {
    /// The parsed document.
    pub document: ExecutableDocument,
    /// It passed async-graphql's full validation once.
    validated: AtomicBool,
}

impl KnownDocument {
    /// A document not yet validated.
    pub fn new(document: ExecutableDocument) -> Self {
        KnownDocument {
            document,
            validated: AtomicBool::new(false),
        }
    }

    /// Whether it passed async-graphql's full validation once. Its rules
    /// but one hold for the document whatever its variables; that one (an
    /// argument's value given by a variable) also fails while executing.
    pub fn validated(&self) -> bool {
        self.validated.load(Ordering::Relaxed)
    }

    /// Records that it passed async-graphql's full validation.
    pub fn mark_validated(&self) {
        self.validated.store(true, Ordering::Relaxed);
    }
}

/// Parsed documents that passed the limits, by query text.
pub struct ParsedDocuments(BoundedMap<Arc<KnownDocument>>);

impl Default for ParsedDocuments {
    fn default() -> Self {
        ParsedDocuments(BoundedMap::new(MAX_DOCUMENTS, MAX_WEIGHT))
    }
}

impl ParsedDocuments {
    /// The document of `query`, when it was parsed and passed the limits.
    pub fn get(&self, query: &str) -> Option<Arc<KnownDocument>> {
        self.0.get(query)
    }

    /// Remembers the document of `query`; call only once it passed the limits.
    pub fn insert(&self, query: &str, document: Arc<KnownDocument>) {
        let weight = query.len().saturating_mul(WEIGHT_PER_BYTE);
        self.0.insert(query, document, weight);
    }
}
