//! What a mutation answers when its input breaks a rule: a `UserError` per
//! problem, naming the field in the mutation's arguments, with a code and a
//! message in the request's language. Nothing is written then.

use crate::domain::record::{LangKey, Localized};
use crate::domain::rules::{Rule, Violation};
use crate::graphql::lang::{self, Language};
use async_graphql::{Context, Enum, InputObject, Name, Object, Value};

/// What kind of problem an input has.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserErrorCode {
    /// A value is malformed: a bad date or slug, an empty text.
    Invalid,
    /// A value a record must have is missing.
    Required,
    /// The record, or a record the input names, does not exist (or was
    /// deleted).
    NotFound,
    /// The record changed since `expectedVersion`: read it again.
    Conflict,
    /// A value that must be unique is not (a slug, a list entry).
    Duplicate,
    /// Other records still refer to the record being deleted.
    InUse,
}

impl From<&Rule> for UserErrorCode {
    fn from(rule: &Rule) -> Self {
        match rule {
            Rule::Required => UserErrorCode::Required,
            Rule::SlugTaken | Rule::ListedTwice => UserErrorCode::Duplicate,
            Rule::NotFound => UserErrorCode::NotFound,
            Rule::StaleVersion => UserErrorCode::Conflict,
            Rule::InUse => UserErrorCode::InUse,
            Rule::Blank
            | Rule::TooLong
            | Rule::ControlCharacter
            | Rule::TooMany
            | Rule::BadUrl
            | Rule::BadSlug
            | Rule::BadDate
            | Rule::Negative
            | Rule::NoNameInLanguage
            | Rule::FiscalYearDisagrees
            | Rule::Fixed
            | Rule::ReadingOfOldName
            | Rule::Image(_) => UserErrorCode::Invalid,
        }
    }
}

/// A problem with a mutation's input; nothing was written.
#[derive(Clone, Debug)]
pub struct UserError {
    field: Vec<String>,
    rule: Rule,
}

/// A problem with a mutation's input; nothing was written.
#[Object]
impl UserError {
    /// The path to the value in the mutation's arguments, e.g. `["input",
    /// "name", "0", "text"]` (the first entry of `name`), or `["id"]`.
    async fn field(&self) -> &[String] {
        &self.field
    }

    /// What kind of problem it is.
    async fn code(&self) -> UserErrorCode {
        UserErrorCode::from(&self.rule)
    }

    /// What is wrong, in `lang`, else the request's language.
    async fn message(&self, ctx: &Context<'_>, lang: Option<Language>) -> String {
        self.rule
            .message(lang::served(ctx, lang, None))
            .into_owned()
    }
}

/// One language's text of a field. `text: null` removes that language.
#[derive(InputObject, Clone, Debug)]
pub struct LocalizedTextInput {
    /// The language.
    pub lang: Language,
    /// The text; `null` removes the language's text.
    pub text: Option<String>,
}

/// Sets (or, with `text: null`, removes) each language's text given.
pub(crate) fn set_texts(texts: &mut Localized, changes: &Option<Vec<LocalizedTextInput>>) {
    for change in changes.iter().flatten() {
        let key = LangKey::from(crate::i18n::Lang::from(change.lang));
        match &change.text {
            Some(text) => texts.insert(key, text.clone()),
            None => texts.remove(&key),
        };
    }
}

/// Every entry of a list of `LocalizedTextInput` (anywhere in `input`)
/// whose language an earlier entry of the list already set: one text per
/// language, so none is silently dropped.
pub(crate) fn languages_listed_twice(input: &Value) -> Vec<UserError> {
    let mut found = Vec::new();
    walk_languages(input, &mut vec!["input".to_owned()], &mut found);
    found
}

fn walk_languages(value: &Value, path: &mut Vec<String>, found: &mut Vec<UserError>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                path.push(name.to_string());
                walk_languages(field, path, found);
                path.pop();
            }
        }
        Value::List(items) => {
            let mut seen = std::collections::HashSet::new();
            for (j, item) in items.iter().enumerate() {
                path.push(j.to_string());
                if let Value::Object(fields) = item
                    && let (Some(Value::Enum(lang)), true) =
                        (fields.get("lang"), fields.contains_key("text"))
                    && !seen.insert(lang.as_str().to_owned())
                {
                    let field = [&path[..], &["lang".to_owned()]].concat();
                    let rule = Rule::ListedTwice;
                    found.push(UserError { field, rule });
                }
                walk_languages(item, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The problems of an input as user errors: each record field's path
/// (`name.ja`) turned into the path of the value in the arguments that set
/// it (`input.name.0.text`), as far as the input holds it.
pub(crate) fn user_errors(violations: Vec<Violation>, input: &Value) -> Vec<UserError> {
    violations
        .into_iter()
        .map(|violation| UserError {
            field: argument_path(&violation.field, input),
            rule: violation.rule,
        })
        .collect()
}

/// The path in the arguments of a record field's path.
fn argument_path(field: &[String], input: &Value) -> Vec<String> {
    if matches!(
        field.first().map(String::as_str),
        Some("id" | "expectedVersion" | "file")
    ) {
        return field.to_vec();
    }
    let mut path = vec!["input".to_owned()];
    let mut at = Some(input);
    for part in field {
        at = match at {
            Some(Value::Object(fields)) => {
                path.push(part.clone());
                fields.get(&Name::new(part))
            }
            Some(Value::List(items)) => match language_entry(items, part) {
                Some(index) => {
                    path.extend([index.to_string(), "text".to_owned()]);
                    return path;
                }
                None => {
                    path.push(part.clone());
                    part.parse::<usize>().ok().and_then(|i| items.get(i))
                }
            },
            _ => return path,
        };
    }
    path
}

/// The index of the entry of a list of `LocalizedTextInput` that sets the
/// language `code` (`ja`), if the list is one and has it.
fn language_entry(items: &[Value], code: &str) -> Option<usize> {
    let wanted = code.to_uppercase();
    items.iter().position(|item| match item {
        Value::Object(fields) => matches!(
            fields.get("lang"),
            Some(Value::Enum(lang)) if lang.as_str() == wanted
        ),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_in_a_language_points_at_the_entry_that_set_it() {
        let entry = |lang, text: &str| {
            let text = Some(text.to_owned());
            async_graphql::InputType::to_value(&LocalizedTextInput { lang, text })
        };
        let names = Value::List(vec![entry(Language::Zh, "x"), entry(Language::Ja, " ")]);
        let participants = Value::List(["a", "b", "a"].map(Value::from).to_vec());
        let input = Value::Object(
            [
                (Name::new("name"), names),
                (Name::new("participants"), participants),
            ]
            .into_iter()
            .collect(),
        );
        let path = |field: &[&str]| {
            let field: Vec<String> = field.iter().map(|s| s.to_string()).collect();
            argument_path(&field, &input).join(".")
        };
        assert_eq!(path(&["name", "ja"]), "input.name.1.text");
        assert_eq!(path(&["participants", "2"]), "input.participants.2");
        assert_eq!(path(&["slug"]), "input.slug");
        assert_eq!(path(&["expectedVersion"]), "expectedVersion");
    }
}
