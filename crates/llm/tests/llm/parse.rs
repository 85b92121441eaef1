//! Output parsing: tolerant of fences, prose and nesting; strict about the fields and their limits.

use llm::ErrorClass;
use llm::parse::parse_draft;

fn parsed(text: &str) -> (String, String) {
    let draft = parse_draft(text).unwrap_or_else(|e| panic!("{text:?} did not parse: {e}"));
    (draft.subject, draft.body)
}

fn rejected(text: &str) -> String {
    let error = parse_draft(text).unwrap_err();
    assert_eq!(error.class, ErrorClass::Permanent);
    assert!(error.message.starts_with("unparsable output"), "{}", error.message);
    error.message
}

#[test]
fn parses_a_plain_json_object_and_trims_the_fields() {
    let (subject, body) = parsed(r#"{"subject": "  Hello  ", "body": "\n Hi Ada,\n\nBest \n"}"#);
    assert_eq!((subject.as_str(), body.as_str()), ("Hello", "Hi Ada,\n\nBest"));
}

#[test]
fn parses_json_inside_code_fences() {
    let text = "```json\n{\"subject\": \"Hi\", \"body\": \"Dear Ada,\\n\\nThanks.\"}\n```";
    assert_eq!(parsed(text), ("Hi".into(), "Dear Ada,\n\nThanks.".into()));
}

#[test]
fn parses_json_surrounded_by_prose() {
    let text = "Sure! Here is the email you asked for:\n{\"subject\": \"Hi\", \"body\": \"Thanks.\"}\nLet me know if you want changes {or not}.";
    assert_eq!(parsed(text), ("Hi".into(), "Thanks.".into()));
}

#[test]
fn braces_and_quotes_inside_strings_do_not_confuse_the_parser() {
    let text = r#"Note {draft}: {"subject": "Re: {budget} \"Q3\"", "body": "Use {{firstName}} and } or { freely.", "meta": {"n": 1}}"#;
    assert_eq!(parsed(text), ("Re: {budget} \"Q3\"".into(), "Use {{firstName}} and } or { freely.".into()));
}

#[test]
fn an_object_nested_in_a_wrapper_is_found() {
    let text = r#"{"email": {"subject": "Hi", "body": "Thanks."}, "confidence": 0.9}"#;
    assert_eq!(parsed(text), ("Hi".into(), "Thanks.".into()));
}

#[test]
fn raw_line_breaks_inside_strings_are_tolerated() {
    let text = "{\"subject\": \"Hi\", \"body\": \"Dear Ada,\n\nThanks.\tBest\"}";
    assert_eq!(parsed(text), ("Hi".into(), "Dear Ada,\n\nThanks.\tBest".into()));
}

#[test]
fn line_breaks_in_the_subject_are_folded_into_one_line() {
    assert_eq!(parsed(r#"{"subject": "Hello\nthere", "body": "x"}"#).0, "Hello there");
}

#[test]
fn text_without_a_subject_and_body_object_is_unparsable() {
    rejected("Dear Ada, thanks for your time.");
    rejected(r#"{"title": "Hi", "text": "Thanks"}"#);
    rejected(r#"{"subject": 3, "body": "Thanks"}"#);
    rejected(r#"{"subject": "Hi", "body": "unterminated"#);
}

#[test]
fn blank_subject_or_body_is_rejected() {
    assert!(rejected(r#"{"subject": "   ", "body": "Thanks"}"#).contains("empty subject"));
    assert!(rejected(r#"{"subject": "Hi", "body": " \n "}"#).contains("empty body"));
}

#[test]
fn over_long_subject_or_body_is_rejected() {
    let subject = "s".repeat(501);
    assert!(rejected(&format!(r#"{{"subject": "{subject}", "body": "b"}}"#)).contains("subject longer"));
    let body = "b".repeat(50_001);
    assert!(rejected(&format!(r#"{{"subject": "s", "body": "{body}"}}"#)).contains("body longer"));
    let at_limits = format!(r#"{{"subject": "{}", "body": "{}"}}"#, "s".repeat(500), "é".repeat(50_000));
    parsed(&at_limits);
}
