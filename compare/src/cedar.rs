//! Cedar (cedar-policy 4.14) side: the "keys" encoding of `policies/cb1.cedar`.
//!
//! Path B, per request: look up subject, exporter and recipient in the native `HashMap` store;
//! keep the subject's express consents valid at `at` and expand their scopes into
//! "category|destination|operation" keys; keep the exporter's approvals valid at `at`,
//! expanding CN-route approvals into "category|destination" keys and SCC approvals into their
//! destinations; build three entities, the context and the request; `is_authorized`.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression,
};

use crate::workload::{CATEGORIES, JURISDICTIONS, OPS, Population, Request as CbRequest, SCC};

/// The Cedar policy text.
pub(crate) const POLICY: &str = include_str!("../policies/cb1.cedar");

/// Everything prepared once: the parsed policy set, the authorizer and the type names.
pub(crate) struct CedarSide {
    pub(crate) policies: PolicySet,
    pub(crate) authorizer: Authorizer,
    subject_ty: EntityTypeName,
    exporter_ty: EntityTypeName,
    recipient_ty: EntityTypeName,
    actions: Vec<EntityUid>,
}

/// One request in Cedar's terms: the request (with its context) and the entities it needs.
pub(crate) struct CedarInput {
    pub(crate) request: Request,
    pub(crate) entities: Entities,
}

fn ty(name: &str) -> Result<EntityTypeName, String> {
    EntityTypeName::from_str(name).map_err(|e| e.to_string())
}

fn s(x: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(x.to_owned())
}

impl CedarSide {
    pub(crate) fn new() -> Result<Self, String> {
        let policies = PolicySet::from_str(POLICY).map_err(|e| format!("{e:?}"))?;
        let action_ty = ty("Action")?;
        Ok(CedarSide {
            policies,
            authorizer: Authorizer::new(),
            subject_ty: ty("Subject")?,
            exporter_ty: ty("Exporter")?,
            recipient_ty: ty("Recipient")?,
            actions: OPS
                .iter()
                .map(|op| EntityUid::from_type_name_and_id(action_ty.clone(), EntityId::new(op)))
                .collect(),
        })
    }

    fn uid(&self, ty: &EntityTypeName, id: u32) -> EntityUid {
        EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(id.to_string()))
    }

    /// Host work for one request: look-ups, pre-filtering, key expansion, entities, context.
    pub(crate) fn build(&self, pop: &Population, r: &CbRequest) -> Result<CedarInput, String> {
        let subject = &pop.subjects[&r.subject];
        let approvals = &pop.exporters[&r.exporter];
        let dpf = pop.recipients[&r.recipient];

        let mut consent_keys = Vec::new();
        for c in subject
            .consents
            .iter()
            .filter(|c| c.express && c.valid_at(r.at))
        {
            for &k in &c.categories {
                for &d in &c.destinations {
                    for &o in &c.operations {
                        consent_keys.push(RestrictedExpression::new_string(format!(
                            "{}|{}|{}",
                            CATEGORIES[k as usize].0, JURISDICTIONS[d as usize], OPS[o as usize]
                        )));
                    }
                }
            }
        }
        let mut cn_route_keys = Vec::new();
        let mut scc_destinations = Vec::new();
        for a in approvals.iter().filter(|a| a.valid_at(r.at)) {
            if a.mechanism == SCC {
                scc_destinations
                    .extend(a.destinations.iter().map(|&d| s(JURISDICTIONS[d as usize])));
            } else {
                for &k in &a.categories {
                    for &d in &a.destinations {
                        cn_route_keys.push(RestrictedExpression::new_string(format!(
                            "{}|{}",
                            CATEGORIES[k as usize].0, JURISDICTIONS[d as usize]
                        )));
                    }
                }
            }
        }

        let subject_uid = self.uid(&self.subject_ty, r.subject);
        let exporter_uid = self.uid(&self.exporter_ty, r.exporter);
        let recipient_uid = self.uid(&self.recipient_ty, r.recipient);
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let subject_e = Entity::new(
            subject_uid.clone(),
            HashMap::from([
                (
                    "residence".to_owned(),
                    s(JURISDICTIONS[subject.residence as usize]),
                ),
                (
                    "consent_keys".to_owned(),
                    RestrictedExpression::new_set(consent_keys),
                ),
            ]),
            HashSet::new(),
        )
        .map_err(|e| err(&e))?;
        let exporter_e = Entity::new(
            exporter_uid.clone(),
            HashMap::from([
                (
                    "cn_route_keys".to_owned(),
                    RestrictedExpression::new_set(cn_route_keys),
                ),
                (
                    "scc_destinations".to_owned(),
                    RestrictedExpression::new_set(scc_destinations),
                ),
            ]),
            HashSet::new(),
        )
        .map_err(|e| err(&e))?;
        let recipient_e = Entity::new(
            recipient_uid.clone(),
            HashMap::from([(
                "dpf_certified".to_owned(),
                RestrictedExpression::new_bool(dpf),
            )]),
            HashSet::new(),
        )
        .map_err(|e| err(&e))?;
        let entities = Entities::from_entities([subject_e, exporter_e, recipient_e], None)
            .map_err(|e| err(&e))?;

        let category = CATEGORIES[r.category as usize].0;
        let destination = JURISDICTIONS[r.destination as usize];
        let context = Context::from_pairs([
            ("category".to_owned(), s(category)),
            (
                "collected_in".to_owned(),
                s(JURISDICTIONS[r.collected_in as usize]),
            ),
            ("destination".to_owned(), s(destination)),
            (
                "consent_key".to_owned(),
                RestrictedExpression::new_string(format!(
                    "{category}|{destination}|{}",
                    OPS[r.operation as usize]
                )),
            ),
            (
                "approval_key".to_owned(),
                RestrictedExpression::new_string(format!("{category}|{destination}")),
            ),
            (
                "recipient".to_owned(),
                RestrictedExpression::new_entity_uid(recipient_uid),
            ),
        ])
        .map_err(|e| err(&e))?;
        let request = Request::new(
            exporter_uid,
            self.actions[r.operation as usize].clone(),
            subject_uid,
            context,
            None,
        )
        .map_err(|e| err(&e))?;
        Ok(CedarInput { request, entities })
    }

    /// Evaluation alone.
    pub(crate) fn decide(&self, input: &CedarInput) -> bool {
        self.authorizer
            .is_authorized(&input.request, &self.policies, &input.entities)
            .decision()
            == Decision::Allow
    }

    /// Evaluation, failing on any policy evaluation error (an erroring forbid would silently
    /// not apply): used in the decision check, not in the timing.
    pub(crate) fn decide_checked(&self, input: &CedarInput) -> Result<bool, String> {
        let resp = self
            .authorizer
            .is_authorized(&input.request, &self.policies, &input.entities);
        let errors: Vec<String> = resp.diagnostics().errors().map(|e| e.to_string()).collect();
        if errors.is_empty() {
            Ok(resp.decision() == Decision::Allow)
        } else {
            Err(errors.join("; "))
        }
    }
}
