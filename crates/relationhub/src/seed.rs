//! The guide's seed data: a demo account with 5 contacts, 10 emails (5 DRAFT, 3 SENT,
//! 2 FAILED), 5 templates (2 FORMAL, 2 CASUAL, 1 CUSTOM, the CUSTOM one the default) and
//! 20 conversation entries (10 SENT, 10 RECEIVED) spread over the 5 contacts.
//!
//! Seeding is idempotent: a complete demo account means "already seeded" and nothing changes;
//! an incomplete one (an interrupted earlier run) is removed and created again.

use chrono::{Duration, Utc};
use domain::inputs::{NewContact, NewEmail, NewHistoryEntry, NewTemplate, NewUser};
use domain::validate::{
    Body, EmailAddress, HistoryContent, Metadata, Notes, PersonName, Phone, ShortText, Subject, TemplateName,
    WebUrl,
};
use domain::{Direction, EmailStatus, Priority, TemplateType};
use store::{EmailFilter, Store};

/// The demo account's sign-in address.
pub const DEMO_EMAIL: &str = "demo@relationhub.dev";
/// The demo account's password (development data only; `db seed` refuses in production).
pub const DEMO_PASSWORD: &str = "relationhub-demo";

/// What `seed` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Created the data.
    Created,
    /// The data was already there; nothing changed.
    AlreadySeeded,
}

/// Something went wrong while seeding.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// Store failure.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// A seed value broke a validation rule (a bug in this file).
    #[error("seed data invalid: {0}")]
    Invalid(#[from] domain::ValidationError),
    /// Hashing failed.
    #[error(transparent)]
    Hash(#[from] crate::auth::password::HashError),
}

const CONTACTS: [(&str, &str, &str, &str, &str, Priority, &str); 5] = [
    (
        "Sarah Chen",
        "sarah.chen@northwind.example",
        "Northwind Capital",
        "Partner",
        "Venture Capital",
        Priority::High,
        "Led our seed round. Prefers concise updates with numbers first.",
    ),
    (
        "Marcus Johnson",
        "marcus@brightpath.example",
        "BrightPath Health",
        "CTO",
        "Healthcare",
        Priority::High,
        "Evaluating our API for patient outreach. Decision expected next quarter.",
    ),
    (
        "Elena Rodriguez",
        "elena.rodriguez@lumen.example",
        "Lumen Design Studio",
        "Founder",
        "Design",
        Priority::Medium,
        "Met at Config 2025. Open to a co-marketing webinar.",
    ),
    (
        "David Kim",
        "dkim@harborlogistics.example",
        "Harbor Logistics",
        "VP Operations",
        "Logistics",
        Priority::Medium,
        "Former colleague. Enjoys trail running; ask about the Dipsea race.",
    ),
    (
        "Priya Patel",
        "priya@quantaml.example",
        "Quanta ML",
        "Research Lead",
        "Artificial Intelligence",
        Priority::Low,
        "Wrote the paper on retrieval evaluation we cite. Quarterly check-in.",
    ),
];

/// (contact index, direction, days ago, subject, content): 4 per contact, 2 each way.
const HISTORY: [(usize, Direction, i64, &str, &str); 20] = [
    (
        0,
        Direction::Sent,
        40,
        "Q3 investor update",
        "Hi Sarah, attached is our Q3 update: ARR up 38%, burn flat, two enterprise pilots signed.",
    ),
    (
        0,
        Direction::Received,
        38,
        "Re: Q3 investor update",
        "Great progress. Can we talk about the enterprise pipeline next week?",
    ),
    (
        0,
        Direction::Sent,
        30,
        "Pipeline review",
        "Thanks Sarah. Sharing the pipeline sheet ahead of Tuesday's call.",
    ),
    (
        0,
        Direction::Received,
        29,
        "Re: Pipeline review",
        "Looks solid. Let's revisit pricing for the healthcare segment.",
    ),
    (
        1,
        Direction::Sent,
        25,
        "API sandbox access",
        "Hi Marcus, your team now has sandbox access. Docs are linked below.",
    ),
    (
        1,
        Direction::Received,
        24,
        "Re: API sandbox access",
        "Thanks! Our engineers will start testing the outreach endpoints Monday.",
    ),
    (
        1,
        Direction::Received,
        15,
        "Security questionnaire",
        "Could you fill in our vendor security questionnaire by the 30th?",
    ),
    (
        1,
        Direction::Sent,
        14,
        "Re: Security questionnaire",
        "Done — attached, along with our SOC 2 bridge letter.",
    ),
    (
        2,
        Direction::Received,
        60,
        "Lovely to meet you",
        "Great chatting at Config! Let's explore that webinar idea.",
    ),
    (
        2,
        Direction::Sent,
        58,
        "Re: Lovely to meet you",
        "Likewise, Elena. I'll draft an outline for the webinar.",
    ),
    (
        2,
        Direction::Sent,
        45,
        "Webinar outline",
        "Here's a first outline: relationship design for B2B products.",
    ),
    (2, Direction::Received, 20, "Re: Webinar outline", "Love it. Could we push the date to early December?"),
    (3, Direction::Sent, 90, "Long time!", "David! Saw Harbor's expansion news — congratulations."),
    (3, Direction::Received, 88, "Re: Long time!", "Thanks! Running the Dipsea again this year, you in?"),
    (3, Direction::Sent, 87, "Re: Long time!", "Count me in for training runs at least."),
    (3, Direction::Received, 50, "Dipsea results", "Finished in 1:12 — a personal best. Drinks soon?"),
    (
        4,
        Direction::Sent,
        120,
        "Your retrieval paper",
        "Hi Priya, your paper shaped our evaluation harness. Thank you!",
    ),
    (
        4,
        Direction::Received,
        118,
        "Re: Your retrieval paper",
        "So glad it helped. I'd love to hear what you found in production.",
    ),
    (
        4,
        Direction::Sent,
        100,
        "Findings from production",
        "Sharing our numbers: recall@10 improved 12% with your method.",
    ),
    (4, Direction::Received, 95, "Re: Findings from production", "Fascinating. Let's do a quarterly sync."),
];

/// (contact index, status, template type, provider, tokens, subject, body): 5 DRAFT, 3 SENT, 2 FAILED.
const EMAILS: [(usize, EmailStatus, TemplateType, &str, i32, &str, &str); 10] = [
    (
        0,
        EmailStatus::Draft,
        TemplateType::Formal,
        "anthropic",
        812,
        "Following up on healthcare pricing",
        "Dear Sarah,\n\nThank you for the productive pipeline review. As discussed, I have prepared a revised pricing proposal for the healthcare segment.\n\nKind regards",
    ),
    (
        0,
        EmailStatus::Draft,
        TemplateType::Casual,
        "anthropic",
        655,
        "Pricing thoughts",
        "Hi Sarah,\n\nQuick follow-up on pricing for healthcare — I have a few options to run by you. Coffee this week?\n\nCheers",
    ),
    (
        1,
        EmailStatus::Draft,
        TemplateType::Formal,
        "openai",
        740,
        "Next steps after the security review",
        "Dear Marcus,\n\nNow that the security questionnaire is complete, I would like to propose a pilot timeline for the outreach integration.\n\nBest regards",
    ),
    (
        2,
        EmailStatus::Draft,
        TemplateType::Casual,
        "gemini",
        590,
        "December webinar date",
        "Hi Elena,\n\nEarly December works great for the webinar. How about the 4th?\n\nCheers",
    ),
    (
        4,
        EmailStatus::Draft,
        TemplateType::AiGenerated,
        "gemini",
        903,
        "Quarterly sync",
        "Hi Priya,\n\nAs promised, here is a proposal for our first quarterly sync, with a short agenda on evaluation results.\n\nBest",
    ),
    (
        1,
        EmailStatus::Sent,
        TemplateType::Formal,
        "openai",
        702,
        "Sandbox access for your team",
        "Dear Marcus,\n\nYour team now has access to the sandbox environment. Please let me know if anything is unclear.\n\nKind regards",
    ),
    (
        3,
        EmailStatus::Sent,
        TemplateType::Casual,
        "anthropic",
        480,
        "Congrats on the PB!",
        "Hey David,\n\n1:12 on the Dipsea is amazing — congratulations! Drinks on me next week?\n\nCheers",
    ),
    (
        4,
        EmailStatus::Sent,
        TemplateType::TemplateBased,
        "openai",
        655,
        "Thank you for your research",
        "Hi Priya,\n\nThank you again for your work on retrieval evaluation; it made a measurable difference for us.\n\nBest",
    ),
    (
        2,
        EmailStatus::Failed,
        TemplateType::Formal,
        "gemini",
        610,
        "Webinar outline, revised",
        "Dear Elena,\n\nPlease find the revised webinar outline below.\n\nKind regards",
    ),
    (
        0,
        EmailStatus::Failed,
        TemplateType::Casual,
        "anthropic",
        530,
        "Numbers for the board deck",
        "Hi Sarah,\n\nHere are the numbers you asked for the board deck.\n\nCheers",
    ),
];

/// (name, type, default, subject, body): 2 FORMAL, 2 CASUAL, 1 CUSTOM (the default).
const TEMPLATES: [(&str, TemplateType, bool, &str, &str); 5] = [
    (
        "Formal follow-up",
        TemplateType::Formal,
        false,
        "Following up on our conversation",
        "Dear {{firstName}},\n\nThank you for taking the time to speak with me. I wanted to follow up on our conversation.\n\nKind regards,\n{{senderName}}",
    ),
    (
        "Formal introduction",
        TemplateType::Formal,
        false,
        "Introduction: {{senderName}}",
        "Dear {{firstName}},\n\nI hope this message finds you well. I would like to introduce myself and {{company}}.\n\nBest regards,\n{{senderName}}",
    ),
    (
        "Casual check-in",
        TemplateType::Casual,
        false,
        "Catching up",
        "Hi {{firstName}},\n\nIt's been a while! How are things at {{company}}?\n\nCheers,\n{{senderName}}",
    ),
    (
        "Casual thank-you",
        TemplateType::Casual,
        false,
        "Thanks!",
        "Hey {{firstName}},\n\nJust wanted to say thanks — really appreciated it.\n\n{{senderName}}",
    ),
    (
        "Quarterly relationship check-in",
        TemplateType::Custom,
        true,
        "Quarterly check-in, {{firstName}}",
        "Hi {{firstName}},\n\nAs every quarter, a quick note to see how you are and whether there's anything I can help with.\n\nBest,\n{{senderName}}",
    ),
];

/// Creates the guide's seed data unless a complete copy is already there.
pub async fn seed(store: &Store) -> Result<Outcome, SeedError> {
    if let Some(existing) = store.user_by_email(DEMO_EMAIL).await? {
        if is_complete(store, &existing.id).await? {
            return Ok(Outcome::AlreadySeeded);
        }
        store.delete_user(&existing.id).await?;
    }
    let user = store
        .create_user(&NewUser {
            email: EmailAddress::parse("email", DEMO_EMAIL)?,
            name: PersonName::parse("name", "Demo User")?,
            password_hash: crate::auth::password::hash(DEMO_PASSWORD.to_owned()).await?,
        })
        .await?;
    let result = async {
        let now = Utc::now();
        let mut contacts = Vec::new();
        for (name, email, company, role, industry, priority, notes) in CONTACTS {
            let c = store
                .create_contact(
                    &user.id,
                    &NewContact {
                        name: PersonName::parse("name", name)?,
                        email: Some(EmailAddress::parse("email", email)?),
                        phone: Some(Phone::parse("phone", "+1 415 555 0100")?),
                        company: Some(ShortText::parse("company", company)?),
                        role: Some(ShortText::parse("role", role)?),
                        industry: Some(ShortText::parse("industry", industry)?),
                        linked_in_url: Some(WebUrl::parse(
                            "linkedInUrl",
                            &format!("https://www.linkedin.com/in/{}", name.to_lowercase().replace(' ', "-")),
                        )?),
                        priority,
                        birthday: None,
                        notes: Some(Notes::parse("notes", notes)?),
                    },
                )
                .await?;
            contacts.push(c);
        }
        for (i, direction, days, subject, content) in HISTORY {
            store
                .append_history(
                    &user.id,
                    &NewHistoryEntry {
                        contact_id: contacts[i].id.clone(),
                        content: HistoryContent::parse("content", content)?,
                        direction,
                        timestamp: Some(now - Duration::days(days)),
                        metadata: Some(Metadata::parse(
                            "metadata",
                            serde_json::json!({ "subject": subject }),
                        )?),
                    },
                )
                .await?;
        }
        for (k, (i, status, template_type, provider, tokens, subject, body)) in EMAILS.into_iter().enumerate()
        {
            let generated = now - Duration::days(10 - k as i64);
            store
                .create_email(
                    &user.id,
                    &NewEmail {
                        contact_id: contacts[i].id.clone(),
                        subject: Subject::parse("subject", subject)?,
                        body: Body::parse("body", body)?,
                        body_html: Some(domain::html::SafeHtml::from_plain_text(body)),
                        status,
                        template_type: Some(template_type),
                        provider_id: Some(provider.to_owned()),
                        tokens_used: Some(tokens),
                        generated_at: Some(generated),
                        sent_at: (status == EmailStatus::Sent).then(|| generated + Duration::hours(2)),
                        last_error: (status == EmailStatus::Failed)
                            .then(|| "550 5.1.1 mailbox unavailable (seed data)".to_owned()),
                    },
                )
                .await?;
        }
        for (name, template_type, is_default, subject, body) in TEMPLATES {
            store
                .create_template(
                    &user.id,
                    &NewTemplate {
                        name: TemplateName::parse("name", name)?,
                        subject: Subject::parse("subject", subject)?,
                        body: Body::parse("body", body)?,
                        template_type,
                        is_default,
                    },
                )
                .await?;
        }
        Ok::<(), SeedError>(())
    }
    .await;
    if let Err(e) = result {
        // Leave nothing half-made behind: the account and all it owns go (cascade).
        let _ = store.delete_user(&user.id).await;
        return Err(e);
    }
    Ok(Outcome::Created)
}

/// True when the demo account owns the full seed set.
pub async fn is_complete(store: &Store, user_id: &str) -> Result<bool, SeedError> {
    let emails = store.count_emails(user_id, &EmailFilter::default()).await?;
    let templates = store.count_templates(user_id).await?;
    Ok(emails == EMAILS.len() as i64 && templates == TEMPLATES.len() as i64)
}

/// True when the demo account exists (used by `migrate dev`: seed only when not seeded yet).
pub async fn is_seeded(store: &Store) -> Result<bool, SeedError> {
    match store.user_by_email(DEMO_EMAIL).await? {
        Some(u) => is_complete(store, &u.id).await,
        None => Ok(false),
    }
}
