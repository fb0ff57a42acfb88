//! Why a file was refused as an image: each says what was found and what
//! is accepted, in the writer's language. Nothing is stored for a refused
//! file.

use crate::i18n::Lang;

/// Why a file was refused as an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageProblem {
    /// The file has no bytes.
    Empty,
    /// The file is larger than the limit.
    TooLarge { bytes: u64, max: u64 },
    /// The bytes are not JPEG, PNG or WebP; the type found, when known.
    UnsupportedType(&'static str),
    /// The file ends before the image does.
    Truncated(&'static str),
    /// The decoder could not read it.
    Damaged(&'static str),
    /// More pixels than the limit (found in the header, before decoding).
    TooManyPixels { width: u32, height: u32, max: u64 },
    /// The metadata (EXIF) block is larger than the limit.
    MetadataTooLarge { bytes: usize, max: usize },
    /// So long and narrow that its derivatives cannot be encoded.
    TooElongated {
        width: u32,
        height: u32,
        max_side: u32,
    },
}

impl ImageProblem {
    /// The problem in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let [zh, ja, en] = self.texts();
        match lang {
            Lang::Zh => zh,
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    fn texts(&self) -> [String; 3] {
        match self {
            ImageProblem::Empty => [
                "文件为空（0 字节）。".into(),
                "ファイルが空です（0 バイト）。".into(),
                "The file is empty (0 bytes).".into(),
            ],
            ImageProblem::TooLarge { bytes, max } => [
                format!("文件有 {bytes} 字节，超过上限 {max} 字节。"),
                format!("ファイルは {bytes} バイトで、上限 {max} バイトを超えています。"),
                format!("The file has {bytes} bytes, over the limit of {max}."),
            ],
            ImageProblem::UnsupportedType(found) => [
                format!("文件类型为 {found}；只接受 JPEG、PNG 或 WebP 图像。"),
                format!("ファイルの形式は {found} です。JPEG・PNG・WebP の画像のみ受け付けます。"),
                format!("The file is {found}; only JPEG, PNG or WebP images are accepted."),
            ],
            ImageProblem::Truncated(format) => [
                format!("这个 {format} 文件不完整（在图像结束前就结束了）。"),
                format!("この {format} ファイルは途中で切れています（画像の終わりがありません）。"),
                format!("The {format} file is truncated (it ends before the image does)."),
            ],
            ImageProblem::Damaged(format) => [
                format!("这个 {format} 文件已损坏，无法解码。"),
                format!("この {format} ファイルは壊れていて、デコードできません。"),
                format!("The {format} file is damaged and cannot be decoded."),
            ],
            ImageProblem::TooManyPixels { width, height, max } => {
                let mp = (*width as u64 * *height as u64) as f64 / 1e6;
                let max_mp = *max as f64 / 1e6;
                [
                    format!(
                        "图像为 {width}×{height}（{mp:.1} 百万像素），超过上限 {max_mp:.1} 百万像素。"
                    ),
                    format!(
                        "画像は {width}×{height}（{mp:.1} メガピクセル）で、上限 {max_mp:.1} メガピクセルを超えています。"
                    ),
                    format!(
                        "The image is {width}×{height} ({mp:.1} megapixels), over the limit of {max_mp:.1}."
                    ),
                ]
            }
            ImageProblem::TooElongated {
                width,
                height,
                max_side,
            } => [
                format!("图像为 {width}×{height}，过于狭长：缩放后的长边会超过 {max_side} 像素。"),
                format!(
                    "画像は {width}×{height} で細長すぎます。縮小しても長辺が {max_side} ピクセルを超えます。"
                ),
                format!(
                    "The image is {width}×{height}: too long and narrow (scaled, its long side would exceed {max_side} pixels)."
                ),
            ],
            ImageProblem::MetadataTooLarge { bytes, max } => [
                format!("文件的 EXIF 元数据有 {bytes} 字节，超过上限 {max} 字节。"),
                format!(
                    "ファイルの EXIF メタデータは {bytes} バイトで、上限 {max} バイトを超えています。"
                ),
                format!("The file's EXIF metadata has {bytes} bytes, over the limit of {max}."),
            ],
        }
    }
}

impl std::fmt::Display for ImageProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}
