//! The user's other sending addresses ("aliases"): mail from them counts as mail from the user
//! (a SENT entry for each contact addressed), like mail from the account address.

use crate::app::{ApiError, ApiResult, AppState};
use domain::User;
use domain::validate::EmailAddress;

/// Most aliases one user may name.
pub const MAX_ALIASES: usize = 50;

/// The user's aliases, lower-cased and sorted.
pub async fn list(st: &AppState, user: &User) -> ApiResult<Vec<String>> {
    Ok(st.store.mail_aliases(&user.id).await?)
}

/// Replaces the user's aliases. Each must be a valid address other than the account's own;
/// duplicates collapse. An invalid one refuses the whole list and changes nothing.
#[tracing::instrument(skip_all, fields(op = "set_mail_aliases", user = %user.id))]
pub async fn set(st: &AppState, user: &User, addresses: &[String]) -> ApiResult<Vec<String>> {
    let mut parsed: Vec<String> = Vec::with_capacity(addresses.len());
    for a in addresses.iter().filter(|a| !a.trim().is_empty()) {
        let a = EmailAddress::parse("addresses", a)?.as_str().to_lowercase();
        if a == user.email.to_lowercase() {
            continue;
        }
        if !parsed.contains(&a) {
            parsed.push(a);
        }
    }
    if parsed.len() > MAX_ALIASES {
        return Err(ApiError::bad_input("addresses", format!("at most {MAX_ALIASES} aliases")));
    }
    parsed.sort();
    st.store.set_mail_aliases(&user.id, &parsed).await?;
    Ok(parsed)
}

/// True when `address` (lower-cased) is one of the user's aliases.
pub async fn is_alias(st: &AppState, user_id: &str, address: &str) -> ApiResult<bool> {
    if address.is_empty() {
        return Ok(false);
    }
    Ok(st.store.mail_aliases(user_id).await?.iter().any(|a| a == address))
}
