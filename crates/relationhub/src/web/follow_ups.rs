//! Follow-ups in the web app: the editor's "Follow up if no reply" rows (sent with "Send now"
//! or "Schedule"), the email page's view of a sequence (steps, status, due times) and its
//! "Stop follow-ups" button. The rules are the use-case layer's ([`crate::app::follow_ups`]).

use super::page::{WebResult, Zone, q, see_other};
use super::session::Posted;
use crate::app::follow_ups::{self as uc, FollowUpInput};
use crate::app::{ApiError, emails};
use crate::http::Shared;
use axum::extract::{Path, State};
use domain::FollowUpStepStatus;
use serde::Deserialize;
use store::FollowUpSequence;

/// The editor's follow-up rows (three, so the form works without JavaScript; an empty "After"
/// means no step). Strings only: the form is flattened into the editor's.
#[derive(Deserialize, Default, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpRows {
    #[serde(default)]
    fu1_after: String,
    #[serde(default)]
    fu1_unit: String,
    #[serde(default)]
    fu1_instructions: String,
    #[serde(default)]
    fu1_auto_send: String,
    #[serde(default)]
    fu2_after: String,
    #[serde(default)]
    fu2_unit: String,
    #[serde(default)]
    fu2_instructions: String,
    #[serde(default)]
    fu2_auto_send: String,
    #[serde(default)]
    fu3_after: String,
    #[serde(default)]
    fu3_unit: String,
    #[serde(default)]
    fu3_instructions: String,
    #[serde(default)]
    fu3_auto_send: String,
}

/// One row as the template shows it.
#[derive(Debug, Clone)]
pub struct RowView {
    /// 1-based row number (names the inputs: `fu1After`, …).
    pub n: usize,
    /// Whole days or hours, as typed.
    pub after: String,
    /// `DAYS` or `HOURS`.
    pub unit: String,
    /// What the follow-up should say.
    pub instructions: String,
    /// "Send without approval".
    pub auto_send: bool,
}

impl FollowUpRows {
    /// The rows as the template shows them (what was typed, after an error).
    pub fn views(&self) -> Vec<RowView> {
        [
            (&self.fu1_after, &self.fu1_unit, &self.fu1_instructions, &self.fu1_auto_send),
            (&self.fu2_after, &self.fu2_unit, &self.fu2_instructions, &self.fu2_auto_send),
            (&self.fu3_after, &self.fu3_unit, &self.fu3_instructions, &self.fu3_auto_send),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, (after, unit, instructions, auto))| RowView {
            n: i + 1,
            after: after.trim().to_owned(),
            unit: if unit == "HOURS" { "HOURS".into() } else { "DAYS".into() },
            instructions: instructions.clone(),
            auto_send: !auto.is_empty(),
        })
        .collect()
    }

    /// The filled-in rows as steps (`after` as an ISO-8601 duration), or `BAD_USER_INPUT` naming
    /// the row.
    pub fn inputs(&self) -> Result<Vec<FollowUpInput>, ApiError> {
        let mut steps = Vec::new();
        for row in self.views().into_iter().filter(|r| !r.after.is_empty()) {
            let n: u32 = row.after.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                ApiError::bad_input(
                    format!("followUps[{}].after", steps.len()),
                    format!("follow-up {}: give a whole number of days or hours", row.n),
                )
            })?;
            let after = if row.unit == "HOURS" { format!("PT{n}H") } else { format!("P{n}D") };
            let instructions = Some(row.instructions.trim().to_owned()).filter(|s| !s.is_empty());
            steps.push(FollowUpInput { after, instructions, template_id: None, auto_send: row.auto_send });
        }
        Ok(steps)
    }
}

/// One step as the email page shows it.
#[derive(Debug, Clone)]
pub struct StepView {
    /// 1-based.
    pub n: i32,
    /// The wait (ISO-8601).
    pub after: String,
    /// Pending, Drafted, …
    pub status: &'static str,
    /// Due time in the user's zone, or what it waits for.
    pub due: String,
    /// The email it became (empty: none yet).
    pub email_id: String,
}

/// A sequence as the email page shows it.
#[derive(Debug, Clone)]
pub struct SequenceView {
    /// Why it stopped, readable (empty: it did not).
    pub stopped: String,
    /// Whether "Stop follow-ups" applies.
    pub active: bool,
    /// Its steps.
    pub steps: Vec<StepView>,
}

fn status_label(s: FollowUpStepStatus) -> &'static str {
    match s {
        FollowUpStepStatus::Pending => "Pending",
        FollowUpStepStatus::Drafted => "Drafted",
        FollowUpStepStatus::Sent => "Sent",
        FollowUpStepStatus::Stopped => "Stopped",
        FollowUpStepStatus::Failed => "Failed",
    }
}

/// The view of `seq` in `zone`.
pub fn view(seq: &FollowUpSequence, zone: &Zone) -> SequenceView {
    use domain::FollowUpStopReason as R;
    let stopped = match (seq.stopped_reason, seq.stopped_at) {
        (Some(reason), Some(at)) => {
            let why = match reason {
                R::Replied => "the contact replied",
                R::StoppedByUser => "stopped by you",
                R::ContactDeleted => "the contact was deleted",
                R::EmailDeleted => "an email of the sequence was deleted",
            };
            format!("Stopped {}: {why}", zone.show(at))
        }
        _ => String::new(),
    };
    let active = seq.stopped_at.is_none()
        && seq
            .steps
            .iter()
            .any(|s| matches!(s.status, FollowUpStepStatus::Pending | FollowUpStepStatus::Drafted));
    let steps = seq
        .steps
        .iter()
        .map(|s| StepView {
            n: s.index + 1,
            after: s.after.to_string(),
            status: status_label(s.status),
            due: match (s.due_at, s.status) {
                (Some(at), _) => zone.show(at),
                (None, FollowUpStepStatus::Pending) => "after the previous message is sent".into(),
                (None, _) => String::new(),
            },
            email_id: s.email_id.clone().unwrap_or_default(),
        })
        .collect();
    SequenceView { stopped, active, steps }
}

/// `POST /emails/{id}/follow-ups/stop`: "Stop follow-ups" of the sequence this email starts or
/// belongs to.
pub async fn stop(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    let st = &shared.state;
    let user = &posted.auth.user;
    let email = emails::get(st, user, &id).await?;
    let seq =
        uc::for_email(st, &user.id, &email.id).await?.ok_or(ApiError::NotFound("follow-up sequence"))?;
    uc::stop(st, user, &seq.id).await?;
    Ok(see_other(&format!("/emails/{}?done=followups-stopped", q(&id))))
}
