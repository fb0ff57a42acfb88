//! Languages, their fallback chains and HTTP language negotiation.
//!
//! Nothing here knows about GraphQL or the database: the GraphQL layer maps
//! its `Language` enum onto [`Lang`], and stores keep `Lang::code()` in their
//! `lang` columns.

mod accept_language;
pub mod fold;
pub mod highlight;
pub mod slips;
pub mod sort_key;

pub use accept_language::{misunderstood, negotiate};

use std::fmt;
use std::str::FromStr;

/// A language the archive holds texts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// Chinese (Simplified), `zh`.
    Zh,
    /// Japanese, `ja`.
    Ja,
    /// English, `en`.
    En,
}

impl Lang {
    /// Every language, in the order the dataset writes them.
    pub const ALL: [Lang; 3] = [Lang::Zh, Lang::Ja, Lang::En];

    /// The code stored in `lang` columns and used in the dataset (`zh`, `ja`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The language a common non-standard name means: a country code or
    /// a name used for the language (`jp`, `cn`, `jpn`, `chi`, `japanese`,
    /// `chinese`, `eng`...). `None` for anything else, standard tags
    /// included (parse those with `str::parse`).
    pub fn from_alias(name: &str) -> Option<Lang> {
        match name.trim().to_ascii_lowercase().as_str() {
            "jp" | "jpn" | "japanese" | "nihongo" => Some(Lang::Ja),
            "cn" | "chs" | "cht" | "zho" | "chi" | "chinese" | "zh_cn" | "hans" => Some(Lang::Zh),
            "eng" | "english" | "uk" | "us" => Some(Lang::En),
            _ => None,
        }
    }

    /// The order in which languages are tried when a text is missing in this
    /// one: ZH -> JA -> EN, JA -> ZH -> EN, EN -> JA -> ZH. Chinese and
    /// Japanese readers share most characters, so each falls back to the other
    /// before English; English readers get Japanese first, the centre's home
    /// language.
    pub fn fallback_chain(self) -> [Lang; 3] {
        match self {
            Lang::Zh => [Lang::Zh, Lang::Ja, Lang::En],
            Lang::Ja => [Lang::Ja, Lang::Zh, Lang::En],
            Lang::En => [Lang::En, Lang::Ja, Lang::Zh],
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The error for a language code that is not `zh`, `ja` or `en`.
#[derive(Debug, thiserror::Error)]
#[error("unknown language {0:?} (expected zh, ja or en)")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "zh" => Ok(Lang::Zh),
            "ja" => Ok(Lang::Ja),
            "en" => Ok(Lang::En),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

/// A stored row that holds texts in one language (a `*_translation` row).
pub trait Translation {
    /// The row's language code.
    fn lang_code(&self) -> &str;
}

/// Picks a text for `lang` from translation rows, walking the fallback chain.
///
/// Returns the text and the language it was actually found in, or `None`
/// when no row has the field at all. Empty strings count as missing.
pub fn pick<'a, T: Translation>(
    rows: &'a [T],
    lang: Lang,
    field: impl Fn(&'a T) -> Option<&'a str>,
) -> Option<(&'a str, Lang)> {
    lang.fallback_chain().into_iter().find_map(|candidate| {
        rows.iter()
            .filter(|row| row.lang_code() == candidate.code())
            .find_map(|row| field(row).filter(|text| !text.is_empty()))
            .map(|text| (text, candidate))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, Option<&'static str>);

    impl Translation for Row {
        fn lang_code(&self) -> &str {
            self.0
        }
    }

    #[test]
    fn picks_the_asked_language_then_walks_the_chain() {
        let rows = [
            Row("zh", Some("龟田")),
            Row("en", Some("Kameda")),
            Row("ja", None),
        ];
        assert_eq!(pick(&rows, Lang::Zh, |r| r.1), Some(("龟田", Lang::Zh)));
        assert_eq!(pick(&rows, Lang::Ja, |r| r.1), Some(("龟田", Lang::Zh)));
        assert_eq!(pick(&rows, Lang::En, |r| r.1), Some(("Kameda", Lang::En)));
        let only_en = [Row("en", Some("Kameda"))];
        assert_eq!(
            pick(&only_en, Lang::Zh, |r| r.1),
            Some(("Kameda", Lang::En))
        );
        assert_eq!(pick(&[] as &[Row], Lang::Zh, |r| r.1), None);
    }

    #[test]
    fn empty_text_counts_as_missing() {
        let rows = [Row("ja", Some("")), Row("zh", Some("康复"))];
        assert_eq!(pick(&rows, Lang::Ja, |r| r.1), Some(("康复", Lang::Zh)));
    }
}
