//! `GET /settings/export/{format}`: the signed-in user's account as a download (`json`, `vcard`
//! or `csv`), streamed while it is read from the database.

use super::page::WebError;
use super::session::Auth;
use crate::app::export::{ExportFormat, export_account};
use crate::http::Shared;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use tokio::io::AsyncReadExt as _;

/// Bytes buffered between the exporting task and the response.
const PIPE_BYTES: usize = 64 * 1024;

/// `GET /settings/export/{format}`.
pub async fn download(State(shared): State<Shared>, auth: Auth, Path(format): Path<String>) -> Response {
    let Some(format) = ExportFormat::from_name(&format) else { return WebError::NotFound.into_response() };
    let now = shared.state.clock.now();
    let (mut writer, reader) = tokio::io::duplex(PIPE_BYTES);
    let (store, user) = (shared.state.store.clone(), auth.user.clone());
    let task = tokio::spawn(async move { export_account(&store, &user, format, now, &mut writer).await });
    let chunks = futures::stream::unfold(reader, |mut r| async move {
        let mut buf = vec![0u8; PIPE_BYTES];
        match r.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), r))
            }
            Err(e) => Some((Err(e), r)),
        }
    });
    // After the last byte: a failed export ends the body with an error, so the client sees a
    // broken download instead of a silently truncated file.
    let outcome = futures::stream::once(async move {
        match task.await {
            Ok(Ok(_)) => None::<Result<Bytes, std::io::Error>>,
            Ok(Err(e)) => {
                tracing::error!(error = ?e, "export failed");
                Some(Err(std::io::Error::other("export failed")))
            }
            Err(e) => {
                tracing::error!(error = %e, "export task failed");
                Some(Err(std::io::Error::other("export failed")))
            }
        }
    })
    .filter_map(|x| async move { x });
    let mut resp = Body::from_stream(chunks.chain(outcome)).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    let disposition = format!("attachment; filename=\"{}\"", format.file_name(now));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
