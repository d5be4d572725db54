//! Scopes: what a consent or an approval covers.

use serde::{Deserialize, Serialize};

use super::falls_under;
use super::{Category, Jurisdiction, JurisdictionSet, Operation, OperationSet, PartyId, Purpose};
use crate::error::{ModelError, ModelErrorKind};

/// What a consent or an approval covers: categories (each covering its descendants),
/// destinations, operations, and optionally purposes and recipients.
///
/// Categories, destinations and operations must not be empty; empty purposes or recipients mean
/// "any".
///
/// ```
/// use crossborder::{Operation, Scope};
/// let scope = Scope::new(
///     ["personal.sensitive".parse()?],
///     "US,GB".parse()?,
///     [Operation::Transfer].into(),
/// )?;
/// assert!(scope.covers_category(&"personal.sensitive.health".parse()?));
/// assert!(!scope.covers_category(&"personal.contact".parse()?));
/// assert!(scope.covers_destination("GB".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "ScopeSpec")]
pub struct Scope {
    categories: Vec<Category>,
    destinations: JurisdictionSet,
    operations: OperationSet,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    purposes: Vec<Purpose>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    recipients: Vec<PartyId>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeSpec {
    categories: Vec<Category>,
    destinations: JurisdictionSet,
    operations: OperationSet,
    #[serde(default)]
    purposes: Vec<Purpose>,
    #[serde(default)]
    recipients: Vec<PartyId>,
}

impl TryFrom<ScopeSpec> for Scope {
    type Error = ModelError;
    fn try_from(s: ScopeSpec) -> Result<Self, ModelError> {
        Ok(Scope::new(s.categories, s.destinations, s.operations)?
            .with_purposes(s.purposes)
            .with_recipients(s.recipients))
    }
}

impl Scope {
    /// A scope over these categories, destinations and operations.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::EmptyScope`] when any of the three is empty.
    pub fn new(
        categories: impl IntoIterator<Item = Category>,
        destinations: JurisdictionSet,
        operations: OperationSet,
    ) -> Result<Self, ModelError> {
        let mut cats: Vec<Category> = Vec::new();
        for c in categories {
            if !cats.contains(&c) {
                cats.push(c);
            }
        }
        let empty = if cats.is_empty() {
            Some("categories")
        } else if destinations.is_empty() {
            Some("destinations")
        } else if operations.is_empty() {
            Some("operations")
        } else {
            None
        };
        if let Some(what) = empty {
            return Err(ModelError::new(
                ModelErrorKind::EmptyScope,
                format!("empty scope: a scope needs at least one of its {what}"),
            ));
        }
        Ok(Scope {
            categories: cats,
            destinations,
            operations,
            purposes: Vec::new(),
            recipients: Vec::new(),
        })
    }

    /// A scope from parts already validated (the evidence store's compact form).
    pub(crate) fn from_parts(
        categories: Vec<Category>,
        destinations: JurisdictionSet,
        operations: OperationSet,
        purposes: Vec<Purpose>,
        recipients: Vec<PartyId>,
    ) -> Self {
        Scope {
            categories,
            destinations,
            operations,
            purposes,
            recipients,
        }
    }

    /// Restricts the scope to these purposes (none = any).
    #[must_use]
    pub fn with_purposes(mut self, purposes: impl IntoIterator<Item = Purpose>) -> Self {
        self.purposes = purposes.into_iter().collect();
        self
    }

    /// Restricts the scope to these recipients (none = any).
    #[must_use]
    pub fn with_recipients(mut self, recipients: impl IntoIterator<Item = PartyId>) -> Self {
        self.recipients = recipients.into_iter().collect();
        self
    }

    /// The categories covered (each with its descendants).
    #[must_use]
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }
    /// The destinations covered.
    #[must_use]
    pub fn destinations(&self) -> &JurisdictionSet {
        &self.destinations
    }
    /// The operations covered.
    #[must_use]
    pub fn operations(&self) -> OperationSet {
        self.operations
    }
    /// The purposes covered; empty means any.
    #[must_use]
    pub fn purposes(&self) -> &[Purpose] {
        &self.purposes
    }
    /// The recipients covered; empty means any.
    #[must_use]
    pub fn recipients(&self) -> &[PartyId] {
        &self.recipients
    }

    /// Whether `c` is one of the categories or lies below one.
    #[inline]
    #[must_use]
    pub fn covers_category(&self, c: &Category) -> bool {
        self.covers_category_name(c.as_str())
    }

    #[inline]
    pub(crate) fn covers_category_name(&self, c: &str) -> bool {
        self.categories.iter().any(|s| falls_under(c, s.as_str()))
    }

    /// Whether the destination (its country, for a division) is covered.
    #[inline]
    #[must_use]
    pub fn covers_destination(&self, j: Jurisdiction) -> bool {
        self.destinations.contains(j)
    }

    /// Whether the operation is covered.
    #[inline]
    #[must_use]
    pub fn covers_operation(&self, op: Operation) -> bool {
        self.operations.contains(op)
    }

    /// Whether the act's purposes are covered: any when the scope lists none; otherwise the
    /// act must state at least one, and each must be listed. A purpose comes as every name it
    /// stands for (its own first, then what it `means` in the packs), any one of which may be
    /// listed: a consent to `contract_necessity` covers an act stated as a purpose that means
    /// it.
    ///
    /// ```
    /// use crossborder::{OperationSet, Purpose, Scope};
    /// let p = |s: &str| s.parse::<Purpose>().unwrap();
    /// let scope = Scope::new(["personal".parse()?], "US".parse()?, OperationSet::all())?
    ///     .with_purposes([p("research")]);
    /// assert!(scope.covers_purposes(&[&[p("research")][..]]));
    /// assert!(scope.covers_purposes(&[&[p("study"), p("research")][..]]));
    /// assert!(!scope.covers_purposes(&[&[p("research")][..], &[p("marketing")][..]]));
    /// assert!(!scope.covers_purposes(&[]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn covers_purposes(&self, act: &[&[Purpose]]) -> bool {
        purposes_covered(&self.purposes, act.iter().copied())
    }

    /// Whether the recipient is covered: any when none is listed, otherwise a listed one.
    #[inline]
    #[must_use]
    pub fn covers_recipient(&self, r: Option<&PartyId>) -> bool {
        self.recipients.is_empty() || r.is_some_and(|r| self.recipients.contains(r))
    }
}

/// Whether `listed` (a scope's purposes) covers an act's purposes, each given as the names it
/// stands for: the definition every store shares.
pub(crate) fn purposes_covered<'p>(
    listed: &[Purpose],
    mut act: impl Iterator<Item = &'p [Purpose]>,
) -> bool {
    if listed.is_empty() {
        return true;
    }
    let mut any = false;
    let all = act.all(|meaning| {
        any = true;
        meaning.iter().any(|p| listed.contains(p))
    });
    any && all
}
