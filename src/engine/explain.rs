//! Explanations: the wording of what is missing, and the text form of a decision report.
//!
//! Rendered only when asked for (a deny's missing sets, `Display`), never on the hot path.

use std::fmt;

use super::decision::Effect;
use super::evaluate::scope_query;
use super::prepare::Transfer;
use super::program::{Basis, Program, Rule};
use super::report::{DecisionReport, MissingItem, ObligationStatus};
use crate::model::{Individuals, rfc3339};

fn quoted_list<T: fmt::Display>(items: &[T], conj: &str) -> String {
    let q: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match q.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conj} {last}", init.join(", ")),
    }
}

/// "covering `a` and `b` to `US` for `transfer`" for the categories that made the rule apply.
fn act_scope(p: &Program, rule: &Rule, t: &Transfer) -> String {
    let cats: Vec<String> = scope_query(p, rule, t)
        .categories()
        .map(ToString::to_string)
        .collect();
    let mut s = format!(
        "covering {} to `{}` for `{}`",
        quoted_list(&cats, "and"),
        t.data.destination,
        t.data.operation
    );
    match t.data.purposes.as_slice() {
        [] => {}
        [one] => s.push_str(&format!(" (purpose `{one}`)")),
        many => s.push_str(&format!(" (purposes {})", quoted_list(many, "and"))),
    }
    s
}

/// What would satisfy basis `b` of `rule` for `t`, said concretely.
pub(super) fn missing_item(p: &Program, rule: &Rule, b: &Basis, t: &Transfer) -> MissingItem {
    let at = rfc3339(t.data.at);
    let text = match b {
        Basis::Consent { min, informed } => {
            let informed = if *informed {
                ", informed of the risks,"
            } else {
                ""
            };
            match t.data.data.individuals() {
                Individuals::One(s) => format!(
                    "{min} consent of subject `{}`{informed} {}, valid at {at}",
                    s.id(),
                    act_scope(p, rule, t)
                ),
                Individuals::Bulk { subjects, .. } if !subjects.is_empty() => format!(
                    "{min} consent{informed} of each of the batch's {} listed members {}, valid at {at}",
                    subjects.len(),
                    act_scope(p, rule, t)
                ),
                Individuals::Bulk { .. } => format!(
                    "{min} consent{informed} of each individual: list the batch's members (`subjects`) or send one transfer per subject"
                ),
            }
        }
        Basis::Approval {
            authorities,
            mechanisms,
            clock,
            ..
        } => {
            let mech = match mechanisms.as_deref() {
                Some([one]) => format!(" of mechanism `{one}`"),
                Some(m) => format!(" of mechanism {}", quoted_list(m, "or")),
                None => String::new(),
            };
            let mut timing = String::new();
            if let Some(c) = clock {
                if let Some(w) = &c.wait {
                    timing.push_str(&format!(
                        ", filed (`valid_from`) at least {} before the act",
                        w.describe()
                    ));
                }
                if let Some(v) = &c.valid_for {
                    timing.push_str(&format!(", within its term of {}", v.describe()));
                    if let Some(e) = &c.extension {
                        timing.push_str(&format!(" (+ {} when extended)", e.describe()));
                    }
                }
                if let Some((before, span)) = &c.earlier {
                    let day = before.with_timezone(&span.calendar.offset).date_naive();
                    timing.push_str(&format!("; {} if issued before {day}", span.describe()));
                }
            }
            format!(
                "approval by {}{mech} held by `{}` {}, valid at {at}{timing}",
                quoted_list(authorities, "or"),
                t.data.exporter.id(),
                act_scope(p, rule, t)
            )
        }
        Basis::InForce(period) => {
            let from = period.from.map(|f| format!(" from {}", rfc3339(f)));
            let until = period.until.map(|u| format!(" until {}", rfc3339(u)));
            format!(
                "an act at {at} within the period this alternative is available:{}{}",
                from.unwrap_or_default(),
                until.unwrap_or_default()
            )
        }
        Basis::DestinationIn { label, .. } => format!(
            "destination `{}` in {} at {at}",
            t.data.destination,
            quoted_list(label, "or")
        ),
        Basis::RecipientCertified(names, _) => match &t.data.recipient {
            Some(r) => format!(
                "certification {} held by recipient `{}`, valid at {at}",
                quoted_list(names, "or"),
                r.id()
            ),
            None => format!(
                "a recipient holding certification {}, valid at {at}",
                quoted_list(names, "or")
            ),
        },
        Basis::PurposeIn { names, .. } => format!("purpose {}", quoted_list(names, "or")),
        Basis::RecipientRoles { roles, .. } => {
            format!("a recipient whose role is {}", quoted_list(roles, "or"))
        }
        Basis::Tags { who, names, .. } => {
            format!("{} tagged {}", who.phrase(), quoted_list(names, "and"))
        }
        Basis::Volume(v) => {
            // INVARIANT: a compiled volume test names a compiled counter (see
            // `Translator::volume`); `?` would stand for one that is not.
            let counter = p.counters.get(usize::from(v.counter));
            let name = counter.map_or("?", |c| &*c.name);
            let window = counter.map_or_else(String::new, |c| format!(" {}", c.describe_window()));
            let range = match (v.at_least, v.below) {
                (Some(a), Some(b)) => format!("at least {a} and fewer than {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("fewer than {b}"),
                (None, None) => "any number of".to_owned(),
            };
            format!(
                "{range} individuals in counter `{name}` for exporter `{}`{window}, including this act",
                t.data.exporter.id()
            )
        }
    };
    MissingItem {
        basis: b.kind(),
        text,
        near_misses: Vec::new(),
    }
}

impl fmt::Display for DecisionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let effect = match self.effect {
            Effect::Allow => "ALLOW",
            Effect::Deny => "DENY",
        };
        write!(f, "{effect}: {}", self.act)?;
        if let Some(id) = &self.transfer_id {
            write!(f, " [transfer `{id}`]")?;
        }
        if self.no_rule_applies {
            let packs: Vec<&str> = self.packs.iter().map(|p| p.id.as_str()).collect();
            write!(f, "\n  no rule applies (packs: {})", packs.join(", "))?;
        }
        for d in &self.diagnostics {
            write!(f, "\n  diagnostic: {d}")?;
        }
        for r in &self.rules {
            write!(
                f,
                "\n  [{}] {}/{}: {}",
                r.verdict.as_str(),
                r.pack,
                r.rule,
                r.summary
            )?;
            write!(f, "\n      cite: {}", r.cite)?;
            if !r.assumed.is_empty() {
                let facts: Vec<String> = r.assumed.iter().map(|a| a.unknown().to_owned()).collect();
                write!(f, "\n      assumed: {}", facts.join("; "))?;
            }
            if let Some(alt) = &r.alternative {
                write!(f, "\n      basis: {alt}")?;
                if !r.evidence.is_empty() {
                    let ev: Vec<String> = r.evidence.iter().map(ToString::to_string).collect();
                    write!(f, " ({})", ev.join(", "))?;
                }
            }
            for o in &r.obligations {
                write!(f, "\n      obligation `{}`: {}", o.id, o.summary)?;
                if let Some(status) = o.status {
                    let status = match status {
                        ObligationStatus::Overdue | ObligationStatus::Breached => {
                            status.as_str().to_uppercase()
                        }
                        _ => status.as_str().to_owned(),
                    };
                    write!(f, "\n        status: {status}")?;
                    if let Some(id) = &o.fulfilled_by {
                        write!(f, " (`{id}`)")?;
                    }
                    if let Some(d) = &o.deadline {
                        write!(f, "; due {d}")?;
                    }
                }
            }
            if !r.missing.is_empty() {
                write!(f, "\n      missing, any one of:")?;
                for m in &r.missing {
                    let items: Vec<&str> = m.missing.iter().map(|i| i.text.as_str()).collect();
                    write!(f, "\n        - {}: {}", m.alternative, items.join(" AND "))?;
                    for n in m.missing.iter().flat_map(|i| &i.near_misses) {
                        write!(f, "\n            held, but does not count: {n}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::decision::{Effect, EvidenceKind, EvidenceRef, Verdict};
    use crate::engine::report::{ObligationReport, PackRef, RuleReport};
    use chrono::{DateTime, Utc};

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(quoted_list::<&str>(&[], "or"), "");
        assert_eq!(quoted_list(&["a"], "or"), "`a`");
        assert_eq!(quoted_list(&["a", "b"], "or"), "`a` or `b`");
        assert_eq!(quoted_list(&["a", "b", "c"], "and"), "`a`, `b` and `c`");
    }

    #[test]
    fn reports_render_every_part() {
        let report = DecisionReport {
            effect: Effect::Allow,
            transfer_id: Some("t".into()),
            act: "transfer of x".into(),
            at: DateTime::<Utc>::UNIX_EPOCH,
            transfer: crate::model::TransferBuilder::default(),
            engine: "0123456789abcdef".into(),
            options: [("p.o".to_owned(), true)].into(),
            packs: vec![PackRef {
                id: "p".into(),
                version: "1".into(),
                sha256: "00".into(),
            }],
            no_rule_applies: false,
            rules: vec![RuleReport {
                pack: "p".into(),
                rule: "r".into(),
                cite: "art. 1".into(),
                summary: "s".into(),
                verdict: Verdict::Satisfied,
                assumed: vec![crate::engine::decision::Fact::Purpose],
                alternative: Some("a".into()),
                evidence: vec![EvidenceRef::new(
                    EvidenceKind::Approval,
                    "e".parse().unwrap(),
                )],
                obligations: vec![ObligationReport {
                    id: "o".into(),
                    summary: "do it".into(),
                    cite: None,
                    status: None,
                    due: None,
                    due_date: None,
                    deadline: None,
                    fulfilled_by: None,
                }],
                missing: Vec::new(),
            }],
            diagnostics: vec!["odd".into()],
        };
        let text = report.to_string();
        assert_eq!(
            text,
            "ALLOW: transfer of x [transfer `t`]\n  diagnostic: odd\n  [satisfied] p/r: s\n      cite: art. 1\n      assumed: purpose unknown\n      basis: a (approval `e`)\n      obligation `o`: do it"
        );
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(
            serde_json::from_str::<DecisionReport>(&json).unwrap(),
            report
        );
    }
}
