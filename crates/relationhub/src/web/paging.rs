//! "Next" / "Previous" over keyset pages: the URL carries the cursor of the current page and
//! the cursors of the pages before it, so going back needs no server state.

use super::page::q;

/// Where a list page is, read from `?after=…&back=…`.
#[derive(Debug, Clone, Default)]
pub struct Position {
    /// Cursor the current page starts after (none on the first page).
    pub after: Option<String>,
    /// The `after` cursors of earlier pages, oldest first ("" for the first page).
    pub back: Vec<String>,
}

/// Most earlier pages remembered (keeps URLs bounded; "Previous" past it returns to page one).
const MAX_BACK: usize = 50;

impl Position {
    /// From the query parameters.
    pub fn new(after: Option<String>, back: Option<String>) -> Position {
        let after = after.filter(|a| !a.is_empty());
        let mut back: Vec<String> =
            back.unwrap_or_default().split(',').map(str::to_owned).filter(|s| s.len() < 400).collect();
        if back.len() == 1 && back[0].is_empty() && after.is_none() {
            back.clear();
        }
        if back.len() > MAX_BACK {
            back.drain(..back.len() - MAX_BACK);
        }
        Position { after, back }
    }

    /// Query string (without `?`) of the next page, given the current page's last cursor.
    pub fn next(&self, end_cursor: &str) -> String {
        let mut back = self.back.clone();
        back.push(self.after.clone().unwrap_or_default());
        format!("after={}&back={}", q(end_cursor), q(&back.join(",")))
    }

    /// Query string of the previous page, if there is one.
    pub fn previous(&self) -> Option<String> {
        self.after.as_ref()?;
        let mut back = self.back.clone();
        let prev = back.pop().unwrap_or_default();
        if prev.is_empty() && back.is_empty() {
            return Some(String::new());
        }
        Some(format!("after={}&back={}", q(&prev), q(&back.join(","))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_then_previous_returns_to_the_first_page() {
        let first = Position::new(None, None);
        assert_eq!(first.previous(), None);
        let second_q = first.next("c1");
        assert_eq!(second_q, "after=c1&back=");
        let second = Position::new(Some("c1".into()), Some(String::new()));
        assert_eq!(second.previous().as_deref(), Some(""));
        let third = Position::new(Some("c2".into()), Some(",c1".into()));
        assert_eq!(third.previous().as_deref(), Some("after=c1&back="));
    }
}
