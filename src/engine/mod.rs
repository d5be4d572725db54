//! The compiled engine: packs resolved to dense ids, sets to bitsets, rules indexed by what
//! triggers them; and evaluation.

mod decision;
pub(crate) mod evaluate;
pub(crate) mod sets;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use decision::{
    Decision, DecisionReport, Diagnostic, Effect, EvidenceKind, EvidenceRef, MissingItem,
    MissingSet, ObligationReport, PackRef, RuleReport, RuleResult, Verdict,
};

use crate::error::{BuildError, BuildErrorKind, ModelError};
use crate::evidence::{Evidence, key_hash};
use crate::model::COUNTRY_COUNT;
use crate::model::{
    Authority, Category, CertificationName, ConsentKind, Jurisdiction, Mechanism, Operation,
    Purpose, Role, Tag, Transfer,
};
use crate::policy::format::TagOn;
use crate::policy::format::{CountedIndividuals, WindowKind};
use crate::policy::validate::{
    Basis, Cond, Group, JurRef, Obligation, Period, Place, Places, RuleEffect, Volume, Who,
};
use crate::policy::{PolicyPack, fnv1a, taxonomy};
use sets::TimedSet;
use sets::{CatSet, JRef, JSet, MAX_CATEGORIES, MAX_JURISDICTIONS, MAX_PURPOSES, MAX_TAGS};

/// An immutable, compiled set of policy packs: build it once, share it across threads, and
/// evaluate transfers against it.
///
/// `Engine` is `Send + Sync` and cheap to clone (an `Arc` inside).
///
/// # Example
///
/// ```
/// use crossborder::{Engine, NoEvidence, Transfer, Operation, DataItem, Subject, Party};
/// use chrono::{TimeZone, Utc};
///
/// let engine = Engine::builder().enable("cn-pledge-2015").build()?;
/// let transfer = Transfer::builder()
///     .operation(Operation::Transfer)
///     .destination("US".parse()?)
///     .data(DataItem::of_subject(Subject::new("u-42".parse()?), ["personal.sensitive.health".parse()?], "CN".parse()?))
///     .exporter(Party::new("acme-cn".parse()?))
///     .at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
///     .build(&engine)?;
/// let decision = engine.evaluate(&transfer, &NoEvidence);
/// assert!(!decision.is_allowed());
/// println!("{decision}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Engine {
    pub(crate) program: Arc<Program>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let packs: Vec<String> = self
            .program
            .packs
            .iter()
            .map(|p| format!("{}@{}", p.id, p.version))
            .collect();
        f.debug_struct("Engine")
            .field("packs", &packs)
            .field("rules", &self.program.rules.len())
            .field(
                "fingerprint",
                &format_args!("{:016x}", self.program.fingerprint),
            )
            .finish()
    }
}

impl Engine {
    /// A builder: enable packs and set options, then [`EngineBuilder::build`].
    #[must_use]
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Decides whether `transfer` may go ahead, given what `evidence` holds.
    ///
    /// Semantics (DESIGN §5): every rule of every enabled pack that is in force at the
    /// transfer's instant and whose `applies_when` holds is applicable. A prohibition that
    /// applies denies, whatever the evidence. A requirement is satisfied by the first
    /// alternative whose bases all hold. The decision is [`Effect::Allow`] iff no prohibition
    /// applies and every applicable requirement is satisfied; with no applicable rule it is
    /// `Allow` and [`Decision::no_rule_applies`] is true. Missing evidence means "not
    /// satisfied", never an error; any internal inconsistency denies with a
    /// [`Diagnostic`]. A condition on a fact the transfer does not state (the residence of the
    /// subject of a bulk act, an absent recipient's role) holds, so unknowns make rules apply
    /// rather than silently skip them.
    ///
    /// Evaluation is pure and total: it never panics, reads no clock, does no I/O, and
    /// allocates nothing on the allow path.
    #[must_use]
    pub fn evaluate<'a, E: Evidence + ?Sized>(
        &'a self,
        transfer: &'a Transfer,
        evidence: &E,
    ) -> Decision<'a> {
        evaluate::evaluate(self, transfer, evidence)
    }

    /// The packs this engine was built from: id, version and digest.
    pub fn packs(&self) -> impl Iterator<Item = PackRef> + '_ {
        self.program.packs.iter().map(|p| PackRef {
            id: p.id.clone(),
            version: p.version.clone(),
            digest: format!("{:016x}", p.digest),
        })
    }

    /// A digest of the compiled packs and options: transfers built for one engine can be
    /// evaluated by any engine with the same fingerprint.
    #[must_use]
    pub fn fingerprint(&self) -> u64 {
        self.program.fingerprint
    }

    /// The number of rules compiled in (after options switched some off).
    #[must_use]
    pub fn rule_count(&self) -> usize {
        self.program.rules.len()
    }
}

/// Configures and builds an [`Engine`].
///
/// Voluntary packs (the 2015 pledge) are never on by default: every pack is enabled by id.
///
/// ```
/// use crossborder::Engine;
/// let engine = Engine::builder()
///     .enable("cn-pledge-2015")
///     .option("cn-pledge-2015", "sensitive_as_pipl_art28", false)
///     .build()?;
/// assert_eq!(engine.rule_count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct EngineBuilder {
    builtins: Vec<String>,
    packs: Vec<PolicyPack>,
    options: Vec<(String, String, bool)>,
}

impl EngineBuilder {
    /// Enables a built-in pack by id (see [`crate::BUILTIN_IDS`]).
    #[must_use]
    pub fn enable(mut self, id: &str) -> Self {
        self.builtins.push(id.to_owned());
        self
    }

    /// Adds a pack of the host's own.
    #[must_use]
    pub fn pack(mut self, pack: PolicyPack) -> Self {
        self.packs.push(pack);
        self
    }

    /// Sets an option a pack declares.
    #[must_use]
    pub fn option(mut self, pack: &str, option: &str, value: bool) -> Self {
        self.options
            .push((pack.to_owned(), option.to_owned(), value));
        self
    }

    /// Compiles the enabled packs into an engine.
    ///
    /// # Errors
    ///
    /// [`BuildErrorKind::NoPacks`] when nothing is enabled, [`BuildErrorKind::UnknownPack`]
    /// for an unknown built-in id, [`BuildErrorKind::DuplicatePack`] when a pack id appears
    /// twice, [`BuildErrorKind::UnknownOption`] for an option the pack does not declare,
    /// [`BuildErrorKind::Conflict`] when packs declare the same tag for different kinds of
    /// value, and [`BuildErrorKind::Limit`] when the packs need more categories (256), tags
    /// (128), purposes (64) or divisions (263) than the engine's fixed-size sets hold.
    pub fn build(&self) -> Result<Engine, BuildError> {
        let mut packs = Vec::new();
        for id in &self.builtins {
            let p = PolicyPack::builtin(id).ok_or_else(|| {
                BuildError::new(
                    BuildErrorKind::UnknownPack,
                    format!("unknown built-in pack `{id}`"),
                )
            })?;
            packs.push(p);
        }
        packs.extend(self.packs.iter().cloned());
        if packs.is_empty() {
            return Err(BuildError::new(
                BuildErrorKind::NoPacks,
                "no pack enabled: an engine without packs would allow every transfer",
            ));
        }
        for (i, p) in packs.iter().enumerate() {
            if packs.iter().take(i).any(|q| q.id() == p.id()) {
                return Err(BuildError::new(
                    BuildErrorKind::DuplicatePack,
                    format!("pack `{}` is enabled twice", p.id()),
                ));
            }
        }
        let mut options: BTreeMap<(String, String), bool> = BTreeMap::new();
        for p in &packs {
            for o in &p.ast().options {
                options.insert((p.id().to_owned(), o.name.clone()), o.default);
            }
        }
        for (pack, name, value) in &self.options {
            match options.get_mut(&(pack.clone(), name.clone())) {
                Some(slot) => *slot = *value,
                None if packs.iter().any(|p| p.id() == pack) => {
                    return Err(BuildError::new(
                        BuildErrorKind::UnknownOption,
                        format!("pack `{pack}` declares no option `{name}`"),
                    ));
                }
                None => {
                    return Err(BuildError::new(
                        BuildErrorKind::UnknownOption,
                        format!("option `{name}` is set for pack `{pack}`, which is not enabled"),
                    ));
                }
            }
        }
        compile(&packs, &options).map(|program| Engine {
            program: Arc::new(program),
        })
    }
}

#[derive(Debug)]
pub(crate) struct PackMeta {
    pub id: String,
    pub version: String,
    pub digest: u64,
}

#[derive(Debug)]
pub(crate) enum CCond {
    Ops(u8),
    Place {
        place: Place,
        set: TimedSet,
        negate: bool,
    },
    Places {
        places: Places,
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
        mask: u64,
        negate: bool,
    },
    CategoriesNot(CatSet),
    Volume(CVolume),
}

/// A compiled volume test: the count of `counter`, including the act, lies in
/// `[at_least, below)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CVolume {
    pub counter: u16,
    pub at_least: Option<u64>,
    pub below: Option<u64>,
}

impl CVolume {
    pub(crate) fn admits(&self, count: u64) -> bool {
        self.at_least.is_none_or(|a| count >= a) && self.below.is_none_or(|b| count < b)
    }
}

/// A compiled volume counter.
#[derive(Debug)]
pub(crate) struct CCounter {
    pub name: Arc<str>,
    pub window: WindowKind,
    pub offset: chrono::FixedOffset,
    pub individuals: CountedIndividuals,
    pub conds: Vec<CCond>,
    pub cats: Option<CatSet>,
}

impl CCounter {
    /// The first instant of the window that ends at `at` (the window is `[start, at]`).
    pub(crate) fn window_start(&self, at: DateTime<Utc>) -> DateTime<Utc> {
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

    pub(crate) fn describe_window(&self) -> String {
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

#[derive(Debug)]
pub(crate) enum CBasis {
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
    },
    DestinationIn {
        set: TimedSet,
        label: Vec<String>,
    },
    /// The certifications that count, and the `key_hash` of each name.
    RecipientCertified(Vec<CertificationName>, Vec<u64>),
    PurposeIn {
        mask: u64,
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
    Volume(CVolume),
}

#[derive(Debug)]
pub(crate) struct CAlt {
    pub name: String,
    pub summary: Option<String>,
    pub bases: Vec<CBasis>,
    pub obligations: Vec<Obligation>,
}

#[derive(Debug)]
pub(crate) struct CRule {
    pub pack: usize,
    pub id: String,
    pub summary: String,
    pub cite: String,
    pub in_force: Period,
    /// The applicability conditions (a conjunction); those the rule index guarantees for
    /// every candidate it hands over come last.
    pub conds: Vec<CCond>,
    /// How many of `conds` evaluation checks (the rest hold for every candidate).
    pub checked: usize,
    pub cats: Option<CatSet>,
    pub prohibit: bool,
    /// Whether some basis reads evidence (consent, approval, certification, volume).
    pub uses_evidence: bool,
    pub alts: Vec<CAlt>,
    pub obligations: Vec<Obligation>,
}

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
#[derive(Debug, Default)]
pub(crate) struct RuleIndex {
    places: [PlaceIndex; 5],
    /// Bit `i`: `places[i]` keys at least one rule (the others are skipped).
    used: u8,
    wild: [Vec<u32>; 4],
}

impl RuleIndex {
    /// Hands `f` each non-empty list of candidate rules for an act: ascending, a rule in at
    /// most one list. A rule in none cannot apply.
    pub(crate) fn for_each_list<'a>(
        &'a self,
        op: Operation,
        k: &crate::model::TransferKey,
        mut f: impl FnMut(&'a [u32]),
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
            if let Some(place) = self.places.get(i) {
                let list = place.get(op, country);
                if !list.is_empty() {
                    f(list);
                }
            }
        }
        if let Some(wild) = self.wild.get(op as usize)
            && !wild.is_empty()
        {
            f(wild);
        }
    }

    /// How many rules each list of `for_each_list` holds (for tests and benches).
    #[cfg(test)]
    pub(crate) fn keyed_counts(&self) -> [usize; 6] {
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

#[derive(Debug)]
pub(crate) struct Program {
    pub fingerprint: u64,
    pub packs: Vec<PackMeta>,
    pub rules: Vec<CRule>,
    pub category_ids: HashMap<Category, u16>,
    pub closure: Vec<CatSet>,
    pub tag_ids: HashMap<Tag, (u16, TagOn)>,
    pub purpose_ids: HashMap<Purpose, u16>,
    pub divisions: Vec<Jurisdiction>,
    pub division_ids: HashMap<Jurisdiction, u16>,
    pub counters: Vec<CCounter>,
    pub counter_ids: HashMap<String, u16>,
    pub index: RuleIndex,
    /// Per rule, what rejects most candidates (its period, its categories), contiguous: a
    /// candidate that does not apply usually costs one cache line.
    pub heads: Vec<RuleHead>,
    /// Whether some rule's conditions read the volume ledger: evaluation then runs wholly inside
    /// one `Evidence::with_view`, so conditions and bases see the same state of the store.
    pub volume_conditions: bool,
}

/// The first tests a candidate rule must pass, kept apart from the rest of the rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleHead {
    pub in_force: Period,
    pub cats: Option<CatSet>,
}

impl Program {
    /// The dense reference of a jurisdiction, or an error for an undeclared division.
    pub(crate) fn jref(&self, j: Jurisdiction) -> Result<JRef, ModelError> {
        let country = u16::try_from(j.country_index()).unwrap_or(u16::MAX);
        if !j.is_subdivision() {
            return Ok(JRef {
                id: country,
                country,
            });
        }
        match self.division_ids.get(&j) {
            Some(&id) => Ok(JRef { id, country }),
            None => Err(ModelError::new(
                crate::ModelErrorKind::UnknownSubdivision,
                format!(
                    "unknown division `{j}`: no enabled pack declares it; use `{}` instead",
                    j.country()
                ),
            )),
        }
    }

    pub(crate) fn jurisdiction(&self, id: u16) -> Option<Jurisdiction> {
        let i = usize::from(id);
        if i < COUNTRY_COUNT {
            Jurisdiction::from_country_index(i)
        } else {
            self.divisions.get(i - COUNTRY_COUNT).copied()
        }
    }
}

fn limit(what: &str, max: usize) -> BuildError {
    BuildError::new(
        BuildErrorKind::Limit,
        format!("the enabled packs declare more than {max} {what}, the most one engine holds"),
    )
}

fn compile(
    packs: &[PolicyPack],
    options: &BTreeMap<(String, String), bool>,
) -> Result<Program, BuildError> {
    // Categories: the base taxonomy, then each pack's extensions.
    let mut categories: Vec<Category> = Vec::new();
    let mut category_ids: HashMap<Category, u16> = HashMap::new();
    let mut add_category =
        |c: Category, categories: &mut Vec<Category>| -> Result<(), BuildError> {
            if category_ids.contains_key(&c) {
                return Ok(());
            }
            let id = u16::try_from(categories.len())
                .ok()
                .filter(|&i| usize::from(i) < MAX_CATEGORIES)
                .ok_or_else(|| limit("categories", MAX_CATEGORIES))?;
            category_ids.insert(c.clone(), id);
            categories.push(c);
            Ok(())
        };
    for (name, _) in taxonomy::BASE {
        if let Ok(c) = Category::new(name) {
            add_category(c, &mut categories)?;
        }
    }
    for p in packs {
        for c in &p.ast().taxonomy {
            add_category(c.clone(), &mut categories)?;
        }
    }
    let category_ids: HashMap<Category, u16> = categories
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((c.clone(), u16::try_from(i).ok()?)))
        .collect();
    let closure: Vec<CatSet> = categories
        .iter()
        .map(|c| {
            let mut set = CatSet::default();
            let mut cur = Some(c.clone());
            while let Some(x) = cur {
                if let Some(&id) = category_ids.get(&x) {
                    set.insert(id);
                }
                cur = x.parent();
            }
            set
        })
        .collect();

    // Divisions, tags, purposes.
    let mut divisions: Vec<Jurisdiction> = Vec::new();
    for p in packs {
        for d in &p.ast().subdivisions {
            if !divisions.contains(d) {
                divisions.push(*d);
            }
        }
    }
    if COUNTRY_COUNT + divisions.len() > MAX_JURISDICTIONS {
        return Err(limit("divisions", MAX_JURISDICTIONS - COUNTRY_COUNT));
    }
    let division_ids: HashMap<Jurisdiction, u16> = divisions
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Some((*d, u16::try_from(COUNTRY_COUNT + i).ok()?)))
        .collect();
    let mut tag_ids: HashMap<Tag, (u16, TagOn)> = HashMap::new();
    for p in packs {
        for (t, on) in &p.ast().tags {
            match tag_ids.get(t) {
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
                    let id = u16::try_from(tag_ids.len())
                        .ok()
                        .filter(|&i| usize::from(i) < MAX_TAGS)
                        .ok_or_else(|| limit("tags", MAX_TAGS))?;
                    tag_ids.insert(t.clone(), (id, *on));
                }
            }
        }
    }
    let mut purpose_ids: HashMap<Purpose, u16> = HashMap::new();
    for p in packs {
        for pu in &p.ast().purposes {
            if !purpose_ids.contains_key(pu) {
                let id = u16::try_from(purpose_ids.len())
                    .ok()
                    .filter(|&i| usize::from(i) < MAX_PURPOSES)
                    .ok_or_else(|| limit("purposes", MAX_PURPOSES))?;
                purpose_ids.insert(pu.clone(), id);
            }
        }
    }

    let mut program = Program {
        fingerprint: 0,
        packs: Vec::new(),
        rules: Vec::new(),
        category_ids,
        closure,
        tag_ids,
        purpose_ids,
        divisions,
        division_ids,
        counters: Vec::new(),
        counter_ids: HashMap::new(),
        index: RuleIndex::default(),
        heads: Vec::new(),
        volume_conditions: false,
    };

    // Counters: one per name across packs; packs that share a name must define it alike.
    let mut counter_defs: HashMap<String, (usize, String)> = HashMap::new();
    for (pi, p) in packs.iter().enumerate() {
        for c in &p.ast().counters {
            let signature = format!(
                "{:?}|{}|{:?}|{:?}|{:?}",
                c.window, c.offset, c.individuals, c.conds, c.categories
            );
            if let Some((prev, sig)) = counter_defs.get(&c.name) {
                if *sig != signature {
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
            counter_defs.insert(c.name.clone(), (pi, signature));
            let id = u16::try_from(program.counters.len())
                .map_err(|_| limit("counters", usize::from(u16::MAX)))?;
            let conds = compile_conds(&program, &p.ast().groups, &c.conds);
            let cats = c.categories.as_ref().map(|l| cat_set(&program, l));
            program.counter_ids.insert(c.name.clone(), id);
            program.counters.push(CCounter {
                name: Arc::from(c.name.as_str()),
                window: c.window,
                offset: c.offset,
                individuals: c.individuals,
                conds,
                cats,
            });
        }
    }

    let mut fp = Vec::new();
    for (pi, p) in packs.iter().enumerate() {
        let ast = p.ast();
        program.packs.push(PackMeta {
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
        for r in &ast.rules {
            if let Some((opt, want)) = &r.gate {
                let value = options
                    .get(&(ast.id.clone(), opt.clone()))
                    .copied()
                    .unwrap_or(false);
                if value != *want {
                    continue;
                }
            }
            let conds = compile_conds(&program, &ast.groups, &r.conds);
            let cats = r.categories.as_ref().map(|list| cat_set(&program, list));
            let (prohibit, alts) = match &r.effect {
                RuleEffect::Prohibit => (true, Vec::new()),
                RuleEffect::Require(alts) => (
                    false,
                    alts.iter()
                        .map(|a| CAlt {
                            name: a.name.clone(),
                            summary: a.summary.clone(),
                            bases: a
                                .bases
                                .iter()
                                .map(|b| compile_basis(&program, &ast.groups, b))
                                .collect(),
                            obligations: a.obligations.clone(),
                        })
                        .collect(),
                ),
            };
            program.rules.push(CRule {
                pack: pi,
                id: r.id.clone(),
                summary: r.summary.clone(),
                cite: r.cite.clone(),
                in_force: r.in_force.intersect(&ast.effective),
                checked: conds.len(),
                conds,
                cats,
                prohibit,
                uses_evidence: alts.iter().flat_map(|a| &a.bases).any(|b| {
                    matches!(
                        b,
                        CBasis::Consent { .. }
                            | CBasis::Approval { .. }
                            | CBasis::RecipientCertified(..)
                            | CBasis::Volume(_)
                    )
                }),
                alts,
                obligations: r.obligations.clone(),
            });
        }
    }
    program.fingerprint = fnv1a(&fp);
    let (index, keys) = build_index(&program);
    program.index = index;
    // What the index guarantees (operations, an exact key) goes last and is not checked
    // again: `conds[..checked]` is what a candidate must still meet.
    for (r, key) in program.rules.iter_mut().zip(keys) {
        let (guaranteed, residual): (Vec<_>, Vec<_>) = std::mem::take(&mut r.conds)
            .into_iter()
            .enumerate()
            .partition(|(i, c)| Some(*i) == key || matches!(c, CCond::Ops(_)));
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
        .any(|r| r.conds.iter().any(|c| matches!(c, CCond::Volume(_))));
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

fn cat_set(program: &Program, list: &[Category]) -> CatSet {
    let mut s = CatSet::default();
    for c in list {
        if let Some(&id) = program.category_ids.get(c) {
            s.insert(id);
        }
    }
    s
}

fn purpose_mask(program: &Program, names: &[Purpose]) -> u64 {
    names.iter().fold(0, |m, p| {
        m | program
            .purpose_ids
            .get(p)
            .map_or(0, |id| 1u64 << (u32::from(*id) % 64))
    })
}

fn compile_volume(program: &Program, v: &Volume) -> CVolume {
    CVolume {
        // Validation guarantees the counter exists; an unknown one maps past the end, where
        // evaluation fails closed with a diagnostic.
        counter: program
            .counter_ids
            .get(&v.counter)
            .copied()
            .unwrap_or(u16::MAX),
        at_least: v.at_least,
        below: v.below,
    }
}

fn compile_conds(program: &Program, groups: &[Group], conds: &[Cond]) -> Vec<CCond> {
    conds
        .iter()
        .map(|c| match c {
            Cond::Ops(ops) => CCond::Ops(ops.bits()),
            Cond::Place {
                place,
                list,
                negate,
            } => CCond::Place {
                place: *place,
                set: timed_set(program, groups, list),
                negate: *negate,
            },
            Cond::Places {
                places,
                list,
                negate,
            } => CCond::Places {
                places: *places,
                set: timed_set(program, groups, list),
                negate: *negate,
            },
            Cond::Roles { roles, negate } => CCond::Roles {
                mask: role_mask(roles),
                negate: *negate,
            },
            Cond::Tags { who, tags, negate } => CCond::Tags {
                who: *who,
                mask: tag_mask(program, tags),
                negate: *negate,
            },
            Cond::Minor(m) => CCond::Minor(*m),
            Cond::Bulk(b) => CCond::Bulk(*b),
            Cond::Purposes { purposes, negate } => CCond::Purposes {
                mask: purpose_mask(program, purposes),
                negate: *negate,
            },
            Cond::CategoriesNot(list) => CCond::CategoriesNot(cat_set(program, list)),
            Cond::Volume(v) => CCond::Volume(compile_volume(program, v)),
        })
        .collect()
}

fn role_mask(roles: &[Role]) -> u8 {
    roles.iter().fold(0, |m, r| m | r.bit())
}

fn tag_mask(program: &Program, tags: &[Tag]) -> u128 {
    tags.iter().fold(0, |m, t| {
        m | program
            .tag_ids
            .get(t)
            .map_or(0, |(id, _)| 1u128 << (u32::from(*id) % 128))
    })
}

fn compile_basis(
    program: &Program,
    groups: &[crate::policy::validate::Group],
    b: &Basis,
) -> CBasis {
    match b {
        Basis::Consent { min, informed } => CBasis::Consent {
            min: *min,
            informed: *informed,
        },
        Basis::Approval {
            authorities,
            mechanisms,
        } => CBasis::Approval {
            authorities: authorities.clone(),
            mechanisms: mechanisms.clone(),
            authority_hashes: authorities.iter().map(|a| key_hash(a.as_str())).collect(),
            mechanism_hashes: mechanisms
                .as_ref()
                .map(|m| m.iter().map(|m| key_hash(m.as_str())).collect()),
        },
        Basis::DestinationIn(list) => CBasis::DestinationIn {
            set: timed_set(program, groups, list),
            label: list
                .iter()
                .map(|r| match r {
                    JurRef::Code(j) => j.to_string(),
                    JurRef::Group(g) => groups.get(*g).map_or_else(String::new, |g| g.name.clone()),
                })
                .collect(),
        },
        Basis::RecipientCertified(names) => CBasis::RecipientCertified(
            names.clone(),
            names.iter().map(|n| key_hash(n.as_str())).collect(),
        ),
        Basis::PurposeIn(names) => CBasis::PurposeIn {
            mask: purpose_mask(program, names),
            names: names.clone(),
        },
        Basis::Volume(v) => CBasis::Volume(compile_volume(program, v)),
        Basis::RecipientRoles(roles) => CBasis::RecipientRoles {
            mask: role_mask(roles),
            roles: roles.clone(),
        },
        Basis::Tags { who, tags } => CBasis::Tags {
            who: *who,
            mask: tag_mask(program, tags),
            names: tags.clone(),
        },
    }
}

/// Compiles a list of codes and groups into a set that changes at the dated members' dates.
fn timed_set(program: &Program, groups: &[Group], list: &[JurRef]) -> TimedSet {
    let mut fixed = JSet::default();
    let mut dated: Vec<(u16, Period)> = Vec::new();
    let id_of = |j: Jurisdiction| program.jref(j).ok().map(|r| r.id);
    for r in list {
        match r {
            JurRef::Code(j) => {
                if let Some(id) = id_of(*j) {
                    fixed.insert(id);
                }
            }
            JurRef::Group(g) => {
                for (j, period) in groups.get(*g).map_or(&[][..], |g| g.members.as_slice()) {
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

/// The rule index, and per rule the position of the condition its key makes hold for every
/// candidate the index hands over (if any).
fn build_index(program: &Program) -> (RuleIndex, Vec<Option<usize>>) {
    let mut keyed: Vec<Vec<Vec<u32>>> = (0..KEY_PLACES.len())
        .map(|_| vec![Vec::new(); 4 * COUNTRY_COUNT])
        .collect();
    let mut index = RuleIndex::default();
    let mut guaranteed = Vec::with_capacity(program.rules.len());
    for (ri, r) in program.rules.iter().enumerate() {
        let Ok(ri) = u32::try_from(ri) else { continue };
        // Every operation condition holds for the lists the rule is put in.
        let ops = r.conds.iter().fold(0b1111, |all, c| match c {
            CCond::Ops(m) => all & m,
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
                CCond::Place {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_sync_clone_static() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Engine>();
        check::<Transfer>();
        check::<PolicyPack>();
    }

    #[test]
    fn builder_errors() {
        assert_eq!(
            Engine::builder().build().unwrap_err().kind(),
            BuildErrorKind::NoPacks
        );
        let e = Engine::builder()
            .enable("cn-pledge-2015")
            .enable("cn-pledge-2015")
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), BuildErrorKind::DuplicatePack);
        assert_eq!(e.to_string(), "pack `cn-pledge-2015` is enabled twice");
        let e = Engine::builder()
            .enable("cn-pledge-2015")
            .option("cn-pledge-2015", "nope", true)
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), BuildErrorKind::UnknownOption);
        assert_eq!(
            e.to_string(),
            "pack `cn-pledge-2015` declares no option `nope`"
        );
        let e = Engine::builder()
            .enable("cn-pledge-2015")
            .option("other", "x", true)
            .build()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "option `x` is set for pack `other`, which is not enabled"
        );
    }

    #[test]
    fn options_switch_rules_and_change_the_fingerprint() {
        let a = Engine::builder().enable("cn-pledge-2015").build().unwrap();
        let b = Engine::builder()
            .enable("cn-pledge-2015")
            .option("cn-pledge-2015", "sensitive_as_pipl_art28", false)
            .build()
            .unwrap();
        assert_eq!(a.rule_count(), 2);
        assert_eq!(b.rule_count(), 1);
        assert_ne!(a.fingerprint(), b.fingerprint());
        let a2 = Engine::builder().enable("cn-pledge-2015").build().unwrap();
        assert_eq!(a.fingerprint(), a2.fingerprint());
    }

    /// A store that never runs the evaluation it is handed.
    struct Refusing;

    impl Evidence for Refusing {
        fn consents(
            &self,
            _: &crate::SubjectId,
            _: &mut dyn FnMut(&crate::Consent) -> std::ops::ControlFlow<()>,
        ) {
        }
        fn approvals(
            &self,
            _: &crate::PartyId,
            _: &mut dyn FnMut(&crate::Approval) -> std::ops::ControlFlow<()>,
        ) {
        }
        fn with_view(&self, _: &mut dyn FnMut(&dyn Evidence)) {}
    }

    #[test]
    fn a_store_that_does_not_run_the_evaluation_denies() {
        let e = Engine::builder().enable("cn-pledge-2015").build().unwrap();
        let t = |dest: &str| {
            Transfer::builder()
                .operation(Operation::Store)
                .destination(dest.parse().unwrap())
                .data(crate::DataItem::of_subject(
                    crate::Subject::new("u".parse().unwrap()),
                    ["personal.sensitive.health".parse().unwrap()],
                    "CN".parse().unwrap(),
                ))
                .exporter(crate::Party::new("acme".parse().unwrap()))
                .at(chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap())
                .build(&e)
                .unwrap()
        };
        // A rule asks for evidence: the store must run the evaluation, or it is denied.
        let abroad = t("US");
        let plain = e.evaluate(&abroad, &crate::NoEvidence);
        assert!(!plain.is_allowed() && plain.diagnostics().is_empty());
        let refused = e.evaluate(&abroad, &Refusing);
        assert!(!refused.is_allowed());
        assert_eq!(refused.diagnostics().len(), 1);
        assert!(
            refused.diagnostics()[0]
                .message()
                .contains("did not run the evaluation")
        );
        // No applicable rule reads evidence: the store is not asked.
        let home = t("CN");
        assert!(e.evaluate(&home, &Refusing).is_allowed());
    }

    #[test]
    fn index_keys_every_rule_once_per_operation() {
        let mut b = Engine::builder();
        for id in crate::BUILTIN_IDS {
            b = b.enable(id);
        }
        let e = b.build().unwrap();
        let p = &e.program;
        // Every rule is in exactly one list (a place's or the unkeyed one) per operation it
        // can apply to.
        let pairs: usize = p
            .rules
            .iter()
            .map(|r| {
                r.conds
                    .iter()
                    .find_map(|c| match c {
                        CCond::Ops(m) => Some(m.count_ones() as usize),
                        _ => None,
                    })
                    .unwrap_or(4)
            })
            .sum();
        let counts = p.index.keyed_counts();
        assert_eq!(counts.iter().sum::<usize>(), pairs);
        // The built-in packs key rules on the collection place, the origin and the subject's
        // location, and leave some unkeyed.
        assert!(
            counts[0] > 0 && counts[1] > 0 && counts[4] > 0 && counts[5] > 0,
            "{counts:?}"
        );
    }

    /// A bulk act on contact data collected in `collected`, to the US, by `acme`.
    fn contact_data_to_us(
        e: &Engine,
        collected: &str,
        op: Operation,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Transfer {
        Transfer::builder()
            .operation(op)
            .destination("US".parse().unwrap())
            .data(crate::DataItem::bulk(
                ["personal.contact".parse().unwrap()],
                collected.parse().unwrap(),
                0,
                1,
            ))
            .exporter(crate::Party::new("acme".parse().unwrap()))
            .at(at)
            .build(e)
            .unwrap()
    }

    #[test]
    fn the_index_skips_only_the_conditions_it_guarantees() {
        // Three rules keyed on the collection place: by countries only (the key condition is
        // exact and not checked again), by a division (not exact: another division of the
        // country must not make it apply), by a group with a dated member (not exact).
        let pack = r#"
format = 1
id = "t"
title = "t"
kind = "law"
issuer = "CN"
version = "1"
summary = "t"
subdivisions = ["CN-GD", "CN-SH"]
[[sources]]
title = "t"
checked = "2026-01-01"
[groups.LATER]
summary = "JP from 2026"
members = ["KR"]
dated = [{ code = "JP", from = "2026-01-01" }]
[[rules]]
id = "countries"
summary = "s"
cite = "c"
prohibit = true
applies_when = { collected_in = ["FR", "DE"], operations = ["transfer"] }
[[rules]]
id = "division"
summary = "s"
cite = "c"
prohibit = true
applies_when = { collected_in = ["CN-GD"] }
[[rules]]
id = "dated"
summary = "s"
cite = "c"
prohibit = true
applies_when = { collected_in = ["LATER"] }
"#;
        let e = Engine::builder()
            .pack(crate::PolicyPack::from_toml_str(pack).unwrap())
            .build()
            .unwrap();
        let checked: Vec<(usize, usize)> = e
            .program
            .rules
            .iter()
            .map(|r| (r.checked, r.conds.len()))
            .collect();
        assert_eq!(checked, [(0, 2), (1, 1), (1, 1)]);
        let applies = |collected: &str, year: i32, op: Operation| -> Vec<String> {
            let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, year, 6, 1, 0, 0, 0).unwrap();
            let t = contact_data_to_us(&e, collected, op, at);
            e.evaluate(&t, &crate::NoEvidence)
                .rules()
                .map(|r| r.rule_id().to_owned())
                .collect()
        };
        assert_eq!(applies("FR", 2026, Operation::Transfer), ["countries"]);
        assert!(applies("FR", 2026, Operation::Store).is_empty());
        assert!(applies("GB", 2026, Operation::Transfer).is_empty());
        assert_eq!(applies("CN-GD", 2026, Operation::Transfer), ["division"]);
        assert!(applies("CN-SH", 2026, Operation::Transfer).is_empty());
        assert!(applies("CN", 2026, Operation::Transfer).is_empty());
        assert_eq!(applies("JP", 2026, Operation::Transfer), ["dated"]);
        assert!(applies("JP", 2025, Operation::Transfer).is_empty());
        assert_eq!(applies("KR", 2025, Operation::Transfer), ["dated"]);
    }

    #[test]
    fn index_keys_rules_by_collection_country() {
        let e = Engine::builder().enable("cn-pledge-2015").build().unwrap();
        let t = |collected: &str| {
            let at = chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap();
            contact_data_to_us(&e, collected, Operation::Store, at)
        };
        let count = |t: &Transfer| -> usize {
            let mut n = 0;
            e.program
                .index
                .for_each_list(Operation::Store, &t.key, |l| n += l.len());
            n
        };
        assert_eq!(count(&t("CN")), 2);
        assert_eq!(count(&t("US")), 0);
    }
}
