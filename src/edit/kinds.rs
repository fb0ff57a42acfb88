//! The kinds of record an editor writes, each in its dataset format: where
//! it is stored, its rules, how it is read back and written.

use super::{EditError, Meta};
use crate::dataset::DatasetError;
use crate::dataset::export::{self, ExportError};
use crate::domain::record::{
    AidShipment, Exchange, Institution, NewsItem, Photo, Speaker, Specialty,
};
use crate::domain::rules::{self, Violations};
use crate::domain::vocabulary::Role;
use crate::store::DatabaseTransaction;
use crate::store::history::RecordType;
use crate::store::records::{self, PhotoOwner};
use crate::store::rows::{
    aid_shipment, exchange, institution, news_item, photo, speaker, specialty,
};
use crate::store::search_index::{DocKind, Owners};
use crate::store::snapshot::Rows;
use crate::store::writer::Writer;
use std::future::Future;

/// A kind of record an editor writes.
pub trait Record: Clone + Send + Sync + Sized {
    /// Its type in history and ids.
    const TYPE: RecordType;
    /// The least role that may create, change, delete and restore it.
    const EDITED_BY: Role = Role::Editor;
    /// The table it is stored in.
    type Entity: records::Slugged;

    /// Its slug.
    fn slug(&self) -> &str;
    /// The rules it breaks (none when it may be written).
    fn rules(&self) -> Violations;
    /// The record in rows read by [`Rows::read_one`].
    fn from_rows(rows: &Rows) -> Result<Option<Self>, ExportError>;
    /// Its bookkeeping in those rows; `None` when it does not exist.
    fn meta(rows: &Rows) -> Option<Meta>;
    /// Writes it through the one write path.
    fn write(
        &self,
        writer: &mut Writer<'_>,
        meta: &Meta,
    ) -> impl Future<Output = Result<(), DatasetError>> + Send;
    /// What an edit keeps of the record as it was `before` (an
    /// institution's old names, as aliases).
    /// Whatever a change implies beyond what the writer set; the rules a
    /// change (not the record alone) breaks.
    fn changed_from(&mut self, _before: &Self) -> Violations {
        Violations::new()
    }
    /// Its search documents and those of what it owns (its photos).
    fn indexed(
        _txn: &DatabaseTransaction,
        _id: i32,
    ) -> impl Future<Output = Result<Vec<(DocKind, Owners)>, EditError>> + Send {
        async { Ok(Vec::new()) }
    }
}

/// The bookkeeping of a stored row: id, version, deletion.
macro_rules! meta_of {
    ($row:expr) => {
        $row.map(|row| Meta {
            id: row.id,
            version: row.version,
            deleted: row.deleted_at.is_some(),
            ..Meta::default()
        })
    };
}

impl Record for Institution {
    const TYPE: RecordType = RecordType::Institution;
    type Entity = institution::Entity;

    fn slug(&self) -> &str {
        &self.slug
    }
    fn rules(&self) -> Violations {
        rules::institution(self)
    }
    fn from_rows(rows: &Rows) -> Result<Option<Self>, ExportError> {
        Ok(export::dataset_of(rows)?.institutions.pop())
    }
    fn meta(rows: &Rows) -> Option<Meta> {
        meta_of!(rows.institutions.first())
    }
    async fn write(&self, writer: &mut Writer<'_>, _: &Meta) -> Result<(), DatasetError> {
        writer.institution(self, &self.slug).await
    }
    /// A name replaced in a language stays findable: the old spelling
    /// joins the aliases (unless it is one already, or still a name).
    fn changed_from(&mut self, before: &Self) -> Violations {
        for (lang, old) in &before.name {
            let kept = self.name.values().any(|name| name == old);
            if self.name.get(lang) != Some(old) && !kept && !self.aliases.contains(old) {
                self.aliases.push(old.clone());
            }
        }
        rules::renamed(&before.name, &self.name, &before.reading, &mut self.reading)
    }
    async fn indexed(
        _: &DatabaseTransaction,
        id: i32,
    ) -> Result<Vec<(DocKind, Owners)>, EditError> {
        Ok(vec![(DocKind::Institution, Owners::Ids(vec![id]))])
    }
}

impl Record for Speaker {
    const TYPE: RecordType = RecordType::Speaker;
    type Entity = speaker::Entity;

    fn slug(&self) -> &str {
        &self.slug
    }
    fn rules(&self) -> Violations {
        rules::speaker(self)
    }
    fn changed_from(&mut self, before: &Self) -> Violations {
        rules::renamed(&before.name, &self.name, &before.reading, &mut self.reading)
    }
    fn from_rows(rows: &Rows) -> Result<Option<Self>, ExportError> {
        Ok(export::dataset_of(rows)?.speakers.pop())
    }
    fn meta(rows: &Rows) -> Option<Meta> {
        meta_of!(rows.speakers.first())
    }
    async fn write(&self, writer: &mut Writer<'_>, _: &Meta) -> Result<(), DatasetError> {
        writer.speaker(self, &self.slug).await
    }
    async fn indexed(
        _: &DatabaseTransaction,
        id: i32,
    ) -> Result<Vec<(DocKind, Owners)>, EditError> {
        Ok(vec![(DocKind::Speaker, Owners::Ids(vec![id]))])
    }
}

impl Record for Specialty {
    const TYPE: RecordType = RecordType::Specialty;
    const EDITED_BY: Role = Role::Admin;
    type Entity = specialty::Entity;

    fn slug(&self) -> &str {
        &self.slug
    }
    fn rules(&self) -> Violations {
        rules::specialty(self)
    }
    fn from_rows(rows: &Rows) -> Result<Option<Self>, ExportError> {
        Ok(export::dataset_of(rows)?.specialties.pop())
    }
    fn meta(rows: &Rows) -> Option<Meta> {
        meta_of!(rows.specialties.first())
    }
    async fn write(&self, writer: &mut Writer<'_>, _: &Meta) -> Result<(), DatasetError> {
        writer.specialty(self, &self.slug).await
    }
    async fn indexed(
        _: &DatabaseTransaction,
        id: i32,
    ) -> Result<Vec<(DocKind, Owners)>, EditError> {
        Ok(vec![(DocKind::Specialty, Owners::Ids(vec![id]))])
    }
}

impl Record for Exchange {
    const TYPE: RecordType = RecordType::Exchange;
    type Entity = exchange::Entity;

    fn slug(&self) -> &str {
        &self.slug
    }
    fn rules(&self) -> Violations {
        rules::exchange(self)
    }
    fn from_rows(rows: &Rows) -> Result<Option<Self>, ExportError> {
        Ok(export::dataset_of(rows)?.exchanges.pop())
    }
    fn meta(rows: &Rows) -> Option<Meta> {
        meta_of!(rows.exchanges.first())
    }
    async fn write(&self, writer: &mut Writer<'_>, _: &Meta) -> Result<(), DatasetError> {
        writer.exchange(self, &self.slug).await.map(drop)
    }
    async fn indexed(
        txn: &DatabaseTransaction,
        id: i32,
    ) -> Result<Vec<(DocKind, Owners)>, EditError> {
        let photos = photos_of(txn, PhotoOwner::Exchange(id)).await?;
        Ok(vec![(DocKind::Exchange, Owners::Ids(vec![id])), photos])
    }
}

impl Record for AidShipment {
    const TYPE: RecordType = RecordType::AidShipment;
    type Entity = aid_shipment::Entity;

    fn slug(&self) -> &str {
        &self.slug
    }
    fn rules(&self) -> Violations {
        rules::aid_shipment(self)
    }
    fn from_rows(rows: &Rows) -> Result<Option<Self>, ExportError> {
        Ok(export::dataset_of(rows)?.aid_shipments.pop())
    }
    fn meta(rows: &Rows) -> Option<Meta> {
        meta_of!(rows.shipments.first())
    }
    async fn write(&self, writer: &mut Writer<'_>, _: &Meta) -> Result<(), DatasetError> {
        writer.aid_shipment(self, &self.slug).await.map(drop)
    }
    async fn indexed(
        txn: &DatabaseTransaction,
        id: i32,
    ) -> Result<Vec<(DocKind, Owners)>, EditError> {
        let photos = photos_of(txn, PhotoOwner::AidShipment(id)).await?;
        Ok(vec![(DocKind::AidShipment, Owners::Ids(vec![id])), photos])
    }
}

impl Record for NewsItem {
    const TYPE: RecordType = RecordType::NewsItem;
    type Entity = news_item::Entity;

    fn slug(&self) -> &str {
        &self.slug
    }
    fn rules(&self) -> Violations {
        rules::news_item(self)
    }
    fn from_rows(rows: &Rows) -> Result<Option<Self>, ExportError> {
        Ok(export::dataset_of(rows)?.news.pop())
    }
    fn meta(rows: &Rows) -> Option<Meta> {
        let row = rows.news.first();
        meta_of!(row).map(|meta| Meta {
            position: row.map_or(0, |row| row.position),
            ..meta
        })
    }
    async fn write(&self, writer: &mut Writer<'_>, meta: &Meta) -> Result<(), DatasetError> {
        writer
            .news_item(self, meta.position, &self.slug)
            .await
            .map(drop)
    }
    async fn indexed(
        txn: &DatabaseTransaction,
        id: i32,
    ) -> Result<Vec<(DocKind, Owners)>, EditError> {
        Ok(vec![photos_of(txn, PhotoOwner::NewsItem(id)).await?])
    }
}

impl Record for Photo {
    const TYPE: RecordType = RecordType::Photo;
    type Entity = photo::Entity;

    fn slug(&self) -> &str {
        &self.slug
    }
    fn rules(&self) -> Violations {
        rules::photo(self)
    }
    fn from_rows(rows: &Rows) -> Result<Option<Self>, ExportError> {
        Ok(export::photos_of(rows)?.pop())
    }
    fn meta(rows: &Rows) -> Option<Meta> {
        let row = rows.photos.first()?;
        let owner = match (row.exchange_id, row.aid_shipment_id, row.news_item_id) {
            (Some(id), _, _) => PhotoOwner::Exchange(id),
            (_, Some(id), _) => PhotoOwner::AidShipment(id),
            (_, _, Some(id)) => PhotoOwner::NewsItem(id),
            _ => return None,
        };
        meta_of!(Some(row)).map(|meta| Meta {
            position: row.position,
            owner: Some(owner),
            ..meta
        })
    }
    async fn write(&self, writer: &mut Writer<'_>, meta: &Meta) -> Result<(), DatasetError> {
        let Some(owner) = meta.owner else {
            return Err(DatasetError::Invalid {
                source_name: String::new(),
                place: self.slug.clone(),
                message: "a photo belongs to an exchange, an aid shipment or a news item".into(),
            });
        };
        let position = meta.position.max(0) as usize;
        writer.photo(owner, position, self, &self.slug).await
    }
    async fn indexed(
        _: &DatabaseTransaction,
        id: i32,
    ) -> Result<Vec<(DocKind, Owners)>, EditError> {
        Ok(vec![(DocKind::Photo, Owners::Ids(vec![id]))])
    }
}

/// The search documents of the photos of `owner`.
async fn photos_of(
    txn: &DatabaseTransaction,
    owner: PhotoOwner,
) -> Result<(DocKind, Owners), EditError> {
    let photos = records::photo_ids_of(txn, owner).await?;
    Ok((DocKind::Photo, Owners::Ids(photos)))
}
