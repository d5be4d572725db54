//! Pack document -> validated AST. Collects every problem, each with its path inside the pack.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

use super::format::{
    AlternativeDoc, ConditionsDoc, CountedIndividuals, ObligationDoc, PackDoc, PeriodDoc, TagOn,
    VolumeDoc, WindowKind,
};
use super::limits::Limits;
use super::taxonomy;
use crate::error::PackProblemKind as K;
use crate::model::{
    Authority, Category, CertificationName, ConsentKind, Jurisdiction, Mechanism, OperationSet,
    Purpose, Role, Tag,
};

/// The pack format version this library reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A half-open validity window `[from, until)`; `None` is unbounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Period {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Period {
    pub(crate) fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| f <= t) && self.until.is_none_or(|u| t < u)
    }

    pub(crate) fn intersect(&self, other: &Period) -> Period {
        let from = match (self.from, other.from) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let until = match (self.until, other.until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Period { from, until }
    }
}

/// A jurisdiction list entry: a code, or one of the pack's groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum JurRef {
    Code(Jurisdiction),
    Group(usize),
}

#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub name: String,
    pub members: Vec<(Jurisdiction, Period)>,
}

/// Which single place a condition tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    Origin,
    Destination,
    CollectedIn,
    SubjectResidence,
    SubjectLocation,
}

/// Which set of places a condition tests (it holds when any member is in the list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Places {
    SubjectCitizenship,
    ExporterEstablishment,
    RecipientEstablishment,
}

/// Whose tags a condition or basis tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Who {
    Exporter,
    Recipient,
    Transfer,
}

#[derive(Clone, Debug)]
pub(crate) enum Cond {
    Ops(OperationSet),
    Place {
        place: Place,
        list: Vec<JurRef>,
        negate: bool,
    },
    Places {
        places: Places,
        list: Vec<JurRef>,
        negate: bool,
    },
    Roles {
        roles: Vec<Role>,
        negate: bool,
    },
    Tags {
        who: Who,
        tags: Vec<Tag>,
        negate: bool,
    },
    Minor(bool),
    Bulk(bool),
    Purposes {
        purposes: Vec<Purpose>,
        negate: bool,
    },
    CategoriesNot(Vec<Category>),
    Volume(Volume),
}

/// A test on a counter: the count including the act lies in `[at_least, below)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Volume {
    pub counter: String,
    pub at_least: Option<u64>,
    pub below: Option<u64>,
}

/// A volume counter a pack declares.
#[derive(Clone, Debug)]
pub(crate) struct Counter {
    pub name: String,
    pub window: WindowKind,
    pub offset: FixedOffset,
    pub individuals: CountedIndividuals,
    pub conds: Vec<Cond>,
    pub categories: Option<Vec<Category>>,
}

#[derive(Clone, Debug)]
pub(crate) enum Basis {
    Consent {
        min: ConsentKind,
        informed: bool,
    },
    Approval {
        authorities: Vec<Authority>,
        mechanisms: Option<Vec<Mechanism>>,
    },
    DestinationIn(Vec<JurRef>),
    RecipientCertified(Vec<CertificationName>),
    PurposeIn(Vec<Purpose>),
    RecipientRoles(Vec<Role>),
    Tags {
        who: Who,
        tags: Vec<Tag>,
    },
    Volume(Volume),
}

#[derive(Clone, Debug)]
pub(crate) struct Obligation {
    pub id: String,
    pub summary: String,
    pub cite: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Alternative {
    pub name: String,
    pub summary: Option<String>,
    pub bases: Vec<Basis>,
    pub obligations: Vec<Obligation>,
}

#[derive(Clone, Debug)]
pub(crate) enum RuleEffect {
    Prohibit,
    Require(Vec<Alternative>),
}

#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub summary: String,
    pub cite: String,
    pub in_force: Period,
    pub gate: Option<(String, bool)>,
    pub conds: Vec<Cond>,
    pub categories: Option<Vec<Category>>,
    pub effect: RuleEffect,
    pub obligations: Vec<Obligation>,
}

#[derive(Clone, Debug)]
pub(crate) struct OptionDef {
    pub name: String,
    pub default: bool,
}

/// A validated pack: every reference resolved, every value typed.
#[derive(Clone, Debug)]
pub(crate) struct Ast {
    pub id: String,
    pub version: String,
    pub effective: Period,
    pub options: Vec<OptionDef>,
    pub groups: Vec<Group>,
    pub taxonomy: Vec<Category>,
    pub subdivisions: Vec<Jurisdiction>,
    pub tags: Vec<(Tag, TagOn)>,
    pub purposes: Vec<Purpose>,
    pub counters: Vec<Counter>,
    pub rules: Vec<Rule>,
}

/// A problem before it is given a line and column.
pub(crate) struct Found {
    pub kind: K,
    pub path: String,
    pub message: String,
    pub rule: Option<String>,
}

struct Cx<'a> {
    doc: &'a PackDoc,
    offset: FixedOffset,
    found: Vec<Found>,
    rule: Option<String>,
    groups: BTreeMap<&'a str, usize>,
    category_groups: BTreeMap<&'a str, Vec<Category>>,
    categories: BTreeSet<String>,
    subdivisions: BTreeSet<Jurisdiction>,
    tags: BTreeMap<String, TagOn>,
    purposes: BTreeSet<String>,
    options: BTreeSet<&'a str>,
    counters: BTreeSet<&'a str>,
    in_counter: bool,
}

fn is_pack_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !s.starts_with('-')
}

fn is_group_name(s: &str) -> bool {
    s.len() >= 2
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && s.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
}

impl<'a> Cx<'a> {
    fn problem(&mut self, kind: K, path: impl Into<String>, message: impl Into<String>) {
        let message = message.into();
        let message = match &self.rule {
            Some(r) if !message.starts_with("rule `") => format!("rule `{r}` {message}"),
            _ => message,
        };
        self.found.push(Found {
            kind,
            path: path.into(),
            message,
            rule: self.rule.clone(),
        });
    }

    fn instant(&mut self, path: &str, s: &str) -> Option<DateTime<Utc>> {
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            && s.len() == 10
        {
            let local = d.and_hms_opt(0, 0, 0)?;
            return match self.offset.from_local_datetime(&local).single() {
                Some(t) => Some(t.with_timezone(&Utc)),
                None => {
                    self.problem(K::InvalidValue, path, format!("date `{s}` is out of range"));
                    None
                }
            };
        }
        match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                self.problem(
                    K::InvalidValue,
                    path,
                    format!("has an invalid date `{s}`: expected `YYYY-MM-DD` or an RFC 3339 instant such as `2024-03-22T00:00:00+08:00`"),
                );
                None
            }
        }
    }

    fn period(&mut self, path: &str, p: Option<&PeriodDoc>) -> Period {
        let Some(p) = p else {
            return Period::default();
        };
        let from = p
            .from
            .as_deref()
            .and_then(|s| self.instant(&format!("{path}.from"), s));
        let until = p
            .until
            .as_deref()
            .and_then(|s| self.instant(&format!("{path}.until"), s));
        if let (Some(f), Some(u)) = (from, until)
            && u <= f
        {
            self.problem(
                K::Conflict,
                format!("{path}.until"),
                format!("has a period that ends ({u}) before it starts ({f})"),
            );
        }
        Period { from, until }
    }

    fn jurisdiction(&mut self, path: &str, s: &str) -> Option<Jurisdiction> {
        match Jurisdiction::new(s) {
            Ok(j) if j.is_subdivision() && !self.subdivisions.contains(&j) => {
                self.problem(
                    K::UnknownReference,
                    path,
                    format!("references the division `{s}`, which the pack does not declare in `subdivisions`"),
                );
                None
            }
            Ok(j) => Some(j),
            Err(_) => {
                self.problem(
                    K::InvalidValue,
                    path,
                    format!("references unknown jurisdiction `{s}`"),
                );
                None
            }
        }
    }

    fn jur_list(&mut self, path: &str, list: &[String]) -> Vec<JurRef> {
        if list.is_empty() {
            self.problem(K::InvalidValue, path, "has an empty jurisdiction list");
        }
        let mut out = Vec::new();
        for (i, s) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if let Some(&g) = self.groups.get(s.as_str()) {
                out.push(JurRef::Group(g));
            } else if Jurisdiction::new(s).is_ok() {
                if let Some(j) = self.jurisdiction(&p, s) {
                    out.push(JurRef::Code(j));
                }
            } else if is_group_name(s) && s.len() > 2 {
                self.problem(
                    K::UnknownReference,
                    p,
                    format!("references unknown group `{s}`"),
                );
            } else {
                self.problem(
                    K::InvalidValue,
                    p,
                    format!("references unknown jurisdiction `{s}`"),
                );
            }
        }
        out
    }

    fn categories(&mut self, path: &str, list: &[String]) -> Vec<Category> {
        if list.is_empty() {
            self.problem(K::InvalidValue, path, "has an empty category list");
        }
        let mut out: Vec<Category> = Vec::new();
        for (i, s) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if let Some(members) = self.category_groups.get(s.as_str()) {
                out.extend(members.iter().cloned());
            } else if self.categories.contains(s) {
                if let Ok(c) = Category::new(s) {
                    out.push(c);
                }
            } else {
                self.problem(
                    K::UnknownReference,
                    p,
                    format!("references unknown category `{s}`"),
                );
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn tags(&mut self, path: &str, list: &[String], on: TagOn) -> Vec<Tag> {
        if list.is_empty() {
            self.problem(K::InvalidValue, path, "has an empty tag list");
        }
        let mut out = Vec::new();
        for (i, s) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            match self.tags.get(s) {
                Some(&declared) if declared == on => {
                    if let Ok(t) = Tag::new(s) {
                        out.push(t);
                    }
                }
                Some(_) => {
                    let what = match on {
                        TagOn::Party => "a party",
                        TagOn::Transfer => "a transfer",
                    };
                    self.problem(
                        K::Conflict,
                        p,
                        format!(
                            "uses tag `{s}` on {what}, but the pack declares it for the other kind"
                        ),
                    );
                }
                None => self.problem(
                    K::UnknownReference,
                    p,
                    format!("references unknown tag `{s}`: declare it under `tags`"),
                ),
            }
        }
        out
    }

    fn roles(&mut self, path: &str, list: &[Role]) -> Vec<Role> {
        if list.is_empty() {
            self.problem(K::InvalidValue, path, "has an empty role list");
        }
        list.to_vec()
    }

    fn names<T>(
        &mut self,
        path: &str,
        list: &[String],
        what: &str,
        parse: fn(&str) -> Result<T, crate::ModelError>,
    ) -> Vec<T> {
        if list.is_empty() {
            self.problem(K::InvalidValue, path, format!("has an empty {what} list"));
        }
        let mut out = Vec::new();
        for (i, s) in list.iter().enumerate() {
            match parse(s) {
                Ok(v) => out.push(v),
                Err(e) => self.problem(K::InvalidValue, format!("{path}[{i}]"), format!("has {e}")),
            }
        }
        out
    }

    fn obligations(&mut self, path: &str, list: &[ObligationDoc]) -> Vec<Obligation> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (i, o) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if !is_pack_id(&o.id) {
                self.problem(
                    K::InvalidValue,
                    format!("{p}.id"),
                    format!("has an invalid obligation id `{}`", o.id),
                );
            } else if !seen.insert(o.id.clone()) {
                self.problem(
                    K::Duplicate,
                    format!("{p}.id"),
                    format!("lists obligation `{}` twice", o.id),
                );
            }
            if o.summary.trim().is_empty() {
                self.problem(
                    K::InvalidValue,
                    format!("{p}.summary"),
                    "has an empty obligation summary",
                );
            }
            out.push(Obligation {
                id: o.id.clone(),
                summary: o.summary.clone(),
                cite: o.cite.clone(),
            });
        }
        out
    }

    fn conditions(&mut self, path: &str, c: &ConditionsDoc) -> (Vec<Cond>, Option<Vec<Category>>) {
        let mut conds = Vec::new();
        if let Some(ops) = &c.operations {
            if ops.is_empty() {
                self.problem(
                    K::InvalidValue,
                    format!("{path}.operations"),
                    "has an empty operation list",
                );
            }
            conds.push(Cond::Ops(ops.iter().copied().collect()));
        }
        let places: [(&str, &Option<Vec<String>>, Place, bool); 9] = [
            ("origin_in", &c.origin_in, Place::Origin, false),
            ("origin_not_in", &c.origin_not_in, Place::Origin, true),
            (
                "destination_in",
                &c.destination_in,
                Place::Destination,
                false,
            ),
            (
                "destination_not_in",
                &c.destination_not_in,
                Place::Destination,
                true,
            ),
            ("collected_in", &c.collected_in, Place::CollectedIn, false),
            (
                "collected_not_in",
                &c.collected_not_in,
                Place::CollectedIn,
                true,
            ),
            (
                "subject_resident_in",
                &c.subject_resident_in,
                Place::SubjectResidence,
                false,
            ),
            (
                "subject_resident_not_in",
                &c.subject_resident_not_in,
                Place::SubjectResidence,
                true,
            ),
            (
                "subject_located_in",
                &c.subject_located_in,
                Place::SubjectLocation,
                false,
            ),
        ];
        for (name, list, place, negate) in places {
            if let Some(list) = list {
                let list = self.jur_list(&format!("{path}.{name}"), list);
                conds.push(Cond::Place {
                    place,
                    list,
                    negate,
                });
            }
        }
        let many: [(&str, &Option<Vec<String>>, Places, bool); 5] = [
            (
                "subject_citizen_of",
                &c.subject_citizen_of,
                Places::SubjectCitizenship,
                false,
            ),
            (
                "exporter_established_in",
                &c.exporter_established_in,
                Places::ExporterEstablishment,
                false,
            ),
            (
                "exporter_established_not_in",
                &c.exporter_established_not_in,
                Places::ExporterEstablishment,
                true,
            ),
            (
                "recipient_established_in",
                &c.recipient_established_in,
                Places::RecipientEstablishment,
                false,
            ),
            (
                "recipient_established_not_in",
                &c.recipient_established_not_in,
                Places::RecipientEstablishment,
                true,
            ),
        ];
        for (name, list, places, negate) in many {
            if let Some(list) = list {
                let list = self.jur_list(&format!("{path}.{name}"), list);
                conds.push(Cond::Places {
                    places,
                    list,
                    negate,
                });
            }
        }
        for (name, list, negate) in [
            ("recipient_roles", &c.recipient_roles, false),
            ("recipient_roles_not", &c.recipient_roles_not, true),
        ] {
            if let Some(list) = list {
                let roles = self.roles(&format!("{path}.{name}"), list);
                conds.push(Cond::Roles { roles, negate });
            }
        }
        let tag_conds: [(&str, &Option<Vec<String>>, Who, bool); 6] = [
            ("exporter_tags", &c.exporter_tags, Who::Exporter, false),
            (
                "exporter_tags_not",
                &c.exporter_tags_not,
                Who::Exporter,
                true,
            ),
            ("recipient_tags", &c.recipient_tags, Who::Recipient, false),
            (
                "recipient_tags_not",
                &c.recipient_tags_not,
                Who::Recipient,
                true,
            ),
            ("transfer_tags", &c.transfer_tags, Who::Transfer, false),
            (
                "transfer_tags_not",
                &c.transfer_tags_not,
                Who::Transfer,
                true,
            ),
        ];
        for (name, list, who, negate) in tag_conds {
            if let Some(list) = list {
                let on = if who == Who::Transfer {
                    TagOn::Transfer
                } else {
                    TagOn::Party
                };
                let tags = self.tags(&format!("{path}.{name}"), list, on);
                conds.push(Cond::Tags { who, tags, negate });
            }
        }
        if let Some(m) = c.subject_minor {
            conds.push(Cond::Minor(m));
        }
        if let Some(b) = c.bulk {
            conds.push(Cond::Bulk(b));
        }
        for (name, list, negate) in [
            ("purpose_in", &c.purpose_in, false),
            ("purpose_not_in", &c.purpose_not_in, true),
        ] {
            if let Some(list) = list {
                let purposes = self.purposes(&format!("{path}.{name}"), list);
                conds.push(Cond::Purposes { purposes, negate });
            }
        }
        if let Some(list) = &c.categories_not {
            let cats = self.categories(&format!("{path}.categories_not"), list);
            conds.push(Cond::CategoriesNot(cats));
        }
        if let Some(list) = &c.volume {
            let p = format!("{path}.volume");
            if self.in_counter {
                self.problem(
                    K::Conflict,
                    p.clone(),
                    "a counter's `applies_when` cannot test a volume",
                );
            }
            for v in self.volumes(&p, list) {
                conds.push(Cond::Volume(v));
            }
        }
        let cats = c
            .categories
            .as_ref()
            .map(|l| self.categories(&format!("{path}.categories"), l));
        (conds, cats)
    }

    fn purposes(&mut self, path: &str, list: &[String]) -> Vec<Purpose> {
        let purposes = self.names(path, list, "purpose", |s| Purpose::new(s));
        for (i, pu) in purposes.iter().enumerate() {
            if !self.purposes.contains(pu.as_str()) {
                self.problem(
                    K::UnknownReference,
                    format!("{path}[{i}]"),
                    format!("references unknown purpose `{pu}`: declare it under `purposes`"),
                );
            }
        }
        purposes
    }

    fn volumes(&mut self, path: &str, list: &[VolumeDoc]) -> Vec<Volume> {
        if list.is_empty() {
            self.problem(K::InvalidValue, path, "has an empty volume list");
        }
        let mut out = Vec::new();
        for (i, v) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if !self.counters.contains(v.counter.as_str()) {
                self.problem(
                    K::UnknownReference,
                    format!("{p}.counter"),
                    format!(
                        "references unknown counter `{}`: declare it under `counters`",
                        v.counter
                    ),
                );
            }
            match (v.at_least, v.below) {
                (None, None) => self.problem(
                    K::InvalidValue,
                    p.clone(),
                    "has a volume test with neither `at_least` nor `below`",
                ),
                (Some(a), Some(b)) if a >= b => self.problem(
                    K::Conflict,
                    p.clone(),
                    format!("has a volume test that no count passes: `at_least = {a}` is not below `below = {b}`"),
                ),
                _ => {}
            }
            out.push(Volume {
                counter: v.counter.clone(),
                at_least: v.at_least,
                below: v.below,
            });
        }
        out
    }

    fn alternative(&mut self, path: &str, index: usize, a: &AlternativeDoc) -> Alternative {
        let mut bases = Vec::new();
        if let Some(c) = &a.consent {
            bases.push(Basis::Consent {
                min: c.min_kind,
                informed: c.informed_of_risks,
            });
        }
        if let Some(ap) = &a.approval {
            let authorities = self.names(
                &format!("{path}.approval.authorities"),
                &ap.authorities,
                "authority",
                |s| Authority::new(s),
            );
            let mechanisms = ap.mechanisms.as_ref().map(|m| {
                self.names(
                    &format!("{path}.approval.mechanisms"),
                    m,
                    "mechanism",
                    |s| Mechanism::new(s),
                )
            });
            bases.push(Basis::Approval {
                authorities,
                mechanisms,
            });
        }
        if let Some(l) = &a.destination_in {
            bases.push(Basis::DestinationIn(
                self.jur_list(&format!("{path}.destination_in"), l),
            ));
        }
        if let Some(l) = &a.recipient_certified {
            bases.push(Basis::RecipientCertified(self.names(
                &format!("{path}.recipient_certified"),
                l,
                "certification",
                |s| CertificationName::new(s),
            )));
        }
        if let Some(l) = &a.purpose_in {
            let purposes = self.purposes(&format!("{path}.purpose_in"), l);
            bases.push(Basis::PurposeIn(purposes));
        }
        if let Some(l) = &a.volume {
            for v in self.volumes(&format!("{path}.volume"), l) {
                bases.push(Basis::Volume(v));
            }
        }
        if let Some(l) = &a.recipient_roles {
            bases.push(Basis::RecipientRoles(
                self.roles(&format!("{path}.recipient_roles"), l),
            ));
        }
        for (name, list, who) in [
            ("exporter_tags", &a.exporter_tags, Who::Exporter),
            ("recipient_tags", &a.recipient_tags, Who::Recipient),
            ("transfer_tags", &a.transfer_tags, Who::Transfer),
        ] {
            if let Some(list) = list {
                let on = if who == Who::Transfer {
                    TagOn::Transfer
                } else {
                    TagOn::Party
                };
                let tags = self.tags(&format!("{path}.{name}"), list, on);
                bases.push(Basis::Tags { who, tags });
            }
        }
        if bases.is_empty() {
            self.problem(
                K::InvalidValue,
                path,
                "has an alternative with no bases: it would always hold",
            );
        }
        if let Some(n) = &a.name
            && !is_pack_id(n)
        {
            self.problem(
                K::InvalidValue,
                format!("{path}.name"),
                format!("has an invalid alternative name `{n}`"),
            );
        }
        Alternative {
            name: a
                .name
                .clone()
                .unwrap_or_else(|| format!("alternative-{}", index + 1)),
            summary: a.summary.clone(),
            bases,
            obligations: self.obligations(&format!("{path}.obligations"), &a.obligations),
        }
    }
}

/// Checks the sizes of a parsed document against the limits: every string, every list, and the
/// counts of rules, alternatives, bases, groups and counters.
fn check_limits(doc: &PackDoc, limits: &Limits) -> Vec<Found> {
    fn walk(v: &serde_json::Value, path: &mut String, limits: &Limits, out: &mut Vec<Found>) {
        let limit = |path: &str, message: String| Found {
            kind: K::Limit,
            path: path.to_owned(),
            message,
            rule: None,
        };
        match v {
            serde_json::Value::String(s) if s.len() > limits.string_len() => out.push(limit(
                path,
                format!(
                    "a string of {} bytes is longer than the limit of {}",
                    s.len(),
                    limits.string_len()
                ),
            )),
            serde_json::Value::Array(items) => {
                if items.len() > limits.list_len() && path != "rules" {
                    out.push(limit(
                        path,
                        format!(
                            "a list of {} items is longer than the limit of {}",
                            items.len(),
                            limits.list_len()
                        ),
                    ));
                }
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path, limits, out);
                    path.truncate(len);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    if k.len() > limits.string_len() {
                        out.push(limit(
                            path,
                            format!(
                                "a key of {} bytes is longer than the limit of {}",
                                k.len(),
                                limits.string_len()
                            ),
                        ));
                    }
                    walk(item, path, limits, out);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    let count = |out: &mut Vec<Found>, path: String, what: &str, n: usize, max: usize| {
        if n > max {
            out.push(Found {
                kind: K::Limit,
                path,
                message: format!("the pack has {n} {what}, more than the limit of {max}"),
                rule: None,
            });
        }
    };
    count(
        &mut out,
        "rules".into(),
        "rules",
        doc.rules.len(),
        limits.rules(),
    );
    count(
        &mut out,
        "groups".into(),
        "groups",
        doc.groups.len() + doc.category_groups.len(),
        limits.groups(),
    );
    count(
        &mut out,
        "counters".into(),
        "counters",
        doc.counters.len(),
        limits.counters(),
    );
    for (ri, r) in doc.rules.iter().enumerate() {
        if r.require.len() > limits.alternatives() {
            out.push(Found {
                kind: K::Limit,
                path: format!("rules[{ri}].require"),
                message: format!(
                    "rule `{}` has {} alternatives, more than the limit of {}",
                    r.id,
                    r.require.len(),
                    limits.alternatives()
                ),
                rule: Some(r.id.clone()),
            });
        }
        for (ai, a) in r.require.iter().enumerate() {
            let bases = usize::from(a.consent.is_some())
                + usize::from(a.approval.is_some())
                + usize::from(a.destination_in.is_some())
                + usize::from(a.recipient_certified.is_some())
                + usize::from(a.purpose_in.is_some())
                + usize::from(a.recipient_roles.is_some())
                + usize::from(a.exporter_tags.is_some())
                + usize::from(a.recipient_tags.is_some())
                + usize::from(a.transfer_tags.is_some())
                + a.volume.as_ref().map_or(0, Vec::len);
            if bases > limits.bases() {
                out.push(Found {
                    kind: K::Limit,
                    path: format!("rules[{ri}].require[{ai}]"),
                    message: format!("rule `{}` has an alternative with {bases} bases, more than the limit of {}", r.id, limits.bases()),
                    rule: Some(r.id.clone()),
                });
            }
        }
    }
    if out.is_empty()
        && let Ok(v) = serde_json::to_value(doc)
    {
        walk(&v, &mut String::new(), limits, &mut out);
    }
    out
}

/// Validates a parsed document. Returns the AST, or every problem found.
pub(crate) fn validate(doc: &PackDoc, limits: &Limits) -> Result<Ast, Vec<Found>> {
    let over = check_limits(doc, limits);
    if !over.is_empty() {
        return Err(over);
    }
    let mut cx = Cx {
        doc,
        offset: chrono::Offset::fix(&Utc),
        found: Vec::new(),
        rule: None,
        groups: BTreeMap::new(),
        category_groups: BTreeMap::new(),
        categories: taxonomy::BASE
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect(),
        subdivisions: BTreeSet::new(),
        tags: BTreeMap::new(),
        purposes: BTreeSet::new(),
        options: BTreeSet::new(),
        counters: doc.counters.keys().map(String::as_str).collect(),
        in_counter: false,
    };
    if doc.format != FORMAT_VERSION {
        cx.problem(
            K::UnsupportedFormat,
            "format",
            format!(
                "pack format {} is not supported: this library reads format {FORMAT_VERSION}",
                doc.format
            ),
        );
        return Err(cx.found);
    }
    if !is_pack_id(&doc.id) {
        cx.problem(
            K::InvalidValue,
            "id",
            format!("invalid pack id `{}`: expected 1 to 64 lower-case ASCII letters, digits, `-` and `_`", doc.id),
        );
    }
    for (field, value) in [("title", &doc.title), ("version", &doc.version)] {
        if value.trim().is_empty() {
            cx.problem(
                K::InvalidValue,
                field,
                format!("the pack's {field} is empty"),
            );
        }
    }
    if Jurisdiction::new(&doc.issuer).is_err() {
        cx.problem(
            K::InvalidValue,
            "issuer",
            format!("unknown issuing jurisdiction `{}`", doc.issuer),
        );
    }
    if let Some(o) = &doc.utc_offset {
        match parse_offset(o) {
            Some(off) => cx.offset = off,
            None => cx.problem(
                K::InvalidValue,
                "utc_offset",
                format!("invalid UTC offset `{o}`: expected `+HH:MM` or `-HH:MM`"),
            ),
        }
    }
    let effective = cx.period("effective", doc.effective.as_ref());
    for (i, s) in doc.sources.iter().enumerate() {
        if s.title.trim().is_empty() {
            cx.problem(
                K::InvalidValue,
                format!("sources[{i}].title"),
                "a source has an empty title",
            );
        }
        if NaiveDate::parse_from_str(&s.checked, "%Y-%m-%d").is_err() {
            cx.problem(
                K::InvalidValue,
                format!("sources[{i}].checked"),
                format!(
                    "source `{}` has an invalid checked date `{}`: expected `YYYY-MM-DD`",
                    s.title, s.checked
                ),
            );
        }
    }
    let mut options = Vec::new();
    for (name, o) in &doc.options {
        if !is_pack_id(name) {
            cx.problem(
                K::InvalidValue,
                format!("options.{name}"),
                format!("invalid option name `{name}`"),
            );
        }
        if o.summary.trim().is_empty() {
            cx.problem(
                K::InvalidValue,
                format!("options.{name}.summary"),
                format!("option `{name}` has an empty summary"),
            );
        }
        cx.options.insert(name);
        options.push(OptionDef {
            name: name.clone(),
            default: o.default,
        });
    }
    // Subdivisions first: groups and rules may name them.
    for (i, s) in doc.subdivisions.iter().enumerate() {
        match Jurisdiction::new(s) {
            Ok(j) if j.is_subdivision() => {
                if !cx.subdivisions.insert(j) {
                    cx.problem(
                        K::Duplicate,
                        format!("subdivisions[{i}]"),
                        format!("division `{s}` is declared twice"),
                    );
                }
            }
            _ => cx.problem(
                K::InvalidValue,
                format!("subdivisions[{i}]"),
                format!("invalid division `{s}`: expected a code such as `AU-NSW`"),
            ),
        }
    }
    // Taxonomy extensions, in order: a parent must exist before its child.
    let mut taxonomy = Vec::new();
    for (i, t) in doc.taxonomy.iter().enumerate() {
        let p = format!("taxonomy[{i}].name");
        match Category::new(&t.name) {
            Ok(c) => {
                if cx.categories.contains(c.as_str()) {
                    cx.problem(
                        K::Duplicate,
                        p,
                        format!("category `{c}` is already declared"),
                    );
                } else if let Some(parent) =
                    c.parent().filter(|pa| !cx.categories.contains(pa.as_str()))
                {
                    cx.problem(
                        K::UnknownReference,
                        p,
                        format!(
                            "category `{c}` has unknown parent `{parent}`: declare the parent first"
                        ),
                    );
                } else {
                    cx.categories.insert(c.as_str().to_owned());
                    taxonomy.push(c);
                }
            }
            Err(e) => cx.problem(K::InvalidValue, p, e.to_string()),
        }
        if t.summary.trim().is_empty() {
            cx.problem(
                K::InvalidValue,
                format!("taxonomy[{i}].summary"),
                format!("category `{}` has an empty summary", t.name),
            );
        }
    }
    let mut groups = Vec::new();
    for name in doc.groups.keys() {
        if !is_group_name(name) || Jurisdiction::new(name).is_ok() {
            cx.problem(
                K::InvalidValue,
                format!("groups.{name}"),
                format!("invalid group name `{name}`: expected upper-case ASCII letters, digits, `-` and `_`, and not an assigned country code"),
            );
        }
        cx.groups.insert(name, groups.len());
        groups.push(Group {
            name: name.clone(),
            members: Vec::new(),
        });
    }
    for (gi, (name, g)) in doc.groups.iter().enumerate() {
        let mut members = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, m) in g.members.iter().enumerate() {
            let p = format!("groups.{name}.members[{i}]");
            if let Some(j) = cx.jurisdiction(&p, m) {
                if !seen.insert(j) {
                    cx.problem(K::Duplicate, p, format!("group `{name}` lists `{j}` twice"));
                }
                members.push((j, Period::default()));
            }
        }
        for (i, m) in g.dated.iter().enumerate() {
            let p = format!("groups.{name}.dated[{i}]");
            let j = cx.jurisdiction(&format!("{p}.code"), &m.code);
            let period = cx.period(
                &p,
                Some(&PeriodDoc {
                    from: m.from.clone(),
                    until: m.until.clone(),
                }),
            );
            if m.from.is_none() && m.until.is_none() {
                cx.problem(K::InvalidValue, p.clone(), format!("dated member `{}` of group `{name}` has neither `from` nor `until`: list it under `members`", m.code));
            }
            if let Some(j) = j {
                if g.members.iter().any(|x| x == &m.code) {
                    cx.problem(
                        K::Conflict,
                        format!("{p}.code"),
                        format!(
                            "group `{name}` lists `{j}` both as a member and as a dated member"
                        ),
                    );
                }
                members.push((j, period));
            }
        }
        if members.is_empty() && g.members.is_empty() && g.dated.is_empty() {
            cx.problem(
                K::InvalidValue,
                format!("groups.{name}"),
                format!("group `{name}` has no members"),
            );
        }
        if let Some(slot) = groups.get_mut(gi) {
            slot.members = members;
        }
    }
    let mut category_groups: BTreeMap<&str, Vec<Category>> = BTreeMap::new();
    for (name, g) in &doc.category_groups {
        let p = format!("category_groups.{name}");
        if !is_pack_id(name) || cx.categories.contains(name.as_str()) {
            cx.problem(
                K::InvalidValue,
                p.clone(),
                format!("invalid category group name `{name}`: expected lower-case ASCII letters, digits, `-` and `_`, and not a category"),
            );
        }
        let members = cx.categories(&format!("{p}.members"), &g.members);
        category_groups.insert(name, members);
    }
    cx.category_groups = category_groups;
    let mut tags = Vec::new();
    for (i, t) in doc.tags.iter().enumerate() {
        match Tag::new(&t.name) {
            Ok(tag) => {
                if cx.tags.insert(t.name.clone(), t.on).is_some() {
                    cx.problem(
                        K::Duplicate,
                        format!("tags[{i}].name"),
                        format!("tag `{}` is declared twice", t.name),
                    );
                } else {
                    tags.push((tag, t.on));
                }
            }
            Err(e) => cx.problem(K::InvalidValue, format!("tags[{i}].name"), e.to_string()),
        }
    }
    let mut purposes = Vec::new();
    for (i, p) in doc.purposes.iter().enumerate() {
        match Purpose::new(&p.name) {
            Ok(pu) => {
                if !cx.purposes.insert(p.name.clone()) {
                    cx.problem(
                        K::Duplicate,
                        format!("purposes[{i}].name"),
                        format!("purpose `{}` is declared twice", p.name),
                    );
                } else {
                    purposes.push(pu);
                }
            }
            Err(e) => cx.problem(
                K::InvalidValue,
                format!("purposes[{i}].name"),
                e.to_string(),
            ),
        }
    }
    let mut counters = Vec::new();
    for (name, c) in &doc.counters {
        let p = format!("counters.{name}");
        if !is_pack_id(name) {
            cx.problem(
                K::InvalidValue,
                p.clone(),
                format!("invalid counter name `{name}`"),
            );
        }
        if c.summary.trim().is_empty() {
            cx.problem(
                K::InvalidValue,
                format!("{p}.summary"),
                format!("counter `{name}` has an empty summary"),
            );
        }
        let offset = match &c.utc_offset {
            Some(o) => parse_offset(o).unwrap_or_else(|| {
                cx.problem(
                    K::InvalidValue,
                    format!("{p}.utc_offset"),
                    format!("invalid UTC offset `{o}`: expected `+HH:MM` or `-HH:MM`"),
                );
                cx.offset
            }),
            None => cx.offset,
        };
        cx.in_counter = true;
        let (conds, categories) = cx.conditions(&format!("{p}.applies_when"), &c.applies_when);
        cx.in_counter = false;
        counters.push(Counter {
            name: name.clone(),
            window: c.window,
            offset,
            individuals: c.individuals,
            conds,
            categories,
        });
    }
    let mut rules = Vec::new();
    let mut rule_ids = BTreeSet::new();
    for (ri, r) in doc.rules.iter().enumerate() {
        let path = format!("rules[{ri}]");
        cx.rule = None;
        if !is_pack_id(&r.id) {
            cx.problem(
                K::InvalidValue,
                format!("{path}.id"),
                format!("invalid rule id `{}`", r.id),
            );
        } else if !rule_ids.insert(r.id.clone()) {
            cx.problem(
                K::Duplicate,
                format!("{path}.id"),
                format!("rule id `{}` is used twice", r.id),
            );
        }
        cx.rule = Some(r.id.clone());
        for (field, value) in [("summary", &r.summary), ("cite", &r.cite)] {
            if value.trim().is_empty() {
                cx.problem(
                    K::InvalidValue,
                    format!("{path}.{field}"),
                    format!("has an empty `{field}`"),
                );
            }
        }
        let in_force = cx.period(&format!("{path}.in_force"), r.in_force.as_ref());
        let gate = match (&r.if_option, &r.unless_option) {
            (Some(_), Some(_)) => {
                cx.problem(
                    K::Conflict,
                    format!("{path}.unless_option"),
                    "has both `if_option` and `unless_option`",
                );
                None
            }
            (Some(o), None) => Some((o.clone(), true)),
            (None, Some(o)) => Some((o.clone(), false)),
            (None, None) => None,
        };
        if let Some((o, want)) = &gate
            && !cx.options.contains(o.as_str())
        {
            let field = if *want { "if_option" } else { "unless_option" };
            cx.problem(
                K::UnknownReference,
                format!("{path}.{field}"),
                format!("references unknown option `{o}`"),
            );
        }
        let (conds, categories) = cx.conditions(&format!("{path}.applies_when"), &r.applies_when);
        let effect = match (r.prohibit, r.require.is_empty()) {
            (true, false) => {
                cx.problem(
                    K::Conflict,
                    format!("{path}.require"),
                    "has both `prohibit` and `require`: a prohibition admits no alternatives",
                );
                RuleEffect::Prohibit
            }
            (true, true) => {
                if !r.obligations.is_empty() {
                    cx.problem(
                        K::Conflict,
                        format!("{path}.obligations"),
                        "is a prohibition and cannot carry obligations",
                    );
                }
                RuleEffect::Prohibit
            }
            (false, true) => {
                cx.problem(
                    K::InvalidValue,
                    path.clone(),
                    "has neither `prohibit = true` nor any `require` alternative",
                );
                RuleEffect::Prohibit
            }
            (false, false) => RuleEffect::Require(
                r.require
                    .iter()
                    .enumerate()
                    .map(|(i, a)| cx.alternative(&format!("{path}.require[{i}]"), i, a))
                    .collect(),
            ),
        };
        if let RuleEffect::Require(alts) = &effect {
            let mut names = BTreeSet::new();
            for (i, a) in alts.iter().enumerate() {
                if !names.insert(a.name.clone()) {
                    cx.problem(
                        K::Duplicate,
                        format!("{path}.require[{i}].name"),
                        format!("has two alternatives named `{}`", a.name),
                    );
                }
            }
        }
        let obligations = cx.obligations(&format!("{path}.obligations"), &r.obligations);
        rules.push(Rule {
            id: r.id.clone(),
            summary: r.summary.clone(),
            cite: r.cite.clone(),
            in_force,
            gate,
            conds,
            categories,
            effect,
            obligations,
        });
    }
    if !cx.found.is_empty() {
        return Err(cx.found);
    }
    Ok(Ast {
        id: cx.doc.id.clone(),
        version: cx.doc.version.clone(),
        effective,
        options,
        groups,
        taxonomy,
        subdivisions: cx.subdivisions.into_iter().collect(),
        tags,
        purposes,
        counters,
        rules,
    })
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+08:00").unwrap().local_minus_utc(), 8 * 3600);
        assert_eq!(
            parse_offset("-05:30").unwrap().local_minus_utc(),
            -(5 * 3600 + 30 * 60)
        );
        for bad in ["08:00", "+8:00", "+24:00", "+08:60", "", "+"] {
            assert!(parse_offset(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn periods() {
        let t = |y| Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap();
        let p = Period {
            from: Some(t(2020)),
            until: Some(t(2025)),
        };
        assert!(p.contains(t(2020)) && !p.contains(t(2025)));
        let q = Period {
            from: Some(t(2022)),
            until: None,
        };
        let i = p.intersect(&q);
        assert_eq!(
            i,
            Period {
                from: Some(t(2022)),
                until: Some(t(2025))
            }
        );
        assert!(Period::default().contains(t(1900)));
    }

    #[test]
    fn group_names() {
        assert!(is_group_name("EEA"));
        assert!(is_group_name("GDPR-ADEQUATE"));
        assert!(!is_group_name("eea"));
        assert!(!is_group_name("1EU"));
    }
}
