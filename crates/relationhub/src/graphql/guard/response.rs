//! The serialised response, written into a buffer that refuses to grow past a cap: a response
//! over `RELATIONHUB_MAX_RESPONSE_BYTES` is never built in full, and the client gets a GraphQL
//! error telling it to ask for less.

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
}
