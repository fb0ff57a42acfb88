//! The root `Query`, merged from one part per domain.

mod archive;
mod filters;
mod search;

use async_graphql::MergedObject;

/// Every way to read the archive.
#[derive(MergedObject, Default)]
pub struct Query(archive::ArchiveQuery, search::SearchQuery);
