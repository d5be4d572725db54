//! Long-form documentation: the design, the pack format, scenario files, the built-in packs
//! and the changelog.

#[doc = include_str!("../../DESIGN.md")]
pub mod design {}

#[doc = include_str!("../../docs/FORMAT.md")]
pub mod format {}

#[doc = include_str!("../../docs/TESTING.md")]
pub mod testing {}

#[doc = include_str!("../../CHANGELOG.md")]
pub mod changelog {}

#[doc = include_str!("../../docs/PACKS.md")]
pub mod packs {}

#[doc = include_str!("../../PERFORMANCE.md")]
pub mod performance {}
