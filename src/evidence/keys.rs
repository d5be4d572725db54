//! Hashes and instants as the evidence store keys them: computed once when a transfer is
//! built, so a look-up during evaluation neither hashes an id nor converts an instant.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

/// The seed of [`key_hash`]: random per process (no fixed-key collision attacks on the store's
/// tables), the same for every transfer and store in it.
fn seed() -> &'static foldhash::fast::FixedState {
    static SEED: OnceLock<foldhash::fast::FixedState> = OnceLock::new();
    SEED.get_or_init(|| {
        let random = std::collections::hash_map::RandomState::new().hash_one(0x00C0_FFEE_u64);
        foldhash::fast::FixedState::with_seed(random)
    })
}

/// An instant as nanoseconds since the Unix epoch, saturated: `i64::MIN` before what `i64`
/// holds, `i64::MAX` after. Stored instants are kept strictly inside the range, so comparisons
/// against a saturated act instant stay exact. A leap second (`23:59:60.x`) maps to the last
/// nanosecond of the second it extends: it lies after every stored instant of that second and
/// before the next, and stored leap seconds are compared exactly (not in nanoseconds).
pub(crate) fn act_nanos(t: DateTime<Utc>) -> i64 {
    let saturated = if t.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    };
    if t.timestamp_subsec_nanos() >= 1_000_000_000 {
        return t
            .timestamp()
            .checked_mul(1_000_000_000)
            .and_then(|n| n.checked_add(999_999_999))
            .unwrap_or(saturated);
    }
    t.timestamp_nanos_opt().unwrap_or(saturated)
}

/// The hash of a subject or party id, or of a name the store compares: computed once when a
/// transfer is built (or a pack compiled), and used by [`MemoryEvidence`](super::MemoryEvidence)
/// to find the id's slot without hashing again.
pub(crate) fn key_hash(id: &str) -> u64 {
    seed().hash_one(id)
}
