//! The small tables nearly every page refers to (institutions, speakers,
//! specialties and their texts), held in memory and shared by every request
//! of the process, so a page reads them without a statement each.
//!
//! Fresh within the data version's poll interval: a request uses the
//! catalog of the version the process's [`DataVersionWatch`] last read,
//! reloading it first when that version moved. A row the request holds may
//! name a hospital, speaker or specialty written since that read (the
//! other rows come straight from the database): a lookup that misses reads
//! the version now and reloads, so a new row is never missing. Without a
//! watch (`--data-version-poll-ms 0`) every request reads the version (one
//! indexed one-row statement). The catalog is read in one snapshot
//! together with the version it is tagged with. These tables stay small
//! (hospitals, speakers, specialties: thousands of rows at most), so a
//! reload after a write costs a few statements and milliseconds.

use super::batch::{all, group_by};
use super::data_version::{self, DataVersionWatch};
use entity::{
    institution, institution_translation, speaker, speaker_translation, specialty,
    specialty_translation,
};
use sea_orm::{AccessMode, DatabaseConnection, DbBackend, DbErr, IsolationLevel, TransactionTrait};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Rows by id, and texts by owner id, of one data version.
#[derive(Debug, Default)]
pub struct Catalog {
    /// The data version these rows are of.
    pub version: i64,
    /// Institutions by id.
    pub institutions: HashMap<i32, Arc<institution::Model>>,
    /// Institutions' texts, by institution id.
    pub institution_texts: HashMap<i32, Arc<Vec<institution_translation::Model>>>,
    /// Speakers by id.
    pub speakers: HashMap<i32, Arc<speaker::Model>>,
    /// Speakers' texts, by speaker id.
    pub speaker_texts: HashMap<i32, Arc<Vec<speaker_translation::Model>>>,
    /// Specialties by id.
    pub specialties: HashMap<i32, Arc<specialty::Model>>,
    /// Specialties' names, by specialty id.
    pub specialty_texts: HashMap<i32, Arc<Vec<specialty_translation::Model>>>,
}

impl Catalog {
    /// Reads the catalog and its version in one snapshot.
    pub async fn load(db: &DatabaseConnection) -> Result<Catalog, DbErr> {
        let isolation = match db.get_database_backend() {
            DbBackend::Postgres => Some(IsolationLevel::RepeatableRead),
            _ => None,
        };
        let txn = db
            .begin_with_config(isolation, Some(AccessMode::ReadOnly))
            .await?;
        let catalog = Catalog {
            version: data_version::read(&txn).await?,
            institutions: by_id(all(&txn, &[institution::Column::Id]).await?, |r| r.id),
            institution_texts: texts(
                all(&txn, &[institution_translation::Column::Lang]).await?,
                |r| r.institution_id,
            ),
            speakers: by_id(all(&txn, &[speaker::Column::Id]).await?, |r| r.id),
            speaker_texts: texts(
                all(&txn, &[speaker_translation::Column::Lang]).await?,
                |r| r.speaker_id,
            ),
            specialties: by_id(all(&txn, &[specialty::Column::Id]).await?, |r| r.id),
            specialty_texts: texts(
                all(&txn, &[specialty_translation::Column::Lang]).await?,
                |r| r.specialty_id,
            ),
        };
        txn.commit().await?;
        Ok(catalog)
    }
}

/// Rows by id, shared: a page hands out the same row many times.
fn by_id<T>(rows: Vec<T>, id: impl Fn(&T) -> i32) -> HashMap<i32, Arc<T>> {
    rows.into_iter()
        .map(|row| (id(&row), Arc::new(row)))
        .collect()
}

fn texts<T>(rows: Vec<T>, owner: impl Fn(&T) -> i32) -> HashMap<i32, Arc<Vec<T>>> {
    group_by(rows, owner)
        .into_iter()
        .map(|(id, rows)| (id, Arc::new(rows)))
        .collect()
}

/// The process's catalog, reloaded when the data version moves.
#[derive(Default)]
pub struct SharedCatalog {
    current: RwLock<Option<Arc<Catalog>>>,
    reload: tokio::sync::Mutex<()>,
    watch: Option<Arc<DataVersionWatch>>,
}

impl SharedCatalog {
    /// A catalog following `watch`'s version, or, without one, the version
    /// read at every request.
    pub fn new(watch: Option<Arc<DataVersionWatch>>) -> Self {
        SharedCatalog {
            watch,
            ..SharedCatalog::default()
        }
    }

    /// The catalog a request reads: of the version the watch last read (no
    /// statement), else of the version now (see [`SharedCatalog::latest`]).
    pub async fn current(&self, db: &DatabaseConnection) -> Result<Arc<Catalog>, DbErr> {
        match self.watch.as_ref().and_then(|watch| watch.current()) {
            Some(version) => self.of_version_or_reload(db, version).await,
            None => self.latest(db).await,
        }
    }

    /// The catalog of the data version now: one statement to read the
    /// version, plus a reload when it moved since the last one.
    pub async fn latest(&self, db: &DatabaseConnection) -> Result<Arc<Catalog>, DbErr> {
        let version = data_version::read(db).await?;
        self.of_version_or_reload(db, version).await
    }

    /// The catalog after a write this process committed: the watch (and
    /// so the response cache) learns the new version at once, and the
    /// catalog is of it.
    pub async fn after_write(&self, db: &DatabaseConnection) -> Result<Arc<Catalog>, DbErr> {
        if let Some(watch) = &self.watch {
            watch.refresh(db).await;
        }
        self.latest(db).await
    }

    /// The catalog of `version` or newer (reloaded when older).
    pub async fn at_least(
        &self,
        db: &DatabaseConnection,
        version: i64,
    ) -> Result<Arc<Catalog>, DbErr> {
        self.of_version_or_reload(db, version).await
    }

    async fn of_version_or_reload(
        &self,
        db: &DatabaseConnection,
        version: i64,
    ) -> Result<Arc<Catalog>, DbErr> {
        if let Some(catalog) = self.of_version(version) {
            return Ok(catalog);
        }
        // One reload at a time; requests that waited find it done.
        let _reloading = self.reload.lock().await;
        if let Some(catalog) = self.of_version(version) {
            return Ok(catalog);
        }
        let catalog = Arc::new(Catalog::load(db).await?);
        if let Ok(mut current) = self.current.write() {
            *current = Some(catalog.clone());
        }
        Ok(catalog)
    }

    /// The catalog held, when it is of `version` or newer.
    fn of_version(&self, version: i64) -> Option<Arc<Catalog>> {
        let current = self.current.read().ok()?;
        current.clone().filter(|catalog| catalog.version >= version)
    }
}
