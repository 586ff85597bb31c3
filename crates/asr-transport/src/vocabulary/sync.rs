//! The sync planner: what exists and what is wanted → create, update or nothing, and the
//! difference. Pure; the client reads and writes around it.

use std::collections::{BTreeMap, BTreeSet};

use asr_types::vocabulary::check_items;
use asr_types::{CreateVocabularyRequest, Model, VocabularyDetails, VocabularyId, VocabularyItem};

use super::error::VocabularyError;

/// What a sync should make true: one vocabulary with this prefix and target model, holding
/// exactly these items.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SyncSpec {
    /// 1–10 lowercase letters and digits; the vocabulary's id starts `vocab-<prefix>-`.
    pub prefix: String,
    /// The ASR model that will use the vocabulary.
    pub target_model: Model,
    /// The wanted items, each text once.
    pub items: Vec<VocabularyItem>,
}

impl SyncSpec {
    /// A spec for `prefix` and `target_model` with `items`.
    pub fn new(
        prefix: impl Into<String>,
        target_model: impl Into<Model>,
        items: Vec<VocabularyItem>,
    ) -> Self {
        SyncSpec {
            prefix: prefix.into(),
            target_model: target_model.into(),
            items,
        }
    }
}

/// A vocabulary that exists, as `query_vocabulary` described it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ExistingVocabulary {
    /// Its id.
    pub id: VocabularyId,
    /// Its status, target model and items.
    pub details: VocabularyDetails,
}

impl ExistingVocabulary {
    /// Pairs an id with its details.
    pub fn new(id: VocabularyId, details: VocabularyDetails) -> Self {
        ExistingVocabulary { id, details }
    }
}

/// What a sync does.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncAction {
    /// No vocabulary has the prefix and target model: create one.
    Create,
    /// This one has different items: replace them.
    Update {
        /// The vocabulary to update.
        id: VocabularyId,
    },
    /// This one already matches.
    Unchanged {
        /// The matching vocabulary.
        id: VocabularyId,
    },
}

impl SyncAction {
    /// `create`, `update` or `unchanged`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SyncAction::Create => "create",
            SyncAction::Update { .. } => "update",
            SyncAction::Unchanged { .. } => "unchanged",
        }
    }
}

/// How a vocabulary's items differ from the wanted ones. Items are told apart by `text`.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct VocabularyDiff {
    /// Wanted items the vocabulary lacks, in the wanted order.
    pub added: Vec<VocabularyItem>,
    /// Items of the vocabulary that are not wanted, in the vocabulary's order.
    pub removed: Vec<VocabularyItem>,
    /// Items present on both sides with another weight or `lang`, in the wanted order.
    pub reweighted: Vec<ItemChange>,
}

impl VocabularyDiff {
    /// Whether the two sides match.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.reweighted.is_empty()
    }
}

/// One item whose weight or language changes.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ItemChange {
    /// The item as the vocabulary holds it.
    pub from: VocabularyItem,
    /// The item as wanted.
    pub to: VocabularyItem,
}

/// The outcome of [`plan_sync`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SyncPlan {
    /// What was asked for.
    pub spec: SyncSpec,
    /// What to do.
    pub action: SyncAction,
    /// The difference from the vocabulary as it is (for a create: every item added).
    pub diff: VocabularyDiff,
    /// Vocabularies with the prefix but another target model; the sync leaves them alone.
    pub others: Vec<ExistingVocabulary>,
    /// Every vocabulary with the prefix when the plan was made, so that a create whose answer
    /// was lost can tell the new one apart.
    pub known: Vec<VocabularyId>,
    /// For an update: the earliest time the service takes it (5 minutes after the list's last
    /// update, see [`super::update_allowed_at`]); `None` when it may apply now.
    pub update_allowed_at: Option<std::time::SystemTime>,
}

impl SyncPlan {
    /// The vocabulary the plan is about, unless it is yet to be created.
    pub fn vocabulary_id(&self) -> Option<&VocabularyId> {
        match &self.action {
            SyncAction::Update { id } | SyncAction::Unchanged { id } => Some(id),
            SyncAction::Create => None,
        }
    }
}

/// Plans a sync from the vocabularies that exist (those without the spec's prefix are
/// ignored, so passing the whole account is fine).
///
/// Vocabularies are matched on [`VocabularyId::prefix`] exactly and on the target model (one
/// whose answer lacked `target_model` counts as a match); items on `text`. A current item
/// equals a wanted one when the weights are equal and, if the wanted item sets `lang`, the
/// languages are equal too — the service may fill `lang` in on its own. Order does not matter.
///
/// # Errors
///
/// [`VocabularyError::InvalidItems`] with every item problem (checked against the target
/// model, `lang` included); [`VocabularyError::Invalid`] for a bad prefix or a target model
/// that takes no vocabulary; [`VocabularyError::Ambiguous`] when more than one vocabulary has
/// the prefix and the target model.
pub fn plan_sync(
    spec: SyncSpec,
    existing: &[ExistingVocabulary],
) -> Result<SyncPlan, VocabularyError> {
    check_spec(&spec)?;
    let with_prefix: Vec<&ExistingVocabulary> = existing
        .iter()
        .filter(|v| v.id.prefix() == Some(spec.prefix.as_str()))
        .collect();
    let known = with_prefix.iter().map(|v| v.id.clone()).collect();
    let (mine, others): (Vec<&ExistingVocabulary>, Vec<&ExistingVocabulary>) = with_prefix
        .into_iter()
        .partition(|v| targets(&v.details, &spec));
    let others = others.into_iter().cloned().collect();
    let mut update_allowed_at = None;
    let (action, diff) = match mine.as_slice() {
        [] => (
            SyncAction::Create,
            VocabularyDiff {
                added: spec.items.clone(),
                ..VocabularyDiff::default()
            },
        ),
        [current] => {
            let diff = diff_items(&current.details.vocabulary, &spec.items);
            let id = current.id.clone();
            let action = if diff.is_empty() {
                SyncAction::Unchanged { id }
            } else {
                update_allowed_at = super::update_allowed_at(&current.details);
                SyncAction::Update { id }
            };
            (action, diff)
        }
        several => {
            return Err(VocabularyError::Ambiguous {
                prefix: spec.prefix.clone(),
                target_model: spec.target_model.clone(),
                ids: several.iter().map(|v| v.id.clone()).collect(),
            });
        }
    };
    Ok(SyncPlan {
        spec,
        action,
        diff,
        others,
        known,
        update_allowed_at,
    })
}

/// The difference between a vocabulary's `current` items and the `wanted` ones (see
/// [`plan_sync`] for when two items are equal). A text the vocabulary holds twice counts as
/// removed once for each extra copy, since the wanted list holds it once.
pub fn diff_items(current: &[VocabularyItem], wanted: &[VocabularyItem]) -> VocabularyDiff {
    let wanted_texts: BTreeSet<&str> = wanted.iter().map(|i| i.text.as_str()).collect();
    let mut first: BTreeMap<&str, &VocabularyItem> = BTreeMap::new();
    let mut diff = VocabularyDiff::default();
    for item in current {
        let text = item.text.as_str();
        if first.contains_key(text) {
            diff.removed.push(item.clone());
            continue;
        }
        first.insert(text, item);
        if !wanted_texts.contains(text) {
            diff.removed.push(item.clone());
        }
    }
    for item in wanted {
        match first.get(item.text.as_str()) {
            None => diff.added.push(item.clone()),
            Some(have) if !same(have, item) => diff.reweighted.push(ItemChange {
                from: (*have).clone(),
                to: item.clone(),
            }),
            Some(_) => {}
        }
    }
    diff
}

fn same(have: &VocabularyItem, want: &VocabularyItem) -> bool {
    have.weight == want.weight && (want.lang.is_none() || want.lang == have.lang)
}

/// Whether a vocabulary targets the spec's model (an answer without `target_model` does, as
/// far as anyone can tell).
pub(super) fn targets(details: &VocabularyDetails, spec: &SyncSpec) -> bool {
    details
        .target_model
        .as_ref()
        .is_none_or(|m| m.as_str() == spec.target_model.as_str())
}

/// Every documented rule the spec could break, checked before any request: all item
/// problems at once, then the prefix and the target model.
pub(super) fn check_spec(spec: &SyncSpec) -> Result<(), VocabularyError> {
    let issues = check_items(Some(&spec.target_model), &spec.items);
    if !issues.is_empty() {
        return Err(VocabularyError::InvalidItems { issues });
    }
    // The create body carries the prefix and the model, so its check covers both.
    CreateVocabularyRequest::new(
        spec.target_model.clone(),
        spec.prefix.clone(),
        spec.items.clone(),
    )
    .validate()?;
    Ok(())
}
