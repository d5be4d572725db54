//! Rules: ids, citations, periods, option gates, and what they require — alternatives, their
//! bases and obligations.
//!
//! The document's basis fields are destructured without `..`, so a field added to
//! [`AlternativeDoc`] does not compile until it is mapped to a [`Basis`] here. The number of
//! bases an alternative holds, which the limits bound, is counted on the [`Basis`] values
//! built here.

use std::collections::BTreeSet;

use super::context::{Validator, is_pack_id};
use crate::error::PackProblemKind as Kind;
use crate::model::{ApprovalClock, Authority, CertificationName, Mechanism, did_you_mean};
use crate::pack::ast::{Alternative, Basis, DueFrom, Obligation, Period, Rule, RuleEffect, Who};
use crate::pack::doc::{
    AlternativeDoc, ApprovalBasisDoc, ConsentBasisDoc, DueAfter, ObligationDoc, RuleDoc,
};

impl Validator<'_> {
    /// Every rule, in pack order.
    pub(super) fn rules(&mut self, docs: &[RuleDoc]) -> Vec<Rule> {
        let mut ids = BTreeSet::new();
        let mut rules = Vec::with_capacity(docs.len());
        for (ri, r) in docs.iter().enumerate() {
            rules.push(self.rule(&format!("rules[{ri}]"), r, &mut ids));
        }
        self.rule = None;
        rules
    }

    fn rule(&mut self, path: &str, r: &RuleDoc, ids: &mut BTreeSet<String>) -> Rule {
        self.rule = None;
        if !is_pack_id(&r.id) {
            self.problem(
                Kind::InvalidValue,
                format!("{path}.id"),
                format!("invalid rule id `{}`", r.id),
            );
        } else if !ids.insert(r.id.clone()) {
            self.problem(
                Kind::Duplicate,
                format!("{path}.id"),
                format!("rule id `{}` is used twice", r.id),
            );
        }
        self.rule = Some(r.id.clone());
        for (field, value) in [("summary", &r.summary), ("cite", &r.cite)] {
            self.non_empty(
                format!("{path}.{field}"),
                value,
                format!("has an empty `{field}`"),
            );
        }
        let in_force = self.period(&format!("{path}.in_force"), r.in_force.as_ref());
        let gate = self.gate(path, r.if_option.as_ref(), r.unless_option.as_ref());
        let (conds, categories) = self.conditions(&format!("{path}.applies_when"), &r.applies_when);
        let effect = self.effect(path, r);
        let obligations = self.obligations(&format!("{path}.obligations"), &r.obligations);
        Rule {
            id: r.id.clone(),
            summary: r.summary.clone(),
            cite: r.cite.clone(),
            in_force,
            gate,
            conds,
            categories,
            effect,
            obligations,
        }
    }

    /// `if_option` / `unless_option`: the option that switches the rule on or off.
    fn gate(
        &mut self,
        path: &str,
        if_option: Option<&String>,
        unless_option: Option<&String>,
    ) -> Option<(String, bool)> {
        let gate = match (if_option, unless_option) {
            (Some(_), Some(_)) => {
                self.problem(
                    Kind::Conflict,
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
            && !self.options.contains(o.as_str())
        {
            let field = if *want { "if_option" } else { "unless_option" };
            let hint = did_you_mean(o, self.options.iter().copied());
            self.problem(
                Kind::UnknownReference,
                format!("{path}.{field}"),
                format!("references unknown option `{o}`{hint}"),
            );
        }
        gate
    }

    /// `prohibit = true`, or the `require` alternatives (never both, never neither).
    fn effect(&mut self, path: &str, r: &RuleDoc) -> RuleEffect {
        match (r.prohibit, r.require.is_empty()) {
            (true, false) => {
                self.problem(
                    Kind::Conflict,
                    format!("{path}.require"),
                    "has both `prohibit` and `require`: a prohibition admits no alternatives",
                );
                RuleEffect::Prohibit
            }
            (true, true) => {
                if !r.obligations.is_empty() {
                    self.problem(
                        Kind::Conflict,
                        format!("{path}.obligations"),
                        "is a prohibition and cannot carry obligations",
                    );
                }
                RuleEffect::Prohibit
            }
            // Format 2: a rule that only carries obligations (the act is lawful, with duties).
            (false, true) if self.doc.format >= 2 && !r.obligations.is_empty() => {
                RuleEffect::Require(vec![Alternative {
                    name: "obligations-only".to_owned(),
                    summary: Some(
                        "The rule permits the act and carries its obligations".to_owned(),
                    ),
                    in_force: Period::default(),
                    gate: None,
                    bases: Vec::new(),
                    obligations: Vec::new(),
                }])
            }
            (false, true) => {
                let hint = if r.obligations.is_empty() {
                    ""
                } else {
                    " (a rule that only carries obligations needs `format = 2`)"
                };
                self.problem(
                    Kind::InvalidValue,
                    path.to_owned(),
                    format!("has neither `prohibit = true` nor any `require` alternative{hint}"),
                );
                RuleEffect::Prohibit
            }
            (false, false) => {
                let alts: Vec<Alternative> = r
                    .require
                    .iter()
                    .enumerate()
                    .map(|(i, a)| self.alternative(&format!("{path}.require[{i}]"), i, a))
                    .collect();
                let mut names = BTreeSet::new();
                for (i, a) in alts.iter().enumerate() {
                    if !names.insert(a.name.clone()) {
                        self.problem(
                            Kind::Duplicate,
                            format!("{path}.require[{i}].name"),
                            format!("has two alternatives named `{}`", a.name),
                        );
                    }
                }
                RuleEffect::Require(alts)
            }
        }
    }

    fn alternative(&mut self, path: &str, index: usize, a: &AlternativeDoc) -> Alternative {
        let AlternativeDoc {
            name,
            summary,
            in_force,
            if_option,
            unless_option,
            consent,
            approval,
            destination_in,
            recipient_certified,
            purpose_in,
            recipient_roles,
            exporter_tags,
            recipient_tags,
            transfer_tags,
            volume,
            obligations,
        } = a;
        let at = |field: &str| format!("{path}.{field}");
        let mut bases = Vec::new();
        if let Some(ConsentBasisDoc {
            min_kind,
            informed_of_risks,
        }) = consent
        {
            bases.push(Basis::Consent {
                min: *min_kind,
                informed: *informed_of_risks,
            });
        }
        if let Some(ApprovalBasisDoc {
            authorities,
            mechanisms,
            wait,
            valid_for,
            extension,
            earlier_term,
        }) = approval
        {
            let mut clock = ApprovalClock::default();
            for (field, doc, slot) in [
                ("wait", wait, &mut clock.wait),
                ("valid_for", valid_for, &mut clock.valid_for),
                ("extension", extension, &mut clock.extension),
            ] {
                if let Some(d) = doc {
                    let p = at(&format!("approval.{field}"));
                    self.format2(p.clone(), field);
                    *slot = self.span(&p, d);
                }
            }
            if let Some(e) = earlier_term {
                let p = at("approval.earlier_term");
                self.format2(p.clone(), "earlier_term");
                let before = self.instant(&format!("{p}.issued_before"), &e.issued_before);
                let span = self.span(&format!("{p}.valid_for"), &e.valid_for);
                clock.earlier = before.zip(span);
            }
            if extension.is_some() && valid_for.is_none() {
                self.problem(
                    Kind::Conflict,
                    at("approval.extension"),
                    "has an approval `extension` without a `valid_for` term to extend",
                );
            }
            let authorities =
                self.names(&at("approval.authorities"), authorities, "authority", |s| {
                    Authority::new(s)
                });
            let mechanisms = mechanisms.as_ref().map(|m| {
                self.names(&at("approval.mechanisms"), m, "mechanism", |s| {
                    Mechanism::new(s)
                })
            });
            bases.push(Basis::Approval {
                authorities,
                mechanisms,
                clock,
            });
        }
        if let Some(l) = destination_in {
            bases.push(Basis::DestinationIn(
                self.jur_list(&at("destination_in"), l),
            ));
        }
        if let Some(l) = recipient_certified {
            bases.push(Basis::RecipientCertified(self.names(
                &at("recipient_certified"),
                l,
                "certification",
                |s| CertificationName::new(s),
            )));
        }
        if let Some(l) = purpose_in {
            bases.push(Basis::PurposeIn(self.purposes(&at("purpose_in"), l)));
        }
        if let Some(l) = volume {
            for v in self.volumes(&at("volume"), l) {
                bases.push(Basis::Volume(v));
            }
        }
        if let Some(l) = recipient_roles {
            bases.push(Basis::RecipientRoles(self.roles(&at("recipient_roles"), l)));
        }
        for (field, list, who) in [
            ("exporter_tags", exporter_tags, Who::Exporter),
            ("recipient_tags", recipient_tags, Who::Recipient),
            ("transfer_tags", transfer_tags, Who::Transfer),
        ] {
            if let Some(list) = list {
                let tags = self.tags(&at(field), list, who.tag_on());
                bases.push(Basis::Tags { who, tags });
            }
        }
        if bases.is_empty() {
            self.problem(
                Kind::InvalidValue,
                path.to_owned(),
                "has an alternative with no bases: it would always hold",
            );
        }
        if bases.len() > self.max_bases {
            self.problem(
                Kind::Limit,
                path.to_owned(),
                format!(
                    "has an alternative with {} bases, more than the limit of {}",
                    bases.len(),
                    self.max_bases
                ),
            );
        }
        if let Some(n) = name
            && !is_pack_id(n)
        {
            self.problem(
                Kind::InvalidValue,
                at("name"),
                format!("has an invalid alternative name `{n}`"),
            );
        }
        if in_force.is_some() {
            self.format2(at("in_force"), "in_force");
        }
        if if_option.is_some() || unless_option.is_some() {
            let field = if if_option.is_some() {
                "if_option"
            } else {
                "unless_option"
            };
            self.format2(at(field), field);
        }
        let in_force = self.period(&at("in_force"), in_force.as_ref());
        let gate = self.gate(path, if_option.as_ref(), unless_option.as_ref());
        Alternative {
            name: name
                .clone()
                .unwrap_or_else(|| format!("alternative-{}", index + 1)),
            summary: summary.clone(),
            in_force,
            gate,
            bases,
            obligations: self.obligations(&at("obligations"), obligations),
        }
    }

    fn obligations(&mut self, path: &str, list: &[ObligationDoc]) -> Vec<Obligation> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::with_capacity(list.len());
        for (i, o) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if !is_pack_id(&o.id) {
                self.problem(
                    Kind::InvalidValue,
                    format!("{p}.id"),
                    format!("has an invalid obligation id `{}`", o.id),
                );
            } else if !seen.insert(o.id.clone()) {
                self.problem(
                    Kind::Duplicate,
                    format!("{p}.id"),
                    format!("lists obligation `{}` twice", o.id),
                );
            }
            self.non_empty(
                format!("{p}.summary"),
                &o.summary,
                "has an empty obligation summary",
            );
            let due = o.due.as_ref().and_then(|d| {
                self.format2(format!("{p}.due"), "due");
                let from = match d.after {
                    DueAfter::Act => DueFrom::Act,
                    DueAfter::Approval => DueFrom::Approval,
                };
                self.span(&format!("{p}.due.within"), &d.within)
                    .map(|s| (from, s))
            });
            let fulfilled_by = o.fulfilled_by.as_ref().map(|f| {
                self.format2(format!("{p}.fulfilled_by"), "fulfilled_by");
                let authorities = self.names(
                    &format!("{p}.fulfilled_by.authorities"),
                    &f.authorities,
                    "authority",
                    |s| Authority::new(s),
                );
                let mechanisms = f.mechanisms.as_ref().map(|m| {
                    self.names(
                        &format!("{p}.fulfilled_by.mechanisms"),
                        m,
                        "mechanism",
                        |s| Mechanism::new(s),
                    )
                });
                (authorities, mechanisms)
            });
            if o.unlawful_when_overdue {
                self.format2(
                    format!("{p}.unlawful_when_overdue"),
                    "unlawful_when_overdue",
                );
                if o.due.is_none() {
                    self.problem(
                        Kind::Conflict,
                        format!("{p}.unlawful_when_overdue"),
                        format!("obligation `{}` cannot be overdue: it has no `due`", o.id),
                    );
                }
            }
            out.push(Obligation {
                id: o.id.clone(),
                summary: o.summary.clone(),
                cite: o.cite.clone(),
                due,
                fulfilled_by,
                unlawful_when_overdue: o.unlawful_when_overdue,
            });
        }
        out
    }
}
