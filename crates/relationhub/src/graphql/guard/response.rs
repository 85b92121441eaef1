//! The serialised response, written into a buffer that refuses to grow past a cap: a response
//! over `RELATIONHUB_MAX_RESPONSE_BYTES` is never built in full, and the client gets a GraphQL
//! error telling it to ask for less.

use crate::app::error::Code;
use std::io;

/// The serialised response would be larger than the cap.
#[derive(Debug, thiserror::Error)]
pub enum SerialiseError {
    /// Over the cap; serialisation stopped there.
    #[error("the response is larger than {max} bytes")]
    TooLarge {
        /// The cap.
        max: usize,
    },
    /// The value could not be serialised at all (a bug, not the client's fault).
    #[error("cannot serialise the response: {0}")]
    Other(serde_json::Error),
}

impl SerialiseError {
    /// The response sent instead: BAD_USER_INPUT telling the client to ask for less (and, for a
    /// mutation, that its changes were made), or INTERNAL when serialisation itself failed.
    pub fn into_response(self, is_mutation: bool) -> async_graphql::Response {
        let (code, message) = match self {
            SerialiseError::TooLarge { max } => (
                Code::BadUserInput,
                format!(
                    "the response is larger than this server's limit of {max} bytes; ask for fewer rows \
                     (a smaller `first`) or fewer fields{}",
                    if is_mutation { " (the mutation itself was carried out)" } else { "" }
                ),
            ),
            SerialiseError::Other(e) => {
                tracing::error!(error = %e, "cannot serialise a GraphQL response");
                (Code::Internal, "internal error".to_owned())
            }
        };
        let mut error = async_graphql::ServerError::new(message, None);
        error.extensions.get_or_insert_with(Default::default).set("code", code.as_str());
        async_graphql::Response::from_errors(vec![error])
    }
}

/// A `Vec` that accepts at most `cap` bytes.
struct Capped {
    buf: Vec<u8>,
    cap: usize,
}

impl io::Write for Capped {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.buf.len().saturating_add(bytes.len()) > self.cap {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "response cap reached"));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `value` as JSON, or `TooLarge` as soon as more than `cap` bytes would be needed.
pub fn to_json_capped<T: serde::Serialize>(value: &T, cap: usize) -> Result<Vec<u8>, SerialiseError> {
    // Start small: most responses are a few kilobytes; the buffer grows as needed up to `cap`.
    let mut out = Capped { buf: Vec::with_capacity(cap.min(16 * 1024)), cap };
    match serde_json::to_writer(&mut out, value) {
        Ok(()) => Ok(out.buf),
        Err(e) if e.is_io() => Err(SerialiseError::TooLarge { max: cap }),
        Err(e) => Err(SerialiseError::Other(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_response_within_the_cap_is_serialised_whole() {
        let v = json!({ "data": { "a": "x".repeat(100) } });
        let bytes = to_json_capped(&v, 1000).unwrap();
        assert_eq!(bytes, serde_json::to_vec(&v).unwrap());
        let exact = serde_json::to_vec(&v).unwrap().len();
        assert!(to_json_capped(&v, exact).is_ok());
        assert!(
            matches!(to_json_capped(&v, exact - 1), Err(SerialiseError::TooLarge { max }) if max == exact - 1)
        );
    }

    #[test]
    fn over_the_cap_the_client_is_told_to_ask_for_less() {
        let v = serde_json::to_value(SerialiseError::TooLarge { max: 10 }.into_response(true)).unwrap();
        assert_eq!(v["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        let message = v["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("10 bytes") && message.contains("fewer rows"), "{message}");
        assert!(message.contains("mutation itself was carried out"), "{message}");
        assert!(v["data"].is_null());
    }
}
