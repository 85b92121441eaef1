//! The guide's enums (`EmailStatus`, `TemplateType`, `Direction`) and ours (`Priority`, `TokenKind`).
//!
//! Each maps to a PostgreSQL enum of the same name and to TEXT with a CHECK constraint on SQLite.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Generates `as_str`, `ALL`, `Display` and `FromStr` for a fieldless enum whose variants are
/// spelled in SCREAMING_SNAKE_CASE in the database.
macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The database / API spelling of this variant.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = crate::ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(crate::ValidationError::new(
                        stringify!($ty),
                        format!("unknown value {other:?}; expected one of {}",
                            [$($text),+].join(", ")),
                    )),
                }
            }
        }
    };
}

/// Email lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "\"EmailStatus\"", rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum EmailStatus {
    /// Being composed.
    Draft,
    /// Queued for sending.
    Scheduled,
    /// Successfully sent.
    Sent,
    /// Send attempt failed.
    Failed,
    /// User cancelled.
    Cancelled,
}
text_enum!(EmailStatus { Draft => "DRAFT", Scheduled => "SCHEDULED", Sent => "SENT", Failed => "FAILED", Cancelled => "CANCELLED" });

/// Email style or source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "\"TemplateType\"", rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum TemplateType {
    /// Professional tone.
    Formal,
    /// Friendly tone.
    Casual,
    /// User-defined.
    Custom,
    /// Created by AI from instructions only.
    AiGenerated,
    /// From a saved template.
    TemplateBased,
}
text_enum!(TemplateType { Formal => "FORMAL", Casual => "CASUAL", Custom => "CUSTOM", AiGenerated => "AI_GENERATED", TemplateBased => "TEMPLATE_BASED" });

/// Communication direction of a conversation entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "\"Direction\"", rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum Direction {
    /// The user sent it to the contact.
    Sent,
    /// The user received it from the contact.
    Received,
}
text_enum!(Direction { Sent => "SENT", Received => "RECEIVED" });

/// How important keeping in touch with a contact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "\"Priority\"", rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum Priority {
    /// Keep in close touch.
    High,
    /// The default.
    Medium,
    /// Occasional contact is enough.
    Low,
}
text_enum!(Priority { High => "HIGH", Medium => "MEDIUM", Low => "LOW" });

/// What an access token was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TokenKind {
    /// Issued by `signIn` / `signUp`; ends with `signOut` or expiry.
    Session,
    /// A personal API token for scripts (`relationhub token create`).
    Api,
}
text_enum!(TokenKind { Session => "SESSION", Api => "API" });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_through_its_text() {
        for s in EmailStatus::ALL {
            assert_eq!(s.as_str().parse::<EmailStatus>(), Ok(*s));
        }
        for t in TemplateType::ALL {
            assert_eq!(t.as_str().parse::<TemplateType>(), Ok(*t));
        }
        assert_eq!("AI_GENERATED".parse::<TemplateType>(), Ok(TemplateType::AiGenerated));
        assert!("draft".parse::<EmailStatus>().is_err());
    }
}
