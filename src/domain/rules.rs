//! The rules a record must keep before anything is written: one set of
//! rules for every way a record is written (`medexchange import` and the
//! mutations), each broken rule naming the field and saying what is wrong
//! in Chinese, Japanese or English.

use super::record::{
    AidShipment, Dataset, Exchange, Institution, LangKey, Localized, NewsItem, Photo, Speaker,
    Specialty,
};
use crate::domain::vocabulary::ReportDate;
use crate::i18n::Lang;
use std::collections::HashSet;

/// The longest text a field may hold, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// The most entries a list of a record may hold: aliases, participants,
/// specialties, talks, photos, the people of a photo.
pub const MAX_LIST_ENTRIES: usize = 200;
/// The longest url, in bytes.
pub const MAX_URL_BYTES: usize = 2_000;

/// A rule broken: which field of the record (`["name", "ja"]`,
/// `["participants", "2"]`), and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The path to the field inside the record.
    pub field: Vec<String>,
    /// The rule broken.
    pub rule: Rule,
}

/// A rule a record can break.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A value a record must have is missing.
    Required,
    /// A text is empty or blank.
    Blank,
    /// A text is longer than [`MAX_TEXT_CHARS`].
    TooLong,
    /// A text holds a control character (long texts may hold tabs and
    /// line breaks).
    ControlCharacter,
    /// A list holds more than [`MAX_LIST_ENTRIES`] entries.
    TooMany,
    /// A url is not `http://`, `https://` or a path on this site.
    BadUrl,
    /// A slug is not lowercase letters, digits and inner hyphens.
    BadSlug,
    /// Another record of the kind has the slug.
    SlugTaken,
    /// Not `YYYY-MM` or `YYYY-MM-DD`, or not a day of the calendar.
    BadDate,
    /// The same value is listed twice.
    ListedTwice,
    /// A number below zero.
    Negative,
    /// A place text in a language the name has no text in.
    NoNameInLanguage,
    /// A fiscal year other than the date's.
    FiscalYearDisagrees,
    /// Nothing of the kind has this slug or id.
    NotFound,
    /// The record was changed since the version the writer read.
    StaleVersion,
    /// Other records still refer to the record.
    InUse,
    /// A value set when a record is created, which cannot change after.
    Fixed,
    /// The Japanese name changed but its kana reading is the old name's.
    ReadingOfOldName,
    /// A file that is not an image this service takes (the problem says
    /// why).
    Image(crate::media::ImageProblem),
}

impl Rule {
    /// The rule in `lang`, for the writer who broke it.
    pub fn message(&self, lang: Lang) -> std::borrow::Cow<'static, str> {
        if let Rule::Image(problem) = self {
            return problem.message(lang).into();
        }
        let [zh, ja, en] = match self {
            Rule::Required => ["此项必填。", "この項目は必須です。", "This is required."],
            Rule::Blank => [
                "文本不能为空，也不能只含空白或不可见字符。",
                "テキストを空や空白・不可視文字だけにはできません。",
                "The text must hold a visible character.",
            ],
            Rule::TooLong => [
                "文本不能超过 10000 个字符。",
                "テキストは 10000 文字以内にしてください。",
                "The text must be at most 10000 characters.",
            ],
            Rule::ControlCharacter => [
                "文本含有控制字符（长文本中只允许制表符和换行）。",
                "テキストに制御文字が含まれています（長いテキストではタブと改行のみ可）。",
                "The text holds a control character (long texts may hold tabs and line breaks only).",
            ],
            Rule::TooMany => [
                "列表不能超过 200 项。",
                "リストは 200 項目以内にしてください。",
                "A list may hold at most 200 entries.",
            ],
            Rule::BadUrl => [
                "网址须以 http:// 或 https:// 开头，或为本站路径（以 / 开头）。",
                "URL は http:// か https:// で始まるか、このサイトのパス（/ で始まる）にしてください。",
                "A url is http://, https:// or a path on this site (starting with /).",
            ],
            Rule::BadSlug => [
                "标识（slug）只能由小写字母、数字和中间的连字符组成。",
                "スラッグには英小文字・数字・語中のハイフンだけが使えます。",
                "A slug is lowercase letters, digits and inner hyphens.",
            ],
            Rule::SlugTaken => [
                "此标识（slug）已被其他记录使用（可能是已删除的记录）。",
                "このスラッグはほかの記録（削除済みを含む）で使われています。",
                "Another record (perhaps a deleted one) has this slug.",
            ],
            Rule::BadDate => [
                "日期格式应为 YYYY-MM 或 YYYY-MM-DD，且须为实际存在的日期。",
                "日付は実在する YYYY-MM か YYYY-MM-DD で書いてください。",
                "A date is YYYY-MM or YYYY-MM-DD, and a day of the calendar.",
            ],
            Rule::ListedTwice => [
                "同一项目列出了两次。",
                "同じ項目が二度挙げられています。",
                "The same value is listed twice.",
            ],
            Rule::Negative => [
                "数量不能为负数。",
                "数量を負にはできません。",
                "The number must not be negative.",
            ],
            Rule::NoNameInLanguage => [
                "名称在该语言中没有文本，因此不能填写此项。",
                "名称にこの言語のテキストがないため、この項目は書けません。",
                "The name has no text in this language, so this cannot have one.",
            ],
            Rule::FiscalYearDisagrees => [
                "年度与日期不符。",
                "年度が日付と合いません。",
                "The fiscal year disagrees with the date.",
            ],
            Rule::NotFound => [
                "找不到该记录。",
                "該当する記録が見つかりません。",
                "No such record.",
            ],
            Rule::StaleVersion => [
                "该记录已被他人修改，请重新读取后再提交。",
                "この記録はほかの人が変更しました。読み直してから送ってください。",
                "The record was changed since you read it: read it again and resend.",
            ],
            Rule::InUse => [
                "仍有其他记录引用此记录，无法删除。",
                "ほかの記録がまだ参照しているため削除できません。",
                "Other records still refer to this one, so it cannot be deleted.",
            ],
            Rule::Fixed => [
                "此项只能在创建时设置，之后不能更改。",
                "この項目は作成時にだけ設定でき、後から変えられません。",
                "This is set when the record is created and cannot change after.",
            ],
            Rule::ReadingOfOldName => [
                "日文名称已更改，但读音仍是旧名称的：请同时提供新的假名读音（或将读音设为 null，按名称本身排序）。",
                "日本語の名称が変わりましたが、読みは旧名称のままです。新しいかなの読みも送ってください（読みを null にすると名称そのもので並べます）。",
                "The Japanese name changed but its reading is the old name's: send the new kana reading too (or set the reading to null to order by the name itself).",
            ],
            Rule::Image(_) => unreachable!("answered above"),
        };
        match lang {
            Lang::Zh => zh.into(),
            Lang::Ja => ja.into(),
            Lang::En => en.into(),
        }
    }
}

/// Keeps a name's readings (`reading`, used to order names) true to the
/// name after a rename, where the writer left the reading as it was: a
/// Chinese reading (pinyin) is dropped, so the key is the new name's own
/// pinyin; a Japanese reading cannot be derived from kanji, so the writer is
/// asked for it ([`Rule::ReadingOfOldName`] on `reading.ja`). English names
/// are ordered by their text and have no reading.
pub fn renamed(
    name_before: &Localized,
    name: &Localized,
    reading_before: &Localized,
    reading: &mut Localized,
) -> Violations {
    let mut broken = Violations::new();
    for lang in [LangKey::Zh, LangKey::Ja] {
        let renamed = name_before.get(&lang) != name.get(&lang);
        let stale = reading.get(&lang).is_some() && reading.get(&lang) == reading_before.get(&lang);
        match (renamed && stale, lang) {
            (true, LangKey::Zh) => {
                reading.remove(&lang);
            }
            (true, _) => broken.push(Violation {
                field: vec!["reading".to_owned(), lang_code(lang)],
                rule: Rule::ReadingOfOldName,
            }),
            (false, _) => {}
        }
    }
    broken
}

/// The problems of a record, in field order; empty when it keeps every rule.
pub type Violations = Vec<Violation>;

/// A broken rule and where, for a dataset file: the record's place and the
/// field (`institutions[1] (kameda-medical-center).name.ja`), and what.
pub type Failure = (String, String);

/// Checks every rule that needs no database (references to slugs not in
/// the file are checked against the database on import); the first
/// failure found.
pub fn check(dataset: &Dataset) -> Result<(), Failure> {
    let mut photo_slugs = HashSet::new();
    let places = [
        records("specialties", &dataset.specialties, |r| &r.slug, specialty),
        records(
            "institutions",
            &dataset.institutions,
            |r| &r.slug,
            institution,
        ),
        records("speakers", &dataset.speakers, |r| &r.slug, speaker),
        records("exchanges", &dataset.exchanges, |r| &r.slug, exchange),
        records(
            "aid_shipments",
            &dataset.aid_shipments,
            |r| &r.slug,
            aid_shipment,
        ),
        records("news", &dataset.news, |r| &r.slug, news_item),
    ];
    for found in places {
        found?;
    }
    let owners = dataset.exchanges.iter().map(|e| ("exchanges", &e.photos));
    let owners = owners
        .chain(
            dataset
                .aid_shipments
                .iter()
                .map(|s| ("aid_shipments", &s.photos)),
        )
        .chain(dataset.news.iter().map(|n| ("news", &n.photos)));
    for (kind, photos) in owners {
        for (j, photo) in photos.iter().enumerate() {
            if !photo_slugs.insert(photo.slug.clone()) {
                let place = format!("{kind}: photos[{j}] ({})", photo.slug);
                return Err(failure(&place, &slug_twice()));
            }
        }
    }
    Ok(())
}

/// Checks each record of one list of the file, and that slugs are distinct.
fn records<T>(
    list: &str,
    items: &[T],
    slug_of: impl Fn(&T) -> &String,
    rules: impl Fn(&T) -> Violations,
) -> Result<(), Failure> {
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let place = format!("{list}[{i}] ({})", slug_of(item));
        if let Some(violation) = rules(item).first() {
            return Err(failure(&place, violation));
        }
        if !seen.insert(slug_of(item)) {
            return Err(failure(&place, &slug_twice()));
        }
    }
    Ok(())
}

fn slug_twice() -> Violation {
    Violation {
        field: vec!["slug".into()],
        rule: Rule::SlugTaken,
    }
}

/// A violation as a dataset file's failure, in English.
fn failure(place: &str, violation: &Violation) -> Failure {
    (
        format!("{place}{}", field_path(&violation.field)),
        violation.rule.message(Lang::En).into_owned(),
    )
}

/// `.aliases[1]`, `.name.ja`: a field path as the file's places write it.
pub fn field_path(field: &[String]) -> String {
    field
        .iter()
        .map(|part| match part.parse::<usize>() {
            Ok(index) => format!("[{index}]"),
            Err(_) => format!(".{part}"),
        })
        .collect()
}

/// The rules of a specialty.
pub fn specialty(item: &Specialty) -> Violations {
    let mut found = Found::default();
    found.slug(&item.slug);
    found.required("name", &item.name);
    found.0
}

/// The rules of an institution.
pub fn institution(item: &Institution) -> Violations {
    let mut found = Found::default();
    found.slug(&item.slug);
    found.required("name", &item.name);
    for (field, texts) in [("region", &item.region), ("city", &item.city)] {
        found.optional(field, texts);
        for lang in texts.keys().filter(|lang| !item.name.contains_key(lang)) {
            found.add(vec![field.into(), lang_code(*lang)], Rule::NoNameInLanguage);
        }
    }
    found.optional("reading", &item.reading);
    found.bounded("aliases", item.aliases.len());
    let mut aliases = HashSet::new();
    for (j, alias) in item.aliases.iter().enumerate() {
        let at = || vec!["aliases".to_owned(), j.to_string()];
        if let Some(rule) = text_rule(alias, Shape::Line) {
            found.add(at(), rule);
        } else if !aliases.insert(alias) {
            found.add(at(), Rule::ListedTwice);
        }
    }
    found.0
}

/// The rules of a speaker.
pub fn speaker(item: &Speaker) -> Violations {
    let mut found = Found::default();
    found.slug(&item.slug);
    found.required("name", &item.name);
    found.optional("position", &item.position);
    found.optional("reading", &item.reading);
    found.0
}

/// The rules of an exchange, its talks and its photos.
pub fn exchange(item: &Exchange) -> Violations {
    let mut found = Found::default();
    found.slug(&item.slug);
    found.date("date", &item.date);
    found.required("title", &item.title);
    found.long("summary", &item.summary);
    if item.participants.is_empty() {
        found.add(vec!["participants".into()], Rule::Required);
    }
    found.bounded("participants", item.participants.len());
    found.bounded("specialties", item.specialties.len());
    found.bounded("talks", item.talks.len());
    found.distinct("participants", &item.participants);
    found.distinct("specialties", &item.specialties);
    for (j, talk) in item.talks.iter().enumerate() {
        let mut in_talk = Found::default();
        in_talk.optional("title", &talk.title);
        found.nested(&["talks".into(), j.to_string()], in_talk);
    }
    found.photos(&item.photos);
    found.0
}

/// The rules of an aid shipment and its photos.
pub fn aid_shipment(item: &AidShipment) -> Violations {
    let mut found = Found::default();
    found.slug(&item.slug);
    found.date("date", &item.date);
    found.required("items", &item.items);
    found.required("sender", &item.sender);
    found.required("recipient", &item.recipient);
    found.long("description", &item.description);
    if item.quantity.is_some_and(|q| q < 0) {
        found.add(vec!["quantity".into()], Rule::Negative);
    }
    found.photos(&item.photos);
    found.0
}

/// The rules of a news item and its photos.
pub fn news_item(item: &NewsItem) -> Violations {
    let mut found = Found::default();
    found.slug(&item.slug);
    found.required("title", &item.title);
    found.long("body", &item.body);
    match (&item.date, item.fiscal_year) {
        (Some(text), fiscal_year) => {
            let parsed = found.date("date", text);
            if let (Some(date), Some(fiscal_year)) = (parsed, fiscal_year)
                && date.fiscal_year() != fiscal_year
            {
                found.add(vec!["fiscalYear".into()], Rule::FiscalYearDisagrees);
            }
        }
        (None, None) => found.add(vec!["date".into()], Rule::Required),
        (None, Some(_)) => {}
    }
    found.photos(&item.photos);
    found.0
}

/// The rules of a photo.
pub fn photo(item: &Photo) -> Violations {
    let mut found = Found::default();
    found.slug(&item.slug);
    found.required("caption", &item.caption);
    found.bounded("people", item.people.len());
    found.distinct("people", &item.people);
    if let Some(url) = &item.url
        && !is_safe_url(url)
    {
        found.add(vec!["url".into()], Rule::BadUrl);
    }
    for (field, text) in [("credit", &item.credit), ("copyright", &item.copyright)] {
        if let Some(rule) = text.as_deref().and_then(|t| text_rule(t, Shape::Line)) {
            found.add(vec![field.into()], rule);
        }
    }
    found.0
}

/// The violations found so far in one record.
#[derive(Default)]
struct Found(Violations);

impl Found {
    fn add(&mut self, field: Vec<String>, rule: Rule) {
        self.0.push(Violation { field, rule });
    }

    /// Another record's violations, under `prefix`.
    fn nested(&mut self, prefix: &[String], inner: Found) {
        for violation in inner.0 {
            let field = prefix.iter().cloned().chain(violation.field).collect();
            self.add(field, violation.rule);
        }
    }

    fn photos(&mut self, photos: &[Photo]) {
        self.bounded("photos", photos.len());
        let mut slugs = HashSet::new();
        for (j, item) in photos.iter().enumerate() {
            let prefix = ["photos".to_owned(), j.to_string()];
            self.nested(&prefix, Found(photo(item)));
            if !slugs.insert(&item.slug) {
                let field = [&prefix[..], &["slug".to_owned()]].concat();
                self.add(field, Rule::SlugTaken);
            }
        }
    }

    fn slug(&mut self, slug: &str) {
        let well_formed = !slug.is_empty()
            && slug.len() <= 200
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if !well_formed {
            let rule = if slug.is_empty() {
                Rule::Required
            } else {
                Rule::BadSlug
            };
            self.add(vec!["slug".into()], rule);
        }
    }

    fn required(&mut self, field: &str, texts: &Localized) {
        if texts.is_empty() {
            self.add(vec![field.into()], Rule::Required);
        }
        self.optional(field, texts);
    }

    /// Texts of one line (names, titles, captions).
    fn optional(&mut self, field: &str, texts: &Localized) {
        self.texts(field, texts, Shape::Line);
    }

    /// Texts that may hold tabs and line breaks (summaries, bodies,
    /// descriptions).
    fn long(&mut self, field: &str, texts: &Localized) {
        self.texts(field, texts, Shape::Long);
    }

    fn texts(&mut self, field: &str, texts: &Localized, shape: Shape) {
        for (lang, text) in texts {
            if let Some(rule) = text_rule(text, shape) {
                self.add(vec![field.into(), lang_code(*lang)], rule);
            }
        }
    }

    /// A list of `len` entries: at most [`MAX_LIST_ENTRIES`].
    fn bounded(&mut self, field: &str, len: usize) {
        if len > MAX_LIST_ENTRIES {
            self.add(vec![field.into()], Rule::TooMany);
        }
    }

    fn date(&mut self, field: &str, text: &str) -> Option<ReportDate> {
        let parsed = ReportDate::parse(text).ok();
        if parsed.is_none() {
            let rule = if text.is_empty() {
                Rule::Required
            } else {
                Rule::BadDate
            };
            self.add(vec![field.into()], rule);
        }
        parsed
    }

    fn distinct(&mut self, field: &str, slugs: &[String]) {
        let mut seen = HashSet::new();
        for (j, slug) in slugs.iter().enumerate() {
            if !seen.insert(slug) {
                self.add(vec![field.into(), j.to_string()], Rule::ListedTwice);
            }
        }
    }
}

/// Whether a text may hold tabs and line breaks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Line,
    Long,
}

/// The rule `text` breaks, if any: it must hold a visible character, no
/// control character (a long text may hold tabs and line breaks), and at
/// most [`MAX_TEXT_CHARS`] characters.
fn text_rule(text: &str, shape: Shape) -> Option<Rule> {
    let allowed = |c: char| shape == Shape::Long && matches!(c, '\t' | '\n' | '\r');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        Some(Rule::ControlCharacter)
    } else if !text.chars().any(is_visible) {
        Some(Rule::Blank)
    } else if text.chars().count() > MAX_TEXT_CHARS {
        Some(Rule::TooLong)
    } else {
        None
    }
}

/// Whether `c` shows: not white space, not a control, not one of the
/// characters that take no room (zero-width spaces and joiners, marks of
/// direction, the byte-order mark, soft hyphens, Hangul fillers).
fn is_visible(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}'
            | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'))
}

/// Whether a photo's url is safe to put in a page: `http://` or
/// `https://` with a host, or a path on this site (`/…`, not `//…`); no
/// spaces or controls, at most [`MAX_URL_BYTES`].
pub fn is_safe_url(url: &str) -> bool {
    let clean =
        url.len() <= MAX_URL_BYTES && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    let lower = url.to_ascii_lowercase();
    let absolute = ["http://", "https://"].iter().any(|scheme| {
        lower
            .strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
    });
    let local = url.starts_with('/') && !url.starts_with("//");
    clean && (absolute || local)
}

fn lang_code(lang: LangKey) -> String {
    Lang::from(lang).code().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::LangKey;

    #[test]
    fn each_violation_names_its_field() {
        let item = Institution {
            slug: "Bad Slug".into(),
            country: crate::domain::vocabulary::Country::Jp,
            kind: crate::domain::vocabulary::InstitutionKind::Hospital,
            name: [(LangKey::Ja, " ".to_owned())].into(),
            region: [(LangKey::Zh, "千叶县".to_owned())].into(),
            city: Localized::new(),
            reading: Localized::new(),
            aliases: vec!["亀田".into(), "亀田".into()],
        };
        let found: Vec<(String, Rule)> = institution(&item)
            .into_iter()
            .map(|v| (field_path(&v.field), v.rule))
            .collect();
        assert_eq!(
            found,
            [
                (".slug".to_owned(), Rule::BadSlug),
                (".name.ja".to_owned(), Rule::Blank),
                (".region.zh".to_owned(), Rule::NoNameInLanguage),
                (".aliases[1]".to_owned(), Rule::ListedTwice),
            ]
        );
    }
}
