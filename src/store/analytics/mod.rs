//! Analysts' questions (`exchangeStats`, `partnerships`) answered from an
//! in-memory fact table of the exchanges, kept by each process.
//!
//! Why memory: the statements in [`crate::store::stats`] and
//! [`crate::store::partnerships`] join exchanges to their specialties,
//! participants and talks and aggregate every time: 50 to 800 ms over
//! 50,000 exchanges on either engine, growing with the archive. The
//! facts those questions read fit in ~60 bytes an exchange, and grouping
//! them in memory takes milliseconds.
//!
//! How it stays right: the table is tagged with the data version it was
//! read at ([`facts`]). A question is answered from it only when that
//! version is the one the process last saw (see
//! [`crate::store::data_version::DataVersionWatch`]); when a write
//! (in any process) moved the version, the changes logged since are
//! applied first, reading only the exchanges they name. While the table
//! is read whole (at start-up, or after a bulk write), questions wait for
//! it: a million exchanges are read in ~7 s, and the statements take
//! longer over them. So an answer is never older than the version the
//! process knows. The statements answer with `--fact-table false`, or
//! when the table cannot be read.

mod chunks;
pub mod facts;
mod grouping;
mod matcher;
mod pairs;

use crate::store::catalog::{Catalog, SharedCatalog};
use crate::store::data_version::{self, DataVersionWatch};
use crate::store::exchanges::ExchangeFilter;
use crate::store::page::Page;
use crate::store::partnerships::{self, Partnership, PartnershipRequest};
use crate::store::stats::{self, Stats, StatsRequest};
use entity::exchange;
use facts::{Facts, Update};
pub use grouping::{MOST_COUNTED, TooManyGroups};
use matcher::{Matcher, Places};
use rustc_hash::FxHashSet;
use sea_orm::{DatabaseConnection, DbErr, QuerySelect};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Why a question got no answer.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbErr),
    /// Too many groups to count.
    #[error(transparent)]
    TooManyGroups(#[from] TooManyGroups),
}

/// The process's fact table and what answers from it.
pub struct Analytics {
    /// Requests' statements (the text condition; answers while loading).
    db: DatabaseConnection,
    /// The table's own reads (not counted as the requests').
    reader: DatabaseConnection,
    catalog: Arc<SharedCatalog>,
    watch: Option<Arc<DataVersionWatch>>,
    held: RwLock<Option<Arc<Facts>>>,
    /// One update from the change log at a time.
    updating: tokio::sync::Mutex<()>,
    /// The table is being read whole.
    loading: AtomicBool,
    /// Times it was read whole.
    full_reads: AtomicU64,
    /// Woken when a whole read ends (well or not).
    whole_read: tokio::sync::Notify,
    places: Mutex<Option<(i64, Arc<Places>)>>,
    /// Questions computed at once, one core each.
    computing: tokio::sync::Semaphore,
    /// Whether to keep the table (else every answer comes by statement).
    enabled: bool,
    /// The exchanges the last text condition kept, with the version and
    /// the condition.
    last_text: Mutex<Option<TextMatches>>,
}

/// ((data version, text condition), the exchanges it keeps).
type TextMatches = ((i64, String), Arc<FxHashSet<i32>>);

impl Analytics {
    /// Answers over `db` (requests' statements) and `reader` (the table's
    /// reads), following the data version `watch` reads (without one, the
    /// version is read at every question).
    pub fn new(
        db: DatabaseConnection,
        reader: DatabaseConnection,
        catalog: Arc<SharedCatalog>,
        watch: Option<Arc<DataVersionWatch>>,
    ) -> Arc<Analytics> {
        Arc::new(Analytics::made(db, reader, catalog, watch, true))
    }

    /// Answers by the statements only, with no table kept.
    pub fn by_statements(db: DatabaseConnection) -> Arc<Analytics> {
        let analytics = Analytics::made(db.clone(), db, Arc::default(), None, false);
        Arc::new(analytics)
    }

    fn made(
        db: DatabaseConnection,
        reader: DatabaseConnection,
        catalog: Arc<SharedCatalog>,
        watch: Option<Arc<DataVersionWatch>>,
        enabled: bool,
    ) -> Analytics {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Analytics {
            db,
            reader,
            catalog,
            watch,
            held: RwLock::new(None),
            updating: tokio::sync::Mutex::new(()),
            loading: AtomicBool::new(false),
            full_reads: AtomicU64::new(0),
            whole_read: tokio::sync::Notify::new(),
            places: Mutex::new(None),
            computing: tokio::sync::Semaphore::new(cores),
            enabled,
            last_text: Mutex::new(None),
        }
    }

    /// Starts reading the table in the background (a server does at
    /// start-up, so the first question is answered from memory).
    pub fn warm(self: &Arc<Self>) {
        self.load_in_background();
    }

    /// The data version of the table held, if one is.
    pub fn held_version(&self) -> Option<i64> {
        self.held().map(|facts| facts.marks.version)
    }

    /// How many times the table was read whole (the other updates came
    /// from the change log).
    pub fn full_reads(&self) -> u64 {
        self.full_reads.load(Ordering::Relaxed)
    }

    /// The table's state in Prometheus text format: the data version it is
    /// of (absent until read), how many times it was read whole.
    pub fn render_metrics(&self) -> String {
        let mut out = String::from(
            "# HELP medexchange_analytics_facts_version The data version of the analysts' fact table.\n\
             # TYPE medexchange_analytics_facts_version gauge\n",
        );
        if let Some(version) = self.held_version() {
            out.push_str(&format!("medexchange_analytics_facts_version {version}\n"));
        }
        out.push_str(&format!(
            "# HELP medexchange_analytics_full_reads_total Times the fact table was read whole.\n\
             # TYPE medexchange_analytics_full_reads_total counter\n\
             medexchange_analytics_full_reads_total {}\n",
            self.full_reads()
        ));
        out
    }

    /// `exchangeStats`: from the table (read or brought up to date first
    /// when needed); by the statement with `--fact-table false` or when
    /// the table cannot be read.
    pub async fn exchange_stats(
        self: &Arc<Self>,
        request: &StatsRequest<'_>,
    ) -> Result<Stats, AnalyticsError> {
        let Some(facts) = self.current_facts().await? else {
            return Ok(by_statement(&self.db, request).await?);
        };
        let (catalog, places) = self.places(&facts).await?;
        let texts = self
            .text_matches(request.filter, facts.marks.version)
            .await?;
        let _core = self.computing.acquire().await;
        let owned = OwnedRequest::from(request);
        let task = tokio::task::spawn_blocking(move || {
            let matcher = Matcher::new(&owned.filter, &facts, &catalog, places.clone(), texts);
            let request = owned.request();
            let grouping = grouping::Grouping {
                request: &request,
                places: &places,
                matcher: &matcher,
            };
            grouping.count(&facts)
        });
        let stats = task.await.map_err(|e| DbErr::Custom(e.to_string()))??;
        Ok(stats)
    }

    /// A page of `partnerships`: from the table, as [`Self::exchange_stats`].
    pub async fn partnerships(
        self: &Arc<Self>,
        request: &PartnershipRequest<'_>,
    ) -> Result<Page<Partnership>, DbErr> {
        let Some(facts) = self.current_facts().await? else {
            return partnerships::partnerships(&self.db, request).await;
        };
        let (catalog, places) = self.places(&facts).await?;
        let texts = self
            .text_matches(request.filter, facts.marks.version)
            .await?;
        let _core = self.computing.acquire().await;
        let (filter, involving, after) = (request.filter.clone(), request.involving, request.after);
        let (limit, count_total) = (request.limit, request.count_total);
        let task = tokio::task::spawn_blocking(move || {
            let matcher = Matcher::new(&filter, &facts, &catalog, places, texts);
            let request = PartnershipRequest {
                filter: &filter,
                involving,
                after,
                limit,
                count_total,
            };
            pairs::page(&facts, &matcher, &request)
        });
        task.await.map_err(|e| DbErr::Custom(e.to_string()))
    }

    /// The table of the data version this process knows, brought up to
    /// date from the change log when needed (or read whole, and waited
    /// for); `None` when it is off or cannot be read.
    async fn current_facts(self: &Arc<Self>) -> Result<Option<Arc<Facts>>, DbErr> {
        if !self.enabled {
            return Ok(None);
        }
        let version = match self.watch.as_ref().and_then(|w| w.current()) {
            Some(version) => version,
            None => data_version::read(&self.db).await?,
        };
        if let Some(facts) = self.held_of(version) {
            return Ok(Some(facts));
        }
        if self.held().is_none() {
            self.read_whole().await;
        }
        let _one = self.updating.lock().await;
        if let Some(facts) = self.held_of(version) {
            return Ok(Some(facts));
        }
        let Some(held) = self.held() else {
            return Ok(None);
        };
        match held.updated(&self.reader).await? {
            Update::Done(facts) => {
                let facts = self.hold(Arc::new(facts));
                Ok(Some(facts).filter(|f| f.marks.version >= version))
            }
            Update::Reload => {
                self.read_whole().await;
                Ok(self.held_of(version))
            }
        }
    }

    /// Reads the whole table (or lets the read under way finish) and waits
    /// for it: over an archive whose table takes seconds to read, the
    /// statements would take longer still. The request's deadline bounds
    /// the wait.
    async fn read_whole(self: &Arc<Self>) {
        let done = self.whole_read.notified();
        tokio::pin!(done);
        done.as_mut().enable();
        self.load_in_background();
        done.await;
    }

    fn held(&self) -> Option<Arc<Facts>> {
        self.held.read().ok()?.clone()
    }

    fn held_of(&self, version: i64) -> Option<Arc<Facts>> {
        self.held().filter(|facts| facts.marks.version >= version)
    }

    /// Keeps `facts` unless a newer table is held; returns the one held.
    fn hold(&self, facts: Arc<Facts>) -> Arc<Facts> {
        let Ok(mut held) = self.held.write() else {
            return facts;
        };
        match &*held {
            Some(newer) if newer.marks.version > facts.marks.version => newer.clone(),
            _ => {
                *held = Some(facts.clone());
                facts
            }
        }
    }

    /// Reads the whole table in a task of its own, unless one is already.
    fn load_in_background(self: &Arc<Self>) {
        if !self.enabled || self.loading.swap(true, Ordering::AcqRel) {
            return;
        }
        let analytics = self.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match Facts::load(&analytics.reader).await {
                Ok(facts) => {
                    let version = facts.marks.version;
                    analytics.hold(Arc::new(facts));
                    analytics.full_reads.fetch_add(1, Ordering::Relaxed);
                    let ms = started.elapsed().as_millis() as u64;
                    tracing::info!(version, ms, "read the analysts' fact table");
                }
                Err(error) => tracing::warn!(%error, "cannot read the analysts' fact table"),
            }
            analytics.loading.store(false, Ordering::Release);
            analytics.whole_read.notify_waiters();
        });
    }

    /// A catalog at least as new as `facts`, and its institutions' places.
    async fn places(&self, facts: &Facts) -> Result<(Arc<Catalog>, Arc<Places>), DbErr> {
        let catalog = self.catalog.at_least(facts.marks.version).await?;
        if let Ok(held) = self.places.lock()
            && let Some((version, places)) = &*held
            && *version == catalog.version
        {
            return Ok((catalog, places.clone()));
        }
        let places = Arc::new(Places::new(&catalog));
        if let Ok(mut held) = self.places.lock() {
            *held = Some((catalog.version, places.clone()));
        }
        Ok((catalog, places))
    }

    /// The exchanges a filter's text condition keeps, when it has one
    /// (read by the statement the lists use), for the table of `version`.
    /// The last one is kept for its version: an analyst trying groupings
    /// over one text reads it once.
    async fn text_matches(
        &self,
        filter: &ExchangeFilter,
        version: i64,
    ) -> Result<Option<Arc<FxHashSet<i32>>>, DbErr> {
        let Some(text) = &filter.text else {
            return Ok(None);
        };
        let key = (version, format!("{text:?}"));
        if let Ok(last) = self.last_text.lock()
            && let Some((held, ids)) = &*last
            && *held == key
        {
            return Ok(Some(ids.clone()));
        }
        let ids = text_ids(&self.db, filter).await?;
        if let (Ok(mut last), Some(ids)) = (self.last_text.lock(), &ids) {
            *last = Some((key, ids.clone()));
        }
        Ok(ids)
    }
}

/// The exchanges `filter`'s text condition keeps, when it has one, by the
/// statement the lists use.
async fn text_ids(
    db: &DatabaseConnection,
    filter: &ExchangeFilter,
) -> Result<Option<Arc<FxHashSet<i32>>>, DbErr> {
    if filter.text.is_none() {
        return Ok(None);
    }
    let only_text = ExchangeFilter {
        text: filter.text.clone(),
        ..ExchangeFilter::default()
    };
    let ids: Vec<i32> = only_text
        .select(db.get_database_backend())
        .select_only()
        .column(exchange::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Some(Arc::new(ids.into_iter().collect())))
}

/// `exchangeStats` by the statement; with `top`, the groups counted are
/// bounded by [`MOST_COUNTED`] instead of `max_groups`.
async fn by_statement(db: &DatabaseConnection, request: &StatsRequest<'_>) -> Result<Stats, DbErr> {
    match request.top {
        Some(_) => {
            let wider = StatsRequest {
                max_groups: MOST_COUNTED as u64,
                ..request.clone()
            };
            stats::exchange_stats(db, &wider).await
        }
        None => stats::exchange_stats(db, request).await,
    }
}

/// A [`StatsRequest`]'s values, owned, for a blocking task.
struct OwnedRequest {
    filter: ExchangeFilter,
    dimensions: Vec<crate::domain::vocabulary::Dimension>,
    measures: stats::Measures,
    min_exchanges: Option<i64>,
    max_groups: u64,
    top: Option<stats::Top>,
}

impl OwnedRequest {
    fn from(request: &StatsRequest<'_>) -> OwnedRequest {
        OwnedRequest {
            filter: request.filter.clone(),
            dimensions: request.dimensions.to_vec(),
            measures: request.measures,
            min_exchanges: request.min_exchanges,
            max_groups: request.max_groups,
            top: request.top,
        }
    }

    /// The request over the owned values.
    fn request(&self) -> StatsRequest<'_> {
        StatsRequest {
            filter: &self.filter,
            dimensions: &self.dimensions,
            measures: self.measures,
            min_exchanges: self.min_exchanges,
            max_groups: self.max_groups,
            top: self.top,
        }
    }
}

/// `exchangeStats` from `facts`, now, whatever version they are of (for
/// checking them against the statement).
pub async fn stats_from(
    db: &DatabaseConnection,
    facts: &Facts,
    catalog: &Catalog,
    request: &StatsRequest<'_>,
) -> Result<Stats, AnalyticsError> {
    let texts = text_ids(db, request.filter).await?;
    let places = Arc::new(Places::new(catalog));
    let matcher = Matcher::new(request.filter, facts, catalog, places.clone(), texts);
    let grouping = grouping::Grouping {
        request,
        places: &places,
        matcher: &matcher,
    };
    Ok(grouping.count(facts)?)
}

/// A page of `partnerships` from `facts` (for checking them against the
/// statement).
pub async fn partnerships_from(
    db: &DatabaseConnection,
    facts: &Facts,
    catalog: &Catalog,
    request: &PartnershipRequest<'_>,
) -> Result<Page<Partnership>, DbErr> {
    let texts = text_ids(db, request.filter).await?;
    let places = Arc::new(Places::new(catalog));
    let matcher = Matcher::new(request.filter, facts, catalog, places, texts);
    Ok(pairs::page(facts, &matcher, request))
}
