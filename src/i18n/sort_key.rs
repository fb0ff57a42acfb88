//! Sort keys: names ordered the way each reader expects, compared byte by
//! byte (so SQLite and PostgreSQL order them alike, whatever their
//! collations).
//!
//! - Chinese: pinyin, syllable by syllable, each with its tone number at
//!   its end (`bei3 hai3 shi4 ...`), so `ma1` < `ma3` < `mai4`. A Chinese
//!   reading given in the dataset (pinyin with tone numbers) is used as
//!   is; it is how a polyphone (重庆: `chong2 qing4`) is put right.
//! - Japanese: the kana reading in gojūon order: first with voiced marks
//!   and small kana folded (`か` = `が`, `つ` = `っ`), then as written to
//!   break ties, katakana read as hiragana. A name with no reading given
//!   is keyed by its own text, so names without a reading come after those
//!   with one.
//! - English: lower case, accents dropped, a leading "The" ignored.
//!
//! Everywhere, digits compare as numbers (`No. 3` before `No. 10`).

use crate::i18n::Lang;
use pinyin::ToPinyin;
use unicode_normalization::UnicodeNormalization;

/// Width digit runs are padded to, so that they compare as numbers.
const NUMBER_WIDTH: usize = 8;

/// The sort key of `text`, written in `lang`, read as `reading` when given.
pub fn sort_key(lang: Lang, text: &str, reading: Option<&str>) -> String {
    let reading = reading.map(str::trim).filter(|r| !r.is_empty());
    let key = match (lang, reading) {
        (Lang::Zh, Some(pinyin)) => words(pinyin).join(" "),
        (Lang::Zh, None) => pinyin_key(text),
        (Lang::Ja, reading) => kana_key(reading.unwrap_or(text)),
        (Lang::En, _) => english_key(text),
    };
    pad_numbers(&key)
}

/// A name's text in one language, with its reading when given.
pub type NameText<'a> = (Lang, &'a str, Option<&'a str>);

/// The sort keys of a name for Chinese, Japanese and English readers (in
/// [`Lang::ALL`] order): each reader's key is that of the text they are
/// served ([`Lang::fallback_chain`]), keyed by the rules of the language it
/// is written in. Empty when the name has no text at all.
pub fn name_sort_keys(texts: &[NameText<'_>]) -> [String; 3] {
    Lang::ALL.map(|reader| {
        reader
            .fallback_chain()
            .iter()
            .find_map(|lang| {
                texts
                    .iter()
                    .find(|(l, text, _)| l == lang && !text.is_empty())
            })
            .map(|(lang, text, reading)| sort_key(*lang, text, *reading))
            .unwrap_or_default()
    })
}

/// Lower-case words of letters and digits, NFKC-normalized.
fn words(text: &str) -> Vec<String> {
    text.nfkc()
        .collect::<String>()
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Each Chinese character's pinyin (tone number at the end), and other
/// words as they are, separated by spaces.
fn pinyin_key(text: &str) -> String {
    let mut tokens: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.nfkc().flat_map(char::to_lowercase) {
        let syllable = c.to_pinyin().map(|p| p.with_tone_num_end());
        if (syllable.is_some() || !c.is_alphanumeric()) && !word.is_empty() {
            tokens.push(std::mem::take(&mut word));
        }
        match syllable {
            Some(syllable) => tokens.push(syllable.to_owned()),
            None if c.is_alphanumeric() => word.push(c),
            None => {}
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    tokens.join(" ")
}

/// Gojūon order: the reading with voicing marks and small kana folded,
/// then as written.
fn kana_key(reading: &str) -> String {
    let hiragana: String = reading
        .nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .map(katakana_to_hiragana)
        .collect();
    let folded: String = hiragana
        .nfd()
        .filter(|c| !matches!(c, '\u{3099}' | '\u{309A}'))
        .map(small_to_full)
        .collect();
    format!("{folded}\u{1}{hiragana}")
}

fn katakana_to_hiragana(c: char) -> char {
    match c {
        'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

fn small_to_full(c: char) -> char {
    match c {
        'ぁ' | 'ぃ' | 'ぅ' | 'ぇ' | 'ぉ' | 'っ' | 'ゃ' | 'ゅ' | 'ょ' | 'ゎ' => {
            char::from_u32(c as u32 + 1).unwrap_or(c)
        }
        'ゕ' => 'か',
        'ゖ' => 'け',
        _ => c,
    }
}

/// Lower case, accents dropped, punctuation as spaces, a leading "the"
/// ignored.
fn english_key(text: &str) -> String {
    let plain: String = text
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
        .chars()
        .filter(|c| *c != '\'' && *c != '’')
        .collect();
    let words: Vec<&str> = plain
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let words = match words.split_first() {
        Some((&"the", rest)) if !rest.is_empty() => rest,
        _ => &words[..],
    };
    words.join(" ")
}

/// Every run of ASCII digits left-padded with zeros to [`NUMBER_WIDTH`],
/// except right after an ASCII letter (a pinyin tone number: `ma1`).
fn pad_numbers(key: &str) -> String {
    let mut padded = String::with_capacity(key.len() + 8);
    let mut digits = String::new();
    let mut after_letter = false;
    let flush = |digits: &mut String, padded: &mut String, pad: bool| {
        if !digits.is_empty() {
            match pad {
                true => padded.push_str(&format!("{digits:0>NUMBER_WIDTH$}")),
                false => padded.push_str(digits),
            }
            digits.clear();
        }
    };
    for c in key.chars() {
        if c.is_ascii_digit() {
            if digits.is_empty() {
                after_letter = padded
                    .chars()
                    .last()
                    .is_some_and(|p| p.is_ascii_alphabetic());
            }
            digits.push(c);
        } else {
            flush(&mut digits, &mut padded, !after_letter);
            padded.push(c);
        }
    }
    flush(&mut digits, &mut padded, !after_letter);
    padded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(lang: Lang, names: &[(&str, Option<&str>)]) -> Vec<String> {
        let mut keyed: Vec<(String, &str)> = names
            .iter()
            .map(|(name, reading)| (sort_key(lang, name, *reading), *name))
            .collect();
        keyed.sort();
        keyed.into_iter().map(|(_, name)| name.to_owned()).collect()
    }

    #[test]
    fn chinese_names_sort_by_pinyin_then_tone() {
        let names = [
            ("常州市第一人民医院", None),
            ("安徽省医学会", None),
            ("北海市人民医院", None),
            ("遂宁市中心医院", None),
        ];
        assert_eq!(
            sorted(Lang::Zh, &names),
            [
                "安徽省医学会",
                "北海市人民医院",
                "常州市第一人民医院",
                "遂宁市中心医院"
            ]
        );
        assert!(sort_key(Lang::Zh, "妈", None) < sort_key(Lang::Zh, "马", None));
        assert!(sort_key(Lang::Zh, "马", None) < sort_key(Lang::Zh, "买", None));
        assert_eq!(
            sort_key(Lang::Zh, "重庆", Some("Chong2 Qing4")),
            "chong2 qing4"
        );
    }

    #[test]
    fn japanese_names_sort_by_reading_in_gojuon_order() {
        let names = [
            ("順天堂大学", Some("じゅんてんどうだいがく")),
            ("亀田総合病院", Some("カメダソウゴウビョウイン")),
            ("杏林大学", Some("きょうりんだいがく")),
            ("安徽省医学会", Some("あんきしょういがっかい")),
            ("未読病院", None),
        ];
        assert_eq!(
            sorted(Lang::Ja, &names),
            [
                "安徽省医学会",
                "亀田総合病院",
                "杏林大学",
                "順天堂大学",
                "未読病院"
            ]
        );
        // Voicing is a tie-break only: かき < がき < かく.
        let voiced = [
            ("b", Some("がき")),
            ("c", Some("かく")),
            ("a", Some("かき")),
        ];
        assert_eq!(sorted(Lang::Ja, &voiced), ["a", "b", "c"]);
    }

    #[test]
    fn each_reader_is_keyed_by_the_text_they_are_served() {
        let [zh, ja, en] = name_sort_keys(&[
            (Lang::Ja, "亀田総合病院", Some("かめだそうごうびょういん")),
            (Lang::Zh, "龟田综合医院", None),
        ]);
        assert!(zh.starts_with("gui1 tian2"), "{zh}");
        assert!(
            ja.starts_with("かめたそうこう"),
            "voicing folded first: {ja}"
        );
        assert_eq!(
            en, ja,
            "English readers get the Japanese name, then its key"
        );
    }

    #[test]
    fn english_names_ignore_case_accents_and_a_leading_the() {
        let names = [
            ("The Second Affiliated Hospital", None),
            ("beihai People's Hospital", None),
            ("Tōkyō Clinic", None),
            ("Hospital No. 10", None),
            ("Hospital No. 3", None),
        ];
        assert_eq!(
            sorted(Lang::En, &names),
            [
                "beihai People's Hospital",
                "Hospital No. 3",
                "Hospital No. 10",
                "The Second Affiliated Hospital",
                "Tōkyō Clinic"
            ]
        );
    }
}
