//! The engine's vocabulary: every category (the base taxonomy and the packs' extensions) with
//! its ancestor closure, declared divisions, tags and purposes, each given a dense id.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::limit;
use crate::engine::program::{Meaning, Vocabulary};
use crate::engine::sets::{CatSet, MAX_CATEGORIES, MAX_JURISDICTIONS, MAX_PURPOSES, MAX_TAGS};
use crate::error::{BuildError, BuildErrorKind};
use crate::model::{
    Authority, COUNTRY_COUNT, Category, CertificationName, Jurisdiction, Mechanism, Purpose, Tag,
    did_you_mean,
};
use crate::pack::ast;
use crate::pack::ast::TagOn;
use crate::pack::{PolicyPack, taxonomy};

impl Vocabulary {
    pub(super) fn of(packs: &[PolicyPack]) -> Result<Vocabulary, BuildError> {
        let (category_ids, closure) = categories(packs)?;
        let (divisions, division_ids) = divisions(packs)?;
        let (authorities, schemes) = evidence_names(packs);
        Ok(Vocabulary {
            authorities,
            schemes,
            category_ids,
            closure,
            tag_ids: tags(packs)?,
            purposes: purposes(packs)?,
            divisions,
            division_ids,
        })
    }
}

/// The authorities the packs' approval bases name, each with the mechanisms accepted from it
/// (`None` when some basis accepts any), and the certification schemes they name.
#[allow(clippy::type_complexity, reason = "two tables, returned together")]
fn evidence_names(
    packs: &[PolicyPack],
) -> (
    BTreeMap<Authority, Option<BTreeSet<Mechanism>>>,
    BTreeSet<CertificationName>,
) {
    let mut authorities: BTreeMap<Authority, Option<BTreeSet<Mechanism>>> = BTreeMap::new();
    let mut schemes = BTreeSet::new();
    let alts = packs
        .iter()
        .flat_map(|p| &p.ast().rules)
        .filter_map(|r| match &r.effect {
            ast::RuleEffect::Require(alts) => Some(alts),
            ast::RuleEffect::Prohibit => None,
        })
        .flatten();
    // The evidence an obligation names as its fulfilment, and the approvals an onward act's
    // data came under (`came_under`), are approval records too.
    let mut fulfilments = Vec::new();
    for r in packs.iter().flat_map(|p| &p.ast().rules) {
        for c in &r.conds {
            c.walk(&mut |c| {
                if let ast::Cond::CameUnder {
                    authorities,
                    mechanisms,
                } = c
                {
                    fulfilments.push((authorities.clone(), mechanisms.clone()));
                }
            });
        }
        let mut obligations: Vec<&ast::Obligation> = r.obligations.iter().collect();
        if let ast::RuleEffect::Require(alts) = &r.effect {
            obligations.extend(alts.iter().flat_map(|a| &a.obligations));
        }
        fulfilments.extend(
            obligations
                .into_iter()
                .filter_map(|o| o.fulfilled_by.as_ref())
                .cloned(),
        );
    }
    let approvals = alts
        .clone()
        .flat_map(|a| &a.bases)
        .filter_map(|b| match b {
            ast::Basis::Approval {
                authorities,
                mechanisms,
                ..
            } => Some((authorities, mechanisms)),
            _ => None,
        })
        .chain(fulfilments.iter().map(|(a, m)| (a, m)));
    for (names, mechanisms) in approvals {
        for a in names {
            let accepted = authorities
                .entry(a.clone())
                .or_insert_with(|| Some(BTreeSet::new()));
            match (accepted.as_mut(), mechanisms) {
                (Some(set), Some(m)) => set.extend(m.iter().cloned()),
                (_, None) => *accepted = None,
                (None, Some(_)) => {}
            }
        }
    }
    for b in alts.flat_map(|a| &a.bases) {
        match b {
            ast::Basis::Approval { .. } => {}
            ast::Basis::RecipientCertified(names) => schemes.extend(names.iter().cloned()),
            ast::Basis::Consent { .. }
            | ast::Basis::DestinationIn(_)
            | ast::Basis::PurposeIn(_)
            | ast::Basis::RecipientRoles(_)
            | ast::Basis::Tags { .. }
            | ast::Basis::Volume(_) => {}
        }
    }
    (authorities, schemes)
}

/// The next dense id of a table that holds `len` entries, at most `max`.
fn next_id(len: usize, max: usize, what: &str) -> Result<u16, BuildError> {
    u16::try_from(len)
        .ok()
        .filter(|&i| usize::from(i) < max)
        .ok_or_else(|| limit(what, max))
}

/// Categories: the base taxonomy, then each pack's extensions; and per id, its ancestors.
fn categories(packs: &[PolicyPack]) -> Result<(HashMap<Category, u16>, Vec<CatSet>), BuildError> {
    let mut categories: Vec<Category> = Vec::new();
    let mut ids: HashMap<Category, u16> = HashMap::new();
    let base = taxonomy::BASE
        .iter()
        .filter_map(|(n, _)| Category::new(n).ok());
    let extensions = packs.iter().flat_map(|p| p.ast().taxonomy.iter().cloned());
    for c in base.chain(extensions) {
        if ids.contains_key(&c) {
            continue;
        }
        let id = next_id(categories.len(), MAX_CATEGORIES, "categories")?;
        ids.insert(c.clone(), id);
        categories.push(c);
    }
    let closure = categories
        .iter()
        .map(|c| {
            let mut set = CatSet::default();
            let mut cur = Some(c.clone());
            while let Some(x) = cur {
                if let Some(&id) = ids.get(&x) {
                    set.insert(id);
                }
                cur = x.parent();
            }
            set
        })
        .collect();
    Ok((ids, closure))
}

/// Declared divisions, in pack order: ids follow the countries'.
#[allow(
    clippy::type_complexity,
    reason = "a list and its inverse, returned together"
)]
fn divisions(
    packs: &[PolicyPack],
) -> Result<(Vec<Jurisdiction>, HashMap<Jurisdiction, u16>), BuildError> {
    let mut divisions: Vec<Jurisdiction> = Vec::new();
    for d in packs.iter().flat_map(|p| &p.ast().subdivisions) {
        if !divisions.contains(d) {
            divisions.push(*d);
        }
    }
    if COUNTRY_COUNT + divisions.len() > MAX_JURISDICTIONS {
        return Err(limit("divisions", MAX_JURISDICTIONS - COUNTRY_COUNT));
    }
    let ids = divisions
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Some((*d, u16::try_from(COUNTRY_COUNT + i).ok()?)))
        .collect();
    Ok((divisions, ids))
}

/// Tags, each for parties or for transfers: packs that declare one must agree on which.
fn tags(packs: &[PolicyPack]) -> Result<HashMap<Tag, (u16, TagOn)>, BuildError> {
    let mut ids: HashMap<Tag, (u16, TagOn)> = HashMap::new();
    for p in packs {
        for (t, on) in &p.ast().tags {
            match ids.get(t) {
                Some((_, prev)) if prev != on => {
                    return Err(BuildError::new(
                        BuildErrorKind::Conflict,
                        format!(
                            "tag `{t}` is declared for parties by one pack and for transfers by another (pack `{}`)",
                            p.id()
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    let id = next_id(ids.len(), MAX_TAGS, "tags")?;
                    ids.insert(t.clone(), (id, *on));
                }
            }
        }
    }
    Ok(ids)
}

/// Purposes: a dense id each, and what each stands for (its `means`, across packs and
/// transitively). A `means` naming a purpose no enabled pack declares is an error.
fn purposes(packs: &[PolicyPack]) -> Result<HashMap<Purpose, Meaning>, BuildError> {
    let mut ids: HashMap<Purpose, u16> = HashMap::new();
    let mut order: Vec<Purpose> = Vec::new();
    let mut means: HashMap<Purpose, Vec<Purpose>> = HashMap::new();
    for d in packs.iter().flat_map(|p| &p.ast().purposes) {
        if !ids.contains_key(&d.name) {
            let id = next_id(ids.len(), MAX_PURPOSES, "purposes")?;
            ids.insert(d.name.clone(), id);
            order.push(d.name.clone());
        }
        let targets = means.entry(d.name.clone()).or_default();
        for m in &d.means {
            if !targets.contains(m) {
                targets.push(m.clone());
            }
        }
    }
    for p in packs {
        for d in &p.ast().purposes {
            if let Some(m) = d.means.iter().find(|m| !ids.contains_key(*m)) {
                return Err(BuildError::new(
                    BuildErrorKind::UnknownReference,
                    format!(
                        "purpose `{}` of pack `{}` means `{m}`, which no enabled pack declares{}",
                        d.name,
                        p.id(),
                        did_you_mean(m.as_str(), order.iter().map(Purpose::as_str))
                    ),
                ));
            }
        }
    }
    let mut out = HashMap::with_capacity(ids.len());
    for name in &order {
        // Everything `name` stands for: a walk over `means`, itself first.
        let mut reached: Vec<Purpose> = vec![name.clone()];
        let mut next = 0;
        while let Some(p) = reached.get(next).cloned() {
            next += 1;
            for m in means.get(&p).map_or(&[][..], Vec::as_slice) {
                if !reached.contains(m) {
                    reached.push(m.clone());
                }
            }
        }
        let mask = reached
            .iter()
            .filter_map(|p| ids.get(p))
            .fold(0u128, |m, id| m | 1u128 << (u32::from(*id) % 128));
        // INVARIANT: every name in `order` has an id (both are filled together).
        let id = ids.get(name).copied().unwrap_or(u16::MAX);
        out.insert(
            name.clone(),
            Meaning {
                id,
                mask,
                names: reached.into(),
            },
        );
    }
    Ok(out)
}
