//! GraphQL enums over the domain vocabularies of [`crate::domain::vocabulary`].

use crate::domain::vocabulary;
use crate::graphql::error::ApiError;
use async_graphql::Enum;

/// Maps a GraphQL enum onto a domain vocabulary, both ways, and reads a
/// stored value into it.
macro_rules! graphql_enum {
    ($(#[$meta:meta])* $name:ident => $domain:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl From<$name> for vocabulary::$domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => vocabulary::$domain::$variant,)+
                }
            }
        }

        impl From<vocabulary::$domain> for $name {
            fn from(value: vocabulary::$domain) -> Self {
                match value {
                    $(vocabulary::$domain::$variant => $name::$variant,)+
                }
            }
        }

        impl $name {
            /// Reads a stored value; a value the importer would refuse is an internal error.
            pub fn from_stored(text: &str) -> Result<Self, ApiError> {
                vocabulary::$domain::parse(text)
                    .map(Self::from)
                    .ok_or_else(|| ApiError::invariant(format!("stored {} {text:?} is unknown", stringify!($name))))
            }
        }
    };
}

graphql_enum! {
    /// The country an institution is in.
    Country => Country {
        /// China.
        Cn,
        /// Japan.
        Jp,
    }
}

graphql_enum! {
    /// What kind of body an institution is.
    InstitutionKind => InstitutionKind {
        /// A hospital (including university hospitals).
        Hospital,
        /// A university or medical school.
        University,
        /// A medical society or association.
        Society,
        /// A government body or embassy.
        Government,
        /// Any other organisation.
        Other,
    }
}

graphql_enum! {
    /// How an exchange took place.
    ExchangeFormat => ExchangeFormat {
        /// Over video link.
        Online,
        /// With visitors on site.
        InPerson,
        /// On site with remote participants.
        Hybrid,
    }
}

graphql_enum! {
    /// What a talk was.
    TalkKind => TalkKind {
        /// A lecture or presentation.
        Lecture,
        /// A keynote at a conference.
        Keynote,
        /// An opening greeting or address.
        Greeting,
    }
}

graphql_enum! {
    /// Which way an aid shipment went.
    AidDirection => AidDirection {
        /// From Japan to China.
        JpToCn,
        /// From China to Japan.
        CnToJp,
    }
}

/// The order of a date-ordered list.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortDirection {
    /// Oldest first (the default).
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// The order of a list of institutions or speakers by name, in the reader's
/// order: pinyin for Chinese, the kana reading (gojūon) for Japanese, the
/// alphabet for English. The reader is the list's `lang`, else the
/// request's language; each name is ordered as the text that reader is
/// served (a fallback included). Ties go by id.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameOrder {
    /// A to Z (あ to ん, a to z in pinyin).
    Name,
    /// Z to A.
    NameDesc,
}

graphql_enum! {
    /// What a writer's token may do.
    Role => Role {
        /// Creates, changes, deletes and restores records.
        Editor,
        /// What editors may, and what they may not.
        Admin,
    }
}

graphql_enum! {
    /// What exchanges can be counted by (`exchangeStats`). Participant
    /// dimensions (INSTITUTION, COUNTRY, REGION, CITY) given together
    /// describe the same participant.
    ExchangeDimension => Dimension {
        /// Calendar year of the exchange's first day; value `2020`.
        Year,
        /// Japanese fiscal year (April to March); value `2020` for FY2020.
        FiscalYear,
        /// Month of the exchange's first day; value `2020-06`.
        Month,
        /// Each specialty the exchange covered; value the specialty's slug.
        Specialty,
        /// Each institution taking part; value its slug.
        Institution,
        /// The country of each institution taking part; value `CN` or `JP`.
        Country,
        /// The province or prefecture of each institution taking part;
        /// value its name in the institution's own language
        /// (`广西壮族自治区`, `千葉県`).
        Region,
        /// The city of each institution taking part; value its name in the
        /// institution's own language.
        City,
        /// How the exchange took place; value `ONLINE`, `IN_PERSON` or `HYBRID`.
        Format,
        /// Each speaker who gave a talk; value the speaker's slug.
        Speaker,
    }
}
