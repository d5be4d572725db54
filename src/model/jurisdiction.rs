//! Jurisdictions: ISO 3166-1 alpha-2 countries and territories, optional sub-national codes,
//! and a fixed-size set of countries.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ModelError, ModelErrorKind};

/// Every officially assigned ISO 3166-1 alpha-2 code, in alphabetical order.
///
/// Mainland China (`CN`), Hong Kong (`HK`), Macao (`MO`) and Taiwan (`TW`) are distinct entries,
/// as every regime this library encodes treats them.
pub(super) const ASSIGNED: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Codes people write for a place that ISO 3166-1 spells otherwise, and what to write instead.
const NOT_ISO: &[(&str, &str)] = &[
    ("UK", "GB"),
    ("EL", "GR"),
    ("USA", "US"),
    ("CHN", "CN"),
    ("GBR", "GB"),
    ("DEU", "DE"),
    ("FRA", "FR"),
    ("RUS", "RU"),
    ("IND", "IN"),
    ("JPN", "JP"),
    ("KOR", "KR"),
    ("HKG", "HK"),
    ("AUS", "AU"),
    ("CAN", "CA"),
    ("BRA", "BR"),
];

/// Groups of countries that people write as if they were codes.
const GROUP_NAMES: &[&str] = &["EU", "EEA", "EFTA", "ASEAN", "APAC", "EMEA", "GCC"];

/// What was probably meant by a code that is not assigned: the same code in upper case, the
/// ISO spelling of a common non-ISO code (`UK` → `GB`), or, for a group written as a code
/// (`EU`), where groups come from.
pub(crate) fn hint(code: &str) -> String {
    let upper = code.to_ascii_uppercase();
    let (country, rest) = match upper.split_once('-') {
        Some((c, r)) => (c.to_owned(), Some(r.to_owned())),
        None => (upper.clone(), None),
    };
    if upper != code && Jurisdiction::new(&upper).is_ok() {
        return format!("; did you mean `{upper}`?");
    }
    if let Some((_, iso)) = NOT_ISO.iter().find(|(w, _)| *w == country) {
        let with = rest.map_or_else(|| (*iso).to_owned(), |r| format!("{iso}-{r}"));
        return format!("; did you mean `{with}`?");
    }
    if GROUP_NAMES.contains(&upper.as_str()) {
        return format!(
            "; `{upper}` is a group, not a country: name a pack's group, such as `eu-gdpr:EU` or `eu-gdpr:EEA`"
        );
    }
    String::new()
}

/// The number of assigned ISO 3166-1 alpha-2 codes this library knows.
pub(crate) const COUNTRY_COUNT: usize = ASSIGNED.len();

/// A jurisdiction: an ISO 3166-1 alpha-2 country or territory (`CN`, `HK`, `US`, `DE`), optionally
/// narrowed to a sub-national division (`AU-NSW`, `CA-NS`).
///
/// The country part is validated against the list of assigned codes; the division part is
/// checked for shape here (one to three ASCII capital letters or digits) and must be declared by
/// an enabled pack before a [`Transfer`](crate::Transfer) may use it. A division lies within its
/// country: a rule about `AU` governs `AU-NSW`.
///
/// `Jurisdiction` is `Copy` and four bytes wide.
///
/// # Example
///
/// ```
/// use crossborder::Jurisdiction;
///
/// let hk: Jurisdiction = "HK".parse()?;
/// let nsw: Jurisdiction = "AU-NSW".parse()?;
/// assert_eq!(nsw.country().to_string(), "AU");
/// assert!(nsw.is_subdivision());
/// assert_eq!(hk.to_string(), "HK");
/// assert!("XX".parse::<Jurisdiction>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Jurisdiction {
    country: u8,
    sub: [u8; 3],
}

impl Jurisdiction {
    /// Parses a code such as `CN` or `AU-NSW`.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::UnknownJurisdiction`] when the country part is not an assigned
    /// ISO 3166-1 alpha-2 code or the division part is malformed.
    pub fn new(code: &str) -> Result<Self, ModelError> {
        let bad = || {
            ModelError::new(
                ModelErrorKind::UnknownJurisdiction,
                format!(
                    "unknown jurisdiction `{code}`: expected an assigned ISO 3166-1 alpha-2 code such as `CN`, optionally with a division such as `AU-NSW`{}",
                    hint(code)
                ),
            )
        };
        let (country, sub) = match code.split_once('-') {
            Some((c, s)) => (c, Some(s)),
            None => (code, None),
        };
        let index = ASSIGNED.binary_search(&country).map_err(|_| bad())?;
        let mut packed = [0u8; 3];
        if let Some(s) = sub {
            if s.is_empty()
                || s.len() > 3
                || !s
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                return Err(bad());
            }
            for (slot, b) in packed.iter_mut().zip(s.bytes()) {
                *slot = b;
            }
        }
        let country = u8::try_from(index).map_err(|_| bad())?;
        Ok(Jurisdiction {
            country,
            sub: packed,
        })
    }

    /// The country this jurisdiction lies in (itself when it is not a division).
    #[must_use]
    pub fn country(self) -> Jurisdiction {
        Jurisdiction {
            country: self.country,
            sub: [0; 3],
        }
    }

    /// Whether this is a sub-national division such as `AU-NSW`.
    #[must_use]
    pub fn is_subdivision(self) -> bool {
        self.sub[0] != 0
    }

    /// Whether `self` lies within `other`: equal, or a division of the country `other`.
    ///
    /// ```
    /// use crossborder::Jurisdiction;
    /// let au: Jurisdiction = "AU".parse()?;
    /// let nsw: Jurisdiction = "AU-NSW".parse()?;
    /// assert!(nsw.within(au));
    /// assert!(!au.within(nsw));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn within(self, other: Jurisdiction) -> bool {
        self == other || (!other.is_subdivision() && self.country == other.country)
    }

    /// The dense index of the country part, `0..249`.
    pub(crate) fn country_index(self) -> usize {
        usize::from(self.country)
    }

    /// The country whose dense index is `i`, if any.
    pub(crate) fn from_country_index(i: usize) -> Option<Jurisdiction> {
        if i < COUNTRY_COUNT {
            Some(Jurisdiction {
                country: u8::try_from(i).ok()?,
                sub: [0; 3],
            })
        } else {
            None
        }
    }

    /// Every assigned country code, in alphabetical order.
    ///
    /// ```
    /// assert_eq!(crossborder::Jurisdiction::all_countries().count(), 249);
    /// ```
    pub fn all_countries() -> impl Iterator<Item = Jurisdiction> {
        (0..COUNTRY_COUNT).filter_map(Jurisdiction::from_country_index)
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = ASSIGNED.get(self.country_index()).copied().unwrap_or("??");
        f.write_str(code)?;
        if self.is_subdivision() {
            f.write_str("-")?;
            for &b in self.sub.iter().take_while(|&&b| b != 0) {
                fmt::Write::write_char(f, char::from(b))?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Jurisdiction({self})")
    }
}

impl FromStr for Jurisdiction {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Jurisdiction::new(s)
    }
}

impl Serialize for Jurisdiction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Jurisdiction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Jurisdiction::new(&s).map_err(serde::de::Error::custom)
    }
}

/// A set of countries: a fixed-size bitset over the 249 assigned ISO 3166-1 codes.
///
/// Membership is one AND and never allocates. A division such as `AU-NSW` is a member when its
/// country is. Used for consent and approval scopes and for party establishments; packs name
/// larger, dated groups of their own.
///
/// # Example
///
/// ```
/// use crossborder::{Jurisdiction, JurisdictionSet};
///
/// let eu: JurisdictionSet = "DE,FR,IE".parse()?;
/// assert!(eu.contains("FR".parse()?));
/// assert!(!eu.contains("US".parse()?));
/// assert_eq!(eu.to_string(), "DE,FR,IE");
/// assert_eq!(eu.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct JurisdictionSet {
    bits: [u64; 4],
}

impl JurisdictionSet {
    /// The empty set.
    #[must_use]
    pub const fn empty() -> Self {
        JurisdictionSet { bits: [0; 4] }
    }

    /// Every assigned country.
    #[must_use]
    pub fn all() -> Self {
        Jurisdiction::all_countries().collect()
    }

    /// Adds the country of `j`.
    pub fn insert(&mut self, j: Jurisdiction) {
        let i = j.country_index();
        if let Some(w) = self.bits.get_mut(i / 64) {
            *w |= 1u64 << (i % 64);
        }
    }

    /// Removes the country of `j`.
    pub fn remove(&mut self, j: Jurisdiction) {
        let i = j.country_index();
        if let Some(w) = self.bits.get_mut(i / 64) {
            *w &= !(1u64 << (i % 64));
        }
    }

    /// Whether the country of `j` is a member.
    #[inline]
    #[must_use]
    pub fn contains(&self, j: Jurisdiction) -> bool {
        let i = j.country_index();
        self.bits
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    /// Whether the two sets share a member.
    #[must_use]
    pub fn intersects(&self, other: &JurisdictionSet) -> bool {
        self.bits.iter().zip(other.bits).any(|(a, b)| a & b != 0)
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0)
    }

    /// The number of members.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The members, in alphabetical order.
    pub fn iter(&self) -> impl Iterator<Item = Jurisdiction> + '_ {
        Jurisdiction::all_countries().filter(|&j| self.contains(j))
    }
}

impl FromIterator<Jurisdiction> for JurisdictionSet {
    fn from_iter<I: IntoIterator<Item = Jurisdiction>>(iter: I) -> Self {
        let mut s = JurisdictionSet::empty();
        for j in iter {
            s.insert(j);
        }
        s
    }
}

impl<const N: usize> From<[Jurisdiction; N]> for JurisdictionSet {
    fn from(v: [Jurisdiction; N]) -> Self {
        v.into_iter().collect()
    }
}

impl fmt::Display for JurisdictionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, j) in self.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            write!(f, "{j}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for JurisdictionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromStr for JurisdictionSet {
    type Err = ModelError;
    /// Parses a comma-separated list of country codes; the empty string is the empty set.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut set = JurisdictionSet::empty();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let j = Jurisdiction::new(part)?;
            if j.is_subdivision() {
                return Err(ModelError::new(
                    ModelErrorKind::UnknownJurisdiction,
                    format!("a jurisdiction set holds countries only, not the division `{j}`"),
                ));
            }
            set.insert(j);
        }
        Ok(set)
    }
}

impl Serialize for JurisdictionSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for JurisdictionSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<Jurisdiction>::deserialize(d)?;
        if let Some(j) = v.iter().find(|j| j.is_subdivision()) {
            return Err(serde::de::Error::custom(format!(
                "a jurisdiction set holds countries only, not the division `{j}`"
            )));
        }
        Ok(v.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_complete() {
        assert!(ASSIGNED.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ASSIGNED.len(), 249);
        for c in [
            "CN", "HK", "MO", "TW", "US", "DE", "GB", "RU", "AU", "IN", "BR", "XK",
        ] {
            assert_eq!(Jurisdiction::new(c).is_ok(), c != "XK", "{c}");
        }
    }

    #[test]
    fn round_trips_every_code() {
        for j in Jurisdiction::all_countries() {
            assert_eq!(j.to_string().parse::<Jurisdiction>().unwrap(), j);
        }
        for c in ["AU-NSW", "CA-NS", "FR-75C", "US-1"] {
            assert_eq!(c.parse::<Jurisdiction>().unwrap().to_string(), c);
        }
    }

    #[test]
    fn rejects_malformed_codes() {
        for c in [
            "", "cn", "C", "CHN", "EU", "AU-", "AU-nsw", "AU-ABCD", "AU-N-S", "ZZ-1",
        ] {
            let e = c.parse::<Jurisdiction>().unwrap_err();
            assert_eq!(e.kind(), ModelErrorKind::UnknownJurisdiction, "{c}");
            assert!(e.to_string().contains(&format!("`{c}`")), "{e}");
        }
    }

    #[test]
    fn set_operations() {
        let mut s: JurisdictionSet = "CN,HK".parse().unwrap();
        assert!(s.contains("HK".parse().unwrap()));
        assert!(!s.contains("MO".parse().unwrap()));
        s.insert("MO".parse().unwrap());
        s.remove("CN".parse().unwrap());
        assert_eq!(s.to_string(), "HK,MO");
        assert!(s.contains("HK".parse().unwrap()));
        assert!(JurisdictionSet::all().contains("ZW".parse().unwrap()));
        assert_eq!(JurisdictionSet::all().len(), 249);
        assert!("AU-NSW".parse::<JurisdictionSet>().is_err());
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"["HK","MO"]"#);
        assert_eq!(serde_json::from_str::<JurisdictionSet>(&json).unwrap(), s);
    }
}
