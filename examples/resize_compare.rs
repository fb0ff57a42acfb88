//! Resizing a photo to the derivative widths with `fast_image_resize`
//! (what `src/media` uses) beside `image`'s own Lanczos3, one after the
//! other, median of 5 runs each; and the whole upload processing
//! (decode, orient, resize, encode JPEG and WebP, BlurHash).
//!
//!     cargo run --release --example resize_compare -- PHOTO.jpg [--memory]
//!
//! With `--memory`, processes the photo once and prints the peak RSS.

use medexchange::media::pixels;
use medexchange::media::process::{self, FileLimits, WIDTHS};
use std::time::{Duration, Instant};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn timed(runs: usize, mut work: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                work();
                started.elapsed()
            })
            .collect(),
    )
}

/// This process's peak resident memory so far, in MiB.
fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kb.unwrap_or(0) / 1024
}

fn main() {
    let path = std::env::args().nth(1).expect("a photo to resize");
    let bytes = std::fs::read(&path).expect("read the photo");
    if std::env::args().any(|a| a == "--memory") {
        let before = peak_mib();
        process::process(&bytes, &FileLimits::default()).expect("an accepted photo");
        println!(
            "processing once: peak RSS {} MiB, {before} MiB before",
            peak_mib()
        );
        return;
    }
    let photo = image::load_from_memory(&bytes).expect("decode").into_rgb8();
    println!("{path}: {}x{}", photo.width(), photo.height());
    let ours = timed(5, || {
        let mut source = photo.clone();
        for &width in WIDTHS.iter().rev() {
            source = pixels::resize_to_width(&source, width);
        }
    });
    let theirs = timed(5, || {
        let mut source = photo.clone();
        for &width in WIDTHS.iter().rev() {
            let height = pixels::proportional_height(source.width(), source.height(), width);
            source = image::imageops::resize(&source, width, height, image::imageops::Lanczos3);
        }
    });
    println!(
        "resize to {WIDTHS:?}, each from the next larger: fast_image_resize {ours:.1?}, image {theirs:.1?}"
    );
    let whole = timed(5, || {
        process::process(&bytes, &FileLimits::default()).expect("an accepted photo");
    });
    println!("whole processing (decode, orient, resize, JPEG + WebP, BlurHash): {whole:.1?}");
}
