//! Pixels in and out: decoding a stored file, resizing (SIMD, Lanczos3),
//! cropping, turning, and encoding as JPEG, WebP or PNG. Every public file
//! is encoded here from pixels alone, so no metadata of the original can
//! reach it.

use super::probe::Format;
use super::problem::ImageProblem;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{PixelType, Resizer};
use image::{DynamicImage, ExtendedColorType, ImageEncoder, RgbImage};

/// JPEG quality of derivatives (libjpeg's scale).
const JPEG_QUALITY: u8 = 82;
/// WebP quality of derivatives (libwebp's scale).
const WEBP_QUALITY: f32 = 78.0;
/// libwebp's effort (0 fastest, 6 smallest; 4 is its default).
const WEBP_METHOD: i32 = 4;

/// An encoding a public file may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Jpeg,
    Webp,
    Png,
}

impl Encoding {
    /// Its file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Jpeg => "jpg",
            Encoding::Webp => "webp",
            Encoding::Png => "png",
        }
    }

    /// The encoding a file name extension names.
    pub fn of_extension(extension: &str) -> Option<Encoding> {
        match extension {
            "jpg" => Some(Encoding::Jpeg),
            "webp" => Some(Encoding::Webp),
            "png" => Some(Encoding::Png),
            _ => None,
        }
    }

    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Jpeg => "image/jpeg",
            Encoding::Webp => "image/webp",
            Encoding::Png => "image/png",
        }
    }
}

/// RGB pixels: what every image becomes once decoded, transparency laid
/// over white.
pub fn to_rgb(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let mut rgb = RgbImage::new(width, height);
    for (out, pixel) in rgb.pixels_mut().zip(rgba.pixels()) {
        let alpha = pixel[3] as u32;
        for c in 0..3 {
            out[c] = ((pixel[c] as u32 * alpha + 255 * (255 - alpha)) / 255) as u8;
        }
    }
    rgb
}

/// Decodes a stored file (a derivative, or an original already checked
/// when it was stored).
pub fn decode(bytes: &[u8], format: Format) -> Result<RgbImage, ImageProblem> {
    let image = image::load_from_memory_with_format(bytes, format.image_format())
        .map_err(|_| ImageProblem::Damaged(format.name()))?;
    Ok(to_rgb(image))
}

/// `image` resized to exactly `width` × `height` (Lanczos3).
pub fn resize(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (width, height) = (width.max(1), height.max(1));
    if image.dimensions() == (width, height) {
        return image.clone();
    }
    let source = ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        PixelType::U8x3,
    );
    let mut target = Image::new(width, height, PixelType::U8x3);
    let resized = source
        .ok()
        .and_then(|source| Resizer::new().resize(&source, &mut target, None).ok());
    match resized {
        Some(()) => RgbImage::from_raw(width, height, target.into_vec())
            .unwrap_or_else(|| image::imageops::thumbnail(image, width, height)),
        None => image::imageops::thumbnail(image, width, height),
    }
}

/// `image` at `width`, its height in proportion (at least one pixel).
pub fn resize_to_width(image: &RgbImage, width: u32) -> RgbImage {
    let height = proportional_height(image.width(), image.height(), width);
    resize(image, width, height)
}

/// The height of a `width`-wide copy of a `full_width` × `full_height`
/// image.
pub fn proportional_height(full_width: u32, full_height: u32, width: u32) -> u32 {
    ((full_height as u64 * width as u64 + full_width as u64 / 2) / full_width.max(1) as u64).max(1)
        as u32
}

/// The longest side WebP can hold (JPEG holds 65,535).
pub const MAX_WEBP_SIDE: u32 = 16_383;

/// `image` encoded as `encoding`, with nothing but its pixels; `None` when
/// the encoding cannot hold its size (a side over 16,383 pixels in WebP,
/// 65,535 in JPEG).
pub fn encode(image: &RgbImage, encoding: Encoding) -> Option<Vec<u8>> {
    let (width, height) = image.dimensions();
    let mut out = Vec::new();
    match encoding {
        Encoding::Jpeg => {
            let encoder =
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
            encoder
                .write_image(image.as_raw(), width, height, ExtendedColorType::Rgb8)
                .ok()?;
        }
        Encoding::Png => {
            let encoder = image::codecs::png::PngEncoder::new(&mut out);
            encoder
                .write_image(image.as_raw(), width, height, ExtendedColorType::Rgb8)
                .ok()?;
        }
        Encoding::Webp => {
            if width.max(height) > MAX_WEBP_SIDE {
                return None;
            }
            let mut config = webp::WebPConfig::new().ok()?;
            config.quality = WEBP_QUALITY;
            config.method = WEBP_METHOD;
            let encoder = webp::Encoder::from_rgb(image.as_raw(), width, height);
            out = encoder.encode_advanced(&config).ok()?.to_vec();
        }
    }
    Some(out)
}

/// The average colour of `image`, as CSS `#rrggbb`.
pub fn average_color(image: &RgbImage) -> String {
    let mut sums = [0u64; 3];
    for pixel in image.pixels() {
        for c in 0..3 {
            sums[c] += pixel[c] as u64;
        }
    }
    let n = (image.width() as u64 * image.height() as u64).max(1);
    format!("#{:02x}{:02x}{:02x}", sums[0] / n, sums[1] / n, sums[2] / n)
}

/// A BlurHash of `image` (4 × 3 components, from a 32-pixel-wide copy).
pub fn blurhash(image: &RgbImage) -> String {
    let small = resize_to_width(image, 32.min(image.width()));
    let rgba: Vec<u8> = small
        .pixels()
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    blurhash::encode(4, 3, small.width(), small.height(), &rgba).unwrap_or_default()
}
