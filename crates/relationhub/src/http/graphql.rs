//! `POST /graphql` (with bearer-token authentication) and GraphiQL on `GET /graphql`.

use super::Shared;
use crate::graphql::error::Code;
use crate::graphql::execute;
use async_graphql::ParseRequestError;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{OnceLock, RwLock};
use std::time::Instant;

/// Queries longer than this are parsed every time (and never kept).
const MAX_CACHED_QUERY_BYTES: usize = 8 * 1024;
/// Most parsed documents kept; when full the cache starts over.
const MAX_CACHED_QUERIES: usize = 256;

/// Parsed documents by query text. Clients send a small, fixed set of operations, and parsing
/// is the largest single CPU cost of a small request (about a tenth of the server's time under
/// load, measured); cloning a parsed document is much cheaper. The cache holds only query
/// text's syntax trees (no variables, no user data), so sharing it across users leaks nothing.
fn parse_cached(request: &mut async_graphql::Request) {
    static CACHE: OnceLock<RwLock<HashMap<Box<str>, async_graphql::parser::types::ExecutableDocument>>> =
        OnceLock::new();
    if request.query.len() > MAX_CACHED_QUERY_BYTES {
        return;
    }
    let cache = CACHE.get_or_init(Default::default);
    let hit = cache.read().unwrap_or_else(|p| p.into_inner()).get(request.query.as_str()).cloned();
    if let Some(doc) = hit {
        request.set_parsed_query(doc);
        return;
    }
    // A query that does not parse is left to `execute`, which reports the error as before.
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return };
    let mut map = cache.write().unwrap_or_else(|p| p.into_inner());
    if map.len() >= MAX_CACHED_QUERIES {
        map.clear();
    }
    map.insert(request.query.as_str().into(), doc.clone());
    drop(map);
    request.set_parsed_query(doc);
}

/// Executes a GraphQL request.
pub async fn graphql(
    State(shared): State<Shared>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    // Buffer the body first: `Bytes` honours the router's `DefaultBodyLimit` (413 beyond
    // 1 MiB), while `GraphQLRequest` streams the body itself and would read any size.
    let (parts, body) = request.into_parts();
    let headers = parts.headers.clone();
    let bytes = match Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
        Ok(bytes) => bytes,
        Err(rejection) => return rejection.into_response(),
    };
    let req = match GraphQLRequest::<GraphQLRejection>::from_request(
        Request::from_parts(parts, Body::from(bytes)),
        &(),
    )
    .await
    {
        Ok(req) => req,
        Err(GraphQLRejection(err)) => return not_a_graphql_request(err),
    };
    let started = Instant::now();
    let mut request = req.into_inner();
    parse_cached(&mut request);
    let operation = super::metrics::operation_label(request.operation_name.as_deref(), &request.query);
    let viewer = super::auth::bearer_viewer(&shared, &headers, client).await;
    let resp = execute(&shared.schema, &shared.state, viewer, request).await;
    let outcome = resp
        .errors
        .first()
        .and_then(|e| e.extensions.as_ref())
        .and_then(|ext| ext.get("code"))
        .map(|c| c.to_string().trim_matches('"').to_owned())
        .unwrap_or_else(|| "ok".to_owned());
    super::metrics::record_request(&operation, &outcome, started.elapsed());
    GraphQLResponse::from(resp).into_response()
}

/// A body that is not a GraphQL request: 400 with a coded error in GraphQL's shape (the
/// extractor's own rejection would send Rust debug text).
fn not_a_graphql_request(err: ParseRequestError) -> Response {
    if matches!(err, ParseRequestError::PayloadTooLarge) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let body = serde_json::json!({ "errors": [{
        "message": format!("the body is not a GraphQL request: {err}"),
        "extensions": { "code": Code::BadUserInput.as_str() },
    }] });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// GraphiQL, outside production.
pub async fn graphiql(State(shared): State<Shared>) -> Response {
    if shared.state.config.is_production() {
        return (StatusCode::NOT_FOUND, "GraphiQL is disabled in production; POST queries to /graphql")
            .into_response();
    }
    Html(GraphiQLSource::build().endpoint("/graphql").title("RelationHub GraphiQL").finish()).into_response()
}
