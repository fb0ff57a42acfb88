//! The IIIF Image API 3.0, level 2: `{region}/{size}/{rotation}/{quality}.{format}`
//! read, checked against the image, and drawn.
//!
//! Regions: `full`, `square`, `x,y,w,h`, `pct:x,y,w,h`. Sizes: `max`,
//! `w,`, `,h`, `pct:n`, `w,h`, `!w,h` (never larger than the region: the
//! `^` upscaling forms are refused). Rotation: 0, 90, 180, 270, each
//! mirrored with `!`. Qualities: `default`, `color`, `gray`, `bitonal`. Formats:
//! `jpg`, `png`, and `webp`.

use crate::media::pixels::{self, Encoding};
use image::RgbImage;

/// The IIIF level served.
pub const PROFILE: &str = "level2";
/// Features beyond the level.
pub const EXTRA_FEATURES: [&str; 1] = ["mirroring"];
/// Qualities beyond the level's.
pub const EXTRA_QUALITIES: [&str; 1] = ["bitonal"];
/// Formats beyond the level's.
pub const EXTRA_FORMATS: [&str; 1] = ["webp"];

/// A request of the Image API, read from its path.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageRequest {
    region: Region,
    size: Size,
    mirror: bool,
    /// Quarter turns clockwise.
    quarter_turns: u32,
    quality: Quality,
    /// The encoding asked for.
    pub encoding: Encoding,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Quality {
    Color,
    Gray,
    Bitonal,
}

#[derive(Clone, Debug, PartialEq)]
enum Region {
    Full,
    Square,
    Pixels([u32; 4]),
    Percent([f64; 4]),
}

#[derive(Clone, Debug, PartialEq)]
enum Size {
    Max,
    Width(u32),
    Height(u32),
    Percent(f64),
    Exact(u32, u32),
    Fit(u32, u32),
}

/// What to draw: the region in the full image's pixels and the size of the
/// answer before it is turned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    pub region: [u32; 4],
    pub width: u32,
    pub height: u32,
}

/// Why a request cannot be served: 400 with this text.
pub type BadRequest = String;

impl ImageRequest {
    /// Reads the four path segments after the identifier.
    pub fn parse(
        region: &str,
        size: &str,
        rotation: &str,
        quality_format: &str,
    ) -> Result<ImageRequest, BadRequest> {
        let (quality, format) = quality_format
            .rsplit_once('.')
            .ok_or("the last segment must be QUALITY.FORMAT")?;
        let quality = match quality {
            "default" | "color" => Quality::Color,
            "gray" => Quality::Gray,
            "bitonal" => Quality::Bitonal,
            other => return Err(format!("quality {other:?} is not offered")),
        };
        let encoding = Encoding::of_extension(format)
            .ok_or_else(|| format!("format {format:?} is not offered (jpg, png, webp)"))?;
        let (mirror, degrees) = match rotation.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, rotation),
        };
        let degrees: f64 = degrees
            .parse()
            .map_err(|_| format!("rotation {rotation:?} is not a number"))?;
        if !(0.0..=360.0).contains(&degrees) || degrees % 90.0 != 0.0 {
            return Err(format!(
                "rotation {rotation:?} is not offered (0, 90, 180, 270)"
            ));
        }
        Ok(ImageRequest {
            region: parse_region(region)?,
            size: parse_size(size)?,
            mirror,
            quarter_turns: (degrees / 90.0) as u32 % 4,
            quality,
            encoding,
        })
    }

    /// The request against an image of `width` × `height`.
    pub fn plan(&self, width: u32, height: u32) -> Result<Plan, BadRequest> {
        let region = region_pixels(&self.region, width, height)?;
        let (rw, rh) = (region[2], region[3]);
        let (out_w, out_h) = match self.size {
            Size::Max => (rw, rh),
            Size::Width(w) => (w, pixels::proportional_height(rw, rh, w)),
            Size::Height(h) => (pixels::proportional_height(rh, rw, h), h),
            Size::Percent(p) => (scaled(rw, p / 100.0), scaled(rh, p / 100.0)),
            Size::Exact(w, h) => (w, h),
            Size::Fit(w, h) => {
                let scale = (w as f64 / rw as f64).min(h as f64 / rh as f64);
                (scaled(rw, scale), scaled(rh, scale))
            }
        };
        if out_w == 0 || out_h == 0 {
            return Err("the size asked for has no pixels".into());
        }
        if out_w > rw || out_h > rh {
            return Err(format!(
                "{out_w}×{out_h} is larger than the region ({rw}×{rh}): upscaling is not offered"
            ));
        }
        Ok(Plan {
            region,
            width: out_w,
            height: out_h,
        })
    }

    /// Draws `plan` from `source`, a copy of the full image `scale` times
    /// its size, and encodes it (`None` when the format cannot hold its
    /// size).
    pub fn draw(&self, plan: &Plan, source: &RgbImage, scale: f64) -> Option<Vec<u8>> {
        let [x, y, w, h] = plan.region;
        let at = |v: u32| (v as f64 * scale).floor() as u32;
        let (sx, sy) = (
            at(x).min(source.width() - 1),
            at(y).min(source.height() - 1),
        );
        let sw = ((w as f64 * scale).round() as u32).clamp(1, source.width() - sx);
        let sh = ((h as f64 * scale).round() as u32).clamp(1, source.height() - sy);
        let cropped = image::imageops::crop_imm(source, sx, sy, sw, sh).to_image();
        let mut out = pixels::resize(&cropped, plan.width, plan.height);
        if self.mirror {
            image::imageops::flip_horizontal_in_place(&mut out);
        }
        out = match self.quarter_turns {
            1 => image::imageops::rotate90(&out),
            2 => image::imageops::rotate180(&out),
            3 => image::imageops::rotate270(&out),
            _ => out,
        };
        if self.quality != Quality::Color {
            for pixel in out.pixels_mut() {
                let [r, g, b] = pixel.0;
                let luma = (0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64).round() as u8;
                pixel.0 = match self.quality {
                    Quality::Bitonal if luma < 128 => [0; 3],
                    Quality::Bitonal => [255; 3],
                    _ => [luma; 3],
                };
            }
        }
        pixels::encode(&out, self.encoding)
    }
}

fn scaled(length: u32, scale: f64) -> u32 {
    (length as f64 * scale).round() as u32
}

fn numbers<T: std::str::FromStr>(text: &str, what: &str) -> Result<Vec<T>, BadRequest> {
    text.split(',')
        .map(|part| part.parse::<T>())
        .collect::<Result<Vec<T>, _>>()
        .map_err(|_| format!("{what} {text:?} is not understood"))
}

fn parse_region(text: &str) -> Result<Region, BadRequest> {
    let four =
        |values: &[f64]| values.len() == 4 && values.iter().all(|v| v.is_finite() && *v >= 0.0);
    match text {
        "full" => Ok(Region::Full),
        "square" => Ok(Region::Square),
        _ if text.starts_with("pct:") => {
            let values: Vec<f64> = numbers(&text[4..], "region")?;
            match four(&values) {
                true => Ok(Region::Percent([
                    values[0], values[1], values[2], values[3],
                ])),
                false => Err(format!("region {text:?} needs four percentages")),
            }
        }
        _ => {
            let values: Vec<u32> = numbers(text, "region")?;
            match values.len() {
                4 => Ok(Region::Pixels([values[0], values[1], values[2], values[3]])),
                _ => Err(format!("region {text:?} needs x,y,w,h")),
            }
        }
    }
}

fn parse_size(text: &str) -> Result<Size, BadRequest> {
    if text.starts_with('^') {
        return Err("upscaling (^) is not offered".into());
    }
    let number = |part: &str| {
        part.parse::<u32>()
            .map_err(|_| format!("size {text:?} is not understood"))
    };
    if text == "max" {
        return Ok(Size::Max);
    }
    if let Some(percent) = text.strip_prefix("pct:") {
        let percent: f64 = percent
            .parse()
            .map_err(|_| format!("size {text:?} is not understood"))?;
        return match percent.is_finite() && percent > 0.0 && percent <= 100.0 {
            true => Ok(Size::Percent(percent)),
            false => Err(format!(
                "size {text:?}: the percentage must be above 0 and at most 100"
            )),
        };
    }
    let (fit, rest) = match text.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (w, h) = rest
        .split_once(',')
        .ok_or_else(|| format!("size {text:?} is not understood"))?;
    match (w, h, fit) {
        ("", "", _) => Err(format!("size {text:?} is not understood")),
        (w, "", false) => Ok(Size::Width(number(w)?)),
        ("", h, false) => Ok(Size::Height(number(h)?)),
        (w, h, false) => Ok(Size::Exact(number(w)?, number(h)?)),
        (w, h, true) if !w.is_empty() && !h.is_empty() => Ok(Size::Fit(number(w)?, number(h)?)),
        _ => Err(format!("size {text:?} is not understood")),
    }
}

/// The region in pixels, clipped to the image.
fn region_pixels(region: &Region, width: u32, height: u32) -> Result<[u32; 4], BadRequest> {
    let [x, y, w, h] = match *region {
        Region::Full => [0, 0, width, height],
        Region::Square => {
            let side = width.min(height);
            [(width - side) / 2, (height - side) / 2, side, side]
        }
        Region::Pixels(values) => values,
        Region::Percent([px, py, pw, ph]) => {
            let of = |p: f64, length: u32| (p / 100.0 * length as f64).round() as u32;
            [of(px, width), of(py, height), of(pw, width), of(ph, height)]
        }
    };
    if w == 0 || h == 0 {
        return Err("the region has no pixels".into());
    }
    if x >= width || y >= height {
        return Err(format!(
            "the region starts outside the image ({width}×{height})"
        ));
    }
    Ok([x, y, w.min(width - x), h.min(height - y)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(region: &str, size: &str) -> Result<Plan, BadRequest> {
        ImageRequest::parse(region, size, "0", "default.jpg")?.plan(1000, 500)
    }

    #[test]
    fn regions_and_sizes_follow_the_spec() {
        let full = plan("full", "max").unwrap();
        assert_eq!(
            (full.region, full.width, full.height),
            ([0, 0, 1000, 500], 1000, 500)
        );
        let square = plan("square", "100,").unwrap();
        assert_eq!(
            (square.region, square.width, square.height),
            ([250, 0, 500, 500], 100, 100)
        );
        let clipped = plan("900,400,500,500", "max").unwrap();
        assert_eq!(clipped.region, [900, 400, 100, 100]);
        let pct = plan("pct:10,10,50,50", "pct:50").unwrap();
        assert_eq!(
            (pct.region, pct.width, pct.height),
            ([100, 50, 500, 250], 250, 125)
        );
        let fit = plan("full", "!200,200").unwrap();
        assert_eq!((fit.width, fit.height), (200, 100));
        assert_eq!(plan("full", ",50").unwrap().width, 100);
    }

    #[test]
    fn what_cannot_be_served_is_refused() {
        assert!(plan("1000,0,10,10", "max").is_err());
        assert!(plan("0,0,0,10", "max").is_err());
        assert!(plan("full", "2000,").is_err());
        assert!(plan("full", "^2000,").is_err());
        assert!(plan("full", "pct:0").is_err());
        assert!(ImageRequest::parse("full", "max", "45", "default.jpg").is_err());
        assert!(ImageRequest::parse("full", "max", "0", "sepia.jpg").is_err());
        assert!(ImageRequest::parse("full", "max", "0", "default.gif").is_err());
    }
}
