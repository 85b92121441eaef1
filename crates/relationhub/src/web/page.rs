//! What every page shares: the frame around it (navigation, sign-out form), rendering,
//! error pages, form fields with their errors, times in the user's zone, and safe redirects.

use super::session::Auth;
use crate::app::ApiError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The frame of a page: title, which section is current, who is signed in.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// The page title (also the `<h1>` unless the page says otherwise).
    pub title: String,
    /// Navigation entry to mark current: `today`, `contacts`, `emails`, `templates`, `settings`.
    pub section: &'static str,
    /// The signed-in user's name; empty on signed-out pages (no navigation then).
    pub user_name: String,
    /// The CSRF token the page's forms carry.
    pub csrf: String,
    /// A one-line confirmation to show (e.g. "Saved.").
    pub notice: String,
}

impl Chrome {
    /// The frame of a signed-in page.
    pub fn new(auth: &Auth, section: &'static str, title: impl Into<String>) -> Chrome {
        Chrome {
            title: title.into(),
            section,
            user_name: auth.user.name.clone(),
            csrf: auth.csrf.clone(),
            notice: String::new(),
        }
    }

    /// The frame of a signed-out page (sign-in, sign-up) with its double-submit token.
    pub fn public(title: &str, csrf: String) -> Chrome {
        Chrome { title: title.into(), csrf, ..Default::default() }
    }

    /// With a notice from the `?done=` of a redirect (only known words are shown).
    pub fn with_notice(mut self, done: Option<&str>) -> Chrome {
        self.notice = match done {
            Some("saved") => "Saved.",
            Some("logged") => "Conversation logged.",
            Some("deleted") => "Deleted.",
            Some("scheduled") => "Scheduled.",
            Some("sent") => "Sent.",
            Some("cancelled") => "Sending cancelled.",
            Some("draft") => "Back to draft.",
            Some("polished") => "Polished.",
            Some("password") => "Password changed.",
            Some("revoked") => "Token revoked.",
            Some("default") => "Default template set.",
            Some("followups-stopped") => "Follow-ups stopped.",
            Some("connected") => "Mailbox connected; its first sync starts now.",
            Some("synced") => "Sync finished.",
            Some("disconnected") => "Mailbox disconnected.",
            Some("aliases") => "Addresses saved.",
            Some("ignored") => "Sender ignored.",
            _ => "",
        }
        .to_owned();
        self
    }
}

/// Renders a template as an HTML response (500 page if rendering fails).
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => WebError::internal(e).into_response(),
    }
}

/// Renders with a status other than 200 (a form shown again with errors is 422).
pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

/// 303 to `path` (POST → redirect → GET).
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    heading: &'a str,
    message: &'a str,
}

/// Why a page could not be shown. Each becomes a friendly page; internal causes are logged,
/// never shown.
#[derive(Debug)]
pub enum WebError {
    /// 404 — also for another user's ids, exactly like a missing one.
    NotFound,
    /// 403 — a form without a valid CSRF token.
    Csrf,
    /// 400 — a malformed request.
    BadRequest(&'static str),
    /// An error of the use-case layer.
    Api(ApiError),
}

impl WebError {
    /// An internal failure (logged with its cause chain, shown as a plain 500 page).
    pub fn internal(e: impl Into<anyhow::Error>) -> WebError {
        WebError::Api(ApiError::Internal(e.into()))
    }
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        WebError::Api(e)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, heading, message): (StatusCode, &str, String) = match &self {
            WebError::NotFound | WebError::Api(ApiError::NotFound(_)) => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing here. It may have been deleted, or the link is wrong.".into(),
            ),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "Nothing was changed. Go back, reload the page and try again.".into(),
            ),
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Bad request", (*m).into()),
            WebError::Api(ApiError::Unauthenticated(_)) => return see_other("/login"),
            WebError::Api(ApiError::Internal(source)) => {
                tracing::error!(error = format!("{source:#}"), "internal error on a page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not finish this request. Please try again in a moment.".into(),
                )
            }
            WebError::Api(e @ ApiError::RateLimited { .. }) => {
                (StatusCode::TOO_MANY_REQUESTS, "Slow down", capitalise(&e.to_string()))
            }
            WebError::Api(e @ ApiError::Conflict(_)) => {
                (StatusCode::CONFLICT, "That cannot be done now", capitalise(&e.to_string()))
            }
            WebError::Api(e @ ApiError::Forbidden(_)) => {
                (StatusCode::FORBIDDEN, "Not allowed", capitalise(&e.to_string()))
            }
            WebError::Api(e @ ApiError::ProviderUnavailable(_)) => {
                (StatusCode::SERVICE_UNAVAILABLE, "No AI provider could write", e.to_string())
            }
            WebError::Api(e @ ApiError::BadInput { .. }) => {
                (StatusCode::BAD_REQUEST, "Please check your input", capitalise(&e.to_string()))
            }
        };
        let page = ErrorPage {
            chrome: Chrome { title: heading.into(), ..Default::default() },
            heading,
            message: &message,
        };
        render_status(status, &page)
    }
}

/// The first letter in upper case (error texts start lower-case for the API's sake).
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A page handler's result.
pub type WebResult = Result<Response, WebError>;

/// One labelled form control, its typed value and its error.
#[derive(Debug, Clone, Default)]
pub struct Field {
    /// The visible label.
    pub label: &'static str,
    /// The form field name (also the API's field name, so errors land beside it).
    pub name: &'static str,
    /// `text`, `email`, `url`, `tel`, `date`, `number`, `password`, `textarea` or `select`.
    pub kind: &'static str,
    /// What was typed (or stored).
    pub value: String,
    /// `(value, label)` choices for a select.
    pub options: Vec<(String, String)>,
    /// Must be filled.
    pub required: bool,
    /// The error beside the field.
    pub error: String,
    /// A short help text under the field.
    pub hint: &'static str,
    /// The `autocomplete` attribute, if any.
    pub autocomplete: &'static str,
}

impl Field {
    /// A text-like field.
    pub fn new(
        label: &'static str,
        name: &'static str,
        kind: &'static str,
        value: impl Into<String>,
    ) -> Field {
        Field { label, name, kind, value: value.into(), ..Default::default() }
    }

    /// A select with its choices.
    pub fn select(label: &'static str, name: &'static str, value: &str, options: &[(&str, &str)]) -> Field {
        Field {
            label,
            name,
            kind: "select",
            value: value.to_owned(),
            options: options.iter().map(|(v, l)| ((*v).to_owned(), (*l).to_owned())).collect(),
            ..Default::default()
        }
    }

    /// Marks the field required.
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// Sets the `autocomplete` attribute.
    pub fn autocomplete(mut self, what: &'static str) -> Field {
        self.autocomplete = what;
        self
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: &'static str) -> Field {
        self.hint = hint;
        self
    }
}

/// Puts a use-case error beside its field; returns the error for the page top otherwise.
pub fn attach(fields: &mut [Field], err: &ApiError) -> Option<String> {
    if let ApiError::BadInput { field, message } = err
        && let Some(f) = fields.iter_mut().find(|f| f.name == field)
    {
        f.error = capitalise(message);
        return None;
    }
    Some(capitalise(&err.to_string()))
}

/// A user's time zone for showing and reading times.
#[derive(Debug, Clone, Copy)]
pub struct Zone(pub chrono_tz::Tz);

impl Zone {
    /// `2026-12-01 14:30` in the zone.
    pub fn show(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0).format("%Y-%m-%d %H:%M").to_string()
    }

    /// `2026-12-01T14:30` (the `datetime-local` input format) in the zone.
    pub fn input(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0).format("%Y-%m-%dT%H:%M").to_string()
    }

    /// Reads a `datetime-local` value (with or without seconds) as a time in the zone.
    pub fn parse(&self, s: &str) -> Option<DateTime<Utc>> {
        let s = s.trim();
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
            .ok()?;
        // In a DST gap there is no such local time; in an overlap the earlier one is meant.
        self.0.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
    }

    /// The zone's name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

/// Percent-encodes a value for a query string.
pub fn q(v: &str) -> String {
    utf8_percent_encode(v, QUERY).to_string()
}

/// The `next` parameter for a path.
pub fn next_param(path: &str) -> String {
    q(path)
}

/// Where to go after signing in: `next` if it is a local path on this site, else `/`.
/// Refuses scheme-relative (`//host`), backslash tricks and anything with a scheme.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.contains(['\\', '\r', '\n', '\t'])
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/contacts?page=2")), "/contacts?page=2");
        for bad in ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)", ""] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[tokio::test]
    async fn the_500_page_shows_no_internal_text() {
        let resp = WebError::internal(anyhow::anyhow!("SELECT secret FROM \"users\" failed at src/x.rs:1"))
            .into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("Something went wrong"));
        assert!(!html.contains("SELECT") && !html.contains("src/x.rs") && !html.contains("users"));
    }

    #[test]
    fn local_times_round_trip_through_the_zone() {
        let z = Zone(chrono_tz::Europe::Berlin);
        let t = z.parse("2026-07-01T09:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-01T07:30:00+00:00");
        assert_eq!(z.input(t), "2026-07-01T09:30");
        assert!(z.parse("tomorrow").is_none());
    }
}
