//! Open tracking: the pixel the HTTP layer serves at `GET /t/{token}.gif`, and recording the open.

use store::Store;

/// A transparent 1×1 GIF (GIF89a, 43 bytes).
pub const PIXEL_GIF: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, // "GIF89a"
    0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, // 1×1, global colour table of 2 entries
    0x00, 0x00, 0x00, 0xff, 0xff, 0xff, // black, white
    0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, // graphic control: colour 0 transparent
    0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // image descriptor
    0x02, 0x02, 0x44, 0x01, 0x00, // LZW image data
    0x3b, // trailer
];

/// Whether `token` has the shape of a token we issue (base64url); anything else is not looked up.
fn plausible(token: &str) -> bool {
    (16..=128).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Records the first fetch of the pixel for `token`; `true` only when this call set `openedAt`.
/// Unknown tokens, repeated fetches and database errors (logged) are `false`: the pixel is served
/// the same either way, so a fetch never reveals whether a token exists.
pub async fn record_open(store: &Store, token: &str) -> bool {
    if !plausible(token) {
        return false;
    }
    match store.mark_opened(token).await {
        Ok(first) => first,
        Err(e) => {
            tracing::warn!(error = %e, "could not record an email open");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pixel_is_a_43_byte_gif89a_ending_in_a_trailer() {
        assert_eq!(PIXEL_GIF.len(), 43);
        assert!(PIXEL_GIF.starts_with(b"GIF89a"));
        assert_eq!(PIXEL_GIF.last(), Some(&0x3b));
        assert_eq!(&PIXEL_GIF[6..10], &[1, 0, 1, 0], "1×1");
    }

    #[test]
    fn only_token_shaped_strings_are_looked_up() {
        assert!(plausible(&store::delivery::new_tracking_token()));
        assert!(!plausible("short"));
        assert!(!plausible("has spaces and ' quotes in it"));
        assert!(!plausible(&"a".repeat(129)));
    }
}
