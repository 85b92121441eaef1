//! `GET /t/{token}` (also `/t/{token}.gif`): the open-tracking pixel.
//!
//! Every request gets the same 1×1 transparent GIF, whether or not the token is known, so the
//! endpoint reveals nothing; only the first fetch of a known token sets `openedAt`.

use super::Shared;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;

/// Serves the pixel and records the first open.
pub async fn pixel(State(shared): State<Shared>, Path(token): Path<String>) -> impl IntoResponse {
    let token = token.strip_suffix(".gif").unwrap_or(&token);
    // Tokens are 43 base64url characters; anything else cannot match and is not looked up.
    if token.len() <= 64 && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        delivery::record_open(&shared.state.store, token).await;
    }
    (
        [
            (header::CONTENT_TYPE, "image/gif"),
            (header::CACHE_CONTROL, "no-store, no-cache, must-revalidate, max-age=0"),
        ],
        delivery::PIXEL_GIF,
    )
}
