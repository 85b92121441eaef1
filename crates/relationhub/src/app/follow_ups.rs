//! Follow-up sequences: parsing the steps a send or schedule asks for, reading and stopping
//! sequences, and the worker that writes (and maybe sends) each step when it falls due.
//!
//! A step falls due `after` the previous message was sent. If the contact has not replied since
//! then, the worker drafts it — from the saved template, or by the AI with the thread as
//! context — as `Re: <subject>` threaded under the previous message, and sends it (`autoSend`)
//! or leaves it as a DRAFT for approval (listed on Today). Replies stop sequences in the store,
//! in the transaction that files them (see `store::follow_ups`).

use super::{ApiError, ApiResult, AppState};
use domain::followup::{
    Delay, MAX_STEP_INSTRUCTIONS, MAX_STEPS, NewFollowUpStep, NewFollowUps, reply_subject,
};
use domain::html::SafeHtml;
use domain::inputs::NewEmail;
use domain::validate::{Body, Subject};
use domain::{EmailStatus, FollowUpStopReason, TemplateType, User};
use std::time::Duration;
use store::follow_ups::{DraftedStep, PreviousMessage};
use store::{FollowUpSequence, FollowUpStep, StoreError};
use tokio_util::sync::CancellationToken;

/// How long a worker holds a claimed step (an AI call fits many times over).
pub const LEASE: Duration = Duration::from_secs(300);
/// Steps claimed per round.
pub const BATCH: u32 = 20;
/// Longest idle sleep between rounds.
pub const POLL: Duration = Duration::from_secs(15);

/// One requested step, as a front door received it.
#[derive(Debug, Clone, Default)]
pub struct FollowUpInput {
    /// ISO-8601 duration after the previous message's send (`P3D`, `PT4H`; `PT1S` to `P365D`).
    pub after: String,
    /// What the AI should say.
    pub instructions: Option<String>,
    /// Write the step from this saved template instead.
    pub template_id: Option<String>,
    /// Send without approval.
    pub auto_send: bool,
}

/// Validates requested steps (none → `None`). Every error is `BAD_USER_INPUT` naming the field
/// (`followUps[1].after`), and nothing is changed.
pub async fn parse(st: &AppState, user_id: &str, input: &[FollowUpInput]) -> ApiResult<Option<NewFollowUps>> {
    if input.is_empty() {
        return Ok(None);
    }
    if input.len() > MAX_STEPS {
        return Err(ApiError::bad_input("followUps", format!("at most {MAX_STEPS} follow-ups")));
    }
    let mut steps = Vec::with_capacity(input.len());
    for (i, step) in input.iter().enumerate() {
        let after = Delay::parse(&format!("followUps[{i}].after"), &step.after)?;
        let instructions = step.instructions.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if instructions.is_some_and(|s| s.chars().count() > MAX_STEP_INSTRUCTIONS) {
            return Err(ApiError::bad_input(
                format!("followUps[{i}].instructions"),
                format!("must be at most {MAX_STEP_INSTRUCTIONS} characters"),
            ));
        }
        let template_id = step.template_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(id) = template_id {
            match st.store.template(user_id, id).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    return Err(ApiError::bad_input(
                        format!("followUps[{i}].templateId"),
                        "no such template",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        steps.push(NewFollowUpStep {
            after,
            instructions: instructions.map(str::to_owned),
            template_id: template_id.map(str::to_owned),
            auto_send: step.auto_send,
        });
    }
    Ok(Some(NewFollowUps { steps, now: st.now() }))
}

/// One of the user's sequences.
pub async fn get(st: &AppState, user: &User, id: &str) -> ApiResult<FollowUpSequence> {
    st.store.follow_up_sequence(&user.id, id).await.map_err(|e| ApiError::from_store(e, "follow-up sequence"))
}

/// The sequence one of the user's emails starts or belongs to.
pub async fn for_email(st: &AppState, user_id: &str, email_id: &str) -> ApiResult<Option<FollowUpSequence>> {
    Ok(st.store.follow_up_for_email(user_id, email_id).await?)
}

/// Stops one of the user's sequences (`STOPPED_BY_USER`): its pending steps will not be
/// written, a follow-up still scheduled is cancelled. CONFLICT when it already stopped or has
/// nothing pending.
#[tracing::instrument(skip_all, fields(op = "stop_follow_ups", user = %user.id))]
pub async fn stop(st: &AppState, user: &User, id: &str) -> ApiResult<FollowUpSequence> {
    st.store
        .stop_follow_ups(&user.id, id, FollowUpStopReason::StoppedByUser, st.now())
        .await
        .map_err(|e| ApiError::from_store(e, "follow-up sequence"))?;
    get(st, user, id).await
}

/// Claims the steps due now (by the injected clock) and handles each; returns how many were
/// claimed. Safe to run in any number of processes at once: each step is leased to one.
pub async fn run_once(st: &AppState, worker: &str) -> ApiResult<usize> {
    let steps = st.store.claim_due_follow_ups(worker, st.now(), LEASE, BATCH).await?;
    let claimed = steps.len();
    for step in steps {
        let id = step.id.clone();
        if let Err(e) = handle(st, worker, step).await {
            // The lease keeps the step from being handled twice; it is retried when it expires.
            tracing::error!(step_id = %id, error = %e, "follow-up step could not be handled");
        }
    }
    Ok(claimed)
}

/// Runs the worker until `cancel` fires: a round whenever a step may be due, at least every
/// [`POLL`].
pub async fn run(st: AppState, cancel: CancellationToken) {
    let worker = delivery::worker_id();
    tracing::info!(%worker, "follow-up worker started");
    while !cancel.is_cancelled() {
        let claimed = match run_once(&st, &worker).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "claiming due follow-ups failed");
                0
            }
        };
        if claimed >= BATCH as usize {
            continue;
        }
        let now = st.now();
        let sleep = match st.store.next_follow_up_due_at(now).await {
            Ok(Some(at)) => (at - now).to_std().unwrap_or_default().min(POLL),
            _ => POLL,
        };
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(sleep.max(Duration::from_millis(50))) => {}
        }
    }
    tracing::info!(%worker, "follow-up worker stopped");
}

/// A step that cannot be written: FAILED with `why` (fenced by the lease).
async fn fail(st: &AppState, worker: &str, step: &FollowUpStep, why: &str) -> ApiResult<()> {
    tracing::warn!(step_id = %step.id, why, "follow-up step failed");
    st.store.fail_follow_up(&step.id, worker, why, st.now()).await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(step_id = %step.id, sequence_id = %step.sequence_id))]
async fn handle(st: &AppState, worker: &str, step: FollowUpStep) -> ApiResult<()> {
    let seq = st.store.follow_up_sequence(&step.user_id, &step.sequence_id).await?;
    let (Some(contact_id), Some(previous_id)) = (seq.contact_id.clone(), step.previous_email_id.clone())
    else {
        return fail(st, worker, &step, "the contact or the previous message was deleted").await;
    };
    let previous = match st.store.previous_message(&step.user_id, &previous_id).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => {
            return fail(st, worker, &step, "the previous message was deleted").await;
        }
        Err(e) => return Err(e.into()),
    };
    let Some(sent_at) = previous.sent_at else {
        // Due only once the previous message is sent; a row edited by hand gets here.
        st.store.release_follow_up(&step.id, worker).await?;
        return Ok(());
    };
    if st.store.replied_since(&step.user_id, &contact_id, sent_at).await? {
        st.store.stop_follow_ups_replied(&seq.id, st.now()).await?;
        return Ok(());
    }
    let Some(user) = st.store.user_by_id(&step.user_id).await? else { return Ok(()) };
    let contact = st.store.contact(&user.id, &contact_id).await?;
    if contact.email.as_deref().is_none_or(|a| a.trim().is_empty()) {
        return fail(st, worker, &step, "the contact has no email address").await;
    }
    let (body, template_type, provider, tokens) = match write(st, &user, &contact, &step, &previous).await {
        Ok(w) => w,
        Err(why) => return fail(st, worker, &step, &why).await,
    };
    let subject = reply_subject(&previous.subject);
    let (Ok(subject), Ok(body)) = (Subject::parse("subject", &subject), Body::parse("body", &body)) else {
        return fail(st, worker, &step, "the written follow-up was not a valid email").await;
    };
    let new = NewEmail {
        contact_id: contact.id.clone(),
        body_html: Some(SafeHtml::from_plain_text(body.as_str())),
        subject,
        body,
        status: EmailStatus::Draft,
        template_type: Some(template_type),
        provider_id: Some(provider),
        tokens_used: Some(tokens),
        generated_at: Some(st.now()),
        sent_at: None,
        last_error: None,
    };
    let references = [previous.references.as_deref(), previous.message_id.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let drafted = DraftedStep {
        email: &new,
        in_reply_to: previous.message_id.clone(),
        references: (!references.is_empty()).then_some(references),
    };
    let Some(email) = st.store.record_follow_up_draft(&step, worker, &drafted, st.now()).await? else {
        tracing::info!("follow-up stopped while it was being written; discarded");
        return Ok(());
    };
    tracing::info!(email_id = %email.id, auto_send = step.auto_send, "follow-up drafted");
    if step.auto_send {
        // The existing delivery path: SENT (the step follows), FAILED, or retried by the scheduler.
        st.sender.send_now(&user.id, &email.id).await.map_err(|e| match e {
            delivery::SendNowError::Store(e) => ApiError::from(e),
        })?;
    }
    Ok(())
}

/// Writes a step's body: from its template (filled in offline), else by the AI with the thread
/// as context. Returns body, template type, provider and tokens, or why it could not.
async fn write(
    st: &AppState,
    user: &User,
    contact: &domain::Contact,
    step: &FollowUpStep,
    previous: &PreviousMessage,
) -> Result<(String, TemplateType, String, i32), String> {
    let template = match &step.template_id {
        Some(id) => st.store.template(&user.id, id).await.ok(),
        None => None,
    };
    let history = st
        .store
        .recent_history(&user.id, &contact.id, crate::ai::HISTORY_ENTRIES)
        .await
        .map_err(|e| format!("reading the conversation failed: {e}"))?;
    // A template is filled in as written (plus the user's own instructions, if any); the AI is
    // told what a follow-up is for when the user gave no instructions.
    let instructions = match (&template, &step.instructions) {
        (_, Some(i)) => Some(i.clone()),
        (Some(_), None) => None,
        (None, None) => Some(format!(
            "Write a short, polite follow-up to my previous email \"{}\", which has had no reply yet.",
            previous.subject
        )),
    };
    let task = llm::Task::Draft {
        contact: crate::ai::profile(contact),
        history: history.iter().map(crate::ai::history_item).collect(),
        template: template.as_ref().map(|t| llm::TemplateHint {
            name: t.name.clone(),
            subject: t.subject.clone(),
            body: t.body.clone(),
        }),
        instructions,
        style: None,
        sender_name: Some(user.name.clone()),
    };
    if template.is_some() {
        let draft = llm::builtin::compose(&task, st.now());
        return Ok((draft.body, TemplateType::TemplateBased, llm::builtin::ID.to_owned(), 0));
    }
    match st.generator.generate(&task, None).await {
        Ok(g) => Ok((
            g.draft.body,
            TemplateType::AiGenerated,
            g.provider_id,
            i32::try_from(g.tokens_used).unwrap_or(i32::MAX),
        )),
        Err(e) => Err(format!(
            "no AI provider could write the follow-up: {}",
            e.to_string().lines().next().unwrap_or("")
        )),
    }
}
