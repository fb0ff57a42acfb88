//! IIIF: the Image API 3.0 over every stored image ([`image_api`]), and
//! Presentation API 3.0 manifests of the records photos belong to
//! ([`presentation`]).
//!
//! An image request is drawn from the smallest stored copy that has the
//! pixels it needs (a derivative, or the original for a region at full
//! resolution), so a viewer's overview tiles never decode the original.
//! What is drawn is remembered in memory (`RenderCache`, bounded in bytes)
//! and sent with `Cache-Control: immutable`: the image behind a hash never
//! changes.

pub mod image_api;
pub mod presentation;

use super::pixels;
use super::probe::Format;
use super::{Media, MediaError, widths_of};
use crate::store::rows::image as image_row;
use bytes::Bytes;
use image::RgbImage;
use image_api::{ImageRequest, Plan};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Tiles viewers may ask for: this wide and high, at these scales.
pub const TILE_SIZE: u32 = 512;

/// What an image request got.
pub enum Drawn {
    /// The image, encoded.
    Image(Bytes),
    /// The request cannot be served (400).
    BadRequest(String),
    /// The image's files are not in the store.
    Missing,
}

impl Media {
    /// The `info.json` of `row`, its service at `base` (absolute).
    pub fn iiif_info(&self, row: &image_row::Model, base: &str) -> Value {
        let (width, height) = (row.width as u32, row.height as u32);
        let sizes: Vec<Value> = widths_of(row)
            .into_iter()
            .map(|w| json!({"width": w, "height": pixels::proportional_height(width, height, w)}))
            .collect();
        let mut scale_factors = vec![1u32];
        while width.max(height) / scale_factors[scale_factors.len() - 1] > TILE_SIZE {
            scale_factors.push(scale_factors[scale_factors.len() - 1] * 2);
        }
        json!({
            "@context": "http://iiif.io/api/image/3/context.json",
            "id": base,
            "type": "ImageService3",
            "protocol": "http://iiif.io/api/image",
            "profile": image_api::PROFILE,
            "width": width,
            "height": height,
            "sizes": sizes,
            "tiles": [{"width": TILE_SIZE, "height": TILE_SIZE, "scaleFactors": scale_factors}],
            "extraFormats": image_api::EXTRA_FORMATS,
            "extraQualities": image_api::EXTRA_QUALITIES,
            "extraFeatures": image_api::EXTRA_FEATURES,
            "preferredFormats": ["webp", "jpg"],
        })
    }

    /// Draws the request `path` (`region/size/rotation/quality.format`)
    /// of `row`.
    pub async fn iiif_image(
        &self,
        row: &image_row::Model,
        request: &ImageRequest,
        path: &str,
    ) -> Result<Drawn, MediaError> {
        let key = format!("{}/{path}", row.hash);
        if let Some(bytes) = self.renders.get(&key) {
            return Ok(Drawn::Image(bytes));
        }
        let plan = match request.plan(row.width as u32, row.height as u32) {
            Ok(plan) => plan,
            Err(message) => return Ok(Drawn::BadRequest(message)),
        };
        let Some((source, scale)) = self.source_for(row, &plan).await? else {
            return Ok(Drawn::Missing);
        };
        let request = request.clone();
        // Drawing takes a core: at most one per core at once, uploads
        // included, so a flood of distinct requests queues rather than
        // starving the rest of the service.
        let _core = self.processing.acquire().await;
        let encoding = request.encoding;
        let drawn = tokio::task::spawn_blocking(move || request.draw(&plan, &source, scale))
            .await
            .map_err(|_| MediaError::Drawing)?;
        let Some(drawn) = drawn else {
            let message = format!(
                "{}×{} is too large for {} (WebP holds 16383 pixels a side, JPEG 65535)",
                plan.width,
                plan.height,
                encoding.extension()
            );
            return Ok(Drawn::BadRequest(message));
        };
        let bytes = Bytes::from(drawn);
        self.renders.put(key, bytes.clone());
        Ok(Drawn::Image(bytes))
    }

    /// The smallest stored copy with the pixels `plan` needs, decoded, and
    /// its scale to the full image.
    async fn source_for(
        &self,
        row: &image_row::Model,
        plan: &Plan,
    ) -> Result<Option<(Arc<RgbImage>, f64)>, MediaError> {
        let full_width = row.width as u32;
        let needed = (plan.width as f64 / plan.region[2] as f64)
            .max(plan.height as f64 / plan.region[3] as f64);
        let derivative = widths_of(row)
            .into_iter()
            .find(|&w| w as f64 / full_width as f64 >= needed - 1e-9);
        let (name, format) = match derivative {
            Some(w) => (format!("{w}.jpg"), Format::Jpeg),
            None => {
                let format = Format::of_content_type(&row.content_type).unwrap_or(Format::Jpeg);
                ("original".to_owned(), format)
            }
        };
        let source_key = format!("{}/{name}", row.hash);
        if let Some(source) = self.renders.source(&source_key) {
            return Ok(Some((
                source.clone(),
                source.width() as f64 / full_width as f64,
            )));
        }
        let bytes = match derivative {
            Some(_) => self.derivative(&row.hash, &name).await?,
            None => self.original(&row.hash).await?,
        };
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        let upright = derivative.is_none();
        let _core = self.processing.acquire().await;
        let decoded = tokio::task::spawn_blocking(move || decode_source(&bytes, format, upright))
            .await
            .map_err(|_| MediaError::Drawing)?;
        let Some(source) = decoded.map(Arc::new) else {
            return Ok(None);
        };
        self.renders.keep_source(source_key, source.clone());
        Ok(Some((
            source.clone(),
            source.width() as f64 / full_width as f64,
        )))
    }
}

/// A stored copy's pixels; an original is turned upright as it was when
/// stored.
fn decode_source(bytes: &[u8], format: Format, original: bool) -> Option<RgbImage> {
    if !original {
        return pixels::decode(bytes, format).ok();
    }
    let reader =
        image::ImageReader::with_format(std::io::Cursor::new(bytes), format.image_format());
    let mut decoder = reader.into_decoder().ok()?;
    let orientation = image::ImageDecoder::orientation(&mut decoder)
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = image::DynamicImage::from_decoder(decoder).ok()?;
    image.apply_orientation(orientation);
    Some(pixels::to_rgb(image))
}

/// Image files served from memory: IIIF images drawn on request and
/// derivatives read from the store, bounded in bytes (the least recently
/// used go first); and the decoded copies IIIF images were drawn from.
pub(crate) struct RenderCache {
    budget: usize,
    state: Mutex<RenderState>,
}

#[derive(Default)]
struct RenderState {
    drawn: HashMap<String, (Bytes, u64)>,
    drawn_bytes: usize,
    tick: u64,
    /// The last decoded copies (two at most: a viewer zooming in asks for
    /// many tiles of one image at once).
    sources: Vec<(String, Arc<RgbImage>)>,
}

/// Decoded copies kept.
const SOURCES_KEPT: usize = 2;

impl RenderCache {
    pub(crate) fn new(budget: usize) -> RenderCache {
        RenderCache {
            budget,
            state: Mutex::new(RenderState::default()),
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<Bytes> {
        let mut state = self.state.lock().ok()?;
        state.tick += 1;
        let tick = state.tick;
        let entry = state.drawn.get_mut(key)?;
        entry.1 = tick;
        Some(entry.0.clone())
    }

    pub(crate) fn put(&self, key: String, bytes: Bytes) {
        if bytes.len() > self.budget / 4 {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state.tick += 1;
        let tick = state.tick;
        state.drawn_bytes += bytes.len();
        if let Some((old, _)) = state.drawn.insert(key, (bytes, tick)) {
            state.drawn_bytes -= old.len();
        }
        while state.drawn_bytes > self.budget {
            let oldest = state
                .drawn
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(key, _)| key.clone());
            let Some(oldest) = oldest else { break };
            if let Some((gone, _)) = state.drawn.remove(&oldest) {
                state.drawn_bytes -= gone.len();
            }
        }
    }

    fn source(&self, key: &str) -> Option<Arc<RgbImage>> {
        let state = self.state.lock().ok()?;
        state
            .sources
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, source)| source.clone())
    }

    fn keep_source(&self, key: String, source: Arc<RgbImage>) {
        if let Ok(mut state) = self.state.lock() {
            state.sources.retain(|(k, _)| *k != key);
            state.sources.insert(0, (key, source));
            state.sources.truncate(SOURCES_KEPT);
        }
    }
}
