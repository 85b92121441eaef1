//! A small RFC 4180 CSV reader that remembers the line each record starts on (quoted fields may
//! span lines, so a record's line is not its index) for error reports.

/// One record: the 1-based line it starts on and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Line of the record's first character.
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// Splits `text` into records. Quotes may contain commas, doubled quotes and newlines; CRLF and
/// LF both end a record; blank lines are dropped. An unterminated quote runs to the end of the
/// text (the caller reports the record's line if its content is then invalid).
pub fn records(text: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line = 1usize;
    let mut start = 1usize;
    let mut chars = text.strip_prefix('\u{feff}').unwrap_or(text).chars().peekable();
    let mut touched = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                in_quotes = true;
                touched = true;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                touched = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                finish(&mut out, &mut fields, &mut field, start, touched);
                touched = false;
                line += 1;
                start = line;
            }
            _ => {
                field.push(c);
                touched = true;
            }
        }
    }
    finish(&mut out, &mut fields, &mut field, start, touched);
    out
}

fn finish(out: &mut Vec<Record>, fields: &mut Vec<String>, field: &mut String, line: usize, touched: bool) {
    if touched || !field.is_empty() || !fields.is_empty() {
        fields.push(std::mem::take(field));
        out.push(Record { line, fields: std::mem::take(fields) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_commas_newlines_and_lines() {
        let r = records("\u{feff}a,b\r\n\"x, y\",\"multi\nline \"\"q\"\"\"\r\n\nlast,\n");
        assert_eq!(r.len(), 3);
        assert_eq!(r[0], Record { line: 1, fields: vec!["a".into(), "b".into()] });
        assert_eq!(r[1].line, 2);
        assert_eq!(r[1].fields, vec!["x, y".to_string(), "multi\nline \"q\"".to_string()]);
        assert_eq!(r[2], Record { line: 5, fields: vec!["last".into(), String::new()] });
    }
}
