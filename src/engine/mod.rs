//! The engine: packs compiled once into an immutable program, shared across threads, against
//! which transfers are prepared and evaluated.
//!
//! - [`builder`]: which packs and option values;
//! - [`compile`]: packs → [`program`] (vocabulary, rules, counters) and the rule [`index`];
//! - [`prepare`]: a request → [`Transfer`] (names resolved to dense ids); [`catalog`]: the
//!   same from handles resolved once, refilling a transfer in place;
//! - [`evaluate`]: the hot path → [`Decision`]; [`ledger`]: volume counts and entries;
//! - [`decision`], [`explain`], [`report`]: what a decision says, in text and JSON.
//!
//! The top layer: it reads the model, the packs' AST and the evidence trait; nothing below
//! reads the compiled program (its fields are private to this folder).

mod batch;
mod builder;
mod catalog;
mod compile;
pub(crate) mod decision;
mod evaluate;
mod explain;
mod index;
mod ledger;
mod near;
mod prepare;
mod program;
mod replay;
pub(crate) mod report;
mod sets;

use std::fmt;
use std::sync::Arc;

pub use builder::EngineBuilder;
pub use catalog::{
    Act, Catalog, CategoriesHandle, PartyHandle, PlaceHandle, PurposesHandle, SubjectHandle,
    TagsHandle,
};
pub use prepare::Transfer;

use crate::evidence::Evidence;
use decision::Decision;
use program::Program;
use report::PackRef;

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
    program: Arc<Program>,
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
    /// Semantics: every rule of every enabled pack that is in force at the
    /// transfer's instant and whose `applies_when` holds is applicable. A prohibition that
    /// applies denies, whatever the evidence. A requirement is satisfied by the first
    /// alternative whose bases all hold. The decision is [`Effect::Allow`](crate::Effect::Allow) iff no prohibition
    /// applies and every applicable requirement is satisfied; with no applicable rule it is
    /// `Allow` and [`Decision::no_rule_applies`] is true. Missing evidence means "not
    /// satisfied", never an error; any internal inconsistency denies with a
    /// [`Diagnostic`](crate::decision::Diagnostic). A condition on a fact the transfer does not state (the residence of the
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

    /// The packs this engine was built from: id, version and SHA-256.
    pub fn packs(&self) -> impl Iterator<Item = PackRef> + '_ {
        self.program.packs.iter().map(|p| PackRef {
            id: p.id.clone(),
            version: p.version.clone(),
            sha256: p.sha256.clone(),
        })
    }

    /// The value of every option the enabled packs declare: `(pack, option, value)`, sorted.
    ///
    /// ```
    /// let engine = crossborder::Engine::builder()
    ///     .enable("cn-pledge-2015")
    ///     .option("cn-pledge-2015", "sensitive_as_pipl_art28", false)
    ///     .build()?;
    /// let options: Vec<_> = engine.options().collect();
    /// assert_eq!(options, [("cn-pledge-2015", "sensitive_as_pipl_art28", false)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn options(&self) -> impl Iterator<Item = (&str, &str, bool)> + '_ {
        self.program
            .options
            .iter()
            .map(|((pack, option), value)| (pack.as_str(), option.as_str(), *value))
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

#[cfg(test)]
mod tests {
    use super::program::Cond;
    use super::*;
    use crate::error::BuildErrorKind;
    use crate::evidence::Evidence;
    use crate::model::Operation;
    use crate::pack::PolicyPack;

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
            "pack `cn-pledge-2015` declares no option `nope`; it declares `sensitive_as_pipl_art28`"
        );
        let e = Engine::builder()
            .enable("cn-pledge-2015")
            .option("cn-pledge-2015", "sensitive_as_pipl_art_28", true)
            .build()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "pack `cn-pledge-2015` declares no option `sensitive_as_pipl_art_28`; did you mean `sensitive_as_pipl_art28`?"
        );
        let e = Engine::builder().enable("eu_gdpr").build().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown built-in pack `eu_gdpr`; did you mean `eu-gdpr`?"
        );
        let e = Engine::builder()
            .enable("jp-appi-2040")
            .build()
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("unknown built-in pack `jp-appi-2040`; the built-in packs are `cn-pledge-2015`, `cn-pipl`"),
            "{e}"
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
        for id in crate::pack::BUILTIN_IDS {
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
                        Cond::Ops(m) => Some(m.count_ones() as usize),
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
                .for_each_list(Operation::Store, &t.key, |l, _| n += l.len());
            n
        };
        assert_eq!(count(&t("CN")), 2);
        assert_eq!(count(&t("US")), 0);
    }
}
