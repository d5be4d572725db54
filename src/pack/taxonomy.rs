//! The built-in category taxonomy every engine starts from. Packs may extend it.
//!
//! `personal.sensitive.*` holds the union of what the regimes call sensitive (PIPL art. 28,
//! GDPR art. 9 and 10, ...); each pack names the subset its regime means with a category group,
//! so one data classification serves every regime.

/// `(name, summary)` for every built-in category; parents come before their children.
pub(crate) const BASE: &[(&str, &str)] = &[
    (
        "personal",
        "Information about an identified or identifiable natural person",
    ),
    (
        "personal.contact",
        "Names, addresses, telephone numbers, e-mail addresses",
    ),
    (
        "personal.identifier",
        "Account names, device identifiers, online identifiers",
    ),
    (
        "personal.usage",
        "Behavioural and usage data, logs, preferences",
    ),
    (
        "personal.employment",
        "Employment and human-resources records",
    ),
    (
        "personal.financial",
        "Financial information that is not an account credential",
    ),
    (
        "personal.minor",
        "Any personal information of a minor (PIPL art. 28: under 14)",
    ),
    (
        "personal.sensitive",
        "Personal information some regime treats as sensitive",
    ),
    (
        "personal.sensitive.health",
        "Medical and health information",
    ),
    ("personal.sensitive.genetic", "Genetic data"),
    (
        "personal.sensitive.biometric",
        "Biometric data (face, fingerprint, voiceprint)",
    ),
    (
        "personal.sensitive.religion",
        "Religious or philosophical beliefs",
    ),
    ("personal.sensitive.political", "Political opinions"),
    (
        "personal.sensitive.racial_ethnic",
        "Racial or ethnic origin",
    ),
    ("personal.sensitive.trade_union", "Trade-union membership"),
    (
        "personal.sensitive.sex_life",
        "Sex life or sexual orientation",
    ),
    (
        "personal.sensitive.criminal",
        "Criminal convictions and offences",
    ),
    (
        "personal.sensitive.specific_identity",
        "Specific identity (PIPL art. 28), such as national ID numbers",
    ),
    (
        "personal.sensitive.financial_account",
        "Financial accounts (PIPL art. 28)",
    ),
    (
        "personal.sensitive.whereabouts",
        "Whereabouts and movement tracks (PIPL art. 28)",
    ),
    (
        "payment",
        "Payment-system data (RBI 2018 storage directive)",
    ),
    (
        "payment.transaction",
        "End-to-end payment transaction details",
    ),
    (
        "health_record",
        "Health records held in a national health-record system",
    ),
    (
        "health_record.mhr",
        "Australian My Health Record information (My Health Records Act 2012)",
    ),
    (
        "important",
        "Important data notified or announced by a Chinese authority (DSL art. 21)",
    ),
    ("core", "Core data under DSL art. 21"),
    (
        "nonpersonal",
        "Data that holds no personal information and no important data",
    ),
];

#[cfg(test)]
mod tests {
    use super::BASE;
    use crate::model::Category;

    #[test]
    fn base_taxonomy_is_well_formed() {
        for (i, (name, summary)) in BASE.iter().enumerate() {
            let c: Category = name.parse().unwrap();
            assert!(!summary.is_empty());
            if let Some(p) = c.parent() {
                assert!(
                    BASE[..i].iter().any(|(n, _)| *n == p.as_str()),
                    "parent of {name} must come first"
                );
            }
            assert!(
                !BASE[..i].iter().any(|(n, _)| n == name),
                "duplicate {name}"
            );
        }
    }
}
