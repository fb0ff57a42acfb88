//! Who a request's credentials name, for every transport: the value of an
//! `Authorization` header (HTTP, the WebSocket upgrade) or of
//! `connection_init`'s `Authorization` (graphql-ws clients).
//!
//! A valid token is checked against the database at every request, so a
//! revocation through any process takes effect at once everywhere. Bad
//! tokens must not each cost a lookup: a token not of the minted form
//! (`mx_` and 43 URL-safe base64 characters) is refused without one; a
//! token looked up and not found is remembered as bad for
//! [`BAD_TOKEN_MEMORY`] (at most [`MAX_BAD_TOKENS`] of them); and at most
//! [`MAX_LOOKUPS`] lookups run at once, so a flood of distinct bad tokens
//! takes that many pool connections, never the readers' whole pool. Every
//! refusal of credentials is answered after [`REFUSAL_DELAY`]: waiting costs
//! the server no CPU, and a client flooding bad tokens gets at most a few
//! answers a second per connection instead of as many as the CPU allows.

use super::refusal::Refusal;
use crate::domain::vocabulary::sha256_hex;
use crate::store::DatabaseConnection;
use crate::store::tokens::{self, Caller};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How long a token found unknown is refused without a lookup. Tokens are
/// 256 random bits: nobody sends one before it is minted.
pub const BAD_TOKEN_MEMORY: Duration = Duration::from_secs(60);
/// The most bad tokens remembered; past it the oldest half is forgotten.
pub const MAX_BAD_TOKENS: usize = 10_000;
/// The most token lookups running at once in one process.
pub const MAX_LOOKUPS: usize = 2;
/// How long a refusal of credentials waits before it is answered.
pub const REFUSAL_DELAY: Duration = Duration::from_millis(200);
/// How long a lookup may wait for its turn before the request is refused
/// (`SERVICE_UNAVAILABLE`, retry shortly).
const LOOKUP_WAIT: Duration = Duration::from_secs(2);

/// Checks credentials; remembers bad tokens for a while.
pub struct TokenCheck {
    db: DatabaseConnection,
    /// Hashes of tokens found unknown, with when they were.
    bad: Mutex<HashMap<String, Instant>>,
    lookups: Semaphore,
}

/// The refusal of a header holding no bearer token.
const NOT_BEARER: Refusal = Refusal::Unauthenticated {
    message: [
        "请以 `Authorization: Bearer <令牌>` 的形式发送令牌。",
        "トークンは `Authorization: Bearer <トークン>` の形で送ってください。",
        "send a token as `Authorization: Bearer <token>`",
    ],
    invalid_token: false,
};
/// The refusal of a token that is not a valid one.
const UNKNOWN: Refusal = Refusal::Unauthenticated {
    message: [
        "令牌无效或已被吊销。",
        "トークンが不明か、取り消されています。",
        "the token is unknown or revoked",
    ],
    invalid_token: true,
};

impl TokenCheck {
    /// A check over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        TokenCheck {
            db,
            bad: Mutex::default(),
            lookups: Semaphore::new(MAX_LOOKUPS),
        }
    }

    /// The caller `authorization` (`Bearer <token>`) names; `None` without
    /// credentials. Anything else is refused: a client learns at once that
    /// its token is bad, whatever it asked.
    pub async fn caller(&self, authorization: Option<&str>) -> Result<Option<Caller>, Refusal> {
        let Some(authorization) = authorization else {
            return Ok(None);
        };
        let checked = self.check(authorization).await;
        if let Err(Refusal::Unauthenticated { .. }) = checked {
            tokio::time::sleep(REFUSAL_DELAY).await;
        }
        checked
    }

    async fn check(&self, authorization: &str) -> Result<Option<Caller>, Refusal> {
        let token = bearer_token(authorization).ok_or(NOT_BEARER)?;
        if !is_minted_form(token) {
            return Err(UNKNOWN);
        }
        let hash = sha256_hex(token.as_bytes());
        if self.known_bad(&hash) {
            return Err(UNKNOWN);
        }
        let _turn = tokio::time::timeout(LOOKUP_WAIT, self.lookups.acquire())
            .await
            .map_err(|_| Refusal::Unavailable)?
            .map_err(|_| Refusal::Unavailable)?;
        match tokens::caller(&self.db, token).await {
            Ok(Some(caller)) => Ok(Some(caller)),
            Ok(None) => {
                self.remember_bad(hash);
                Err(UNKNOWN)
            }
            Err(error) => {
                tracing::error!(%error, "could not check a token");
                Err(Refusal::Unavailable)
            }
        }
    }

    fn known_bad(&self, hash: &str) -> bool {
        let bad = self.bad.lock().unwrap_or_else(|e| e.into_inner());
        bad.get(hash)
            .is_some_and(|at| at.elapsed() < BAD_TOKEN_MEMORY)
    }

    fn remember_bad(&self, hash: String) {
        let mut bad = self.bad.lock().unwrap_or_else(|e| e.into_inner());
        if bad.len() >= MAX_BAD_TOKENS {
            bad.retain(|_, at| at.elapsed() < BAD_TOKEN_MEMORY);
        }
        if bad.len() >= MAX_BAD_TOKENS {
            let mut ages: Vec<Instant> = bad.values().copied().collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            bad.retain(|_, at| *at > cut);
        }
        bad.insert(hash, Instant::now());
    }
}

/// The token of `Bearer <token>` (the scheme in any case).
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Whether `token` has the form [`tokens::create`] mints.
fn is_minted_form(token: &str) -> bool {
    token.strip_prefix("mx_").is_some_and(|secret| {
        secret.len() == 43
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokens_of_the_minted_form_are_looked_up() {
        assert!(is_minted_form(&format!("mx_{}", "a".repeat(43))));
        assert!(!is_minted_form(&format!("mx_{}", "a".repeat(42))));
        assert!(!is_minted_form(&format!("mx_{}=", "a".repeat(42))));
        assert!(!is_minted_form(&"a".repeat(46)));
        assert_eq!(bearer_token("bearer  mx_x "), Some("mx_x"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }
}
