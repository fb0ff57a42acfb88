//! Folding and tokenizing text for search, the same way for what is indexed
//! and what is asked.
//!
//! Folding (only the index folds; texts are displayed as written):
//! - NFKC: full-width and half-width forms become one (`ｎ９５` = `n95`,
//!   `ｶﾞ` = `ガ`);
//! - lower case;
//! - hiragana becomes katakana (`りはびり` = `リハビリ`);
//! - Japanese shinjitai, Traditional and Simplified characters become
//!   Simplified (`順天堂` = `顺天堂`, `亀田` = `龟田`, `胃腸` = `胃肠`), one
//!   character at a time, with OpenCC's character tables as shipped by the
//!   `hanconv` crate.
//!
//! Tokenizing is the CJK bigram scheme of Lucene's `CJKAnalyzer`: a run of
//! CJK characters gives its overlapping pairs (`康复医学` -> `康复 复医 医学`),
//! plus each character alone so one-character queries match; other letters
//! and digits give whole words.

use hanconv::RawDictionary;
use std::collections::HashMap;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// Japanese and Traditional characters to their Simplified form.
static VARIANTS: LazyLock<HashMap<char, char>> = LazyLock::new(|| {
    let single = |text: &str| {
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    };
    let mut jp_to_traditional: HashMap<char, char> = HashMap::new();
    for (japanese, traditional) in RawDictionary::JPVariants.inv_iter() {
        if let (Some(j), Some(t)) = (single(japanese), single(traditional)) {
            jp_to_traditional.entry(j).or_insert(t);
        }
    }
    for (japanese, traditional) in RawDictionary::JPShinjitaiCharacters.iter() {
        if let (Some(j), Some(t)) = (single(japanese), single(traditional)) {
            jp_to_traditional.entry(j).or_insert(t);
        }
    }
    let mut to_simplified: HashMap<char, char> = HashMap::new();
    for (traditional, simplified) in RawDictionary::TSCharacters.iter() {
        if let (Some(t), Some(s)) = (single(traditional), single(simplified)) {
            to_simplified.entry(t).or_insert(s);
        }
    }
    let mut variants = to_simplified.clone();
    for (japanese, traditional) in jp_to_traditional {
        let simplified = to_simplified
            .get(&traditional)
            .copied()
            .unwrap_or(traditional);
        if simplified != japanese {
            variants.entry(japanese).or_insert(simplified);
        }
    }
    variants
});

/// Folds text for indexing and querying (see the module docs). Control
/// characters become spaces.
pub fn fold(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            c if c.is_control() => ' ',
            'ぁ'..='ゖ' | 'ゝ' | 'ゞ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => VARIANTS.get(&c).copied().unwrap_or(c),
        })
        .collect()
}

/// Whether a character is written in a CJK script (Han, kana, Hangul).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FA | 0x30FC..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
        || c == '々'
}

/// One piece of folded text: a run of CJK characters or a word.
enum Run {
    Cjk(Vec<char>),
    Word(String),
}

fn runs(folded: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut cjk: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush = |runs: &mut Vec<Run>, cjk: &mut Vec<char>, word: &mut String| {
        if !cjk.is_empty() {
            runs.push(Run::Cjk(std::mem::take(cjk)));
        }
        if !word.is_empty() {
            runs.push(Run::Word(std::mem::take(word)));
        }
    };
    for c in folded.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                flush(&mut runs, &mut cjk, &mut word);
            }
            cjk.push(c);
        } else if c.is_alphanumeric() {
            if !cjk.is_empty() {
                flush(&mut runs, &mut cjk, &mut word);
            }
            word.push(c);
        } else {
            flush(&mut runs, &mut cjk, &mut word);
        }
    }
    flush(&mut runs, &mut cjk, &mut word);
    runs
}

/// The longest token indexed, in bytes: PostgreSQL refuses a tsvector
/// word of 2,047 bytes or more. A longer word is indexed by its first
/// 1,000 bytes (cut between characters); queries are at most 200
/// characters, so none is ever cut.
pub const MAX_TOKEN_BYTES: usize = 1_000;

/// `word` cut to at most [`MAX_TOKEN_BYTES`], between characters.
fn cut_token(mut word: String) -> String {
    if word.len() > MAX_TOKEN_BYTES {
        let end = (0..=MAX_TOKEN_BYTES)
            .rev()
            .find(|&i| word.is_char_boundary(i))
            .unwrap_or(0);
        word.truncate(end);
    }
    word
}

/// The tokens indexed for a folded text: every CJK character, every CJK
/// pair, every word (cut to [`MAX_TOKEN_BYTES`]); each once, in order of
/// first appearance.
pub fn index_tokens(folded: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut push = |token: String| {
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    };
    for run in runs(folded) {
        match run {
            Run::Word(word) => push(cut_token(word)),
            Run::Cjk(chars) => {
                for (i, c) in chars.iter().enumerate() {
                    push(c.to_string());
                    if let Some(next) = chars.get(i + 1) {
                        push(format!("{c}{next}"));
                    }
                }
            }
        }
    }
    tokens
}

/// A token a query must find.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryToken {
    /// The token.
    pub text: String,
    /// It may be the start of a longer word (the query's last word).
    pub prefix: bool,
}

/// The tokens a folded query needs, all of them: pairs covering each CJK
/// run without overlap (`心血管内科` -> `心血 管内 内科`; the character itself
/// for a one-character run) and each word, the last word as a prefix.
/// Overlapping pairs would add nothing: whether the query's characters stand
/// side by side is checked on the folded text, and fewer tokens keep index
/// lookups cheap.
pub fn query_tokens(folded: &str) -> Vec<QueryToken> {
    let runs = runs(folded);
    let last = runs.len().saturating_sub(1);
    let mut tokens: Vec<QueryToken> = Vec::new();
    for (index, run) in runs.into_iter().enumerate() {
        let texts: Vec<(String, bool)> = match run {
            Run::Word(word) => vec![(word, index == last)],
            Run::Cjk(chars) if chars.len() == 1 => vec![(chars[0].to_string(), false)],
            Run::Cjk(chars) => chars
                .windows(2)
                .map(|pair| (pair.iter().collect(), false))
                .collect(),
        };
        for (text, prefix) in texts {
            if !tokens.iter().any(|t| t.text == text) {
                tokens.push(QueryToken { text, prefix });
            }
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_are_indexed_by_their_first_thousand_bytes() {
        let word = "é".repeat(3_000);
        let tokens = index_tokens(&word);
        assert!(
            tokens.iter().all(|t| t.len() <= MAX_TOKEN_BYTES),
            "{}",
            tokens[0].len()
        );
        assert_eq!(tokens[0], "é".repeat(500));
    }

    #[test]
    fn script_variants_fold_together() {
        assert_eq!(fold("順天堂"), fold("顺天堂"));
        assert_eq!(fold("亀田総合病院"), fold("龟田総合病院"));
        assert_eq!(fold("胃腸"), fold("胃肠"));
        assert_eq!(fold("循環器"), fold("循环器"));
        assert_eq!(fold("江濱"), fold("江滨"));
        assert_eq!(fold("亀田"), "龟田");
    }

    #[test]
    fn widths_case_and_kana_fold_together() {
        assert_eq!(fold("ｎ９５"), "n95");
        assert_eq!(fold("N95"), "n95");
        assert_eq!(fold("りはびり"), fold("リハビリ"));
        assert_eq!(fold("ﾘﾊﾋﾞﾘ"), fold("リハビリ"));
        assert_eq!(fold("Kameda"), "kameda");
    }

    #[test]
    fn cjk_runs_give_characters_and_pairs_and_words_stay_whole() {
        assert_eq!(
            index_tokens("康复医学"),
            ["康", "康复", "复", "复医", "医", "医学", "学"]
        );
        assert_eq!(index_tokens("n95口罩"), ["n95", "口", "口罩", "罩"]);
        let tokens: Vec<String> = query_tokens("康复医学")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(tokens, ["康复", "复医", "医学"]);
        assert_eq!(
            query_tokens("科"),
            [QueryToken {
                text: "科".into(),
                prefix: false
            }]
        );
        assert_eq!(
            query_tokens("kame"),
            [QueryToken {
                text: "kame".into(),
                prefix: true
            }]
        );
        assert!(
            query_tokens("' OR 1=1 --")
                .iter()
                .all(|t| t.text.chars().all(char::is_alphanumeric))
        );
        assert!(query_tokens("  ").is_empty());
    }
}
