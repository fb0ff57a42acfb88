//! GraphiQL served by the binary itself, with no CDN (public CDNs are often
//! blocked in mainland China). Its scripts come from npm packages installed
//! by `npm ci --prefix scripts/graphiql`; when they are missing the page says
//! so. Example queries open in tabs, in Chinese and in Japanese.

use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// The files the page needs: (URL name, path under the npm modules, type).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "graphiql.min.js",
        "graphiql/graphiql.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "graphiql.min.css",
        "graphiql/graphiql.min.css",
        "text/css; charset=utf-8",
    ),
    (
        "react.production.min.js",
        "react/umd/react.production.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "react-dom.production.min.js",
        "react-dom/umd/react-dom.production.min.js",
        "text/javascript; charset=utf-8",
    ),
];

/// Example queries, one tab each.
const EXAMPLES: &[&str] = &[
    "# 中文：2020年度的线上交流，参与机构与演讲者\n{\n  exchanges(lang: ZH, filter: { fiscalYear: 2020 }, first: 10) {\n    totalCount\n    nodes {\n      date\n      title\n      specialties { name }\n      participants { country institution { name region city } }\n      talks { kind speaker { name position } }\n    }\n  }\n}\n",
    "# 日本語：広西の医療機関と、その交流\n{\n  institutions(lang: JA, filter: { region: \"広西チワン族自治区\" }) {\n    nodes {\n      name\n      city\n      aliases\n      exchanges(first: 5) { nodes { date title } }\n    }\n  }\n  search(query: \"順天堂\", lang: JA) {\n    __typename\n    ... on Institution { name }\n    ... on Exchange { title }\n  }\n}\n",
];

/// The GraphiQL page, or instructions when its scripts are not installed.
pub fn page(state: &AppState) -> Response {
    let assets = &state.options.graphiql_assets;
    let missing: Vec<&str> = ASSETS
        .iter()
        .filter(|(_, path, _)| !assets.join(path).is_file())
        .map(|(name, _, _)| *name)
        .collect();
    if !missing.is_empty() {
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>medexchange</title></head><body>\
             <h1>GraphiQL is not installed</h1>\
             <p>Its scripts are served by this server, not by a CDN. Install them once, from the repository root:</p>\
             <pre>npm ci --prefix scripts/graphiql</pre>\
             <p>then reload this page (or point <code>--graphiql-assets</code> / <code>MEDEXCHANGE_GRAPHIQL_ASSETS</code> \
             at a <code>node_modules</code> folder holding graphiql, react and react-dom). Missing: {}.</p>\
             <p>The API itself works: POST GraphQL requests to this URL.</p></body></html>",
            missing.join(", ")
        );
        return (StatusCode::OK, Html(body)).into_response();
    }
    let tabs: Vec<String> = EXAMPLES
        .iter()
        .map(|query| {
            format!(
                "{{ query: {} }}",
                serde_json::to_string(query).unwrap_or_default()
            )
        })
        .collect();
    let body = format!(
        r#"<!doctype html>
<html lang="zh">
<head>
  <meta charset="utf-8">
  <title>medexchange · GraphiQL</title>
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
  <link rel="stylesheet" href="/graphiql/graphiql.min.css">
  <script src="/graphiql/react.production.min.js"></script>
  <script src="/graphiql/react-dom.production.min.js"></script>
  <script src="/graphiql/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script>
    const fetcher = GraphiQL.createFetcher({{ url: window.location.pathname }});
    const tabs = [{tabs}];
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {{ fetcher, defaultQuery: tabs[0].query, defaultTabs: tabs }})
    );
  </script>
</body>
</html>
"#,
        tabs = tabs.join(", ")
    );
    Html(body).into_response()
}

/// `GET /graphiql/{file}`: one of GraphiQL's files, from the npm modules.
pub async fn asset(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let Some((_, path, content_type)) = ASSETS.iter().find(|(asset, _, _)| *asset == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(state.options.graphiql_assets.join(path)).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            "GraphiQL is not installed: npm ci --prefix scripts/graphiql",
        )
            .into_response(),
    }
}
