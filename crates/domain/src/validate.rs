//! Validated values: each type can only be built by parsing, so holding one proves the rule held.
//!
//! Limits follow the API issue: names 1–255 characters, phone ≤ 50, notes ≤ 10,000, email subject
//! 1–500, body 1–50,000, conversation content 1–100,000, metadata a JSON object ≤ 16 KB.

use crate::error::ValidationError;

/// Declares a text newtype with a character-length range and a `parse(field, raw)` constructor.
macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, min = $min:expr, max = $max:expr, trim = $trim:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Smallest accepted length in characters.
            pub const MIN: usize = $min;
            /// Largest accepted length in characters.
            pub const MAX: usize = $max;

            /// Checks `raw` against the limits; `field` names the input in the error.
            pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationError> {
                let value = if $trim { raw.trim() } else { raw };
                check_len(field, value, Self::MIN, Self::MAX)?;
                Ok(Self(value.to_owned()))
            }

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Gives up the wrapper.
            pub fn into_inner(self) -> String {
                self.0
            }
        }
    };
}

fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), ValidationError> {
    let n = value.chars().count();
    if min > 0 && value.trim().is_empty() {
        return Err(ValidationError::new(field, "must not be blank"));
    }
    if n < min {
        return Err(ValidationError::new(field, format!("must be at least {min} characters")));
    }
    if n > max {
        return Err(ValidationError::new(field, format!("must be at most {max} characters (got {n})")));
    }
    Ok(())
}

bounded_text!(
    /// A person's display name: 1–255 characters, not blank.
    PersonName, min = 1, max = 255, trim = true
);
bounded_text!(
    /// A short optional attribute (company, role, industry): at most 255 characters.
    ShortText, min = 0, max = 255, trim = true
);
bounded_text!(
    /// A phone number: at most 50 characters.
    Phone, min = 0, max = 50, trim = true
);
bounded_text!(
    /// Free-form notes: at most 10,000 characters.
    Notes, min = 0, max = 10_000, trim = false
);
bounded_text!(
    /// An email subject: 1–500 characters.
    Subject, min = 1, max = 500, trim = true
);
bounded_text!(
    /// A plain-text email body: 1–50,000 characters.
    Body, min = 1, max = 50_000, trim = false
);
bounded_text!(
    /// A template name: 1–255 characters.
    TemplateName, min = 1, max = 255, trim = true
);
bounded_text!(
    /// Conversation content: 1–100,000 characters.
    HistoryContent, min = 1, max = 100_000, trim = false
);
bounded_text!(
    /// A password: 8–256 characters (long enough to resist guessing, short enough to hash fast).
    Password, min = 8, max = 256, trim = false
);

/// An email address: one `@`, a plausible local part and a dotted domain; stored lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses and normalises an address.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationError> {
        let value = raw.trim();
        let bad = || ValidationError::new(field, format!("{value:?} is not a valid email address"));
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = value.rsplit_once('@').ok_or_else(bad)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(bad());
        }
        Ok(Self(value.to_lowercase()))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Gives up the wrapper.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An http(s) URL such as a LinkedIn profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    /// Accepts only absolute `http://` or `https://` URLs with a host, at most 2,048 characters.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationError> {
        let value = raw.trim();
        let lower = value.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .ok_or_else(|| ValidationError::new(field, "must be an http:// or https:// URL"))?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty() || value.len() > 2048 || value.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ValidationError::new(field, "must be an http:// or https:// URL with a host"));
        }
        Ok(Self(value.to_owned()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Gives up the wrapper.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Conversation metadata: a JSON object of at most 16 KB when serialised.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata(serde_json::Value);

impl Metadata {
    /// Largest accepted serialised size in bytes.
    pub const MAX_BYTES: usize = 16 * 1024;

    /// Accepts only JSON objects within the size limit.
    pub fn parse(field: &str, value: serde_json::Value) -> Result<Self, ValidationError> {
        if !value.is_object() {
            return Err(ValidationError::new(field, "must be a JSON object"));
        }
        let size = serde_json::to_vec(&value).map(|v| v.len()).unwrap_or(usize::MAX);
        if size > Self::MAX_BYTES {
            return Err(ValidationError::new(field, format!("must be at most 16 KB (got {size} bytes)")));
        }
        Ok(Self(value))
    }

    /// The JSON object.
    pub fn as_value(&self) -> &serde_json::Value {
        &self.0
    }

    /// Gives up the wrapper.
    pub fn into_inner(self) -> serde_json::Value {
        self.0
    }
}

/// Parses an optional short attribute, treating blank as absent.
pub fn optional<T>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, ValidationError>,
) -> Result<Option<T>, ValidationError> {
    match raw {
        Some(s) if !s.trim().is_empty() => parse(s).map(Some),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_non_blank_and_at_most_255_chars() {
        assert!(PersonName::parse("name", "   ").is_err());
        assert!(PersonName::parse("name", "").is_err());
        assert!(PersonName::parse("name", &"é".repeat(255)).is_ok());
        let err = PersonName::parse("name", &"x".repeat(256)).unwrap_err();
        assert_eq!(err.field, "name");
        assert_eq!(PersonName::parse("name", "  Ada  ").unwrap().as_str(), "Ada");
    }

    #[test]
    fn email_addresses_are_checked_and_lowercased() {
        assert_eq!(EmailAddress::parse("email", "Ada@Example.COM").unwrap().as_str(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@@example.com",
            "ada@-x.com",
            ".a@x.com",
        ] {
            assert!(EmailAddress::parse("email", bad).is_err(), "{bad} accepted");
        }
        assert!(EmailAddress::parse("email", "first.last+tag@sub.example.co.uk").is_ok());
    }

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        assert!(WebUrl::parse("u", "https://www.linkedin.com/in/ada").is_ok());
        assert!(WebUrl::parse("u", "HTTP://example.com").is_ok());
        for bad in ["javascript:alert(1)", "ftp://x.com", "https://", "linkedin.com/in/ada", "https:// x.com"]
        {
            assert!(WebUrl::parse("u", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn metadata_must_be_a_small_object() {
        assert!(Metadata::parse("metadata", serde_json::json!({"subject": "hi"})).is_ok());
        assert!(Metadata::parse("metadata", serde_json::json!([1, 2])).is_err());
        assert!(Metadata::parse("metadata", serde_json::json!("x")).is_err());
        let big = serde_json::json!({"k": "x".repeat(17 * 1024)});
        assert!(Metadata::parse("metadata", big).is_err());
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        assert!(Subject::parse("subject", &"ü".repeat(500)).is_ok());
        assert!(Subject::parse("subject", &"ü".repeat(501)).is_err());
        assert!(Phone::parse("phone", &"1".repeat(51)).is_err());
        assert!(Notes::parse("notes", &"n".repeat(10_000)).is_ok());
        assert!(Notes::parse("notes", &"n".repeat(10_001)).is_err());
    }
}
