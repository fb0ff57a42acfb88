//! medexchange: the bilingual GraphQL API for the archive of China-Japan
//! medical exchanges.
//!
//! Layers, outermost first: [`http`] (routes) -> [`pipeline`] (the one way
//! to run GraphQL) -> [`graphql`] (schema, resolvers, loaders) -> [`store`]
//! (queries, no GraphQL) -> the `entity` crate (tables). [`domain`] is the
//! archive's records, rules and vocabularies; [`edit`] is the write path
//! mutations take through them; [`dataset`] moves dataset files in and out;
//! [`media`] checks, stores and draws photos' images; [`i18n`] is languages.

pub mod config;
pub mod dataset;
pub mod domain;
pub mod edit;
pub mod graphql;
pub mod http;
pub mod i18n;
pub mod media;
pub mod pipeline;
pub mod store;
pub mod telemetry;

use crate::store::DatabaseConnection;
use graphql::limits::Limits;
use http::metrics::Metrics;
use http::options::HttpOptions;
use http::persisted::PersistedQueries;
use http::response_cache::ResponseCache;
use i18n::Lang;
use pipeline::write_rate::WriteRate;
use pipeline::{Pipeline, Schemas};
use std::sync::Arc;
use store::analytics::Analytics;
use store::catalog::SharedCatalog;
use store::change_feed::ChangeFeed;
use store::data_version::DataVersionWatch;
use store::replicas::Replicas;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The only way to run GraphQL: authentication, limits, deadline and
    /// error shaping, the same for every transport.
    pub pipeline: Arc<Pipeline>,
    /// The database pool.
    pub db: DatabaseConnection,
    /// The language served when a request names none.
    pub default_lang: Lang,
    /// Counters served on `/metrics`.
    pub metrics: Arc<Metrics>,
    /// CORS, GraphiQL, introspection, caching, persisted queries.
    pub options: HttpOptions,
    /// Queries known by hash (automatic persisted queries).
    pub persisted: Arc<PersistedQueries>,
    /// Answers remembered by request and data version.
    pub responses: Arc<ResponseCache>,
    /// The small tables, in memory at the current data version.
    pub catalog: Arc<SharedCatalog>,
    /// The data version as last read, when it is polled (see
    /// `--data-version-poll-ms`).
    pub data_version: Option<Arc<DataVersionWatch>>,
    /// Changes as they commit, for subscriptions.
    pub feed: Arc<ChangeFeed>,
    /// WebSocket connections open, bounded by `--max-websockets`.
    pub websockets: Arc<tokio::sync::Semaphore>,
    /// Photos' images: storage, derivatives, IIIF.
    pub media: Arc<media::Media>,
    /// Analysts' questions from the in-memory fact table.
    pub analytics: Arc<Analytics>,
    /// The primary and the standbys queries read from.
    pub replicas: Arc<Replicas>,
}

impl AppState {
    /// The state over `db`, with the default limits.
    pub fn new(db: DatabaseConnection, default_lang: Lang) -> Self {
        AppState::with_limits(db, default_lang, Limits::default())
    }

    /// The state over `db` with these limits and the default options.
    pub fn with_limits(db: DatabaseConnection, default_lang: Lang, limits: Limits) -> Self {
        AppState::configured(db, default_lang, limits, HttpOptions::default())
    }

    /// The state over `db` with these limits and options. Statements run
    /// through this state are counted in its metrics (the connection's
    /// metric callback is set here, before the schema takes its copy).
    pub fn configured(
        mut db: DatabaseConnection,
        default_lang: Lang,
        limits: Limits,
        options: HttpOptions,
    ) -> Self {
        // The watch reads the data version on a connection whose statements
        // are not counted: they are not the requests'.
        let watch = (!options.data_version_poll.is_zero())
            .then(|| DataVersionWatch::start(db.clone(), options.data_version_poll));
        let feed_interval = match options.data_version_poll.is_zero() {
            true => std::time::Duration::from_millis(250),
            false => options.data_version_poll,
        };
        let feed = ChangeFeed::start(db.clone(), feed_interval, watch.clone());
        let responses = Arc::new(ResponseCache::new(
            options.response_cache_entries,
            options.response_cache_bytes,
            watch.clone(),
        ));
        let catalog = Arc::new(SharedCatalog::new(db.clone(), watch.clone()));
        // The fact table's own reads are not the requests' either.
        let reader = db.clone();
        let metrics = Arc::new(Metrics::default());
        // Each statement counted, and traced when traces are exported.
        let count_statements = |db: &mut DatabaseConnection, instance: &str| {
            let statements = metrics.sql_statements.clone();
            let system = match db.get_database_backend() {
                sea_orm::DbBackend::Postgres => "postgresql",
                _ => "sqlite",
            };
            let instance = instance.to_owned();
            db.set_metric_callback(move |info| {
                statements.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                telemetry::statement(info, system, &instance);
            });
        };
        count_statements(&mut db, "primary");
        let mut standbys = options.standbys.clone();
        for (place, standby) in &mut standbys {
            count_statements(standby, place);
        }
        let replicas = Replicas::new(db.clone(), standbys, options.replicas, watch.clone());
        let media = Arc::new(media::Media::new(
            options.media.clone(),
            db.clone(),
            watch.clone(),
        ));
        let analytics = match options.fact_table {
            true => Analytics::new(db.clone(), reader, catalog.clone(), watch.clone()),
            false => Analytics::by_statements(db.clone()),
        };
        let schemas = Schemas::new(
            &db,
            default_lang,
            &limits,
            options.introspection,
            &feed,
            &media,
            &analytics,
        );
        let write_rate = match &options.redis {
            Some(redis) => WriteRate::in_redis(redis.clone(), limits.writes_per_minute),
            None => WriteRate::in_database(db.clone(), limits.writes_per_minute),
        };
        let pipeline = Pipeline::new(
            schemas,
            replicas.clone(),
            catalog.clone(),
            limits,
            write_rate,
        );
        let persisted = Arc::new(PersistedQueries::new(options.persisted_queries));
        let websockets = Arc::new(tokio::sync::Semaphore::new(options.max_websockets));
        AppState {
            pipeline: Arc::new(pipeline),
            db,
            default_lang,
            metrics,
            options,
            persisted,
            responses,
            catalog,
            data_version: watch,
            feed,
            websockets,
            media,
            analytics,
            replicas,
        }
    }
}

/// The router the server runs (tests drive exactly this).
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}

/// Migrates `db` and, when it holds nothing yet, loads the bundled FY2020
/// report. A database whose search index is empty (it predates the index)
/// is indexed. Processes starting together do this one at a time (see
/// [`store::startup`]), so it happens once. Returns whether the report was
/// loaded.
pub async fn prepare_database(db: &DatabaseConnection) -> Result<bool, dataset::DatasetError> {
    store::startup::exclusively(db, prepare_unlocked(db)).await
}

async fn prepare_unlocked(db: &DatabaseConnection) -> Result<bool, dataset::DatasetError> {
    store::connection::migrate_unlocked(db).await?;
    if !store::is_empty(db).await? {
        if store::search_index::is_empty(db).await? {
            let indexed = store::search_index::rebuild_all(db).await?;
            tracing::info!(indexed, "built the search index");
        }
        return Ok(false);
    }
    let bundled = dataset::parse(dataset::BUNDLED_FY2020, "bundled data/fy2020.yaml")?;
    dataset::import::import(db, &bundled, "bundled data/fy2020.yaml").await?;
    Ok(true)
}
