//! Comparing what a scenario expects with the decision, explained with its evidence.
//!
//! Lists are compared as sets (sorted); values are shown as JSON in failures.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Expect;
use super::report::Failure;
use crate::report::{DecisionReport, RuleReport};

fn sorted<'a>(v: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut v: Vec<String> = v.into_iter().cloned().collect();
    v.sort();
    v.dedup();
    v
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Records a failure when `want != got`.
fn compare<T: Serialize + PartialEq>(out: &mut Vec<Failure>, what: String, want: &T, got: &T) {
    if want != got {
        out.push(Failure::new(what, json(want), json(got)));
    }
}

/// A per-rule expectation (`pack/rule` → names), each list compared as a set.
fn per_rule_sets(want: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    want.iter().map(|(k, v)| (k.clone(), sorted(v))).collect()
}

/// Every expectation of `e` that `d` does not meet.
pub(super) fn check(e: &Expect, d: &DecisionReport) -> Vec<Failure> {
    let mut out = Vec::new();
    let rule = |key: &str| d.rules.iter().find(|r| r.key() == key);
    compare(&mut out, "effect".into(), &e.effect, &d.effect);
    compare(
        &mut out,
        "deciding rules".into(),
        &sorted(&e.deciding),
        &sorted(&d.deciding_rules().map(RuleReport::key).collect::<Vec<_>>()),
    );
    if let Some(want) = e.no_rule_applies {
        compare(
            &mut out,
            "no_rule_applies".into(),
            &want,
            &d.no_rule_applies,
        );
    }
    if let Some(want) = &e.verdicts {
        let got = d.rules.iter().map(|r| (r.key(), r.verdict)).collect();
        compare(&mut out, "verdicts".into(), want, &got);
    }
    if let Some(want) = &e.alternative {
        for (key, alt) in want {
            let got = rule(key).and_then(|r| r.alternative.clone());
            compare(
                &mut out,
                format!("alternative of `{key}`"),
                &Some(alt.clone()),
                &got,
            );
        }
    }
    if let Some(want) = &e.missing {
        for (key, alts) in want {
            let got: BTreeMap<String, Vec<String>> = rule(key)
                .map(|r| {
                    r.missing
                        .iter()
                        .map(|m| {
                            let bases: Vec<String> =
                                m.missing.iter().map(|i| i.basis.to_string()).collect();
                            (m.alternative.clone(), sorted(&bases))
                        })
                        .collect()
                })
                .unwrap_or_default();
            compare(
                &mut out,
                format!("missing sets of `{key}`"),
                &per_rule_sets(alts),
                &got,
            );
        }
    }
    if let Some(want) = &e.obligations {
        for (key, ids) in want {
            let got: Vec<String> = rule(key)
                .map(|r| r.obligations.iter().map(|o| o.id.clone()).collect())
                .unwrap_or_default();
            compare(
                &mut out,
                format!("obligations of `{key}`"),
                &sorted(ids),
                &sorted(&got),
            );
        }
    }
    if let Some(want) = &e.obligation_status {
        for (key, states) in want {
            let got: BTreeMap<String, String> = rule(key)
                .map(|r| {
                    r.obligations
                        .iter()
                        .filter(|o| states.contains_key(&o.id))
                        .map(|o| {
                            let status = o.status.map_or("untracked", |s| s.as_str());
                            let with_date = states.get(&o.id).is_some_and(|w| w.contains(' '));
                            let text = match (with_date, o.due_date) {
                                (true, Some(d)) => format!("{status} {d}"),
                                _ => status.to_owned(),
                            };
                            (o.id.clone(), text)
                        })
                        .collect()
                })
                .unwrap_or_default();
            compare(
                &mut out,
                format!("obligation status of `{key}`"),
                states,
                &got,
            );
        }
    }
    if let Some(want) = &e.assumed {
        let got: BTreeMap<String, Vec<String>> = d
            .rules
            .iter()
            .filter(|r| !r.assumed.is_empty())
            .map(|r| {
                let facts: Vec<String> = r.assumed.iter().map(|f| f.as_str().to_owned()).collect();
                (r.key(), sorted(&facts))
            })
            .collect();
        compare(&mut out, "assumed facts".into(), &per_rule_sets(want), &got);
    }
    if let Some(want) = &e.near_misses {
        let got: BTreeMap<String, Vec<String>> = d
            .rules
            .iter()
            .map(|r| {
                let near: Vec<String> = r
                    .missing
                    .iter()
                    .flat_map(|m| &m.missing)
                    .flat_map(|i| &i.near_misses)
                    .flat_map(|n| {
                        n.reasons
                            .iter()
                            .map(move |m| format!("{}: {}", n.id, m.name()))
                    })
                    .collect();
                (r.key(), sorted(&near))
            })
            .filter(|(_, near)| !near.is_empty())
            .collect();
        compare(&mut out, "near misses".into(), &per_rule_sets(want), &got);
    }
    out
}
