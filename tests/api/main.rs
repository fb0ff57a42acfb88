//! One integration-test binary: every test drives the real router, on
//! SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.

mod helpers;

mod analytics;
mod caching;
mod cli;
mod csv;
mod dataset;
mod docs;
mod editing;
mod facts;
mod filters;
mod graphql_cop;
mod history;
mod http;
mod input_rules;
mod language;
mod limits;
mod live;
mod loaders;
mod media;
mod media_store;
mod migrations;
mod name_order;
mod nodes;
mod pagination;
mod partnerships;
mod privacy;
mod replication;
mod response_cache;
mod schema;
mod search;
mod shutdown;
mod startup;
mod stats;
mod tokens;
mod traces;
mod translation_gaps;
mod trusted_documents;
mod websocket;
mod write_rate;
