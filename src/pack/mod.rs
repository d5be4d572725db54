//! Policy packs: one regime at one version, loaded from TOML (for people) or JSON (for
//! machines), validated with located errors; and the built-in packs.
//!
//! The stage between text and engine: [`PackLoader`] parses a document (`doc`), the
//! validator turns it into the AST (`ast`, the engine's input) or every problem found, and
//! [`PolicyPack`] carries both. See [`crate::_documentation::format`] for the format, with a
//! complete annotated pack.
//!
//! Imports only the model and the errors: nothing here knows about the engine or evidence.

pub(crate) mod ast;
pub(crate) mod builtin;
pub(crate) mod doc;
mod limits;
mod load;
pub(crate) use load::{line_col, locate_toml};
pub(crate) mod taxonomy;
mod validate;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use builtin::BUILTIN_IDS;
pub use doc::PackKind;
pub use limits::Limits;
pub use load::{Format, PackLoader};
pub use validate::{FORMAT_VERSION, MIN_FORMAT_VERSION};

use crate::error::{Location, PackError, PackProblem};
use ast::Ast;
use doc::PackDoc;

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
    sha256: String,
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
    /// What the law means (what the pack does) when the option is true (format 2).
    pub when_true: Option<&'a str>,
    /// ... and when it is false (format 2).
    pub when_false: Option<&'a str>,
    /// Which reading the pack's legal sources mark as established (format 2).
    pub established: Option<Established>,
}

/// Which reading of an option the pack's legal sources mark as established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Established {
    /// The reading when the option is true.
    True,
    /// The reading when the option is false.
    False,
    /// The sources mark the point unverified (the default may be the stricter reading).
    Unverified,
    /// The sources mark the point contested (the default may be the stricter reading).
    Contested,
}

impl Established {
    /// `true`, `false`, `unverified` or `contested`, as packs write it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Established::True => "true",
            Established::False => "false",
            Established::Unverified => "unverified",
            Established::Contested => "contested",
        }
    }
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
    /// assert_eq!(pledge.kind(), crossborder::pack::PackKind::Voluntary);
    /// ```
    #[must_use]
    pub fn builtin(id: &str) -> Option<PolicyPack> {
        // INVARIANT: every embedded pack validates (`every_builtin_loads_and_matches_its_id`
        // checks each one), so `Err` is unreachable; it would read as "unknown" rather than
        // panic, and the engine builder reports it apart (`BuildErrorKind::Conflict`).
        builtin::load(id).and_then(Result::ok)
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
    /// A 64-bit FNV-1a digest of the pack's canonical JSON form, for indexing (engines mix it
    /// into their fingerprint). Not collision-resistant: audit records use
    /// [`sha256`](Self::sha256).
    #[must_use]
    pub fn digest(&self) -> u64 {
        self.inner.digest
    }

    /// The SHA-256 of the pack's canonical form, as 64 lower-case hex digits: the pack's
    /// identity in decision reports. The canonical form is the pack's JSON as
    /// [`to_json_string`](Self::to_json_string) writes it without white space (fields in
    /// declaration order, maps sorted by key), so the same pack written in TOML or in JSON, with
    /// any comments or layout, has one digest.
    ///
    /// ```
    /// let pledge = crossborder::PolicyPack::builtin("cn-pledge-2015").unwrap();
    /// assert_eq!(pledge.sha256().len(), 64);
    /// let again = crossborder::PolicyPack::from_json_str(&pledge.to_json_string())?;
    /// assert_eq!(again.sha256(), pledge.sha256());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn sha256(&self) -> &str {
        &self.inner.sha256
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
            when_true: o.when_true.as_deref(),
            when_false: o.when_false.as_deref(),
            established: o.established.map(|e| match e {
                doc::EstablishedDoc::True => Established::True,
                doc::EstablishedDoc::False => Established::False,
                doc::EstablishedDoc::Unverified => Established::Unverified,
                doc::EstablishedDoc::Contested => Established::Contested,
            }),
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
        // INVARIANT: the document holds only structs, string-keyed maps, strings, integers and
        // booleans, which serde_json always serialises; the empty fallback is unreachable.
        serde_json::to_string_pretty(&self.inner.doc).unwrap_or_default()
    }

    pub(crate) fn ast(&self) -> &Ast {
        &self.inner.ast
    }

    pub(super) fn from_doc(
        doc: PackDoc,
        limits: &Limits,
        locate: &dyn Fn(&str) -> Location,
    ) -> Result<Self, PackError> {
        match validate::validate(&doc, limits) {
            Ok(ast) => {
                // INVARIANT: as in `to_json_string`, serialising the document cannot fail, so
                // no two packs share a digest through an empty fallback.
                let canonical = serde_json::to_string(&doc).unwrap_or_default();
                let digest = fnv1a(canonical.as_bytes());
                let sha256 = sha256_hex(canonical.as_bytes());
                Ok(PolicyPack {
                    inner: Arc::new(PackInner {
                        doc,
                        ast,
                        digest,
                        sha256,
                    }),
                })
            }
            Err(found) => {
                let mut problems: Vec<PackProblem> = found
                    .into_iter()
                    .map(|f| PackProblem {
                        kind: f.kind,
                        location: locate(&f.path),
                        message: f.message,
                        rule_id: f.rule,
                    })
                    .collect();
                // In the order of the text (problems without a line keep the order found).
                problems.sort_by_key(|p| p.location.line_col.unwrap_or((usize::MAX, usize::MAX)));
                Err(PackError::new(problems))
            }
        }
    }
}

/// SHA-256 of `bytes`, as lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let hash = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in hash {
        let _ = write!(out, "{b:02x}");
    }
    out
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

#[cfg(feature = "schema")]
impl schemars::JsonSchema for PolicyPack {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PolicyPack".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = <PackDoc as schemars::JsonSchema>::json_schema(generator);
        schema.insert(
            "description".to_owned(),
            "A crossborder policy pack: one regime's rules, as data (docs/FORMAT.md).".into(),
        );
        schema
    }
}
