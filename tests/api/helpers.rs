//! `TestApp`: the real router over a fresh database, on SQLite and (when
//! `TEST_DATABASE_URL` is set) on PostgreSQL.
//!
//! Each app gets its own database: a temporary SQLite file, or a throwaway
//! PostgreSQL database created on the server `TEST_DATABASE_URL` names and
//! dropped when the app is dropped. Databases left by a crashed run are
//! dropped by the next run.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use medexchange::AppState;
use medexchange::graphql::limits::Limits;
use medexchange::http::options::HttpOptions;
use medexchange::i18n::Lang;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};
use tower::ServiceExt;

static COUNTER: AtomicUsize = AtomicUsize::new(0);
/// Connections in a test app's pool.
const POOL: u32 = 5;
const PREFIX: &str = "medexchange_test_";

/// Which engine a test app runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A throwaway database, removed on drop.
enum Scratch {
    SqliteFile(std::path::PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another app's database: that app removes it.
    Borrowed,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        match self {
            Scratch::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm", ".lock"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Scratch::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(runtime) = runtime {
                        runtime.block_on(drop_database(&admin_url, &name));
                    }
                })
                .join();
            }
            Scratch::Borrowed => {}
        }
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    if let Ok(admin) = Database::connect(admin_url).await {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
        let _ = admin.close().await;
    }
}

/// The default HTTP options with the response cache off and the data
/// version read at every request: a test's own writes are seen at once.
pub fn uncached() -> HttpOptions {
    HttpOptions {
        response_cache_entries: 0,
        data_version_poll: std::time::Duration::ZERO,
        ..HttpOptions::default()
    }
}

/// An empty throwaway database (nothing migrated), removed on drop.
pub struct ScratchDatabase {
    /// Its URL.
    pub url: String,
    scratch: Scratch,
}

impl ScratchDatabase {
    /// A new empty database on `engine`.
    pub async fn new(engine: Engine) -> ScratchDatabase {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let (url, scratch) = match engine {
            Engine::Sqlite => {
                let path =
                    std::env::temp_dir().join(format!("{PREFIX}{}_{n}.db", std::process::id()));
                (
                    format!("sqlite://{}", path.display()),
                    Scratch::SqliteFile(path),
                )
            }
            Engine::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
                let name = format!("{PREFIX}{}_{n}", std::process::id());
                let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
                    panic!("TEST_DATABASE_URL={admin_url} is unreachable: {e}")
                });
                drop_stale_databases(&admin).await;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap_or_else(|e| {
                        panic!("cannot create a test database on {admin_url}: {e}")
                    });
                let _ = admin.close().await;
                (
                    with_database(&admin_url, &name),
                    Scratch::Postgres { admin_url, name },
                )
            }
        };
        ScratchDatabase { url, scratch }
    }
}

/// The real router over its own database.
pub struct TestApp {
    pub engine: Engine,
    pub router: Router,
    /// What the router serves from (its pipeline, caches, data version).
    pub state: AppState,
    pub db: DatabaseConnection,
    /// SQL statements run through the router (the server's own counter).
    statements: Arc<AtomicU64>,
    _scratch: Scratch,
}

/// A response: status, headers and JSON body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub text: String,
    /// The body's bytes (images).
    pub raw: axum::body::Bytes,
}

impl Reply {
    /// The start of the body, cut on a character boundary (bodies hold
    /// Chinese and Japanese), for failure messages.
    pub fn excerpt(&self) -> String {
        excerpt(&self.text, 300)
    }
}

/// The first `chars` characters of `text`, with `…` when cut.
pub fn excerpt(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[test]
fn excerpts_cut_between_characters_not_inside_them() {
    let text = "顺天堂医院".repeat(100);
    assert_eq!(excerpt(&text, 301).chars().count(), 302);
    assert_eq!(excerpt("短い", 300), "短い");
}

impl TestApp {
    /// One app per engine available, each holding the bundled FY2020 report,
    /// with the response cache off: tests that write and read again see
    /// their writes at once (the cache follows writes within the data
    /// version's poll interval; `tests/api/response_cache.rs` tests it).
    pub async fn each() -> Vec<TestApp> {
        TestApp::each_with_limits(Limits::default()).await
    }

    /// Like [`TestApp::each`], with these request limits.
    pub async fn each_with_limits(limits: Limits) -> Vec<TestApp> {
        TestApp::each_configured(limits, uncached()).await
    }

    /// Like [`TestApp::each`], with these limits and HTTP options.
    pub async fn each_configured(limits: Limits, options: HttpOptions) -> Vec<TestApp> {
        TestApp::each_made(true, limits, options, POOL).await
    }

    /// Like [`TestApp::each`], over a pool of one connection: what the
    /// database remembers per session (prepared statements and their
    /// plans) can be read back through `db`.
    pub async fn each_on_one_connection() -> Vec<TestApp> {
        TestApp::each_made(true, Limits::default(), uncached(), 1).await
    }

    /// One app per engine available, each with an empty (migrated) database.
    pub async fn each_empty() -> Vec<TestApp> {
        TestApp::each_made(false, Limits::default(), uncached(), POOL).await
    }

    /// One app per engine available, made by [`TestApp::new`].
    async fn each_made(
        with_report: bool,
        limits: Limits,
        options: HttpOptions,
        connections: u32,
    ) -> Vec<TestApp> {
        let mut apps = Vec::new();
        for engine in engines() {
            let (limits, options) = (limits.clone(), options.clone());
            apps.push(TestApp::new(engine, with_report, limits, options, connections).await);
        }
        apps
    }

    async fn new(
        engine: Engine,
        with_report: bool,
        limits: Limits,
        options: HttpOptions,
        connections: u32,
    ) -> TestApp {
        static LOG: Once = Once::new();
        LOG.call_once(|| {
            // MEDEXCHANGE_TEST_LOG=debug shows the server's logs (causes of INTERNAL errors).
            if let Ok(filter) = std::env::var("MEDEXCHANGE_TEST_LOG") {
                let _ = tracing_subscriber::fmt()
                    .with_env_filter(filter)
                    .with_test_writer()
                    .try_init();
            }
        });
        let ScratchDatabase { url, scratch } = ScratchDatabase::new(engine).await;
        let db = medexchange::store::connect(&url, connections)
            .await
            .expect("connect to the test database");
        if with_report {
            assert!(
                medexchange::prepare_database(&db)
                    .await
                    .expect("prepare the test database")
            );
        } else {
            medexchange::store::migrate(&db)
                .await
                .expect("migrate the test database");
        }
        let state = AppState::configured(db.clone(), Lang::Zh, limits, options);
        let statements = state.metrics.sql_statements.clone();
        let router = medexchange::app(state.clone());
        TestApp {
            engine,
            router,
            state,
            db,
            statements,
            _scratch: scratch,
        }
    }

    /// Another app (another process's state) over the same database as
    /// `app`.
    pub fn over(app: &TestApp, state: AppState) -> TestApp {
        let statements = state.metrics.sql_statements.clone();
        TestApp {
            engine: app.engine,
            router: medexchange::app(state.clone()),
            state,
            db: app.db.clone(),
            statements,
            _scratch: Scratch::Borrowed,
        }
    }

    /// A new token of `role` named `name`, as an `Authorization` value.
    pub async fn bearer(&self, name: &str, role: medexchange::domain::vocabulary::Role) -> String {
        let token = medexchange::store::tokens::create(&self.db, name, role)
            .await
            .unwrap();
        format!("Bearer {token}")
    }

    /// Serves the router on a loopback port the operating system picks
    /// (bound before its number is known, so no other test can take it),
    /// for clients that need a socket (WebSocket); returns the port.
    pub async fn serve(&self) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let router = self.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await });
        port
    }

    /// Waits until the app knows the data version (it polls it): from
    /// then on identical requests are answered from memory.
    pub async fn data_version_known(&self) {
        let watch = self
            .state
            .data_version
            .as_ref()
            .expect("a polled data version");
        tokio::time::timeout(Duration::from_secs(10), watch.known())
            .await
            .expect("the data version read within 10 s");
    }

    /// SQL statements run so far.
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst) as usize
    }

    /// Sends a request through the router.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
            raw: bytes,
        }
    }

    /// GETs `uri`, as a GraphQL client would (JSON accepted), with extra headers.
    pub async fn get(&self, uri: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = Request::get(uri).header(header::ACCEPT, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// GETs `uri` as a browser would (HTML accepted).
    pub async fn browse(&self, uri: &str) -> Reply {
        let request = Request::get(uri).header(header::ACCEPT, "text/html,*/*");
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// POSTs a raw body to `/graphql` with this content type.
    pub async fn post_raw(&self, content_type: &str, body: impl Into<Body>) -> Reply {
        let request = Request::post("/graphql").header(header::CONTENT_TYPE, content_type);
        self.send(request.body(body.into()).unwrap()).await
    }

    /// POSTs a GraphQL query with variables and extra headers.
    pub async fn post(&self, query: &str, variables: Value, headers: &[(&str, &str)]) -> Reply {
        let mut request =
            Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// POSTs a GraphQL multipart request (the upload spec): `files` are
    /// (variable path such as `variables.file`, file name, bytes).
    pub async fn upload(
        &self,
        query: &str,
        variables: Value,
        files: &[(&str, &str, &[u8])],
        headers: &[(&str, &str)],
    ) -> Reply {
        let boundary = "medexchange-test-boundary-7d1f";
        let mut body = Vec::new();
        let mut part = |disposition: String, content_type: &str, bytes: &[u8]| {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n")
                    .bytes(),
            );
            body.extend(format!("Content-Type: {content_type}\r\n\r\n").bytes());
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        };
        let operations = json!({ "query": query, "variables": variables }).to_string();
        part(
            "name=\"operations\"".into(),
            "application/json",
            operations.as_bytes(),
        );
        let map: serde_json::Map<String, Value> = files
            .iter()
            .enumerate()
            .map(|(i, (path, _, _))| (i.to_string(), json!([path])))
            .collect();
        part(
            "name=\"map\"".into(),
            "application/json",
            Value::Object(map).to_string().as_bytes(),
        );
        for (i, (_, name, bytes)) in files.iter().enumerate() {
            let disposition = format!("name=\"{i}\"; filename=\"{name}\"");
            part(disposition, "application/octet-stream", bytes);
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// Runs a query that must succeed; returns its `data`.
    pub async fn data(&self, query: &str) -> Value {
        self.data_with(query, json!({})).await
    }

    /// Runs a query with variables that must succeed; returns its `data`.
    pub async fn data_with(&self, query: &str, variables: Value) -> Value {
        let reply = self.post(query, variables, &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{:?}: {}",
            self.engine,
            reply.text
        );
        assert!(
            reply.body.get("errors").is_none(),
            "{:?}: unexpected errors: {}",
            self.engine,
            reply.text
        );
        reply.body["data"].clone()
    }

    /// Runs a query that must fail; returns the first error's code.
    pub async fn error_code(&self, query: &str) -> String {
        let reply = self.post(query, json!({}), &[]).await;
        let code = &reply.body["errors"][0]["extensions"]["code"];
        assert!(
            code.is_string(),
            "{:?}: expected an error with a code, got {}",
            self.engine,
            reply.text
        );
        code.as_str().unwrap().to_owned()
    }
}

/// The engines to test on: SQLite always, PostgreSQL when configured.
pub fn engines() -> Vec<Engine> {
    static SAY: Once = Once::new();
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        vec![Engine::Sqlite, Engine::Postgres]
    } else {
        SAY.call_once(|| {
            // Written past the test harness's capture, so `cargo test` shows it.
            let _ = writeln!(
                std::io::stderr(),
                "\nnote: TEST_DATABASE_URL is not set: running the SQLite half only \
                 (set it, e.g. postgres://postgres@127.0.0.1:5432/postgres, to run every test on PostgreSQL too)\n"
            );
        });
        vec![Engine::Sqlite]
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

/// Drops test databases whose process is gone (a crashed or killed run).
async fn drop_stale_databases(admin: &DatabaseConnection) {
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    ONCE.get_or_init(|| async {
        let rows = admin
            .query_all_raw(sea_orm::Statement::from_string(
                admin.get_database_backend(),
                format!("SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'"),
            ))
            .await
            .unwrap_or_default();
        for row in rows {
            let Ok(name) = row.try_get::<String>("", "datname") else {
                continue;
            };
            let pid = name
                .trim_start_matches(PREFIX)
                .split('_')
                .next()
                .unwrap_or("");
            let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
            if !alive {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
            }
        }
    })
    .await;
}

/// Waits up to 30 s for `GET /readyz` on `port` to answer 200.
pub fn wait_ready(port: u16) {
    assert!(
        is_ready_within(port, Duration::from_secs(30)),
        "the server did not become ready"
    );
}

/// Whether `GET /readyz` on `port` answers 200 within `limit`.
pub fn is_ready_within(port: u16, limit: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let _ =
                stream.write_all(b"GET /readyz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A `medexchange serve` process, killed on drop.
pub struct Server {
    /// The process.
    pub child: Child,
    /// The port, once the process said it (see [`Server::port`]).
    port: std::sync::OnceLock<u16>,
    said: std::sync::Mutex<std::sync::mpsc::Receiver<u16>>,
}

impl Server {
    /// Starts `medexchange serve` on `database_url`, on a port the system
    /// picks when the process binds (no other test can take it between).
    pub fn start(database_url: &str) -> Server {
        Server::start_with(database_url, &[])
    }

    /// Like [`Server::start`], with more `serve` settings.
    pub fn start_with(database_url: &str, settings: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_medexchange"))
            .args(["--log", "warn", "serve", "--listen", "127.0.0.1:0"])
            .args(settings)
            .env("DATABASE_URL", database_url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start medexchange");
        let stdout = child.stdout.take().expect("piped stdout");
        let (say, said) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let port = line
                    .strip_prefix("listening on http://127.0.0.1:")
                    .and_then(|rest| rest.split('/').next())
                    .and_then(|port| port.parse::<u16>().ok());
                if let Some(port) = port {
                    let _ = say.send(port);
                }
            }
        });
        Server {
            child,
            port: std::sync::OnceLock::new(),
            said: std::sync::Mutex::new(said),
        }
    }

    /// The port it listens on: waits until the process has bound it (and
    /// says so on stdout); panics if it stops first.
    pub fn port(&self) -> u16 {
        *self.port.get_or_init(|| {
            let said = self.said.lock().unwrap();
            said.recv_timeout(Duration::from_secs(60))
                .expect("the server stopped, or never bound its port within 60 s")
        })
    }

    /// Why the process stopped, when it has.
    pub fn exited(&mut self) -> Option<String> {
        let status = self.child.try_wait().ok().flatten()?;
        let mut stderr = String::new();
        if let Some(pipe) = self.child.stderr.as_mut() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        Some(format!("{status}: {stderr}"))
    }

    /// POSTs `query` and returns the answer's body.
    pub fn query(&self, query: &str) -> serde_json::Value {
        self.post(query, serde_json::json!({}), None)
    }

    /// POSTs `query` with `variables`, with an `Authorization` header when
    /// given; returns the answer's body.
    pub fn post(
        &self,
        query: &str,
        variables: serde_json::Value,
        authorization: Option<&str>,
    ) -> serde_json::Value {
        let body = serde_json::json!({ "query": query, "variables": variables }).to_string();
        let authorization = authorization
            .map(|value| format!("authorization: {value}\r\n"))
            .unwrap_or_default();
        let (_, answer) = post_json(self.port(), &body, &authorization);
        serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer}"))
    }

    /// The value of a counter or gauge on `/metrics`.
    pub fn metric(&self, name: &str) -> f64 {
        let (_, text) = http_get(self.port(), "/metrics");
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    }
}

/// Sends a raw HTTP/1.1 request to the server on `port`: the answer's head
/// and body.
pub fn raw_http(port: u16, request: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    (head.to_owned(), body.to_owned())
}

/// GETs `path` from the server on `port`: the head and body.
pub fn http_get(port: u16, path: &str) -> (String, String) {
    raw_http(
        port,
        &format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"),
    )
}

/// POSTs the JSON `body` to `/graphql` on `port`, with `headers` (lines
/// each ending in `\r\n`): the head and body.
pub fn post_json(port: u16, body: &str, headers: &str) -> (String, String) {
    raw_http(
        port,
        &format!(
            "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
