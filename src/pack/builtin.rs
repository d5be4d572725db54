//! The built-in packs, embedded at compile time from `packs/`.

use super::{PackLoader, PolicyPack};
use crate::error::PackError;

/// The ids of every built-in pack, for [`PolicyPack::builtin`] and
/// [`EngineBuilder::enable`](crate::EngineBuilder::enable).
pub const BUILTIN_IDS: &[&str] = &[
    "cn-pledge-2015",
    "cn-pipl",
    "eu-gdpr",
    "uk-gdpr",
    "ch-fadp",
    "ru-152fz",
    "au-mhr",
    "in-rbi-payments",
    "in-dpdp",
    "kr-pipa",
    "us-doj-bulk",
    "au-app8",
    "tr-kvkk",
    "vn-pdp",
    "ca-bc-foippa",
    "ca-ns-piidpa",
    "jp-appi",
    "br-lgpd",
    "id-pdp",
    "sa-pdpl",
    "ca-pipeda",
    "au-nsw-state-records",
    "kr-medical-emr",
];

const TEXTS: &[(&str, &str)] = &[
    (
        "cn-pledge-2015",
        include_str!("../../packs/cn-pledge-2015.toml"),
    ),
    ("cn-pipl", include_str!("../../packs/cn-pipl.toml")),
    ("eu-gdpr", include_str!("../../packs/eu-gdpr.toml")),
    ("uk-gdpr", include_str!("../../packs/uk-gdpr.toml")),
    ("ch-fadp", include_str!("../../packs/ch-fadp.toml")),
    ("ru-152fz", include_str!("../../packs/ru-152fz.toml")),
    ("au-mhr", include_str!("../../packs/au-mhr.toml")),
    (
        "in-rbi-payments",
        include_str!("../../packs/in-rbi-payments.toml"),
    ),
    ("in-dpdp", include_str!("../../packs/in-dpdp.toml")),
    ("kr-pipa", include_str!("../../packs/kr-pipa.toml")),
    ("us-doj-bulk", include_str!("../../packs/us-doj-bulk.toml")),
    ("au-app8", include_str!("../../packs/au-app8.toml")),
    ("tr-kvkk", include_str!("../../packs/tr-kvkk.toml")),
    ("vn-pdp", include_str!("../../packs/vn-pdp.toml")),
    (
        "ca-bc-foippa",
        include_str!("../../packs/ca-bc-foippa.toml"),
    ),
    (
        "ca-ns-piidpa",
        include_str!("../../packs/ca-ns-piidpa.toml"),
    ),
    ("jp-appi", include_str!("../../packs/jp-appi.toml")),
    ("br-lgpd", include_str!("../../packs/br-lgpd.toml")),
    ("id-pdp", include_str!("../../packs/id-pdp.toml")),
    ("sa-pdpl", include_str!("../../packs/sa-pdpl.toml")),
    ("ca-pipeda", include_str!("../../packs/ca-pipeda.toml")),
    (
        "au-nsw-state-records",
        include_str!("../../packs/au-nsw-state-records.toml"),
    ),
    (
        "kr-medical-emr",
        include_str!("../../packs/kr-medical-emr.toml"),
    ),
];

/// The built-in pack `id`: `None` when there is none, `Some(Err(_))` if its embedded text did
/// not validate (a build of this library that no test passed).
pub(crate) fn load(id: &str) -> Option<Result<PolicyPack, PackError>> {
    let (_, text) = TEXTS.iter().find(|(i, _)| *i == id)?;
    Some(
        PackLoader::new()
            .file_name(format!("packs/{id}.toml"))
            .load_toml(text),
    )
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
