//! HTML email bodies: sanitised on the way in, rendered from plain text when absent.

use crate::error::ValidationError;

/// An HTML body that has been sanitised: no scripts, event handlers or `javascript:` URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeHtml(String);

impl SafeHtml {
    /// Largest accepted input, in characters, before sanitising.
    pub const MAX: usize = 50_000;

    /// Checks the size, then removes everything that could run code in a mail client.
    ///
    /// `ammonia` keeps a conservative allow-list of tags and attributes, drops `<script>`,
    /// `<style>`, `on*` attributes and any URL whose scheme is not http(s)/mailto.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationError> {
        let n = raw.chars().count();
        if n > Self::MAX {
            return Err(ValidationError::new(
                field,
                format!("must be at most {} characters (got {n})", Self::MAX),
            ));
        }
        let clean = ammonia::Builder::default()
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .link_rel(Some("noopener noreferrer"))
            .clean(raw)
            .to_string();
        Ok(Self(clean))
    }

    /// Renders a plain-text body as HTML: escaped, paragraphs on blank lines, `<br>` on single
    /// newlines.
    pub fn from_plain_text(text: &str) -> Self {
        let paragraphs: Vec<String> = text
            .replace("\r\n", "\n")
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
            .map(|p| format!("<p>{}</p>", escape(p.trim_matches('\n')).replace('\n', "<br>\n")))
            .collect();
        Self(paragraphs.join("\n"))
    }

    /// The sanitised HTML.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Gives up the wrapper.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Escapes text for inclusion in HTML element content or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_javascript_urls_do_not_survive() {
        let dirty = r#"<p onclick="steal()">Hi</p><script>alert(1)</script><a href="javascript:alert(2)">x</a><img src=x onerror=alert(3)><a href="https://ok.example">ok</a>"#;
        let clean = SafeHtml::parse("bodyHtml", dirty).unwrap();
        let s = clean.as_str().to_lowercase();
        assert!(!s.contains("script"), "{s}");
        assert!(!s.contains("onclick") && !s.contains("onerror"), "{s}");
        assert!(!s.contains("javascript:"), "{s}");
        assert!(s.contains("https://ok.example"), "{s}");
        assert!(s.contains("<p>hi</p>"), "{s}");
    }

    #[test]
    fn oversized_html_is_refused() {
        assert!(SafeHtml::parse("bodyHtml", &"a".repeat(50_001)).is_err());
    }

    #[test]
    fn plain_text_is_escaped_into_paragraphs() {
        let html = SafeHtml::from_plain_text("Hi <Ada>,\nline two\n\nBye & thanks");
        assert_eq!(html.as_str(), "<p>Hi &lt;Ada&gt;,<br>\nline two</p>\n<p>Bye &amp; thanks</p>");
    }
}
