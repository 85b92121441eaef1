//! Relay connections (`edges { cursor node }`, `nodes`, `pageInfo`, `totalCount`).
//!
//! `totalCount` is computed only when asked for: a COUNT over a large table is the most
//! expensive part of a list, and most pages do not need it.

use super::context::state;
use super::error::ApiError;
use super::inbound::ReviewItemNode;
use super::loaders::{CountKey, Loaders};
use super::types::{
    ApiTokenNode, ContactNode, ConversationEntryNode, EmailNode, EmailTemplateNode, PageInfo,
};
use async_graphql::{Context, Object};
use store::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use store::{ContactFilter, EmailFilter, Page};

/// The complexity of a list field asking for `first` items of `child` complexity each. `first` is
/// clamped to the largest allowed page, so an oversized page is refused by the page-size rule
/// (BAD_USER_INPUT naming `first`) rather than by the complexity limit.
pub fn list_complexity(first: Option<i32>, child: usize) -> usize {
    let rows = first.map_or(DEFAULT_PAGE_SIZE, |n| n.clamp(0, MAX_PAGE_SIZE as i32) as u32);
    rows as usize * child + 1
}

/// How to count the whole list a page was cut from.
#[derive(Clone, Debug)]
pub enum CountQuery {
    /// A user's contacts matching a filter.
    Contacts(String, ContactFilter),
    /// A user's contacts due at an instant (with snoozed ones or not).
    Due(String, store::Ts, bool),
    /// A user's emails matching a filter.
    Emails(String, EmailFilter),
    /// A user's templates.
    Templates(String),
    /// One contact's history.
    History(String, String),
    /// Emails to one contact (batched across contacts).
    ContactEmails(String),
    /// History with one contact (batched across contacts).
    ContactHistory(String),
    /// A user's live tokens.
    Tokens(String),
    /// A user's review queue.
    Review(String),
}

impl CountQuery {
    async fn run(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let store = &state(ctx).store;
        let n = match self {
            CountQuery::Contacts(user, f) => store.count_contacts(user, f).await,
            CountQuery::Due(user, now, snoozed) => store.count_due(user, *now, *snoozed).await,
            CountQuery::Emails(user, f) => store.count_emails(user, f).await,
            CountQuery::Templates(user) => store.count_templates(user).await,
            CountQuery::History(user, contact) => store.count_history(user, contact).await,
            CountQuery::Tokens(user) => store.count_live_tokens(user).await,
            CountQuery::Review(user) => store.count_review_items(user).await,
            CountQuery::ContactEmails(id) | CountQuery::ContactHistory(id) => {
                let key = match self {
                    CountQuery::ContactEmails(_) => CountKey::Emails(id.clone()),
                    _ => CountKey::History(id.clone()),
                };
                let loaders = ctx.data_unchecked::<Loaders>();
                return Ok(loaders.counts().load_one(key).await.map_err(ApiError::from)?.unwrap_or(0));
            }
        };
        Ok(n.map_err(ApiError::from)?)
    }
}

/// Declares a connection type and its edge type over a domain row and its GraphQL node.
///
/// Both resolve their fields one after another (`serial`): every field is a read of data already
/// in memory, and async-graphql's concurrent resolution costs a task and a waker per field.
/// Cursors are encoded only for the edges and page info that select them.
macro_rules! connection {
    ($conn:ident, $edge:ident, $row:ty, $node:ident, $conn_name:literal, $edge_name:literal) => {
        /// An edge: one node and its cursor.
        #[derive(Clone, Debug)]
        pub struct $edge {
            cursor: store::Cursor,
            node: $node,
        }

        /// An edge: one node and its cursor.
        #[Object(name = $edge_name, serial)]
        impl $edge {
            /// Opaque cursor; pass as `after` to continue after this node.
            async fn cursor(&self) -> String {
                self.cursor.encode()
            }
            /// The item.
            async fn node(&self) -> &$node {
                &self.node
            }
        }

        /// A page of a list, Relay style. The edges are built once, moving the rows in; `edges`,
        /// `nodes` and `pageInfo` answer by reference, so no row is copied per field.
        #[derive(Clone, Debug)]
        pub struct $conn {
            edges: Vec<$edge>,
            has_next_page: bool,
            has_previous_page: bool,
            count: CountQuery,
        }

        impl $conn {
            /// Wraps a page and how to count its whole list.
            pub fn new(page: Page<$row>, count: CountQuery) -> Self {
                let edges = page
                    .items
                    .into_iter()
                    .map(|(row, cursor)| $edge { cursor, node: $node::from(row) })
                    .collect();
                Self {
                    edges,
                    has_next_page: page.has_next_page,
                    has_previous_page: page.has_previous_page,
                    count,
                }
            }
        }

        #[Object(name = $conn_name, serial)]
        impl $conn {
            /// The items with their cursors.
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }
            /// The items.
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|e| &e.node).collect()
            }
            /// Where this page sits in the list.
            async fn page_info(&self) -> PageInfo {
                PageInfo {
                    has_next_page: self.has_next_page,
                    has_previous_page: self.has_previous_page,
                    start_cursor: self.edges.first().map(|e| e.cursor.encode()),
                    end_cursor: self.edges.last().map(|e| e.cursor.encode()),
                }
            }
            /// How many items the whole list has.
            async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
                self.count.run(ctx).await
            }
        }
    };
}

impl From<domain::Email> for EmailNode {
    fn from(e: domain::Email) -> Self {
        EmailNode(e)
    }
}
impl From<domain::EmailTemplate> for EmailTemplateNode {
    fn from(t: domain::EmailTemplate) -> Self {
        EmailTemplateNode(t)
    }
}
impl From<domain::ApiToken> for ApiTokenNode {
    fn from(t: domain::ApiToken) -> Self {
        ApiTokenNode(t)
    }
}
impl From<domain::ConversationEntry> for ConversationEntryNode {
    fn from(e: domain::ConversationEntry) -> Self {
        ConversationEntryNode(e)
    }
}

connection!(ContactConnection, ContactEdge, domain::Contact, ContactNode, "ContactConnection", "ContactEdge");
connection!(EmailConnection, EmailEdge, domain::Email, EmailNode, "EmailConnection", "EmailEdge");
connection!(
    EmailTemplateConnection,
    EmailTemplateEdge,
    domain::EmailTemplate,
    EmailTemplateNode,
    "EmailTemplateConnection",
    "EmailTemplateEdge"
);
connection!(
    ConversationEntryConnection,
    ConversationEntryEdge,
    domain::ConversationEntry,
    ConversationEntryNode,
    "ConversationEntryConnection",
    "ConversationEntryEdge"
);
connection!(
    ApiTokenConnection,
    ApiTokenEdge,
    domain::ApiToken,
    ApiTokenNode,
    "ApiTokenConnection",
    "ApiTokenEdge"
);
connection!(
    ReviewItemConnection,
    ReviewItemEdge,
    store::mailboxes::ReviewRow,
    ReviewItemNode,
    "ReviewItemConnection",
    "ReviewItemEdge"
);
