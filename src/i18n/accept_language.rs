//! `Accept-Language` negotiation (RFC 9110 section 12.5.4), reduced to the
//! languages the archive holds.

use super::Lang;

/// The best of our languages for an `Accept-Language` header value, or `None`
/// when the header names none of them (or only with `q=0`).
///
/// Ranges are matched by their primary subtag (`zh-CN`, `zh-Hant`, `ja-JP`,
/// `en-GB`...); `*` matches any language, and is taken as the first language
/// not otherwise listed. Among equal q-values the earlier range wins.
pub fn negotiate(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, usize, Lang)> = None;
    let mut excluded: Vec<Lang> = Vec::new();
    let mut wildcard: Option<(f32, usize)> = None;
    let mut listed: Vec<Lang> = Vec::new();
    for (index, item) in header.split(',').enumerate() {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or("").trim();
        if range.is_empty() {
            continue;
        }
        let q = parts
            .filter_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .or_else(|| p.trim().strip_prefix("Q="))
            })
            .next()
            .map(|q| {
                q.trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))
            })
            .unwrap_or(Some(1.0));
        let Some(q) = q else { continue };
        if range == "*" {
            wildcard = Some((q, index));
            continue;
        }
        let primary = range.split('-').next().unwrap_or("");
        let Ok(lang) = primary.parse::<Lang>() else {
            continue;
        };
        listed.push(lang);
        if q <= 0.0 {
            excluded.push(lang);
            continue;
        }
        if best.is_none_or(|(best_q, _, _)| q > best_q) {
            best = Some((q, index, lang));
        }
    }
    let best = best.filter(|(_, _, lang)| !excluded.contains(lang));
    match (best, wildcard) {
        (Some((q, _, lang)), Some((wq, _))) if wq > q => first_unlisted(&listed).or(Some(lang)),
        (Some((_, _, lang)), _) => Some(lang),
        (None, Some((wq, _))) if wq > 0.0 => first_unlisted(&listed),
        _ => None,
    }
}

fn first_unlisted(listed: &[Lang]) -> Option<Lang> {
    Lang::ALL.into_iter().find(|lang| !listed.contains(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_subtags_and_q_values_decide() {
        assert_eq!(negotiate("ja"), Some(Lang::Ja));
        assert_eq!(negotiate("zh-CN,zh;q=0.9"), Some(Lang::Zh));
        assert_eq!(negotiate("fr-FR, ja;q=0.5, zh-TW;q=0.8"), Some(Lang::Zh));
        assert_eq!(negotiate("en-US,en;q=0.9,ja;q=0.95"), Some(Lang::En));
        assert_eq!(negotiate("zh;q=0.2, ja;q=0.7"), Some(Lang::Ja));
        assert_eq!(negotiate("JA-jp"), Some(Lang::Ja));
    }

    #[test]
    fn nothing_we_hold_gives_none() {
        assert_eq!(negotiate(""), None);
        assert_eq!(negotiate("fr, de;q=0.5"), None);
        assert_eq!(negotiate("ja;q=0"), None);
        assert_eq!(negotiate("ja;q=abc"), None);
    }

    #[test]
    fn wildcard_takes_the_first_unlisted_language() {
        assert_eq!(negotiate("*"), Some(Lang::Zh));
        assert_eq!(negotiate("zh;q=0, *"), Some(Lang::Ja));
        assert_eq!(negotiate("en;q=0.1, *;q=0.5"), Some(Lang::Zh));
    }
}
