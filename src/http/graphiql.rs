//! GraphiQL served by the binary itself, with no CDN (public CDNs are often
//! blocked in mainland China). Its files are embedded at build time (see
//! `build.rs`); a build made without npm serves a page that says how to get
//! them. Example queries open in tabs, in Chinese and in Japanese.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/graphiql_assets.rs"));
}

/// Example queries, one tab each: readers first, then analysts (the
/// editors' tab, [`EDITING_EXAMPLE`], comes last).
pub const EXAMPLES: &[&str] = &[
    "# 中文：2020年度的线上交流，参与机构与演讲者\nquery OnlineExchangesFY2020 {\n  exchanges(lang: ZH, filter: { fiscalYear: 2020 }, first: 10) {\n    totalCount\n    nodes {\n      date\n      title\n      specialties { name }\n      participants { country institution { name region city } }\n      talks { kind speaker { name position } }\n    }\n  }\n}\n",
    "# 日本語：広西の医療機関と、その交流\nquery GuangxiInstitutions {\n  institutions(lang: JA, filter: { region: \"広西チワン族自治区\" }) {\n    nodes {\n      name\n      city\n      aliases\n      exchanges(first: 5) { nodes { date title } }\n    }\n  }\n  search(query: \"順天堂\", lang: JA) {\n    __typename\n    ... on Institution { name }\n    ... on Exchange { title }\n  }\n}\n",
    "# 中文：按月统计交流（没有交流的月份也列出），以及各专科的交流数\n# 任何只含一个列表的查询都可导出为 CSV：请求头 Accept: text/csv，或链接加 ?format=csv\nquery ExchangesByMonthAndSpecialty {\n  byMonth: exchangeStats(groupBy: [MONTH], filter: { fiscalYear: 2020 }, fillGaps: true, lang: ZH) {\n    exchanges\n    groups { keys { value label } exchanges talks }\n  }\n  bySpecialty: exchangeStats(groupBy: [SPECIALTY], orderBy: EXCHANGES_DESC, lang: ZH) {\n    groups { keys { label } exchanges institutions }\n  }\n}\n",
    "# 日本語：国・省／県ごとの交流数と参加機関数（同じ参加機関の国と地域）\nquery ExchangesByCountryAndRegion {\n  exchangeStats(groupBy: [COUNTRY, REGION], orderBy: EXCHANGES_DESC, lang: JA) {\n    exchanges\n    groups { keys { dimension value label } exchanges institutions }\n  }\n}\n",
    "# 中文：合作关系——哪些机构一起举办过交流，次数最多的在前\nquery Partnerships {\n  partnerships(lang: ZH, first: 10) {\n    totalCount\n    nodes {\n      institutions { name }\n      exchanges\n      firstDate\n      lastDate\n      specialties { name }\n    }\n  }\n}\n",
    "# 日本語／中文：交流の写真と画像（<img srcset> と IIIF）。画像のない写真は image が null\n# 图片：srcset 供网页使用，iiif 供 IIIF 查看器（Mirador 等）使用\nquery PhotosAndImages {\n  exchanges(lang: JA, first: 3) {\n    nodes {\n      title\n      iiifManifest\n      photos {\n        caption\n        image { width height placeholder srcset(format: WEBP) url(width: 640) iiif credit copyright }\n      }\n    }\n  }\n}\n",
    "# 日本語：亀田総合病院の提携先と、五十音順の医療機関一覧\nquery KamedaPartnersAndGojuon {\n  institution(slug: \"kameda-medical-center\", lang: JA) {\n    name\n    partners { nodes { partner { name region } exchanges firstDate specialties { name } } }\n  }\n  institutions(lang: JA, orderBy: NAME, first: 50) { nodes { name city } }\n}\n",
];

/// The editors' tab: fixing a hospital's name, with the variables it
/// needs and the `Authorization` header to fill in with one's token.
pub const EDITING_EXAMPLE: EditingExample = EditingExample {
    query: "# 編集者向け：名称を直す／编辑：更正名称（需要令牌 / トークンが必要）\n# Headers に自分のトークンを入れ、Variables の id と version を\n# { institution(slug: \"kameda-medical-center\") { id version } } で確かめてください。\n# 日本語の名称を変えるときは読み（かな）も送ります（五十音順の並びに使います）。\nmutation FixName($id: ID!, $version: Int!) {\n  updateInstitution(id: $id, expectedVersion: $version,\n    input: { name: [{ lang: JA, text: \"医療法人鉄蕉会 亀田総合病院\" }],\n             reading: [{ lang: JA, text: \"いりょうほうじんてっしょうかい かめだそうごうびょういん\" }] }) {\n    institution { version name(lang: JA) aliases }\n    errors { field code message }\n  }\n}\n",
    variables: "{ \"id\": \"SW5zdGl0dXRpb246Mg\", \"version\": 1 }",
    headers: "{ \"Authorization\": \"Bearer <token>\" }",
};

/// A tab that writes: its query, variables and headers.
pub struct EditingExample {
    /// The mutation.
    pub query: &'static str,
    /// Its variables, as JSON.
    pub variables: &'static str,
    /// The headers to send, as JSON (the token to fill in).
    pub headers: &'static str,
}

/// Whether this binary carries GraphiQL.
pub fn is_embedded() -> bool {
    !embedded::FILES.is_empty()
}

/// The GraphiQL page, or how to get it when this build has none.
pub fn page() -> Response {
    if !is_embedded() {
        return Html(unavailable_page(embedded::UNAVAILABLE)).into_response();
    }
    let text = |value: &str| serde_json::Value::from(value).to_string();
    let mut tabs: Vec<String> = EXAMPLES
        .iter()
        .map(|query| format!("{{ query: {} }}", text(query)))
        .collect();
    let editing = &EDITING_EXAMPLE;
    tabs.push(format!(
        "{{ query: {}, variables: {}, headers: {} }}",
        text(editing.query),
        text(editing.variables),
        text(editing.headers)
    ));
    Html(format!(
        r#"<!doctype html>
<html lang="zh">
<head>
  <meta charset="utf-8">
  <title>medexchange · GraphiQL</title>
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
  <link rel="stylesheet" href="/graphiql/graphiql.min.css">
  <link rel="license" href="/graphiql/licenses.txt">
  <script src="/graphiql/react.production.min.js"></script>
  <script src="/graphiql/react-dom.production.min.js"></script>
  <script src="/graphiql/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script>
    const fetcher = GraphiQL.createFetcher({{ url: window.location.pathname }});
    const tabs = [{tabs}];
    // A tab that comes with headers (the editors' token) opens its Headers pane.
    const showHeaders = (state) => {{
      const tab = state.tabs[state.activeTabIndex];
      if (!tab || !tab.headers) return;
      setTimeout(() => {{
        const headers = document.querySelector('.graphiql-editor-tools button[data-name="headers"]');
        if (headers && !headers.classList.contains('active')) headers.click();
      }}, 0);
    }};
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {{ fetcher, defaultQuery: tabs[0].query, defaultTabs: tabs, onTabChange: showHeaders }})
    );
  </script>
</body>
</html>
"#,
        tabs = tabs.join(", ")
    ))
    .into_response()
}

/// The page of a build without GraphiQL: why, and how to get it.
fn unavailable_page(reason: &str) -> String {
    let reason = reason
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>medexchange</title></head><body>\
         <h1>GraphiQL is not in this build</h1>\
         <p>This binary was built without GraphiQL's files ({reason}). They are embedded at build \
         time from npm (never a CDN). Install Node.js and npm, then rebuild from the repository root:</p>\
         <pre>touch scripts/graphiql/package-lock.json\ncargo build --release</pre>\
         <p>The API itself works: POST GraphQL requests to this URL.</p></body></html>"
    )
}

/// `GET /graphiql/{file}`: one of GraphiQL's embedded files, or the
/// licences they ship under (`licenses.txt`).
pub async fn asset(Path(name): Path<String>) -> Response {
    const CACHE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "public, max-age=86400");
    if name == "licenses.txt" && is_embedded() {
        let text: String = embedded::LICENSES
            .iter()
            .map(|(package, licence)| format!("== {package} (npm) ==\n\n{licence}\n\n"))
            .collect();
        return (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), CACHE],
            text,
        )
            .into_response();
    }
    match embedded::FILES.iter().find(|(file, _, _)| *file == name) {
        Some((_, bytes, content_type)) => {
            ([(header::CONTENT_TYPE, *content_type), CACHE], *bytes).into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such GraphiQL file").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_without_graphiql_says_why_and_how_to_get_it() {
        let page = unavailable_page("npm could not be run <missing>");
        assert!(page.contains("npm could not be run &lt;missing&gt;"));
        assert!(page.contains("cargo build --release"));
        assert!(!page.contains("<script"));
    }
}
