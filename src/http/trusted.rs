//! Trusted documents: the GraphQL documents a public endpoint runs for
//! anonymous callers, read from the manifests frontend builds write.
//!
//! With `--trusted-documents FILE` an anonymous caller may run only the
//! documents those files list, named by id: `documentId` (graphql-codegen's
//! client preset with `persistedDocuments: true`, Relay's persisted
//! queries), or `extensions.persistedQuery.sha256Hash` (Apollo's persisted
//! query link); a document sent as text runs only when it is one of them,
//! letter for letter. Token holders (editors, GraphiQL after sign-in) may
//! still send any document unless `--trusted-documents-only-for-all`.
//!
//! Manifests read (any mix, any number of files):
//! - graphql-codegen's `persisted-documents.json` and Relay's
//!   `persisted_queries.json`: a JSON object of id -> document;
//! - Apollo's `persisted-query-manifest.json`: `{"format":
//!   "apollo-persisted-query-manifest", "version": 1, "operations": [{"id",
//!   "body", "name", "type"}]}`.
//!
//! Ids are compared as written, and a `sha256:` prefix (the GraphQL-over-HTTP
//! draft's form) is optional. SIGHUP reads the files again: the new set
//! replaces the old at once, requests running keep the set they started
//! with, and a file that no longer reads keeps the old set (logged).

use crate::domain::vocabulary::sha256_hex;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// The documents of one reading of the manifests.
#[derive(Debug, Default)]
struct DocumentSet {
    /// Each document by its id, without a `sha256:` prefix.
    by_id: HashMap<String, Arc<str>>,
    /// The SHA-256 of each document's text.
    text_hashes: HashSet<String>,
}

/// The trusted documents of a server, and who must use them.
#[derive(Debug)]
pub struct TrustedDocuments {
    files: Vec<PathBuf>,
    for_all: bool,
    documents: RwLock<Arc<DocumentSet>>,
}

/// Why a manifest could not be read.
#[derive(Debug, thiserror::Error)]
#[error("trusted documents {file}: {problem}")]
pub struct ManifestError {
    file: String,
    problem: String,
}

impl TrustedDocuments {
    /// Reads `files`; `for_all` makes token holders use them too.
    pub fn load(files: Vec<PathBuf>, for_all: bool) -> Result<Self, ManifestError> {
        let documents = read_all(&files)?;
        Ok(TrustedDocuments {
            files,
            for_all,
            documents: RwLock::new(Arc::new(documents)),
        })
    }

    /// Reads the files again; on success the new documents replace the old
    /// (returns how many there are now), else the old stay.
    pub fn reload(&self) -> Result<usize, ManifestError> {
        let documents = Arc::new(read_all(&self.files)?);
        let count = documents.by_id.len();
        if let Ok(mut current) = self.documents.write() {
            *current = documents;
        }
        Ok(count)
    }

    fn current(&self) -> Arc<DocumentSet> {
        match self.documents.read() {
            Ok(documents) => documents.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// How many documents are trusted.
    pub fn len(&self) -> usize {
        self.current().by_id.len()
    }

    /// Whether no document is trusted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The document with this id.
    pub fn get(&self, id: &str) -> Option<Arc<str>> {
        self.current().by_id.get(without_prefix(id)).cloned()
    }

    /// Whether `text` is a trusted document, letter for letter.
    pub fn holds_text(&self, text: &str) -> bool {
        self.current()
            .text_hashes
            .contains(&sha256_hex(text.as_bytes()))
    }

    /// Whether a caller (signed in or not) may run only trusted documents.
    pub fn binds(&self, signed_in: bool) -> bool {
        self.for_all || !signed_in
    }
}

fn without_prefix(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

fn read_all(files: &[PathBuf]) -> Result<DocumentSet, ManifestError> {
    let mut documents = DocumentSet::default();
    for file in files {
        for (id, body) in read_manifest(file)? {
            documents.text_hashes.insert(sha256_hex(body.as_bytes()));
            documents
                .by_id
                .insert(without_prefix(&id).to_owned(), Arc::from(body));
        }
    }
    Ok(documents)
}

/// The (id, document) pairs of one manifest.
fn read_manifest(file: &Path) -> Result<Vec<(String, String)>, ManifestError> {
    let shown = std::path::absolute(file).unwrap_or_else(|_| file.to_owned());
    let problem = |problem: String| ManifestError {
        file: shown.display().to_string(),
        problem,
    };
    let text = std::fs::read_to_string(file).map_err(|e| problem(e.to_string()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| problem(format!("not JSON: {e}")))?;
    let serde_json::Value::Object(map) = json else {
        return Err(problem("expected a JSON object".to_owned()));
    };
    let pairs: Vec<(String, serde_json::Value)> = match map.get("operations") {
        Some(serde_json::Value::Array(operations)) => {
            let format = map.get("format").and_then(|f| f.as_str());
            if format != Some("apollo-persisted-query-manifest") {
                return Err(problem(
                    "`operations` without `format: apollo-persisted-query-manifest`".to_owned(),
                ));
            }
            let mut pairs = Vec::with_capacity(operations.len());
            for operation in operations {
                let id = operation.get("id").and_then(|id| id.as_str());
                let body = operation.get("body").cloned();
                match (id, body) {
                    (Some(id), Some(body)) => pairs.push((id.to_owned(), body)),
                    _ => return Err(problem("an operation without `id` or `body`".to_owned())),
                }
            }
            pairs
        }
        _ => map.into_iter().collect(),
    };
    pairs
        .into_iter()
        .map(|(id, body)| match body {
            serde_json::Value::String(body) if !id.is_empty() && !body.trim().is_empty() => {
                Ok((id, body))
            }
            _ => Err(problem(format!(
                "document {id:?} is not a non-empty string"
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(dir: &Path, name: &str, json: serde_json::Value) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, json.to_string()).unwrap();
        path
    }

    #[test]
    fn reads_codegen_and_apollo_manifests_and_keeps_the_old_set_on_a_bad_reload() {
        let dir = std::env::temp_dir().join(format!("trusted-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let codegen = manifest(&dir, "codegen.json", serde_json::json!({"abc": "{ a }"}));
        let apollo = manifest(
            &dir,
            "apollo.json",
            serde_json::json!({"format": "apollo-persisted-query-manifest", "version": 1,
                "operations": [{"id": "def", "name": "B", "type": "query", "body": "{ b }"}]}),
        );
        let trusted = TrustedDocuments::load(vec![codegen.clone(), apollo], false).unwrap();
        assert_eq!(trusted.len(), 2);
        assert_eq!(trusted.get("sha256:abc").as_deref(), Some("{ a }"));
        assert_eq!(trusted.get("def").as_deref(), Some("{ b }"));
        assert!(trusted.holds_text("{ b }") && !trusted.holds_text("{ c }"));
        assert!(trusted.binds(false) && !trusted.binds(true));

        std::fs::write(&codegen, "{ not json").unwrap();
        let error = trusted.reload().unwrap_err().to_string();
        assert!(
            error.contains("codegen.json") && error.contains("not JSON"),
            "{error}"
        );
        assert_eq!(trusted.len(), 2, "the old set stays");
        std::fs::write(&codegen, r#"{"abc": "{ a }", "xyz": "{ z }"}"#).unwrap();
        assert_eq!(trusted.reload().unwrap(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn malformed_manifests_are_named_with_their_problem() {
        let dir = std::env::temp_dir().join(format!("trusted-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, json) in [
            ("list.json", serde_json::json!(["{ a }"])),
            ("number.json", serde_json::json!({"abc": 1})),
            ("unformatted.json", serde_json::json!({"operations": []})),
        ] {
            let path = manifest(&dir, name, json);
            let error = TrustedDocuments::load(vec![path], false).unwrap_err();
            assert!(error.to_string().contains(name), "{error}");
        }
        let missing = TrustedDocuments::load(vec![dir.join("missing.json")], false);
        assert!(missing.is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
