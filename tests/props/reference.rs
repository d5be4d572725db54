//! A deliberately naive reference evaluator, written from the evaluation semantics alone (DESIGN.md, "Semantics").
//!
//! It reads a pack in its public JSON form and interprets it directly on every call: no
//! indexing, no bitsets, no precomputation, no dense ids. Jurisdiction lists are resolved by
//! name at the instant of the act, categories are compared as dotted names, and evidence is read
//! through the public `Evidence` trait.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use crossborder::evidence::VolumeQuery;
use crossborder::{
    Category, ConsentKind, Evidence, Individuals, Jurisdiction, Operation, PolicyPack, Role, Scope,
    Transfer,
};
use serde::Deserialize;

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct Pack {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) utc_offset: Option<String>,
    #[serde(default)]
    pub(crate) effective: Option<Period>,
    #[serde(default)]
    pub(crate) options: BTreeMap<String, OptionDef>,
    #[serde(default)]
    pub(crate) groups: BTreeMap<String, Group>,
    #[serde(default)]
    pub(crate) category_groups: BTreeMap<String, CategoryGroup>,
    #[serde(default)]
    pub(crate) counters: BTreeMap<String, Counter>,
    #[serde(default)]
    pub(crate) purposes: Vec<PurposeDecl>,
    #[serde(default)]
    pub(crate) rules: Vec<Rule>,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct PurposeDecl {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) means: Vec<String>,
}

#[derive(Deserialize, Clone, Debug, Default)]
pub(crate) struct Period {
    pub(crate) from: Option<String>,
    pub(crate) until: Option<String>,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct OptionDef {
    pub(crate) default: bool,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct Group {
    #[serde(default)]
    pub(crate) members: Vec<String>,
    #[serde(default)]
    pub(crate) dated: Vec<Dated>,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct Dated {
    pub(crate) code: String,
    pub(crate) from: Option<String>,
    pub(crate) until: Option<String>,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct CategoryGroup {
    pub(crate) members: Vec<String>,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct Counter {
    pub(crate) window: String,
    pub(crate) utc_offset: Option<String>,
    pub(crate) individuals: String,
    #[serde(default)]
    pub(crate) applies_when: Conditions,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct Rule {
    pub(crate) id: String,
    pub(crate) in_force: Option<Period>,
    pub(crate) if_option: Option<String>,
    pub(crate) unless_option: Option<String>,
    #[serde(default)]
    pub(crate) applies_when: Conditions,
    #[serde(default)]
    pub(crate) prohibit: bool,
    #[serde(default)]
    pub(crate) require: Vec<Alternative>,
}

#[derive(Deserialize, Clone, Debug, Default)]
pub(crate) struct Conditions {
    pub(crate) operations: Option<Vec<String>>,
    pub(crate) origin_in: Option<Vec<String>>,
    pub(crate) origin_not_in: Option<Vec<String>>,
    pub(crate) destination_in: Option<Vec<String>>,
    pub(crate) destination_not_in: Option<Vec<String>>,
    pub(crate) collected_in: Option<Vec<String>>,
    pub(crate) collected_not_in: Option<Vec<String>>,
    pub(crate) subject_resident_in: Option<Vec<String>>,
    pub(crate) subject_resident_not_in: Option<Vec<String>>,
    pub(crate) subject_located_in: Option<Vec<String>>,
    pub(crate) subject_citizen_of: Option<Vec<String>>,
    pub(crate) exporter_established_in: Option<Vec<String>>,
    pub(crate) exporter_established_not_in: Option<Vec<String>>,
    pub(crate) recipient_established_in: Option<Vec<String>>,
    pub(crate) recipient_established_not_in: Option<Vec<String>>,
    pub(crate) categories: Option<Vec<String>>,
    pub(crate) categories_not: Option<Vec<String>>,
    pub(crate) recipient_roles: Option<Vec<String>>,
    pub(crate) recipient_roles_not: Option<Vec<String>>,
    pub(crate) exporter_tags: Option<Vec<String>>,
    pub(crate) exporter_tags_not: Option<Vec<String>>,
    pub(crate) recipient_tags: Option<Vec<String>>,
    pub(crate) recipient_tags_not: Option<Vec<String>>,
    pub(crate) transfer_tags: Option<Vec<String>>,
    pub(crate) transfer_tags_not: Option<Vec<String>>,
    pub(crate) purpose_in: Option<Vec<String>>,
    pub(crate) purpose_not_in: Option<Vec<String>>,
    pub(crate) subject_minor: Option<bool>,
    pub(crate) bulk: Option<bool>,
    pub(crate) volume: Option<Vec<VolumeTest>>,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct VolumeTest {
    pub(crate) counter: String,
    pub(crate) at_least: Option<u64>,
    pub(crate) below: Option<u64>,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct ConsentBasis {
    pub(crate) min_kind: ConsentKind,
    #[serde(default)]
    pub(crate) informed_of_risks: bool,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct ApprovalBasis {
    pub(crate) authorities: Vec<String>,
    pub(crate) mechanisms: Option<Vec<String>>,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct Alternative {
    pub(crate) name: Option<String>,
    pub(crate) consent: Option<ConsentBasis>,
    pub(crate) approval: Option<ApprovalBasis>,
    pub(crate) destination_in: Option<Vec<String>>,
    pub(crate) recipient_certified: Option<Vec<String>>,
    pub(crate) purpose_in: Option<Vec<String>>,
    pub(crate) recipient_roles: Option<Vec<String>>,
    pub(crate) exporter_tags: Option<Vec<String>>,
    pub(crate) recipient_tags: Option<Vec<String>>,
    pub(crate) transfer_tags: Option<Vec<String>>,
    pub(crate) volume: Option<Vec<VolumeTest>>,
}

/// What the reference decides for one applicable rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Prohibited,
    /// The satisfying alternative's name and the evidence ids used (sorted).
    Satisfied(String, Vec<String>),
    /// Per alternative (by name), the kinds of the bases that did not hold (sorted).
    Unmet(BTreeMap<String, Vec<String>>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) allow: bool,
    /// `(pack/rule, outcome)` for every applicable rule, in pack order.
    pub(crate) rules: Vec<(String, Outcome)>,
}

pub(crate) fn parse(pack: &PolicyPack) -> Pack {
    serde_json::from_str(&pack.to_json_string()).expect("a validated pack reads back")
}

fn offset(s: Option<&str>) -> FixedOffset {
    let s = s.unwrap_or("+00:00");
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let h: i32 = s[1..3].parse().unwrap();
    let m: i32 = s[4..6].parse().unwrap();
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).unwrap()
}

fn instant(s: &str, off: FixedOffset) -> DateTime<Utc> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return off
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc);
    }
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn in_period(p: Option<&Period>, t: DateTime<Utc>, off: FixedOffset) -> bool {
    let Some(p) = p else { return true };
    p.from.as_deref().is_none_or(|f| instant(f, off) <= t)
        && p.until.as_deref().is_none_or(|u| t < instant(u, off))
}

/// Whether the dotted name `c` is `a` or lies below it.
fn falls_under(c: &str, a: &str) -> bool {
    c == a || (c.starts_with(a) && c.as_bytes().get(a.len()) == Some(&b'.'))
}

struct Cx<'a, E: Evidence + ?Sized> {
    /// Every pack, for what a purpose `means` (declared in any of them).
    all: &'a [Pack],
    pack: &'a Pack,
    off: FixedOffset,
    t: &'a Transfer,
    ev: &'a E,
}

impl<E: Evidence + ?Sized> Cx<'_, E> {
    /// The jurisdictions a list names at the act's instant.
    fn places(&self, list: &[String]) -> Vec<Jurisdiction> {
        let mut out = Vec::new();
        for name in list {
            // A group of this pack, or of another (`p0:ADQ`).
            let group = match name.split_once(':') {
                Some((pack, group)) => self
                    .all
                    .iter()
                    .find(|p| p.id == pack)
                    .and_then(|p| p.groups.get(group)),
                None => self.pack.groups.get(name),
            };
            if let Some(g) = group {
                for m in &g.members {
                    out.push(m.parse().unwrap());
                }
                for d in &g.dated {
                    let p = Period {
                        from: d.from.clone(),
                        until: d.until.clone(),
                    };
                    if in_period(Some(&p), self.t.at(), self.off) {
                        out.push(d.code.parse().unwrap());
                    }
                }
            } else {
                out.push(name.parse().unwrap());
            }
        }
        out
    }

    /// Per stated purpose, every name it stands for: itself, and what any pack says it `means`,
    /// followed again and again.
    fn purpose_meanings(&self) -> Vec<Vec<String>> {
        self.t
            .purposes()
            .iter()
            .map(|p| {
                let mut names = vec![p.to_string()];
                let mut i = 0;
                while i < names.len() {
                    let current = names[i].clone();
                    for pack in self.all {
                        for d in pack.purposes.iter().filter(|d| d.name == current) {
                            for m in &d.means {
                                if !names.contains(m) {
                                    names.push(m.clone());
                                }
                            }
                        }
                    }
                    i += 1;
                }
                names
            })
            .collect()
    }

    fn place_in(&self, j: Jurisdiction, list: &[String]) -> bool {
        self.places(list).into_iter().any(|m| j.within(m))
    }

    fn categories(&self, list: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for name in list {
            match self.pack.category_groups.get(name) {
                Some(g) => out.extend(g.members.iter().cloned()),
                None => out.push(name.clone()),
            }
        }
        out
    }

    fn data_categories(&self) -> Vec<String> {
        self.t
            .data()
            .categories()
            .iter()
            .map(|c| c.to_string())
            .collect()
    }

    /// With no recipient the exporter acts itself: role `same_entity`, no tags, the exporter's
    /// establishments.
    fn role(&self) -> Option<Role> {
        match self.t.recipient() {
            Some(r) => r.role(),
            None => Some(Role::SameEntity),
        }
    }

    fn tags(&self, who: &str) -> Option<Vec<String>> {
        match who {
            "exporter" => Some(
                self.t
                    .exporter()
                    .tags()
                    .iter()
                    .map(|t| t.to_string())
                    .collect(),
            ),
            "recipient" => Some(self.t.recipient().map_or_else(Vec::new, |r| {
                r.tags().iter().map(|t| t.to_string()).collect()
            })),
            _ => Some(self.t.tags().iter().map(|t| t.to_string()).collect()),
        }
    }

    fn conditions(&self, c: &Conditions) -> bool {
        let t = self.t;
        let subject = t.data().subject();
        let holds_place = |value: Option<Jurisdiction>,
                           list: &Option<Vec<String>>,
                           negate: bool| match (value, list) {
            (_, None) => true,
            (None, Some(_)) => true,
            (Some(j), Some(l)) => self.place_in(j, l) != negate,
        };
        let holds_set = |value: Option<Vec<Jurisdiction>>,
                         list: &Option<Vec<String>>,
                         negate: bool| match (value, list) {
            (_, None) => true,
            (None, Some(_)) => true,
            (Some(v), _) if v.is_empty() => true,
            (Some(v), Some(l)) => v.iter().any(|j| self.place_in(*j, l)) != negate,
        };
        let cats = self.data_categories();
        let role = self.role();
        let roles_hold = |l: &Option<Vec<String>>, negate: bool| match (l, role) {
            (None, _) | (_, None) => true,
            (Some(l), Some(r)) => l.iter().any(|x| x == r.as_str()) != negate,
        };
        let tags_hold = |who: &str, l: &Option<Vec<String>>, negate: bool| match (l, self.tags(who))
        {
            (None, _) | (_, None) => true,
            (Some(l), Some(have)) if negate => l.iter().all(|x| !have.contains(x)),
            (Some(l), Some(have)) => l.iter().all(|x| have.contains(x)),
        };
        // One of the act's purposes in (or, negated, outside) the list; unstated: holds.
        let purpose_hold = |l: &Option<Vec<String>>, negate: bool| match l {
            None => true,
            Some(_) if t.purposes().is_empty() => true,
            Some(l) => self
                .purpose_meanings()
                .iter()
                .any(|m| m.iter().any(|x| l.contains(x)) != negate),
        };
        let est = |p: Option<&crossborder::Party>| {
            p.map(|p| p.establishments().iter().collect::<Vec<_>>())
        };
        c.operations
            .as_ref()
            .is_none_or(|ops| ops.iter().any(|o| o == t.operation().as_str()))
            && holds_place(Some(t.origin()), &c.origin_in, false)
            && holds_place(Some(t.origin()), &c.origin_not_in, true)
            && holds_place(Some(t.destination()), &c.destination_in, false)
            && holds_place(Some(t.destination()), &c.destination_not_in, true)
            && holds_place(Some(t.data().collected_in()), &c.collected_in, false)
            && holds_place(Some(t.data().collected_in()), &c.collected_not_in, true)
            && holds_place(
                subject.and_then(|s| s.residence()),
                &c.subject_resident_in,
                false,
            )
            && holds_place(
                subject.and_then(|s| s.residence()),
                &c.subject_resident_not_in,
                true,
            )
            && holds_place(
                subject.and_then(|s| s.location_at_collection()),
                &c.subject_located_in,
                false,
            )
            && holds_set(
                subject.map(|s| s.citizenships().iter().collect()),
                &c.subject_citizen_of,
                false,
            )
            && holds_set(est(Some(t.exporter())), &c.exporter_established_in, false)
            && holds_set(
                est(Some(t.exporter())),
                &c.exporter_established_not_in,
                true,
            )
            && holds_set(
                est(Some(t.recipient().unwrap_or(t.exporter()))),
                &c.recipient_established_in,
                false,
            )
            && holds_set(
                est(Some(t.recipient().unwrap_or(t.exporter()))),
                &c.recipient_established_not_in,
                true,
            )
            && c.categories.as_ref().is_none_or(|l| {
                let l = self.categories(l);
                cats.iter().any(|d| l.iter().any(|a| falls_under(d, a)))
            })
            && c.categories_not.as_ref().is_none_or(|l| {
                let l = self.categories(l);
                !cats.iter().any(|d| l.iter().any(|a| falls_under(d, a)))
            })
            && roles_hold(&c.recipient_roles, false)
            && roles_hold(&c.recipient_roles_not, true)
            && tags_hold("exporter", &c.exporter_tags, false)
            && tags_hold("exporter", &c.exporter_tags_not, true)
            && tags_hold("recipient", &c.recipient_tags, false)
            && tags_hold("recipient", &c.recipient_tags_not, true)
            && tags_hold("transfer", &c.transfer_tags, false)
            && tags_hold("transfer", &c.transfer_tags_not, true)
            && purpose_hold(&c.purpose_in, false)
            && purpose_hold(&c.purpose_not_in, true)
            && c.subject_minor
                .is_none_or(|m| subject.is_none_or(|s| s.is_minor() == m))
            && c.bulk.is_none_or(|b| b == subject.is_none())
            && c.volume
                .as_ref()
                .is_none_or(|vs| vs.iter().all(|v| self.volume_ok(v)))
    }

    fn volume_ok(&self, v: &VolumeTest) -> bool {
        let n = self.volume(&v.counter);
        v.at_least.is_none_or(|a| n >= a) && v.below.is_none_or(|b| n < b)
    }

    /// The counter's count over its window ending at the act, including the act.
    fn volume(&self, name: &str) -> u64 {
        let c = &self.pack.counters[name];
        let at = self.t.at();
        let off = c
            .utc_offset
            .as_deref()
            .map_or(self.off, |o| offset(Some(o)));
        let year = at.with_timezone(&off).year();
        let from = match c.window.as_str() {
            "calendar_year" => off
                .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
                .unwrap()
                .with_timezone(&Utc),
            "since_previous_calendar_year" => off
                .with_ymd_and_hms(year - 1, 1, 1, 0, 0, 0)
                .unwrap()
                .with_timezone(&Utc),
            _ => at.checked_sub_months(chrono::Months::new(12)).unwrap(),
        };
        let subject = self.t.data().subject().map(|s| s.id());
        let rec = self.ev.volume(&VolumeQuery::new(
            self.t.exporter().id(),
            name,
            from,
            at,
            subject,
        ));
        let adds = if self.conditions(&c.applies_when) {
            match self.t.data().individuals() {
                Individuals::One(_) => u64::from(!rec.includes_subject),
                Individuals::Bulk {
                    sensitive,
                    non_sensitive,
                    ..
                } => match c.individuals.as_str() {
                    "sensitive" => *sensitive,
                    "non_sensitive" => *non_sensitive,
                    _ => sensitive + non_sensitive,
                },
            }
        } else {
            0
        };
        rec.individuals + adds
    }

    /// The data categories the rule is about: those falling under its categories, or all.
    fn triggering(&self, rule: &Rule) -> Vec<String> {
        let cats = self.data_categories();
        match &rule.applies_when.categories {
            None => cats,
            Some(l) => {
                let l = self.categories(l);
                cats.into_iter()
                    .filter(|d| l.iter().any(|a| falls_under(d, a)))
                    .collect()
            }
        }
    }

    fn covers(&self, rule: &Rule, scope: &Scope) -> bool {
        let t = self.t;
        scope.destinations().contains(t.destination())
            && scope.operations().contains(t.operation())
            && (scope.purposes().is_empty()
                || (!t.purposes().is_empty()
                    && self
                        .purpose_meanings()
                        .iter()
                        .all(|m| scope.purposes().iter().any(|p| m.contains(&p.to_string())))))
            && (scope.recipients().is_empty()
                || t.recipient()
                    .is_some_and(|r| scope.recipients().contains(r.id())))
            && self.triggering(rule).iter().all(|d| {
                scope
                    .categories()
                    .iter()
                    .any(|s: &Category| falls_under(d, s.as_str()))
            })
    }

    /// Each basis of an alternative: its kind, and `Some(evidence id or "")` when it holds.
    fn bases(&self, rule: &Rule, a: &Alternative) -> Vec<(&'static str, Option<String>)> {
        let t = self.t;
        let at = t.at();
        let mut out = Vec::new();
        if let Some(c) = &a.consent {
            let mut found = None;
            if let Some(s) = t.data().subject() {
                self.ev.consents(s.id(), &mut |x| {
                    if x.subject() == s.id()
                        && x.kind() >= c.min_kind
                        && (!c.informed_of_risks || x.is_informed_of_risks())
                        && x.is_valid_at(at)
                        && self.covers(rule, x.scope())
                    {
                        found = Some(x.id().to_string());
                        std::ops::ControlFlow::Break(())
                    } else {
                        std::ops::ControlFlow::Continue(())
                    }
                });
            }
            out.push(("consent", found));
        }
        if let Some(ap) = &a.approval {
            let mut found = None;
            let ex = t.exporter().id();
            self.ev.approvals(ex, &mut |x| {
                if x.holder() == ex
                    && ap.authorities.iter().any(|a| a == x.authority().as_str())
                    && ap
                        .mechanisms
                        .as_ref()
                        .is_none_or(|m| m.iter().any(|m| m == x.mechanism().as_str()))
                    && x.is_valid_at(at)
                    && self.covers(rule, x.scope())
                {
                    found = Some(x.id().to_string());
                    std::ops::ControlFlow::Break(())
                } else {
                    std::ops::ControlFlow::Continue(())
                }
            });
            out.push(("approval", found));
        }
        if let Some(l) = &a.destination_in {
            out.push((
                "destination",
                self.place_in(t.destination(), l).then(String::new),
            ));
        }
        if let Some(names) = &a.recipient_certified {
            let mut found = None;
            if let Some(r) = t.recipient() {
                found = r
                    .certifications()
                    .iter()
                    .find(|c| names.iter().any(|n| n == c.name().as_str()) && c.is_valid_at(at))
                    .map(|c| c.id().to_string());
                if found.is_none() {
                    self.ev.certifications(r.id(), &mut |c| {
                        if names.iter().any(|n| n == c.name().as_str()) && c.is_valid_at(at) {
                            found = Some(c.id().to_string());
                            std::ops::ControlFlow::Break(())
                        } else {
                            std::ops::ControlFlow::Continue(())
                        }
                    });
                }
            }
            out.push(("certification", found));
        }
        if let Some(l) = &a.purpose_in {
            // Every purpose of the act in the list.
            let meanings = self.purpose_meanings();
            out.push((
                "purpose",
                (!meanings.is_empty() && meanings.iter().all(|m| m.iter().any(|x| l.contains(x))))
                    .then(String::new),
            ));
        }
        if let Some(l) = &a.recipient_roles {
            out.push((
                "recipient_role",
                self.role()
                    .is_some_and(|r| l.iter().any(|x| x == r.as_str()))
                    .then(String::new),
            ));
        }
        for (who, l) in [
            ("exporter", &a.exporter_tags),
            ("recipient", &a.recipient_tags),
            ("transfer", &a.transfer_tags),
        ] {
            if let Some(l) = l {
                let ok = self
                    .tags(who)
                    .is_some_and(|have| l.iter().all(|x| have.contains(x)));
                out.push(("tags", ok.then(String::new)));
            }
        }
        for v in a.volume.iter().flatten() {
            out.push(("volume", self.volume_ok(v).then(String::new)));
        }
        out
    }
}

/// Decides `t` against `packs` (with option values `options[(pack, option)]`), as DESIGN.md's "Semantics" says.
pub(crate) fn decide<E: Evidence + ?Sized>(
    packs: &[Pack],
    options: &BTreeMap<(String, String), bool>,
    t: &Transfer,
    ev: &E,
) -> Decision {
    let mut rules = Vec::new();
    for pack in packs {
        let off = offset(pack.utc_offset.as_deref());
        let cx = Cx {
            all: packs,
            pack,
            off,
            t,
            ev,
        };
        let option = |name: &str| {
            options
                .get(&(pack.id.clone(), name.to_owned()))
                .copied()
                .unwrap_or_else(|| pack.options[name].default)
        };
        for rule in &pack.rules {
            if rule.if_option.as_deref().is_some_and(|o| !option(o))
                || rule.unless_option.as_deref().is_some_and(option)
            {
                continue;
            }
            if !in_period(pack.effective.as_ref(), t.at(), off)
                || !in_period(rule.in_force.as_ref(), t.at(), off)
            {
                continue;
            }
            if !cx.conditions(&rule.applies_when) {
                continue;
            }
            let key = format!("{}/{}", pack.id, rule.id);
            if rule.prohibit {
                rules.push((key, Outcome::Prohibited));
                continue;
            }
            let mut unmet = BTreeMap::new();
            let mut satisfied = None;
            for (i, a) in rule.require.iter().enumerate() {
                let name = a
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("alternative-{}", i + 1));
                let bases = cx.bases(rule, a);
                if bases.iter().all(|(_, ok)| ok.is_some()) {
                    let mut ev: Vec<String> = bases
                        .into_iter()
                        .filter_map(|(_, e)| e)
                        .filter(|e| !e.is_empty())
                        .collect();
                    ev.sort();
                    satisfied = Some(Outcome::Satisfied(name, ev));
                    break;
                }
                let mut failed: Vec<String> = bases
                    .into_iter()
                    .filter(|(_, ok)| ok.is_none())
                    .map(|(k, _)| k.to_owned())
                    .collect();
                failed.sort();
                unmet.insert(name, failed);
            }
            rules.push((key, satisfied.unwrap_or(Outcome::Unmet(unmet))));
        }
    }
    let allow = rules
        .iter()
        .all(|(_, o)| matches!(o, Outcome::Satisfied(..)));
    Decision { allow, rules }
}

/// The engine's decision in the reference's terms, for comparison.
pub(crate) fn from_engine(d: &crossborder::Decision<'_>) -> Decision {
    let rules = d
        .rules()
        .map(|r| {
            let key = format!("{}/{}", r.pack_id(), r.rule_id());
            let outcome = match r.verdict() {
                crossborder::decision::Verdict::Prohibited => Outcome::Prohibited,
                crossborder::decision::Verdict::Satisfied => {
                    let mut ev: Vec<String> =
                        r.evidence().iter().map(|e| e.id().to_string()).collect();
                    ev.sort();
                    Outcome::Satisfied(r.alternative().unwrap_or_default().to_owned(), ev)
                }
                crossborder::decision::Verdict::Unmet => Outcome::Unmet(
                    r.missing()
                        .into_iter()
                        .map(|m| {
                            let mut kinds: Vec<String> =
                                m.missing.into_iter().map(|i| i.basis.to_string()).collect();
                            kinds.sort();
                            (m.alternative, kinds)
                        })
                        .collect(),
                ),
            };
            (key, outcome)
        })
        .collect();
    Decision {
        allow: d.is_allowed(),
        rules,
    }
}

#[allow(dead_code, reason = "used by some properties only")]
pub(crate) fn op_name(o: Operation) -> &'static str {
    o.as_str()
}
