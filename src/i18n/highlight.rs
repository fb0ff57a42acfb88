//! Where a search query matched in a text as written: the ranges to mark
//! and a short snippet with them in `<mark>`.
//!
//! The index holds texts folded ([`super::fold`]); readers see them as
//! written. Each character of the text is folded on its own, so every
//! folded character knows the written character it came from, and a match
//! found in the folded text is marked on the written one (`順天堂` asked,
//! `顺天堂` marked). A match is the whole query side by side, else every
//! token of it somewhere in the text (`康复 医学` in `康复医学科`... marks
//! both words), as the search itself ranks them.

use super::fold::{QueryToken, fold};
use std::ops::Range;

/// How a text matched a query, best first (the search's ranking).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Closeness {
    /// The whole text equals the query.
    Exact,
    /// The text starts with the query.
    Prefix,
    /// The text contains the query.
    Substring,
    /// The text holds every token of the query, not side by side.
    Tokens,
}

/// A query's matches in one written text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// How it matched.
    pub closeness: Closeness,
    /// The matched ranges, in characters of the written text, in order and
    /// not overlapping.
    pub ranges: Vec<Range<usize>>,
}

/// The text folded a written character at a time (with the marks that
/// follow it: `ﾋﾞ` folds to `ビ` only together): the folded text, and for
/// each of its bytes the written characters it came from.
struct Folded {
    text: String,
    origin: Vec<Range<usize>>,
}

/// Whether `c` belongs to the character before it when folded.
fn joins_previous(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c) || matches!(c, '\u{FF9E}' | '\u{FF9F}')
}

fn fold_by_character(text: &str) -> Folded {
    let chars: Vec<char> = text.chars().collect();
    let mut folded = Folded {
        text: String::with_capacity(text.len()),
        origin: Vec::with_capacity(text.len()),
    };
    let mut start = 0;
    while start < chars.len() {
        let mut end = start + 1;
        while end < chars.len() && joins_previous(chars[end]) {
            end += 1;
        }
        let written: String = chars[start..end].iter().collect();
        let piece = fold(&written);
        folded.text.push_str(&piece);
        folded
            .origin
            .extend(std::iter::repeat_n(start..end, piece.len()));
        start = end;
    }
    folded
}

impl Folded {
    /// Every occurrence of `needle`, as ranges of written characters.
    fn occurrences(&self, needle: &str) -> Vec<Range<usize>> {
        if needle.is_empty() {
            return Vec::new();
        }
        self.text
            .match_indices(needle)
            .map(|(at, matched)| self.origin[at].start..self.origin[at + matched.len() - 1].end)
            .collect()
    }
}

/// Where `query` (folded, with its `tokens`) matches `text`; `None` when
/// the text does not hold it.
pub fn find(text: &str, query: &str, tokens: &[QueryToken]) -> Option<Found> {
    let folded = fold_by_character(text);
    let whole = folded.occurrences(query);
    if let Some(first) = whole.first() {
        let length = text.chars().count();
        let closeness = match (first.start, first.end) {
            (0, end) if end == length && folded.text.trim() == query => Closeness::Exact,
            (0, _) => Closeness::Prefix,
            _ => Closeness::Substring,
        };
        return Some(Found {
            closeness,
            ranges: merged(whole),
        });
    }
    let mut ranges = Vec::new();
    for token in tokens {
        let found = folded.occurrences(&token.text);
        if found.is_empty() {
            return None;
        }
        ranges.extend(found);
    }
    (!ranges.is_empty()).then(|| Found {
        closeness: Closeness::Tokens,
        ranges: merged(ranges),
    })
}

/// The ranges in order, overlapping or touching ones joined.
fn merged(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut joined: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match joined.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => joined.push(range),
        }
    }
    joined
}

/// `ranges` (in characters of `text`) in UTF-16 code units, as JavaScript's
/// `String.prototype.slice` counts.
pub fn utf16_ranges(text: &str, ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut offsets = Vec::with_capacity(text.len() + 1);
    let mut at = 0;
    for c in text.chars() {
        offsets.push(at);
        at += c.len_utf16();
    }
    offsets.push(at);
    ranges
        .iter()
        .map(|r| offsets[r.start]..offsets[r.end])
        .collect()
}

/// At most `length` characters of `text` around its first match, HTML
/// escaped, the matches in `<mark>`…`</mark>`, `…` where text was left out.
pub fn snippet(text: &str, ranges: &[Range<usize>], length: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let length = length.max(1);
    let start = match ranges.first() {
        // Show the first match with some of what comes before it.
        Some(first) if first.end > length => {
            let before = length.saturating_sub(first.end - first.start) / 3;
            first.start.saturating_sub(before)
        }
        _ => 0,
    };
    let end = (start + length).min(chars.len());
    let mut out = String::with_capacity((end - start) * 3 + 16);
    if start > 0 {
        out.push('…');
    }
    let mut open = false;
    for (index, c) in chars.iter().enumerate().take(end).skip(start) {
        let marked = ranges.iter().any(|r| r.contains(&index));
        if marked != open {
            out.push_str(if marked { "<mark>" } else { "</mark>" });
            open = marked;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(*c),
        }
    }
    if open {
        out.push_str("</mark>");
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::fold::query_tokens;

    fn found(text: &str, query: &str) -> Option<Found> {
        let folded = fold(query);
        find(text, &folded, &query_tokens(&folded))
    }

    #[test]
    fn matches_are_marked_on_the_text_as_written() {
        let hit = found("順天堂大学医学部附属順天堂医院", "顺天堂").unwrap();
        assert_eq!(hit.closeness, Closeness::Prefix);
        assert_eq!(hit.ranges, vec![0..3, 10..13]);
        let hit = found("ﾘﾊﾋﾞﾘテーション", "リハビリ").unwrap();
        // Half-width ﾋﾞ is two written characters folding to one.
        assert_eq!(hit.ranges, vec![0..5]);
        assert_eq!(found("N95", "n95").unwrap().closeness, Closeness::Exact);
    }

    #[test]
    fn words_apart_are_each_marked_and_missing_ones_do_not_match() {
        let hit = found("康复医学科与骨科", "康复 骨科").unwrap();
        assert_eq!(hit.closeness, Closeness::Tokens);
        assert_eq!(hit.ranges, vec![0..2, 6..8]);
        assert_eq!(found("康复医学科", "康复 骨科"), None);
    }

    #[test]
    fn snippets_escape_and_cut_around_the_first_match() {
        let text = "<b>心血管</b> & 内科";
        let hit = found(text, "心血管").unwrap();
        assert_eq!(
            snippet(text, &hit.ranges, 100),
            "&lt;b&gt;<mark>心血管</mark>&lt;/b&gt; &amp; 内科"
        );
        let long = format!("{}康复医学{}", "甲".repeat(100), "乙".repeat(100));
        let hit = found(&long, "康复").unwrap();
        let cut = snippet(&long, &hit.ranges, 20);
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        assert!(cut.contains("<mark>康复</mark>医学"), "{cut}");
        assert_eq!(cut.chars().filter(|c| *c != '…').count(), 20 + 13);
    }

    #[test]
    fn offsets_count_utf16_code_units() {
        // 𠮷 is outside the Basic Multilingual Plane: two code units.
        let text = "𠮷野家";
        let hit = found(text, "野家").unwrap();
        assert_eq!(hit.ranges, vec![1..3]);
        assert_eq!(utf16_ranges(text, &hit.ranges), vec![2..4]);
    }
}
