//! Every setting: a flag, an environment variable and a documented default.
//! A bad value stops the program at start with a message naming the setting.

use crate::domain::vocabulary::Role;
use crate::graphql::limits::Limits;
use crate::http::options::HttpOptions;
use crate::i18n::Lang;
use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand};
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Bilingual (Chinese/Japanese) GraphQL API for the archive of China-Japan
/// medical exchanges.
///
/// With no command it serves: `medexchange --no-graphiql` is `medexchange
/// serve --no-graphiql` (`medexchange serve --help` lists the server's
/// settings).
#[derive(Parser, Debug)]
#[command(name = "medexchange", version, about)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub settings: Settings,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    command: Option<Command>,
}

impl Cli {
    /// Parses `args` (the program name first). Server settings given with
    /// no command are read as `serve`'s, so each command's help lists only
    /// its own settings while `medexchange --listen ADDR` still serves.
    pub fn parse_args<I: Into<OsString> + Clone>(args: impl IntoIterator<Item = I>) -> Cli {
        Cli::try_parse_args(args).unwrap_or_else(|error| error.exit())
    }

    /// [`Cli::parse_args`], returning the error instead of exiting.
    pub fn try_parse_args<I: Into<OsString> + Clone>(
        args: impl IntoIterator<Item = I>,
    ) -> Result<Cli, clap::Error> {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let error = match Cli::try_parse_from(&args) {
            Ok(cli) => return Ok(cli),
            Err(error) => error,
        };
        let commands: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        let names_a_command = args.iter().skip(1).any(|arg| {
            commands
                .iter()
                .any(|name| arg.to_str() == Some(name.as_str()))
        });
        if error.kind() != clap::error::ErrorKind::UnknownArgument {
            return Err(error);
        }
        if names_a_command {
            return Err(where_it_belongs(error, &args));
        }
        let mut as_serve = args;
        as_serve.insert(1.min(as_serve.len()), "serve".into());
        match Cli::try_parse_from(as_serve) {
            // Not a server setting either: the first error says so.
            Err(serve_error) if serve_error.kind() == clap::error::ErrorKind::UnknownArgument => {
                Err(error)
            }
            // A server setting with a bad value: say what is wrong with it.
            parsed => parsed,
        }
    }

    /// The command to run: `serve` with its settings from the environment
    /// (or their defaults) when none was given.
    pub fn take_command(&mut self) -> Command {
        self.command.take().unwrap_or_else(|| {
            let defaults = Cli::parse_args(["medexchange", "serve"]);
            defaults.command.unwrap_or(Command::Migrate)
        })
    }
}

/// An unknown argument's error, saying which command has the setting when
/// another command does (`medexchange import --listen …`: `--listen` is a
/// setting of `serve`).
fn where_it_belongs(error: clap::Error, args: &[OsString]) -> clap::Error {
    let Some(clap::error::ContextValue::String(unknown)) =
        error.get(clap::error::ContextKind::InvalidArg)
    else {
        return error;
    };
    let name = unknown.split('=').next().unwrap_or(unknown);
    let Some(long) = name.strip_prefix("--") else {
        return error;
    };
    let command = Cli::command();
    let given = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find(|a| command.get_subcommands().any(|c| c.get_name() == *a));
    let owners: Vec<&str> = command
        .get_subcommands()
        .filter(|c| c.get_arguments().any(|a| a.get_long() == Some(long)))
        .map(|c| c.get_name())
        .collect();
    let Some((given, owner)) = given.zip(owners.first()) else {
        return error;
    };
    let shorthand = match *owner {
        "serve" => format!("; with no command, `medexchange {name} …` serves"),
        _ => String::new(),
    };
    clap::Error::raw(
        clap::error::ErrorKind::UnknownArgument,
        format!(
            "`{name}` is a setting of `medexchange {owner}`, not of `medexchange {given}` \
             (`medexchange {owner} --help` lists its settings{shorthand})\n"
        ),
    )
}

/// Settings shared by every command.
#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// Database URL: `sqlite://FILE` (created when missing) or
    /// `postgres://USER@HOST:PORT/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://medexchange.db", global = true,
          value_parser = parse_database_url)]
    pub database_url: String,

    /// Most database connections the process keeps open (by default twice
    /// the cores it may use, at least 4).
    #[arg(long, env = "MEDEXCHANGE_DB_MAX_CONNECTIONS", default_value_t = default_db_connections(), global = true,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: u32,

    /// Log lines as `text` or `json` (one JSON object a line). Text is
    /// coloured only when written to a terminal (and `NO_COLOR` is unset).
    #[arg(long, env = "MEDEXCHANGE_LOG_FORMAT", default_value = "text", global = true,
          value_parser = ["text", "json"])]
    pub log_format: String,

    /// Log filter, in `tracing` syntax (e.g. `info`, `medexchange=debug`).
    #[arg(long, env = "MEDEXCHANGE_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Export OpenTelemetry traces over OTLP (HTTP/protobuf) to this
    /// collector (`http://HOST:4318`; `/v1/traces` is added unless the URL
    /// ends with it): a span per request, with its parsing, validation,
    /// DataLoader batches and SQL statements. Off when not given.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", global = true, value_parser = parse_otlp_endpoint)]
    pub otlp_endpoint: Option<String>,

    /// The `service.name` of the traces exported.
    #[arg(
        long,
        env = "OTEL_SERVICE_NAME",
        default_value = "medexchange",
        global = true
    )]
    pub otlp_service_name: String,

    /// Where photos' image files are kept: a folder, or
    /// `s3://BUCKET[/PREFIX]` (S3-compatible storage, shared by every
    /// process; credentials, region and endpoint from the usual `AWS_*`
    /// variables, e.g. `AWS_ENDPOINT_URL` and `AWS_ALLOW_HTTP=true` for a
    /// local server). By default a folder beside the SQLite file
    /// (`medexchange.db` -> `medexchange-media/`), or `./medexchange-media`
    /// with PostgreSQL.
    #[arg(
        long,
        env = "MEDEXCHANGE_MEDIA_STORE",
        default_value = "",
        global = true
    )]
    pub media_store: String,

    /// Most bytes one image file may have.
    #[arg(long, env = "MEDEXCHANGE_MAX_IMAGE_BYTES", default_value_t = 32 * 1024 * 1024, global = true,
          value_parser = clap::value_parser!(u64).range(1..=1024 * 1024 * 1024))]
    pub max_image_bytes: u64,

    /// Most pixels (width × height) one image may have; read from the
    /// file's header, so a decompression bomb is refused before decoding.
    #[arg(long, env = "MEDEXCHANGE_MAX_IMAGE_PIXELS", default_value_t = 50_000_000, global = true,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub max_image_pixels: u64,
}

impl Settings {
    /// The media store these settings name, opened (a folder is created).
    pub fn media_store(&self) -> Result<crate::media::MediaStore, String> {
        let spec = match self.media_store.trim() {
            "" => default_media_store(&self.database_url),
            given => given.to_owned(),
        };
        crate::media::MediaStore::open(&spec)
            .map_err(|e| format!("--media-store / MEDEXCHANGE_MEDIA_STORE {spec:?}: {e}"))
    }

    /// The limits every image file is checked against.
    pub fn file_limits(&self) -> crate::media::process::FileLimits {
        crate::media::process::FileLimits {
            max_bytes: self.max_image_bytes,
            max_pixels: self.max_image_pixels,
        }
    }
}

/// A folder beside the SQLite file (`x.db` -> `x-media`), memory for an
/// in-memory database, `./medexchange-media` otherwise.
fn default_media_store(database_url: &str) -> String {
    let Some(file) = database_url.strip_prefix("sqlite:") else {
        return "medexchange-media".to_owned();
    };
    let file = file.trim_start_matches("//");
    let file = file.split('?').next().unwrap_or_default();
    if file.is_empty() || file.contains(":memory:") {
        return "memory:".to_owned();
    }
    let path = std::path::Path::new(file);
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("medexchange");
    path.with_file_name(format!("{stem}-media"))
        .display()
        .to_string()
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API (the default). Migrates the database first and
    /// loads the bundled FY2020 report when the database is empty.
    Serve(Box<ServeArgs>),
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
    /// Print the translation-gap report: texts missing in a language, and
    /// Japanese texts holding Simplified Chinese characters (one per line,
    /// tab-separated; the counts on stderr).
    Gaps {
        /// Languages to report missing texts in (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "zh,ja", value_parser = parse_lang)]
        languages: Vec<Lang>,
    },
    /// Manage writers' API tokens (readers need none).
    Token {
        #[command(subcommand)]
        action: TokenCommand,
    },
    /// Photos' images: attach a file, remove unused files.
    Media {
        #[command(subcommand)]
        action: MediaCommand,
    },
    /// Add a deterministic synthetic bilingual dataset, for benchmarks.
    Generate {
        /// How many exchanges to add (each with ~2 talks and ~3 photos).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=5_000_000))]
        exchanges: u64,
        /// Seed: the same seed gives the same data; a seed already used is
        /// refused.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// What `medexchange media` does.
#[derive(Subcommand, Debug)]
pub enum MediaCommand {
    /// Attach an image file (JPEG, PNG or WebP) to the photo with this
    /// slug, replacing its image, as `setPhotoImage` does (history names
    /// the actor `cli`).
    Add {
        /// The photo's slug.
        photo: String,
        /// The image file.
        file: PathBuf,
    },
    /// Remove images no photo names and files no image names, once they
    /// are older than `--grace-secs` (`serve` does this hourly).
    Gc {
        /// Keep what is younger than this (an upload in progress has files
        /// before its photo names them).
        #[arg(long, default_value_t = 3600)]
        grace_secs: u64,
    },
}

/// What `medexchange token` does.
#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Mint a token, printed once, as the last line of the output (only
    /// its hash is kept). Names stay unique, even once revoked.
    Create {
        /// Who holds it (letters, digits, `.`, `_`, `-`, `@`): history
        /// records their changes under this name.
        #[arg(long)]
        name: String,
        /// `editor` (create, change, delete, restore) or `admin`.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// List every token: name, role, when created, when revoked.
    List,
    /// Revoke a token: it stops working at once, in every process.
    Revoke {
        /// The token's name.
        name: String,
    },
}

/// Settings of `serve`.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Language served when a request names none (no `lang` argument, no
    /// usable `Accept-Language`): zh, ja or en.
    #[arg(long, env = "MEDEXCHANGE_DEFAULT_LANGUAGE", default_value = "zh", value_parser = parse_lang)]
    pub default_language: Lang,

    /// Address to listen on.
    #[arg(long, env = "MEDEXCHANGE_LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,

    /// Deepest nesting of selections a query may have.
    #[arg(long, env = "MEDEXCHANGE_MAX_DEPTH", default_value_t = 15,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_depth: u32,

    /// Highest query cost: one per field, a connection's items counted
    /// `first` (or `last`, default 20) times.
    #[arg(long, env = "MEDEXCHANGE_MAX_COMPLEXITY", default_value_t = 20_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_complexity: u32,

    /// Most aliases one request may use.
    #[arg(long, env = "MEDEXCHANGE_MAX_ALIASES", default_value_t = 15,
          value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub max_aliases: u32,

    /// Most directives on one field.
    #[arg(long, env = "MEDEXCHANGE_MAX_DIRECTIVES", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub max_directives: u32,

    /// Most times one field (response key) may be selected in one selection
    /// set, fragments included.
    #[arg(long, env = "MEDEXCHANGE_MAX_FIELD_REPEATS", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_field_repeats: u32,

    /// Longest query text, in bytes.
    #[arg(long, env = "MEDEXCHANGE_MAX_QUERY_BYTES", default_value_t = 16 * 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_query_bytes: u32,

    /// Largest request body, in bytes; a larger one gets 413.
    #[arg(long, env = "MEDEXCHANGE_MAX_BODY_BYTES", default_value_t = 1024 * 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_body_bytes: u32,

    /// Longest a request may run, in milliseconds; it is then stopped and
    /// answered with a TIMEOUT error (504).
    #[arg(long, env = "MEDEXCHANGE_REQUEST_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub request_timeout_ms: u64,

    /// Most requests in one batch (a JSON array); 0 turns batching off.
    #[arg(long, env = "MEDEXCHANGE_MAX_BATCH_SIZE", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub max_batch_size: u32,

    /// Most mutations one request may run.
    #[arg(long, env = "MEDEXCHANGE_MAX_MUTATIONS", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_mutations: u32,

    /// Mutations one writer's token may run per minute, per process (a
    /// burst of as many is allowed; beyond it 429 with `Retry-After`). 0
    /// turns the limit off.
    #[arg(long, env = "MEDEXCHANGE_WRITES_PER_MINUTE", default_value_t = 120,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub writes_per_minute: u32,

    /// Origins allowed to call the API from a browser (CORS), comma
    /// separated, or `*` for any; none when empty.
    #[arg(
        long,
        env = "MEDEXCHANGE_CORS_ALLOWED_ORIGINS",
        default_value = "",
        value_delimiter = ','
    )]
    pub cors_allowed_origins: Vec<String>,

    /// Serve GraphiQL to browsers on `GET /graphql` (`--graphiql false` or
    /// `--no-graphiql` turns it off).
    #[arg(long, env = "MEDEXCHANGE_GRAPHIQL", default_value = "true", default_missing_value = "true",
          num_args = 0..=1, action = ArgAction::Set, value_parser = parse_switch,
          overrides_with = "no_graphiql")]
    graphiql: bool,

    /// Do not serve GraphiQL (the same as `--graphiql false`).
    #[arg(long, overrides_with = "graphiql")]
    no_graphiql: bool,

    /// Answer introspection queries (GraphiQL and code generators need
    /// them); `--introspection false` or `--no-introspection` turns it off.
    #[arg(long, env = "MEDEXCHANGE_INTROSPECTION", default_value = "true", default_missing_value = "true",
          num_args = 0..=1, action = ArgAction::Set, value_parser = parse_switch,
          overrides_with = "no_introspection")]
    introspection: bool,

    /// Do not answer introspection queries (the same as
    /// `--introspection false`).
    #[arg(long, overrides_with = "introspection")]
    no_introspection: bool,

    /// `Cache-Control: max-age` of successful GET answers, in seconds.
    #[arg(long, env = "MEDEXCHANGE_CACHE_MAX_AGE_SECS", default_value_t = 60)]
    pub cache_max_age_secs: u64,

    /// How many persisted queries (by hash) the process remembers.
    #[arg(long, env = "MEDEXCHANGE_PERSISTED_QUERIES", default_value_t = 1_000,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub persisted_queries: u32,

    /// Answers remembered per process for identical requests (0 turns the
    /// response cache off).
    #[arg(long, env = "MEDEXCHANGE_RESPONSE_CACHE_ENTRIES", default_value_t = 1_000,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub response_cache_entries: u32,

    /// Most requests running at once in this process, over HTTP and
    /// WebSocket alike; beyond it 503 (`OVERLOADED`) with `Retry-After`.
    /// Health and metrics are never refused. 0: no bound.
    #[arg(long, env = "MEDEXCHANGE_MAX_IN_FLIGHT", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub max_in_flight: u32,

    /// Most WebSocket connections open at once in this process; beyond it
    /// the upgrade is refused with 503 and `Retry-After`.
    #[arg(long, env = "MEDEXCHANGE_MAX_WEBSOCKETS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_websockets: u32,

    /// Most operations (subscriptions, queries, mutations) running at once
    /// on one WebSocket connection; one more is answered with an `error`
    /// message (`TOO_MANY_SUBSCRIPTIONS`).
    #[arg(long, env = "MEDEXCHANGE_MAX_SUBSCRIPTIONS_PER_CONNECTION", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_subscriptions_per_connection: u32,

    /// Milliseconds a WebSocket connection may take to send
    /// `connection_init`; it is then closed with 4408.
    #[arg(long, env = "MEDEXCHANGE_CONNECTION_INIT_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub connection_init_timeout_ms: u64,

    /// Most memory the remembered answers may take together, in MiB.
    #[arg(long, env = "MEDEXCHANGE_RESPONSE_CACHE_MB", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub response_cache_mb: u32,

    /// How often, in milliseconds, the data version is read: a write made
    /// by another process is noticed (older remembered answers dropped, the
    /// in-memory hospitals, speakers and specialties reloaded) within this
    /// time. 0 reads it at every request instead (one statement more each)
    /// and turns the response cache off.
    #[arg(long, env = "MEDEXCHANGE_DATA_VERSION_POLL_MS", default_value_t = 250,
          value_parser = parse_poll_ms)]
    pub data_version_poll_ms: u64,

    /// Answer analysts' questions (`exchangeStats`, `partnerships`) from an
    /// in-memory table of the exchanges, read at start and kept up to date
    /// from the change log: about 80 bytes an exchange (1,000,000
    /// exchanges: ~100 MB more RSS). `false`: by SQL statements, 10 to
    /// 100 times slower.
    #[arg(long, env = "MEDEXCHANGE_FACT_TABLE", default_value = "true", default_missing_value = "true",
          num_args = 0..=1, action = ArgAction::Set, value_parser = parse_switch)]
    pub fact_table: bool,

    /// Most files one upload request may carry.
    #[arg(long, env = "MEDEXCHANGE_MAX_UPLOAD_FILES", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_upload_files: u32,

    /// The service's public origin (`https://archive.example.org`): IIIF
    /// manifests and `info.json` need absolute URLs, and GraphQL's IIIF
    /// fields give them. Without it, IIIF documents take the origin from
    /// the request's `Host` (set it behind a CDN or proxy).
    #[arg(long, env = "MEDEXCHANGE_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Memory for image files served from memory (IIIF images drawn on
    /// request, derivatives read lately), in MiB.
    #[arg(long, env = "MEDEXCHANGE_IIIF_CACHE_MB", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub iiif_cache_mb: u32,

    /// Manifests of trusted documents (repeat the flag, or separate files
    /// with commas in the variable): graphql-codegen's
    /// `persisted-documents.json`, Apollo's persisted query manifest, Relay's
    /// `persisted_queries.json`. With them, anonymous callers may run only
    /// those documents, by `documentId` or persisted query hash; SIGHUP
    /// reads the files again. See `docs/frontend.md`.
    #[arg(
        long = "trusted-documents",
        env = "MEDEXCHANGE_TRUSTED_DOCUMENTS",
        value_delimiter = ',',
        value_name = "FILE"
    )]
    pub trusted_documents: Vec<PathBuf>,

    /// Hold token holders (editors, GraphiQL after sign-in) to the trusted
    /// documents too.
    #[arg(long, env = "MEDEXCHANGE_TRUSTED_DOCUMENTS_ONLY_FOR_ALL", default_value = "false",
          default_missing_value = "true", num_args = 0..=1, value_parser = parse_switch,
          requires = "trusted_documents")]
    pub trusted_documents_only_for_all: bool,

    /// A PostgreSQL hot standby of the primary that queries read from
    /// (repeat the flag, or separate URLs with commas in the variable).
    /// Mutations, tokens, subscriptions and what each process keeps in
    /// memory stay on the primary. See `docs/operations.md`.
    #[arg(
        long = "database-read-url",
        env = "DATABASE_READ_URLS",
        value_delimiter = ',',
        value_name = "URL",
        value_parser = parse_standby_url
    )]
    pub database_read_urls: Vec<String>,

    /// A standby whose replay lags the primary by more, in milliseconds, is
    /// out of rotation until it catches up.
    #[arg(long, env = "MEDEXCHANGE_MAX_REPLICA_LAG_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub max_replica_lag_ms: u64,

    /// Longest a query waits, in milliseconds, for a standby to replay the
    /// data version it needs (a write just made) before reading from the
    /// primary.
    #[arg(long, env = "MEDEXCHANGE_REPLICA_WAIT_MS", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub replica_wait_ms: u64,

    /// Keep the writers' rate (`--writes-per-minute`) in Redis
    /// (`redis://[:PASSWORD@]HOST[:PORT][/DB]`) instead of the database.
    /// Every process shares it either way; when it does not answer, writes
    /// are refused (`WRITE_RATE_UNAVAILABLE`) and reads go on.
    #[arg(long, env = "MEDEXCHANGE_REDIS_URL", value_parser = parse_redis_url)]
    pub redis_url: Option<String>,

    /// Seconds in-flight requests may run after SIGTERM or SIGINT before
    /// the process exits anyway.
    #[arg(long, env = "MEDEXCHANGE_SHUTDOWN_TIMEOUT_SECS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_timeout_secs: u64,
}

/// Reads `true`/`false` (also `1`/`0`, `on`/`off`, `yes`/`no`).
fn parse_switch(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Ok(true),
        "false" | "0" | "off" | "no" => Ok(false),
        _ => Err("expected true or false".to_owned()),
    }
}

impl ServeArgs {
    /// The request limits these settings give.
    pub fn limits(&self) -> Limits {
        Limits {
            max_depth: self.max_depth as usize,
            max_complexity: self.max_complexity as usize,
            max_aliases: self.max_aliases as usize,
            max_directives: self.max_directives as usize,
            max_field_repeats: self.max_field_repeats as usize,
            max_query_bytes: self.max_query_bytes as usize,
            max_body_bytes: self.max_body_bytes as usize,
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            max_batch_size: self.max_batch_size as usize,
            max_mutations: self.max_mutations as usize,
            writes_per_minute: self.writes_per_minute,
            max_in_flight: self.max_in_flight as usize,
        }
    }

    /// The HTTP options these settings give.
    pub fn http_options(&self) -> HttpOptions {
        HttpOptions {
            cors_allowed_origins: self
                .cors_allowed_origins
                .iter()
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            graphiql: self.graphiql && !self.no_graphiql,
            introspection: self.introspection && !self.no_introspection,
            cache_max_age: Duration::from_secs(self.cache_max_age_secs),
            persisted_queries: self.persisted_queries as usize,
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout_secs),
            response_cache_entries: self.response_cache_entries as usize,
            response_cache_bytes: self.response_cache_mb as usize * 1024 * 1024,
            data_version_poll: Duration::from_millis(self.data_version_poll_ms),
            fact_table: self.fact_table,
            max_websockets: self.max_websockets as usize,
            max_subscriptions_per_connection: self.max_subscriptions_per_connection as usize,
            connection_init_timeout: Duration::from_millis(self.connection_init_timeout_ms),
            media: crate::media::MediaOptions {
                max_files: self.max_upload_files as usize,
                public_url: self.public_url.clone(),
                render_cache_bytes: self.iiif_cache_mb as usize * 1024 * 1024,
                ..crate::media::MediaOptions::default()
            },
            trusted_documents: None,
            standbys: Vec::new(),
            replicas: crate::store::replicas::ReplicaOptions {
                max_lag: Duration::from_millis(self.max_replica_lag_ms),
                wait: Duration::from_millis(self.replica_wait_ms),
            },
            redis: self
                .redis_url
                .as_deref()
                .and_then(|url| crate::store::redis::Redis::new(url).ok())
                .map(std::sync::Arc::new),
        }
    }

    /// The trusted documents the settings name, read now; `None` without
    /// `--trusted-documents`.
    pub fn trusted_documents(
        &self,
    ) -> Result<Option<std::sync::Arc<crate::http::trusted::TrustedDocuments>>, String> {
        if self.trusted_documents.is_empty() {
            return Ok(None);
        }
        let files = self.trusted_documents.clone();
        crate::http::trusted::TrustedDocuments::load(files, self.trusted_documents_only_for_all)
            .map(|documents| Some(std::sync::Arc::new(documents)))
            .map_err(|e| format!("--trusted-documents / MEDEXCHANGE_TRUSTED_DOCUMENTS: {e}"))
    }
}
/// 0 (every request), or 10 to 60,000 ms: polling faster than every 10 ms
/// costs more than reading at every request.
fn parse_poll_ms(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(ms) if ms == 0 || (10..=60_000).contains(&ms) => Ok(ms),
        _ => Err("expected 0 (read at every request) or 10 to 60000".to_owned()),
    }
}

/// `http(s)://HOST[:PORT][/PATH]`, kept without a trailing slash.
fn parse_public_url(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.contains(['?', '#', ' ']) => Ok(text.to_owned()),
        _ => Err("expected http(s)://HOST[:PORT][/PATH]".to_owned()),
    }
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(&text.to_ascii_uppercase())
        .ok_or_else(|| format!("{text:?} is not a role: editor or admin"))
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

/// Accepts `http://` and `https://` URLs.
fn parse_otlp_endpoint(text: &str) -> Result<String, String> {
    let text = text.trim();
    match text.starts_with("http://") || text.starts_with("https://") {
        true => Ok(text.to_owned()),
        false => {
            Err("expected http://HOST:PORT (an OTLP/HTTP collector, usually port 4318)".to_owned())
        }
    }
}

/// Accepts `redis://` URLs that name a host.
fn parse_redis_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    crate::store::redis::Redis::new(text).map(|_| text.to_owned())
}

/// Accepts `postgres:`/`postgresql:` URLs: standbys are PostgreSQL's.
fn parse_standby_url(text: &str) -> Result<String, String> {
    match parse_database_url(text) {
        Ok(url) if !url.starts_with("sqlite:") => Ok(url),
        _ => Err("expected postgres://USER@HOST:PORT/DB (a PostgreSQL hot standby)".to_owned()),
    }
}

/// The pool size when none is given: twice the cores the process may use,
/// at least 4. More statements at once than the cores can run only queue
/// inside PostgreSQL and wait on one another's locks: on 2 cores, with
/// PostgreSQL on the same machine, 4 connections instead of 10 answered
/// list pages at p99 21-25 ms instead of 26-33 (four alternating pairs)
/// and single exchanges at 6.4-6.9 instead of 7.8-8.9 ms (two), with as
/// many or more requests a second.
fn default_db_connections() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores * 2).unwrap_or(u32::MAX).max(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_options(args: &[&str]) -> HttpOptions {
        let mut cli = Cli::try_parse_args(args).unwrap();
        match cli.take_command() {
            Command::Serve(serve) => serve.http_options(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn switches_take_a_value_or_a_no_form() {
        assert!(serve_options(&["medexchange"]).graphiql);
        assert!(serve_options(&["medexchange", "serve", "--graphiql"]).graphiql);
        assert!(!serve_options(&["medexchange", "serve", "--graphiql", "false"]).graphiql);
        assert!(!serve_options(&["medexchange", "serve", "--graphiql=off"]).graphiql);
        assert!(!serve_options(&["medexchange", "serve", "--no-graphiql"]).graphiql);
        assert!(serve_options(&["medexchange", "serve", "--no-graphiql", "--graphiql"]).graphiql);
        let no_introspection = serve_options(&["medexchange", "serve", "--no-introspection"]);
        assert!(!no_introspection.introspection && no_introspection.graphiql);
        assert!(!serve_options(&["medexchange", "serve", "--introspection", "0"]).introspection);
        assert!(!serve_options(&["medexchange", "--no-graphiql"]).graphiql);
        assert!(Cli::try_parse_from(["medexchange", "serve", "--graphiql", "maybe"]).is_err());
        assert!(Cli::try_parse_args(["medexchange", "--max-depth", "3", "import", "f"]).is_err());
    }

    #[test]
    fn every_server_setting_reads_the_same_with_or_without_serve() {
        let command = Cli::command();
        let serve = command.find_subcommand("serve").unwrap();
        let mut checked = 0;
        for argument in serve.get_arguments() {
            let Some(long) = argument.get_long() else {
                continue;
            };
            let setting = format!("--{long}");
            let value = argument
                .get_default_values()
                .first()
                .and_then(|v| v.to_str())
                .unwrap_or("1")
                .to_owned();
            for given in [vec![setting.clone()], vec![setting.clone(), value]] {
                let mut short = vec!["medexchange".to_owned()];
                short.extend(given.iter().cloned());
                let mut long_form = vec!["medexchange".to_owned(), "serve".to_owned()];
                long_form.extend(given.iter().cloned());
                let kind = |args: &[String]| Cli::try_parse_args(args).err().map(|e| e.kind());
                assert_eq!(kind(&short), kind(&long_form), "{given:?}");
                checked += 1;
            }
        }
        assert!(checked > 40, "{checked}");
    }

    #[test]
    fn a_setting_given_to_the_wrong_command_names_its_command() {
        let error = Cli::try_parse_args(["medexchange", "import", "--listen", "x", "f"])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(
                "`--listen` is a setting of `medexchange serve`, not of `medexchange import`"
            ),
            "{error}"
        );
        let error = Cli::try_parse_args(["medexchange", "--max-depth", "deep"])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("deep") && !error.contains("unexpected argument"),
            "{error}"
        );
        let error = Cli::try_parse_args(["medexchange", "--nonsense"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::UnknownArgument);
    }

    #[test]
    fn the_data_version_is_polled_or_read_at_every_request() {
        let poll = |ms: &str| {
            let args = ["medexchange", "serve", "--data-version-poll-ms", ms];
            Cli::try_parse_args(args).map(|mut cli| match cli.take_command() {
                Command::Serve(serve) => serve.http_options().data_version_poll,
                other => panic!("{other:?}"),
            })
        };
        assert_eq!(poll("0").unwrap(), Duration::ZERO);
        assert_eq!(poll("250").unwrap(), Duration::from_millis(250));
        assert!(poll("5").is_err() && poll("60001").is_err() && poll("soon").is_err());
    }

    #[test]
    fn each_command_helps_with_its_own_settings_only() {
        let mut cli = Cli::command();
        cli.build();
        let help = |cli: &mut clap::Command, name: &str| {
            cli.find_subcommand_mut(name)
                .unwrap()
                .render_long_help()
                .to_string()
        };
        let import = help(&mut cli, "import");
        assert!(import.contains("--database-url") && !import.contains("--max-depth"));
        let generate = help(&mut cli, "generate");
        assert!(generate.contains("--seed") && !generate.contains("--listen"));
        let serve = help(&mut cli, "serve");
        assert!(serve.contains("--max-depth") && serve.contains("--no-graphiql"));
    }
}
