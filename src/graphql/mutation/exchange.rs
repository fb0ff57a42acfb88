//! Changing exchanges: their texts, participants, specialties and talks.

use super::user_error::{LocalizedTextInput, set_texts};
use super::{RecordInput, References, record_mutations};
use crate::domain::record::{Exchange as Record, Talk};
use crate::domain::rules::Violations;
use crate::graphql::enums::{ExchangeFormat, TalkKind};
use crate::graphql::error::ApiError;
use crate::graphql::types::Exchange;
use crate::store::history::RecordType;
use crate::store::records;
use async_graphql::{Context, ID, InputObject};

/// An exchange's fields to set; those left out stay as they are.
#[derive(InputObject, Clone, Debug)]
pub struct ExchangeInput {
    /// Stable key in links and exports. Required to create; only an admin
    /// may change it.
    pub slug: Option<String>,
    /// `YYYY-MM` or `YYYY-MM-DD`. Required to create.
    pub date: Option<String>,
    /// How it took place (`ONLINE` when a new one does not say).
    pub format: Option<ExchangeFormat>,
    /// Its title per language (a new one needs at least one).
    pub title: Option<Vec<LocalizedTextInput>>,
    /// Its summary per language.
    pub summary: Option<Vec<LocalizedTextInput>>,
    /// The slugs of the specialties it covered (replaces the list).
    pub specialties: Option<Vec<String>>,
    /// The institutions taking part, in the order the source names them
    /// (replaces the list; a new one needs at least one).
    pub participants: Option<Vec<ID>>,
    /// Its talks in programme order (replaces the list).
    pub talks: Option<Vec<TalkInput>>,
}

/// A talk at an exchange.
#[derive(InputObject, Clone, Debug)]
pub struct TalkInput {
    /// The speaker who gave it.
    pub speaker: ID,
    /// What it was.
    pub kind: TalkKind,
    /// Its title per language, when known.
    pub title: Option<Vec<LocalizedTextInput>>,
}

/// What an exchange input names, as slugs.
pub struct Named {
    participants: Option<Vec<String>>,
    speakers: Vec<String>,
}

impl RecordInput for ExchangeInput {
    type Record = Record;
    type Found = Named;

    async fn look_up(
        &self,
        ctx: &Context<'_>,
        creating: bool,
    ) -> Result<Result<Named, Violations>, ApiError> {
        let mut references = References::default();
        if creating && self.date.is_none() {
            references.required("date");
        }
        let participants = match &self.participants {
            Some(ids) => {
                let kind = RecordType::Institution;
                Some(references.list(ctx, kind, "participants", ids).await?)
            }
            None => None,
        };
        let mut speakers = Vec::new();
        for (index, talk) in self.talks.iter().flatten().enumerate() {
            let field = ["talks", &index.to_string(), "speaker"];
            let kind = RecordType::Speaker;
            let slug = references.one(ctx, kind, &field, &talk.speaker).await?;
            speakers.push(slug.unwrap_or_default());
        }
        let specialties = self.specialties.as_deref().unwrap_or_default();
        let known =
            records::live_ids(super::database(ctx), RecordType::Specialty, specialties).await?;
        for (index, slug) in specialties.iter().enumerate() {
            if !known.contains_key(slug) {
                references.missing(&["specialties", &index.to_string()]);
            }
        }
        Ok(references.found(Named {
            participants,
            speakers,
        }))
    }

    fn blank() -> Record {
        Record {
            slug: String::new(),
            date: String::new(),
            format: crate::domain::vocabulary::ExchangeFormat::Online,
            title: Default::default(),
            summary: Default::default(),
            specialties: Vec::new(),
            participants: Vec::new(),
            talks: Vec::new(),
            photos: Vec::new(),
        }
    }

    fn apply(&self, named: &Named, record: &mut Record) {
        if let Some(slug) = &self.slug {
            record.slug = slug.clone();
        }
        if let Some(date) = &self.date {
            record.date = date.clone();
        }
        if let Some(format) = self.format {
            record.format = format.into();
        }
        set_texts(&mut record.title, &self.title);
        set_texts(&mut record.summary, &self.summary);
        if let Some(specialties) = &self.specialties {
            record.specialties = specialties.clone();
        }
        if let Some(participants) = &named.participants {
            record.participants = participants.clone();
        }
        if let Some(talks) = &self.talks {
            record.talks = talks
                .iter()
                .zip(&named.speakers)
                .map(|(talk, speaker)| {
                    let mut title = Default::default();
                    set_texts(&mut title, &talk.title);
                    Talk {
                        speaker: speaker.clone(),
                        kind: talk.kind.into(),
                        title,
                    }
                })
                .collect();
        }
    }
}

record_mutations!(
    ExchangeMutation, ExchangePayload, exchange: Exchange,
    ExchangeInput => Record,
    create_exchange, update_exchange, delete_exchange, restore_exchange,
    "an exchange"
);
