use crate::graphql::media;
use crate::media::iiif::presentation::image_service_path;
use crate::media::{pixels, widths_of};
use crate::store::rows::image as image_row;
use crate::store::tokens::Caller;
use async_graphql::{Context, Enum, Object};
use std::sync::Arc;

/// The encodings derivatives are served in.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ImageFormat {
    /// JPEG: every browser and tool reads it.
    #[default]
    Jpeg,
    /// WebP: about a third smaller at the same quality.
    Webp,
}

impl ImageFormat {
    fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Webp => "webp",
        }
    }
}

/// A photo's image: public derivatives at fixed widths (never wider than
/// the original), an IIIF Image API service, and the original for token
/// holders. Files are served at `/media/HASH/WIDTH.EXT` with
/// `Cache-Control: immutable`: a new image gets new URLs.
pub struct Image {
    pub(crate) row: Arc<image_row::Model>,
    /// The photo's credit and copyright (editors may correct what the
    /// file said).
    pub(crate) credit: Option<String>,
    pub(crate) copyright: Option<String>,
}

impl Image {
    fn path(&self, width: u32, format: ImageFormat) -> String {
        format!("/media/{}/{width}.{}", self.row.hash, format.extension())
    }
}

/// A photo's image: public derivatives at fixed widths (never wider than
/// the original), an IIIF Image API service, and the original for token
/// holders. Files are served at `/media/HASH/WIDTH.EXT` with
/// `Cache-Control: immutable`: a new image gets new URLs.
#[Object]
impl Image {
    /// Width in pixels, upright (after the EXIF orientation).
    async fn width(&self) -> i32 {
        self.row.width
    }

    /// Height in pixels, upright.
    async fn height(&self) -> i32 {
        self.row.height
    }

    /// The original's media type, as sniffed from its bytes
    /// (`image/jpeg`, `image/png`, `image/webp`).
    async fn content_type(&self) -> &str {
        &self.row.content_type
    }

    /// The original's size in bytes.
    async fn bytes(&self) -> i32 {
        i32::try_from(self.row.bytes).unwrap_or(i32::MAX)
    }

    /// The widths derivatives are stored at, ascending.
    async fn widths(&self) -> Vec<i32> {
        widths_of(&self.row).into_iter().map(|w| w as i32).collect()
    }

    /// A derivative's URL: the widest stored width not above `width` (the
    /// narrowest when all are wider; the widest when `width` is null),
    /// never upscaled. JPEG unless `format` says otherwise.
    async fn url(&self, width: Option<i32>, format: Option<ImageFormat>) -> String {
        let widths = widths_of(&self.row);
        let chosen = match width {
            None => widths.last().copied(),
            Some(asked) => widths
                .iter()
                .rev()
                .find(|&&w| w as i64 <= asked as i64)
                .or(widths.first())
                .copied(),
        };
        let width = chosen.unwrap_or(self.row.width as u32);
        self.path(width, format.unwrap_or_default())
    }

    /// Every derivative for an `<img srcset>`: `URL 320w, URL 640w, …`.
    async fn srcset(&self, format: Option<ImageFormat>) -> String {
        let format = format.unwrap_or_default();
        let entries: Vec<String> = widths_of(&self.row)
            .into_iter()
            .map(|w| format!("{} {w}w", self.path(w, format)))
            .collect();
        entries.join(", ")
    }

    /// A BlurHash of the image, to draw a blurred frame before it loads.
    async fn placeholder(&self) -> &str {
        &self.row.placeholder
    }

    /// Its average colour (`#rrggbb`), for a plain frame.
    async fn color(&self) -> &str {
        &self.row.color
    }

    /// The height of a `width`-wide derivative, for reserving room.
    async fn height_at(&self, width: i32) -> i32 {
        let width = width.clamp(1, self.row.width) as u32;
        pixels::proportional_height(self.row.width as u32, self.row.height as u32, width) as i32
    }

    /// Who made it: from the file's EXIF `Artist`, or as an editor set it.
    async fn credit(&self) -> Option<&str> {
        self.credit.as_deref()
    }

    /// Its copyright: from the file's EXIF `Copyright`, or as an editor
    /// set it.
    async fn copyright(&self) -> Option<&str> {
        self.copyright.as_deref()
    }

    /// The IIIF Image API 3.0 base URI (`…/info.json` lives under it);
    /// absolute when the service knows its public URL
    /// (`--public-url`).
    async fn iiif(&self, ctx: &Context<'_>) -> String {
        let base = media(ctx).options().public_url.clone().unwrap_or_default();
        format!("{base}{}", image_service_path(&self.row.hash))
    }

    /// The original as uploaded, the archival master: for token holders
    /// only (`null` to anyone else), served with `Cache-Control:
    /// private`.
    async fn original(&self, ctx: &Context<'_>) -> Option<String> {
        ctx.data_opt::<Caller>()
            .map(|_| format!("/media/{}/original", self.row.hash))
    }
}
