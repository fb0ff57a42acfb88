use crate::graphql::error::ApiError;
use crate::graphql::ids::NodeType;
use crate::graphql::lang::Scope;
use crate::graphql::loader;
use crate::graphql::loaders::{
    AidShipmentById, ExchangeById, NewsItemById, PhotoById, one_from_catalog,
};
use crate::graphql::types::{
    AidShipment, Exchange, Institution, NewsItem, Photo, Speaker, Specialty,
};
use async_graphql::{Context, ID, Interface, Union};

/// Anything with a global id, fetchable with `Query.node`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id."))]
pub enum Node {
    /// An institution.
    Institution(Institution),
    /// An exchange.
    Exchange(Exchange),
    /// A speaker.
    Speaker(Speaker),
    /// A specialty.
    Specialty(Specialty),
    /// A photo.
    Photo(Photo),
    /// An aid shipment.
    AidShipment(AidShipment),
    /// A news item.
    NewsItem(NewsItem),
}

impl Node {
    /// Loads the node of `node_type` with row `id`, if it exists and
    /// readers see it (neither it nor, for a photo, its owner is deleted).
    pub async fn load(
        ctx: &Context<'_>,
        node_type: NodeType,
        id: i32,
        scope: Scope,
    ) -> Result<Option<Node>, ApiError> {
        let node = Node::load_even_deleted(ctx, node_type, id, scope).await?;
        match node {
            Some(Node::Photo(photo)) if photo.owner_deleted(ctx).await? => Ok(None),
            node => Ok(node.filter(|node| !node.is_deleted())),
        }
    }

    /// Whether an editor deleted it.
    fn is_deleted(&self) -> bool {
        match self {
            Node::Institution(node) => node.row.deleted_at.is_some(),
            Node::Exchange(node) => node.row.deleted_at.is_some(),
            Node::Speaker(node) => node.row.deleted_at.is_some(),
            Node::Specialty(node) => node.row.deleted_at.is_some(),
            Node::Photo(node) => node.row.deleted_at.is_some(),
            Node::AidShipment(node) => node.row.deleted_at.is_some(),
            Node::NewsItem(node) => node.row.deleted_at.is_some(),
        }
    }

    /// Loads the node of `node_type` with row `id`, deleted or not (what a
    /// change in history refers to, so editors can restore it).
    pub async fn load_even_deleted(
        ctx: &Context<'_>,
        node_type: NodeType,
        id: i32,
        scope: Scope,
    ) -> Result<Option<Node>, ApiError> {
        let loader = loader(ctx);
        Ok(match node_type {
            NodeType::Institution => one_from_catalog(ctx, |c| &c.institutions, id)
                .await?
                .map(|r| Node::Institution(Institution::new(r, scope))),
            NodeType::Exchange => loader
                .load_one(ExchangeById(id))
                .await?
                .map(|r| Node::Exchange(Exchange::new(r, scope))),
            NodeType::Speaker => one_from_catalog(ctx, |c| &c.speakers, id)
                .await?
                .map(|r| Node::Speaker(Speaker::new(r, scope))),
            NodeType::Specialty => one_from_catalog(ctx, |c| &c.specialties, id)
                .await?
                .map(|r| Node::Specialty(Specialty::new(r, scope))),
            NodeType::Photo => loader
                .load_one(PhotoById(id))
                .await?
                .map(|r| Node::Photo(Photo::new(r, scope))),
            NodeType::AidShipment => loader
                .load_one(AidShipmentById(id))
                .await?
                .map(|r| Node::AidShipment(AidShipment::new(r, scope))),
            NodeType::NewsItem => loader
                .load_one(NewsItemById(id))
                .await?
                .map(|r| Node::NewsItem(NewsItem::new(r, scope))),
        })
    }
}

/// One search result.
#[derive(Union, Clone)]
pub enum SearchResult {
    /// An institution whose name, region, city or alias matched.
    Institution(Institution),
    /// An exchange whose title, summary or specialty matched.
    Exchange(Exchange),
    /// A speaker whose name or position matched.
    Speaker(Speaker),
    /// A photo whose caption matched.
    Photo(Photo),
    /// An aid shipment whose items, sender, recipient or description matched.
    AidShipment(AidShipment),
    /// A specialty whose name matched.
    Specialty(Specialty),
}
