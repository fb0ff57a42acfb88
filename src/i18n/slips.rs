//! Simplified Chinese characters left in Japanese text (广西 for 広西,
//! 龟田 for 亀田): the report had such slips, and editors fix them.
//!
//! The table (`simplified_slips.txt`, written by
//! `scripts/simplified-slips.py`) pairs each Simplified character that
//! does not belong in Japanese text with its Japanese form: OpenCC gives it
//! a Traditional form whose Japanese form is another character, and it is
//! not in JIS X 0208 (apart from a few, such as 广, that JIS holds only as
//! radicals or rare characters). Characters both languages write alike
//! (医, 会, 国) are never reported.

use std::collections::HashMap;
use std::sync::LazyLock;

static JAPANESE_FORMS: LazyLock<HashMap<char, char>> = LazyLock::new(|| {
    let pairs: Vec<char> = include_str!("simplified_slips.txt")
        .trim()
        .chars()
        .collect();
    pairs
        .chunks_exact(2)
        .map(|pair| (pair[0], pair[1]))
        .collect()
});

/// The Simplified-only characters in `text`, each once, in the order they
/// first appear, with their Japanese forms.
pub fn slips(text: &str) -> Vec<(char, char)> {
    let mut found: Vec<(char, char)> = Vec::new();
    for c in text.chars() {
        if let Some(japanese) = JAPANESE_FORMS.get(&c)
            && !found.iter().any(|(seen, _)| *seen == c)
        {
            found.push((c, *japanese));
        }
    }
    found
}

/// `text` with every Simplified-only character in its Japanese form.
pub fn mended(text: &str) -> String {
    text.chars()
        .map(|c| JAPANESE_FORMS.get(&c).copied().unwrap_or(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplified_characters_are_found_and_mended() {
        assert_eq!(
            slips("广西医科大学と龟田综合病院、广西"),
            [('广', '広'), ('龟', '亀'), ('综', '綜')]
        );
        assert_eq!(mended("日本龟田病院"), "日本亀田病院");
        assert!(slips("順天堂大学医学部附属順天堂医院 国立がん研究センター東病院").is_empty());
    }
}
