//! Compiling packs into a [`Program`]: the vocabulary ([`vocab`]), counters and rules
//! ([`rules`]), the fingerprint, the rule index, and the per-rule data evaluation reads first.
//!
//! Reads the packs' AST ([`crate::pack::ast`]) and nothing else of the pack stage.

mod rules;
mod vocab;

use std::collections::{BTreeMap, HashMap};

use super::index;
use super::program::Vocabulary;
use super::program::{Cond, Program, RuleHead};
use crate::error::{BuildError, BuildErrorKind};
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
) -> Result<Program, BuildError> {
    let mut program = Program {
        fingerprint: 0,
        packs: Vec::new(),
        rules: Vec::new(),
        vocab: Vocabulary::of(packs)?,
        counters: Vec::new(),
        counter_ids: HashMap::new(),
        index: index::RuleIndex::default(),
        heads: Vec::new(),
        volume_conditions: false,
    };
    counters(&mut program, packs)?;
    rules(&mut program, packs, options);
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
        .any(|r| r.conds.iter().any(|c| matches!(c, Cond::Volume(_))));
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
            }
            .counter(c);
            program.counter_ids.insert(c.name.clone(), id);
            program.counters.push(compiled);
        }
    }
    Ok(())
}

/// The rules the options switch on, in pack order, and the pack metadata and fingerprint.
fn rules(program: &mut Program, packs: &[PolicyPack], options: &BTreeMap<(String, String), bool>) {
    let mut fp = Vec::new();
    for (pi, p) in packs.iter().enumerate() {
        let ast = p.ast();
        program.packs.push(super::program::PackMeta {
            id: ast.id.clone(),
            version: ast.version.clone(),
            digest: p.digest(),
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
        };
        let compiled: Vec<_> = ast
            .rules
            .iter()
            .filter(|r| match &r.gate {
                // INVARIANT: `options` holds every option each pack declares (the builder
                // fills in defaults), and validation checks a gate names a declared option.
                Some((opt, want)) => {
                    options
                        .get(&(ast.id.clone(), opt.clone()))
                        .copied()
                        .unwrap_or(false)
                        == *want
                }
                None => true,
            })
            .map(|r| translator.rule(pi, &ast.effective, r))
            .collect();
        program.rules.extend(compiled);
    }
    program.fingerprint = fnv1a(&fp);
}
