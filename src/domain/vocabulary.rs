//! Domain values shared by the store, the dataset and the API: the closed
//! vocabularies stored as text columns, and report dates.
//!
//! Each enum is stored and written in the dataset as its `SCREAMING_SNAKE`
//! name (`CN`, `ONLINE`, `JP_TO_CN`...), the same spelling GraphQL uses.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Declares a closed vocabulary stored as text, with `as_str` and `parse`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// Reads the stored spelling back; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// The country an institution is in.
    Country {
        /// China.
        Cn = "CN",
        /// Japan.
        Jp = "JP",
    }
}

vocabulary! {
    /// What kind of body an institution is.
    InstitutionKind {
        /// A hospital (including university hospitals).
        Hospital = "HOSPITAL",
        /// A university or medical school.
        University = "UNIVERSITY",
        /// A medical society or association.
        Society = "SOCIETY",
        /// A government body or embassy.
        Government = "GOVERNMENT",
        /// Any other organisation.
        Other = "OTHER",
    }
}

vocabulary! {
    /// How an exchange took place.
    ExchangeFormat {
        /// Over video link.
        Online = "ONLINE",
        /// With visitors on site.
        InPerson = "IN_PERSON",
        /// On site with remote participants.
        Hybrid = "HYBRID",
    }
}

vocabulary! {
    /// What a talk was.
    TalkKind {
        /// A lecture or presentation.
        Lecture = "LECTURE",
        /// A keynote at a conference.
        Keynote = "KEYNOTE",
        /// An opening greeting or address.
        Greeting = "GREETING",
    }
}

vocabulary! {
    /// Which way an aid shipment went.
    AidDirection {
        /// From Japan to China.
        JpToCn = "JP_TO_CN",
        /// From China to Japan.
        CnToJp = "CN_TO_JP",
    }
}

vocabulary! {
    /// What exchanges can be counted by. Participant dimensions
    /// (INSTITUTION, COUNTRY, REGION, CITY) given together describe the
    /// same participant.
    Dimension {
        /// Calendar year of the exchange's first day; value `2020`.
        Year = "YEAR",
        /// Japanese fiscal year (April to March); value `2020` for FY2020.
        FiscalYear = "FISCAL_YEAR",
        /// Month of the exchange's first day; value `2020-06`.
        Month = "MONTH",
        /// Each specialty the exchange covered; value the specialty's slug.
        Specialty = "SPECIALTY",
        /// Each institution taking part; value its slug.
        Institution = "INSTITUTION",
        /// The country of each institution taking part; value `CN` or `JP`.
        Country = "COUNTRY",
        /// The province or prefecture of each institution taking part; value
        /// its name in the institution's own language (`广西壮族自治区`, `千葉県`).
        Region = "REGION",
        /// The city of each institution taking part; value its name in the
        /// institution's own language.
        City = "CITY",
        /// How the exchange took place; value `ONLINE`, `IN_PERSON` or `HYBRID`.
        Format = "FORMAT",
        /// Each speaker who gave a talk; value the speaker's slug.
        Speaker = "SPEAKER",
    }
}

impl Dimension {
    /// Whether the key describes the participating institution.
    pub fn is_participant(self) -> bool {
        matches!(
            self,
            Dimension::Institution | Dimension::Country | Dimension::Region | Dimension::City
        )
    }

    /// Whether the key is a point in time (`YYYY` or `YYYY-MM`).
    pub fn is_time(self) -> bool {
        matches!(
            self,
            Dimension::Year | Dimension::FiscalYear | Dimension::Month
        )
    }
}

vocabulary! {
    /// What a writer's token may do.
    Role {
        /// Creates, changes, deletes and restores records.
        Editor = "EDITOR",
        /// What editors may, and what they may not.
        Admin = "ADMIN",
    }
}

/// The lowercase hex SHA-256 of `text`.
pub fn sha256_hex(text: &[u8]) -> String {
    Sha256::digest(text)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Now, in RFC 3339 at second precision, UTC (`2026-11-25T21:16:25Z`).
pub fn now_rfc3339() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    rfc3339(seconds)
}

/// `seconds` since the Unix epoch in RFC 3339, UTC (days to civil dates
/// after Howard Hinnant's `civil_from_days`).
pub fn rfc3339(seconds: i64) -> String {
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

#[cfg(test)]
mod clock_tests {
    #[test]
    fn seconds_become_utc_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339(1_795_641_385), "2026-11-25T21:16:25Z");
    }
}

/// A date with the precision the source gives: a month (`2020-06`) or a day
/// (`2020-06-15`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportDate {
    /// Calendar year.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, when the source gives it.
    pub day: Option<u32>,
}

/// Why a date string is not a [`ReportDate`].
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a date: expected YYYY-MM or YYYY-MM-DD")]
pub struct BadDate(pub String);

/// The years a date, or a filter's `year` or `fiscalYear`, may name: 1900
/// to 9998, so every fiscal year's last month (March of the next year)
/// still has four digits.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9998;

impl ReportDate {
    /// Parses `YYYY-MM` or `YYYY-MM-DD`, checking the calendar and
    /// [`YEARS`].
    pub fn parse(text: &str) -> Result<Self, BadDate> {
        let bad = || BadDate(text.to_owned());
        let parts: Vec<&str> = text.split('-').collect();
        let number = |part: &str, len: usize| {
            if part.len() == len && part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse::<u32>().ok()
            } else {
                None
            }
        };
        let (year, month, day) = match parts.as_slice() {
            [y, m] => (
                number(y, 4).ok_or_else(bad)?,
                number(m, 2).ok_or_else(bad)?,
                None,
            ),
            [y, m, d] => (
                number(y, 4).ok_or_else(bad)?,
                number(m, 2).ok_or_else(bad)?,
                Some(number(d, 2).ok_or_else(bad)?),
            ),
            _ => return Err(bad()),
        };
        if !(1..=12).contains(&month) || !YEARS.contains(&(year as i32)) {
            return Err(bad());
        }
        if let Some(day) = day
            && !(1..=days_in_month(year as i32, month)).contains(&day)
        {
            return Err(bad());
        }
        Ok(ReportDate {
            year: year as i32,
            month,
            day,
        })
    }

    /// The Japanese fiscal year (April to March) the date falls in.
    pub fn fiscal_year(self) -> i32 {
        if self.month >= 4 {
            self.year
        } else {
            self.year - 1
        }
    }

    /// The first day the date covers, as `YYYY-MM-DD`.
    pub fn first_day(self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.year,
            self.month,
            self.day.unwrap_or(1)
        )
    }

    /// The last day the date covers, as `YYYY-MM-DD`.
    pub fn last_day(self) -> String {
        let day = self
            .day
            .unwrap_or_else(|| days_in_month(self.year, self.month));
        format!("{:04}-{:02}-{:02}", self.year, self.month, day)
    }
}

impl fmt::Display for ReportDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.day {
            Some(day) => write!(f, "{:04}-{:02}-{:02}", self.year, self.month, day),
            None => write!(f, "{:04}-{:02}", self.year, self.month),
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_and_day_precision_parse_and_cover_their_span() {
        let month = ReportDate::parse("2020-02").unwrap();
        assert_eq!(
            (month.first_day(), month.last_day()),
            ("2020-02-01".into(), "2020-02-29".into())
        );
        assert_eq!(month.fiscal_year(), 2019);
        let day = ReportDate::parse("2020-06-15").unwrap();
        assert_eq!(
            (day.first_day(), day.last_day()),
            ("2020-06-15".into(), "2020-06-15".into())
        );
        assert_eq!(day.fiscal_year(), 2020);
        assert_eq!(day.to_string(), "2020-06-15");
    }

    #[test]
    fn malformed_dates_are_refused() {
        for text in [
            "2020",
            "2020-13",
            "2020-6",
            "2021-02-29",
            "20x0-01",
            "2020-01-01-01",
            "",
        ] {
            assert!(ReportDate::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn vocabularies_round_trip() {
        for kind in TalkKind::ALL {
            assert_eq!(TalkKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(Country::parse("cn"), None);
    }
}
