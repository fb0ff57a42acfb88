//! The root `Query`, merged from one part per domain.

mod access;
mod archive;
mod filters;
mod history;
mod report;
mod search;
mod stats;

use async_graphql::MergedObject;
pub use filters::ExchangeFilter;

/// Every way to read the archive.
#[derive(MergedObject, Default)]
pub struct Query(
    archive::ArchiveQuery,
    search::SearchQuery,
    stats::StatsQuery,
    stats::PartnershipsQuery,
    report::ReportQuery,
    access::AccessQuery,
    history::HistoryQuery,
);
