//! [`EngineBuilder`]: which packs, which option values; then compile.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Engine;
use super::compile::compile;
use crate::error::{BuildError, BuildErrorKind};
use crate::pack::{PolicyPack, builtin};

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
        let packs = self.packs()?;
        let options = self.options(&packs)?;
        compile(&packs, &options).map(|program| Engine {
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
                    return Err(BuildError::new(
                        BuildErrorKind::UnknownPack,
                        format!("unknown built-in pack `{id}`"),
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
        Ok(options)
    }
}
