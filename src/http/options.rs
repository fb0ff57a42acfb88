//! How the HTTP surface behaves beyond the limits: CORS, GraphiQL,
//! introspection, caching of GET answers and automatic persisted queries.

use std::time::Duration;

/// The HTTP options of one server (each a setting; see `config`).
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Origins allowed by CORS: empty for none, `*` for any.
    pub cors_allowed_origins: Vec<String>,
    /// Whether `GET /graphql` serves GraphiQL to browsers.
    pub graphiql: bool,
    /// Whether introspection queries are answered.
    pub introspection: bool,
    /// `Cache-Control: max-age` of successful GET answers.
    pub cache_max_age: Duration,
    /// How many persisted queries the process remembers (each at most
    /// `--max-query-bytes` long, so memory stays bounded).
    pub persisted_queries: usize,
    /// How long in-flight requests may run after SIGTERM/SIGINT.
    pub shutdown_timeout: Duration,
    /// How many answers the response cache holds (0 turns it off).
    pub response_cache_entries: usize,
    /// How many bytes the response cache's answers may weigh together.
    pub response_cache_bytes: usize,
    /// How often the data version is read (how soon a write made by another
    /// process is noticed). Zero: at every request instead, and nothing is
    /// answered from the response cache.
    pub data_version_poll: Duration,
    /// Analysts' questions from the in-memory fact table (else by SQL).
    pub fact_table: bool,
    /// Most WebSocket connections open at once (503 beyond).
    pub max_websockets: usize,
    /// Most operations (subscriptions, queries, mutations) running at once
    /// on one WebSocket connection.
    pub max_subscriptions_per_connection: usize,
    /// How long a WebSocket connection may wait before `connection_init`
    /// (closed with 4408 after).
    pub connection_init_timeout: Duration,
    /// Photos' images: where they are kept, upload limits, public URL.
    pub media: crate::media::MediaOptions,
    /// The documents anonymous callers are held to, when given
    /// (`--trusted-documents`).
    pub trusted_documents: Option<std::sync::Arc<crate::http::trusted::TrustedDocuments>>,
    /// PostgreSQL standbys queries read from (`HOST:PORT/DB`, pool); none:
    /// everything on the primary.
    pub standbys: Vec<(String, sea_orm::DatabaseConnection)>,
    /// How standbys are chosen (lag allowed, wait for a version).
    pub replicas: crate::store::replicas::ReplicaOptions,
    /// Redis keeping the writers' rate for every process (`--redis-url`);
    /// none: the database does.
    pub redis: Option<std::sync::Arc<crate::store::redis::Redis>>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            cors_allowed_origins: Vec::new(),
            graphiql: true,
            introspection: true,
            cache_max_age: Duration::from_secs(60),
            persisted_queries: 1_000,
            shutdown_timeout: Duration::from_secs(20),
            response_cache_entries: 1_000,
            response_cache_bytes: 64 * 1024 * 1024,
            data_version_poll: Duration::from_millis(250),
            fact_table: true,
            max_websockets: 10_000,
            max_subscriptions_per_connection: 20,
            connection_init_timeout: Duration::from_secs(10),
            media: crate::media::MediaOptions::default(),
            trusted_documents: None,
            standbys: Vec::new(),
            replicas: crate::store::replicas::ReplicaOptions::default(),
            redis: None,
        }
    }
}
