//! `applies_when`: the conditions of rules and counters, and volume tests.
//!
//! The document's condition fields are destructured without `..`, so a field added to
//! [`ConditionsDoc`] does not compile until it is mapped to a [`Cond`] here.

use super::context::{MAX_CONDITION_DEPTH, Validator};
use crate::error::PackProblemKind as Kind;
use crate::model::{Authority, Category, Mechanism, did_you_mean};
use crate::pack::ast::{Cond, Place, PlaceSet, Volume, Who};
use crate::pack::doc::{ConditionsDoc, VolumeDoc};

impl Validator<'_> {
    /// The conditions of `applies_when` at `path`, and the categories it names (kept apart: the
    /// engine tests them first, from a bitset).
    pub(super) fn conditions(
        &mut self,
        path: &str,
        c: &ConditionsDoc,
    ) -> (Vec<Cond>, Option<Vec<Category>>) {
        let ConditionsDoc {
            operations,
            origin_in,
            origin_not_in,
            destination_in,
            destination_not_in,
            collected_in,
            collected_not_in,
            subject_resident_in,
            subject_resident_not_in,
            subject_located_in,
            subject_citizen_of,
            exporter_established_in,
            exporter_established_not_in,
            recipient_established_in,
            recipient_established_not_in,
            categories,
            recipient_roles,
            recipient_roles_not,
            exporter_tags,
            exporter_tags_not,
            recipient_tags,
            recipient_tags_not,
            transfer_tags,
            transfer_tags_not,
            categories_not,
            purpose_in,
            purpose_not_in,
            subject_minor,
            bulk,
            volume,
            came_under,
            breaks_onward_limits,
            any_of,
            not,
        } = c;
        let at = |name: &str| format!("{path}.{name}");
        let mut conds = Vec::new();
        if let Some(ops) = operations {
            if ops.is_empty() {
                self.problem(
                    Kind::InvalidValue,
                    at("operations"),
                    "has an empty operation list",
                );
            }
            conds.push(Cond::Ops(ops.iter().copied().collect()));
        }
        let places = [
            ("origin_in", origin_in, Place::Origin, false),
            ("origin_not_in", origin_not_in, Place::Origin, true),
            ("destination_in", destination_in, Place::Destination, false),
            (
                "destination_not_in",
                destination_not_in,
                Place::Destination,
                true,
            ),
            ("collected_in", collected_in, Place::CollectedIn, false),
            (
                "collected_not_in",
                collected_not_in,
                Place::CollectedIn,
                true,
            ),
            (
                "subject_resident_in",
                subject_resident_in,
                Place::SubjectResidence,
                false,
            ),
            (
                "subject_resident_not_in",
                subject_resident_not_in,
                Place::SubjectResidence,
                true,
            ),
            (
                "subject_located_in",
                subject_located_in,
                Place::SubjectLocation,
                false,
            ),
        ];
        for (name, list, place, negate) in places {
            if let Some(list) = list {
                let list = self.jur_list(&at(name), list);
                conds.push(Cond::Place {
                    place,
                    list,
                    negate,
                });
            }
        }
        let place_sets = [
            (
                "subject_citizen_of",
                subject_citizen_of,
                PlaceSet::SubjectCitizenship,
                false,
            ),
            (
                "exporter_established_in",
                exporter_established_in,
                PlaceSet::ExporterEstablishment,
                false,
            ),
            (
                "exporter_established_not_in",
                exporter_established_not_in,
                PlaceSet::ExporterEstablishment,
                true,
            ),
            (
                "recipient_established_in",
                recipient_established_in,
                PlaceSet::RecipientEstablishment,
                false,
            ),
            (
                "recipient_established_not_in",
                recipient_established_not_in,
                PlaceSet::RecipientEstablishment,
                true,
            ),
        ];
        for (name, list, places, negate) in place_sets {
            if let Some(list) = list {
                let list = self.jur_list(&at(name), list);
                conds.push(Cond::Places {
                    places,
                    list,
                    negate,
                });
            }
        }
        for (name, list, negate) in [
            ("recipient_roles", recipient_roles, false),
            ("recipient_roles_not", recipient_roles_not, true),
        ] {
            if let Some(list) = list {
                let roles = self.roles(&at(name), list);
                conds.push(Cond::Roles { roles, negate });
            }
        }
        let tag_conds = [
            ("exporter_tags", exporter_tags, Who::Exporter, false),
            ("exporter_tags_not", exporter_tags_not, Who::Exporter, true),
            ("recipient_tags", recipient_tags, Who::Recipient, false),
            (
                "recipient_tags_not",
                recipient_tags_not,
                Who::Recipient,
                true,
            ),
            ("transfer_tags", transfer_tags, Who::Transfer, false),
            ("transfer_tags_not", transfer_tags_not, Who::Transfer, true),
        ];
        for (name, list, who, negate) in tag_conds {
            if let Some(list) = list {
                let tags = self.tags(&at(name), list, who.tag_on());
                conds.push(Cond::Tags { who, tags, negate });
            }
        }
        if let Some(m) = subject_minor {
            conds.push(Cond::Minor(*m));
        }
        if let Some(b) = bulk {
            conds.push(Cond::Bulk(*b));
        }
        for (name, list, negate) in [
            ("purpose_in", purpose_in, false),
            ("purpose_not_in", purpose_not_in, true),
        ] {
            if let Some(list) = list {
                let purposes = self.purposes(&at(name), list);
                conds.push(Cond::Purposes { purposes, negate });
            }
        }
        if let Some(list) = categories_not {
            let cats = self.categories(&at("categories_not"), list);
            conds.push(Cond::CategoriesNot(cats));
        }
        if let Some(list) = volume {
            let p = at("volume");
            if self.in_counter {
                self.problem(
                    Kind::Conflict,
                    p.clone(),
                    "a counter's `applies_when` cannot test a volume",
                );
            }
            for v in self.volumes(&p, list) {
                conds.push(Cond::Volume(v));
            }
        }
        if let Some(f) = came_under {
            let p = at("came_under");
            self.format2(p.clone(), "came_under");
            let authorities = self.names(
                &format!("{p}.authorities"),
                &f.authorities,
                "authority",
                |s| Authority::new(s),
            );
            let mechanisms = f.mechanisms.as_ref().map(|m| {
                self.names(&format!("{p}.mechanisms"), m, "mechanism", |s| {
                    Mechanism::new(s)
                })
            });
            conds.push(Cond::CameUnder {
                authorities,
                mechanisms,
            });
        }
        if let Some(b) = breaks_onward_limits {
            self.format2(at("breaks_onward_limits"), "breaks_onward_limits");
            conds.push(Cond::OnwardBreached(*b));
        }
        if let Some(branches) = any_of {
            let p = at("any_of");
            self.format2(p.clone(), "any_of");
            if branches.len() < 2 {
                self.problem(
                    Kind::InvalidValue,
                    p.clone(),
                    "has an `any_of` with fewer than two alternatives: write the conditions directly",
                );
            }
            let branches: Vec<Vec<Cond>> = branches
                .iter()
                .enumerate()
                .filter_map(|(i, b)| self.nested(&format!("{p}[{i}]"), b))
                .collect();
            conds.push(Cond::AnyOf(branches));
        }
        if let Some(inner) = not {
            let p = at("not");
            self.format2(p.clone(), "not");
            if let Some(inner) = self.nested(&p, inner) {
                conds.push(Cond::Not(inner));
            }
        }
        let cats = categories
            .as_ref()
            .map(|l| self.categories(&at("categories"), l));
        (conds, cats)
    }

    /// A conjunction inside `any_of` or `not`: its categories become a condition of their own,
    /// and it must say something. `None` past the nesting limit.
    fn nested(&mut self, path: &str, doc: &ConditionsDoc) -> Option<Vec<Cond>> {
        if self.depth >= MAX_CONDITION_DEPTH {
            self.problem(
                Kind::Limit,
                path,
                format!("nests `any_of` / `not` more than {MAX_CONDITION_DEPTH} deep"),
            );
            return None;
        }
        self.depth += 1;
        let (mut conds, cats) = self.conditions(path, doc);
        self.depth -= 1;
        if let Some(cats) = cats {
            conds.push(Cond::Categories(cats));
        }
        if conds.is_empty() {
            self.problem(
                Kind::InvalidValue,
                path,
                "has an empty conjunction inside `any_of` / `not`: it would always hold",
            );
            return None;
        }
        Some(conds)
    }

    /// Volume tests on declared counters, each with a range some count can pass.
    pub(super) fn volumes(&mut self, path: &str, list: &[VolumeDoc]) -> Vec<Volume> {
        self.each(path, "volume", list, |v, p, d| {
            if !v.counters.contains(d.counter.as_str()) {
                v.problem(
                    Kind::UnknownReference,
                    format!("{p}.counter"),
                    format!(
                        "references unknown counter `{}`: declare it under `counters`{}",
                        d.counter,
                        did_you_mean(&d.counter, v.counters.iter().copied())
                    ),
                );
            }
            match (d.at_least, d.below) {
                (None, None) => v.problem(
                    Kind::InvalidValue,
                    p,
                    "has a volume test with neither `at_least` nor `below`",
                ),
                (Some(a), Some(b)) if a >= b => v.problem(
                    Kind::Conflict,
                    p,
                    format!("has a volume test that no count passes: `at_least = {a}` is not below `below = {b}`"),
                ),
                _ => {}
            }
            Some(Volume {
                counter: d.counter.clone(),
                at_least: d.at_least,
                below: d.below,
            })
        })
    }
}
