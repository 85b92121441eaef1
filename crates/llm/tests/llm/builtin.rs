//! The built-in writer: offline, keyless, deterministic, and sensitive to contact, history and style.

use llm::builtin::compose;
use llm::{AiConfig, Direction, Generator, HistoryItem, Style, Task, TemplateHint};

use crate::common::*;

fn draft(style: Option<Style>) -> llm::EmailDraft {
    compose(&draft_task(style), at(2025, 6, 1))
}

fn polish(body: &str, style: Style) -> llm::EmailDraft {
    let task = Task::Polish {
        subject: "Proposal for the Q3 difference engine rollout".into(),
        body: body.into(),
        style,
        contact: Some(contact()),
    };
    compose(&task, at(2025, 6, 1))
}

#[tokio::test]
async fn builtin_works_with_no_network_and_no_keys() {
    let config = AiConfig::from_lookup(|_| None).unwrap();
    let generator = Generator::new(&config).unwrap();
    let generation = generator.generate(&draft_task(Some(Style::Casual)), None).await.unwrap();
    assert_eq!(generation.provider_id, "builtin");
    assert_eq!(generation.model, "builtin-v1");
    assert_eq!((generation.input_tokens, generation.output_tokens, generation.tokens_used), (0, 0, 0));
    assert!(generation.draft.body.starts_with("Hi Ada,"));
}

#[test]
fn builtin_output_is_deterministic_for_the_same_input() {
    for style in
        [None, Some(Style::Formal), Some(Style::Casual), Some(Style::Elaborate), Some(Style::Concise)]
    {
        assert_eq!(draft(style), draft(style));
    }
}

#[test]
fn builtin_formal_draft_references_the_latest_topic_who_wrote_and_when() {
    let email = draft(Some(Style::Formal));
    assert_eq!(email.subject, "Following up: Difference engine demo");
    assert_eq!(
        email.body,
        "Dear Ada,\n\n\
         I hope this message finds you well. Thank you for your message about \"Difference engine demo\" last week.\n\n\
         Mention the Q3 proposal.\n\n\
         I would welcome the opportunity to continue our conversation and to hear how things are progressing at Analytical Engines Ltd. Would you have time for a short call in the coming days?\n\n\
         Kind regards,\nGrace"
    );
    assert!(!email.body.contains("Ms") && !email.body.contains("Mrs"));
}

#[test]
fn builtin_casual_draft_greets_by_first_name_and_signs_cheers() {
    let email = draft(Some(Style::Casual));
    assert_eq!(email.subject, "Catching up on Difference engine demo");
    assert!(email.body.starts_with(
        "Hi Ada,\n\nHope you're doing well! Thanks for your note about \"Difference engine demo\""
    ));
    assert!(email.body.ends_with("Cheers,\nGrace"));
}

#[test]
fn builtin_concise_draft_is_short_and_elaborate_is_long() {
    let concise = draft(Some(Style::Concise));
    let elaborate = draft(Some(Style::Elaborate));
    assert!(concise.subject.starts_with("Quick follow-up: "));
    assert!(concise.body.split_whitespace().count() < 50, "{}", concise.body);
    assert!(concise.body.ends_with("Best,\nGrace"));
    assert!(elaborate.body.contains("Given your work as Head of Research at Analytical Engines Ltd"));
    assert!(elaborate.body.split_whitespace().count() > 2 * concise.body.split_whitespace().count());
}

#[test]
fn builtin_says_when_the_user_wrote_last_and_uses_the_first_sentence_without_a_subject() {
    let task = Task::Draft {
        contact: contact(),
        history: vec![HistoryItem {
            direction: Direction::Sent,
            content: "Attached is the revised budget. Let me know what you think!".into(),
            timestamp: at(2025, 4, 1),
            subject: None,
        }],
        template: None,
        instructions: None,
        style: Some(Style::Formal),
        sender_name: None,
    };
    let email = compose(&task, at(2025, 6, 1));
    assert_eq!(email.subject, "Following up: Attached is the revised budget");
    assert!(email.body.contains(
        "I am following up on my message about \"Attached is the revised budget\" from a few months ago."
    ));
    assert!(email.body.ends_with("Kind regards,"));
}

#[test]
fn builtin_without_history_reconnects_using_last_contacted() {
    let task = Task::Draft {
        contact: contact(),
        history: vec![],
        template: None,
        instructions: None,
        style: Some(Style::Casual),
        sender_name: None,
    };
    let email = compose(&task, at(2025, 6, 1));
    assert_eq!(email.subject, "Catching up");
    assert!(email.body.contains("I wanted to pick up where we left off last week."), "{}", email.body);
}

#[test]
fn builtin_fills_template_placeholders_and_adds_short_instructions() {
    let task = Task::Draft {
        contact: contact(),
        history: history(),
        template: Some(TemplateHint {
            name: "Check-in".into(),
            subject: "Checking in, {{ firstName }}".into(),
            body: "Hi {{firstName}},\n\nHow are things at {{company}} in your role as {{role}}, {{name}}? {{unknown}}\n\nBest,\n{{senderName}}".into(),
        }),
        instructions: Some("ask about the Q3 budget".into()),
        style: Some(Style::Formal),
        sender_name: Some("Grace".into()),
    };
    let email = compose(&task, at(2025, 6, 1));
    assert_eq!(email.subject, "Checking in, Ada");
    assert_eq!(
        email.body,
        "Hi Ada,\n\nAsk about the Q3 budget.\n\nHow are things at Analytical Engines Ltd in your role as Head of Research, Ada Lovelace? {{unknown}}\n\nBest,\nGrace"
    );
}

#[test]
fn builtin_leaves_long_instructions_out_of_the_email() {
    let mut task = draft_task(None);
    if let Task::Draft { instructions, .. } = &mut task {
        *instructions = Some("Write about our plans. ".repeat(20));
    }
    let email = compose(&task, at(2025, 6, 1));
    assert!(email.body.starts_with("Hello Ada,"));
    assert!(!email.body.contains("Write about our plans"));
    assert!(email.body.ends_with("Best regards,\nGrace"));
}

#[test]
fn builtin_polish_restyles_greeting_and_sign_off() {
    let email =
        polish("hey Ada!\n\nThe proposal is attached! Can we talk Friday?\n\nthanks,\nGrace", Style::Formal);
    assert_eq!(
        email.body,
        "Dear Ada,\n\nThe proposal is attached. Can we talk Friday?\n\nKind regards,\nGrace"
    );
    let casual =
        polish("Dear Ada,\n\nPlease find the proposal attached.\n\nKind regards,\nGrace", Style::Casual);
    assert_eq!(casual.body, "Hi Ada,\n\nPlease find the proposal attached.\n\nCheers,\nGrace");
    let compact =
        polish("Hello Ada,\nPlease find the proposal attached.\nBest regards,\nGrace", Style::Casual);
    assert_eq!(compact.body, "Hi Ada,\n\nPlease find the proposal attached.\n\nCheers,\nGrace");
}

#[test]
fn builtin_polish_concise_keeps_the_opening_and_the_ask() {
    let body = "Hi Ada,\n\nI hope you are well. It was great to see you. The team loved the demo.\n\nWe have been busy with the rollout and many other things.\n\nCould we meet on Friday to discuss the proposal? I can come to your office.\n\nBest,\nGrace";
    let email = polish(body, Style::Concise);
    assert_eq!(
        email.body,
        "Hi Ada,\n\nI hope you are well. It was great to see you.\n\nCould we meet on Friday to discuss the proposal? I can come to your office.\n\nBest,\nGrace"
    );
    assert_eq!(email.subject, "Proposal for the Q3 difference engine rollout");
    let long_subject = Task::Polish {
        subject: "A".repeat(100),
        body: "Hi,\n\nOk.".into(),
        style: Style::Concise,
        contact: None,
    };
    assert!(compose(&long_subject, at(2025, 6, 1)).subject.chars().count() <= 60);
}
