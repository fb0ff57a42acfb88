//! Who is asking: readers need no token; writers send one.

use crate::graphql::enums::Role;
use crate::store::tokens::Caller;
use async_graphql::{Context, Object, SimpleObject};

/// Who is asking.
#[derive(Default)]
pub struct AccessQuery;

#[Object]
impl AccessQuery {
    /// The writer whose token the request carries (`Authorization: Bearer
    /// <token>`, minted by `medexchange token create`); `null` for readers,
    /// who need no token. A bad or revoked token is refused with HTTP 401.
    async fn viewer(&self, ctx: &Context<'_>) -> Option<Viewer> {
        ctx.data_opt::<Caller>().map(|caller| Viewer {
            name: caller.name.clone(),
            role: caller.role.into(),
        })
    }
}

/// A writer, as their token names them.
#[derive(SimpleObject)]
pub struct Viewer {
    /// The token's name: what history records as the author of a change.
    pub name: String,
    /// What the token may do.
    pub role: Role,
}
