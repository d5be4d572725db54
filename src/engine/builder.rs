//! [`EngineBuilder`]: which packs, which option values; then compile.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Engine;
use super::compile::compile;
use crate::error::{BuildError, BuildErrorKind};
use crate::model::did_you_mean;
use crate::pack::{BUILTIN_IDS, PolicyPack, builtin};

/// `a`, `b` and `c`, each in backticks.
fn quoted<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
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
    require_facts: bool,
}

impl EngineBuilder {
    /// Enables a built-in pack by id (see [`crate::pack::BUILTIN_IDS`]).
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

    /// Refuses, when a transfer is built, any transfer that leaves unstated a fact some rule or
    /// counter of the engine tests (the subject's residence or location at collection, a
    /// recipient's role, the purpose...), instead of assuming the rule applies (the default,
    /// which the decision then shows as an assumed fact). For hosts that always know these
    /// facts: a missing one is then a mistake in the request. Bulk acts do not state their
    /// subjects' places, so under this setting they are refused wherever a rule tests them.
    ///
    /// ```
    /// use crossborder::{DataItem, Engine, Operation, Party, Subject, Transfer, TransferErrorKind};
    /// use chrono::{TimeZone, Utc};
    ///
    /// let engine = Engine::builder().enable("eu-gdpr").require_stated_facts(true).build()?;
    /// let err = Transfer::builder()
    ///     .operation(Operation::Transfer)
    ///     .destination("US".parse()?)
    ///     .data(DataItem::of_subject(Subject::new("u-1".parse()?), ["personal.contact".parse()?], "FR".parse()?))
    ///     .exporter(Party::new("shop".parse()?).established_in("FR".parse()?))
    ///     .at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
    ///     .build(&engine)
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), TransferErrorKind::UnstatedFact);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn require_stated_facts(mut self, require: bool) -> Self {
        self.require_facts = require;
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
    /// value, [`BuildErrorKind::UnknownReference`] when a purpose `means` one no enabled pack
    /// declares, and [`BuildErrorKind::Limit`] when the packs need more categories (256), tags
    /// (128), purposes (128) or divisions (263) than the engine's fixed-size sets hold.
    pub fn build(&self) -> Result<Engine, BuildError> {
        let packs = self.packs()?;
        let options = self.options(&packs)?;
        compile(&packs, &options, self.require_facts).map(|program| Engine {
            program: Arc::new(program),
        })
    }

    /// The built-in packs enabled, then the host's own, each id once.
    fn packs(&self) -> Result<Vec<PolicyPack>, BuildError> {
        let mut packs = Vec::with_capacity(self.builtins.len() + self.packs.len());
        for id in &self.builtins {
            match builtin::load(id) {
                Some(Ok(p)) => packs.push(p),
                Some(Err(e)) => {
                    return Err(BuildError::new(
                        BuildErrorKind::Conflict,
                        format!("built-in pack `{id}` does not validate: {e}"),
                    ));
                }
                None => {
                    let hint = match did_you_mean(id, BUILTIN_IDS.iter().copied()) {
                        h if h.is_empty() => format!(
                            "; the built-in packs are {}",
                            quoted(BUILTIN_IDS.iter().copied())
                        ),
                        h => h,
                    };
                    return Err(BuildError::new(
                        BuildErrorKind::UnknownPack,
                        format!("unknown built-in pack `{id}`{hint}"),
                    ));
                }
            }
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
        Ok(packs)
    }

    /// Every option each pack declares, with the value set here or its default.
    fn options(
        &self,
        packs: &[PolicyPack],
    ) -> Result<BTreeMap<(String, String), bool>, BuildError> {
        let mut options: BTreeMap<(String, String), bool> = BTreeMap::new();
        for p in packs {
            for o in &p.ast().options {
                options.insert((p.id().to_owned(), o.name.clone()), o.default);
            }
        }
        for (pack, name, value) in &self.options {
            match options.get_mut(&(pack.clone(), name.clone())) {
                Some(slot) => *slot = *value,
                None if packs.iter().any(|p| p.id() == pack) => {
                    let declared: Vec<&str> = options
                        .keys()
                        .filter(|(p, _)| p == pack)
                        .map(|(_, o)| o.as_str())
                        .collect();
                    let hint = match did_you_mean(name, declared.iter().copied()) {
                        h if !h.is_empty() => h,
                        _ if declared.is_empty() => "; it declares none".to_owned(),
                        _ => format!("; it declares {}", quoted(declared.iter().copied())),
                    };
                    return Err(BuildError::new(
                        BuildErrorKind::UnknownOption,
                        format!("pack `{pack}` declares no option `{name}`{hint}"),
                    ));
                }
                None => {
                    return Err(BuildError::new(
                        BuildErrorKind::UnknownOption,
                        format!(
                            "option `{name}` is set for pack `{pack}`, which is not enabled{}",
                            did_you_mean(pack, packs.iter().map(PolicyPack::id))
                        ),
                    ));
                }
            }
        }
        Ok(options)
    }
}
