//! Fixed-size bitsets the compiled engine works with.

use chrono::{DateTime, Utc};

/// Dense jurisdiction ids: countries `0..249`, then declared divisions.
pub(super) const MAX_JURISDICTIONS: usize = 512;
/// Dense category ids.
pub(super) const MAX_CATEGORIES: usize = 256;
/// Dense tag ids.
pub(super) const MAX_TAGS: usize = 128;
/// Dense purpose ids.
pub(super) const MAX_PURPOSES: usize = 128;

/// A place in the engine's jurisdiction space: its own id and its country's id (equal for a
/// country).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct JRef {
    pub id: u16,
    pub country: u16,
}

/// A set over dense jurisdiction ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct JSet {
    bits: [u64; MAX_JURISDICTIONS / 64],
}

impl JSet {
    pub(super) fn insert(&mut self, id: u16) {
        let i = usize::from(id);
        if let Some(w) = self.bits.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    #[inline]
    pub(super) fn has(&self, id: u16) -> bool {
        let i = usize::from(id);
        self.bits
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Whether `j` lies in the set: itself, or its country, is a member.
    #[inline]
    pub(super) fn holds(&self, j: JRef) -> bool {
        self.has(j.id) || self.has(j.country)
    }

    #[inline]
    pub(super) fn intersects(&self, other: &JSet) -> bool {
        self.bits.iter().zip(&other.bits).any(|(a, b)| a & b != 0)
    }

    pub(super) fn union_with(&mut self, other: &JSet) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a |= b;
        }
    }

    pub(super) fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        (0..MAX_JURISDICTIONS)
            .filter_map(|i| u16::try_from(i).ok())
            .filter(|&i| self.has(i))
    }
}

/// A jurisdiction set that changes at known instants: `sets[k]` holds from `breaks[k-1]`
/// (inclusive) until `breaks[k]` (exclusive). Most sets never change and have no breaks.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(super) struct TimedSet {
    pub breaks: Vec<DateTime<Utc>>,
    pub sets: Vec<JSet>,
}

impl TimedSet {
    /// The set in force at `t`.
    #[inline]
    pub(super) fn at(&self, t: DateTime<Utc>) -> Option<&JSet> {
        let k = if self.breaks.is_empty() {
            0
        } else {
            self.breaks.partition_point(|b| *b <= t)
        };
        self.sets.get(k)
    }

    /// Whether `j` is in the set at `t` (false if the set is malformed: callers treat that as
    /// not satisfied for bases and as applying for conditions).
    #[inline]
    pub(super) fn holds(&self, t: DateTime<Utc>, j: JRef) -> Option<bool> {
        self.at(t).map(|s| s.holds(j))
    }

    #[inline]
    pub(super) fn intersects(&self, t: DateTime<Utc>, other: &JSet) -> Option<bool> {
        self.at(t).map(|s| s.intersects(other))
    }

    /// Every id that is a member at some instant.
    pub(super) fn ever(&self) -> JSet {
        let mut all = JSet::default();
        for s in &self.sets {
            all.union_with(s);
        }
        all
    }
}

/// A set over dense category ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct CatSet {
    bits: [u64; MAX_CATEGORIES / 64],
}

impl CatSet {
    pub(super) fn insert(&mut self, id: u16) {
        let i = usize::from(id);
        if let Some(w) = self.bits.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    #[inline]
    pub(super) fn intersects(&self, other: &CatSet) -> bool {
        self.bits.iter().zip(&other.bits).any(|(a, b)| a & b != 0)
    }

    pub(super) fn union_with(&mut self, other: &CatSet) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a |= b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn jset_membership_and_divisions() {
        let mut s = JSet::default();
        s.insert(3);
        s.insert(300);
        assert!(s.has(3) && s.has(300) && !s.has(4));
        assert!(s.holds(JRef {
            id: 260,
            country: 3
        }));
        assert!(!s.holds(JRef { id: 4, country: 4 }));
        assert_eq!(s.ids().collect::<Vec<_>>(), vec![3, 300]);
        s.insert(9999); // out of range: ignored, never panics
        assert!(!s.has(9999));
    }

    #[test]
    fn timed_sets_switch_exactly_at_breaks() {
        let t = |y| Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap();
        let mut before = JSet::default();
        before.insert(1);
        let mut after = before;
        after.insert(2);
        let ts = TimedSet {
            breaks: vec![t(2026)],
            sets: vec![before, after],
        };
        let two = JRef { id: 2, country: 2 };
        assert_eq!(ts.holds(t(2025), two), Some(false));
        assert_eq!(ts.holds(t(2026), two), Some(true));
        assert!(ts.ever().has(2));
        assert_eq!(TimedSet::default().holds(t(2026), two), None);
    }

    #[test]
    fn catsets() {
        let mut a = CatSet::default();
        let mut b = CatSet::default();
        a.insert(5);
        b.insert(200);
        assert!(!a.intersects(&b));
        b.union_with(&a);
        assert!(a.intersects(&b));
    }
}
