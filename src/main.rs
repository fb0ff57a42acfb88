//! The `medexchange` binary: parse settings, start logging, run a command.

use medexchange::config::{Cli, Command, MediaCommand, ServeArgs, Settings, TokenCommand};
use medexchange::i18n::Lang;
use medexchange::store::tokens;
use medexchange::{AppState, dataset, graphql, store, telemetry};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// mimalloc: per-thread free lists, no arena lock waits under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's delay before it returns freed memory to the system, unless
/// the environment gives one: 10 ms (v2's default) rather than v3's 1 s.
/// With 1 s, back-to-back uploads of 12-megapixel photos each found the
/// last one's buffers not yet returned: peak RSS 224-255 MiB over idle
/// instead of 182 (`scripts/bench-upload.sh`). Pages pay little for it
/// (`scripts/bench-pages.sh`, uncached, 50,000 exchanges, two alternating
/// pairs, 2026-12-03): list page 1,237/1,266 vs 1,254/1,295 req/s with
/// 0.77 vs 0.74-0.76 ms of CPU each, single exchange 4,899/4,937 vs
/// 4,732/4,755.
const PURGE_DELAY_MS: &str = "10";

fn main() -> ExitCode {
    // mimalloc reads its options from the environment once, before `main`:
    // the process starts itself again with the setting (same pid, same
    // arguments) when it is not given.
    #[cfg(unix)]
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
        && let Ok(exe) = std::env::current_exe()
    {
        use std::os::unix::process::CommandExt;
        let error = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("MIMALLOC_PURGE_DELAY", PURGE_DELAY_MS)
            .exec();
        eprintln!(
            "medexchange: could not restart with MIMALLOC_PURGE_DELAY set ({error}); going on"
        );
    }
    run_main()
}

#[tokio::main]
async fn run_main() -> ExitCode {
    let mut cli = Cli::parse_args(std::env::args_os());
    let command = cli.take_command();
    init_tracing(&cli.settings);
    match run(&cli.settings, command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("medexchange: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr; colours only on a terminal, and never under `NO_COLOR`.
/// PostgreSQL's notices (`relation "seaql_migrations" already exists,
/// skipping` at every start) are the server talking to itself: logged only
/// as warnings, unless the filter names `sqlx` itself.
const QUIET_NOTICES: &str = "sqlx::postgres::notice=warn";

fn init_tracing(settings: &Settings) {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = &settings.log;
    // The spans exported as traces are not log lines.
    let filter = match filter.contains("sqlx") {
        true => format!("{filter},{}=off", telemetry::TARGET),
        false => format!("{filter},{QUIET_NOTICES},{}=off", telemetry::TARGET),
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|error| {
        eprintln!("medexchange: --log / MEDEXCHANGE_LOG {:?} is not a valid filter ({error}); using `info`", settings.log);
        tracing_subscriber::EnvFilter::new(format!("info,{QUIET_NOTICES},{}=off", telemetry::TARGET))
    });
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let logs = tracing_subscriber::fmt::layer()
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    let logs = match settings.log_format.as_str() {
        "json" => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_filter(filter)
            .boxed(),
        _ => logs.with_filter(filter).boxed(),
    };
    let traces = settings.otlp_endpoint.as_deref().map(|endpoint| {
        let only_spans = tracing_subscriber::filter::Targets::new()
            .with_target(telemetry::TARGET, tracing::Level::TRACE);
        telemetry::OtlpLayer::new(endpoint, settings.otlp_service_name.clone())
            .with_filter(only_spans)
    });
    tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .init();
    if let Some(endpoint) = &settings.otlp_endpoint {
        tracing::info!(endpoint, "exporting traces over OTLP");
    }
}

async fn run(settings: &Settings, command: Command) -> Result<(), String> {
    match command {
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Serve(args) => serve(settings, *args).await,
        Command::Migrate => {
            connect_and_migrate(settings).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Import { file } => import(settings, &file).await,
        Command::Reindex => reindex(settings).await,
        Command::Export { output } => export(settings, output).await,
        Command::Gaps { languages } => gaps(settings, &languages).await,
        Command::Token { action } => token(settings, action).await,
        Command::Media { action } => media(settings, action).await,
        Command::Generate { exchanges, seed } => {
            let db = connect_and_migrate(settings).await?;
            let started = Instant::now();
            let summary = dataset::generate::generate(&db, exchanges as usize, seed)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!("generated {summary} in {:.1?}", started.elapsed());
            Ok(())
        }
    }
}

async fn import(settings: &Settings, file: &Path) -> Result<(), String> {
    let (text, name) = if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("stdin: {e}"))?;
        (text, "stdin".to_owned())
    } else {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        (text, file.display().to_string())
    };
    let mut parsed = dataset::parse(&text, &name).map_err(|e| e.to_string())?;
    let db = connect_and_migrate(settings).await?;
    // Image files are named relative to the dataset file (or, on stdin, to
    // the working directory); they are stored before the dataset is
    // written, so it only names images that are there.
    let base = match file.as_os_str() == "-" {
        true => PathBuf::from("."),
        false => file.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let media = media_library(settings, &db)?;
    let images = media.store_files_of(&mut parsed, &base).await?;
    let summary = dataset::import::import(&db, &parsed, &name)
        .await
        .map_err(|e| e.to_string())?;
    match images {
        0 => eprintln!("imported {name}: {summary}"),
        n => eprintln!("imported {name}: {summary}; {n} image files stored"),
    }
    Ok(())
}

/// The media library the commands use, over `db`.
fn media_library(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
) -> Result<medexchange::media::Media, String> {
    let options = medexchange::media::MediaOptions {
        store: settings.media_store()?,
        limits: settings.file_limits(),
        ..medexchange::media::MediaOptions::default()
    };
    Ok(medexchange::media::Media::new(options, db.clone(), None))
}

async fn media(settings: &Settings, action: MediaCommand) -> Result<(), String> {
    let db = connect_and_migrate(settings).await?;
    let media = media_library(settings, &db)?;
    match action {
        MediaCommand::Add { photo, file } => {
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let image = media
                .ingest(bytes)
                .await
                .map_err(|e| e.to_string())?
                .map_err(|problem| format!("{}: {problem}", file.display()))?;
            medexchange::edit::attach_image(&db, &photo, &image)
                .await
                .map_err(|e| format!("{photo}: {e}"))?;
            eprintln!(
                "attached {} ({}×{}, {}) to the photo {photo}",
                file.display(),
                image.width,
                image.height,
                image.content_type
            );
            Ok(())
        }
        MediaCommand::Gc { grace_secs } => {
            let grace = std::time::Duration::from_secs(grace_secs);
            let collected = media
                .collect_garbage(grace)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!(
                "removed {} unused images and {} files",
                collected.images, collected.files
            );
            Ok(())
        }
    }
}

async fn reindex(settings: &Settings) -> Result<(), String> {
    let db = connect_and_migrate(settings).await?;
    let started = Instant::now();
    let indexed = store::search_index::rebuild_all(&db)
        .await
        .map_err(|e| format!("reindex failed: {e}"))?;
    eprintln!("indexed {indexed} texts in {:.1?}", started.elapsed());
    Ok(())
}

async fn gaps(settings: &Settings, languages: &[Lang]) -> Result<(), String> {
    use store::translation_gaps::{MissingText, missing, simplified_in_japanese};
    let db = connect_and_migrate(settings).await?;
    let failed = |e: sea_orm::DbErr| format!("report failed: {e}");
    let missing = missing(&db, languages).await.map_err(failed)?;
    let slips = simplified_in_japanese(&db).await.map_err(failed)?;
    let codes = |has: bool, row: &MissingText| {
        let langs = Lang::ALL.into_iter().filter(|l| row.has(*l) == has);
        langs.map(Lang::code).collect::<Vec<_>>().join(",")
    };
    let mut lines = Vec::new();
    for row in &missing {
        let (has, lacks) = (codes(true, row), codes(false, row));
        let field = format!("{}.{}", row.kind, row.field);
        lines.push(format!(
            "missing\t{field}\t{}\thas {has}\tlacks {lacks}",
            row.slug
        ));
    }
    for row in &slips {
        let found = medexchange::i18n::slips::slips(&row.text);
        let pairs: Vec<String> = found.iter().map(|(s, j)| format!("{s}→{j}")).collect();
        let (field, text) = (
            format!("{}.{}", row.kind, row.field),
            row.text.replace(['\t', '\n'], " "),
        );
        lines.push(format!(
            "simplified\t{field}\t{}\t{}\t{text}",
            row.slug,
            pairs.join(" ")
        ));
    }
    print_lines(&lines)?;
    let asked: Vec<&str> = languages.iter().map(|l| l.code()).collect();
    eprintln!(
        "{} texts missing in {}; {} Japanese texts with Simplified characters",
        missing.len(),
        asked.join("/"),
        slips.len()
    );
    Ok(())
}

async fn token(settings: &Settings, action: TokenCommand) -> Result<(), String> {
    let db = connect_and_migrate(settings).await?;
    match action {
        TokenCommand::Create { name, role } => {
            let token = tokens::create(&db, &name, role)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!(
                "created the {} token {name:?}; it is shown once, below: keep it secret",
                role.as_str().to_lowercase()
            );
            print_lines(&[token])
        }
        TokenCommand::List => {
            let rows = tokens::list(&db).await.map_err(|e| e.to_string())?;
            let mut lines = vec!["name\trole\tcreated\trevoked".to_owned()];
            lines.extend(rows.iter().map(|row| {
                let revoked = row.revoked_at.as_deref().unwrap_or("-");
                format!(
                    "{}\t{}\t{}\t{revoked}",
                    row.name,
                    row.role.to_lowercase(),
                    row.created_at
                )
            }));
            print_lines(&lines)
        }
        TokenCommand::Revoke { name } => {
            tokens::revoke(&db, &name)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!("revoked the token {name:?}");
            Ok(())
        }
    }
}

/// Writes lines to stdout; a reader that stops early (`| head`) ends the
/// output quietly.
fn print_lines(lines: &[String]) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for line in lines {
        match writeln!(out, "{line}") {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(format!("stdout: {e}")),
        }
    }
    Ok(())
}

async fn export(settings: &Settings, output: Option<PathBuf>) -> Result<(), String> {
    let db = connect_and_migrate(settings).await?;
    let mut data = dataset::export::export(&db)
        .await
        .map_err(|e| format!("export failed: {e}"))?;
    // Beside a file, the originals go into a folder next to it
    // (`archive.yaml` -> `archive-media/`), named relative to the file so
    // that importing it stores them again; on stdout images stay named by
    // hash.
    if let Some(path) = &output {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("export");
        let folder_name = format!("{stem}-media");
        let folder = path.with_file_name(&folder_name);
        let media = media_library(settings, &db)?;
        let written = media
            .export_files_of(&mut data, &folder, &folder_name)
            .await?;
        if written > 0 {
            eprintln!("wrote {written} image files to {}", folder.display());
        }
    }
    let yaml = dataset::export::to_yaml(&data).map_err(|e| format!("export failed: {e}"))?;
    match output {
        Some(path) => std::fs::write(&path, yaml).map_err(|e| format!("{}: {e}", path.display())),
        None => {
            print!("{yaml}");
            Ok(())
        }
    }
}

async fn connect(settings: &Settings) -> Result<sea_orm::DatabaseConnection, String> {
    store::connect(&settings.database_url, settings.db_max_connections)
        .await
        .map_err(|e| format!("--database-url / DATABASE_URL: {e}"))
}

async fn connect_and_migrate(settings: &Settings) -> Result<sea_orm::DatabaseConnection, String> {
    let db = connect(settings).await?;
    store::migrate(&db)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    Ok(db)
}

/// Pools on the standbys `--database-read-url` names (PostgreSQL primary
/// only), connecting when first used.
async fn standbys(
    settings: &Settings,
    args: &ServeArgs,
) -> Result<Vec<(String, sea_orm::DatabaseConnection)>, String> {
    if args.database_read_urls.is_empty() {
        return Ok(Vec::new());
    }
    if settings.database_url.starts_with("sqlite:") {
        return Err("--database-read-url / DATABASE_READ_URLS: standbys need a PostgreSQL primary (--database-url postgres://...)".to_owned());
    }
    let standbys =
        store::replicas::open_standbys(&args.database_read_urls, settings.db_max_connections)
            .await
            .map_err(|e| format!("--database-read-url / DATABASE_READ_URLS: {e}"))?;
    for (place, _) in &standbys {
        tracing::info!(standby = %place, "queries read from this standby when it has the data");
    }
    Ok(standbys)
}

async fn serve(settings: &Settings, args: ServeArgs) -> Result<(), String> {
    let started = Instant::now();
    let trusted = args.trusted_documents()?;
    let db = connect(settings).await?;
    let loaded = medexchange::prepare_database(&db)
        .await
        .map_err(|e| format!("cannot prepare the database: {e}"))?;
    if loaded {
        tracing::info!("loaded the bundled FY2020 report into an empty database");
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("--listen / MEDEXCHANGE_LISTEN {}: {e}", args.listen))?;
    // The address bound: with `--listen 127.0.0.1:0` the system picks the
    // port, and this line (on stdout, whatever the log level) says which.
    let address = listener.local_addr().unwrap_or(args.listen);
    println!("listening on http://{address}/graphql");
    tracing::info!(
        %address,
        startup_ms = started.elapsed().as_millis() as u64,
        "serving GraphQL on http://{address}/graphql (GraphiQL in a browser)",
    );
    let mut options = args.http_options();
    if let Some(trusted) = &trusted {
        tracing::info!(
            documents = trusted.len(),
            "anonymous callers run trusted documents only"
        );
    }
    options.trusted_documents = trusted.clone();
    options.standbys = standbys(settings, &args).await?;
    tokio::spawn(reload_on_hangup(trusted));
    options.media.store = settings.media_store()?;
    options.media.limits = settings.file_limits();
    tracing::info!(
        store = options.media.store.description(),
        "photos' images are kept here"
    );
    let deadline = options.shutdown_timeout;
    let state = AppState::configured(db, args.default_language, args.limits(), options);
    tokio::spawn(collect_media_garbage(state.media.clone()));
    // Analysts' first questions are answered from memory once it is read.
    state.analytics.warm();
    let app = medexchange::app(state);
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    });
    // After the signal, new connections are refused and in-flight requests
    // finish; past the deadline the process exits anyway.
    let deadline = async move {
        let _ = stopped.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(deadline).await;
    };
    tokio::select! {
        result = server => result.map_err(|e| format!("server error: {e}")),
        () = deadline => {
            tracing::warn!("shutdown deadline passed with requests still running; exiting");
            Ok(())
        }
    }
}

/// Every hour, removes image files and images no one names any more (see
/// [`medexchange::media::Media::collect_garbage`]).
async fn collect_media_garbage(media: std::sync::Arc<medexchange::media::Media>) {
    let mut hours = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hours.tick().await;
        match media
            .collect_garbage(medexchange::media::GARBAGE_GRACE)
            .await
        {
            Ok(collected) if collected.files + collected.images > 0 => {
                tracing::info!(
                    images = collected.images,
                    files = collected.files,
                    "removed unused image files"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not remove unused image files"),
        }
    }
}

/// On each SIGHUP, reads the trusted documents again (see
/// [`medexchange::http::trusted`]); without them SIGHUP is only logged, so
/// it never stops the server.
async fn reload_on_hangup(
    trusted: Option<std::sync::Arc<medexchange::http::trusted::TrustedDocuments>>,
) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            return;
        };
        while hangups.recv().await.is_some() {
            match trusted.as_deref().map(|t| t.reload()) {
                None => tracing::info!("SIGHUP: no trusted documents to read again"),
                Some(Ok(documents)) => {
                    tracing::info!(documents, "SIGHUP: read the trusted documents")
                }
                Some(Err(error)) => {
                    tracing::error!(%error, "SIGHUP: kept the trusted documents read before")
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = trusted;
}

/// Resolves on SIGINT or SIGTERM; in-flight requests then finish.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
