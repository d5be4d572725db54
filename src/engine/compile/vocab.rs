//! The engine's vocabulary: every category (the base taxonomy and the packs' extensions) with
//! its ancestor closure, declared divisions, tags and purposes, each given a dense id.

use std::collections::HashMap;

use super::limit;
use crate::engine::program::Vocabulary;
use crate::engine::sets::{CatSet, MAX_CATEGORIES, MAX_JURISDICTIONS, MAX_PURPOSES, MAX_TAGS};
use crate::error::{BuildError, BuildErrorKind};
use crate::model::{COUNTRY_COUNT, Category, Jurisdiction, Purpose, Tag};
use crate::pack::ast::TagOn;
use crate::pack::{PolicyPack, taxonomy};

impl Vocabulary {
    pub(super) fn of(packs: &[PolicyPack]) -> Result<Vocabulary, BuildError> {
        let (category_ids, closure) = categories(packs)?;
        let (divisions, division_ids) = divisions(packs)?;
        Ok(Vocabulary {
            category_ids,
            closure,
            tag_ids: tags(packs)?,
            purpose_ids: purposes(packs)?,
            divisions,
            division_ids,
        })
    }
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

/// Purposes.
fn purposes(packs: &[PolicyPack]) -> Result<HashMap<Purpose, u16>, BuildError> {
    let mut ids: HashMap<Purpose, u16> = HashMap::new();
    for pu in packs.iter().flat_map(|p| &p.ast().purposes) {
        if !ids.contains_key(pu) {
            let id = next_id(ids.len(), MAX_PURPOSES, "purposes")?;
            ids.insert(pu.clone(), id);
        }
    }
    Ok(ids)
}
