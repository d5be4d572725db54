//! The validation context: what has been declared so far, the problems found, and the checks
//! every part of a pack shares (dates, periods, jurisdictions and their lists, categories, tags,
//! purposes, names).
//!
//! Owns the wording and the path of every problem; knows nothing about the engine.

use std::collections::{BTreeMap, BTreeSet};

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

use super::Found;
use crate::error::ModelError;
use crate::error::PackProblemKind as Kind;
use crate::model::{
    Calendar, Category, Jurisdiction, Purpose, Role, Span, Tag, Unit, did_you_mean,
    jurisdiction_hint, rfc3339,
};
use crate::pack::ast::{JurRef, Period, TagOn};
use crate::pack::doc::{DurationDoc, PackDoc, PeriodDoc};
use crate::pack::taxonomy;

/// What validation has learnt about the pack so far, and the problems it found.
pub(super) struct Validator<'a> {
    pub doc: &'a PackDoc,
    /// The pack's UTC offset: bare dates are midnight there.
    pub offset: FixedOffset,
    pub found: Vec<Found>,
    /// The id of the rule being validated, named in every message about it.
    pub rule: Option<String>,
    pub groups: BTreeMap<&'a str, usize>,
    pub category_groups: BTreeMap<&'a str, Vec<Category>>,
    pub categories: BTreeSet<String>,
    pub subdivisions: BTreeSet<Jurisdiction>,
    pub tags: BTreeMap<String, TagOn>,
    pub purposes: BTreeSet<String>,
    pub options: BTreeSet<&'a str>,
    pub counters: BTreeSet<&'a str>,
    /// Validating a counter's conditions (which may not test a volume).
    pub in_counter: bool,
    /// The most bases an alternative may hold (from the loader's limits).
    pub max_bases: usize,
    /// The working-day calendars the pack declares.
    pub calendars: BTreeMap<String, Arc<Calendar>>,
    /// How deeply `any_of` / `not` are nested where validation is.
    pub depth: usize,
}

/// How deeply `any_of` and `not` may nest.
pub(super) const MAX_CONDITION_DEPTH: usize = 4;

/// Whether `s` can be a pack, rule, option, counter, obligation or alternative id.
pub(super) fn is_pack_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !s.starts_with('-')
}

/// Whether `s` can be a jurisdiction group's name (`EEA`, `GDPR-ADEQUATE`).
pub(super) fn is_group_name(s: &str) -> bool {
    s.len() >= 2
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && s.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
}

/// A fixed UTC offset written `+HH:MM` or `-HH:MM`.
pub(super) fn parse_offset(s: &str) -> Option<FixedOffset> {
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

impl<'a> Validator<'a> {
    pub(super) fn new(doc: &'a PackDoc, max_bases: usize) -> Self {
        Validator {
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
            max_bases,
            calendars: BTreeMap::new(),
            depth: 0,
        }
    }

    /// Records a problem when a format-2 field is used in an older pack.
    pub(super) fn format2(&mut self, path: impl Into<String>, field: &str) {
        if self.doc.format < 2 {
            self.problem(
                Kind::UnsupportedFormat,
                path,
                format!("uses `{field}`, which needs `format = 2`"),
            );
        }
    }

    /// A span of time: exactly one unit, a positive amount, and a declared calendar (only with
    /// `working_days`).
    pub(super) fn span(&mut self, path: &str, d: &DurationDoc) -> Option<Span> {
        let DurationDoc {
            years,
            months,
            days,
            hours,
            working_days,
            calendar,
        } = d;
        let units: Vec<(&str, u32)> = [
            ("years", *years),
            ("months", *months),
            ("days", *days),
            ("hours", *hours),
            ("working_days", *working_days),
        ]
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n, v)))
        .collect();
        let [(name, n)] = units.as_slice() else {
            self.problem(
                Kind::InvalidValue,
                path,
                "has a span that must give exactly one of `years`, `months`, `days`, `hours`, `working_days`",
            );
            return None;
        };
        if *n == 0 || *n > 100_000 {
            self.problem(
                Kind::InvalidValue,
                format!("{path}.{name}"),
                format!("has a span of {n} {name}: expected 1 to 100000"),
            );
            return None;
        }
        let unit = match *name {
            "years" => Unit::Months(n.saturating_mul(12)),
            "months" => Unit::Months(*n),
            "days" => Unit::Days(*n),
            "hours" => Unit::Hours(*n),
            _ => Unit::WorkingDays(*n),
        };
        let cal = match calendar {
            Some(c) if !matches!(unit, Unit::WorkingDays(_)) => {
                self.problem(
                    Kind::Conflict,
                    format!("{path}.calendar"),
                    format!("names calendar `{c}`, but only `working_days` count on a calendar"),
                );
                return None;
            }
            Some(c) => {
                match self.calendars.get(c) {
                    Some(cal) => Arc::clone(cal),
                    None => {
                        let hint = did_you_mean(c, self.calendars.keys().map(String::as_str));
                        self.problem(
                        Kind::UnknownReference,
                        format!("{path}.calendar"),
                        format!("references unknown calendar `{c}`: declare it under `calendars`{hint}"),
                    );
                        return None;
                    }
                }
            }
            None => Arc::new(Calendar::weekdays(self.offset)),
        };
        Some(Span {
            unit,
            calendar: cal,
        })
    }

    /// Records a problem at `path`; inside a rule, the message names the rule.
    pub(super) fn problem(
        &mut self,
        kind: Kind,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
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

    /// Checks each item of a list that must not be empty: `check` gets the item's path and
    /// returns the value to keep, or records a problem and returns `None`.
    pub(super) fn each<T, U>(
        &mut self,
        path: &str,
        what: &str,
        list: &[T],
        mut check: impl FnMut(&mut Self, String, &T) -> Option<U>,
    ) -> Vec<U> {
        if list.is_empty() {
            self.problem(
                Kind::InvalidValue,
                path,
                format!("has an empty {what} list"),
            );
        }
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            if let Some(v) = check(self, format!("{path}[{i}]"), item) {
                out.push(v);
            }
        }
        out
    }

    /// A date (`YYYY-MM-DD`, midnight at the pack's offset) or an RFC 3339 instant.
    pub(super) fn instant(&mut self, path: &str, s: &str) -> Option<DateTime<Utc>> {
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            && s.len() == 10
        {
            let local = d.and_hms_opt(0, 0, 0)?;
            return match self.offset.from_local_datetime(&local).single() {
                Some(t) => Some(t.with_timezone(&Utc)),
                None => {
                    self.problem(
                        Kind::InvalidValue,
                        path,
                        format!("date `{s}` is out of range"),
                    );
                    None
                }
            };
        }
        match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                self.problem(
                    Kind::InvalidValue,
                    path,
                    format!("has an invalid date `{s}`: expected `YYYY-MM-DD` or an RFC 3339 instant such as `2024-03-22T00:00:00+08:00`"),
                );
                None
            }
        }
    }

    /// A validity window whose end, when both are given, is after its start.
    pub(super) fn period(&mut self, path: &str, p: Option<&PeriodDoc>) -> Period {
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
                Kind::Conflict,
                format!("{path}.until"),
                format!(
                    "has a period that ends ({}) before it starts ({})",
                    rfc3339(u),
                    rfc3339(f)
                ),
            );
        }
        Period { from, until }
    }

    /// An assigned country code, or a division the pack declares.
    pub(super) fn jurisdiction(&mut self, path: &str, s: &str) -> Option<Jurisdiction> {
        match Jurisdiction::new(s) {
            Ok(j) if j.is_subdivision() && !self.subdivisions.contains(&j) => {
                self.problem(
                    Kind::UnknownReference,
                    path,
                    format!("references the division `{s}`, which the pack does not declare in `subdivisions`"),
                );
                None
            }
            Ok(j) => Some(j),
            Err(_) => {
                self.problem(
                    Kind::InvalidValue,
                    path,
                    format!(
                        "references unknown jurisdiction `{s}`{}",
                        jurisdiction_hint(s)
                    ),
                );
                None
            }
        }
    }

    /// A list of codes, the pack's group names, and other packs' groups (`eu-gdpr:EEA`).
    pub(super) fn jur_list(&mut self, path: &str, list: &[String]) -> Vec<JurRef> {
        self.each(path, "jurisdiction", list, |v, p, s| {
            if let Some(&g) = v.groups.get(s.as_str()) {
                Some(JurRef::Group(g))
            } else if let Some((pack, group)) = s.split_once(':') {
                if is_pack_id(pack) && is_group_name(group) {
                    Some(JurRef::Shared {
                        pack: pack.to_owned(),
                        group: group.to_owned(),
                    })
                } else {
                    v.problem(
                        Kind::InvalidValue,
                        p,
                        format!("references `{s}`, which is not a pack's group: expected `<pack id>:<GROUP>`, such as `eu-gdpr:EEA`"),
                    );
                    None
                }
            } else if Jurisdiction::new(s).is_ok() {
                v.jurisdiction(&p, s).map(JurRef::Code)
            } else if is_group_name(s) && s.len() > 2 {
                let hint = did_you_mean(s, v.groups.keys().copied());
                v.problem(
                    Kind::UnknownReference,
                    p,
                    format!("references unknown group `{s}`{hint}"),
                );
                None
            } else {
                let hint = jurisdiction_hint(s);
                v.problem(
                    Kind::InvalidValue,
                    p,
                    format!("references unknown jurisdiction `{s}`{hint}"),
                );
                None
            }
        })
    }

    /// A list of declared categories and category groups, expanded, sorted and de-duplicated.
    pub(super) fn categories(&mut self, path: &str, list: &[String]) -> Vec<Category> {
        let mut out: Vec<Category> = self
            .each(path, "category", list, |v, p, s| {
                if let Some(members) = v.category_groups.get(s.as_str()) {
                    Some(members.clone())
                } else if v.categories.contains(s) {
                    Category::new(s).ok().map(|c| vec![c])
                } else {
                    let hint = did_you_mean(
                        s,
                        v.categories
                            .iter()
                            .map(String::as_str)
                            .chain(v.category_groups.keys().copied()),
                    );
                    v.problem(
                        Kind::UnknownReference,
                        p,
                        format!("references unknown category `{s}`{hint}"),
                    );
                    None
                }
            })
            .into_iter()
            .flatten()
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// A list of tags the pack declares for `on`.
    pub(super) fn tags(&mut self, path: &str, list: &[String], on: TagOn) -> Vec<Tag> {
        self.each(path, "tag", list, |v, p, s| match v.tags.get(s) {
            Some(&declared) if declared == on => Tag::new(s).ok(),
            Some(_) => {
                let what = match on {
                    TagOn::Party => "a party",
                    TagOn::Transfer => "a transfer",
                };
                v.problem(
                    Kind::Conflict,
                    p,
                    format!(
                        "uses tag `{s}` on {what}, but the pack declares it for the other kind"
                    ),
                );
                None
            }
            None => {
                let hint = did_you_mean(s, v.tags.keys().map(String::as_str));
                v.problem(
                    Kind::UnknownReference,
                    p,
                    format!("references unknown tag `{s}`: declare it under `tags`{hint}"),
                );
                None
            }
        })
    }

    /// A list of roles (typed by the document already).
    pub(super) fn roles(&mut self, path: &str, list: &[Role]) -> Vec<Role> {
        self.each(path, "role", list, |_, _, r| Some(*r))
    }

    /// A list of names of one shape (authorities, mechanisms, certifications).
    pub(super) fn names<T>(
        &mut self,
        path: &str,
        list: &[String],
        what: &str,
        parse: fn(&str) -> Result<T, ModelError>,
    ) -> Vec<T> {
        self.each(path, what, list, |v, p, s| match parse(s) {
            Ok(x) => Some(x),
            Err(e) => {
                v.problem(Kind::InvalidValue, p, format!("has {e}"));
                None
            }
        })
    }

    /// A list of purposes the pack declares.
    pub(super) fn purposes(&mut self, path: &str, list: &[String]) -> Vec<Purpose> {
        self.each(path, "purpose", list, |v, p, s| match Purpose::new(s) {
            Ok(pu) if v.purposes.contains(pu.as_str()) => Some(pu),
            Ok(pu) => {
                let hint = did_you_mean(pu.as_str(), v.purposes.iter().map(String::as_str));
                v.problem(
                    Kind::UnknownReference,
                    p,
                    format!("references unknown purpose `{pu}`: declare it under `purposes`{hint}"),
                );
                // Kept, so that one mistake is reported once.
                Some(pu)
            }
            Err(e) => {
                v.problem(Kind::InvalidValue, p, format!("has {e}"));
                None
            }
        })
    }

    /// A non-empty summary-like field.
    pub(super) fn non_empty(&mut self, path: String, value: &str, message: impl Into<String>) {
        if value.trim().is_empty() {
            self.problem(Kind::InvalidValue, path, message);
        }
    }
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
    fn group_names() {
        assert!(is_group_name("EEA"));
        assert!(is_group_name("GDPR-ADEQUATE"));
        assert!(!is_group_name("eea"));
        assert!(!is_group_name("1EU"));
    }
}
