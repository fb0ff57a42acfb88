//! Photos' images: upload checks, derivatives, storage, and the IIIF Image
//! and Presentation APIs.
//!
//! An editor's file is checked and made into derivatives
//! ([`process`], from its bytes alone: [`probe`]), the derivatives and the
//! original are written to the [`storage`] (content-addressed by the
//! original's SHA-256), and only then is the image recorded in the
//! database: a photo can never name an image whose files are missing.
//! Files no image row names, and images no photo names, are removed by
//! [`Media::collect_garbage`] once they are older than an hour (`serve`
//! runs it hourly; `medexchange media gc` on demand).

pub mod iiif;
pub mod pixels;
pub mod probe;
pub mod problem;
pub mod process;
pub mod storage;

use crate::domain::vocabulary::now_rfc3339;
use crate::store::data_version::DataVersionWatch;
use crate::store::images;
use crate::store::rows::image as image_row;
use crate::store::{DatabaseConnection, DbErr};
use bytes::Bytes;
use iiif::RenderCache;
pub use problem::ImageProblem;
use process::FileLimits;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
pub use storage::MediaStore;

/// How long a file or an image no one names is kept before the collector
/// removes it: far longer than any upload takes between storing its files
/// and committing the photo that names them.
pub const GARBAGE_GRACE: Duration = Duration::from_secs(3600);

/// The media settings.
#[derive(Clone, Debug)]
pub struct MediaOptions {
    /// Where files are kept.
    pub store: MediaStore,
    /// Bytes and pixels one file may have.
    pub limits: FileLimits,
    /// Most files one upload request may carry.
    pub max_files: usize,
    /// The service's public origin (`https://archive.example.org`), for
    /// the absolute URLs IIIF needs; from the request's `Host` when unset.
    pub public_url: Option<String>,
    /// Memory for image files served from memory (IIIF images drawn on
    /// request, derivatives read lately), in bytes.
    pub render_cache_bytes: usize,
}

impl Default for MediaOptions {
    fn default() -> Self {
        MediaOptions {
            store: MediaStore::in_memory(),
            limits: FileLimits::default(),
            max_files: 4,
            public_url: None,
            render_cache_bytes: 32 * 1024 * 1024,
        }
    }
}

/// A failure of the store or the database (not of the file).
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error(transparent)]
    Store(#[from] storage::StoreError),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// Decoding or drawing stopped (a decoder's panic).
    #[error("drawing an image failed")]
    Drawing,
}

/// What the collector removed.
#[derive(Debug, Default)]
pub struct Collected {
    /// Images no photo named any more.
    pub images: usize,
    /// Files removed from the store.
    pub files: usize,
}

/// The images of this process: storing, reading, IIIF.
pub struct Media {
    options: MediaOptions,
    db: DatabaseConnection,
    /// Decoding, resizing and drawing take a core each: uploads and IIIF
    /// images, at most one per core at once (and so bounded memory).
    pub(crate) processing: tokio::sync::Semaphore,
    /// Whether readers may see each image, as of a data version.
    public: Mutex<(Option<i64>, HashMap<String, bool>)>,
    watch: Option<Arc<DataVersionWatch>>,
    /// IIIF images computed on request.
    pub(crate) renders: RenderCache,
}

/// Most answers of [`Media::is_public`] remembered per data version.
const PUBLIC_ENTRIES: usize = 10_000;

impl Media {
    /// The images over `db`, following `watch`'s data version.
    pub fn new(
        options: MediaOptions,
        db: DatabaseConnection,
        watch: Option<Arc<DataVersionWatch>>,
    ) -> Media {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Media {
            renders: RenderCache::new(options.render_cache_bytes),
            options,
            db,
            processing: tokio::sync::Semaphore::new(cores),
            public: Mutex::new((None, HashMap::new())),
            watch,
        }
    }

    /// The settings.
    pub fn options(&self) -> &MediaOptions {
        &self.options
    }

    /// The store.
    pub fn store(&self) -> &MediaStore {
        &self.options.store
    }

    /// Checks `bytes`, stores its derivatives and original, and records the
    /// image; a refused file stores nothing.
    pub async fn ingest(
        &self,
        bytes: Vec<u8>,
    ) -> Result<Result<image_row::Model, ImageProblem>, MediaError> {
        let limits = self.options.limits;
        let processed = {
            let _core = self.processing.acquire().await;
            tokio::task::spawn_blocking(move || {
                process::process(&bytes, &limits).map(|done| (done, bytes))
            })
            .await
        };
        let (done, original) = match processed {
            Ok(Ok(done)) => done,
            Ok(Err(problem)) => return Ok(Err(problem)),
            Err(panic) => {
                tracing::error!(%panic, "an image decoder failed on an upload");
                return Ok(Err(ImageProblem::Damaged("image")));
            }
        };
        let store = self.store();
        for (name, file) in done.files {
            store
                .put(&storage::public_key(&done.hash, &name), file)
                .await?;
        }
        store
            .put(&storage::original_key(&done.hash), original)
            .await?;
        let row = image_row::Model {
            hash: done.hash,
            content_type: done.format.content_type().to_owned(),
            bytes: done.bytes as i64,
            width: done.width as i32,
            height: done.height as i32,
            widths: join_widths(&done.widths),
            placeholder: done.placeholder,
            color: done.color,
            credit: done.credit,
            copyright: done.copyright,
            stored_at: now_rfc3339(),
        };
        images::upsert(&self.db, row.clone()).await?;
        Ok(Ok(row))
    }

    /// The image `hash`, when it is stored.
    pub async fn image(&self, hash: &str) -> Result<Option<image_row::Model>, DbErr> {
        let mut found = images::by_hash(&self.db, &[hash.to_owned()]).await?;
        Ok(found.remove(hash))
    }

    /// Whether readers may see the image `hash`: a photo they see shows
    /// it. Remembered until the data version moves.
    pub async fn is_public(&self, hash: &str) -> Result<bool, DbErr> {
        let version = self.watch.as_ref().and_then(|watch| watch.current());
        if let Some(version) = version
            && let Ok(public) = self.public.lock()
            && public.0 == Some(version)
            && let Some(&known) = public.1.get(hash)
        {
            return Ok(known);
        }
        let shown = images::is_public(&self.db, hash).await?;
        if let Some(version) = version
            && let Ok(mut public) = self.public.lock()
        {
            if public.0 != Some(version) || public.1.len() >= PUBLIC_ENTRIES {
                *public = (Some(version), HashMap::new());
            }
            public.1.insert(hash.to_owned(), shown);
        }
        Ok(shown)
    }

    /// Whether any photo (a deleted one too) names the image `hash`.
    pub async fn is_named(&self, hash: &str) -> Result<bool, DbErr> {
        images::is_named(&self.db, hash).await
    }

    /// A derivative's bytes (`name` as `640.webp`): from memory when it
    /// was read lately (files never change), else from the store.
    pub async fn derivative(&self, hash: &str, name: &str) -> Result<Option<Bytes>, MediaError> {
        let key = storage::public_key(hash, name);
        if let Some(bytes) = self.renders.get(&key) {
            return Ok(Some(bytes));
        }
        let found = self.store().get(&key).await?;
        if let Some(bytes) = &found {
            self.renders.put(key, bytes.clone());
        }
        Ok(found)
    }

    /// An original's bytes.
    pub async fn original(&self, hash: &str) -> Result<Option<Bytes>, MediaError> {
        Ok(self.store().get(&storage::original_key(hash)).await?)
    }

    /// Removes images no photo names and files no image names, when older
    /// than `grace`.
    pub async fn collect_garbage(&self, grace: Duration) -> Result<Collected, MediaError> {
        let cutoff = SystemTime::now() - grace;
        let seconds = cutoff
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let cutoff_text = crate::domain::vocabulary::rfc3339(seconds as i64);
        let mut collected = Collected::default();
        for hash in images::unnamed(&self.db, &cutoff_text).await? {
            collected.images += images::forget_unnamed(&self.db, &hash).await? as usize;
        }
        let known: HashSet<String> = images::all_hashes(&self.db).await?.into_iter().collect();
        let store = self.store();
        for prefix in ["originals", "public"] {
            for listed in store.list(prefix).await? {
                let hash = listed.key.split('/').nth(1).unwrap_or_default();
                if !known.contains(hash) && listed.modified < cutoff {
                    store.delete(&listed.key).await?;
                    collected.files += 1;
                }
            }
        }
        Ok(collected)
    }
}

/// `320,640,1000`.
pub fn join_widths(widths: &[u32]) -> String {
    let texts: Vec<String> = widths.iter().map(u32::to_string).collect();
    texts.join(",")
}

/// The widths of a stored image's derivatives, ascending.
pub fn widths_of(row: &image_row::Model) -> Vec<u32> {
    row.widths
        .split(',')
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// Whether `text` is a SHA-256 in lowercase hex (a stored image's name).
pub fn is_hash(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Moving image files in and out with dataset files.
impl Media {
    /// Stores every image file `dataset` names by path (relative to
    /// `base`, the dataset file's folder), and names each by its stored
    /// hash instead (`sha256:HEX`). Returns how many files were stored; a
    /// refused or unreadable file stops it, naming the photo and the file.
    pub async fn store_files_of(
        &self,
        dataset: &mut crate::dataset::Dataset,
        base: &std::path::Path,
    ) -> Result<usize, String> {
        let mut stored = 0;
        for (place, photo) in dataset.photos_mut() {
            let Some(path) = photo.image.clone().filter(|i| !i.starts_with("sha256:")) else {
                continue;
            };
            let file = base.join(&path);
            let at = format!("{place} ({}).image: {}", photo.slug, file.display());
            let bytes = tokio::fs::read(&file)
                .await
                .map_err(|e| format!("{at}: {e}"))?;
            let image = match self.ingest(bytes).await.map_err(|e| format!("{at}: {e}"))? {
                Ok(image) => image,
                Err(problem) => return Err(format!("{at}: {problem}")),
            };
            // A dataset's own credit and copyright win over the file's.
            let credit = photo
                .credit
                .is_none()
                .then_some(image.credit.as_deref())
                .flatten();
            let copyright = photo
                .copyright
                .is_none()
                .then_some(image.copyright.as_deref())
                .flatten();
            photo.set_image(&image.hash, credit, copyright);
            stored += 1;
        }
        Ok(stored)
    }

    /// Writes the original of every image `dataset` names into `folder`
    /// (`HASH.EXT`), and names each by its path as `prefix/HASH.EXT`
    /// instead, so the dataset file beside the folder imports them again.
    /// Returns how many files were written.
    pub async fn export_files_of(
        &self,
        dataset: &mut crate::dataset::Dataset,
        folder: &std::path::Path,
        prefix: &str,
    ) -> Result<usize, String> {
        let mut written = 0;
        for (place, photo) in dataset.photos_mut() {
            let Some(hash) = photo
                .image
                .as_deref()
                .and_then(|i| i.strip_prefix("sha256:"))
            else {
                continue;
            };
            let hash = hash.to_owned();
            let at = format!("{place} ({})", photo.slug);
            let row = self.image(&hash).await.map_err(|e| format!("{at}: {e}"))?;
            let original = self
                .original(&hash)
                .await
                .map_err(|e| format!("{at}: {e}"))?;
            let (Some(row), Some(bytes)) = (row, original) else {
                return Err(format!("{at}: the image {hash} is not in the media store"));
            };
            let extension = probe::Format::of_content_type(&row.content_type)
                .map_or("bin", probe::Format::extension);
            let name = format!("{hash}.{extension}");
            tokio::fs::create_dir_all(folder)
                .await
                .map_err(|e| format!("{}: {e}", folder.display()))?;
            let file = folder.join(&name);
            tokio::fs::write(&file, &bytes)
                .await
                .map_err(|e| format!("{}: {e}", file.display()))?;
            photo.image = Some(format!("{prefix}/{name}"));
            written += 1;
        }
        Ok(written)
    }
}
