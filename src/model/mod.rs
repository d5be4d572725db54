//! Plain data the caller builds: jurisdictions, categories, subjects, parties, data items,
//! operations, purposes, consents, approvals, and the request ([`TransferBuilder`]).
//!
//! Every type validates on construction, implements serde, and (for the scalar ones) has
//! `FromStr`/`Display` that round-trip. An invalid value cannot be built, so evaluation never
//! sees one.
//!
//! The bottom layer: imports only [`crate::error`]. Nothing here knows a pack, an engine or an
//! evidence store (a test, `tests/it/layering.rs`, holds it to that).

/// An enumeration with fixed snake-case names: `ALL`, `as_str`, `Display`, `FromStr` (a
/// [`ModelError`](crate::ModelError) naming the accepted values) and serde, all from one list.
macro_rules! name_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The name used in packs, JSON and `Display`.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::ModelError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($s => Ok($name::$v),)+
                    _ => Err($crate::error::ModelError::new(
                        $crate::error::ModelErrorKind::InvalidName,
                        format!(concat!("unknown ", $what, " `{}`: expected one of {}"),
                            s, [$(concat!("`", $s, "`")),+].join(", ")),
                    )),
                }
            }
        }
    };
}

mod act;
mod approval;
mod clock;
mod consent;
mod instant;
mod json;
mod jurisdiction;
mod names;
mod request;
#[cfg(feature = "schema")]
mod schema;
mod scope;
mod status;
mod suggest;

pub(crate) use act::distinct;
pub use act::{
    Certification, DataItem, Individuals, Operation, OperationSet, Party, Role, Subject,
};
pub use approval::{Approval, Onward};
pub(crate) use clock::{ApprovalClock, Calendar, ClockMiss, Span, Unit};
pub use consent::{Consent, ConsentKind};
pub(crate) use instant::{rfc3339, serde_instant};
pub(crate) use json::from_json;
pub(crate) use jurisdiction::COUNTRY_COUNT;
pub(crate) use jurisdiction::hint as jurisdiction_hint;
pub use jurisdiction::{Jurisdiction, JurisdictionSet};
pub(crate) use names::falls_under;
pub use names::{
    Authority, Category, CertificationName, EvidenceId, MAX_ID_LEN, MAX_NAME_LEN, Mechanism,
    PartyId, Purpose, SubjectId, Tag,
};
pub(crate) use request::TransferData;
pub use request::{CameFrom, TransferBuilder};
pub use scope::Scope;
pub(crate) use scope::purposes_covered;
pub use status::Status;
pub(crate) use suggest::{closest, did_you_mean, hint_unknown_name};
