//! Loading: TOML or JSON text → document → [`PolicyPack`], with every problem located (file,
//! line and column where the format gives them, and the path inside the pack).
//!
//! Owns parsing and locating; hands the document to [`super::validate`].

use std::sync::Arc;

use super::PolicyPack;
use super::doc::PackDoc;
use super::limits::Limits;
use crate::error::{Location, PackError, PackProblem, PackProblemKind};

/// The format of a pack's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// TOML, for people.
    Toml,
    /// JSON, for machines (the same structure).
    Json,
}

impl Format {
    /// The format a file name's extension says (`.toml`, `.json`), if any.
    ///
    /// ```
    /// use crossborder::pack::Format;
    /// assert_eq!(Format::of_path("packs/acme.toml".as_ref()), Some(Format::Toml));
    /// assert_eq!(Format::of_path("acme.JSON".as_ref()), Some(Format::Json));
    /// assert_eq!(Format::of_path("acme.yaml".as_ref()), None);
    /// ```
    #[must_use]
    pub fn of_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Loads packs — from text, bytes or a file — with a file name for error locations and the
/// limits an untrusted pack must stay within.
///
/// Every problem is reported at once, sorted by position, each with the file, the line and
/// column where the format gives them, and the path inside the pack.
///
/// ```
/// use crossborder::PackLoader;
/// let err = PackLoader::new().file_name("mine.toml").load_toml("format = 2").unwrap_err();
/// assert_eq!(err.problems()[0].location().file(), Some("mine.toml"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct PackLoader {
    file: Option<Arc<str>>,
    limits: Limits,
}

impl PackLoader {
    /// A loader with no file name.
    #[must_use]
    pub fn new() -> Self {
        PackLoader::default()
    }

    /// Names the file the text comes from, for error locations.
    #[must_use]
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file = Some(name.into().into());
        self
    }

    /// Sets the limits an untrusted pack must stay within (default: [`Limits::default`]).
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Loads and validates bytes in `format`: text that is not UTF-8 is a located problem (file,
    /// byte offset, line and column), never replaced characters.
    ///
    /// # Errors
    ///
    /// A [`PackError`] with every problem found.
    ///
    /// ```
    /// use crossborder::PackLoader;
    /// use crossborder::pack::Format;
    ///
    /// let latin1 = b"format = 1\nid = \"x\"\ntitle = \"Caf\xe9\"\n";
    /// let err = PackLoader::new().file_name("cafe.toml").load_bytes(latin1, Format::Toml).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "cafe.toml:3:13: the pack is not UTF-8: invalid byte 0xe9 at byte offset 32"
    /// );
    /// ```
    pub fn load_bytes(&self, bytes: &[u8], format: Format) -> Result<PolicyPack, PackError> {
        if bytes.len() > self.limits.bytes() {
            return Err(self.too_big_error(bytes.len()));
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let at = e.valid_up_to();
            let valid = bytes
                .get(..at)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or("");
            let bad = bytes.get(at).copied().unwrap_or(0);
            PackError::new(vec![PackProblem {
                kind: PackProblemKind::Syntax,
                message: format!(
                    "the pack is not UTF-8: invalid byte {bad:#04x} at byte offset {at}"
                ),
                location: Location {
                    file: self.file.clone(),
                    line_col: Some(line_col(valid, valid.len())),
                    path: String::new(),
                },
                rule_id: None,
            }])
        })?;
        match format {
            Format::Toml => self.load_toml(text),
            Format::Json => self.load_json(text),
        }
    }

    /// Reads and validates the pack at `path`, in the format its extension says (`.toml` or
    /// `.json`); problems name the file as given (unless [`file_name`](Self::file_name) set
    /// another name).
    ///
    /// # Errors
    ///
    /// A [`PackError`]: the file cannot be read, its extension names no format, or every
    /// problem in it.
    pub fn load_path(&self, path: impl AsRef<std::path::Path>) -> Result<PolicyPack, PackError> {
        let path = path.as_ref();
        let named = match &self.file {
            Some(_) => self.clone(),
            None => self.clone().file_name(path.display().to_string()),
        };
        let whole_file = |message: String| {
            PackError::new(vec![PackProblem {
                kind: PackProblemKind::Syntax,
                message,
                location: Location {
                    file: named.file.clone(),
                    line_col: None,
                    path: String::new(),
                },
                rule_id: None,
            }])
        };
        let format = Format::of_path(path).ok_or_else(|| {
            whole_file(
                "the file name ends in neither `.toml` nor `.json`, so its format is unknown"
                    .to_owned(),
            )
        })?;
        let bytes =
            std::fs::read(path).map_err(|e| whole_file(format!("cannot read the file: {e}")))?;
        named.load_bytes(&bytes, format)
    }

    fn too_big_error(&self, len: usize) -> PackError {
        PackError::new(vec![PackProblem {
            kind: PackProblemKind::Limit,
            message: format!(
                "the pack is {len} bytes long, more than the limit of {}",
                self.limits.bytes()
            ),
            location: Location {
                file: self.file.clone(),
                line_col: None,
                path: String::new(),
            },
            rule_id: None,
        }])
    }

    fn too_big(&self, text: &str) -> Result<(), PackError> {
        if text.len() <= self.limits.bytes() {
            return Ok(());
        }
        Err(self.too_big_error(text.len()))
    }

    /// Loads and validates TOML.
    ///
    /// # Errors
    ///
    /// A [`PackError`] with every problem found.
    pub fn load_toml(&self, text: &str) -> Result<PolicyPack, PackError> {
        self.too_big(text)?;
        let syntax = |path: String, message: String, span: Option<std::ops::Range<usize>>| {
            PackError::new(vec![PackProblem {
                kind: PackProblemKind::Syntax,
                message,
                location: Location {
                    file: self.file.clone(),
                    line_col: span.map(|s| line_col(text, s.start)),
                    path,
                },
                rule_id: None,
            }])
        };
        let de = toml::Deserializer::parse(text)
            .map_err(|e| syntax(String::new(), e.message().to_owned(), e.span()))?;
        let doc: PackDoc = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = clean_path(&e.path().to_string());
            let inner = e.into_inner();
            syntax(path, with_hint(inner.message()), inner.span())
        })?;
        // The spanned tree is only needed to locate problems: parse it on the first one.
        let tree = std::cell::OnceCell::new();
        PolicyPack::from_doc(doc, &self.limits, &|p| Location {
            file: self.file.clone(),
            line_col: tree
                .get_or_init(|| toml::de::DeTable::parse(text).ok())
                .as_ref()
                .and_then(|t| locate_toml(t.get_ref(), p))
                .map(|off| line_col(text, off)),
            path: p.to_owned(),
        })
    }

    /// Loads and validates JSON.
    ///
    /// # Errors
    ///
    /// A [`PackError`] with every problem found.
    pub fn load_json(&self, text: &str) -> Result<PolicyPack, PackError> {
        self.too_big(text)?;
        let first = text.trim_start().chars().next();
        if first.is_some_and(|c| c != '{') {
            let offset = text.len() - text.trim_start().len();
            return Err(PackError::new(vec![PackProblem {
                kind: PackProblemKind::Syntax,
                message: "expected a pack: a JSON object with `format`, `id`, `title`, `kind`, `issuer` and `version`".to_owned(),
                location: Location {
                    file: self.file.clone(),
                    line_col: Some(line_col(text, offset)),
                    path: String::new(),
                },
                rule_id: None,
            }]));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let doc: PackDoc = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = clean_path(&e.path().to_string());
            let inner = e.into_inner();
            let line_col = (inner.line() > 0).then(|| (inner.line(), inner.column()));
            let mut message = inner.to_string();
            // serde_json appends " at line L column C"; the location carries that already.
            if let Some(i) = message.rfind(" at line ") {
                message.truncate(i);
            }
            let message = with_hint(&message);
            PackError::new(vec![PackProblem {
                kind: PackProblemKind::Syntax,
                message,
                location: Location {
                    file: self.file.clone(),
                    line_col,
                    path,
                },
                rule_id: None,
            }])
        })?;
        PolicyPack::from_doc(doc, &self.limits, &|p| Location {
            file: self.file.clone(),
            line_col: locate_json(text, p).map(|off| line_col(text, off)),
            path: p.to_owned(),
        })
    }
}

/// A serde message about an unknown field or variant (`unknown field `destinaton_not_in`,
/// expected one of …`), with the closest expected name suggested.
pub(crate) fn with_hint(message: &str) -> String {
    crate::model::hint_unknown_name(message)
}

fn clean_path(p: &str) -> String {
    if p == "." {
        String::new()
    } else {
        p.to_owned()
    }
}

pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The byte offset of the value at `path` (`rules[0].applies_when.collected_in[1]`) in a parsed
/// TOML document, or of the deepest ancestor found.
pub(crate) fn locate_toml(root: &toml::de::DeTable<'_>, path: &str) -> Option<usize> {
    use toml::de::DeValue;
    let mut best = None;
    let mut table = Some(root);
    let mut value: Option<&DeValue<'_>> = None;
    for seg in path.split('.') {
        let (key, indices) = match seg.find('[') {
            Some(i) => (seg.get(..i)?, seg.get(i..)?),
            None => (seg, ""),
        };
        if !key.is_empty() {
            let t = match value {
                Some(DeValue::Table(t)) => t,
                Some(_) => return best,
                None => table?,
            };
            let (k, v) = t.iter().find(|(k, _)| k.get_ref().as_ref() == key)?;
            best = Some(k.span().start);
            if v.span().start > 0 || best.is_none() {
                best = Some(v.span().start.max(k.span().start));
            }
            value = Some(v.get_ref());
            table = None;
        }
        for idx in indices
            .split(']')
            .filter_map(|s| s.strip_prefix('['))
            .filter_map(|s| s.parse::<usize>().ok())
        {
            match value {
                Some(DeValue::Array(a)) => {
                    let item = a.get(idx)?;
                    best = Some(item.span().start);
                    value = Some(item.get_ref());
                }
                _ => return best,
            }
        }
    }
    best
}

/// The byte offset of the value at `path` (`rules[0].applies_when.collected_in[1]`) in JSON
/// text, or of the deepest ancestor found. A scan, not a parse: the text is already known to be
/// valid JSON.
fn locate_json(text: &str, path: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = skip_ws(bytes, 0);
    let mut best = None;
    for seg in path.split('.') {
        let (key, indices) = match seg.find('[') {
            Some(i) => (seg.get(..i)?, seg.get(i..)?),
            None => (seg, ""),
        };
        if !key.is_empty() {
            let Some(next) = json_member(bytes, at, key) else {
                return best;
            };
            at = next;
            best = Some(at);
        }
        for idx in indices
            .split(']')
            .filter_map(|s| s.strip_prefix('['))
            .filter_map(|s| s.parse::<usize>().ok())
        {
            let Some(next) = json_element(bytes, at, idx) else {
                return best;
            };
            at = next;
            best = Some(at);
        }
    }
    best
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The end of the string starting at `i` (just past its closing quote).
fn skip_string(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while let Some(c) = b.get(i) {
        match c {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The end of the value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => skip_string(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(c) = b.get(j) {
                match c {
                    b'"' => {
                        j = skip_string(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            j
        }
        _ => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
            {
                j += 1;
            }
            j
        }
    }
}

/// The start of member `key`'s value in the object starting at `i`.
fn json_member(b: &[u8], i: usize, key: &str) -> Option<usize> {
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut j = skip_ws(b, i + 1);
    while b.get(j) == Some(&b'"') {
        let end = skip_string(b, j);
        let name = std::str::from_utf8(b.get(j + 1..end - 1)?).ok()?;
        j = skip_ws(b, end);
        if b.get(j) != Some(&b':') {
            return None;
        }
        j = skip_ws(b, j + 1);
        if name == key {
            return Some(j);
        }
        j = skip_ws(b, skip_value(b, j));
        if b.get(j) == Some(&b',') {
            j = skip_ws(b, j + 1);
        }
    }
    None
}

/// The start of element `idx` in the array starting at `i`.
fn json_element(b: &[u8], i: usize, idx: usize) -> Option<usize> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let mut j = skip_ws(b, i + 1);
    for _ in 0..idx {
        j = skip_ws(b, skip_value(b, j));
        if b.get(j) != Some(&b',') {
            return None;
        }
        j = skip_ws(b, j + 1);
    }
    (b.get(j) != Some(&b']')).then_some(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "format = 1\nid = \"t\"\ntitle = \"T\"\nkind = \"law\"\nissuer = \"CN\"\nversion = \"1\"\n";

    fn problems(text: &str) -> Vec<PackProblem> {
        PolicyPack::from_toml_str(text)
            .unwrap_err()
            .problems()
            .to_vec()
    }

    #[test]
    fn json_paths_are_located() {
        let text = "{\"a\": {\"b\\\"\": 1, \"rules\": [ {\"x\": [1, \"two\"]}, {\"id\": \"r\"} ]}}";
        let at = |p: &str| locate_json(text, p).map(|o| &text[o..]);
        assert!(at("a.rules[1].id").unwrap().starts_with("\"r\""));
        assert!(at("a.rules[0].x[1]").unwrap().starts_with("\"two\""));
        assert!(at("a.rules[0]").unwrap().starts_with("{\"x\""));
        // A missing member: the deepest ancestor found.
        assert!(at("a.rules[3]").unwrap().starts_with("[ {"));
        assert_eq!(locate_json(text, "zz"), None);
        // A JSON pack's semantic problems now carry line and column.
        let pack = "{\n  \"format\": 1, \"id\": \"t\", \"title\": \"T\", \"kind\": \"law\",\n  \"issuer\": \"XX\", \"version\": \"1\"\n}";
        let e = PackLoader::new().load_json(pack).unwrap_err();
        let l = e.problems()[0].location();
        assert_eq!(
            (l.path(), l.line(), l.column()),
            ("issuer", Some(3), Some(13))
        );
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn syntax_errors_are_located() {
        let p = problems("format = 1\nid = \n");
        assert_eq!(p[0].kind(), PackProblemKind::Syntax);
        assert_eq!(p[0].location().line(), Some(2));
        let p = problems(&format!("{HEADER}[[rules]]\nid = \"r\"\nsummery = \"x\"\n"));
        assert_eq!(p[0].location().line(), Some(9), "{}", p[0]);
        assert_eq!(p[0].location().path(), "rules[0].summery", "{}", p[0]);
        assert!(
            p[0].message().contains("unknown field `summery`"),
            "{}",
            p[0]
        );
    }

    #[test]
    fn semantic_errors_are_all_reported_and_located() {
        let text = format!(
            "{HEADER}[groups.EEA]\nmembers = [\"DE\", \"FR\"]\n\n[[rules]]\nid = \"cn-sensitive-export\"\nsummary = \"s\"\ncite = \"c\"\nprohibit = true\napplies_when = {{ destination_not_in = [\"CN\", \"EEA2\"], collected_in = [\"XX\"] }}\n"
        );
        let p = problems(&text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(
            p[0].message(),
            "rule `cn-sensitive-export` references unknown group `EEA2`; did you mean `EEA`?"
        );
        assert_eq!(p[0].kind(), PackProblemKind::UnknownReference);
        assert_eq!(
            p[0].location().path(),
            "rules[0].applies_when.destination_not_in[1]"
        );
        assert_eq!(p[0].location().line(), Some(15));
        assert_eq!(p[0].rule_id(), Some("cn-sensitive-export"));
        assert_eq!(
            p[1].message(),
            "rule `cn-sensitive-export` references unknown jurisdiction `XX`"
        );
        assert_eq!(
            p[1].location().to_string(),
            "15:71: rules[0].applies_when.collected_in[0]"
        );
    }

    #[test]
    fn json_errors_are_located() {
        let e = PolicyPack::from_json_str("{\"format\": 1, \"id\": 3}").unwrap_err();
        let p = &e.problems()[0];
        assert_eq!(p.location().path(), "id");
        assert_eq!(p.location().line(), Some(1));
        assert!(p.message().starts_with("invalid type"), "{p}");
    }

    #[test]
    fn unsupported_format() {
        let p = problems(
            "format = 3\nid = \"x\"\ntitle = \"T\"\nkind = \"law\"\nissuer = \"CN\"\nversion = \"1\"\n",
        );
        assert_eq!(p[0].kind(), PackProblemKind::UnsupportedFormat);
        assert_eq!(p[0].location().line(), Some(1));
    }

    #[test]
    fn digest_is_stable_and_sensitive() {
        let a = PolicyPack::from_toml_str(HEADER).unwrap();
        let b = PolicyPack::from_toml_str(&HEADER.replace("version = \"1\"", "version = \"2\""))
            .unwrap();
        assert_eq!(
            a.digest(),
            PolicyPack::from_json_str(&a.to_json_string())
                .unwrap()
                .digest()
        );
        assert_ne!(a.digest(), b.digest());
    }
}
