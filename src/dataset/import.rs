//! `medexchange import`: an idempotent upsert by slug, in one transaction.
//!
//! Each entity named in the file is inserted or updated in place (its id
//! stays stable); its texts, aliases, participants, specialties, talks and
//! photos are replaced by the file's, and its search documents rebuilt in
//! the same transaction. Entities the file does not name are
//! left alone. Slugs the file refers to but does not define must already be
//! in the database. Any error rolls everything back. The rows are written
//! by [`Writer`], the write path the mutations share.

use super::DatasetError;
use crate::domain::record::Dataset;
use crate::store::DatabaseConnection;
use crate::store::history::Action;
use crate::store::records;
use crate::store::writer::Writer;

/// What an import wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Specialties written.
    pub specialties: usize,
    /// Institutions written.
    pub institutions: usize,
    /// Speakers written.
    pub speakers: usize,
    /// Exchanges written.
    pub exchanges: usize,
    /// Aid shipments written.
    pub aid_shipments: usize,
    /// News items written.
    pub news: usize,
    /// Photos written.
    pub photos: usize,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&super::counts(&[
            (self.exchanges, "exchange", "exchanges"),
            (self.institutions, "institution", "institutions"),
            (self.speakers, "speaker", "speakers"),
            (self.specialties, "specialty", "specialties"),
            (self.photos, "photo", "photos"),
            (self.aid_shipments, "aid shipment", "aid shipments"),
            (self.news, "news item", "news items"),
        ]))
    }
}

/// Writes `dataset` (already checked by [`super::parse`]) in one transaction.
pub async fn import(
    db: &DatabaseConnection,
    dataset: &Dataset,
    source_name: &str,
) -> Result<ImportSummary, DatasetError> {
    let txn = records::begin(db).await?;
    let actor = format!("import {source_name}");
    let mut writer = Writer::new(&txn, source_name, actor, Action::Import);
    let summary = writer.write(dataset).await?;
    records::commit(txn).await?;
    Ok(summary)
}
