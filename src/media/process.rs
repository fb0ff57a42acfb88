//! What happens to an uploaded file before anything is stored: its type
//! sniffed, its size and pixel count checked from the header (a
//! decompression bomb is refused before it is decoded), its EXIF read for
//! orientation and rights (and nothing else kept), then decoded, turned
//! upright and made into the public derivatives: a fixed set of widths,
//! never upscaled, in JPEG and WebP, and a placeholder.

use super::pixels::{self, Encoding};
use super::probe::{self, Format};
use super::problem::ImageProblem;
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};
use sha2::{Digest, Sha256};
use std::io::Cursor;

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
    let (format, upright, rights) = decode_upright(bytes, limits)?;
    let (width, height) = upright.dimensions();
    let widths = derivative_widths(width);
    let mut files = Vec::new();
    // Each derivative is made from the next larger one: as sharp, and far
    // fewer pixels to read than the original's.
    let mut smallest = upright;
    for &target in widths.iter().rev() {
        let derivative = pixels::resize_to_width(&smallest, target);
        for encoding in ENCODINGS {
            let name = format!("{target}.{}", encoding.extension());
            files.push((name, pixels::encode(&derivative, encoding)));
        }
        smallest = derivative;
    }
    Ok(Processed {
        hash: sha256_hex(bytes),
        format,
        bytes: bytes.len() as u64,
        width,
        height,
        widths,
        placeholder: pixels::blurhash(&smallest),
        color: pixels::average_color(&smallest),
        credit: rights.artist,
        copyright: rights.copyright,
        files,
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

/// The checked, decoded and upright image of `bytes`, and its rights.
fn decode_upright(
    bytes: &[u8],
    limits: &FileLimits,
) -> Result<(Format, RgbImage, Rights), ImageProblem> {
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
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let rights = exif.map(rights_of).unwrap_or_default();
    let mut image = DynamicImage::from_decoder(decoder).map_err(damaged)?;
    image.apply_orientation(orientation);
    Ok((format, pixels::to_rgb(image), rights))
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
    fn derivatives_are_never_wider_than_the_image() {
        assert_eq!(derivative_widths(4000), vec![320, 640, 1280, 2048]);
        assert_eq!(derivative_widths(2048), vec![320, 640, 1280, 2048]);
        assert_eq!(derivative_widths(1000), vec![320, 640, 1000]);
        assert_eq!(derivative_widths(200), vec![200]);
    }
}
