//! Compiling packs into a [`Program`]: the vocabulary ([`vocab`]), counters and rules
//! ([`rules`]), the fingerprint, the rule index, and the per-rule data evaluation reads first.
//!
//! Reads the packs' AST ([`crate::pack::ast`]) and nothing else of the pack stage.

mod rules;
mod vocab;

use std::collections::{BTreeMap, HashMap};

use super::decision::Fact;
use super::index;
use super::program::Vocabulary;
use super::program::{Cond, Program, RuleHead};
use crate::error::{BuildError, BuildErrorKind};
use crate::model::did_you_mean;
use crate::pack::ast::JurRef;
use crate::pack::{PolicyPack, fnv1a};
use rules::{Translator, counter_signature};

/// The error for a table of the engine that would overflow.
pub(super) fn limit(what: &str, max: usize) -> BuildError {
    BuildError::new(
        BuildErrorKind::Limit,
        format!("the enabled packs declare more than {max} {what}, the most one engine holds"),
    )
}

/// Compiles `packs` with every option's value (`options` holds each pack's declared options,
/// set or defaulted).
pub(super) fn compile(
    packs: &[PolicyPack],
    options: &BTreeMap<(String, String), bool>,
    require_facts: bool,
) -> Result<Program, BuildError> {
    let mut program = Program {
        fingerprint: 0,
        packs: Vec::new(),
        options: options.clone(),
        rules: Vec::new(),
        vocab: Vocabulary::of(packs)?,
        counters: Vec::new(),
        counter_ids: HashMap::new(),
        index: index::RuleIndex::default(),
        heads: Vec::new(),
        volume_conditions: false,
        required_facts: None,
    };
    shared_groups(packs)?;
    counters(&mut program, packs)?;
    rules(&mut program, packs, options, require_facts)?;
    if require_facts {
        program.required_facts = Some(tested_facts(&program));
    }
    let (index, keys) = index::build(&program);
    program.index = index;
    // What the index guarantees (operations, an exact key) goes last and is not checked
    // again: `conds[..checked]` is what a candidate must still meet.
    for (r, key) in program.rules.iter_mut().zip(keys) {
        let (guaranteed, residual): (Vec<_>, Vec<_>) = std::mem::take(&mut r.conds)
            .into_iter()
            .enumerate()
            .partition(|(i, c)| Some(*i) == key || matches!(c, Cond::Ops(_)));
        r.checked = residual.len();
        r.conds = residual
            .into_iter()
            .chain(guaranteed)
            .map(|(_, c)| c)
            .collect();
    }
    program.volume_conditions = program
        .rules
        .iter()
        .any(|r| r.conds.iter().any(Cond::reads_evidence));
    program.heads = program
        .rules
        .iter()
        .map(|r| RuleHead {
            in_force: r.in_force,
            cats: r.cats,
        })
        .collect();
    Ok(program)
}

/// Every group a pack names from another (`eu-gdpr:EEA`) exists in an enabled pack.
fn shared_groups(packs: &[PolicyPack]) -> Result<(), BuildError> {
    for p in packs {
        for r in p.ast().jur_refs() {
            let JurRef::Shared { pack, group } = r else {
                continue;
            };
            let Some(owner) = packs.iter().find(|q| q.id() == pack) else {
                return Err(BuildError::new(
                    BuildErrorKind::UnknownReference,
                    format!(
                        "pack `{}` names group `{pack}:{group}`, but pack `{pack}` is not enabled: enable it, or list the places{}",
                        p.id(),
                        did_you_mean(pack, packs.iter().map(PolicyPack::id))
                    ),
                ));
            };
            if !owner.ast().groups.iter().any(|g| g.name == *group) {
                return Err(BuildError::new(
                    BuildErrorKind::UnknownReference,
                    format!(
                        "pack `{}` names group `{pack}:{group}`, but pack `{pack}` declares no group `{group}`{}",
                        p.id(),
                        did_you_mean(group, owner.ast().groups.iter().map(|g| g.name.as_str()))
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Counters: one per name across packs; packs that share a name must define it alike.
fn counters(program: &mut Program, packs: &[PolicyPack]) -> Result<(), BuildError> {
    let mut defined: HashMap<String, (usize, String)> = HashMap::new();
    for (pi, p) in packs.iter().enumerate() {
        for c in &p.ast().counters {
            let signature = counter_signature(c);
            if let Some((prev, sig)) = defined.get(&c.name) {
                if *sig != signature {
                    // INVARIANT: `prev` is the index of a pack of `packs` (recorded below).
                    let other = packs.get(*prev).map_or("", PolicyPack::id);
                    return Err(BuildError::new(
                        BuildErrorKind::Conflict,
                        format!(
                            "counter `{}` is defined differently by packs `{other}` and `{}`",
                            c.name,
                            p.id()
                        ),
                    ));
                }
                continue;
            }
            defined.insert(c.name.clone(), (pi, signature));
            let id = u16::try_from(program.counters.len())
                .map_err(|_| limit("counters", usize::from(u16::MAX)))?;
            let compiled = Translator {
                program,
                groups: &p.ast().groups,
                packs,
            }
            .counter(c);
            program.counter_ids.insert(c.name.clone(), id);
            program.counters.push(compiled);
        }
    }
    Ok(())
}

/// The rules the options switch on, in pack order, and the pack metadata and fingerprint.
fn rules(
    program: &mut Program,
    packs: &[PolicyPack],
    options: &BTreeMap<(String, String), bool>,
    require_facts: bool,
) -> Result<(), BuildError> {
    let mut fp = Vec::new();
    for (pi, p) in packs.iter().enumerate() {
        let ast = p.ast();
        program.packs.push(super::program::PackMeta {
            id: ast.id.clone(),
            version: ast.version.clone(),
            sha256: p.sha256().to_owned(),
        });
        fp.extend_from_slice(&p.digest().to_le_bytes());
        for ((pack, name), value) in options.range((p.id().to_owned(), String::new())..) {
            if pack != p.id() {
                break;
            }
            fp.extend_from_slice(name.as_bytes());
            fp.push(u8::from(*value));
        }
        let translator = Translator {
            program,
            groups: &ast.groups,
            packs,
        };
        // INVARIANT: `options` holds every option each pack declares (the builder fills in
        // defaults), and validation checks a gate names a declared option.
        let gate_on = |(opt, want): &(String, bool)| {
            options
                .get(&(ast.id.clone(), opt.clone()))
                .copied()
                .unwrap_or(false)
                == *want
        };
        let compiled: Vec<_> = ast
            .rules
            .iter()
            .filter(|r| r.gate.as_ref().is_none_or(gate_on))
            .map(|r| translator.rule(pi, &ast.effective, r, &gate_on))
            .collect();
        if let Some(r) = compiled.iter().find(|r| !r.prohibit && r.alts.is_empty()) {
            return Err(BuildError::new(
                BuildErrorKind::Conflict,
                format!(
                    "rule `{}/{}` has no alternative left under the options chosen (every alternative is switched off by `if_option` / `unless_option`): set the options so that one remains",
                    p.id(),
                    r.id
                ),
            ));
        }
        program.rules.extend(compiled);
    }
    if require_facts {
        fp.extend_from_slice(b"require_stated_facts");
    }
    program.fingerprint = fnv1a(&fp);
    Ok(())
}

/// Every fact a rule or counter tests that a transfer may leave unstated, with the first rule
/// or counter that tests it.
fn tested_facts(program: &Program) -> Vec<(Fact, String)> {
    let mut out: Vec<(Fact, String)> = Vec::new();
    let mut note = |conds: &[Cond], who: &dyn Fn() -> String| {
        for c in conds {
            for f in c.fact().iter() {
                if !out.iter().any(|(g, _)| *g == f) {
                    out.push((f, who()));
                }
            }
        }
    };
    for r in &program.rules {
        // INVARIANT: a rule's pack index comes from the enumeration of the packs.
        let pack = program.packs.get(r.pack).map_or("", |p| p.id.as_str());
        note(&r.conds, &|| format!("rule `{pack}/{}`", r.id));
    }
    for c in &program.counters {
        note(&c.conds, &|| format!("counter `{}`", c.name));
    }
    out.sort_by_key(|(f, _)| *f);
    out
}
