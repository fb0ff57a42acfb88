//! Reads from a real hot standby, read-your-writes across processes, the
//! write rate shared by three processes, and a standby killed under load.
//!
//! The test starts its own PostgreSQL primary and streaming standby
//! (`initdb`, `pg_basebackup -R`) on free ports, in a temporary folder,
//! with the machine's PostgreSQL server binaries (as the `postgres` OS
//! user when run as root), and three `medexchange serve` processes reading
//! from the standby. Without those binaries, or wrk, it says so and does
//! nothing (in CI, it fails).

use crate::helpers::{Server, http_get, post_json, wait_ready};
use crate::traces::needed;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A primary and its hot standby, stopped and removed on drop.
struct Cluster {
    bin: PathBuf,
    folder: PathBuf,
    primary_port: u16,
    standby_port: u16,
}

impl Cluster {
    /// Starts both, or `None` when the machine has no PostgreSQL server
    /// binaries.
    fn start() -> Option<Cluster> {
        let bin = postgres_bin()?;
        let folder = std::env::temp_dir().join(format!(
            "medexchange-replication-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        std::fs::create_dir_all(&folder).unwrap();
        let cluster = Cluster {
            bin,
            primary_port: free_port(),
            standby_port: free_port(),
            folder,
        };
        if as_root() {
            run(
                "chown",
                &["postgres:postgres", cluster.folder.to_str().unwrap()],
            );
        }
        let primary = cluster.dir("primary");
        cluster.pg(
            "initdb",
            &[
                "-D",
                &primary,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        );
        cluster.pg_ctl_start(&primary, cluster.primary_port);
        let standby = cluster.dir("standby");
        let port = cluster.primary_port.to_string();
        cluster.pg(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                &standby,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
        );
        cluster.pg_ctl_start(&standby, cluster.standby_port);
        Some(cluster)
    }

    fn dir(&self, name: &str) -> String {
        self.folder.join(name).to_str().unwrap().to_owned()
    }

    /// Runs one of PostgreSQL's programs (as `postgres` when root).
    fn pg(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let program = program.to_str().unwrap();
        match as_root() {
            true => run(
                "runuser",
                &[&["-u", "postgres", "--", program], args].concat(),
            ),
            false => run(program, args),
        }
    }

    fn pg_ctl_start(&self, data: &str, port: u16) {
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} \
             -c fsync=off -c shared_buffers=32MB -c max_connections=60 \
             -c shared_preload_libraries=pg_stat_statements",
            self.folder.display()
        );
        let log = format!("{data}.log");
        self.pg(
            "pg_ctl",
            &["-D", data, "-l", &log, "-o", &options, "-w", "start"],
        );
    }

    /// Stops `data` (`primary`, `standby`) at once, as a crash would.
    fn kill(&self, data: &str) {
        let data = self.dir(data);
        self.pg("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    fn url(&self, port: u16, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/{database}")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for data in ["standby", "primary"] {
            let data = self.dir(data);
            if Path::new(&data).join("postmaster.pid").exists() {
                let program = self.bin.join("pg_ctl");
                let program = program.to_str().unwrap();
                let args = ["-D", &data, "-m", "immediate", "-w", "stop"];
                let _ = match as_root() {
                    true => Command::new("runuser")
                        .args([&["-u", "postgres", "--", program], &args[..]].concat())
                        .output(),
                    false => Command::new(program).args(args).output(),
                };
            }
        }
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// The newest PostgreSQL server binaries' folder, if any.
fn postgres_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists() && bin.join("pg_basebackup").exists())
        .collect();
    found.sort_by_key(|bin| {
        let version = bin
            .parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str());
        version.and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)
    });
    found.pop()
}

fn as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn one_number(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Statements on the `exchange` table the database has run
/// (`pg_stat_statements`: a standby counts its own, at once).
async fn exchange_statements(url: &str) -> i64 {
    let db = Database::connect(url).await.unwrap();
    let sql = "SELECT COALESCE(SUM(calls), 0)::bigint FROM pg_stat_statements \
               WHERE query LIKE '%\"exchange\"%' AND query NOT LIKE '%pg_stat_statements%'";
    let count = one_number(&db, sql).await;
    db.close().await.unwrap();
    count
}

/// POSTs `query` with these extra header lines; the head and JSON body.
fn post(port: u16, query: &str, headers: &str) -> (String, Value) {
    let body = json!({ "query": query }).to_string();
    let (head, text) = post_json(port, &body, headers);
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {head}\n{text}"));
    (head, value)
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// Creates an admin's token (specialties are theirs to create) through the CLI, on `database_url`.
fn editor_token(database_url: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_medexchange"))
        .args([
            "token",
            "create",
            "--name",
            "replication.admin",
            "--role",
            "admin",
        ])
        .env("DATABASE_URL", database_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    printed.lines().last().unwrap_or("").trim().to_owned()
}

fn specialties(port: u16, headers: &str) -> Vec<String> {
    let (_, body) = post(port, "{ specialties { slug } }", headers);
    body["data"]["specialties"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|s| s["slug"].as_str().unwrap().to_owned())
        .collect()
}

fn create_specialty(port: u16, slug: &str, token: &str) -> (String, Value) {
    let mutation = format!(
        r#"mutation {{ createSpecialty(input: {{slug: "{slug}", name: [{{lang: EN, text: "{slug}"}}]}}) {{ specialty {{ slug }} errors {{ code }} }} }}"#
    );
    post(
        port,
        &mutation,
        &format!("authorization: Bearer {token}\r\n"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_standby_serves_reads_and_three_processes_share_the_write_rate() {
    let wrk = Command::new("wrk").arg("--version").output().is_ok();
    if !needed("PostgreSQL's server binaries", postgres_bin().is_some()) || !needed("wrk", wrk) {
        return;
    }
    let cluster = Cluster::start().expect("the server binaries");
    let admin = Database::connect(cluster.url(cluster.primary_port, "postgres"))
        .await
        .unwrap();
    admin
        .execute_unprepared("CREATE DATABASE mx")
        .await
        .unwrap();
    let primary = cluster.url(cluster.primary_port, "mx");
    let mx = Database::connect(&primary).await.unwrap();
    mx.execute_unprepared("CREATE EXTENSION pg_stat_statements")
        .await
        .unwrap();
    mx.close().await.unwrap();
    let standby = cluster.url(cluster.standby_port, "mx");
    let settings = [
        "--database-read-url",
        standby.as_str(),
        "--writes-per-minute",
        "6",
    ];
    let servers: Vec<Server> = (0..3)
        .map(|_| Server::start_with(&primary, &settings))
        .collect();
    for server in &servers {
        wait_ready(server.port());
    }
    let ports: Vec<u16> = servers.iter().map(Server::port).collect();
    let token = editor_token(&primary);
    wait_for_rotation(&servers);

    reads_go_to_the_standby(&servers, &primary, &standby).await;
    writes_are_read_back_at_once_while_replay_is_paused(&ports, &token, &standby).await;
    the_write_rate_holds_across_processes(&ports, &token);
    a_standby_killed_under_load_costs_no_client_an_error(&cluster, &servers, &token);
    without_the_primary_reads_go_on_from_the_standby(&cluster, &servers, &token);
    drop(servers);
    drop(admin);
}

/// Waits until every process has the standby in rotation.
fn wait_for_rotation(servers: &[Server]) {
    let started = Instant::now();
    while servers.iter().any(|s| !in_rotation(s)) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the standby never came into rotation"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn in_rotation(server: &Server) -> bool {
    let (_, text) = http_get(server.port(), "/metrics");
    text.lines()
        .any(|line| line.starts_with("medexchange_replica_in_rotation{") && line.ends_with(" 1"))
}

/// Query requests through all three processes: the standby counts the
/// scans, the primary none; `/readyz` names the standby.
async fn reads_go_to_the_standby(servers: &[Server], primary: &str, standby: &str) {
    let before_primary = exchange_statements(primary).await;
    let before_standby = exchange_statements(standby).await;
    for n in 1..=30 {
        let server = &servers[n % servers.len()];
        let body = server.query(&format!(
            "{{ exchanges(first: {n}) {{ nodes {{ slug }} }} }}"
        ));
        assert!(body["errors"].is_null(), "{body}");
    }
    let on_standby = exchange_statements(standby).await - before_standby;
    assert!(on_standby >= 30, "{on_standby} statements on the standby");
    assert_eq!(
        exchange_statements(primary).await,
        before_primary,
        "the primary read exchanges"
    );
    let (head, ready) = http_get(servers[0].port(), "/readyz");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(ready.contains("writes: the primary"), "{ready}");
    assert!(ready.contains("(in rotation"), "{ready}");
    assert!(servers[0].metric("medexchange_reads_total{database=\"primary\"}") < 5.0);
}

/// With the standby's replay paused, an editor's write through one
/// process is read back at once through another (its answer's data
/// version sent back), by a token holder and from the response cache;
/// then the standby is read again once it has replayed the write.
async fn writes_are_read_back_at_once_while_replay_is_paused(
    ports: &[u16],
    token: &str,
    standby: &str,
) {
    let standby_db = Database::connect(standby).await.unwrap();
    // Remembered by the second process before the write.
    assert!(!specialties(ports[1], "").contains(&"geriatrics".to_owned()));
    standby_db
        .execute_unprepared("SELECT pg_wal_replay_pause()")
        .await
        .unwrap();
    let (head, body) = create_specialty(ports[0], "geriatrics", token);
    assert_eq!(
        body["data"]["createSpecialty"]["errors"],
        json!([]),
        "{body}"
    );
    let read_after = header(&head, "medexchange-read-after").expect("the write's data version");
    assert_eq!(body["extensions"]["readAfter"], json!(read_after));
    let asking = format!("medexchange-read-after: {read_after}\r\n");
    let as_editor = format!("{asking}authorization: Bearer {token}\r\n");
    assert!(specialties(ports[1], &as_editor).contains(&"geriatrics".to_owned()));
    assert!(specialties(ports[2], &asking).contains(&"geriatrics".to_owned()));
    // The process that answered from memory before the write does not now.
    assert!(specialties(ports[1], &asking).contains(&"geriatrics".to_owned()));
    let (head, _) = post(
        ports[1],
        "{ specialties { slug } }",
        "medexchange-read-after: x\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    standby_db
        .execute_unprepared("SELECT pg_wal_replay_resume()")
        .await
        .unwrap();
    standby_db.close().await.unwrap();
}

/// Six writes a minute per token, counted once across the three
/// processes: the seventh, whichever process takes it, is refused.
fn the_write_rate_holds_across_processes(ports: &[u16], token: &str) {
    // The editor wrote once already; five more are allowed.
    let mut refused = 0;
    for n in 0..9 {
        let (head, body) = create_specialty(ports[n % 3], &format!("rate-{n}"), token);
        if head.starts_with("HTTP/1.1 429") {
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "RATE_LIMITED",
                "{body}"
            );
            assert!(header(&head, "retry-after").is_some());
            refused += 1;
        }
    }
    // Four, or three when the bucket refilled one write meanwhile (one
    // every 10 s); each process on its own would have refused none.
    assert!(
        (3..=4).contains(&refused),
        "{refused} refused: 6 writes a minute, across three processes"
    );
}

/// wrk against the three processes (a token holder's uncached reads) while
/// the standby is stopped at once: every answer is a 200 with data.
fn a_standby_killed_under_load_costs_no_client_an_error(
    cluster: &Cluster,
    servers: &[Server],
    token: &str,
) {
    let script = cluster.folder.join("load.lua");
    std::fs::write(&script, LOAD_SCRIPT).unwrap();
    let authorization = format!("Authorization: Bearer {token}");
    let loads: Vec<_> = servers
        .iter()
        .map(|server| {
            Command::new("wrk")
                .args([
                    "-t1",
                    "-c4",
                    "-d4s",
                    "-s",
                    script.to_str().unwrap(),
                    "-H",
                    &authorization,
                ])
                .arg(format!("http://127.0.0.1:{}/graphql", server.port()))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("wrk (apt install wrk)")
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    cluster.kill("standby");
    let mut requests = 0;
    for load in loads {
        let out = load.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains("Socket errors"), "{text}");
        assert!(!text.contains("Non-2xx"), "{text}");
        assert!(!text.contains("FAILED"), "{text}");
        requests += text
            .lines()
            .find_map(|line| {
                line.trim()
                    .split_once(" requests in")
                    .map(|(n, _)| n.parse::<u64>().unwrap_or(0))
            })
            .unwrap_or(0);
    }
    assert!(requests > 100, "{requests} requests");
    let (head, ready) = http_get(servers[1].port(), "/readyz");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        ready.contains("reads: the primary (no standby in rotation)"),
        "{ready}"
    );
    assert!(servers[1].metric("medexchange_reads_total{database=\"primary\"}") > 0.0);
}

/// Uncached list pages; any answer without data, or with errors, is
/// printed as FAILED.
const LOAD_SCRIPT: &str = r#"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local body = '{"query":"{ exchanges(first: ' .. (n % 20 + 1) .. ') { nodes { slug title } } }"}'
  return wrk.format(nil, nil, nil, body)
end
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"') or not string.find(body, '"nodes"') then
    io.write("FAILED " .. status .. " " .. string.sub(body, 1, 300) .. "\n")
  end
end
"#;

/// The standby back, then the primary stopped: queries are answered from
/// the standby, `/readyz` says reads only, writes fail with a code.
fn without_the_primary_reads_go_on_from_the_standby(
    cluster: &Cluster,
    servers: &[Server],
    token: &str,
) {
    cluster.pg_ctl_start(&cluster.dir("standby"), cluster.standby_port);
    wait_for_rotation(servers);
    cluster.kill("primary");
    std::thread::sleep(Duration::from_millis(500));
    for server in servers {
        // Hospitals' names come from the process's catalog, held in memory.
        let query = "{ exchanges(first: 3) { nodes { slug title participants { institution { name } } } } }";
        let body = server.query(query);
        assert!(body["errors"].is_null(), "{body}");
        let nodes = body["data"]["exchanges"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 3);
        assert!(
            nodes[0]["participants"][0]["institution"]["name"].is_string(),
            "{body}"
        );
    }
    let (head, ready) = http_get(servers[0].port(), "/readyz");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(ready.starts_with("ready for reads only"), "{ready}");
    let (_, body) = create_specialty(servers[0].port(), "no-primary", token);
    assert!(
        body["errors"][0]["extensions"]["code"].is_string(),
        "{body}"
    );
}
