//! Scenario errors: `file:line:column: error: message`, then the line and a caret, as rustc
//! prints them.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    /// The offending source line, for the caret display.
    pub source_line: String,
}

impl ScenarioError {
    /// An error at byte `offset` of `text`.
    pub fn at(file: &str, text: &str, offset: usize, message: impl Into<String>) -> ScenarioError {
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let source_line = text[line_start..].lines().next().unwrap_or("").to_string();
        ScenarioError {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            source_line,
        }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.line, self.column, self.message
        )?;
        if !self.source_line.is_empty() {
            let pad = " ".repeat(self.line.to_string().len());
            writeln!(f, "{pad} |")?;
            writeln!(f, "{} | {}", self.line, self.source_line)?;
            write!(f, "{pad} | {}^", " ".repeat(self.column.saturating_sub(1)))?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = (prev + (ca != b[j]) as usize).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `; did you mean "x"?` when a candidate is close enough, else nothing.
pub fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let best = candidates
        .into_iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .min();
    match best {
        Some((d, c)) if d <= (word.len() / 3).max(2) => format!("; did you mean \"{c}\"?"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_and_caret() {
        let text = "a = 1\nbb = oops\n";
        let e = ScenarioError::at("f.toml", text, 11, "bad value");
        assert_eq!((e.line, e.column), (2, 6));
        assert_eq!(
            e.to_string(),
            "f.toml:2:6: error: bad value\n  |\n2 | bb = oops\n  |      ^"
        );
    }

    #[test]
    fn suggestions_only_when_close() {
        assert_eq!(
            suggestion("partiton", ["partition", "heal"]),
            "; did you mean \"partition\"?"
        );
        assert_eq!(suggestion("zzzzzz", ["partition", "heal"]), "");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
