//! Which language each localized field is served in.
//!
//! Resolution, for every field that takes `lang`:
//! 1. the field's own `lang` argument;
//! 2. else the `lang` argument of the nearest root field above it (objects
//!    carry it down as their `scope`);
//! 3. else the request's `Accept-Language` header (q-values honoured);
//! 4. else the server's default language (`--default-language`).
//!
//! A missing text falls back along [`Lang::fallback_chain`]. Every language
//! actually served is recorded, and the HTTP layer reports them in the
//! response's `extensions.servedLanguages` and `Content-Language` header.

use crate::i18n::{self, Lang, Translation};
use async_graphql::{Context, Enum};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// A language the archive holds texts in.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// Chinese (Simplified).
    Zh,
    /// Japanese.
    Ja,
    /// English.
    En,
}

impl From<Language> for Lang {
    fn from(language: Language) -> Self {
        match language {
            Language::Zh => Lang::Zh,
            Language::Ja => Lang::Ja,
            Language::En => Lang::En,
        }
    }
}

impl From<Lang> for Language {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Zh => Language::Zh,
            Lang::Ja => Language::Ja,
            Lang::En => Language::En,
        }
    }
}

/// The language a root field's `lang` argument sets for everything below it.
pub type Scope = Option<Lang>;

/// The request-level language: from `Accept-Language`, else the default.
/// Schema data holds the server default; the HTTP handler puts the
/// negotiated one in request data, which takes precedence.
#[derive(Clone, Copy, Debug)]
pub struct RequestLanguage(pub Lang);

/// The languages the texts of one response were actually served in.
#[derive(Clone, Debug, Default)]
pub struct ServedLanguages(Arc<Mutex<BTreeSet<Lang>>>);

impl ServedLanguages {
    fn record(&self, lang: Lang) {
        if let Ok(mut served) = self.0.lock() {
            served.insert(lang);
        }
    }

    /// Every language served so far, in `zh`, `ja`, `en` order.
    pub fn languages(&self) -> Vec<Lang> {
        self.0
            .lock()
            .map(|served| served.iter().copied().collect())
            .unwrap_or_default()
    }
}

/// The language a localized field resolves to (steps 1 to 4 above).
pub fn resolve(ctx: &Context<'_>, asked: Option<Language>, scope: Scope) -> Lang {
    asked
        .map(Lang::from)
        .or(scope)
        .or_else(|| ctx.data_opt::<RequestLanguage>().map(|r| r.0))
        .unwrap_or(Lang::Zh)
}

/// The root scope a root field hands down: its own `lang` argument.
pub fn scope(asked: Option<Language>) -> Scope {
    asked.map(Lang::from)
}

/// A localized text from translation rows, with fallback; records the
/// language served. `None` when no language has the text.
pub fn text<'a, T: Translation>(
    ctx: &Context<'_>,
    asked: Option<Language>,
    scope: Scope,
    rows: &'a [T],
    field: impl Fn(&'a T) -> Option<&'a str>,
) -> Option<String> {
    text_in(ctx, resolve(ctx, asked, scope), rows, field)
}

/// A localized text from translation rows in `lang` (resolved), with
/// fallback; records the language served.
pub fn text_in<'a, T: Translation>(
    ctx: &Context<'_>,
    lang: Lang,
    rows: &'a [T],
    field: impl Fn(&'a T) -> Option<&'a str>,
) -> Option<String> {
    let (text, served) = i18n::pick(rows, lang, field)?;
    if let Some(recorder) = ctx.data_opt::<ServedLanguages>() {
        recorder.record(served);
    }
    Some(text.to_owned())
}

/// The language a text chosen by the caller (not read from translation
/// rows: a label, a message) is given in; records it as served.
pub fn served(ctx: &Context<'_>, asked: Option<Language>, scope: Scope) -> Lang {
    let lang = resolve(ctx, asked, scope);
    if let Some(recorder) = ctx.data_opt::<ServedLanguages>() {
        recorder.record(lang);
    }
    lang
}
