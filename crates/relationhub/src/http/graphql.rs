//! `POST /graphql` (with bearer-token authentication) behind the cost guard
//! ([`crate::graphql::guard`]), and GraphiQL on `GET /graphql`.

use super::Shared;
use crate::graphql::error::Code;
use crate::graphql::execute;
use crate::graphql::guard::response::to_json_capped;
use crate::graphql::guard::{self, GuardError};
use async_graphql::ParseRequestError;
use async_graphql::http::{GraphiQLSource, MultipartOptions};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Instant;

/// Executes a GraphQL request: the cost guard first (for every request, before the token is
/// even looked up), then the schema, then the response serialised within its cap.
pub async fn graphql(
    State(shared): State<Shared>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    // Buffer the body first: `Bytes` honours the route's `DefaultBodyLimit` (413 beyond
    // `MAX_IMPORT_BODY_BYTES`), while `GraphQLRequest` streams the body itself and would read
    // any size. Beyond `MAX_BODY_BYTES` only an authenticated `importContacts` is accepted.
    // The headers are taken out rather than copied: buffering needs only the extensions (where
    // the body limit is), and the GraphQL body is parsed from the buffer directly.
    let (mut parts, body) = request.into_parts();
    let headers = std::mem::take(&mut parts.headers);
    let bytes = match Bytes::from_request(Request::from_parts(parts, body), &()).await {
        Ok(bytes) => bytes,
        Err(rejection) => return rejection.into_response(),
    };
    let large = bytes.len() > super::MAX_BODY_BYTES;
    if large && !headers.contains_key(header::AUTHORIZATION) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let started = Instant::now();
    // Deeply nested variables are refused before serde builds them.
    if let Err(refusal) = guard::check_body(&bytes) {
        return refused(refusal, started);
    }
    // What async-graphql-axum's extractor does for a POST, without rebuilding a request.
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let parsed =
        async_graphql::http::receive_batch_body(content_type, &bytes[..], MultipartOptions::default())
            .await
            .and_then(async_graphql::BatchRequest::into_single);
    let mut request = match parsed {
        Ok(request) => request,
        Err(err) => return not_a_graphql_request(err),
    };
    let checked = match guard::check(&mut request, shared.state.config.introspection) {
        Ok(checked) => checked,
        Err(refusal) => return refused(refusal, started),
    };
    if large
        && !(checked.is_mutation
            && checked.single_root
            && checked.root_field.as_deref() == Some("importContacts"))
    {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let operation = super::metrics::operation_label(checked.root_field.as_deref());
    let viewer = super::auth::bearer_viewer(&shared, &headers, client).await;
    let resp = execute(&shared.schema, &shared.state, viewer, request).await;
    let (response, outcome) = respond(resp, shared.state.config.max_response_bytes, checked.is_mutation);
    super::metrics::record_request(operation, outcome, started.elapsed());
    response
}

/// The answer to a request the cost guard refused.
fn refused(refusal: GuardError, started: Instant) -> Response {
    tracing::info!(reason = %refusal, "GraphQL request refused before execution");
    let (response, outcome) = respond(refusal.into_response(), usize::MAX, false);
    super::metrics::record_request(super::metrics::OTHER, outcome, started.elapsed());
    response
}

/// Serialises `resp` within `cap` bytes (or answers an error saying it is too large) and
/// returns the HTTP response with the outcome for metrics (`ok` or the first error's code).
fn respond(resp: async_graphql::Response, cap: usize, is_mutation: bool) -> (Response, String) {
    let (resp, body) = match to_json_capped(&resp, cap) {
        Ok(body) => (resp, body),
        Err(err) => {
            let resp = err.into_response(is_mutation);
            let body = serde_json::to_vec(&resp).unwrap_or_default();
            (resp, body)
        }
    };
    let outcome = resp
        .errors
        .first()
        .and_then(|e| e.extensions.as_ref())
        .and_then(|ext| ext.get("code"))
        .map(|c| c.to_string().trim_matches('"').to_owned())
        .unwrap_or_else(|| "ok".to_owned());
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/graphql-response+json"));
    if resp.is_ok()
        && let Some(value) = resp.cache_control.value()
        && let Ok(value) = HeaderValue::from_str(&value)
    {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.extend(resp.http_headers);
    (response, outcome)
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
