//! Hints on errors a client can fix: an enum value the schema does not
//! hold is answered with the values it does (`lang: JP` -> "expected one of
//! ZH, JA, EN; Japanese is JA").

use async_graphql::ServerError;
use std::collections::HashMap;

/// Every enum of a schema with its values, read from its SDL.
#[derive(Debug, Default)]
pub struct EnumValues(HashMap<String, Vec<String>>);

impl EnumValues {
    /// The enums of the schema `sdl` describes.
    pub fn of_sdl(sdl: &str) -> Self {
        let mut enums = HashMap::new();
        let mut current: Option<(String, Vec<String>)> = None;
        let mut in_description = false;
        for line in sdl.lines().map(str::trim) {
            if line.starts_with("\"\"\"") {
                let closes_here = line.len() > 3 && line.ends_with("\"\"\"");
                in_description = !in_description && !closes_here;
                continue;
            }
            if in_description || line.is_empty() || line.starts_with('"') {
                continue;
            }
            if let Some(name) = line
                .strip_prefix("enum ")
                .and_then(|r| r.strip_suffix(" {"))
            {
                current = Some((name.trim().to_owned(), Vec::new()));
            } else if line == "}" {
                if let Some((name, values)) = current.take() {
                    enums.insert(name, values);
                }
            } else if let Some((_, values)) = current.as_mut() {
                let value = line.split_whitespace().next().unwrap_or(line);
                values.push(value.to_owned());
            }
        }
        EnumValues(enums)
    }

    /// Adds the expected values to each error naming a value an enum does
    /// not hold.
    pub fn explain(&self, errors: &mut [ServerError]) {
        for error in errors {
            if let Some(hint) = self.hint(&error.message) {
                error.message.push_str(&hint);
            }
        }
    }

    fn hint(&self, message: &str) -> Option<String> {
        let (name, value) = unknown_enum_value(message)?;
        let values = self.0.get(name)?;
        let close = values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(value))
            .or_else(|| {
                let lang = crate::i18n::Lang::from_alias(value)?;
                values.iter().find(|v| v.eq_ignore_ascii_case(lang.code()))
            });
        let mut hint = format!(": expected one of {}", values.join(", "));
        if let Some(close) = close {
            hint.push_str(&format!(" (did you mean {close}?)"));
        }
        Some(hint)
    }
}

/// The enum and the value an error says the enum does not hold
/// (async-graphql's `enumeration type "T" does not contain the value "V"`).
pub fn unknown_enum_value(message: &str) -> Option<(&str, &str)> {
    let rest = message.split("enumeration type \"").nth(1)?;
    let (name, rest) = rest.split_once('"')?;
    let value = rest.split("the value \"").nth(1)?.split('"').next()?;
    Some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_values_are_answered_with_the_values() {
        let sdl = "\"\"\"\nA language.\n\"\"\"\nenum Language {\n\t\"\"\"\n\tChinese.\n\t\"\"\"\n\tZH\n\tJA\n\tEN\n}\n";
        let values = EnumValues::of_sdl(sdl);
        let message = |value: &str| {
            let mut errors = vec![ServerError::new(
                format!(
                    "Invalid value for argument \"lang\", enumeration type \"Language\" does not contain the value \"{value}\""
                ),
                None,
            )];
            values.explain(&mut errors);
            errors.remove(0).message
        };
        assert!(
            message("JP").ends_with(": expected one of ZH, JA, EN (did you mean JA?)"),
            "{}",
            message("JP")
        );
        assert!(message("zh").ends_with("(did you mean ZH?)"));
        assert!(message("FR").ends_with(": expected one of ZH, JA, EN"));
    }
}
