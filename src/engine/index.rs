//! The rule index: for an act, the candidate rules that can apply to it.
//!
//! Each rule is indexed on one of its positive place conditions (the one naming the fewest
//! countries; places every act states first) per operation it can apply to, or, with none,
//! listed for every act of those operations. A rule the index does not hand over cannot
//! apply. Built once by [`build`] when the engine is compiled; read by evaluation through
//! [`RuleIndex::for_each_list`].

use super::decision::Facts;
use super::prepare::TransferKey;
use super::program::{Cond, Program};
use super::sets::JRef;
use crate::model::{COUNTRY_COUNT, Operation};
use crate::pack::ast::Place;

/// The places a rule can be indexed on: every positive place condition (`collected_in`,
/// `origin_in`, `destination_in`, `subject_resident_in`, `subject_located_in`) names the
/// countries the act's value must lie in for the rule to apply.
const KEY_PLACES: [Place; 5] = [
    Place::CollectedIn,
    Place::Origin,
    Place::Destination,
    Place::SubjectResidence,
    Place::SubjectLocation,
];

/// One place's index: rules by (operation, country), in CSR form, and per operation the rules
/// keyed on this place (for an act that does not state it: the condition then holds).
#[derive(Debug, Default)]
struct PlaceIndex {
    starts: Vec<u32>,
    rules: Vec<u32>,
    all: [Vec<u32>; 4],
}

impl PlaceIndex {
    fn bucket(op: Operation, country: usize) -> usize {
        (op as usize) * COUNTRY_COUNT + country
    }

    #[inline]
    fn get(&self, op: Operation, country: Option<u16>) -> &[u32] {
        match country {
            None => self.all.get(op as usize).map_or(&[][..], Vec::as_slice),
            Some(c) => {
                let b = Self::bucket(op, usize::from(c));
                let start = self.starts.get(b).copied().unwrap_or(0) as usize;
                let end = self.starts.get(b + 1).copied().unwrap_or(0) as usize;
                self.rules.get(start..end).unwrap_or(&[])
            }
        }
    }
}

/// Candidate rules for an act: each rule is indexed on one of its positive place conditions
/// (the one naming the fewest countries; places every act states first) or, with none, listed
/// for every act of its operations. A rule the index does not hand over cannot apply.
/// The members' places of a batch stated in several places, for a keyed place that is the
/// subject's residence or location.
#[cold]
fn many_places<'k>(k: &'k TransferKey, place: Option<&Place>) -> Option<&'k [(JRef, u64)]> {
    match place {
        Some(Place::SubjectResidence) => k.residences.as_deref(),
        Some(Place::SubjectLocation) => k.locations.as_deref(),
        _ => None,
    }
}

/// Calls `f` once per distinct country of `members`.
#[cold]
fn each_member_country(members: &[(JRef, u64)], mut f: impl FnMut(u16)) {
    for (n, (j, _)) in members.iter().enumerate() {
        let seen = members
            .get(..n)
            .is_some_and(|before| before.iter().any(|(b, _)| b.country == j.country));
        if !seen {
            f(j.country);
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct RuleIndex {
    places: [PlaceIndex; 5],
    /// Bit `i`: `places[i]` keys at least one rule (the others are skipped).
    used: u8,
    wild: [Vec<u32>; 4],
}

impl RuleIndex {
    /// Hands `f` each non-empty list of candidate rules for an act: ascending, a rule in at
    /// most one list. A rule in none cannot apply. With each list come the facts its rules'
    /// key assumes: the place an act does not state (its key condition then holds, unchecked).
    pub(super) fn for_each_list<'a>(
        &'a self,
        op: Operation,
        k: &TransferKey,
        mut f: impl FnMut(&'a [u32], Facts),
    ) {
        let mut used = self.used;
        while used != 0 {
            let i = used.trailing_zeros() as usize;
            used &= used - 1;
            let country = match KEY_PLACES.get(i) {
                Some(Place::CollectedIn) => Some(k.collected_in.country),
                Some(Place::Origin) => Some(k.origin.country),
                Some(Place::Destination) => Some(k.destination.country),
                Some(Place::SubjectResidence) => k.residence.map(|j| j.country),
                Some(Place::SubjectLocation) => k.location.map(|j| j.country),
                None => continue,
            };
            // A batch whose members are in several places: the rules keyed on each member's
            // country (a rule may come twice; the caller de-duplicates). Only an unstated
            // single place can stand for several.
            if country.is_none()
                && let Some(members) = many_places(k, KEY_PLACES.get(i))
                && let Some(place) = self.places.get(i)
            {
                each_member_country(members, |c| {
                    let list = place.get(op, Some(c));
                    if !list.is_empty() {
                        f(list, Facts::NONE);
                    }
                });
                continue;
            }
            if let Some(place) = self.places.get(i) {
                let list = place.get(op, country);
                if !list.is_empty() {
                    let assumed = match (country, KEY_PLACES.get(i)) {
                        (None, Some(p)) => Facts::place(*p),
                        _ => Facts::NONE,
                    };
                    f(list, assumed);
                }
            }
        }
        if let Some(wild) = self.wild.get(op as usize)
            && !wild.is_empty()
        {
            f(wild, Facts::NONE);
        }
    }

    /// How many rules each place's lists and the unkeyed lists hold, over every operation.
    #[cfg(test)]
    pub(super) fn keyed_counts(&self) -> [usize; 6] {
        let n = |l: &[Vec<u32>; 4]| l.iter().map(Vec::len).sum();
        let [a, b, c, d, e] = &self.places;
        [
            n(&a.all),
            n(&b.all),
            n(&c.all),
            n(&d.all),
            n(&e.all),
            n(&self.wild),
        ]
    }
}

/// The rule index, and per rule the position of the condition its key makes hold for every
/// candidate the index hands over (if any).
pub(super) fn build(program: &Program) -> (RuleIndex, Vec<Option<usize>>) {
    let mut keyed: Vec<Vec<Vec<u32>>> = (0..KEY_PLACES.len())
        .map(|_| vec![Vec::new(); 4 * COUNTRY_COUNT])
        .collect();
    let mut index = RuleIndex::default();
    let mut guaranteed = Vec::with_capacity(program.rules.len());
    for (ri, r) in program.rules.iter().enumerate() {
        let Ok(ri) = u32::try_from(ri) else { continue };
        // Every operation condition holds for the lists the rule is put in.
        let ops = r.conds.iter().fold(0b1111, |all, c| match c {
            Cond::Ops(m) => all & m,
            _ => all,
        });
        // The key: the positive place condition naming the fewest countries (ever, over the
        // set's periods), places every act states before optional ones. Malformed sets (no
        // set in force at some instant: the condition then holds) are never keys.
        let key = r
            .conds
            .iter()
            .enumerate()
            .filter_map(|(position, c)| match c {
                Cond::Place {
                    place,
                    set,
                    negate: false,
                } if set.sets.len() == set.breaks.len() + 1 => {
                    let slot = KEY_PLACES.iter().position(|p| p == place)?;
                    let mut countries: Vec<usize> = set
                        .ever()
                        .ids()
                        .filter_map(|id| program.jurisdiction(id))
                        .map(|j| j.country_index())
                        .collect();
                    countries.sort_unstable();
                    countries.dedup();
                    // The bucket of the act's country holds exactly when the set never
                    // changes and names only countries: a candidate from the index then meets
                    // the condition (from the list for an unstated place, it holds anyway).
                    let exact = set.breaks.is_empty()
                        && set
                            .sets
                            .iter()
                            .all(|s| s.ids().all(|id| usize::from(id) < COUNTRY_COUNT));
                    Some((slot, countries, exact.then_some(position)))
                }
                _ => None,
            })
            .min_by_key(|(slot, countries, _)| (countries.len(), *slot >= 3, *slot));
        guaranteed.push(key.as_ref().and_then(|(_, _, exact)| *exact));
        for op in Operation::ALL {
            if ops & op.bit() == 0 {
                continue;
            }
            match &key {
                None => {
                    if let Some(w) = index.wild.get_mut(*op as usize) {
                        w.push(ri);
                    }
                }
                Some((slot, countries, _)) => {
                    let Some(place) = index.places.get_mut(*slot) else {
                        continue;
                    };
                    if let Some(all) = place.all.get_mut(*op as usize) {
                        all.push(ri);
                    }
                    for &c in countries {
                        if let Some(b) = keyed
                            .get_mut(*slot)
                            .and_then(|k| k.get_mut(PlaceIndex::bucket(*op, c)))
                        {
                            b.push(ri);
                        }
                    }
                }
            }
        }
    }
    for (i, (place, buckets)) in index.places.iter_mut().zip(keyed).enumerate() {
        if place.all.iter().any(|l| !l.is_empty()) {
            index.used |= 1 << i;
        }
        place.starts = Vec::with_capacity(buckets.len() + 1);
        // INVARIANT: a place lists each rule at most once per operation and country, so an
        // offset past `u32::MAX` needs over four billion list entries (tens of gigabytes of
        // rules) before it: unreachable, as the rule count is bounded by the packs' limits.
        for b in buckets {
            place
                .starts
                .push(u32::try_from(place.rules.len()).unwrap_or(u32::MAX));
            place.rules.extend(b);
        }
        place
            .starts
            .push(u32::try_from(place.rules.len()).unwrap_or(u32::MAX));
    }
    (index, guaranteed)
}
