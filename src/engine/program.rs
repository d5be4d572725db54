//! The compiled program: packs resolved to dense ids, sets to bitsets, rules indexed. What
//! [`Engine`](super::Engine) holds behind its `Arc`.
//!
//! Private to the engine: the fields are visible to `engine/` and nowhere else. Evaluation
//! reads this and the resolved transfer ([`super::prepare`]) only; compilation
//! ([`super::compile`]) is the only writer.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};

use super::decision::{Fact, Facts};
use super::index::RuleIndex;
use super::sets::{CatSet, JRef, TimedSet};
use crate::error::{TransferError, TransferErrorKind};
use crate::model::{
    ApprovalClock, Authority, COUNTRY_COUNT, Category, CertificationName, ConsentKind,
    Jurisdiction, Mechanism, Purpose, Role, Tag,
};
use crate::pack::ast::BasisKind;
use crate::pack::ast::{self, CountedIndividuals, Period, Place, PlaceSet, TagOn, Who, WindowKind};

/// The id, version and digest of a pack the program was compiled from.
#[derive(Debug)]
pub(super) struct PackMeta {
    pub id: String,
    pub version: String,
    pub sha256: String,
}

/// A compiled applicability condition.
#[derive(Debug)]
pub(super) enum Cond {
    Ops(u8),
    Place {
        place: Place,
        set: TimedSet,
        negate: bool,
    },
    Places {
        places: PlaceSet,
        set: TimedSet,
        negate: bool,
    },
    Roles {
        mask: u8,
        negate: bool,
    },
    Tags {
        who: Who,
        mask: u128,
        negate: bool,
    },
    Minor(bool),
    Bulk(bool),
    Purposes {
        mask: u128,
        negate: bool,
    },
    CategoriesNot(CatSet),
    Volume(VolumeTest),
    /// A data category falls under the set (inside `any_of` / `not`).
    Categories(CatSet),
    /// The act's data came under an approval from these authorities (and mechanisms).
    CameUnder {
        authorities: Vec<Authority>,
        mechanisms: Option<Vec<Mechanism>>,
    },
    /// The act breaks (or keeps) the onward conditions its data came under.
    OnwardBreached(bool),
    /// One of the conjunctions holds.
    AnyOf(Vec<Vec<Cond>>),
    /// The conjunction does not hold.
    Not(Vec<Cond>),
}

impl Cond {
    /// Whether this condition, or one nested in it, reads the evidence store (the volume
    /// ledger, the approvals an onward act's data came under).
    pub(super) fn reads_evidence(&self) -> bool {
        match self {
            Cond::Volume(_) | Cond::CameUnder { .. } | Cond::OnwardBreached(_) => true,
            Cond::AnyOf(branches) => branches.iter().flatten().any(Cond::reads_evidence),
            Cond::Not(inner) => inner.iter().any(Cond::reads_evidence),
            _ => false,
        }
    }

    /// The fact this condition reads that a transfer may leave unstated (none for facts every
    /// transfer states: operation, places of the act, categories, tags).
    pub(super) fn fact(&self) -> Facts {
        match self {
            Cond::AnyOf(branches) => branches
                .iter()
                .flatten()
                .fold(Facts::NONE, |f, c| f.union(c.fact())),
            Cond::Not(inner) => inner.iter().fold(Facts::NONE, |f, c| f.union(c.fact())),
            Cond::Place { place, .. } => Facts::place(*place),
            Cond::Places { places, .. } => Facts::places(*places),
            Cond::Roles { .. } => Facts::of(Fact::RecipientRole),
            Cond::Minor(_) => Facts::of(Fact::SubjectMinor),
            Cond::Purposes { .. } => Facts::of(Fact::Purpose),
            Cond::Ops(_)
            | Cond::Tags { .. }
            | Cond::Bulk(_)
            | Cond::CategoriesNot(_)
            | Cond::Categories(_)
            | Cond::CameUnder { .. }
            | Cond::OnwardBreached(_)
            | Cond::Volume(_) => Facts::NONE,
        }
    }
}

/// A compiled volume test: the count of `counter`, including the act, lies in
/// `[at_least, below)`.
#[derive(Debug, Clone, Copy)]
pub(super) struct VolumeTest {
    pub counter: u16,
    pub at_least: Option<u64>,
    pub below: Option<u64>,
}

impl VolumeTest {
    pub(super) fn admits(&self, count: u64) -> bool {
        self.at_least.is_none_or(|a| count >= a) && self.below.is_none_or(|b| count < b)
    }
}

/// A compiled volume counter.
#[derive(Debug)]
pub(super) struct Counter {
    pub name: Arc<str>,
    pub window: WindowKind,
    pub offset: FixedOffset,
    pub individuals: CountedIndividuals,
    pub conds: Vec<Cond>,
    pub cats: Option<CatSet>,
}

impl Counter {
    /// The first instant of the window that ends at `at` (the window is `[start, at]`).
    pub(super) fn window_start(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        use chrono::{Datelike, TimeZone};
        let year_start = |back: i32| {
            let y = at.with_timezone(&self.offset).year() - back;
            self.offset
                .with_ymd_and_hms(y, 1, 1, 0, 0, 0)
                .single()
                .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
        };
        match self.window {
            WindowKind::CalendarYear => year_start(0),
            WindowKind::SincePreviousCalendarYear => year_start(1),
            WindowKind::Rolling12Months => at
                .checked_sub_months(chrono::Months::new(12))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        }
    }

    /// "since 1 January at +08:00", for explanations.
    pub(super) fn describe_window(&self) -> String {
        let off = self.offset.to_string();
        match self.window {
            WindowKind::CalendarYear => format!("since 1 January at {off}"),
            WindowKind::SincePreviousCalendarYear => {
                format!("since 1 January of the previous year at {off}")
            }
            WindowKind::Rolling12Months => "over the preceding 12 months".to_owned(),
        }
    }
}

/// A compiled basis.
#[derive(Debug)]
pub(super) enum Basis {
    Consent {
        min: ConsentKind,
        informed: bool,
    },
    Approval {
        authorities: Vec<Authority>,
        mechanisms: Option<Vec<Mechanism>>,
        /// `key_hash` of each authority and mechanism: the store compares these before names.
        authority_hashes: Vec<u64>,
        mechanism_hashes: Option<Vec<u64>>,
        /// The pack's clock on the approval (a wait after filing, a term); `None`: none.
        clock: Option<Box<ApprovalClock>>,
    },
    /// The alternative is available only in this period (format 2 `in_force`).
    InForce(Period),
    DestinationIn {
        set: TimedSet,
        label: Vec<String>,
    },
    /// The certifications that count, and the `key_hash` of each name.
    RecipientCertified(Vec<CertificationName>, Vec<u64>),
    PurposeIn {
        mask: u128,
        names: Vec<Purpose>,
    },
    RecipientRoles {
        mask: u8,
        roles: Vec<Role>,
    },
    Tags {
        who: Who,
        mask: u128,
        names: Vec<Tag>,
    },
    Volume(VolumeTest),
}

impl Basis {
    /// The kind of basis, as decisions name it.
    pub(super) fn kind(&self) -> BasisKind {
        match self {
            Basis::Consent { .. } => BasisKind::Consent,
            Basis::Approval { .. } => BasisKind::Approval,
            Basis::DestinationIn { .. } => BasisKind::Destination,
            Basis::RecipientCertified(..) => BasisKind::Certification,
            Basis::PurposeIn { .. } => BasisKind::Purpose,
            Basis::RecipientRoles { .. } => BasisKind::RecipientRole,
            Basis::Tags { .. } => BasisKind::Tags,
            Basis::Volume(_) => BasisKind::Volume,
            Basis::InForce(_) => BasisKind::InForce,
        }
    }
}

/// A compiled obligation: the pack's, with the `key_hash` of each name of its fulfilment
/// evidence (the store compares these before names).
#[derive(Debug)]
pub(super) struct Obligation {
    pub def: ast::Obligation,
    pub fulfil_hashes: Option<(Vec<u64>, Option<Vec<u64>>)>,
}

impl Obligation {
    /// Whether the decision tracks where it stands (it has a deadline or fulfilment evidence).
    pub(super) fn tracked(&self) -> bool {
        self.def.due.is_some() || self.def.fulfilled_by.is_some()
    }
}

/// A compiled alternative of a requirement.
#[derive(Debug)]
pub(super) struct Alternative {
    pub name: String,
    pub summary: Option<String>,
    pub bases: Vec<Basis>,
    pub obligations: Vec<Obligation>,
}

/// A compiled rule.
#[derive(Debug)]
pub(super) struct Rule {
    /// Index of its pack in [`Program::packs`].
    pub pack: usize,
    pub id: String,
    pub summary: String,
    pub cite: String,
    pub in_force: Period,
    /// The applicability conditions (a conjunction); those the rule index guarantees for
    /// every candidate it hands over come last.
    pub conds: Vec<Cond>,
    /// How many of `conds` evaluation checks (the rest hold for every candidate).
    pub checked: usize,
    pub cats: Option<CatSet>,
    pub prohibit: bool,
    /// Whether some basis reads evidence (consent, approval, certification, volume).
    pub uses_evidence: bool,
    pub alts: Vec<Alternative>,
    pub obligations: Vec<Obligation>,
    /// Whether an obligation of the rule or of an alternative is tracked (see
    /// [`Obligation::tracked`]).
    pub tracks_obligations: bool,
}

impl Rule {
    /// The conditions evaluation must check (those the index does not guarantee).
    pub(super) fn checked_conds(&self) -> &[Cond] {
        // INVARIANT: `checked <= conds.len()` (set by `compile` from a partition of `conds`);
        // the fallback checks every condition, which is never looser.
        self.conds.get(..self.checked).unwrap_or(&self.conds)
    }
}

/// The first tests a candidate rule must pass, kept apart from the rest of the rule.
#[derive(Debug, Clone, Copy)]
pub(super) struct RuleHead {
    pub in_force: Period,
    pub cats: Option<CatSet>,
}

/// What a declared purpose stands for: itself and every purpose its `means` reach (across
/// packs, transitively).
#[derive(Debug, Clone)]
pub(super) struct Meaning {
    /// The purpose's own dense id.
    pub id: u16,
    /// The dense ids of the purposes it stands for, its own included.
    pub mask: u128,
    /// Their names, its own first: what an evidence scope's purposes are compared with.
    pub names: Arc<[Purpose]>,
}

/// Dense ids for every name the enabled packs declare.
#[derive(Debug)]
pub(super) struct Vocabulary {
    pub category_ids: HashMap<Category, u16>,
    /// Per category id, the set of it and its ancestors.
    pub closure: Vec<CatSet>,
    pub tag_ids: HashMap<Tag, (u16, TagOn)>,
    /// Every declared purpose, with what it stands for.
    pub purposes: HashMap<Purpose, Meaning>,
    /// Declared divisions, in id order (their ids follow the countries').
    pub divisions: Vec<Jurisdiction>,
    pub division_ids: HashMap<Jurisdiction, u16>,
    /// The authorities the packs' approval bases name, each with the mechanisms some basis
    /// accepts from it (`None`: a basis accepts any): what an approval must name to ever count.
    pub authorities: BTreeMap<Authority, Option<BTreeSet<Mechanism>>>,
    /// The certification schemes the packs' bases name.
    pub schemes: BTreeSet<CertificationName>,
}

/// Everything an engine knows: packs, vocabulary, rules, counters and the rule index.
#[derive(Debug)]
pub(super) struct Program {
    pub fingerprint: u64,
    pub packs: Vec<PackMeta>,
    /// Every option the packs declare, by (pack, option), with its value.
    pub options: BTreeMap<(String, String), bool>,
    pub rules: Vec<Rule>,
    pub vocab: Vocabulary,
    pub counters: Vec<Counter>,
    pub counter_ids: HashMap<String, u16>,
    pub index: RuleIndex,
    /// Per rule, what rejects most candidates (its period, its categories), contiguous: a
    /// candidate that does not apply usually costs one cache line.
    pub heads: Vec<RuleHead>,
    /// Whether some rule's conditions read the volume ledger: evaluation then runs wholly inside
    /// one `Evidence::with_view`, so conditions and bases see the same state of the store.
    pub volume_conditions: bool,
    /// With `EngineBuilder::require_stated_facts`: every fact some rule or counter tests, and
    /// one that tests it (`rule `p/r``, `counter `c``), which a transfer must state.
    pub required_facts: Option<Vec<(Fact, String)>>,
}

impl Program {
    /// The dense reference of a jurisdiction, or an error for an undeclared division.
    pub(super) fn jref(&self, j: Jurisdiction) -> Result<JRef, TransferError> {
        // INVARIANT: a country index is below 249, so it fits in a u16.
        let country = u16::try_from(j.country_index()).unwrap_or(u16::MAX);
        if !j.is_subdivision() {
            return Ok(JRef {
                id: country,
                country,
            });
        }
        match self.vocab.division_ids.get(&j) {
            Some(&id) => Ok(JRef { id, country }),
            None => Err(TransferError::new(
                TransferErrorKind::UnknownSubdivision,
                format!(
                    "unknown division `{j}`: no enabled pack declares it; use `{}` instead",
                    j.country()
                ),
            )),
        }
    }

    /// The jurisdiction of a dense id.
    pub(super) fn jurisdiction(&self, id: u16) -> Option<Jurisdiction> {
        let i = usize::from(id);
        if i < COUNTRY_COUNT {
            Jurisdiction::from_country_index(i)
        } else {
            self.vocab.divisions.get(i - COUNTRY_COUNT).copied()
        }
    }

    /// Whether category `id` of an act is one `rule` is about (every category when the rule
    /// names none).
    pub(super) fn triggers(&self, rule: &Rule, id: u16) -> bool {
        match (&rule.cats, self.vocab.closure.get(usize::from(id))) {
            (None, _) => true,
            (Some(cats), Some(closure)) => cats.intersects(closure),
            // INVARIANT: every category id of a transfer indexes `closure` (both come from
            // `category_ids`); the fallback makes the category count, which is never looser.
            (Some(_), None) => true,
        }
    }
}
