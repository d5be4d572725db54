//! Translating the AST's conditions, bases, counters and rules into their compiled forms:
//! names to dense ids and masks, jurisdiction lists to timed sets.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::super::program::{
    Alternative, Basis, Cond, Counter, Obligation, Program, Rule, VolumeTest,
};
use super::super::sets::{CatSet, JSet, TimedSet};
use crate::evidence::key_hash;
use crate::model::{Category, Jurisdiction, Purpose, Role, Tag};
use crate::pack::PolicyPack;
use crate::pack::ast::{self, Group, JurRef, Period};

/// What compiling one pack's parts needs: the program so far (for its vocabulary and
/// counters), the pack's groups, and every enabled pack (for the groups they share).
pub(super) struct Translator<'a> {
    pub program: &'a Program,
    pub groups: &'a [Group],
    pub packs: &'a [PolicyPack],
}

impl<'a> Translator<'a> {
    pub(super) fn conds(&self, conds: &[ast::Cond]) -> Vec<Cond> {
        conds.iter().map(|c| self.cond(c)).collect()
    }

    fn cond(&self, c: &ast::Cond) -> Cond {
        match c {
            ast::Cond::Ops(ops) => Cond::Ops(ops.bits()),
            ast::Cond::Place {
                place,
                list,
                negate,
            } => Cond::Place {
                place: *place,
                set: self.timed_set(list),
                negate: *negate,
            },
            ast::Cond::Places {
                places,
                list,
                negate,
            } => Cond::Places {
                places: *places,
                set: self.timed_set(list),
                negate: *negate,
            },
            ast::Cond::Roles { roles, negate } => Cond::Roles {
                mask: role_mask(roles),
                negate: *negate,
            },
            ast::Cond::Tags { who, tags, negate } => Cond::Tags {
                who: *who,
                mask: self.tag_mask(tags),
                negate: *negate,
            },
            ast::Cond::Minor(m) => Cond::Minor(*m),
            ast::Cond::Bulk(b) => Cond::Bulk(*b),
            ast::Cond::Purposes { purposes, negate } => Cond::Purposes {
                mask: self.purpose_mask(purposes),
                negate: *negate,
            },
            ast::Cond::CategoriesNot(list) => Cond::CategoriesNot(self.cat_set(list)),
            ast::Cond::Categories(list) => Cond::Categories(self.cat_set(list)),
            ast::Cond::AnyOf(branches) => {
                Cond::AnyOf(branches.iter().map(|b| self.conds(b)).collect())
            }
            ast::Cond::Not(inner) => Cond::Not(self.conds(inner)),
            ast::Cond::CameUnder {
                authorities,
                mechanisms,
            } => Cond::CameUnder {
                authorities: authorities.clone(),
                mechanisms: mechanisms.clone(),
            },
            ast::Cond::OnwardBreached(b) => Cond::OnwardBreached(*b),
            ast::Cond::Volume(v) => Cond::Volume(self.volume(v)),
        }
    }

    pub(super) fn basis(&self, b: &ast::Basis) -> Basis {
        match b {
            ast::Basis::Consent { min, informed } => Basis::Consent {
                min: *min,
                informed: *informed,
            },
            ast::Basis::Approval {
                authorities,
                mechanisms,
                clock,
            } => Basis::Approval {
                clock: (!clock.is_empty()).then(|| Box::new(clock.clone())),
                authorities: authorities.clone(),
                mechanisms: mechanisms.clone(),
                authority_hashes: authorities.iter().map(|a| key_hash(a.as_str())).collect(),
                mechanism_hashes: mechanisms
                    .as_ref()
                    .map(|m| m.iter().map(|m| key_hash(m.as_str())).collect()),
            },
            ast::Basis::DestinationIn(list) => Basis::DestinationIn {
                set: self.timed_set(list),
                label: list
                    .iter()
                    .map(|r| match r {
                        JurRef::Code(j) => j.to_string(),
                        // INVARIANT: validation resolves every group name to an index into
                        // the pack's groups, so the empty label is unreachable.
                        JurRef::Group(g) => self
                            .groups
                            .get(*g)
                            .map_or_else(String::new, |g| g.name.clone()),
                        JurRef::Shared { pack, group } => format!("{pack}:{group}"),
                    })
                    .collect(),
            },
            ast::Basis::RecipientCertified(names) => Basis::RecipientCertified(
                names.clone(),
                names.iter().map(|n| key_hash(n.as_str())).collect(),
            ),
            ast::Basis::PurposeIn(names) => Basis::PurposeIn {
                mask: self.purpose_mask(names),
                names: names.clone(),
            },
            ast::Basis::Volume(v) => Basis::Volume(self.volume(v)),
            ast::Basis::RecipientRoles(roles) => Basis::RecipientRoles {
                mask: role_mask(roles),
                roles: roles.clone(),
            },
            ast::Basis::Tags { who, tags } => Basis::Tags {
                who: *who,
                mask: self.tag_mask(tags),
                names: tags.clone(),
            },
        }
    }

    /// A rule of pack `pack`, whose own period is narrowed to the pack's `effective` one, with
    /// the alternatives whose option gate `gate_on` accepts.
    pub(super) fn rule(
        &self,
        pack: usize,
        effective: &Period,
        r: &ast::Rule,
        gate_on: &dyn Fn(&(String, bool)) -> bool,
    ) -> Rule {
        let conds = self.conds(&r.conds);
        let (prohibit, alts) = match &r.effect {
            ast::RuleEffect::Prohibit => (true, Vec::new()),
            ast::RuleEffect::Require(alts) => (
                false,
                alts.iter()
                    .filter(|a| a.gate.as_ref().is_none_or(gate_on))
                    .map(|a| {
                        // An alternative's own period is checked first, as a basis, so an
                        // unmet rule says when the alternative was available.
                        let period =
                            (a.in_force != Period::default()).then_some(Basis::InForce(a.in_force));
                        Alternative {
                            name: a.name.clone(),
                            summary: a.summary.clone(),
                            bases: period
                                .into_iter()
                                .chain(a.bases.iter().map(|b| self.basis(b)))
                                .collect(),
                            obligations: a.obligations.iter().map(obligation).collect(),
                        }
                    })
                    .collect::<Vec<_>>(),
            ),
        };
        Rule {
            pack,
            id: r.id.clone(),
            summary: r.summary.clone(),
            cite: r.cite.clone(),
            in_force: r.in_force.intersect(effective),
            checked: conds.len(),
            conds,
            cats: r.categories.as_ref().map(|list| self.cat_set(list)),
            prohibit,
            uses_evidence: alts
                .iter()
                .flat_map(|a| &a.bases)
                .any(|b| b.kind().reads_evidence()),
            tracks_obligations: r
                .obligations
                .iter()
                .chain(
                    alts.iter()
                        .flat_map(|a| a.obligations.iter().map(|o| &o.def)),
                )
                .any(|o| o.due.is_some() || o.fulfilled_by.is_some()),
            alts,
            obligations: r.obligations.iter().map(obligation).collect(),
        }
    }

    pub(super) fn counter(&self, c: &ast::Counter) -> Counter {
        Counter {
            name: Arc::from(c.name.as_str()),
            window: c.window,
            offset: c.offset,
            individuals: c.individuals,
            conds: self.conds(&c.conds),
            cats: c.categories.as_ref().map(|l| self.cat_set(l)),
        }
    }

    fn volume(&self, v: &ast::Volume) -> VolumeTest {
        VolumeTest {
            // INVARIANT: validation checks that a pack declares every counter it tests, and
            // the engine compiles every declared counter before any rule, so the look-up
            // succeeds. An unknown counter would map past the end, where evaluation finds no
            // counter and fails closed (the condition holds; the basis does not).
            counter: self
                .program
                .counter_ids
                .get(&v.counter)
                .copied()
                .unwrap_or(u16::MAX),
            at_least: v.at_least,
            below: v.below,
        }
    }

    pub(super) fn cat_set(&self, list: &[Category]) -> CatSet {
        let mut s = CatSet::default();
        for id in list
            .iter()
            .filter_map(|c| self.program.vocab.category_ids.get(c))
        {
            s.insert(*id);
        }
        s
    }

    fn purpose_mask(&self, names: &[Purpose]) -> u128 {
        names
            .iter()
            .filter_map(|p| self.program.vocab.purposes.get(p))
            .fold(0, |m, meaning| m | 1u128 << (u32::from(meaning.id) % 128))
    }

    fn tag_mask(&self, tags: &[Tag]) -> u128 {
        tags.iter()
            .filter_map(|t| self.program.vocab.tag_ids.get(t))
            .fold(0, |m, (id, _)| m | 1u128 << (u32::from(*id) % 128))
    }

    /// The members of a group this pack declares or another enabled pack shares.
    fn members(&self, r: &JurRef) -> &'a [(Jurisdiction, Period)] {
        match r {
            JurRef::Code(_) => &[],
            // INVARIANT: validation resolves group names to indexes of the pack's groups.
            JurRef::Group(g) => self.groups.get(*g).map_or(&[], |g| g.members.as_slice()),
            // INVARIANT: `compile` checked every shared group exists in an enabled pack before
            // translating anything (`shared_groups`).
            JurRef::Shared { pack, group } => self
                .packs
                .iter()
                .find(|p| p.id() == pack)
                .and_then(|p| p.ast().groups.iter().find(|g| g.name == *group))
                .map_or(&[], |g| g.members.as_slice()),
        }
    }

    /// A list of codes and groups, as a set that changes at the dated members' dates.
    fn timed_set(&self, list: &[JurRef]) -> TimedSet {
        let mut fixed = JSet::default();
        let mut dated: Vec<(u16, Period)> = Vec::new();
        let id_of = |j: Jurisdiction| self.program.jref(j).ok().map(|r| r.id);
        for r in list {
            match r {
                JurRef::Code(j) => {
                    if let Some(id) = id_of(*j) {
                        fixed.insert(id);
                    }
                }
                JurRef::Group(_) | JurRef::Shared { .. } => {
                    for (j, period) in self.members(r) {
                        if let Some(id) = id_of(*j) {
                            if period.from.is_none() && period.until.is_none() {
                                fixed.insert(id);
                            } else {
                                dated.push((id, *period));
                            }
                        }
                    }
                }
            }
        }
        let mut breaks: Vec<DateTime<Utc>> = dated
            .iter()
            .flat_map(|(_, p)| p.from.into_iter().chain(p.until))
            .collect();
        breaks.sort();
        breaks.dedup();
        let starts = std::iter::once(None).chain(breaks.iter().copied().map(Some));
        let sets = starts
            .map(|start: Option<DateTime<Utc>>| {
                let mut s = fixed;
                for (id, p) in &dated {
                    let from_ok = p.from.is_none_or(|f| start.is_some_and(|st| f <= st));
                    let until_ok = p.until.is_none_or(|u| start.is_none_or(|st| st < u));
                    if from_ok && until_ok {
                        s.insert(*id);
                    }
                }
                s
            })
            .collect();
        TimedSet { breaks, sets }
    }
}

/// An obligation, with the hashes of its fulfilment evidence's names.
fn obligation(o: &ast::Obligation) -> Obligation {
    Obligation {
        def: o.clone(),
        fulfil_hashes: o.fulfilled_by.as_ref().map(|(a, m)| {
            (
                a.iter().map(|a| key_hash(a.as_str())).collect(),
                m.as_ref()
                    .map(|m| m.iter().map(|m| key_hash(m.as_str())).collect()),
            )
        }),
    }
}

fn role_mask(roles: &[Role]) -> u8 {
    roles.iter().fold(0, |m, r| m | r.bit())
}

/// A counter's definition as text, to tell whether two packs that declare the same counter
/// name define it alike.
pub(super) fn counter_signature(c: &ast::Counter) -> String {
    format!(
        "{:?}|{}|{:?}|{:?}|{:?}",
        c.window, c.offset, c.individuals, c.conds, c.categories
    )
}
