//! The built-in packs, embedded at compile time from `packs/`.

use super::{PackLoader, PolicyPack};

/// The ids of every built-in pack, for [`PolicyPack::builtin`] and
/// [`EngineBuilder::enable`](crate::EngineBuilder::enable).
pub const BUILTIN_IDS: &[&str] = &["cn-pledge-2015"];

const TEXTS: &[(&str, &str)] = &[(
    "cn-pledge-2015",
    include_str!("../../packs/cn-pledge-2015.toml"),
)];

pub(crate) fn load(id: &str) -> Option<PolicyPack> {
    let (_, text) = TEXTS.iter().find(|(i, _)| *i == id)?;
    PackLoader::new()
        .file_name(format!("packs/{id}.toml"))
        .load_toml(text)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads_and_matches_its_id() {
        assert_eq!(BUILTIN_IDS.len(), TEXTS.len());
        for (id, text) in TEXTS {
            let pack = PackLoader::new()
                .load_toml(text)
                .unwrap_or_else(|e| panic!("{id}:\n{e}"));
            assert_eq!(pack.id(), *id);
            assert!(BUILTIN_IDS.contains(id));
            assert!(pack.sources().count() > 0, "{id} lists no sources");
        }
        assert!(load("nope").is_none());
    }
}
