//! Building the MIME message for a claimed email: headers, a `multipart/alternative` body with the
//! plain text and the sanitised HTML, and (optionally) the open-tracking pixel.

use domain::html::{SafeHtml, escape};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use std::time::SystemTime;
use store::DueEmail;

/// A message ready for a transport, and the `Message-ID` it carries.
#[derive(Debug, Clone)]
pub struct Composed {
    /// The message; its envelope is `MAIL FROM` = the `From` address, `RCPT TO` = the contact.
    pub message: Message,
    /// The `Message-ID` header value, angle brackets included.
    pub message_id: String,
}

/// Why a message cannot be built. Always permanent: retrying builds the same message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ComposeError(pub String);

/// What the message builder needs besides the email.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComposeOptions<'a> {
    /// Fixed sender (`SMTP_FROM`, required with SMTP); `None` (the outbox) writes from the user.
    pub from: Option<&'a Mailbox>,
    /// Public base URL (no trailing slash); `Some` adds the tracking pixel.
    pub public_url: Option<&'a str>,
}

/// The `<img>` tag of the open-tracking pixel for `token`.
pub fn tracking_pixel(public_url: &str, token: &str) -> String {
    let src = format!("{public_url}/t/{token}.gif");
    format!(r#"<img src="{}" width="1" height="1" alt="" style="display:none">"#, escape(&src))
}

fn mailbox(name: &str, address: &str, what: &str) -> Result<Mailbox, ComposeError> {
    let address = address
        .trim()
        .parse()
        .map_err(|e| ComposeError(format!("{what} address {address:?} is not valid: {e}")))?;
    let name = name.trim();
    Ok(Mailbox::new((!name.is_empty()).then(|| name.to_owned()), address))
}

/// The `From` display name with a fixed sender: `Grace Hopper via RelationHub`, or the user's
/// name alone when `SMTP_FROM` has no name, or the fixed name when the user has none.
fn sender_display_name(user_name: &str, fixed_name: Option<&str>) -> String {
    let user_name = user_name.trim();
    match fixed_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(fixed) if !user_name.is_empty() => format!("{user_name} via {fixed}"),
        Some(fixed) => fixed.to_owned(),
        None => user_name.to_owned(),
    }
}

/// Builds the message: `From` (the fixed sender's address, named after the user, or the user), `Reply-To` (the user), `To` (the
/// contact), `Subject`, `Date`, a fresh `Message-ID` `<uuid@from-domain>`, and a
/// `multipart/alternative` body of the plain text and the HTML (the stored sanitised HTML, or the
/// plain text rendered as HTML).
pub fn compose(due: &DueEmail, options: ComposeOptions<'_>) -> Result<Composed, ComposeError> {
    let contact_address =
        due.contact_email.as_deref().ok_or_else(|| ComposeError("contact has no email address".into()))?;
    let to = mailbox(&due.contact_name, contact_address, "contact")?;
    let user = mailbox(&due.user_name, &due.user_email, "sender")?;
    let from = match options.from {
        // The address is always the operator's; the display name says on whose behalf it goes.
        Some(fixed) => Mailbox::new(
            Some(sender_display_name(&due.user_name, fixed.name.as_deref())),
            fixed.email.clone(),
        ),
        None => user.clone(),
    };
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4(), from.email.domain());

    let email = &due.email;
    let mut html = match &email.body_html {
        Some(html) if !html.trim().is_empty() => html.clone(),
        _ => SafeHtml::from_plain_text(&email.body).into_inner(),
    };
    if let Some(public_url) = options.public_url {
        html.push('\n');
        html.push_str(&tracking_pixel(public_url, &due.tracking_token));
    }
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n{html}\n</body></html>\n"
    );

    let mut builder = Message::builder();
    // A follow-up answers the previous message, so mail clients keep it in the same thread.
    if let Some(id) = due.in_reply_to.as_deref().filter(|id| !id.trim().is_empty()) {
        builder = builder.in_reply_to(id.to_owned());
    }
    if let Some(refs) = due.references.as_deref().filter(|r| !r.trim().is_empty()) {
        builder = builder.references(refs.to_owned());
    }
    let message = builder
        .from(from)
        .reply_to(user)
        .to(to)
        .subject(email.subject.clone())
        .date(SystemTime::now())
        .message_id(Some(message_id.clone()))
        .multipart(MultiPart::alternative_plain_html(email.body.clone(), html))
        .map_err(|e| ComposeError(format!("cannot build the message: {e}")))?;
    Ok(Composed { message, message_id })
}

/// A message from RelationHub itself to a user (the daily digest): plain text, `To` the user,
/// `From` the fixed sender when configured (else RelationHub at the user's own address, as the
/// outbox writes it), a fresh `Message-ID`.
pub fn compose_notice(
    user_name: &str,
    user_email: &str,
    subject: &str,
    text: &str,
    from: Option<&Mailbox>,
) -> Result<Composed, ComposeError> {
    let to = mailbox(user_name, user_email, "user")?;
    let from = match from {
        Some(fixed) => fixed.clone(),
        None => Mailbox::new(Some("RelationHub".to_owned()), to.email.clone()),
    };
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4(), from.email.domain());
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .date(SystemTime::now())
        .message_id(Some(message_id.clone()))
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(text.to_owned())
        .map_err(|e| ComposeError(format!("cannot build the message: {e}")))?;
    Ok(Composed { message, message_id })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use domain::{Email, EmailStatus};

    fn due(body_html: Option<&str>, contact_email: Option<&str>) -> DueEmail {
        let now = chrono::Utc::now();
        DueEmail {
            email: Email {
                id: "e1".into(),
                user_id: "u1".into(),
                contact_id: "c1".into(),
                subject: "Hello".into(),
                body: "Hi Ada,\n\nSee you soon.".into(),
                body_html: body_html.map(str::to_owned),
                status: EmailStatus::Scheduled,
                template_type: None,
                provider_id: None,
                tokens_used: None,
                generated_at: None,
                sent_at: None,
                opened_at: None,
                replied_at: None,
                created_at: now,
                updated_at: now,
                delivery: Default::default(),
            },
            due_at: Some(now),
            contact_name: "Ada Lovelace".into(),
            contact_email: contact_email.map(str::to_owned),
            user_name: "Grace Hopper".into(),
            user_email: "grace@navy.example".into(),
            tracking_token: "tok_EN-123".into(),
            lease_until: None,
            in_reply_to: None,
            references: None,
        }
    }

    #[test]
    fn the_message_id_is_unique_and_uses_the_sender_domain() {
        let d = due(None, Some("ada@example.com"));
        let a = compose(&d, ComposeOptions::default()).unwrap();
        let b = compose(&d, ComposeOptions::default()).unwrap();
        assert_ne!(a.message_id, b.message_id);
        assert!(
            a.message_id.starts_with('<') && a.message_id.ends_with("@navy.example>"),
            "{}",
            a.message_id
        );
        let fixed: Mailbox = "Robot <robot@relay.example>".parse().unwrap();
        let c = compose(&d, ComposeOptions { from: Some(&fixed), public_url: None }).unwrap();
        assert!(c.message_id.ends_with("@relay.example>"));
        assert_eq!(c.message.envelope().from().unwrap().to_string(), "robot@relay.example");
        let from = c.message.headers().get_raw("From").unwrap().to_owned();
        assert!(from.contains("Grace Hopper via Robot") && from.contains("<robot@relay.example>"), "{from}");
        assert!(c.message.headers().get_raw("Reply-To").unwrap().contains("grace@navy.example"));
    }

    #[test]
    fn the_pixel_is_added_only_with_a_public_url() {
        let d = due(Some("<p>Hi <b>Ada</b></p>"), Some("ada@example.com"));
        let plain =
            String::from_utf8(compose(&d, ComposeOptions::default()).unwrap().message.formatted()).unwrap();
        assert!(!plain.contains("/t/tok_EN-123.gif"));
        let opts = ComposeOptions { from: None, public_url: Some("https://crm.example.com") };
        let tracked = String::from_utf8(compose(&d, opts).unwrap().message.formatted()).unwrap();
        assert!(tracked.contains("https://crm.example.com/t/tok_EN-123.gif"), "{tracked}");
    }

    #[test]
    fn a_missing_or_malformed_contact_address_cannot_be_composed() {
        let err = compose(&due(None, None), ComposeOptions::default()).unwrap_err();
        assert_eq!(err.0, "contact has no email address");
        let err = compose(&due(None, Some("not-an-address")), ComposeOptions::default()).unwrap_err();
        assert!(err.0.contains("not-an-address"), "{err}");
    }

    #[test]
    fn a_follow_up_carries_in_reply_to_and_references() {
        let mut d = due(None, Some("ada@example.com"));
        d.in_reply_to = Some("<first@navy.example>".into());
        d.references = Some("<first@navy.example>".into());
        let text =
            String::from_utf8(compose(&d, ComposeOptions::default()).unwrap().message.formatted()).unwrap();
        assert!(text.contains("In-Reply-To: <first@navy.example>"), "{text}");
        assert!(text.contains("References: <first@navy.example>"), "{text}");
        let plain = String::from_utf8(
            compose(&due(None, Some("ada@example.com")), ComposeOptions::default())
                .unwrap()
                .message
                .formatted(),
        )
        .unwrap();
        assert!(!plain.contains("In-Reply-To"));
    }

    #[test]
    fn pixel_urls_are_attribute_escaped() {
        assert_eq!(
            tracking_pixel("https://x.example/a&b", "t"),
            r#"<img src="https://x.example/a&amp;b/t/t.gif" width="1" height="1" alt="" style="display:none">"#
        );
    }
}
