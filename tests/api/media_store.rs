//! Where image files are kept: S3-compatible storage shared by every
//! process (against a real local S3 server, moto's, started here), and a
//! store that fails half-way.

use crate::helpers::{TestApp, uncached};
use crate::media::first_photo;
use axum::http::StatusCode;
use medexchange::AppState;
use medexchange::domain::vocabulary::Role;
use medexchange::graphql::limits::Limits;
use medexchange::i18n::Lang;
use medexchange::media::MediaStore;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SCAN: &[u8] = include_bytes!("../fixtures/images/exif-rotated.jpg");

/// A local S3 server (moto), stopped when dropped.
struct LocalS3 {
    child: Child,
    port: u16,
}

impl Drop for LocalS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl LocalS3 {
    /// Starts `moto_server` on a free port, or `None` when it is not
    /// installed (CI installs it and sets `CI`, where its absence fails).
    fn start() -> Option<LocalS3> {
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let spawned = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(_) if std::env::var_os("CI").is_none() => {
                eprintln!(
                    "note: moto_server is not installed (pip install 'moto[server]'): the S3 tests are skipped"
                );
                return None;
            }
            Err(error) => panic!("CI needs moto_server: {error}"),
        };
        let server = LocalS3 { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(server)
    }

    /// Creates a bucket (moto takes unsigned requests).
    fn bucket(&self, name: &str) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let request = format!(
            "PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    fn store(&self, spec: &str) -> MediaStore {
        let endpoint = format!("http://127.0.0.1:{}", self.port);
        let settings = [
            ("aws_endpoint", endpoint.as_str()),
            ("aws_allow_http", "true"),
            ("aws_access_key_id", "test"),
            ("aws_secret_access_key", "test"),
            ("aws_region", "us-east-1"),
            ("aws_virtual_hosted_style_request", "false"),
        ];
        MediaStore::open_with(spec, &settings).unwrap()
    }
}

const SET_IMAGE: &str = "mutation($id: ID!, $v: Int!, $file: Upload!) {
  setPhotoImage(id: $id, expectedVersion: $v, file: $file) {
    photo { version image { url iiif } } errors { field code }
  }
}";

async fn attach(app: &TestApp, bearer: &str) -> (axum::http::StatusCode, Value) {
    let (id, version, _) = first_photo(app).await;
    let variables = json!({ "id": id, "v": version, "file": null });
    let files = [("variables.file", "scan.jpg", SCAN)];
    let reply = app
        .upload(SET_IMAGE, variables, &files, &[("authorization", bearer)])
        .await;
    (reply.status, reply.body)
}

#[tokio::test]
async fn processes_share_one_s3_store() {
    let Some(s3) = LocalS3::start() else {
        return;
    };
    s3.bucket("archive");
    let mut options = uncached();
    options.media.store = s3.store("s3://archive/medexchange");
    for app in TestApp::each_configured(Limits::default(), options.clone()).await {
        let bearer = app.bearer("editor.s3", Role::Editor).await;
        let (status, body) = attach(&app, &bearer).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let image = &body["data"]["setPhotoImage"]["photo"]["image"];
        let url = image["url"].as_str().expect("an image").to_owned();

        // A second process over the same database and store serves it.
        let other =
            AppState::configured(app.db.clone(), Lang::Zh, Limits::default(), options.clone());
        let other = crate::helpers::TestApp::over(&app, other);
        let file = other.get(&url, &[]).await;
        assert_eq!(file.status, StatusCode::OK, "{:?}", app.engine);
        assert_eq!(&file.raw[..2], &[0xFF, 0xD8], "a JPEG");
        let info = format!("{}/info.json", image["iiif"].as_str().unwrap());
        let info = other.get(&info, &[("host", "archive.test")]).await;
        assert_eq!(info.body["width"].as_i64(), Some(80));
        let keys = app.state.media.store().list("originals").await.unwrap();
        assert!(
            keys.iter().all(|k| k.key.starts_with("originals/")),
            "the prefix stays the store's own"
        );
    }
}

#[tokio::test]
async fn a_store_that_fails_half_way_leaves_no_record_pointing_at_a_missing_file() {
    let folder = std::env::temp_dir().join(format!("medexchange_store_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    // Derivatives cannot be written under a file: the store fails after
    // nothing, or part, of the upload's files are written.
    std::fs::write(folder.join("public"), b"not a folder").unwrap();
    let mut options = uncached();
    options.media.store = MediaStore::open(folder.to_str().unwrap()).unwrap();
    for app in TestApp::each_configured(Limits::default(), options.clone()).await {
        let bearer = app.bearer("editor.fail", Role::Editor).await;
        let (id, version, _) = first_photo(&app).await;
        let (_, body) = attach(&app, &bearer).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "INTERNAL",
            "{body}"
        );
        let query =
            format!("{{ node(id: \"{id}\") {{ ... on Photo {{ version image {{ url }} }} }} }}");
        let data = app.data(&query).await;
        assert_eq!(data["node"]["version"].as_i64(), Some(version));
        assert_eq!(data["node"]["image"], Value::Null);
        let collected = app
            .state
            .media
            .collect_garbage(Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(collected.images, 0, "no image was recorded");
    }
    let _ = std::fs::remove_dir_all(&folder);
}
