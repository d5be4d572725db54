//! Limits on what a pack may contain, so an untrusted pack cannot exhaust memory or time.

/// Limits a [`PackLoader`](crate::PackLoader) enforces while loading a pack. A pack that
/// exceeds one is refused with a [`PackProblemKind::Limit`](crate::PackProblemKind::Limit)
/// problem naming the limit and where it was exceeded — never a panic, a stack overflow or an
/// out-of-memory.
///
/// Nesting needs no limit of its own: the format's structure is fixed, and both parsers refuse
/// documents nested deeper than their recursion limits (128 levels for JSON) with an error.
///
/// # Example
///
/// ```
/// use crossborder::{Limits, PackLoader, PackProblemKind};
///
/// let strict = Limits::default().max_rules(1);
/// let text = r#"
/// format = 1
/// id = "two-rules"
/// title = "T"
/// kind = "law"
/// issuer = "CN"
/// version = "1"
/// [[rules]]
/// id = "a"
/// summary = "s"
/// cite = "c"
/// prohibit = true
/// [[rules]]
/// id = "b"
/// summary = "s"
/// cite = "c"
/// prohibit = true
/// "#;
/// let err = PackLoader::new().limits(strict).load_toml(text).unwrap_err();
/// assert_eq!(err.problems()[0].kind(), PackProblemKind::Limit);
/// assert_eq!(err.problems()[0].message(), "the pack has 2 rules, more than the limit of 1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    max_bytes: usize,
    max_rules: usize,
    max_alternatives: usize,
    max_bases: usize,
    max_string_len: usize,
    max_list_len: usize,
    max_groups: usize,
    max_counters: usize,
}

/// The most bases one alternative can hold, whatever the limits say: the engine records which
/// bases failed in a 32-bit mask.
pub(crate) const HARD_MAX_BASES: usize = 32;

impl Default for Limits {
    /// 8 MiB of text, 10,000 rules, 16 alternatives per rule, 16 bases per alternative,
    /// strings of 4,096 bytes, lists of 1,024 items, 256 groups, 64 counters.
    fn default() -> Self {
        Limits {
            max_bytes: 8 << 20,
            max_rules: 10_000,
            max_alternatives: 16,
            max_bases: 16,
            max_string_len: 4096,
            max_list_len: 1024,
            max_groups: 256,
            max_counters: 64,
        }
    }
}

macro_rules! setters {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[must_use]
        pub fn $name(mut self, value: usize) -> Self {
            self.$name = value;
            self
        }
    )*};
}

impl Limits {
    setters!(
        /// The most bytes of pack text.
        max_bytes,
        /// The most rules.
        max_rules,
        /// The most alternatives in one `require`.
        max_alternatives,
        /// The most bases in one alternative (never more than 32).
        max_bases,
        /// The longest string, in bytes.
        max_string_len,
        /// The longest list (the rules excepted: see `max_rules`).
        max_list_len,
        /// The most jurisdiction groups plus category groups.
        max_groups,
        /// The most counters.
        max_counters,
    );

    pub(crate) fn bytes(&self) -> usize {
        self.max_bytes
    }
    pub(crate) fn rules(&self) -> usize {
        self.max_rules
    }
    pub(crate) fn alternatives(&self) -> usize {
        self.max_alternatives
    }
    pub(crate) fn bases(&self) -> usize {
        self.max_bases.min(HARD_MAX_BASES)
    }
    pub(crate) fn string_len(&self) -> usize {
        self.max_string_len
    }
    pub(crate) fn list_len(&self) -> usize {
        self.max_list_len
    }
    pub(crate) fn groups(&self) -> usize {
        self.max_groups
    }
    pub(crate) fn counters(&self) -> usize {
        self.max_counters
    }
}
