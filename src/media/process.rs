//! What happens to an uploaded file before anything is stored: its type
//! sniffed, its size and pixel count checked from the header (a
//! decompression bomb is refused before it is decoded), its EXIF read for
//! orientation and rights (and nothing else kept), then decoded, turned
//! upright and made into the public derivatives: a fixed set of widths,
//! never upscaled, in JPEG and WebP, and a placeholder.

use super::pixels::{self, Encoding};
use super::probe::{self, Format};
use super::problem::ImageProblem;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The widths derivatives are made at (an image narrower than one of
/// them gets its own width instead, never more).
pub const WIDTHS: [u32; 4] = [320, 640, 1280, 2048];
/// The encodings of every derivative.
pub const ENCODINGS: [Encoding; 2] = [Encoding::Jpeg, Encoding::Webp];
/// The most EXIF a file may carry (a JPEG's APP1 segment holds at most
/// 64 KiB; a larger block is not a camera's).
pub const MAX_EXIF_BYTES: usize = 64 * 1024;
/// The longest rights text kept from a file.
const MAX_RIGHTS_CHARS: usize = 500;

/// The limits every file is checked against.
#[derive(Clone, Copy, Debug)]
pub struct FileLimits {
    /// Most bytes one file may have.
    pub max_bytes: u64,
    /// Most pixels (width × height) one image may have.
    pub max_pixels: u64,
}

impl Default for FileLimits {
    fn default() -> Self {
        FileLimits {
            max_bytes: 32 * 1024 * 1024,
            max_pixels: 50_000_000,
        }
    }
}

/// A file made ready to store: what was learnt from it, and its public
/// files.
pub struct Processed {
    /// SHA-256 of the original, lowercase hex: its name in the store.
    pub hash: String,
    /// The original's format.
    pub format: Format,
    /// The original's size in bytes.
    pub bytes: u64,
    /// Upright width and height.
    pub width: u32,
    pub height: u32,
    /// The derivatives' widths, ascending.
    pub widths: Vec<u32>,
    /// A BlurHash.
    pub placeholder: String,
    /// The average colour, `#rrggbb`.
    pub color: String,
    /// The EXIF `Artist`, when given.
    pub credit: Option<String>,
    /// The EXIF `Copyright`, when given.
    pub copyright: Option<String>,
    /// The derivatives: name (`640.webp`) and bytes.
    pub files: Vec<(String, Vec<u8>)>,
}

/// Checks `bytes` and makes its derivatives; refuses what is not a whole
/// JPEG, PNG or WebP within `limits`.
pub fn process(bytes: &[u8], limits: &FileLimits) -> Result<Processed, ImageProblem> {
    let (format, stored, orientation, rights) = decode(bytes, limits)?;
    let turned = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    let (width, height) = match turned {
        true => (stored.height(), stored.width()),
        false => stored.dimensions(),
    };
    let widths = derivative_widths(width);
    let largest = widths[widths.len() - 1];
    if pixels::proportional_height(width, height, largest) > pixels::MAX_WEBP_SIDE {
        let max_side = pixels::MAX_WEBP_SIDE;
        return Err(ImageProblem::TooElongated {
            width,
            height,
            max_side,
        });
    }
    let derivatives = derivatives_of(stored, orientation, (width, height), &widths);
    let files = encode_all(&derivatives).ok_or(ImageProblem::Damaged(format.name()))?;
    let smallest = &derivatives[derivatives.len() - 1];
    Ok(Processed {
        hash: sha256_hex(bytes),
        format,
        bytes: bytes.len() as u64,
        width,
        height,
        widths,
        placeholder: pixels::blurhash(smallest),
        color: pixels::average_color(smallest),
        credit: rights.artist,
        copyright: rights.copyright,
        files,
    })
}

/// The upright derivatives at `widths` (ascending) of the `stored` pixels,
/// largest first. The largest is drawn from the stored pixels and then
/// turned upright (turning a copy of at most 2048 pixels, not the
/// original); each smaller one from the next larger: as sharp, and far
/// fewer pixels to read.
fn derivatives_of(
    stored: RgbImage,
    orientation: Orientation,
    (width, height): (u32, u32),
    widths: &[u32],
) -> Vec<RgbImage> {
    let largest = widths[widths.len() - 1];
    let upright_height = pixels::proportional_height(width, height, largest);
    let (w, h) = match stored.dimensions() == (width, height) {
        true => (largest, upright_height),
        false => (upright_height, largest),
    };
    let first = match stored.dimensions() == (w, h) {
        true => stored,
        false => pixels::resize(&stored, w, h),
    };
    let mut first = DynamicImage::ImageRgb8(first);
    first.apply_orientation(orientation);
    let mut derivatives = vec![first.into_rgb8()];
    for &target in widths.iter().rev().skip(1) {
        let smaller = pixels::resize_to_width(&derivatives[derivatives.len() - 1], target);
        derivatives.push(smaller);
    }
    derivatives
}

/// Every derivative in every encoding, named `WIDTH.EXT`: the encodings
/// (most of the work) share the cores, each thread taking the next job
/// (the largest first) as it is free.
fn encode_all(derivatives: &[RgbImage]) -> Option<Vec<(String, Vec<u8>)>> {
    let jobs: Vec<(&RgbImage, Encoding)> = derivatives
        .iter()
        .flat_map(|image| ENCODINGS.map(|encoding| (image, encoding)))
        .collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        while let Some((image, encoding)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
            let name = format!("{}.{}", image.width(), encoding.extension());
            done.push(pixels::encode(image, *encoding).map(|bytes| (name, bytes)));
        }
        done
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.min(jobs.len()))
            .map(|_| scope.spawn(work))
            .collect();
        let mut files = work();
        for helper in helpers {
            files.extend(helper.join().unwrap_or_else(|_| vec![None]));
        }
        files.into_iter().collect()
    })
}

/// The widths of an image `width` pixels wide's derivatives: those of
/// [`WIDTHS`] below it, and its own when it is narrower than the largest.
pub fn derivative_widths(width: u32) -> Vec<u32> {
    let mut widths: Vec<u32> = WIDTHS.into_iter().filter(|&w| w < width).collect();
    if width <= WIDTHS[WIDTHS.len() - 1] {
        widths.push(width);
    } else {
        widths.push(WIDTHS[WIDTHS.len() - 1]);
        widths.dedup();
    }
    widths
}

/// Rights texts from a file's EXIF.
#[derive(Default)]
struct Rights {
    artist: Option<String>,
    copyright: Option<String>,
}

/// The checked and decoded pixels of `bytes` as stored, the orientation
/// that turns them upright, and the file's rights.
fn decode(
    bytes: &[u8],
    limits: &FileLimits,
) -> Result<(Format, RgbImage, Orientation, Rights), ImageProblem> {
    if bytes.len() as u64 > limits.max_bytes {
        let (bytes, max) = (bytes.len() as u64, limits.max_bytes);
        return Err(ImageProblem::TooLarge { bytes, max });
    }
    let format = probe::sniff(bytes)?;
    probe::check_whole(format, bytes)?;
    let damaged = |_| ImageProblem::Damaged(format.name());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    let mut decoder_limits = image::Limits::default();
    // The decoded pixels (up to 8 bytes each, 16-bit RGBA) and room to
    // spare; the pixel count itself is checked below, from the header.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8) + (64 << 20));
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(damaged)?;
    let (width, height) = decoder.dimensions();
    if width as u64 * height as u64 > limits.max_pixels || width == 0 || height == 0 {
        let max = limits.max_pixels;
        return Err(ImageProblem::TooManyPixels { width, height, max });
    }
    let exif = decoder.exif_metadata().unwrap_or(None);
    if let Some(exif) = &exif
        && exif.len() > MAX_EXIF_BYTES
    {
        let (bytes, max) = (exif.len(), MAX_EXIF_BYTES);
        return Err(ImageProblem::MetadataTooLarge { bytes, max });
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let rights = exif.map(rights_of).unwrap_or_default();
    let image = DynamicImage::from_decoder(decoder).map_err(damaged)?;
    Ok((format, pixels::to_rgb(image), orientation, rights))
}

/// The artist and copyright an EXIF block states (printable text only,
/// trimmed, at most [`MAX_RIGHTS_CHARS`]); nothing else of it is kept.
fn rights_of(exif: Vec<u8>) -> Rights {
    let Ok(exif) = exif::Reader::new().read_raw(exif) else {
        return Rights::default();
    };
    let text = |tag| {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        let exif::Value::Ascii(parts) = &field.value else {
            return None;
        };
        let joined: Vec<String> = parts
            .iter()
            .map(|part| String::from_utf8_lossy(part).into_owned())
            .collect();
        let clean: String = joined
            .join(" ")
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_RIGHTS_CHARS)
            .collect();
        let clean = clean.trim().to_owned();
        (!clean.is_empty()).then_some(clean)
    };
    Rights {
        artist: text(exif::Tag::Artist),
        copyright: text(exif::Tag::Copyright),
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_too_long_and_narrow_for_its_derivatives_is_refused() {
        let tall = image::RgbImage::from_pixel(300, 20_000, image::Rgb([200, 10, 10]));
        let mut png = Vec::new();
        tall.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let refused = process(&png, &FileLimits::default()).err();
        let (width, height, max_side) = (300, 20_000, pixels::MAX_WEBP_SIDE);
        assert_eq!(
            refused,
            Some(ImageProblem::TooElongated {
                width,
                height,
                max_side
            })
        );
    }

    #[test]
    fn derivatives_are_never_wider_than_the_image() {
        assert_eq!(derivative_widths(4000), vec![320, 640, 1280, 2048]);
        assert_eq!(derivative_widths(2048), vec![320, 640, 1280, 2048]);
        assert_eq!(derivative_widths(1000), vec![320, 640, 1000]);
        assert_eq!(derivative_widths(200), vec![200]);
    }
}
