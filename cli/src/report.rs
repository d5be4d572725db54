//! Errors as the command prints them: located, with a source snippet and a caret where the
//! input is at hand, the did-you-mean hint on a `help` line; JSON under `--output json`.

use std::io::IsTerminal;
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use crossborder::Location;
use serde::Serialize;

use crate::Exit;

/// One problem, located where the input allows.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Diagnostic {
    pub(crate) message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    /// The text the line and column point into, for the snippet.
    #[serde(skip)]
    pub(crate) source: Option<Arc<str>>,
}

impl Diagnostic {
    /// A diagnostic about the whole input (no place in it).
    pub(crate) fn new(message: impl Into<String>) -> Self {
        let (message, hint) = split_hint(&message.into());
        Diagnostic {
            message,
            hint,
            ..Diagnostic::default()
        }
    }

    /// A diagnostic from a library error's message and location; `file` names the input when
    /// the location does not, and `source` is its text.
    pub(crate) fn located(
        message: &str,
        location: Option<&Location>,
        file: Option<&str>,
        source: Option<&Arc<str>>,
    ) -> Self {
        let mut d = Diagnostic::new(message);
        d.file = location
            .and_then(Location::file)
            .or(file)
            .map(str::to_owned);
        if let Some(l) = location {
            d.line = l.line();
            d.column = l.column();
            d.path = Some(l.path().to_owned()).filter(|p| !p.is_empty());
        }
        d.source = source.cloned();
        d
    }

    /// The same diagnostic, moved down `lines - 1` lines (for an item of a larger text).
    pub(crate) fn shifted(mut self, first_line: usize) -> Self {
        if let Some(l) = self.line.as_mut() {
            *l += first_line - 1;
        }
        self
    }

    /// `file:line:column: path: ` — the place, as a prefix.
    fn place(&self) -> String {
        let mut parts = Vec::new();
        if let Some(f) = &self.file {
            parts.push(f.clone());
        }
        if let (Some(l), Some(c)) = (self.line, self.column) {
            parts.push(format!("{l}:{c}"));
        }
        let mut place = parts.join(":");
        if let Some(p) = &self.path {
            if !place.is_empty() {
                place.push_str(": ");
            }
            place.push_str(p);
        }
        place
    }

    /// The diagnostic as text: a snippet with a caret when the source and line are known,
    /// else one line; the hint on a `help` line.
    pub(crate) fn render(&self, styled: bool) -> String {
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let place = self.place();
        let title = if place.is_empty() {
            self.message.clone()
        } else {
            format!("{place}: {}", self.message)
        };
        if let (Some(src), Some(line), Some(col)) = (&self.source, self.line, self.column)
            && let Some(span) = token_span(src, line, col)
        {
            let label = self.path.clone().unwrap_or_default();
            let mut snippet =
                Snippet::source(&**src).annotation(AnnotationKind::Primary.span(span).label(label));
            if let Some(f) = &self.file {
                snippet = snippet.path(f.as_str());
            }
            let mut group = Level::ERROR
                .primary_title(self.message.as_str())
                .element(snippet);
            if let Some(h) = &self.hint {
                group = group.element(Level::HELP.message(h.as_str()));
            }
            return renderer.render(&[group]);
        }
        match &self.hint {
            Some(h) => renderer.render(&[Level::ERROR
                .primary_title(title.as_str())
                .element(Level::HELP.message(h.as_str()))]),
            None => format!("error: {title}"),
        }
    }
}

/// Why a command stopped: invalid input or an I/O error, with every problem found.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) json: bool,
}

impl Failure {
    /// Invalid input.
    pub(crate) fn invalid(diagnostics: Vec<Diagnostic>) -> Self {
        Failure {
            exit: Exit::Invalid,
            diagnostics,
            json: false,
        }
    }

    /// A usage error clap cannot see (a missing choice, a malformed `--option`).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure::of(Exit::Usage, Diagnostic::new(message))
    }

    /// An I/O error reading `file`.
    pub(crate) fn io(file: &str, e: &std::io::Error) -> Self {
        Failure::io_error("read", file, e)
    }

    /// An I/O error writing `file`.
    pub(crate) fn write(file: &str, e: &std::io::Error) -> Self {
        Failure::io_error("write", file, e)
    }

    fn io_error(verb: &str, file: &str, e: &std::io::Error) -> Self {
        let mut d = Diagnostic::new(format!("cannot {verb} `{file}`: {e}"));
        d.file = Some(file.to_owned());
        Failure::of(Exit::Io, d)
    }

    fn of(exit: Exit, d: Diagnostic) -> Self {
        Failure {
            exit,
            diagnostics: vec![d],
            json: false,
        }
    }

    /// The same failure, reported as JSON when `json`.
    pub(crate) fn json(mut self, json: bool) -> Self {
        self.json = json;
        self
    }

    /// Prints the failure on stderr; returns its exit code.
    pub(crate) fn report(&self) -> Exit {
        print_diagnostics(&self.diagnostics, self.json, self.exit);
        self.exit
    }
}

/// Prints `diagnostics` on stderr, as text or as one JSON object.
pub(crate) fn print_diagnostics(diagnostics: &[Diagnostic], json: bool, exit: Exit) {
    if json {
        let code = match exit {
            Exit::Io => "io",
            Exit::Usage => "usage",
            _ => "invalid_input",
        };
        let doc = serde_json::json!({ "error": { "code": code, "diagnostics": diagnostics } });
        eprintln!("{doc}");
        return;
    }
    let styled = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for d in diagnostics {
        eprintln!("{}", d.render(styled));
    }
}

/// Splits the did-you-mean phrase off a library message: `unknown group `EEE`; did you mean
/// `EEA`?` → (`unknown group `EEE``, `did you mean `EEA`?`).
pub(crate) fn split_hint(message: &str) -> (String, Option<String>) {
    let Some(i) = message.find("did you mean ") else {
        return (message.to_owned(), None);
    };
    let Some(end) = message[i..].find('?').map(|e| i + e + 1) else {
        return (message.to_owned(), None);
    };
    let hint = message[i..end].to_owned();
    let mut head = message[..i].trim_end().to_owned();
    let mut tail = message[end..].to_owned();
    if head.ends_with('(') && tail.starts_with(')') {
        head.pop();
        tail.remove(0);
    }
    let head = head
        .trim_end()
        .trim_end_matches([';', ':', ','])
        .trim_end()
        .to_owned();
    let tail = tail.trim_start_matches([';', ',']).trim();
    let message = if tail.is_empty() {
        head
    } else if tail.starts_with('(') {
        format!("{head} {tail}")
    } else {
        format!("{head}; {tail}")
    };
    (message, Some(hint))
}

/// The byte range of the token at 1-based `line`, `column` (characters) of `src`: a quoted
/// string whole, else up to the next space, comma or bracket; at least one character.
fn token_span(src: &str, line: usize, column: usize) -> Option<std::ops::Range<usize>> {
    let line_start = if line <= 1 {
        0
    } else {
        src.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let rest = src.get(line_start..)?;
    let line_text = rest.split('\n').next().unwrap_or("");
    let start = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_text.len(), |(i, _)| i);
    // A position on the closing quote of a string (where serde_json puts an unknown field):
    // the whole string.
    let before = line_text.get(..start).unwrap_or("");
    let closes = line_text.get(start..).is_some_and(|t| t.starts_with('"'))
        && before
            .chars()
            .last()
            .is_some_and(|c| !c.is_whitespace() && !"{[,:".contains(c));
    if closes && let Some(open) = before.rfind('"') {
        return Some(line_start + open..line_start + start + 1);
    }
    let tail = line_text.get(start..).unwrap_or("");
    let len = if let Some(q) = tail.chars().next().filter(|c| *c == '"' || *c == '\'') {
        tail[1..].find(q).map_or(tail.len(), |e| e + 2)
    } else {
        tail.find(|c: char| c.is_whitespace() || ",]}".contains(c))
            .unwrap_or(tail.len())
    };
    let len = len.max(tail.chars().next().map_or(0, char::len_utf8));
    Some(line_start + start..line_start + start + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_split_off() {
        assert_eq!(
            split_hint("unknown group `EEE`; did you mean `EEA`?"),
            (
                "unknown group `EEE`".to_owned(),
                Some("did you mean `EEA`?".to_owned())
            )
        );
        assert_eq!(
            split_hint(
                "consent `c` names category `x`, which no enabled pack declares (did you mean `y`?)"
            ),
            (
                "consent `c` names category `x`, which no enabled pack declares".to_owned(),
                Some("did you mean `y`?".to_owned())
            )
        );
        assert_eq!(
            split_hint("unknown variant `explict`: did you mean `explicit`? expected one of `a`"),
            (
                "unknown variant `explict`; expected one of `a`".to_owned(),
                Some("did you mean `explicit`?".to_owned())
            )
        );
        assert_eq!(split_hint("plain"), ("plain".to_owned(), None));
    }

    #[test]
    fn token_spans_cover_one_value() {
        let src = "a = 1\nb = \"x y\", c\n";
        assert_eq!(token_span(src, 2, 5), Some(10..15));
        assert_eq!(token_span(src, 1, 5), Some(4..5));
        assert_eq!(token_span(src, 2, 12), Some(17..18));
        // serde_json points at the closing quote of an unknown key.
        assert_eq!(token_span("{\"ab\": 1}", 1, 5), Some(1..5));
    }
}
