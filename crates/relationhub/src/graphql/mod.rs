//! The GraphQL API, assembled in one place with its limits.
//!
//! Features live in their own modules (accounts, contacts, emails, templates, history); each
//! contributes a query and a mutation object merged here. Every request gets its own viewer and
//! its own DataLoaders.

pub mod accounts;
pub mod ai;
pub mod connection;
pub mod contacts;
pub mod context;
pub mod delivery;
pub mod emails;
pub mod error;
pub mod follow_ups;
pub mod guard;
pub mod history;
pub mod import;
pub mod inbound;
pub mod loaders;
pub mod preferences;
pub mod templates;
pub mod types;
pub mod webhooks;

use async_graphql::{EmptySubscription, MergedObject, Schema};
pub use context::{AppState, Viewer};

/// All queries.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    accounts::AccountQuery,
    contacts::ContactQuery,
    emails::EmailQuery,
    templates::TemplateQuery,
    history::HistoryQuery,
    ai::AiQuery,
    follow_ups::FollowUpQuery,
    inbound::InboundQuery,
    webhooks::WebhookQuery,
);

/// All mutations.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    accounts::AccountMutation,
    contacts::ContactMutation,
    emails::EmailMutation,
    templates::TemplateMutation,
    history::HistoryMutation,
    ai::AiMutation,
    delivery::DeliveryMutation,
    import::ImportMutation,
    follow_ups::FollowUpMutation,
    preferences::PreferencesMutation,
    inbound::InboundMutation,
    webhooks::WebhookMutation,
);

/// The executable schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Deepest selection nesting accepted (outside introspection; enforced by [`guard`], which
/// measures each fragment once and lets `__schema`/`__type` subtrees go deeper).
pub const MAX_DEPTH: usize = 12;
/// Largest query cost accepted (each list multiplies its children's cost by `first`).
pub const MAX_COMPLEXITY: usize = 20_000;

/// Builds the schema; `state` is None only for printing the SDL.
///
/// Depth is not limited here: async-graphql would count introspection's nine levels of `ofType`
/// against it, and walk every fragment spread again to do so. [`guard::check`] limits depth (and
/// the document's size) before this schema sees a request; the complexity limit stays here.
pub fn build_schema(state: Option<AppState>) -> AppSchema {
    let mut builder = Schema::build(QueryRoot::default(), MutationRoot::default(), EmptySubscription)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .limit_directives(16);
    if let Some(state) = state {
        if !state.config.introspection {
            // The guard refuses `__schema`/`__type` with a clear message first; this is a backstop.
            builder = builder.disable_introspection();
        }
        builder = builder.data(state);
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None).sdl()
}

/// Runs one request for `viewer`, with fresh per-request loaders, and gives every error a code.
/// The request must have passed [`guard::check`] (the HTTP handler does that).
pub async fn execute(
    schema: &AppSchema,
    state: &AppState,
    viewer: Viewer,
    request: async_graphql::Request,
) -> async_graphql::Response {
    let loaders = loaders::Loaders::new(&state.store, viewer.user.as_ref().map(|u| u.id.clone()));
    let mut resp = schema.execute(request.data(viewer).data(loaders)).await;
    error::ensure_codes(&mut resp);
    resp
}
