//! Answers remembered by request: identical requests (the same document up
//! to spacing and comments, operation name, variables and negotiated
//! language) at the same data version get the same bytes without running
//! anything. Only error-free answers to queries are remembered, and only
//! after the request passed every limit (those are fixed for the process),
//! so an answer from memory never lets a refused request through.
//!
//! Entries carry the data version they were made at (see
//! [`crate::store::data_version`]): a write anywhere moves the version, and
//! from the moment this process reads the new one, older entries are never
//! served again (and age out). While the version is unknown nothing is
//! served from memory.

use crate::http::persisted::sha256_hex;
use crate::i18n::Lang;
use crate::pipeline::bounded::BoundedMap;
use crate::store::data_version::DataVersionWatch;
use axum::body::Bytes;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// A successful answer: its body, the languages its texts were served in,
/// and its entity tag.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The JSON body.
    pub body: Bytes,
    /// The languages served (`Content-Language`).
    pub served: Vec<Lang>,
    /// The entity tag, made when first needed (only GET answers carry
    /// one; hashing a list page's body was 1% of its CPU).
    etag: OnceLock<String>,
}

impl Answer {
    /// The answer with this body, its texts served in `served`.
    pub fn new(body: Bytes, served: Vec<Lang>) -> Self {
        Answer {
            body,
            served,
            etag: OnceLock::new(),
        }
    }

    /// The weak entity tag's opaque part, quoted (`"…"`): the start of the
    /// body's SHA-256.
    pub fn etag(&self) -> &str {
        self.etag
            .get_or_init(|| format!("\"{}\"", &sha256_hex(&self.body)[..32]))
    }
}

/// The answers of this process, by request and data version.
pub struct ResponseCache {
    answers: BoundedMap<Arc<Answer>>,
    version: Option<Arc<DataVersionWatch>>,
    /// Answers served from memory.
    pub hits: AtomicU64,
    /// Cacheable requests that had to run.
    pub misses: AtomicU64,
}

impl ResponseCache {
    /// A cache of at most `entries` answers weighing `max_bytes` together,
    /// following `version`; off when `entries` is 0 or there is no version.
    pub fn new(entries: usize, max_bytes: usize, version: Option<Arc<DataVersionWatch>>) -> Self {
        ResponseCache {
            answers: BoundedMap::new(entries, max_bytes),
            version,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The key of a request, or `None` when nothing may be cached now (the
    /// cache is off, or the data version is unknown).
    pub fn key(&self, request: &async_graphql::Request, lang: Lang) -> Option<String> {
        let version = self.version.as_ref()?.current()?;
        if self.answers_off() {
            return None;
        }
        let variables = serde_json::to_string(&request.variables).ok()?;
        let operation = request.operation_name.as_deref().unwrap_or("");
        let query = normalize(&request.query);
        Some(format!(
            "{version}\u{1}{}\u{1}{operation}\u{1}{variables}\u{1}{query}",
            lang.code()
        ))
    }

    fn answers_off(&self) -> bool {
        self.answers.max_entries() == 0
    }

    /// The answer remembered under `key`.
    pub fn get(&self, key: &str) -> Option<Arc<Answer>> {
        let answer = self.answers.get(key);
        let counter = if answer.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        answer
    }

    /// The cache's counters in Prometheus text format.
    pub fn render_metrics(&self) -> String {
        let hits = self.hits.load(Ordering::Relaxed);
        let misses = self.misses.load(Ordering::Relaxed);
        format!(
            "# HELP medexchange_response_cache_hits_total Answers served from the response cache.\n\
             # TYPE medexchange_response_cache_hits_total counter\n\
             medexchange_response_cache_hits_total {hits}\n\
             # HELP medexchange_response_cache_misses_total Cacheable requests that had to run.\n\
             # TYPE medexchange_response_cache_misses_total counter\n\
             medexchange_response_cache_misses_total {misses}\n\
             # HELP medexchange_response_cache_entries Answers held in the response cache.\n\
             # TYPE medexchange_response_cache_entries gauge\n\
             medexchange_response_cache_entries {}\n",
            self.answers.len()
        )
    }

    /// Remembers `answer` under `key`.
    pub fn insert(&self, key: &str, answer: Arc<Answer>) {
        let weight = answer.body.len() + key.len();
        self.answers.insert(key, answer, weight);
    }
}

/// The document with comments dropped and spacing reduced to what keeps
/// tokens apart (commas are spacing in GraphQL); strings are kept as
/// written. Two documents with the same normal form are the same document.
pub fn normalize(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut chars = query.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
                pending_space = true;
            }
            c if c.is_whitespace() || c == ',' || c == '\u{feff}' => pending_space = true,
            '"' => {
                if pending_space && out.ends_with(is_word) {
                    out.push(' ');
                }
                pending_space = false;
                copy_string(&mut out, &mut chars);
            }
            c => {
                if pending_space && is_word(c) && out.ends_with(is_word) {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
            }
        }
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Copies a string literal (the opening `"` already read) as written: a
/// block string `"""…"""` or a string with `\` escapes.
fn copy_string(out: &mut String, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    out.push('"');
    let block = {
        let rest: String = chars.clone().take(2).collect();
        rest == "\"\""
    };
    if block {
        out.push_str("\"\"");
        chars.nth(1);
        let mut quotes = 0;
        for c in chars.by_ref() {
            out.push(c);
            quotes = if c == '"' { quotes + 1 } else { 0 };
            if quotes == 3 && !out[..out.len() - 3].ends_with('\\') {
                return;
            }
        }
        return;
    }
    let mut escaped = false;
    for c in chars.by_ref() {
        out.push(c);
        match (escaped, c) {
            (false, '\\') => escaped = true,
            (false, '"') => return,
            _ => escaped = false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_commas_and_comments_do_not_change_the_form() {
        let a = normalize(
            "query Q($first: Int = 20) {\n  exchanges(first: $first, lang: ZH) { # page\n    nodes { id title } }\n}",
        );
        let b =
            normalize("query Q($first:Int=20){exchanges(first:$first lang:ZH){nodes{id,title}}}");
        assert_eq!(a, b);
        assert_eq!(
            b,
            "query Q($first:Int=20){exchanges(first:$first lang:ZH){nodes{id title}}}"
        );
    }

    #[test]
    fn strings_are_kept_as_written() {
        assert_eq!(
            normalize(r#"{ search(query: "a  ,b # c") { id } }"#),
            r#"{search(query:"a  ,b # c"){id}}"#
        );
        assert_eq!(normalize(r#"{ f(a: "x\"  y") }"#), r#"{f(a:"x\"  y")}"#);
        assert_eq!(
            normalize("{ f(a: \"\"\"  x\n  \"\"\") }"),
            "{f(a:\"\"\"  x\n  \"\"\")}"
        );
        assert_ne!(
            normalize(r#"{ f(a: "x y") }"#),
            normalize(r#"{ f(a: "x  y") }"#)
        );
    }

    #[test]
    fn names_stay_apart() {
        assert_eq!(normalize("query A { a b }"), "query A{a b}");
        assert_ne!(normalize("{ ab }"), normalize("{ a b }"));
        assert_eq!(normalize("{ ... on X { a } }"), "{...on X{a}}");
    }
}
