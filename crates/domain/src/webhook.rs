//! Webhook event types: the closed set of names a webhook subscribes to, which are also the
//! `type` of the payload it receives.

/// Something that happened that a webhook can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A contact was created by hand (imports do not emit per-contact events).
    ContactCreated,
    /// A contact was edited.
    ContactUpdated,
    /// A contact was deleted.
    ContactDeleted,
    /// A conversation entry was logged.
    ConversationLogged,
    /// A DRAFT email was created (by hand or by the AI).
    EmailDrafted,
    /// An email was scheduled.
    EmailScheduled,
    /// An email was sent.
    EmailSent,
    /// An email failed permanently.
    EmailFailed,
    /// A sent email's tracking pixel was fetched the first time.
    EmailOpened,
    /// A sent email got a reply.
    EmailReplied,
    /// A follow-up sequence stopped for a contact.
    FollowupStopped,
}

impl EventType {
    /// Every event type, in documentation order.
    pub const ALL: [EventType; 11] = [
        EventType::ContactCreated,
        EventType::ContactUpdated,
        EventType::ContactDeleted,
        EventType::ConversationLogged,
        EventType::EmailDrafted,
        EventType::EmailScheduled,
        EventType::EmailSent,
        EventType::EmailFailed,
        EventType::EmailOpened,
        EventType::EmailReplied,
        EventType::FollowupStopped,
    ];

    /// The wire name (`contact.created`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ContactCreated => "contact.created",
            EventType::ContactUpdated => "contact.updated",
            EventType::ContactDeleted => "contact.deleted",
            EventType::ConversationLogged => "conversation.logged",
            EventType::EmailDrafted => "email.drafted",
            EventType::EmailScheduled => "email.scheduled",
            EventType::EmailSent => "email.sent",
            EventType::EmailFailed => "email.failed",
            EventType::EmailOpened => "email.opened",
            EventType::EmailReplied => "email.replied",
            EventType::FollowupStopped => "followup.stopped",
        }
    }

    /// Parses a wire name; `None` for anything outside the closed set.
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_and_others_do_not() {
        for e in EventType::ALL {
            assert_eq!(EventType::parse(e.as_str()), Some(e));
        }
        assert_eq!(EventType::parse("contact.exploded"), None);
        assert_eq!(EventType::parse("Contact.Created"), None);
    }
}
