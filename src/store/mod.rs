//! Data access: every query the API and the CLI run, with no GraphQL in it.
//!
//! Functions take any [`ConnectionTrait`] so they run the same on a pool or
//! inside a transaction, on SQLite and on PostgreSQL.

pub mod batch;
pub mod catalog;
pub mod connection;
pub mod data_version;
pub mod exchange_tree;
pub mod exchanges;
pub mod listing;
pub mod page;
pub mod search;
pub mod search_index;
mod sql;
pub mod startup;
mod translations;

pub use connection::{ConnectError, connect, is_empty, migrate};
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
