//! Contacts as vCard 4.0 (RFC 6350), written with `calcard` (escaping, line folding at 75
//! octets, CRLF). RelationHub's own fields without a vCard property travel as `X-RELATIONHUB-*`
//! properties, which the vCard import reads back.

use super::pages;
use crate::app::{ApiError, ApiResult};
use calcard::common::PartialDateTime;
use calcard::vcard::{VCard, VCardEntry, VCardProperty, VCardValue, VCardVersion};
use chrono::Datelike;
use domain::User;
use store::Store;
use store::archive::ArchiveContact;
use tokio::io::AsyncWrite;

fn text(name: VCardProperty, v: &str) -> VCardEntry {
    VCardEntry::new(name).with_value(v.to_owned())
}

/// The card of one contact.
pub(crate) fn card(c: &ArchiveContact) -> VCard {
    let mut entries =
        vec![text(VCardProperty::Uid, &format!("urn:uuid:{}", c.id)), text(VCardProperty::Fn, &c.name)];
    let optional = [
        (VCardProperty::Email, &c.email),
        (VCardProperty::Tel, &c.phone),
        (VCardProperty::Org, &c.company),
        (VCardProperty::Title, &c.role),
        (VCardProperty::Url, &c.linked_in_url),
        (VCardProperty::Note, &c.notes),
        (VCardProperty::Other("X-RELATIONHUB-INDUSTRY".into()), &c.industry),
    ];
    for (name, value) in optional {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            entries.push(text(name, v));
        }
    }
    if let Some(d) = c.birthday
        && let (Ok(year), Ok(month), Ok(day)) =
            (u16::try_from(d.year()), u8::try_from(d.month()), u8::try_from(d.day()))
    {
        let date =
            PartialDateTime { year: Some(year), month: Some(month), day: Some(day), ..Default::default() };
        entries.push(VCardEntry::new(VCardProperty::Bday).with_value(VCardValue::PartialDateTime(date)));
    }
    entries.push(text(VCardProperty::Other("X-RELATIONHUB-PRIORITY".into()), c.priority.as_str()));
    entries.push(text(VCardProperty::Rev, &c.updated_at.0.format("%Y%m%dT%H%M%SZ").to_string()));
    VCard { entries }
}

/// Writes one card per contact; returns the number of contacts.
pub(super) async fn write<W: AsyncWrite + Unpin + Send>(
    store: &Store,
    user: &User,
    out: &mut W,
) -> ApiResult<u64> {
    pages::<ArchiveContact, W>(store, &user.id, out, |c, _, buf| {
        let mut s = String::new();
        card(c)
            .write_to(&mut s, VCardVersion::V4_0)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("vCard formatting failed: {e}")))?;
        buf.extend_from_slice(s.as_bytes());
        Ok(())
    })
    .await
}
