//! What a file is, read from its bytes alone (never from its name or the
//! type a client claims), and whether it is whole.

use super::problem::ImageProblem;

/// The image types accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
}

impl Format {
    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
        }
    }

    /// Its name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Webp => "WebP",
        }
    }

    /// The file name extension of its kind.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
        }
    }

    /// The format of a stored original's media type.
    pub fn of_content_type(content_type: &str) -> Option<Format> {
        [Format::Jpeg, Format::Png, Format::Webp]
            .into_iter()
            .find(|f| f.content_type() == content_type)
    }

    pub(super) fn image_format(self) -> image::ImageFormat {
        match self {
            Format::Jpeg => image::ImageFormat::Jpeg,
            Format::Png => image::ImageFormat::Png,
            Format::Webp => image::ImageFormat::WebP,
        }
    }
}

/// The accepted format of `bytes`, or what they are instead.
pub fn sniff(bytes: &[u8]) -> Result<Format, ImageProblem> {
    if bytes.is_empty() {
        return Err(ImageProblem::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Format::Png);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(Format::Webp);
    }
    Err(ImageProblem::UnsupportedType(other_type(bytes)))
}

/// The name of a type that is not accepted, for the message.
fn other_type(bytes: &[u8]) -> &'static str {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(256)]).to_ascii_lowercase();
    let start = text.trim_start();
    let brand = bytes.get(8..12).unwrap_or_default();
    match bytes {
        _ if bytes.starts_with(b"GIF8") => "GIF",
        _ if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") => "TIFF",
        _ if bytes.starts_with(b"BM") => "BMP",
        _ if bytes.starts_with(b"%PDF") => "PDF",
        _ if bytes.starts_with(b"PK\x03\x04") => "a ZIP archive",
        _ if bytes.starts_with(&[0, 0, 1, 0]) => "ICO",
        _ if bytes.get(4..8) == Some(b"ftyp") && (brand == b"avif" || brand == b"avis") => "AVIF",
        _ if bytes.get(4..8) == Some(b"ftyp") && brand.starts_with(b"he") => "HEIC",
        _ if bytes.get(4..8) == Some(b"ftyp") => "a video or ISO media file",
        _ if start.starts_with("<svg") || (start.starts_with("<?xml") && text.contains("<svg")) => {
            "SVG"
        }
        _ if start.starts_with('<') => "HTML or XML",
        _ => "of an unknown type",
    }
}

/// Refuses a file that ends before its image does: a JPEG without its
/// end marker, a PNG without `IEND`, a WebP shorter than its RIFF size.
pub fn check_whole(format: Format, bytes: &[u8]) -> Result<(), ImageProblem> {
    let whole = match format {
        Format::Jpeg => {
            let end = bytes
                .iter()
                .rposition(|&b| b != 0 && b != b'\n' && b != b'\r');
            end.is_some_and(|end| end >= 1 && bytes[end - 1..=end] == [0xFF, 0xD9])
        }
        Format::Png => {
            let tail = &bytes[bytes.len().saturating_sub(64)..];
            tail.windows(4).any(|w| w == b"IEND")
        }
        Format::Webp => {
            let size = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as u64;
            bytes.len() as u64 >= size + 8
        }
    };
    match whole {
        true => Ok(()),
        false => Err(ImageProblem::Truncated(format.name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_named_from_the_bytes() {
        assert_eq!(
            sniff(b"GIF89a...."),
            Err(ImageProblem::UnsupportedType("GIF"))
        );
        assert_eq!(
            sniff(b"%PDF-1.7"),
            Err(ImageProblem::UnsupportedType("PDF"))
        );
        let svg = b"  <?xml version=\"1.0\"?><svg xmlns=\"\">";
        assert_eq!(sniff(svg), Err(ImageProblem::UnsupportedType("SVG")));
        assert_eq!(sniff(b""), Err(ImageProblem::Empty));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Ok(Format::Jpeg));
    }

    #[test]
    fn a_jpeg_without_its_end_marker_is_truncated() {
        assert!(check_whole(Format::Jpeg, b"\xFF\xD8\xFF\xE0\x00\xFF\xD9\x00").is_ok());
        let cut = check_whole(Format::Jpeg, b"\xFF\xD8\xFF\xE0\x00\x10\x22");
        assert_eq!(cut, Err(ImageProblem::Truncated("JPEG")));
    }
}
