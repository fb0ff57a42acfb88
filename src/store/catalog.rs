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
//! together with the version it is tagged with. After a write it is not
//! read whole again but brought up to date from the change log (only the
//! records the changes name are read): a million generated exchanges come
//! with 20,000 hospitals and 50,000 speakers, half a second to read whole.
//! A bulk write (see [`Marks::reload_version`]) reads it whole.

use super::batch::{all, group_by};
use super::connection::read_snapshot as snapshot;
use super::data_version::{self, DataVersionWatch, Marks};
use entity::{
    institution, institution_translation, speaker, speaker_translation, specialty,
    specialty_translation,
};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Rows by id, and texts by owner id, of one data version.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    /// The data version these rows are of.
    pub version: i64,
    /// Where the archive stood when they were read (see [`Catalog::updated`]).
    marks: Marks,
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

/// Reads again the rows (and their texts) of one table of the catalog
/// with these ids; rows gone are removed.
macro_rules! reread {
    ($catalog:ident, $db:expr, $ids:expr, $rows:ident, $texts:ident, $table:ident,
     $text_table:ident, $owner:ident, $owner_field:ident) => {
        if !$ids.is_empty() {
            for id in $ids.iter() {
                $catalog.$rows.remove(id);
                $catalog.$texts.remove(id);
            }
            let rows = $table::Entity::find()
                .filter($table::Column::Id.is_in($ids.iter().copied()))
                .all($db)
                .await?;
            $catalog.$rows.extend(by_id(rows, |r| r.id));
            let text_rows = $text_table::Entity::find()
                .filter($text_table::Column::$owner.is_in($ids.iter().copied()))
                .order_by_asc($text_table::Column::Lang)
                .all($db)
                .await?;
            $catalog.$texts.extend(texts(text_rows, |r| r.$owner_field));
        }
    };
}

impl Catalog {
    /// Reads the catalog and its version in one snapshot.
    pub async fn load(db: &DatabaseConnection) -> Result<Catalog, DbErr> {
        let txn = snapshot(db).await?;
        let marks = data_version::marks(&txn).await?;
        let catalog = Catalog {
            version: marks.version,
            marks,
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

    /// The catalog brought to the data version now from the changes
    /// logged since it was read: only the hospitals, speakers and
    /// specialties they name are read again (with 20,000 hospitals and
    /// 50,000 speakers a whole read takes half a second). `None` when the
    /// changes cannot be applied one by one (a bulk write, or too many).
    pub async fn updated(&self, db: &DatabaseConnection) -> Result<Option<Catalog>, DbErr> {
        let txn = snapshot(db).await?;
        let (marks, changes) = data_version::logged_since(&txn, &self.marks, MOST_CHANGES).await?;
        let Some(changes) = changes else {
            return Ok(None);
        };
        let named = |kind: &str| -> Vec<i32> {
            changes
                .iter()
                .filter(|(k, ..)| k == kind)
                .map(|(_, id, _)| *id)
                .collect()
        };
        let mut catalog = self.clone();
        let ids = named("Institution");
        reread!(
            catalog,
            &txn,
            &ids,
            institutions,
            institution_texts,
            institution,
            institution_translation,
            InstitutionId,
            institution_id
        );
        let ids = named("Speaker");
        reread!(
            catalog,
            &txn,
            &ids,
            speakers,
            speaker_texts,
            speaker,
            speaker_translation,
            SpeakerId,
            speaker_id
        );
        let ids = named("Specialty");
        reread!(
            catalog,
            &txn,
            &ids,
            specialties,
            specialty_texts,
            specialty,
            specialty_translation,
            SpecialtyId,
            specialty_id
        );
        (catalog.version, catalog.marks) = (marks.version, marks);
        txn.commit().await?;
        Ok(Some(catalog))
    }
}

/// The most logged changes applied one by one; beyond, the catalog is
/// read whole again.
const MOST_CHANGES: u64 = 2_000;

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
    /// Where it is read from: the primary, whose data version the watch
    /// follows (requests may read their rows from standbys that have
    /// replayed at least that version; see [`super::replicas`]).
    db: DatabaseConnection,
}

impl SharedCatalog {
    /// A catalog read from `db`, following `watch`'s version, or, without
    /// one, the version read at every request.
    pub fn new(db: DatabaseConnection, watch: Option<Arc<DataVersionWatch>>) -> Self {
        SharedCatalog {
            watch,
            db,
            ..SharedCatalog::default()
        }
    }

    /// The catalog a request reads: of the version the watch last read (no
    /// statement), else of the version now (see [`SharedCatalog::latest`]).
    /// While the primary cannot be read, the catalog held (if any): queries
    /// go on from standbys (see [`super::replicas`]), with the hospitals,
    /// speakers and specialties as they were when the primary was last read.
    pub async fn current(&self) -> Result<Arc<Catalog>, DbErr> {
        let watched = self.watch.as_ref().map(|watch| watch.current());
        // The watch's last read failed: the primary is not tried again for
        // each request (a refused connection is retried for seconds).
        if let (Some(None), Some(held)) = (watched, self.held()) {
            return Ok(held);
        }
        let read = match watched.flatten() {
            Some(version) => self.of_version_or_reload(version).await,
            None => self.latest().await,
        };
        match (read, self.held()) {
            (Err(error), Some(held)) => {
                tracing::debug!(%error, "the catalog cannot be read again: serving the one held");
                Ok(held)
            }
            (read, _) => read,
        }
    }

    fn held(&self) -> Option<Arc<Catalog>> {
        self.current.read().ok().and_then(|c| c.clone())
    }

    /// The catalog of the data version now: one statement to read the
    /// version, plus a reload when it moved since the last one.
    pub async fn latest(&self) -> Result<Arc<Catalog>, DbErr> {
        let version = data_version::read(&self.db).await?;
        self.of_version_or_reload(version).await
    }

    /// The catalog after a write this process committed: the watch (and
    /// so the response cache) learns the new version at once, and the
    /// catalog is of it.
    pub async fn after_write(&self) -> Result<Arc<Catalog>, DbErr> {
        if let Some(watch) = &self.watch {
            watch.refresh(&self.db).await;
        }
        self.latest().await
    }

    /// The catalog of `version` or newer (reloaded when older).
    pub async fn at_least(&self, version: i64) -> Result<Arc<Catalog>, DbErr> {
        self.of_version_or_reload(version).await
    }

    async fn of_version_or_reload(&self, version: i64) -> Result<Arc<Catalog>, DbErr> {
        let db = &self.db;
        if let Some(catalog) = self.of_version(version) {
            return Ok(catalog);
        }
        // One reload at a time; requests that waited find it done.
        let _reloading = self.reload.lock().await;
        if let Some(catalog) = self.of_version(version) {
            return Ok(catalog);
        }
        let updated = match self.held() {
            Some(held) => held.updated(db).await?,
            None => None,
        };
        let catalog = Arc::new(match updated {
            Some(catalog) => catalog,
            None => Catalog::load(db).await?,
        });
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
