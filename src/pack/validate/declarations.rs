//! What a pack declares before its rules: the header (id, title, issuer, offset, effective
//! period, sources), options, divisions, taxonomy extensions, jurisdiction and category groups,
//! tags, purposes and counters. Each declaration is recorded in the [`Validator`] so that the
//! rules validated after it can refer to it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::context::{Validator, is_group_name, is_pack_id, parse_offset};
use crate::error::PackProblemKind as Kind;
use crate::model::Calendar;
use crate::model::{Category, Jurisdiction, Purpose, Tag};
use crate::pack::ast::{Counter, Group, OptionDef, Period, PurposeDef, TagOn};
use crate::pack::doc::{EstablishedDoc, PeriodDoc};

/// Weekday names, Monday first.
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl Validator<'_> {
    /// The header: id, title, version, issuer, UTC offset, sources. Returns the pack's
    /// effective period.
    pub(super) fn header(&mut self) -> Period {
        let doc = self.doc;
        if !is_pack_id(&doc.id) {
            self.problem(
                Kind::InvalidValue,
                "id",
                format!("invalid pack id `{}`: expected 1 to 64 lower-case ASCII letters, digits, `-` and `_`", doc.id),
            );
        }
        for (field, value) in [("title", &doc.title), ("version", &doc.version)] {
            self.non_empty(
                field.to_owned(),
                value,
                format!("the pack's {field} is empty"),
            );
        }
        let organisation = doc.format >= 2
            && doc.kind == crate::pack::PackKind::Voluntary
            && is_pack_id(&doc.issuer);
        if Jurisdiction::new(&doc.issuer).is_err() && !organisation {
            let org = if doc.format >= 2 && is_pack_id(&doc.issuer) {
                " (an organisation may issue only a voluntary pack)"
            } else if doc.format < 2 && is_pack_id(&doc.issuer) {
                " (an organisation issuer, written in lower case, needs `format = 2` and `kind = \"voluntary\"`)"
            } else {
                ""
            };
            self.problem(
                Kind::InvalidValue,
                "issuer",
                format!(
                    "unknown issuing jurisdiction `{}`{}{org}",
                    doc.issuer,
                    crate::model::jurisdiction_hint(&doc.issuer)
                ),
            );
        }
        if let Some(o) = &doc.utc_offset {
            match parse_offset(o) {
                Some(off) => self.offset = off,
                None => self.problem(
                    Kind::InvalidValue,
                    "utc_offset",
                    format!("invalid UTC offset `{o}`: expected `+HH:MM` or `-HH:MM`"),
                ),
            }
        }
        let effective = self.period("effective", doc.effective.as_ref());
        for (i, s) in doc.sources.iter().enumerate() {
            self.non_empty(
                format!("sources[{i}].title"),
                &s.title,
                "a source has an empty title",
            );
            if NaiveDate::parse_from_str(&s.checked, "%Y-%m-%d").is_err() {
                self.problem(
                    Kind::InvalidValue,
                    format!("sources[{i}].checked"),
                    format!(
                        "source `{}` has an invalid checked date `{}`: expected `YYYY-MM-DD`",
                        s.title, s.checked
                    ),
                );
            }
        }
        effective
    }

    /// The options the pack declares, with their defaults.
    pub(super) fn options(&mut self) -> Vec<OptionDef> {
        let doc = self.doc;
        let mut options = Vec::with_capacity(doc.options.len());
        for (name, o) in &doc.options {
            if !is_pack_id(name) {
                self.problem(
                    Kind::InvalidValue,
                    format!("options.{name}"),
                    format!("invalid option name `{name}`"),
                );
            }
            self.non_empty(
                format!("options.{name}.summary"),
                &o.summary,
                format!("option `{name}` has an empty summary"),
            );
            let p = format!("options.{name}");
            let readings = [
                ("when_true", o.when_true.as_ref()),
                ("when_false", o.when_false.as_ref()),
            ];
            for (field, text) in readings {
                if let Some(text) = text {
                    self.format2(format!("{p}.{field}"), field);
                    self.non_empty(
                        format!("{p}.{field}"),
                        text,
                        format!("option `{name}` has an empty `{field}`"),
                    );
                }
            }
            if let Some(e) = o.established {
                self.format2(format!("{p}.established"), "established");
                if o.when_true.is_none() || o.when_false.is_none() {
                    self.problem(
                        Kind::InvalidValue,
                        format!("{p}.established"),
                        format!("option `{name}` says which reading is established but does not state both (`when_true` and `when_false`)"),
                    );
                }
                let follows = match e {
                    EstablishedDoc::True => o.default,
                    EstablishedDoc::False => !o.default,
                    EstablishedDoc::Unverified | EstablishedDoc::Contested => true,
                };
                if !follows {
                    self.problem(
                        Kind::Conflict,
                        format!("{p}.default"),
                        format!("option `{name}` defaults to {}, but the established reading is the one when it is {}: the default follows the established reading (a stricter default is for unverified or contested points)", o.default, !o.default),
                    );
                }
                if matches!(e, EstablishedDoc::Unverified | EstablishedDoc::Contested)
                    && !o.interpretation
                {
                    self.problem(
                        Kind::InvalidValue,
                        format!("{p}.interpretation"),
                        format!(
                            "option `{name}` is marked {} but not `interpretation = true`",
                            if e == EstablishedDoc::Unverified {
                                "unverified"
                            } else {
                                "contested"
                            }
                        ),
                    );
                }
            }
            self.options.insert(name);
            options.push(OptionDef {
                name: name.clone(),
                default: o.default,
            });
        }
        options
    }

    /// The working-day calendars the pack declares (format 2), at the pack's offset.
    pub(super) fn calendars(&mut self) {
        let doc = self.doc;
        for (name, c) in &doc.calendars {
            let p = format!("calendars.{name}");
            self.format2(p.clone(), "calendars");
            if !is_pack_id(name) || name == "default" {
                self.problem(
                    Kind::InvalidValue,
                    p.clone(),
                    format!("invalid calendar name `{name}`"),
                );
            }
            self.non_empty(
                format!("{p}.summary"),
                &c.summary,
                format!("calendar `{name}` has an empty summary"),
            );
            let mut cal = Calendar::weekdays(self.offset);
            cal.name = name.clone();
            if let Some(days) = &c.weekend {
                cal.weekend = 0;
                for (i, d) in days.iter().enumerate() {
                    match WEEKDAYS.iter().position(|w| w == d) {
                        Some(n) => cal.weekend |= 1 << n,
                        None => self.problem(
                            Kind::InvalidValue,
                            format!("{p}.weekend[{i}]"),
                            format!(
                                "calendar `{name}` names unknown weekday `{d}`: expected one of {}",
                                WEEKDAYS.join(", ")
                            ),
                        ),
                    }
                }
                if cal.weekend == 0b111_1111 {
                    self.problem(
                        Kind::InvalidValue,
                        format!("{p}.weekend"),
                        format!("calendar `{name}` has no working weekday"),
                    );
                }
            }
            let mut dates = |field: &str, list: &[String]| -> Vec<NaiveDate> {
                let mut out = Vec::with_capacity(list.len());
                for (i, d) in list.iter().enumerate() {
                    match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                        Ok(x) if d.len() == 10 => out.push(x),
                        _ => self.problem(
                            Kind::InvalidValue,
                            format!("{p}.{field}[{i}]"),
                            format!(
                                "calendar `{name}` has an invalid date `{d}`: expected `YYYY-MM-DD`"
                            ),
                        ),
                    }
                }
                out.sort_unstable();
                out.dedup();
                out
            };
            cal.holidays = dates("holidays", &c.holidays);
            cal.working = dates("working_days", &c.working_days);
            self.calendars
                .insert(name.clone(), std::sync::Arc::new(cal));
        }
    }

    /// The divisions the pack declares (before groups and rules, which may name them).
    pub(super) fn subdivisions(&mut self) -> Vec<Jurisdiction> {
        for (i, s) in self.doc.subdivisions.iter().enumerate() {
            match Jurisdiction::new(s) {
                Ok(j) if j.is_subdivision() => {
                    if !self.subdivisions.insert(j) {
                        self.problem(
                            Kind::Duplicate,
                            format!("subdivisions[{i}]"),
                            format!("division `{s}` is declared twice"),
                        );
                    }
                }
                _ => self.problem(
                    Kind::InvalidValue,
                    format!("subdivisions[{i}]"),
                    format!("invalid division `{s}`: expected a code such as `AU-NSW`"),
                ),
            }
        }
        self.subdivisions.iter().copied().collect()
    }

    /// Taxonomy extensions, in order: a parent must be declared before its child.
    pub(super) fn taxonomy(&mut self) -> Vec<Category> {
        let mut taxonomy = Vec::new();
        for (i, t) in self.doc.taxonomy.iter().enumerate() {
            let p = format!("taxonomy[{i}].name");
            match Category::new(&t.name) {
                Ok(c) => {
                    if self.categories.contains(c.as_str()) {
                        self.problem(
                            Kind::Duplicate,
                            p,
                            format!("category `{c}` is already declared"),
                        );
                    } else if let Some(parent) = c
                        .parent()
                        .filter(|pa| !self.categories.contains(pa.as_str()))
                    {
                        self.problem(
                            Kind::UnknownReference,
                            p,
                            format!(
                                "category `{c}` has unknown parent `{parent}`: declare the parent first"
                            ),
                        );
                    } else {
                        self.categories.insert(c.as_str().to_owned());
                        taxonomy.push(c);
                    }
                }
                Err(e) => self.problem(Kind::InvalidValue, p, e.to_string()),
            }
            self.non_empty(
                format!("taxonomy[{i}].summary"),
                &t.summary,
                format!("category `{}` has an empty summary", t.name),
            );
        }
        taxonomy
    }

    /// Jurisdiction groups, with their plain and dated members. Every name is registered
    /// before any member is read.
    pub(super) fn groups(&mut self) -> Vec<Group> {
        let doc = self.doc;
        let mut groups = Vec::with_capacity(doc.groups.len());
        for name in doc.groups.keys() {
            if !is_group_name(name) || Jurisdiction::new(name).is_ok() {
                self.problem(
                    Kind::InvalidValue,
                    format!("groups.{name}"),
                    format!("invalid group name `{name}`: expected upper-case ASCII letters, digits, `-` and `_`, and not an assigned country code"),
                );
            }
            self.groups.insert(name, groups.len());
            groups.push(Group {
                name: name.clone(),
                members: Vec::new(),
            });
        }
        for (slot, (name, g)) in groups.iter_mut().zip(&doc.groups) {
            let mut members = Vec::new();
            let mut seen = BTreeSet::new();
            for (i, m) in g.members.iter().enumerate() {
                let p = format!("groups.{name}.members[{i}]");
                if let Some(j) = self.jurisdiction(&p, m) {
                    if !seen.insert(j) {
                        self.problem(
                            Kind::Duplicate,
                            p,
                            format!("group `{name}` lists `{j}` twice"),
                        );
                    }
                    members.push((j, Period::default()));
                }
            }
            for (i, m) in g.dated.iter().enumerate() {
                let p = format!("groups.{name}.dated[{i}]");
                let j = self.jurisdiction(&format!("{p}.code"), &m.code);
                let period = self.period(
                    &p,
                    Some(&PeriodDoc {
                        from: m.from.clone(),
                        until: m.until.clone(),
                    }),
                );
                if m.from.is_none() && m.until.is_none() {
                    self.problem(Kind::InvalidValue, p.clone(), format!("dated member `{}` of group `{name}` has neither `from` nor `until`: list it under `members`", m.code));
                }
                if let Some(j) = j {
                    if g.members.iter().any(|x| x == &m.code) {
                        self.problem(
                            Kind::Conflict,
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
                self.problem(
                    Kind::InvalidValue,
                    format!("groups.{name}"),
                    format!("group `{name}` has no members"),
                );
            }
            slot.members = members;
        }
        groups
    }

    /// Category groups: names for lists of categories.
    pub(super) fn category_groups(&mut self) {
        let doc = self.doc;
        let mut category_groups: BTreeMap<&str, Vec<Category>> = BTreeMap::new();
        for (name, g) in &doc.category_groups {
            let p = format!("category_groups.{name}");
            if !is_pack_id(name) || self.categories.contains(name.as_str()) {
                self.problem(
                    Kind::InvalidValue,
                    p.clone(),
                    format!("invalid category group name `{name}`: expected lower-case ASCII letters, digits, `-` and `_`, and not a category"),
                );
            }
            let members = self.categories(&format!("{p}.members"), &g.members);
            category_groups.insert(name, members);
        }
        self.category_groups = category_groups;
    }

    /// The tags the pack declares, each for parties or for transfers.
    pub(super) fn tag_declarations(&mut self) -> Vec<(Tag, TagOn)> {
        let mut tags = Vec::new();
        for (i, t) in self.doc.tags.iter().enumerate() {
            match Tag::new(&t.name) {
                Ok(tag) => {
                    if self.tags.insert(t.name.clone(), t.on).is_some() {
                        self.problem(
                            Kind::Duplicate,
                            format!("tags[{i}].name"),
                            format!("tag `{}` is declared twice", t.name),
                        );
                    } else {
                        tags.push((tag, t.on));
                    }
                }
                Err(e) => {
                    self.problem(Kind::InvalidValue, format!("tags[{i}].name"), e.to_string())
                }
            }
        }
        tags
    }

    /// The purposes the pack declares, and what each also stands for (purposes of this pack
    /// or of another: those are checked when an engine is built).
    pub(super) fn purpose_declarations(&mut self) -> Vec<PurposeDef> {
        let doc = self.doc;
        let mut purposes = Vec::with_capacity(doc.purposes.len());
        for (i, p) in doc.purposes.iter().enumerate() {
            let path = format!("purposes[{i}]");
            let name = match Purpose::new(&p.name) {
                Ok(pu) => pu,
                Err(e) => {
                    self.problem(Kind::InvalidValue, format!("{path}.name"), e.to_string());
                    continue;
                }
            };
            if !self.purposes.insert(p.name.clone()) {
                self.problem(
                    Kind::Duplicate,
                    format!("{path}.name"),
                    format!("purpose `{}` is declared twice", p.name),
                );
                continue;
            }
            self.non_empty(
                format!("{path}.summary"),
                &p.summary,
                format!("purpose `{}` has an empty summary", p.name),
            );
            let mut means: Vec<Purpose> = Vec::with_capacity(p.means.len());
            for (k, m) in p.means.iter().enumerate() {
                let at = format!("{path}.means[{k}]");
                match Purpose::new(m) {
                    Ok(m) if m == name => self.problem(
                        Kind::Conflict,
                        at,
                        format!("purpose `{name}` lists itself under `means`"),
                    ),
                    Ok(m) if means.contains(&m) => self.problem(
                        Kind::Duplicate,
                        at,
                        format!("purpose `{name}` lists `{m}` twice under `means`"),
                    ),
                    Ok(m) => means.push(m),
                    Err(e) => self.problem(Kind::InvalidValue, at, format!("has {e}")),
                }
            }
            purposes.push(PurposeDef { name, means });
        }
        purposes
    }

    /// The volume counters, with their windows and the conditions an act meets to count.
    pub(super) fn counters(&mut self) -> Vec<Counter> {
        let doc = self.doc;
        let mut counters = Vec::with_capacity(doc.counters.len());
        for (name, c) in &doc.counters {
            let p = format!("counters.{name}");
            if !is_pack_id(name) {
                self.problem(
                    Kind::InvalidValue,
                    p.clone(),
                    format!("invalid counter name `{name}`"),
                );
            }
            self.non_empty(
                format!("{p}.summary"),
                &c.summary,
                format!("counter `{name}` has an empty summary"),
            );
            let offset = match &c.utc_offset {
                Some(o) => parse_offset(o).unwrap_or_else(|| {
                    self.problem(
                        Kind::InvalidValue,
                        format!("{p}.utc_offset"),
                        format!("invalid UTC offset `{o}`: expected `+HH:MM` or `-HH:MM`"),
                    );
                    self.offset
                }),
                None => self.offset,
            };
            self.in_counter = true;
            let (conds, categories) =
                self.conditions(&format!("{p}.applies_when"), &c.applies_when);
            self.in_counter = false;
            counters.push(Counter {
                name: name.clone(),
                window: c.window,
                offset,
                individuals: c.individuals,
                conds,
                categories,
            });
        }
        counters
    }
}
