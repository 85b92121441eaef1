//! Who is calling: resolves a presented token (a bearer header here; the web app's session
//! cookie uses [`viewer_for_secret`] too) into a [`Viewer`], and the client address through
//! the trusted proxies.

use super::Shared;
use crate::auth::token;
use crate::graphql::Viewer;
use axum::http::{HeaderMap, header};
use std::net::SocketAddr;

/// The viewer for a token secret: signed in when the token is live; anonymous with a reason when
/// it is unknown, expired or revoked; "unverified" when the database could not say.
pub async fn viewer_for_secret(shared: &Shared, secret: &str, mut v: Viewer) -> Viewer {
    let hash = token::hash(secret);
    match shared.state.store.authenticate_token(&hash).await {
        Ok(Some((user, record))) => {
            let stale = record
                .last_used_at
                .is_none_or(|t| chrono::Utc::now() - t >= store::tokens::LAST_USED_RESOLUTION);
            if stale {
                // Off the request path: a failed bookkeeping write must not fail the request.
                let store = shared.state.store.clone();
                tokio::spawn(async move {
                    if let Err(e) = store.touch_token(&record.id).await {
                        tracing::warn!(error = %e, "could not record token use");
                    }
                });
            }
            v.user = Some(user);
            v.token_hash = Some(hash);
        }
        Ok(None) => v.token_problem = Some("invalid, expired or revoked token"),
        Err(e) => {
            tracing::error!(error = %e, "token lookup failed");
            v.token_unverified = true;
        }
    }
    v
}

/// Resolves the `Authorization: Bearer <token>` header into a viewer. A missing header is
/// anonymous; an unknown, expired or revoked token is anonymous with a reason, so protected
/// fields answer UNAUTHENTICATED while `signIn` still works.
pub async fn bearer_viewer(shared: &Shared, headers: &HeaderMap, peer: SocketAddr) -> Viewer {
    let client = super::client_ip::resolve(peer.ip(), headers, &shared.state.config.trusted_proxies);
    let mut v = Viewer { client_ip: Some(client), ..Default::default() };
    let Some(raw) = headers.get(header::AUTHORIZATION).and_then(|h| h.to_str().ok()) else { return v };
    let Some(secret) = raw.strip_prefix("Bearer ").or_else(|| raw.strip_prefix("bearer ")).map(str::trim)
    else {
        v.token_problem = Some("malformed Authorization header: expected `Bearer <token>`");
        return v;
    };
    viewer_for_secret(shared, secret, v).await
}
