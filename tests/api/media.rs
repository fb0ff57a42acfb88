//! Photos' images: uploads through the multipart spec, what is refused,
//! what the public gets (derivatives, IIIF) and what it stops getting.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use medexchange::domain::vocabulary::Role;
use serde_json::{Value, json};

const ROTATED: &[u8] = include_bytes!("../fixtures/images/exif-rotated.jpg");
const ALPHA: &[u8] = include_bytes!("../fixtures/images/alpha.png");
const WEBP: &[u8] = include_bytes!("../fixtures/images/plain.webp");
const GIF: &[u8] = include_bytes!("../fixtures/images/tiny.gif");
const BOMB: &[u8] = include_bytes!("../fixtures/images/bomb.png");
const HUGE_EXIF: &[u8] = include_bytes!("../fixtures/images/huge-exif.png");

const SET_IMAGE: &str = "mutation($id: ID!, $v: Int!, $file: Upload!) {
  setPhotoImage(id: $id, expectedVersion: $v, file: $file) {
    photo { version image { width height contentType bytes widths url srcset
      small: url(width: 10) webp: srcset(format: WEBP) placeholder color credit copyright
      iiif original } iiifManifest }
    errors { field code message(lang: EN) }
  }
}";

/// The first photo of the first exchange: id, version, slug and the
/// exchange's slug.
pub(crate) async fn first_photo(app: &TestApp) -> (String, i64, String) {
    let data = app
        .data("{ exchanges(first: 1) { nodes { slug photos { id version } } } }")
        .await;
    let exchange = &data["exchanges"]["nodes"][0];
    let photo = &exchange["photos"][0];
    let id = photo["id"].as_str().unwrap().to_owned();
    let slug = exchange["slug"].as_str().unwrap().to_owned();
    (id, photo["version"].as_i64().unwrap(), slug)
}

async fn attach(app: &TestApp, bearer: &str, id: &str, version: i64, file: &[u8]) -> Value {
    let variables = json!({ "id": id, "v": version, "file": null });
    let reply = app
        .upload(
            SET_IMAGE,
            variables,
            &[("variables.file", "scan.bin", file)],
            &[("authorization", bearer)],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{:?}: {}",
        app.engine,
        reply.excerpt()
    );
    assert!(
        reply.body.get("errors").is_none(),
        "{:?}: {}",
        app.engine,
        reply.excerpt()
    );
    reply.body["data"]["setPhotoImage"].clone()
}

async fn stored_objects(app: &TestApp) -> usize {
    let store = app.state.media.store();
    store.list("originals").await.unwrap().len() + store.list("public").await.unwrap().len()
}

#[tokio::test]
async fn an_editor_attaches_a_scan_and_readers_get_upright_derivatives_without_metadata() {
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.sato", Role::Editor).await;
        let (id, version, _) = first_photo(&app).await;
        let payload = attach(&app, &bearer, &id, version, ROTATED).await;
        assert_eq!(payload["errors"], json!([]), "{:?}", app.engine);
        let image = &payload["photo"]["image"];
        assert_eq!(
            (image["width"].as_i64(), image["height"].as_i64()),
            (Some(80), Some(120))
        );
        assert_eq!(image["contentType"], "image/jpeg");
        assert_eq!(image["bytes"].as_u64(), Some(ROTATED.len() as u64));
        assert_eq!(image["widths"], json!([80]), "never upscaled");
        assert_eq!(image["credit"], "Tokyo Centre Photographer");
        assert_eq!(
            image["copyright"],
            "2020 Japan-China Medical Exchange Centre"
        );
        let hash = image["iiif"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(image["url"], format!("/media/{hash}/80.jpg"));
        assert_eq!(image["small"], format!("/media/{hash}/80.jpg"));
        assert_eq!(image["webp"], format!("/media/{hash}/80.webp 80w"));
        assert_eq!(image["original"], format!("/media/{hash}/original"));
        assert!(image["placeholder"].as_str().unwrap().len() >= 6);
        assert_eq!(payload["photo"]["version"].as_i64(), Some(version + 1));

        // Readers: the derivative, upright (the red block stored top-left is
        // now top-right), with no EXIF (no GPS) left in it.
        let file = app.get(&format!("/media/{hash}/80.jpg"), &[]).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(
            file.headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(file.headers["content-type"], "image/jpeg");
        let raw = file.raw.clone();
        assert!(
            !raw.windows(4).any(|w| w == b"Exif"),
            "EXIF left in a public file"
        );
        assert!(
            !raw.windows(3).any(|w| w == b"GPS"),
            "GPS left in a public file"
        );
        let shown = image::load_from_memory(&raw).unwrap().into_rgb8();
        assert_eq!(shown.dimensions(), (80, 120));
        let (right, left) = (shown.get_pixel(75, 3), shown.get_pixel(3, 3));
        assert!(
            right[0] > 200 && right[2] < 60,
            "top-right {right:?} is not red"
        );
        assert!(
            left[0] < 100,
            "top-left {left:?} is red: not turned upright"
        );

        // Anonymous readers get no original (and no answer remembered from
        // the editor's request).
        let data = app
            .data(&format!(
                "{{ node(id: \"{id}\") {{ ... on Photo {{ image {{ original }} }} }} }}"
            ))
            .await;
        assert_eq!(data["node"]["image"]["original"], Value::Null);
        let original = app.get(&format!("/media/{hash}/original"), &[]).await;
        assert_eq!(original.status, StatusCode::UNAUTHORIZED);
        let original = app
            .get(
                &format!("/media/{hash}/original"),
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(original.status, StatusCode::OK);
        assert_eq!(original.headers["cache-control"], "private, no-store");

        // History records the change.
        let history = format!(
            "{{ node(id: \"{id}\") {{ ... on Photo {{ history(first: 1) {{ nodes {{ actor }} }} }} }} }}"
        );
        let reply = app
            .post(&history, json!({}), &[("authorization", &bearer)])
            .await;
        let actor = &reply.body["data"]["node"]["history"]["nodes"][0]["actor"];
        assert_eq!(actor, "editor.sato", "{}", reply.excerpt());
    }
}

#[tokio::test]
async fn files_are_served_with_etags_ranges_and_head() {
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.sato", Role::Editor).await;
        let (id, version, _) = first_photo(&app).await;
        let payload = attach(&app, &bearer, &id, version, ALPHA).await;
        let url = payload["photo"]["image"]["url"]
            .as_str()
            .unwrap()
            .to_owned();
        let whole = app.get(&url, &[]).await;
        let etag = whole.headers["etag"].to_str().unwrap().to_owned();
        let length = whole.text.len();
        let again = app.get(&url, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        let part = app.get(&url, &[("range", "bytes=0-9")]).await;
        assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            part.headers["content-range"],
            format!(
                "bytes 0-9/{}",
                whole.headers["content-length"].to_str().unwrap()
            )
        );
        let beyond = app.get(&url, &[("range", "bytes=999999-")]).await;
        assert_eq!(beyond.status, StatusCode::RANGE_NOT_SATISFIABLE);
        let head = axum::http::Request::head(url.as_str())
            .body(axum::body::Body::empty())
            .unwrap();
        let head = app.send(head).await;
        assert_eq!(head.status, StatusCode::OK);
        assert!(head.text.is_empty() && length > 0);
        assert_eq!(
            app.get("/media/not-a-hash/80.jpg", &[]).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn refused_files_get_a_clear_error_and_write_nothing() {
    let truncated = &ROTATED[..ROTATED.len() / 2];
    let cases: [(&str, &[u8], &str); 5] = [
        ("a GIF", GIF, "GIF"),
        ("zero bytes", b"", "empty"),
        ("a truncated JPEG", truncated, "truncated"),
        ("a decompression bomb", BOMB, "100000×100000"),
        ("a huge EXIF block", HUGE_EXIF, "EXIF"),
    ];
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.sato", Role::Editor).await;
        let (id, version, _) = first_photo(&app).await;
        let before = stored_objects(&app).await;
        for (what, file, named) in cases {
            let payload = attach(&app, &bearer, &id, version, file).await;
            let error = &payload["errors"][0];
            assert_eq!(
                error["code"], "INVALID",
                "{:?}, {what}: {payload}",
                app.engine
            );
            assert_eq!(error["field"], json!(["file"]), "{what}");
            let message = error["message"].as_str().unwrap();
            assert!(
                message.contains(named),
                "{what}: {message:?} does not say {named:?}"
            );
            assert_eq!(payload["photo"], Value::Null, "{what}");
        }
        assert_eq!(
            stored_objects(&app).await,
            before,
            "a refused file stored something"
        );
        let data = app
            .data(&format!(
                "{{ node(id: \"{id}\") {{ ... on Photo {{ version image {{ url }} }} }} }}"
            ))
            .await;
        assert_eq!(data["node"]["version"].as_i64(), Some(version));
        assert_eq!(data["node"]["image"], Value::Null);
    }
}

#[tokio::test]
async fn messages_about_files_follow_the_language_asked_for() {
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.sato", Role::Editor).await;
        let (id, version, _) = first_photo(&app).await;
        let query = SET_IMAGE.replace(
            "message(lang: EN)",
            "zh: message(lang: ZH) ja: message(lang: JA)",
        );
        let variables = json!({ "id": id, "v": version, "file": null });
        let reply = app
            .upload(
                &query,
                variables,
                &[("variables.file", "a.gif", GIF)],
                &[("authorization", &bearer)],
            )
            .await;
        let error = &reply.body["data"]["setPhotoImage"]["errors"][0];
        assert!(
            error["zh"].as_str().unwrap().contains("GIF")
                && error["zh"].as_str().unwrap().contains("只接受")
        );
        assert!(error["ja"].as_str().unwrap().contains("受け付けます"));
    }
}

#[tokio::test]
async fn uploads_need_a_token_before_the_body_is_read() {
    for app in TestApp::each().await {
        let (id, version, _) = first_photo(&app).await;
        let variables = json!({ "id": id, "v": version, "file": null });
        let reply = app
            .upload(
                SET_IMAGE,
                variables.clone(),
                &[("variables.file", "a.jpg", ROTATED)],
                &[],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            reply.excerpt()
        );
        assert_eq!(
            reply.body["errors"][0]["extensions"]["code"],
            "UNAUTHENTICATED"
        );
        let reply = app
            .upload(
                SET_IMAGE,
                variables,
                &[("variables.file", "a.jpg", ROTATED)],
                &[("authorization", "Bearer mx_nope")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(stored_objects(&app).await, 0);
    }
}

#[tokio::test]
async fn a_deleted_photo_s_files_stop_being_served_to_readers() {
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.sato", Role::Editor).await;
        let (id, version, _) = first_photo(&app).await;
        let payload = attach(&app, &bearer, &id, version, WEBP).await;
        let image = &payload["photo"]["image"];
        let url = image["url"].as_str().unwrap().to_owned();
        let info = format!("{}/info.json", image["iiif"].as_str().unwrap());
        assert_eq!(app.get(&url, &[]).await.status, StatusCode::OK);
        assert_eq!(
            app.get(&info, &[("host", "archive.test")]).await.status,
            StatusCode::OK
        );
        let delete = "mutation($id: ID!, $v: Int!) { deletePhoto(id: $id, expectedVersion: $v) { errors { code } } }";
        let reply = app
            .post(
                delete,
                json!({ "id": id, "v": version + 1 }),
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(
            reply.body["data"]["deletePhoto"]["errors"],
            json!([]),
            "{}",
            reply.excerpt()
        );
        assert_eq!(
            app.get(&url, &[]).await.status,
            StatusCode::NOT_FOUND,
            "{:?}",
            app.engine
        );
        assert_eq!(
            app.get(&info, &[("host", "archive.test")]).await.status,
            StatusCode::NOT_FOUND
        );
        let editor = app.get(&url, &[("authorization", &bearer)]).await;
        assert_eq!(editor.status, StatusCode::OK);
        assert_eq!(editor.headers["cache-control"], "private, no-store");
    }
}

#[tokio::test]
async fn iiif_serves_info_regions_and_manifests_in_three_languages() {
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.sato", Role::Editor).await;
        let (id, version, exchange) = first_photo(&app).await;
        let payload = attach(&app, &bearer, &id, version, ROTATED).await;
        let base = payload["photo"]["image"]["iiif"]
            .as_str()
            .unwrap()
            .to_owned();
        let manifest_url = format!("/iiif/manifest/exchange/{exchange}");
        assert_eq!(payload["photo"]["iiifManifest"], manifest_url);

        let info = app
            .get(&format!("{base}/info.json"), &[("host", "archive.test")])
            .await;
        assert_eq!(info.status, StatusCode::OK);
        assert_eq!(info.body["id"], format!("http://archive.test{base}"));
        assert_eq!(info.body["type"], "ImageService3");
        assert_eq!(info.body["profile"], "level2");
        assert_eq!(
            (info.body["width"].as_i64(), info.body["height"].as_i64()),
            (Some(80), Some(120))
        );
        assert_eq!(info.headers["access-control-allow-origin"], "*");

        let region = app
            .get(&format!("{base}/40,0,40,40/20,/0/default.jpg"), &[])
            .await;
        assert_eq!(region.status, StatusCode::OK);
        assert_eq!(region.headers["content-type"], "image/jpeg");
        let png = app
            .get(&format!("{base}/40,0,40,40/20,/0/default.png"), &[])
            .await;
        let png = image::load_from_memory(&png.raw).unwrap().into_rgb8();
        assert_eq!(png.dimensions(), (20, 20));
        let corner = png.get_pixel(15, 2);
        assert!(
            corner[0] > 200 && corner[2] < 60,
            "the upright top-right is red, got {corner:?}"
        );
        for bad in [
            "0,0,0,10/max/0/default.jpg",
            "full/200,/0/default.jpg",
            "full/max/45/default.jpg",
            "full/max/0/default.gif",
        ] {
            let reply = app.get(&format!("{base}/{bad}"), &[]).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        }
        let redirect = app.get(&base, &[]).await;
        assert_eq!(redirect.status, StatusCode::SEE_OTHER);

        let manifest = app.get(&manifest_url, &[("host", "archive.test")]).await;
        assert_eq!(manifest.status, StatusCode::OK, "{}", manifest.excerpt());
        let body = &manifest.body;
        assert_eq!(body["type"], "Manifest");
        assert!(body["label"]["zh"][0].is_string() && body["label"]["ja"][0].is_string());
        let canvas = &body["items"][0];
        assert_eq!(
            (canvas["width"].as_i64(), canvas["height"].as_i64()),
            (Some(80), Some(120))
        );
        assert!(canvas["label"]["ja"][0].is_string());
        let statement = canvas["requiredStatement"]["value"]["none"][0]
            .as_str()
            .unwrap();
        assert!(statement.contains("Tokyo Centre Photographer") && statement.contains("©"));
        let service = &canvas["items"][0]["items"][0]["body"]["service"][0];
        assert_eq!(service["id"], format!("http://archive.test{base}"));
        assert_eq!(
            body["items"].as_array().unwrap().len(),
            1,
            "only photos with images"
        );

        let collection = app
            .get("/iiif/collection/fy2020", &[("host", "archive.test")])
            .await;
        assert_eq!(collection.body["type"], "Collection");
        assert_eq!(collection.body["items"].as_array().unwrap().len(), 1);
        let none = app
            .get(
                "/iiif/manifest/exchange/no-such-exchange",
                &[("host", "archive.test")],
            )
            .await;
        assert_eq!(none.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn create_photo_takes_an_image_and_remove_photo_image_detaches_it() {
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.sato", Role::Editor).await;
        let data = app.data("{ exchanges(first: 1) { nodes { id } } }").await;
        let exchange = data["exchanges"]["nodes"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let create = "mutation($input: PhotoInput!) { createPhoto(input: $input) {
            photo { id version image { width credit } } errors { field code } } }";
        let input = json!({ "input": { "slug": "new-scan", "owner": exchange,
            "caption": [{ "lang": "JA", "text": "新しい写真" }], "image": null, "credit": "Editor's credit" } });
        let reply = app
            .upload(
                create,
                input,
                &[("variables.input.image", "scan.png", ALPHA)],
                &[("authorization", &bearer)],
            )
            .await;
        let photo = &reply.body["data"]["createPhoto"]["photo"];
        assert_eq!(
            photo["image"]["width"].as_i64(),
            Some(60),
            "{}",
            reply.excerpt()
        );
        assert_eq!(photo["image"]["credit"], "Editor's credit");
        let remove =
            "mutation($id: ID!, $v: Int!) { removePhotoImage(id: $id, expectedVersion: $v) {
            photo { image { url } } errors { code } } }";
        let variables = json!({ "id": photo["id"], "v": photo["version"] });
        let reply = app
            .post(remove, variables, &[("authorization", &bearer)])
            .await;
        assert_eq!(
            reply.body["data"]["removePhotoImage"]["photo"]["image"],
            Value::Null,
            "{}",
            reply.excerpt()
        );

        // Once no photo names it, the collector removes the image and its
        // files; it keeps what photos name.
        let kept = attach(
            &app,
            &bearer,
            &first_photo(&app).await.0,
            first_photo(&app).await.1,
            ROTATED,
        )
        .await;
        assert!(kept["photo"]["image"].is_object());
        let collected = app
            .state
            .media
            .collect_garbage(std::time::Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(collected.images, 1, "{:?}", app.engine);
        let remaining = stored_objects(&app).await;
        assert_eq!(
            remaining, 3,
            "the kept image's original and its two derivatives"
        );
    }
}
