//! Policy packs: loading (TOML for people, JSON for machines), validation with located errors,
//! and the built-in packs.
//!
//! See [`crate::_documentation::format`] for the format, with a complete annotated pack.

mod builtin;
pub(crate) mod format;
mod limits;
pub(crate) mod taxonomy;
pub(crate) mod validate;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use builtin::BUILTIN_IDS;
pub use format::PackKind;
pub use limits::Limits;
pub use validate::FORMAT_VERSION;

use crate::error::{Location, PackError, PackProblem, PackProblemKind};
use format::PackDoc;
use validate::Ast;

/// A validated policy pack: one regime at one version.
///
/// A `PolicyPack` can only be obtained by loading and validating a document, so every
/// reference in it resolves and every value is well-formed; the engine compiles it without
/// re-checking. Cloning is cheap (an `Arc` inside).
///
/// # Example
///
/// ```
/// use crossborder::PolicyPack;
///
/// let pack = PolicyPack::from_toml_str(r#"
/// format = 1
/// id = "demo"
/// title = "Demo"
/// kind = "law"
/// issuer = "CN"
/// version = "1"
///
/// [[rules]]
/// id = "no-core-data"
/// summary = "Core data never leaves China"
/// cite = "DSL art. 21"
/// prohibit = true
/// applies_when = { collected_in = ["CN"], destination_not_in = ["CN"], categories = ["core"] }
/// "#)?;
/// assert_eq!(pack.id(), "demo");
/// assert_eq!(pack.rules().next().map(|r| r.cite), Some("DSL art. 21"));
/// // TOML -> JSON -> TOML gives back the same pack.
/// let again = PolicyPack::from_json_str(&pack.to_json_string())?;
/// assert_eq!(again, pack);
/// assert_eq!(PolicyPack::from_toml_str(&again.to_toml_string())?, pack);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PolicyPack {
    inner: Arc<PackInner>,
}

struct PackInner {
    doc: PackDoc,
    ast: Ast,
    digest: u64,
}

/// A rule of a pack, as documentation sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuleInfo<'a> {
    /// The rule's id, unique in its pack.
    pub id: &'a str,
    /// One line saying what the rule does.
    pub summary: &'a str,
    /// The article and instrument it encodes.
    pub cite: &'a str,
    /// Whether it is a prohibition (nothing cures it) rather than a requirement.
    pub prohibit: bool,
    /// The option that switches it on (`Some((name, true))`) or off (`Some((name, false))`).
    pub option: Option<(&'a str, bool)>,
}

/// A source a pack's facts were checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceInfo<'a> {
    /// The source's title.
    pub title: &'a str,
    /// Where to find it, if given.
    pub url: Option<&'a str>,
    /// The date (`YYYY-MM-DD`) its facts were last checked.
    pub checked: &'a str,
}

/// An option a pack declares: a documented switch between readings of the law.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OptionInfo<'a> {
    /// The option's name.
    pub name: &'a str,
    /// Its value unless the engine builder sets it.
    pub default: bool,
    /// What it switches.
    pub summary: &'a str,
    /// Whether it encodes a contested or unverified interpretation.
    pub interpretation: bool,
}

impl PolicyPack {
    /// Loads and validates a pack written in TOML.
    ///
    /// # Errors
    ///
    /// A [`PackError`] listing every problem, each with its line, column and path.
    pub fn from_toml_str(text: &str) -> Result<Self, PackError> {
        PackLoader::new().load_toml(text)
    }

    /// Loads and validates a pack written in JSON (the same structure as TOML).
    ///
    /// # Errors
    ///
    /// A [`PackError`] listing every problem, each with its path (and line and column for
    /// syntax errors).
    pub fn from_json_str(text: &str) -> Result<Self, PackError> {
        PackLoader::new().load_json(text)
    }

    /// A built-in pack by id, or `None`. See [`BUILTIN_IDS`] and
    /// [`crate::_documentation::packs`].
    ///
    /// ```
    /// let pledge = crossborder::PolicyPack::builtin("cn-pledge-2015").unwrap();
    /// assert_eq!(pledge.kind(), crossborder::PackKind::Voluntary);
    /// ```
    #[must_use]
    pub fn builtin(id: &str) -> Option<PolicyPack> {
        builtin::load(id)
    }

    /// The pack's id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.inner.doc.id
    }
    /// Its title.
    #[must_use]
    pub fn title(&self) -> &str {
        &self.inner.doc.title
    }
    /// Law or voluntary undertaking.
    #[must_use]
    pub fn kind(&self) -> PackKind {
        self.inner.doc.kind
    }
    /// The jurisdiction that issued the regime.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.inner.doc.issuer
    }
    /// The pack's version.
    #[must_use]
    pub fn version(&self) -> &str {
        &self.inner.doc.version
    }
    /// A paragraph about the regime, if given.
    #[must_use]
    pub fn summary(&self) -> Option<&str> {
        self.inner.doc.summary.as_deref()
    }
    /// A 64-bit FNV-1a digest of the pack's canonical JSON form: two packs with the same digest
    /// decide alike.
    #[must_use]
    pub fn digest(&self) -> u64 {
        self.inner.digest
    }
    /// The rules, in pack order.
    pub fn rules(&self) -> impl Iterator<Item = RuleInfo<'_>> {
        self.inner.doc.rules.iter().map(|r| RuleInfo {
            id: &r.id,
            summary: &r.summary,
            cite: &r.cite,
            prohibit: r.prohibit,
            option: match (&r.if_option, &r.unless_option) {
                (Some(o), _) => Some((o.as_str(), true)),
                (None, Some(o)) => Some((o.as_str(), false)),
                (None, None) => None,
            },
        })
    }
    /// The sources its facts were checked against.
    pub fn sources(&self) -> impl Iterator<Item = SourceInfo<'_>> {
        self.inner.doc.sources.iter().map(|s| SourceInfo {
            title: &s.title,
            url: s.url.as_deref(),
            checked: &s.checked,
        })
    }
    /// The options it declares.
    pub fn options(&self) -> impl Iterator<Item = OptionInfo<'_>> {
        self.inner.doc.options.iter().map(|(n, o)| OptionInfo {
            name: n,
            default: o.default,
            summary: &o.summary,
            interpretation: o.interpretation,
        })
    }

    /// The pack as TOML, in canonical form.
    #[must_use]
    pub fn to_toml_string(&self) -> String {
        // Serialising plain structs, maps and strings cannot fail; fall back to JSON (also
        // valid input) rather than panic if it ever did.
        toml::to_string_pretty(&self.inner.doc).unwrap_or_else(|_| self.to_json_string())
    }

    /// The pack as JSON, in canonical form.
    #[must_use]
    pub fn to_json_string(&self) -> String {
        serde_json::to_string_pretty(&self.inner.doc).unwrap_or_default()
    }

    pub(crate) fn ast(&self) -> &Ast {
        &self.inner.ast
    }

    fn from_doc(
        doc: PackDoc,
        limits: &Limits,
        locate: &dyn Fn(&str) -> Location,
    ) -> Result<Self, PackError> {
        match validate::validate(&doc, limits) {
            Ok(ast) => {
                let canonical = serde_json::to_string(&doc).unwrap_or_default();
                let digest = fnv1a(canonical.as_bytes());
                Ok(PolicyPack {
                    inner: Arc::new(PackInner { doc, ast, digest }),
                })
            }
            Err(found) => Err(PackError::new(
                found
                    .into_iter()
                    .map(|f| PackProblem {
                        kind: f.kind,
                        location: locate(&f.path),
                        message: f.message,
                        rule_id: f.rule,
                    })
                    .collect(),
            )),
        }
    }
}

pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl PartialEq for PolicyPack {
    fn eq(&self, other: &Self) -> bool {
        self.inner.doc == other.inner.doc
    }
}

impl Eq for PolicyPack {}

impl fmt::Debug for PolicyPack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyPack")
            .field("id", &self.id())
            .field("version", &self.version())
            .field("rules", &self.inner.doc.rules.len())
            .finish()
    }
}

impl FromStr for PolicyPack {
    type Err = PackError;
    /// Parses TOML.
    fn from_str(s: &str) -> Result<Self, PackError> {
        PolicyPack::from_toml_str(s)
    }
}

impl Serialize for PolicyPack {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.inner.doc.serialize(s)
    }
}

impl<'de> Deserialize<'de> for PolicyPack {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let doc = PackDoc::deserialize(d)?;
        PolicyPack::from_doc(doc, &Limits::default(), &|p| Location {
            path: p.to_owned(),
            ..Location::default()
        })
        .map_err(serde::de::Error::custom)
    }
}

/// Loads packs with a file name for error locations.
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

    fn too_big(&self, text: &str) -> Result<(), PackError> {
        if text.len() <= self.limits.bytes() {
            return Ok(());
        }
        Err(PackError::new(vec![PackProblem {
            kind: PackProblemKind::Limit,
            message: format!(
                "the pack is {} bytes long, more than the limit of {}",
                text.len(),
                self.limits.bytes()
            ),
            location: Location {
                file: self.file.clone(),
                line_col: None,
                path: String::new(),
            },
            rule_id: None,
        }]))
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
            syntax(path, inner.message().to_owned(), inner.span())
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
            line_col: None,
            path: p.to_owned(),
        })
    }
}

fn clean_path(p: &str) -> String {
    if p == "." {
        String::new()
    } else {
        p.to_owned()
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The byte offset of the value at `path` (`rules[0].applies_when.collected_in[1]`) in a parsed
/// TOML document, or of the deepest ancestor found.
fn locate_toml(root: &toml::de::DeTable<'_>, path: &str) -> Option<usize> {
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
            "rule `cn-sensitive-export` references unknown group `EEA2`"
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
            "format = 2\nid = \"x\"\ntitle = \"T\"\nkind = \"law\"\nissuer = \"CN\"\nversion = \"1\"\n",
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
