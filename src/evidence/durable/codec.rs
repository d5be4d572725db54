//! The binary form of a consent row: consents are most of a store, and decoding JSON was most
//! of the time opening one took. Other rows stay JSON (the form evidence files use).
//!
//! A row starts with a tag byte: `B` for this form (version 1), `{` for JSON. Lengths are
//! little-endian `u16`, instants `i64` seconds and `u32` nanoseconds since the epoch; every
//! name is checked again when decoded, so a damaged row is refused, never guessed.

use chrono::{DateTime, Utc};

use crate::model::{
    Category, Consent, ConsentKind, EvidenceId, Jurisdiction, JurisdictionSet, Operation,
    OperationSet, PartyId, Purpose, Scope, SubjectId,
};

const TAG: u8 = b'B';

/// `c` as a row.
pub(super) fn encode(c: &Consent) -> Vec<u8> {
    let mut out = Vec::with_capacity(96);
    out.push(TAG);
    str(&mut out, c.id().as_str());
    str(&mut out, c.subject().as_str());
    let kind = ConsentKind::ALL
        .iter()
        .position(|k| *k == c.kind())
        .unwrap_or(0);
    out.push(u8::try_from(kind).unwrap_or(0));
    let flags = u8::from(c.is_informed_of_risks())
        | (u8::from(c.expires_at().is_some()) << 1)
        | (u8::from(c.withdrawn_at().is_some()) << 2);
    out.push(flags);
    instant(&mut out, c.granted_at());
    for t in [c.expires_at(), c.withdrawn_at()].into_iter().flatten() {
        instant(&mut out, t);
    }
    let scope = c.scope();
    let ops = Operation::ALL
        .iter()
        .enumerate()
        .filter(|(_, o)| scope.operations().contains(**o))
        .fold(0u8, |bits, (i, _)| bits | (1 << i));
    out.push(ops);
    list(&mut out, scope.categories().iter().map(Category::as_str));
    let dests: Vec<String> = scope.destinations().iter().map(|j| j.to_string()).collect();
    list(&mut out, dests.iter().map(String::as_str));
    list(&mut out, scope.purposes().iter().map(Purpose::as_str));
    list(&mut out, scope.recipients().iter().map(PartyId::as_str));
    out
}

fn len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u16::try_from(n).unwrap_or(u16::MAX).to_le_bytes());
}

fn str(out: &mut Vec<u8>, s: &str) {
    len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn list<'a>(out: &mut Vec<u8>, items: impl ExactSizeIterator<Item = &'a str>) {
    len(out, items.len());
    for s in items {
        str(out, s);
    }
}

fn instant(out: &mut Vec<u8>, t: DateTime<Utc>) {
    out.extend_from_slice(&t.timestamp().to_le_bytes());
    out.extend_from_slice(&t.timestamp_subsec_nanos().to_le_bytes());
}

/// Whether `row` is in this form.
pub(super) fn is_binary(row: &[u8]) -> bool {
    row.first() == Some(&TAG)
}

/// The consent in `row`, or `None` for a row that is not one.
pub(super) fn decode(row: &[u8]) -> Option<Consent> {
    let mut r = Reader(row.get(1..)?);
    let id = EvidenceId::new(r.str()?).ok()?;
    let subject = SubjectId::new(r.str()?).ok()?;
    let kind = *ConsentKind::ALL.get(usize::from(r.byte()?))?;
    let flags = r.byte()?;
    let granted = r.instant()?;
    let expires = if flags & 2 != 0 {
        Some(r.instant()?)
    } else {
        None
    };
    let withdrawn = if flags & 4 != 0 {
        Some(r.instant()?)
    } else {
        None
    };
    let ops = r.byte()?;
    let operations: OperationSet = Operation::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| ops & (1 << i) != 0)
        .map(|(_, o)| *o)
        .collect();
    let categories = r.list(|s| Category::new(s).ok())?;
    let destinations: JurisdictionSet =
        r.list(|s| Jurisdiction::new(s).ok())?.into_iter().collect();
    let purposes = r.list(|s| Purpose::new(s).ok())?;
    let recipients = r.list(|s| PartyId::new(s).ok())?;
    if !r.0.is_empty() || categories.is_empty() || destinations.is_empty() || operations.is_empty()
    {
        return None;
    }
    Some(Consent::from_parts(
        id,
        subject,
        kind,
        Scope::from_parts(categories, destinations, operations, purposes, recipients),
        granted,
        expires,
        withdrawn,
        flags & 1 != 0,
    ))
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }
    fn byte(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    fn len(&mut self) -> Option<usize> {
        let b = self.take(2)?;
        Some(usize::from(u16::from_le_bytes([*b.first()?, *b.get(1)?])))
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).ok()
    }
    fn list<T>(&mut self, f: impl Fn(&str) -> Option<T>) -> Option<Vec<T>> {
        let n = self.len()?;
        (0..n).map(|_| f(self.str()?)).collect()
    }
    fn instant(&mut self) -> Option<DateTime<Utc>> {
        let s = i64::from_le_bytes(self.take(8)?.try_into().ok()?);
        let n = u32::from_le_bytes(self.take(4)?.try_into().ok()?);
        DateTime::from_timestamp(s, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn consents_round_trip_and_damage_is_refused() {
        let t = |d| Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap();
        let scope = Scope::new(
            [
                "personal.contact".parse().unwrap(),
                "personal.sensitive.health".parse().unwrap(),
            ],
            ["US".parse().unwrap(), "DE".parse().unwrap()]
                .into_iter()
                .collect(),
            [Operation::Transfer, Operation::RemoteAccess].into(),
        )
        .unwrap()
        .with_purposes(["marketing".parse().unwrap()])
        .with_recipients(["acme-us".parse().unwrap()]);
        let leap = DateTime::from_timestamp(1_782_863_999, 1_500_000_000).unwrap(); // 2026-06-30T23:59:60.5Z
        let plain = Consent::new(
            "c-1".parse().unwrap(),
            "u-1".parse().unwrap(),
            ConsentKind::Separate,
            scope.clone(),
            t(1),
        )
        .unwrap();
        for c in [
            plain.clone(),
            plain
                .clone()
                .expiring(t(20))
                .unwrap()
                .withdrawn(t(10))
                .unwrap(),
            plain
                .clone()
                .informed_of_risks(true)
                .withdrawn(leap)
                .unwrap(),
        ] {
            let row = encode(&c);
            assert!(is_binary(&row));
            assert_eq!(decode(&row), Some(c.clone()));
            // Every truncation, and a trailing byte, is refused.
            for n in 0..row.len() {
                assert_eq!(decode(&row[..n]), None, "truncated at {n}");
            }
            let mut longer = row.clone();
            longer.push(0);
            assert_eq!(decode(&longer), None);
        }
    }
}
