//! Why a piece of evidence does not answer a question: the near misses a deny explains ("consent
//! `c-1` is held, but it was withdrawn at …").
//!
//! Each query's `mismatches` lists every reason its `accepts` refuses an item, so the two
//! agree by construction of the tests (`accepts(x) == mismatches(x).is_empty()`).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ApprovalQuery, CertificationQuery, ConsentQuery, ScopeQuery};
use crate::model::{
    Approval, Authority, Category, Certification, CertificationName, ClockMiss, Consent,
    ConsentKind, Jurisdiction, JurisdictionSet, Mechanism, Operation, OperationSet, PartyId,
    Purpose, Scope, Span, rfc3339,
};

/// One reason a piece of evidence does not make an act lawful under a basis.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mismatch {
    /// Not valid yet at the act's instant.
    NotYetValid {
        /// When it becomes valid.
        from: DateTime<Utc>,
    },
    /// Expired (or, for an approval or certification, ended) at or before the act.
    Expired {
        /// When it ended.
        at: DateTime<Utc>,
    },
    /// Withdrawn at or before the act.
    Withdrawn {
        /// When it was withdrawn.
        at: DateTime<Utc>,
    },
    /// Revoked at or before the act.
    Revoked {
        /// When it was revoked.
        at: DateTime<Utc>,
    },
    /// A consent of a weaker kind than the basis accepts.
    WeakerKind {
        /// The consent's kind.
        held: ConsentKind,
        /// The weakest kind the basis accepts.
        needed: ConsentKind,
    },
    /// A consent that does not record that the subject was informed of the risks.
    NotInformed,
    /// The scope does not cover one of the act's categories.
    Category {
        /// The act's category.
        needed: Category,
        /// What the scope covers.
        covers: Vec<Category>,
    },
    /// The scope does not cover the act's destination.
    Destination {
        /// The act's destination.
        needed: Jurisdiction,
        /// What the scope covers.
        covers: JurisdictionSet,
    },
    /// The scope does not cover the act's operation.
    Operation {
        /// The act's operation.
        needed: Operation,
        /// What the scope covers.
        covers: OperationSet,
    },
    /// The scope lists purposes and does not cover the act's (or the act states none).
    Purpose {
        /// The act's purposes.
        needed: Vec<Purpose>,
        /// What the scope covers.
        covers: Vec<Purpose>,
    },
    /// The scope lists recipients and the act's is not one (or the act has none).
    Recipient {
        /// The act's recipient.
        needed: Option<PartyId>,
        /// What the scope covers.
        covers: Vec<PartyId>,
    },
    /// An approval by an authority the basis does not name.
    Authority {
        /// The approval's authority.
        held: Authority,
        /// The authorities the basis names.
        needed: Vec<Authority>,
    },
    /// An approval of a mechanism the basis does not name.
    Mechanism {
        /// The approval's mechanism.
        held: Mechanism,
        /// The mechanisms the basis names.
        needed: Vec<Mechanism>,
    },
    /// A certification of a scheme the basis does not name.
    Scheme {
        /// The certification's scheme.
        held: CertificationName,
        /// The schemes the basis names.
        needed: Vec<CertificationName>,
    },
    /// The pack's wait after the approval's `valid_from` (a filing date) is not over at the
    /// act.
    Waiting {
        /// The wait, said (`10 working days`).
        wait: String,
        /// Its last day, at the calendar's offset.
        last_day: chrono::NaiveDate,
        /// The first instant the approval counts.
        ends: DateTime<Utc>,
    },
    /// The pack's term for the approval (from its `valid_from`, with any extension) ran out at
    /// or before the act.
    TermOver {
        /// The term, said (`3 years`, or `3 years + 3 years` when extended).
        term: String,
        /// When it ended.
        ended: DateTime<Utc>,
    },
    /// A certification whose scope does not cover one of the act's categories.
    CertifiedFor {
        /// The act's category.
        needed: Category,
        /// The categories the certification is limited to (empty: all).
        covers: Vec<Category>,
        /// The categories it excludes.
        excludes: Vec<Category>,
    },
    /// Held by another party than the one the basis needs.
    HeldBy {
        /// Who holds it.
        holder: PartyId,
        /// Who must hold it.
        needed: PartyId,
    },
    /// A name the engine's packs do not declare: the evidence can never count as written.
    UnknownName {
        /// What kind of name (`category`, `purpose`, `authority`, `mechanism`, `certification`).
        what: String,
        /// The name.
        name: String,
        /// The declared name it is closest to, if one is close.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        suggestion: Option<String>,
    },
}

impl Mismatch {
    /// The reason's name, as JSON and scenario files write it (`withdrawn`, `category`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Mismatch::NotYetValid { .. } => "not_yet_valid",
            Mismatch::Expired { .. } => "expired",
            Mismatch::Withdrawn { .. } => "withdrawn",
            Mismatch::Revoked { .. } => "revoked",
            Mismatch::WeakerKind { .. } => "weaker_kind",
            Mismatch::NotInformed => "not_informed",
            Mismatch::Category { .. } => "category",
            Mismatch::Destination { .. } => "destination",
            Mismatch::Operation { .. } => "operation",
            Mismatch::Purpose { .. } => "purpose",
            Mismatch::Recipient { .. } => "recipient",
            Mismatch::Authority { .. } => "authority",
            Mismatch::Mechanism { .. } => "mechanism",
            Mismatch::Scheme { .. } => "scheme",
            Mismatch::HeldBy { .. } => "held_by",
            Mismatch::Waiting { .. } => "waiting",
            Mismatch::CertifiedFor { .. } => "certified_for",
            Mismatch::TermOver { .. } => "term_over",
            Mismatch::UnknownName { .. } => "unknown_name",
        }
    }
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    let q: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    if q.is_empty() {
        "nothing".to_owned()
    } else {
        q.join(", ")
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::NotYetValid { from } => write!(f, "not valid until {}", rfc3339(*from)),
            Mismatch::Waiting {
                wait,
                last_day,
                ends,
            } => write!(
                f,
                "the wait of {wait} after it was filed ends {last_day}: it counts from {}",
                rfc3339(*ends)
            ),
            Mismatch::CertifiedFor {
                needed,
                covers,
                excludes,
            } => {
                write!(f, "does not cover `{needed}`")?;
                if !covers.is_empty() {
                    write!(f, " (certified for {} only)", list(covers))?;
                }
                if !excludes.is_empty() {
                    write!(f, " (excludes {})", list(excludes))?;
                }
                Ok(())
            }
            Mismatch::TermOver { term, ended } => {
                write!(f, "its term of {term} ended at {}", rfc3339(*ended))
            }
            Mismatch::Expired { at } => write!(f, "expired at {}", rfc3339(*at)),
            Mismatch::Withdrawn { at } => write!(f, "withdrawn at {}", rfc3339(*at)),
            Mismatch::Revoked { at } => write!(f, "revoked at {}", rfc3339(*at)),
            Mismatch::WeakerKind { held, needed } => {
                write!(f, "{held}, where {needed} is required")
            }
            Mismatch::NotInformed => {
                f.write_str("does not record that the subject was informed of the risks")
            }
            Mismatch::Category { needed, covers } => {
                write!(f, "covers {}, not `{needed}`", list(covers))
            }
            Mismatch::Destination { needed, covers } => {
                write!(f, "covers `{covers}`, not `{needed}`")
            }
            Mismatch::Operation { needed, covers } => {
                write!(f, "covers `{covers}`, not `{needed}`")
            }
            Mismatch::Purpose { needed, covers } if needed.is_empty() => write!(
                f,
                "covers purposes {} only, and the act states none",
                list(covers)
            ),
            Mismatch::Purpose { needed, covers } => {
                write!(f, "covers purposes {}, not {}", list(covers), list(needed))
            }
            Mismatch::Recipient {
                needed: None,
                covers,
            } => write!(
                f,
                "covers recipients {} only, and the act has none",
                list(covers)
            ),
            Mismatch::Recipient {
                needed: Some(r),
                covers,
            } => write!(f, "covers recipients {}, not `{r}`", list(covers)),
            Mismatch::Authority { held, needed } => {
                write!(f, "by `{held}`, not by {}", list(needed))
            }
            Mismatch::Mechanism { held, needed } => {
                write!(f, "of mechanism `{held}`, not {}", list(needed))
            }
            Mismatch::Scheme { held, needed } => {
                write!(f, "a `{held}` listing, not {}", list(needed))
            }
            Mismatch::HeldBy { holder, needed } => {
                write!(f, "held by `{holder}`, not by `{needed}`")
            }
            Mismatch::UnknownName {
                what,
                name,
                suggestion,
            } => {
                write!(f, "names {what} `{name}`, which no enabled pack declares")?;
                match suggestion {
                    Some(s) => write!(f, " (did you mean `{s}`?)"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Why an item valid over `[from, until)`, and ended at `ended` (withdrawn or revoked, if it
/// was), is not valid at `at`.
fn validity(
    at: DateTime<Utc>,
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
    ended: Option<Mismatch>,
    out: &mut Vec<Mismatch>,
) {
    if at < from {
        out.push(Mismatch::NotYetValid { from });
    }
    if let Some(u) = until.filter(|u| *u <= at) {
        out.push(Mismatch::Expired { at: u });
    }
    out.extend(ended);
}

impl ScopeQuery<'_> {
    /// Every reason `scope` does not cover the act ([`covered_by`](Self::covered_by) is true
    /// exactly when there is none).
    #[must_use]
    pub fn mismatches(&self, scope: &Scope) -> Vec<Mismatch> {
        let mut out = Vec::new();
        for c in self.categories().filter(|c| !scope.covers_category(c)) {
            out.push(Mismatch::Category {
                needed: c.clone(),
                covers: scope.categories().to_vec(),
            });
        }
        if !scope.covers_destination(self.destination()) {
            out.push(Mismatch::Destination {
                needed: self.destination(),
                covers: *scope.destinations(),
            });
        }
        if !scope.covers_operation(self.operation()) {
            out.push(Mismatch::Operation {
                needed: self.operation(),
                covers: scope.operations(),
            });
        }
        if !self.purposes_covered_by(scope.purposes()) {
            out.push(Mismatch::Purpose {
                needed: self.purposes().filter_map(|m| m.first().cloned()).collect(),
                covers: scope.purposes().to_vec(),
            });
        }
        if !scope.covers_recipient(self.recipient()) {
            out.push(Mismatch::Recipient {
                needed: self.recipient().cloned(),
                covers: scope.recipients().to_vec(),
            });
        }
        out
    }
}

impl ConsentQuery<'_> {
    /// Every reason `c` does not answer the query ([`accepts`](Self::accepts) is true exactly
    /// when there is none; a consent of another subject is not considered here).
    #[must_use]
    pub fn mismatches(&self, c: &Consent) -> Vec<Mismatch> {
        let mut out = Vec::new();
        if c.kind() < self.min {
            out.push(Mismatch::WeakerKind {
                held: c.kind(),
                needed: self.min,
            });
        }
        if self.informed && !c.is_informed_of_risks() {
            out.push(Mismatch::NotInformed);
        }
        validity(
            self.at,
            c.granted_at(),
            c.expires_at(),
            c.withdrawn_at()
                .filter(|w| *w <= self.at)
                .map(|at| Mismatch::Withdrawn { at }),
            &mut out,
        );
        out.extend(self.scope.mismatches(c.scope()));
        out
    }
}

impl ApprovalQuery<'_> {
    /// Every reason `a` does not answer the query ([`accepts`](Self::accepts) is true exactly
    /// when there is none).
    #[must_use]
    pub fn mismatches(&self, a: &Approval) -> Vec<Mismatch> {
        let mut out = Vec::new();
        if a.holder() != self.holder {
            out.push(Mismatch::HeldBy {
                holder: a.holder().clone(),
                needed: self.holder.clone(),
            });
        }
        if !self.authorities.contains(a.authority()) {
            out.push(Mismatch::Authority {
                held: a.authority().clone(),
                needed: self.authorities.to_vec(),
            });
        }
        if let Some(m) = self.mechanisms.filter(|m| !m.contains(a.mechanism())) {
            out.push(Mismatch::Mechanism {
                held: a.mechanism().clone(),
                needed: m.to_vec(),
            });
        }
        validity(
            self.at,
            a.valid_from(),
            a.ends_at(),
            a.revoked_at()
                .filter(|r| *r <= self.at)
                .map(|at| Mismatch::Revoked { at }),
            &mut out,
        );
        if let Some(clock) = self.clock {
            let extended = a.extension_end().is_some();
            match clock.miss(a.valid_from(), extended, self.at) {
                Some(ClockMiss::Waiting(ends)) => out.push(Mismatch::Waiting {
                    wait: clock.wait.as_ref().map_or_else(String::new, Span::describe),
                    last_day: clock
                        .wait
                        .as_ref()
                        .and_then(|w| w.last_day(a.valid_from()))
                        .unwrap_or(chrono::NaiveDate::MAX),
                    ends,
                }),
                Some(ClockMiss::TermOver(ended)) => {
                    let term = clock.term_of(a.valid_from(), extended).unwrap_or_default();
                    out.push(Mismatch::TermOver { term, ended });
                }
                None => {}
            }
        }
        out.extend(self.scope.mismatches(a.scope()));
        out
    }
}

impl CertificationQuery<'_> {
    /// Every reason `c` does not answer the query ([`accepts`](Self::accepts) is true exactly
    /// when there is none).
    #[must_use]
    pub fn mismatches(&self, c: &Certification) -> Vec<Mismatch> {
        let mut out = Vec::new();
        if !self.names.contains(c.name()) {
            out.push(Mismatch::Scheme {
                held: c.name().clone(),
                needed: self.names.to_vec(),
            });
        }
        validity(
            self.at,
            c.valid_from(),
            c.valid_until(),
            c.revoked_at()
                .filter(|r| *r <= self.at)
                .map(|at| Mismatch::Revoked { at }),
            &mut out,
        );
        if let Some(scope) = &self.scope {
            for needed in scope.categories().filter(|k| !c.covers_category(k)) {
                out.push(Mismatch::CertifiedFor {
                    needed: needed.clone(),
                    covers: c.covers().to_vec(),
                    excludes: c.excludes().to_vec(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::evidence::query::CategoryMask;
    use crate::model::{DataItem, Party, Subject, TransferBuilder};

    fn t(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap()
    }

    /// `accepts` is true exactly when `mismatches` is empty, over a grid of consents and
    /// approvals against acts that differ in every way a scope or a validity window can miss.
    #[test]
    fn mismatches_are_empty_exactly_when_an_item_is_accepted() {
        let acts: Vec<TransferBuilder> = ["US", "HK"]
            .into_iter()
            .flat_map(|dest| {
                [Operation::Transfer, Operation::Store]
                    .into_iter()
                    .map(move |op| {
                        TransferBuilder::default()
                            .operation(op)
                            .destination(dest.parse().unwrap())
                            .data(DataItem::of_subject(
                                Subject::new("u".parse().unwrap()),
                                ["personal.contact".parse().unwrap()],
                                "CN".parse().unwrap(),
                            ))
                            .exporter(Party::new("e".parse().unwrap()))
                            .recipient(Party::new("r".parse().unwrap()))
                            .purpose("research".parse().unwrap())
                            .at(t(10))
                    })
            })
            .collect();
        let scopes = [
            Scope::new(
                ["personal".parse().unwrap()],
                "US".parse().unwrap(),
                OperationSet::all(),
            ),
            Scope::new(
                ["personal.sensitive".parse().unwrap()],
                "US,HK".parse().unwrap(),
                [Operation::Store].into(),
            ),
        ]
        .map(|s| s.unwrap());
        let purposes: [Vec<Purpose>; 2] = [Vec::new(), vec!["marketing".parse().unwrap()]];
        let (mut checked, mut accepted) = (0, 0);
        for act in acts {
            let data = act.into_data().unwrap();
            let meanings: Vec<Arc<[Purpose]>> = data
                .purposes
                .iter()
                .map(|p| Arc::from(vec![p.clone()]))
                .collect();
            let scope = ScopeQuery::new(&data, &meanings, CategoryMask::ALL);
            for s in &scopes {
                for listed in &purposes {
                    for (granted, expires, withdrawn) in [
                        (t(1), None, None),
                        (t(11), None, None),
                        (t(1), Some(t(5)), None),
                        (t(1), None, Some(t(9))),
                    ] {
                        for kind in [ConsentKind::Implied, ConsentKind::Separate] {
                            let mut c = Consent::new(
                                "c".parse().unwrap(),
                                "u".parse().unwrap(),
                                kind,
                                s.clone().with_purposes(listed.clone()),
                                granted,
                            )
                            .unwrap();
                            if let Some(e) = expires {
                                c = c.expiring(e).unwrap();
                            }
                            if let Some(w) = withdrawn {
                                c = c.withdrawn(w).unwrap();
                            }
                            let subject: crate::model::SubjectId = "u".parse().unwrap();
                            let q = ConsentQuery::new(
                                &subject,
                                0,
                                ConsentKind::Express,
                                kind == ConsentKind::Separate,
                                data.at,
                                crate::evidence::act_nanos(data.at),
                                scope,
                            );
                            let c = c.informed_of_risks(granted == t(1));
                            assert_eq!(q.accepts(&c), q.mismatches(&c).is_empty(), "{c:?}");
                            checked += 1;
                            accepted += usize::from(q.accepts(&c));
                            let a = Approval::new(
                                "a".parse().unwrap(),
                                "CN-CAC".parse().unwrap(),
                                "scc".parse().unwrap(),
                                if kind == ConsentKind::Implied {
                                    "e"
                                } else {
                                    "r"
                                }
                                .parse()
                                .unwrap(),
                                s.clone().with_purposes(listed.clone()),
                                granted,
                            )
                            .unwrap();
                            let authorities: [Authority; 1] = ["CN-CAC".parse().unwrap()];
                            let mechanisms: [Mechanism; 1] = ["scc".parse().unwrap()];
                            let aq = ApprovalQuery::new(
                                data.exporter.id(),
                                0,
                                &authorities,
                                &[0],
                                expires.is_some().then_some(&mechanisms[..]),
                                expires.is_some().then_some(&[0u64][..]),
                                data.at,
                                scope,
                            );
                            assert_eq!(aq.accepts(&a), aq.mismatches(&a).is_empty(), "{a:?}");
                        }
                    }
                }
            }
        }
        assert!(
            accepted > 0 && accepted < checked,
            "{accepted} of {checked}"
        );
    }
}
