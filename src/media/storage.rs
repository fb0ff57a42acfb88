//! Where image files are kept: a folder (the default, beside the SQLite
//! file), S3-compatible object storage shared by many processes
//! (`s3://bucket/prefix`, configured by the usual `AWS_*` variables), or
//! memory (tests). Files are content-addressed and never change once
//! written: `originals/HASH` (the archival master, for token holders) and
//! `public/HASH/WIDTH.EXT` (the derivatives anyone may fetch).

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::sync::Arc;
use std::time::SystemTime;

/// A store failed (not found is not a failure: see the `Option`s).
#[derive(Debug, thiserror::Error)]
#[error("media store {store}: {message}")]
pub struct StoreError {
    store: String,
    message: String,
}

/// The media store.
#[derive(Clone, Debug)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    /// Where it is, for messages and `/readyz`.
    description: String,
}

/// An object in the store.
pub struct Listed {
    /// Its key.
    pub key: String,
    /// When it was last written.
    pub modified: SystemTime,
}

impl MediaStore {
    /// The store `spec` names: `s3://BUCKET[/PREFIX]`, `memory:`, or a
    /// folder (created when missing).
    pub fn open(spec: &str) -> Result<MediaStore, String> {
        MediaStore::open_with(spec, &[])
    }

    /// [`MediaStore::open`], with S3 settings given here rather than in
    /// the environment (`("aws_endpoint", URL)`, `("aws_allow_http",
    /// "true")`, ...): they win over the `AWS_*` variables.
    pub fn open_with(spec: &str, s3_settings: &[(&str, &str)]) -> Result<MediaStore, String> {
        let spec = spec.trim();
        if spec == "memory:" {
            return Ok(MediaStore::in_memory());
        }
        if let Some(rest) = spec.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err("expected s3://BUCKET or s3://BUCKET/PREFIX".into());
            }
            let mut builder =
                object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
            for (key, value) in s3_settings {
                let key = key
                    .parse()
                    .map_err(|e: object_store::Error| e.to_string())?;
                builder = builder.with_config(key, *value);
            }
            let s3 = builder.build().map_err(|e| e.to_string())?;
            let inner: Arc<dyn ObjectStore> = match prefix.trim_matches('/') {
                "" => Arc::new(s3),
                prefix => Arc::new(object_store::prefix::PrefixStore::new(s3, prefix)),
            };
            let description = spec.to_owned();
            return Ok(MediaStore { inner, description });
        }
        let folder = std::path::Path::new(spec.strip_prefix("file://").unwrap_or(spec));
        std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        let absolute = std::fs::canonicalize(folder).map_err(|e| e.to_string())?;
        let local = object_store::local::LocalFileSystem::new_with_prefix(&absolute)
            .map_err(|e| format!("{}: {e}", absolute.display()))?;
        Ok(MediaStore {
            inner: Arc::new(local.with_automatic_cleanup(true)),
            description: absolute.display().to_string(),
        })
    }

    /// A store in this process's memory (tests, `sqlite::memory:`).
    pub fn in_memory() -> MediaStore {
        MediaStore {
            inner: Arc::new(object_store::memory::InMemory::new()),
            description: "memory".into(),
        }
    }

    /// Where it is.
    pub fn description(&self) -> &str {
        &self.description
    }

    fn failed(&self, error: object_store::Error) -> StoreError {
        StoreError {
            store: self.description.clone(),
            message: error.to_string(),
        }
    }

    /// Writes `bytes` at `key` (whole, or not at all).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        let payload = PutPayload::from(bytes);
        self.inner
            .put(&Path::from(key), payload)
            .await
            .map(drop)
            .map_err(|e| self.failed(e))
    }

    /// The bytes at `key`, if any.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, StoreError> {
        match self.inner.get(&Path::from(key)).await {
            Ok(found) => found.bytes().await.map(Some).map_err(|e| self.failed(e)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(self.failed(error)),
        }
    }

    /// Deletes `key` (nothing when it is not there).
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(self.failed(error)),
        }
    }

    /// Every object under `prefix`.
    pub async fn list(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let prefix = Path::from(prefix);
        let mut listing = self.inner.list(Some(&prefix));
        let mut found = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| self.failed(e))?;
            found.push(Listed {
                key: meta.location.to_string(),
                modified: meta.last_modified.into(),
            });
        }
        Ok(found)
    }
}

/// The key of an original.
pub fn original_key(hash: &str) -> String {
    format!("originals/{hash}")
}

/// The key of a derivative (`name` as `640.webp`).
pub fn public_key(hash: &str, name: &str) -> String {
    format!("public/{hash}/{name}")
}
