//! DataLoader keys: every hop between objects is batched, so a page of 100
//! rows costs the same number of SQL statements as a page of 1.
//!
//! One loader, [`DbLoader`], answers many small typed keys (as in Sui's
//! GraphQL service); each key names what it loads. Hospitals, speakers and
//! specialties are not loaded but read from the process's catalog
//! ([`from_catalog`]): in memory, with no batch to wait for.

use crate::graphql::error::ApiError;
use crate::graphql::lang::{self, Language, Scope};
use crate::graphql::loader;
use crate::i18n::{Lang, Translation};
use crate::store::catalog::{Catalog, SharedCatalog};
use crate::store::rows::{
    aid_shipment, aid_shipment_translation, exchange, exchange_participant, exchange_specialty,
    exchange_translation, institution_alias, news_item, news_item_translation, photo, photo_person,
    photo_translation, speaker, talk, talk_translation,
};
use crate::store::{DatabaseConnection, DbErr};
use crate::store::{batch, exchanges, translations};
use crate::telemetry::TARGET;
use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;
use tracing::Instrument;

/// Batch loads over one database pool, and the process's catalog of small
/// tables (see [`crate::store::catalog`]).
pub struct DbLoader {
    db: DatabaseConnection,
    catalog: Arc<SharedCatalog>,
    /// The catalog this request reads, fetched at its first use.
    request_catalog: OnceCell<Arc<Catalog>>,
    /// The catalog read after the request's last write, which the rest of
    /// the request reads instead.
    written_catalog: Mutex<Option<Arc<Catalog>>>,
    /// The request's span: batches run in tasks of their own, and their
    /// spans are its children (see [`crate::telemetry`]).
    span: tracing::Span,
}

impl DbLoader {
    /// A DataLoader over `db` for one request: keys asked for together share
    /// one statement, and a key is loaded at most once per request (the
    /// cache lives and dies with the request, so no answer is ever stale).
    pub fn per_request(
        db: DatabaseConnection,
        catalog: Arc<SharedCatalog>,
    ) -> DataLoader<DbLoader, HashMapCache> {
        let loader = DbLoader {
            db,
            catalog,
            request_catalog: OnceCell::new(),
            written_catalog: Mutex::new(None),
            span: tracing::Span::current(),
        };
        DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
    }

    /// The span of one batch of `keys` keys of `kind`.
    fn batch_span(&self, kind: &'static str, keys: usize) -> tracing::Span {
        tracing::info_span!(
            target: TARGET,
            parent: &self.span,
            "dataloader.batch",
            otel.name = %format_args!("load {kind}"),
            medexchange.loader = kind,
            medexchange.keys = keys,
        )
    }

    /// The catalog of the data version at this request's first use of it
    /// (or after its last write).
    async fn catalog(&self) -> Result<Arc<Catalog>, Arc<DbErr>> {
        if let Some(catalog) = self.written() {
            return Ok(catalog);
        }
        let catalog = self
            .request_catalog
            .get_or_try_init(|| self.catalog.current());
        catalog.await.cloned().map_err(Arc::new)
    }

    /// The catalog read after this request's last write, if it wrote.
    fn written(&self) -> Option<Arc<Catalog>> {
        self.written_catalog.lock().ok().and_then(|c| c.clone())
    }

    /// After a write by this request: the rest of it reads the catalog of
    /// the new data version, and the process's caches learn that version.
    pub(crate) async fn after_write(&self) -> Result<(), Arc<DbErr>> {
        let catalog = self.catalog.after_write().await.map_err(Arc::new)?;
        if let Ok(mut written) = self.written_catalog.lock() {
            *written = Some(catalog);
        }
        Ok(())
    }

    /// The request's catalog when it `holds` what is asked; else the
    /// catalog of the version now: the rows asking were written after the
    /// version was last polled.
    ///
    /// The reads are boxed and taken only when needed: most fields of
    /// hospitals, speakers and specialties come here, and async-graphql
    /// allocates every field's future at the size of its type's largest
    /// (unboxed, a pool acquire and a statement: about 2.7 KB, copied per
    /// field).
    pub(crate) async fn catalog_holding(
        &self,
        holds: impl Fn(&Catalog) -> bool,
    ) -> Result<Arc<Catalog>, Arc<DbErr>> {
        let catalog = match self.request_catalog.get() {
            Some(catalog) if self.written().is_none() => catalog.clone(),
            _ => Box::pin(self.catalog()).await?,
        };
        if holds(&catalog) {
            return Ok(catalog);
        }
        Box::pin(self.catalog.latest()).await.map_err(Arc::new)
    }
}

/// A table of the catalog: rows, or a row's texts, by id.
pub(crate) type CatalogTable<T> = fn(&Catalog) -> &HashMap<i32, T>;

/// Values of the catalog of small tables by id, in the order of `ids`
/// (ids it does not hold are left out): read from memory, with no batch
/// to wait for and no statement.
pub(crate) async fn from_catalog<T: Clone>(
    ctx: &Context<'_>,
    table: CatalogTable<T>,
    ids: &[i32],
) -> Result<Vec<T>, ApiError> {
    let holds_all = |catalog: &Catalog| ids.iter().all(|id| table(catalog).contains_key(id));
    let catalog = loader(ctx).loader().catalog_holding(holds_all).await?;
    Ok(ids
        .iter()
        .filter_map(|id| table(&catalog).get(id).cloned())
        .collect())
}

/// The request's catalog, or the catalog now when it does not hold
/// everything `holds` asks for (see [`from_catalog`]).
pub(crate) async fn catalog_holding(
    ctx: &Context<'_>,
    holds: impl Fn(&Catalog) -> bool,
) -> Result<Arc<Catalog>, ApiError> {
    Ok(loader(ctx).loader().catalog_holding(holds).await?)
}

/// One value of the catalog by id (see [`from_catalog`]).
pub(crate) async fn one_from_catalog<T: Clone>(
    ctx: &Context<'_>,
    table: CatalogTable<T>,
    id: i32,
) -> Result<Option<T>, ApiError> {
    Ok(from_catalog(ctx, table, &[id]).await?.pop())
}

/// An owner's text in the language `asked` (else of `scope`, else the
/// request's): the translation rows it needs in that language, loaded
/// under `key` ([`ExchangeTexts`], [`TalkTexts`] or [`PhotoTexts`]), picked
/// along the fallback chain.
pub(crate) async fn loaded_text<K, T>(
    ctx: &Context<'_>,
    asked: Option<Language>,
    scope: Scope,
    key: impl FnOnce(Lang) -> K,
    field: impl for<'a> Fn(&'a T) -> Option<&'a str>,
) -> Result<Option<String>, ApiError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    T: Translation + Send + Sync + 'static,
    DbLoader: Loader<K, Value = Arc<Vec<T>>, Error = Arc<DbErr>>,
{
    let lang = lang::resolve(ctx, asked, scope);
    let rows = loader(ctx).load_one(key(lang)).await?.unwrap_or_default();
    Ok(lang::text_in(ctx, lang, &rows, field))
}

/// The loader type resolvers use.
pub type RequestLoader = DataLoader<DbLoader, HashMapCache>;

/// A row by its id.
macro_rules! by_id {
    ($(#[$meta:meta])* $key:ident => $module:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i32);

        impl Loader<$key> for DbLoader {
            type Value = $module::Model;
            type Error = Arc<DbErr>;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = batch::rows_in::<$module::Entity, _>(
                    &self.db,
                    $module::Column::Id,
                    keys.iter().map(|key| key.0),
                    &[],
                )
                .instrument(self.batch_span(stringify!($key), keys.len()))
                .await?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

/// The rows pointing at a parent, in order.
macro_rules! children {
    ($(#[$meta:meta])* $key:ident => $module:ident by $column:ident [$($order:ident),*], |$row:ident| $parent:expr) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i32);

        impl Loader<$key> for DbLoader {
            // Shared, not copied: every field reading them gets the same rows.
            type Value = Arc<Vec<$module::Model>>;
            type Error = Arc<DbErr>;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = batch::rows_in::<$module::Entity, _>(
                    &self.db,
                    $module::Column::$column,
                    keys.iter().map(|key| key.0),
                    &[$($module::Column::$order),*],
                )
                .instrument(self.batch_span(stringify!($key), keys.len()))
                .await?;
                let groups = batch::group_by(rows, |$row: &$module::Model| $key($parent));
                Ok(groups.into_iter().map(|(key, rows)| (key, Arc::new(rows))).collect())
            }
        }
    };
}

/// The translation rows of an owner needed to pick its texts in a language
/// (see [`translations::needed_rows`]): most often the one row in that
/// language. Keyed by the language, so fields asking for others in the
/// same request load theirs.
macro_rules! texts {
    ($(#[$meta:meta])* $key:ident => $module:ident by $column:ident, |$row:ident| $owner:expr) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i32, pub Lang);

        impl Loader<$key> for DbLoader {
            // Shared, not copied: every field reading them gets the same rows.
            type Value = Arc<Vec<$module::Model>>;
            type Error = Arc<DbErr>;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let mut loaded = HashMap::new();
                for (lang, keys) in batch::group_by(keys.to_vec(), |key| key.1) {
                    let owners = keys.iter().map(|key| key.0);
                    let column = $module::Column::$column;
                    let rows =
                        translations::needed_in::<$module::Entity, _>(&self.db, column, owners, lang)
                            .instrument(self.batch_span(stringify!($key), keys.len()))
                            .await?;
                    let groups = batch::group_by(rows, |$row: &$module::Model| $owner);
                    let texts = groups.into_iter().map(|(owner, rows)| ($key(owner, lang), Arc::new(rows)));
                    loaded.extend(texts);
                }
                Ok(loaded)
            }
        }
    };
}

by_id!(/// An exchange.
    ExchangeById => exchange);
by_id!(/// A photo.
    PhotoById => photo);
by_id!(/// An aid shipment.
    AidShipmentById => aid_shipment);
by_id!(/// A news item.
    NewsItemById => news_item);

children!(/// An institution's other spellings.
    InstitutionAliases => institution_alias by InstitutionId [Id], |r| r.institution_id);
children!(/// The speakers working at an institution.
    InstitutionSpeakers => speaker by InstitutionId [Id], |r| r.institution_id.unwrap_or_default());
children!(/// The talks a speaker gave.
    SpeakerTalks => talk by SpeakerId [ExchangeId, Position], |r| r.speaker_id);
texts!(/// An exchange's titles and summaries needed in a language.
    ExchangeTexts => exchange_translation by ExchangeId, |r| r.exchange_id);
children!(/// The institutions taking part in an exchange.
    ExchangeParticipants => exchange_participant by ExchangeId [Position], |r| r.exchange_id);
children!(/// The specialties an exchange covers.
    ExchangeSpecialties => exchange_specialty by ExchangeId [Position], |r| r.exchange_id);
children!(/// The talks given at an exchange.
    ExchangeTalks => talk by ExchangeId [Position, Id], |r| r.exchange_id);
texts!(/// A talk's titles needed in a language.
    TalkTexts => talk_translation by TalkId, |r| r.talk_id);
children!(/// The photos of an exchange.
    ExchangePhotos => photo by ExchangeId [Position, Id], |r| r.exchange_id.unwrap_or_default());
children!(/// The photos of an aid shipment.
    AidShipmentPhotos => photo by AidShipmentId [Position, Id], |r| r.aid_shipment_id.unwrap_or_default());
children!(/// The photos of a news item.
    NewsItemPhotos => photo by NewsItemId [Position, Id], |r| r.news_item_id.unwrap_or_default());
texts!(/// A photo's captions needed in a language.
    PhotoTexts => photo_translation by PhotoId, |r| r.photo_id);
children!(/// The speakers shown in a photo.
    PhotoPeople => photo_person by PhotoId [Position], |r| r.photo_id);
children!(/// An aid shipment's texts.
    AidShipmentTranslations => aid_shipment_translation by AidShipmentId [Lang], |r| r.aid_shipment_id);
children!(/// A news item's titles and bodies.
    NewsItemTranslations => news_item_translation by NewsItemId [Lang], |r| r.news_item_id);

/// One page of an institution's exchanges in date order: up to `limit + 1`
/// rows after `after`. Keys asked together with the same position share
/// one statement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InstitutionExchanges {
    /// The institution.
    pub institution_id: i32,
    /// Only exchanges after this key.
    pub after: Option<exchanges::DateKey>,
    /// Page size (one more row is read).
    pub limit: u64,
}

/// The rows of a page of an institution's exchanges, and whether any
/// exchange of the institution lies at or before the cursor.
#[derive(Clone, Debug, Default)]
pub struct InstitutionExchangePage {
    /// Up to `limit + 1` exchanges after the cursor.
    pub rows: Vec<exchange::Model>,
    /// Some exchange lies at or before the cursor.
    pub has_previous: bool,
}

impl Loader<InstitutionExchanges> for DbLoader {
    type Value = InstitutionExchangePage;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[InstitutionExchanges],
    ) -> Result<HashMap<InstitutionExchanges, Self::Value>, Self::Error> {
        let span = self.batch_span("InstitutionExchanges", keys.len());
        let groups = batch::group_by(keys.to_vec(), |key| (key.after.clone(), key.limit));
        let mut loaded = HashMap::new();
        for ((after, limit), keys) in groups {
            let ids: Vec<i32> = keys.iter().map(|key| key.institution_id).collect();
            let mut pages = exchanges::first_per_institution(&self.db, &ids, after.as_ref(), limit)
                .instrument(span.clone())
                .await?;
            let with_previous = match &after {
                Some(after) => {
                    exchanges::any_up_to_per_institution(&self.db, &ids, after)
                        .instrument(span.clone())
                        .await?
                }
                None => HashSet::new(),
            };
            for key in keys {
                let page = InstitutionExchangePage {
                    rows: pages.remove(&key.institution_id).unwrap_or_default(),
                    has_previous: with_previous.contains(&key.institution_id),
                };
                loaded.insert(key, page);
            }
        }
        Ok(loaded)
    }
}

/// How many exchanges an institution took part in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InstitutionExchangeCount(pub i32);

impl Loader<InstitutionExchangeCount> for DbLoader {
    type Value = u64;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[InstitutionExchangeCount],
    ) -> Result<HashMap<InstitutionExchangeCount, Self::Value>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|key| key.0).collect();
        let counts = exchanges::count_per_institution(&self.db, &ids)
            .instrument(self.batch_span("InstitutionExchangeCount", keys.len()))
            .await?;
        Ok(keys
            .iter()
            .map(|key| (*key, counts.get(&key.0).copied().unwrap_or(0)))
            .collect())
    }
}

/// A stored image, by the SHA-256 of its original.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageByHash(pub String);

impl Loader<ImageByHash> for DbLoader {
    type Value = Arc<crate::store::rows::image::Model>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[ImageByHash],
    ) -> Result<HashMap<ImageByHash, Self::Value>, Self::Error> {
        let hashes: Vec<String> = keys.iter().map(|key| key.0.clone()).collect();
        let rows = crate::store::images::by_hash(&self.db, &hashes)
            .instrument(self.batch_span("ImageByHash", keys.len()))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(hash, row)| (ImageByHash(hash), Arc::new(row)))
            .collect())
    }
}
