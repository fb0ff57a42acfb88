//! `Accept-Language` negotiation (RFC 9110 section 12.5.4), reduced to the
//! languages the archive holds.

use super::Lang;

/// The best of our languages for an `Accept-Language` header value, or `None`
/// when the header names none of them (or only with `q=0`).
///
/// Ranges are matched by their primary subtag (`zh-CN`, `zh-Hant`, `ja-JP`,
/// `en-GB`...). A language's weight is the highest positive q-value among
/// the ranges naming it: `q=0` on a variant (`zh-TW;q=0`) refuses that
/// variant only, and `zh;q=0` refuses Chinese unless a variant of it is
/// still accepted. `*` gives its weight to every language no range names.
/// Among equal weights the language named earlier wins.
pub fn negotiate(header: &str) -> Option<Lang> {
    let mut weights: Vec<(Lang, f32, usize)> = Vec::new();
    let mut listed: Vec<Lang> = Vec::new();
    let mut wildcard: Option<(f32, usize)> = None;
    for (index, (range, q)) in ranges(header).enumerate() {
        if range == "*" {
            wildcard = Some((q, index));
            continue;
        }
        let Ok(lang) = range.split('-').next().unwrap_or("").parse::<Lang>() else {
            continue;
        };
        listed.push(lang);
        if q > 0.0 && !weights.iter().any(|(l, w, _)| *l == lang && *w >= q) {
            weights.retain(|(l, _, _)| *l != lang);
            weights.push((lang, q, index));
        }
    }
    if let Some((q, index)) = wildcard.filter(|(q, _)| *q > 0.0) {
        let unlisted = Lang::ALL.into_iter().filter(|l| !listed.contains(l));
        weights.extend(unlisted.map(|lang| (lang, q, index)));
    }
    // The first of the heaviest: earlier in the header, then in Lang::ALL.
    let better = |(_, q, index): &(Lang, f32, usize),
                  (_, best_q, best_index): &(Lang, f32, usize)| {
        q > best_q || (q == best_q && index < best_index)
    };
    let mut best: Option<(Lang, f32, usize)> = None;
    for weight in weights {
        if best.as_ref().is_none_or(|b| better(&weight, b)) {
            best = Some(weight);
        }
    }
    best.map(|(lang, _, _)| lang)
}

/// What was understood of an `Accept-Language` that names none of our
/// languages: the language a common non-standard name means (`jp` is
/// Japanese, `cn` Chinese: see [`Lang::from_alias`]), and a note saying so,
/// or that nothing was understood. `None` when [`negotiate`] understands
/// the header (or it is empty).
pub fn misunderstood(header: &str) -> Option<(Option<Lang>, String)> {
    if header.trim().is_empty() || negotiate(header).is_some() {
        return None;
    }
    let codes = Lang::ALL.map(Lang::code).join(", ");
    let guessed = ranges(header)
        .filter(|(_, q)| *q > 0.0)
        .find_map(|(range, _)| Some((range, Lang::from_alias(range.split(['-', '_']).next()?)?)));
    Some(match guessed {
        Some((range, lang)) => (
            Some(lang),
            format!(
                "Accept-Language `{range}` is not a language tag; understood as `{lang}`. \
                 The archive's languages are {codes}."
            ),
        ),
        None => (
            None,
            format!(
                "Accept-Language `{}` names none of the archive's languages ({codes}); \
                 the default language was served.",
                header.trim()
            ),
        ),
    })
}

/// The header's ranges with their q-values (1 when absent); ranges with a
/// malformed q-value are left out.
fn ranges(header: &str) -> impl Iterator<Item = (&str, f32)> {
    header.split(',').filter_map(|item| {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or("").trim();
        let q = parts
            .map(str::trim)
            .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .map_or(Some(1.0), |q| {
                q.trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))
            })?;
        (!range.is_empty()).then_some((range, q))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_non_standard_names_are_understood_and_said() {
        let (lang, note) = misunderstood("jp").unwrap();
        assert_eq!(lang, Some(Lang::Ja));
        assert!(
            note.contains("`jp`") && note.contains("`ja`") && note.contains("zh, ja, en"),
            "{note}"
        );
        assert_eq!(misunderstood("cn, fr;q=0.5").unwrap().0, Some(Lang::Zh));
        let (lang, note) = misunderstood("fr-FR").unwrap();
        assert_eq!(lang, None);
        assert!(note.contains("default"), "{note}");
        assert_eq!(misunderstood("ja-JP"), None);
        assert_eq!(misunderstood(""), None);
    }

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
        assert_eq!(negotiate("zh, *;q=0"), Some(Lang::Zh));
    }

    #[test]
    fn q_zero_on_a_variant_refuses_that_variant_only() {
        assert_eq!(negotiate("zh-CN, zh-TW;q=0"), Some(Lang::Zh));
        assert_eq!(negotiate("zh, ja;q=0.5, zh-TW;q=0"), Some(Lang::Zh));
        assert_eq!(negotiate("zh-TW;q=0, ja;q=0.5"), Some(Lang::Ja));
        assert_eq!(negotiate("zh;q=0, zh-CN;q=0.8, ja;q=0.5"), Some(Lang::Zh));
        assert_eq!(negotiate("zh;q=0, ja;q=0.5"), Some(Lang::Ja));
    }
}
