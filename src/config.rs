//! Every setting: a flag, an environment variable and a documented default.
//! A bad value stops the program at start with a message naming the setting.

use crate::graphql::limits::Limits;
use crate::i18n::Lang;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Bilingual (Chinese/Japanese) GraphQL API for the archive of China-Japan
/// medical exchanges.
#[derive(Parser, Debug)]
#[command(name = "medexchange", version, about)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub settings: Settings,
    /// Settings of `serve` (which runs when no command is given); they may
    /// stand before or after the command.
    #[command(flatten)]
    pub serve: ServeArgs,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings shared by every command.
#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// Database URL: `sqlite://FILE` (created when missing) or
    /// `postgres://USER@HOST:PORT/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://medexchange.db", global = true, value_parser = parse_database_url)]
    pub database_url: String,

    /// Most database connections the process keeps open.
    #[arg(long, env = "MEDEXCHANGE_DB_MAX_CONNECTIONS", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: u32,

    /// Language served when a request names none (no `lang` argument, no
    /// usable `Accept-Language`): zh, ja or en.
    #[arg(long, env = "MEDEXCHANGE_DEFAULT_LANGUAGE", default_value = "zh", global = true, value_parser = parse_lang)]
    pub default_language: Lang,

    /// Log filter, in `tracing` syntax (e.g. `info`, `medexchange=debug`).
    #[arg(long, env = "MEDEXCHANGE_LOG", default_value = "info", global = true)]
    pub log: String,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API (the default). Migrates the database first and
    /// loads the bundled FY2020 report when the database is empty.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to stdout.
    Schema,
    /// Import a dataset file (idempotent upsert by slug; all or nothing).
    Import {
        /// The YAML file to read (`-` for stdin).
        file: PathBuf,
    },
    /// Rebuild the search index from scratch (in one transaction).
    Reindex,
    /// Write the whole archive in the dataset format.
    Export {
        /// Where to write it; stdout when omitted.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Add a deterministic synthetic bilingual dataset, for benchmarks.
    Generate {
        /// How many exchanges to add (each with ~2 talks and ~3 photos).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=5_000_000))]
        exchanges: u64,
        /// Seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Settings of `serve`.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(
        long,
        global = true,
        env = "MEDEXCHANGE_LISTEN",
        default_value = "127.0.0.1:8000"
    )]
    pub listen: SocketAddr,

    /// Deepest nesting of selections a query may have.
    #[arg(long, global = true, env = "MEDEXCHANGE_MAX_DEPTH", default_value_t = 15,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_depth: u32,

    /// Highest query cost: one per field, a connection's items counted
    /// `first` (or `last`, default 20) times.
    #[arg(long, global = true, env = "MEDEXCHANGE_MAX_COMPLEXITY", default_value_t = 20_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_complexity: u32,

    /// Most aliases one request may use.
    #[arg(long, global = true, env = "MEDEXCHANGE_MAX_ALIASES", default_value_t = 15,
          value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub max_aliases: u32,

    /// Most directives on one field.
    #[arg(long, global = true, env = "MEDEXCHANGE_MAX_DIRECTIVES", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub max_directives: u32,

    /// Longest query text, in bytes.
    #[arg(long, global = true, env = "MEDEXCHANGE_MAX_QUERY_BYTES", default_value_t = 16 * 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_query_bytes: u32,

    /// Largest request body, in bytes; a larger one gets 413.
    #[arg(long, global = true, env = "MEDEXCHANGE_MAX_BODY_BYTES", default_value_t = 1024 * 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_body_bytes: u32,

    /// Longest a request may run, in milliseconds; it is then stopped and
    /// answered with a TIMEOUT error (504).
    #[arg(long, global = true, env = "MEDEXCHANGE_REQUEST_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub request_timeout_ms: u64,
}

impl ServeArgs {
    /// The request limits these settings give.
    pub fn limits(&self) -> Limits {
        Limits {
            max_depth: self.max_depth as usize,
            max_complexity: self.max_complexity as usize,
            max_aliases: self.max_aliases as usize,
            max_directives: self.max_directives as usize,
            max_query_bytes: self.max_query_bytes as usize,
            max_body_bytes: self.max_body_bytes as usize,
            request_timeout: Duration::from_millis(self.request_timeout_ms),
        }
    }
}
fn parse_lang(text: &str) -> Result<Lang, String> {
    text.parse::<Lang>().map_err(|e| e.to_string())
}

/// Accepts `sqlite:` and `postgres:`/`postgresql:` URLs only, so a typo
/// fails at start rather than at the first query.
fn parse_database_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.starts_with("sqlite:")
        || text.starts_with("postgres://")
        || text.starts_with("postgresql://")
    {
        Ok(text.to_owned())
    } else {
        Err("expected sqlite://FILE or postgres://USER@HOST:PORT/DB".to_owned())
    }
}
