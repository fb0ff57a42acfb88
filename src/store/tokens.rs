//! Writers' API tokens: minted, listed, revoked, and checked.
//!
//! A token is `mx_` and 32 random bytes from the operating system (URL-safe
//! base64). Only its SHA-256 is stored: a fast hash suffices for a secret
//! of 256 random bits (nothing to guess), and it lets a request's token be
//! found by one indexed lookup. Every check reads the database, so a token
//! revoked through any process stops working at once everywhere.

use crate::domain::vocabulary::{Role, now_rfc3339, sha256_hex};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::api_token;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

/// Who a valid token says is calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The token's name.
    pub name: String,
    /// What it may do.
    pub role: Role,
}

/// Why a token command failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The name is empty, too long, or holds other characters.
    #[error("a token name is 1 to 100 letters, digits, '.', '_', '-' or '@' (got {0:?})")]
    BadName(String),
    /// A token (even a revoked one) already has the name.
    #[error(
        "a token named {0:?} exists (names stay unique even once revoked, so history stays clear)"
    )]
    NameTaken(String),
    /// No token has the name.
    #[error("no token is named {0:?}")]
    NotFound(String),
    /// The token was revoked before.
    #[error("the token {0:?} was already revoked on {1}")]
    AlreadyRevoked(String, String),
    /// The operating system gave no random bytes.
    #[error("no randomness from the operating system: {0}")]
    Random(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Mints a token for `name` with `role`; returns the token, which is
/// stored only as its hash and cannot be shown again.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    name: &str,
    role: Role,
) -> Result<String, TokenError> {
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if name.is_empty() || name.len() > 100 || !name.chars().all(valid) {
        return Err(TokenError::BadName(name.to_owned()));
    }
    let taken = api_token::Entity::find()
        .filter(api_token::Column::Name.eq(name))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(TokenError::NameTaken(name.to_owned()));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| TokenError::Random(e.to_string()))?;
    let token = format!("mx_{}", URL_SAFE_NO_PAD.encode(secret));
    let row = api_token::ActiveModel {
        name: Set(name.to_owned()),
        role: Set(role.as_str().to_owned()),
        token_hash: Set(sha256_hex(token.as_bytes())),
        created_at: Set(now_rfc3339()),
        revoked_at: Set(None),
        ..Default::default()
    };
    row.insert(db).await?;
    Ok(token)
}

/// Every token, oldest first.
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<api_token::Model>, DbErr> {
    api_token::Entity::find()
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await
}

/// Revokes the token named `name`: it stops working at once.
pub async fn revoke<C: ConnectionTrait>(db: &C, name: &str) -> Result<(), TokenError> {
    let Some(row) = api_token::Entity::find()
        .filter(api_token::Column::Name.eq(name))
        .one(db)
        .await?
    else {
        return Err(TokenError::NotFound(name.to_owned()));
    };
    if let Some(when) = row.revoked_at {
        return Err(TokenError::AlreadyRevoked(name.to_owned(), when));
    }
    let mut row: api_token::ActiveModel = row.into();
    row.revoked_at = Set(Some(now_rfc3339()));
    row.update(db).await?;
    Ok(())
}

/// The caller a token names, when it is known and not revoked.
pub async fn caller<C: ConnectionTrait>(db: &C, token: &str) -> Result<Option<Caller>, DbErr> {
    let row = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(sha256_hex(token.as_bytes())))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(row.and_then(|row| {
        Some(Caller {
            role: Role::parse(&row.role)?,
            name: row.name,
        })
    }))
}
