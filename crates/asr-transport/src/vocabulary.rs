//! Hot-word vocabularies (定制热词): the five customization actions, waiting until a list can
//! be used, and a declarative sync.
//!
//! | method | action | resent after a failure |
//! |---|---|---|
//! | [`Client::create_vocabulary`] | `create_vocabulary` | only if it cannot have reached the service |
//! | [`Client::list_vocabularies`] | `list_vocabulary`, every page | freely |
//! | [`Client::get_vocabulary`] | `query_vocabulary` | freely |
//! | [`Client::update_vocabulary`] | `update_vocabulary` (replaces every item) | freely |
//! | [`Client::delete_vocabulary`] | `delete_vocabulary` | freely |
//! | [`Client::wait_vocabulary_ready`] | `query_vocabulary` until `OK` | freely |
//! | [`Client::sync_vocabulary`] | list + query, then create or update or nothing | as above |
//!
//! Every call goes through the client's tower stack (retries, timeouts, concurrency limit);
//! reads also wait for the client-wide query budget. Two service errors get their own
//! [`VocabularyError`] variants because the fix is the user's: a full quota
//! (`Throttling.AllocationQuota`, never retried) and an unknown id
//! (`BadRequest.ResourceNotExist`).
//!
//! ## Sync
//!
//! A sync makes the account hold exactly one vocabulary with a given prefix and target model,
//! with exactly the given items. [`plan_sync`] is the pure part (what exists → what to do and
//! the difference), [`Client::plan_vocabulary_sync`] reads what exists, and
//! [`Client::apply_vocabulary_sync`] carries the plan out, so a caller can show a plan without
//! applying it (`--dry-run`). Running the same sync twice changes nothing the second time.
//!
//! ## The service's rules a job would otherwise break silently (protocol §11 item 8)
//!
//! - Two updates of one list must be at least 5 minutes apart (the create does not count). A
//!   sync does not wait: the plan says when its update may apply
//!   ([`SyncPlan::update_allowed_at`]), and applying it earlier fails at once with
//!   [`VocabularyError::UpdateTooSoon`], which names the time; nothing is sent. (A long silent
//!   sleep inside a command is worse than running it again later.) The last update is read
//!   from `gmt_modified`, and a client also remembers its own updates, since the service's
//!   record has whole seconds only.
//! - A list that is not `OK` (e.g. `UNDEPLOYED`) is ignored by recognition, and so is a list
//!   whose `target_model` is not the job's model. [`Client::check_vocabulary_for`] (or the pure
//!   [`vocabulary_warnings`]) returns a [`Warning`] for each before a job submits.

mod error;
mod sync;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use asr_protocol::endpoints::{
    create_vocabulary, delete_vocabulary, get_vocabulary, list_vocabularies, update_vocabulary,
};
use asr_types::Model;
use asr_types::vocabulary::{DEFAULT_PAGE_SIZE, MIN_SECONDS_BETWEEN_UPDATES};
use asr_types::{
    CreateVocabularyRequest, CreatedVocabulary, DeleteVocabularyRequest, ListVocabulariesRequest,
    QueryVocabularyRequest, UpdateVocabularyRequest, VocabularyDetails, VocabularyId,
    VocabularyItem, VocabularyList, VocabularyStatus, VocabularySummary, Warning,
};
use futures_util::{Stream, StreamExt as _};
use tokio::time::Instant;

pub use self::error::VocabularyError;
pub use self::sync::{
    ExistingVocabulary, ItemChange, SyncAction, SyncPlan, SyncSpec, VocabularyDiff, diff_items,
    plan_sync,
};
use crate::client::{Client, SendOptions};
use crate::error::Error;

/// Shortest time between two updates of one vocabulary (protocol §11 item 8).
pub const UPDATE_INTERVAL: Duration = Duration::from_secs(MIN_SECONDS_BETWEEN_UPDATES as u64);

/// How long a query in flight at the wait's deadline may still take.
const DEADLINE_GRACE: Duration = Duration::from_secs(2);

/// The delay before readiness query number `attempt + 1`: 250 ms, doubling up to 4 s. A new
/// list is often ready within seconds, and a slower one is not worth more than one query
/// every few seconds.
pub(crate) fn ready_poll_delay(attempt: u32) -> Duration {
    const FIRST: Duration = Duration::from_millis(250);
    const MAX: Duration = Duration::from_secs(4);
    FIRST
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(MAX)
}

/// Why a job using the list `id` (described by `details`) for `model` would not get its hot
/// words: the list is not deployed, or was created for another model. Empty when it is fine.
///
/// ```
/// use asr_transport::{Model, vocabulary_warnings};
/// use asr_types::{VocabularyDetails, VocabularyId, Warning};
///
/// let details: VocabularyDetails =
///     serde_json::from_str(r#"{"status": "UNDEPLOYED", "target_model": "paraformer-v2"}"#)?;
/// let id = VocabularyId::new("vocab-names-0123");
/// let warnings = vocabulary_warnings(&id, &details, &Model::FUN_ASR);
/// assert!(matches!(warnings[..], [Warning::VocabularyNotDeployed { .. }, Warning::VocabularyForAnotherModel { .. }]));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn vocabulary_warnings(
    id: &VocabularyId,
    details: &VocabularyDetails,
    model: &Model,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if !details.is_ready() {
        warnings.push(Warning::VocabularyNotDeployed {
            id: id.clone(),
            status: details.status.clone(),
        });
    }
    if let Some(target) = details.target_model.as_ref().filter(|t| *t != model) {
        warnings.push(Warning::VocabularyForAnotherModel {
            id: id.clone(),
            target_model: target.clone(),
            model: model.clone(),
        });
    }
    warnings
}

/// When the list described by `details` may be updated again: 5 minutes after its last update
/// (read from `gmt_modified`, see [`VocabularyDetails::last_update_epoch_secs`]); `None` when
/// it may be updated now as far as the answer tells (never updated, or no readable time).
pub fn update_allowed_at(details: &VocabularyDetails) -> Option<SystemTime> {
    let last = u64::try_from(details.last_update_epoch_secs()?).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(last) + UPDATE_INTERVAL)
}

/// Refuses an update of `id` before `allowed_at`, naming the time.
///
/// # Errors
///
/// [`VocabularyError::UpdateTooSoon`] when `now` is before `allowed_at`.
pub fn check_update_allowed(
    id: &VocabularyId,
    allowed_at: Option<SystemTime>,
    now: SystemTime,
) -> Result<(), VocabularyError> {
    match allowed_at {
        Some(at) if now < at => Err(VocabularyError::UpdateTooSoon {
            id: id.clone(),
            allowed_at: at,
            wait: at.duration_since(now).unwrap_or_default(),
        }),
        _ => Ok(()),
    }
}

/// The vocabularies a client updated itself, and when.
pub(crate) type RecentUpdates = std::collections::BTreeMap<VocabularyId, SystemTime>;

/// The later of two optional times.
fn later(a: Option<SystemTime>, b: Option<SystemTime>) -> Option<SystemTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The result of [`Client::sync_vocabulary`]: what was planned and the vocabulary that now
/// matches the spec.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SyncOutcome {
    /// The plan that was carried out.
    pub plan: SyncPlan,
    /// The vocabulary that matches the spec (new, updated or unchanged). A new or updated one
    /// is usually `UNDEPLOYED` for a while: see [`Client::wait_vocabulary_ready`].
    pub vocabulary_id: VocabularyId,
}

impl Client {
    /// Creates a vocabulary and returns its id (`vocab-<prefix>-…`).
    ///
    /// A create is resent only when it cannot have reached the service (a connect failure, or
    /// a 429/503 refusal): a duplicate would use up one more of the account's ten lists. If
    /// the answer is lost after sending, the error is
    /// [`VocabularyError::CreateOutcomeUnknown`]; [`Client::sync_vocabulary`] recovers from it
    /// by looking for the new list.
    ///
    /// ```
    /// use asr_transport::Model;
    /// use asr_types::{CreateVocabularyRequest, VocabularyItem};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new()).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let items = [VocabularyItem::new("Kubernetes", 4), VocabularyItem::new("通义千问", 4)];
    /// let request = CreateVocabularyRequest::new(Model::FUN_ASR, "meetings", items);
    /// let created = client.create_vocabulary(&request).await?;
    /// assert_eq!(created.vocabulary_id.prefix(), Some("meetings"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`VocabularyError::Transport`] with [`Error::Build`] for a request that breaks a
    /// documented rule (nothing is sent); [`VocabularyError::QuotaExhausted`];
    /// [`VocabularyError::CreateOutcomeUnknown`]; other service refusals and connection errors
    /// as [`VocabularyError::Transport`].
    pub async fn create_vocabulary(
        &self,
        request: &CreateVocabularyRequest,
    ) -> Result<CreatedVocabulary, VocabularyError> {
        let req = create_vocabulary::build(request, self.context()).map_err(Error::from)?;
        let resp = match self.send_submit(req).await {
            Ok(resp) => resp,
            Err(Error::SubmitOutcomeUnknown { source }) => {
                return Err(VocabularyError::CreateOutcomeUnknown {
                    prefix: request.input.prefix.clone(),
                    source,
                });
            }
            Err(e) => return Err(VocabularyError::from_call(e, None)),
        };
        create_vocabulary::parse(resp)
            .map(|r| r.output)
            .map_err(|e| VocabularyError::from_call(e.into(), None))
    }

    /// Reads a vocabulary: status, target model and items.
    ///
    /// ```
    /// # use asr_transport::Model;
    /// # use asr_types::{CreateVocabularyRequest, VocabularyItem};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new()).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// # let id = client.create_vocabulary(&CreateVocabularyRequest::new(Model::FUN_ASR, "docs", [VocabularyItem::new("Kubernetes", 4)])).await?.vocabulary_id;
    /// let details = client.get_vocabulary(&id).await?;
    /// println!("{id}: {} items, ready: {}", details.vocabulary.len(), details.is_ready());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`VocabularyError::UnknownVocabulary`] for an id the service does not know; other
    /// refusals and connection errors as [`VocabularyError::Transport`].
    pub async fn get_vocabulary(
        &self,
        id: &VocabularyId,
    ) -> Result<VocabularyDetails, VocabularyError> {
        self.query_vocabulary(id)
            .await
            .map_err(|e| VocabularyError::from_call(e, Some(id)))
    }

    /// One `query_vocabulary`, within the client-wide query budget.
    async fn query_vocabulary(&self, id: &VocabularyId) -> Result<VocabularyDetails, Error> {
        let req = get_vocabulary::build(&QueryVocabularyRequest::new(id.clone()), self.context())?;
        let resp = self.send(req, SendOptions::QUERY).await?;
        Ok(get_vocabulary::parse(resp)?.output)
    }

    /// Replaces every item of a vocabulary with `items`. The list is usually `UNDEPLOYED`
    /// again for a while afterwards.
    ///
    /// The body does not name the target model, so `lang` codes are only checked for their
    /// form here; [`plan_sync`] checks them against the model.
    ///
    /// # Errors
    ///
    /// [`VocabularyError::Transport`] with [`Error::Build`] for a bad item list (nothing is
    /// sent); [`VocabularyError::UpdateTooSoon`] when this client updated the list less than
    /// 5 minutes ago (nothing is sent); [`VocabularyError::UnknownVocabulary`]; other refusals
    /// and connection errors as [`VocabularyError::Transport`].
    pub async fn update_vocabulary(
        &self,
        id: &VocabularyId,
        items: Vec<VocabularyItem>,
    ) -> Result<(), VocabularyError> {
        let mine = self
            .vocabulary_updates()
            .get(id)
            .map(|at| *at + UPDATE_INTERVAL);
        check_update_allowed(id, mine, SystemTime::now())?;
        let call = async {
            let request = UpdateVocabularyRequest::new(id.clone(), items);
            let req = update_vocabulary::build(&request, self.context())?;
            // Replacing the whole list twice leaves the same list, so a resend is harmless.
            let resp = self.send(req, SendOptions::READ).await?;
            update_vocabulary::parse(resp)?;
            Ok(())
        };
        call.await
            .map_err(|e| VocabularyError::from_call(e, Some(id)))?;
        self.vocabulary_updates()
            .insert(id.clone(), SystemTime::now());
        Ok(())
    }

    /// Deletes a vocabulary, freeing one of the account's slots.
    ///
    /// # Errors
    ///
    /// [`VocabularyError::UnknownVocabulary`] for an id the service does not know (also when
    /// a resent delete finds the first one already did the job); other refusals and
    /// connection errors as [`VocabularyError::Transport`].
    pub async fn delete_vocabulary(&self, id: &VocabularyId) -> Result<(), VocabularyError> {
        let call = async {
            let request = DeleteVocabularyRequest::new(id.clone());
            let req = delete_vocabulary::build(&request, self.context())?;
            let resp = self.send(req, SendOptions::READ).await?;
            delete_vocabulary::parse(resp)?;
            Ok(())
        };
        call.await
            .map_err(|e| VocabularyError::from_call(e, Some(id)))
    }

    /// Fetches one page of the vocabulary list, within the client-wide query budget.
    ///
    /// # Errors
    ///
    /// [`VocabularyError::Transport`] with [`Error::Build`] for a malformed prefix or a page
    /// size of 0; other refusals and connection errors as [`VocabularyError::Transport`].
    pub async fn list_vocabularies_page(
        &self,
        request: &ListVocabulariesRequest,
    ) -> Result<VocabularyList, VocabularyError> {
        let call = async {
            let req = list_vocabularies::build(request, self.context())?;
            let resp = self.send(req, SendOptions::QUERY).await?;
            Ok(list_vocabularies::parse(resp)?.output)
        };
        call.await.map_err(|e| VocabularyError::from_call(e, None))
    }

    /// Lists the account's vocabularies, following every page; with `prefix`, asks the service
    /// for only those created with it.
    ///
    /// The service's prefix matching is not documented, so callers that own a prefix should
    /// also compare [`VocabularyId::prefix`] themselves (the sync does). Each vocabulary is
    /// yielded once even if the list shifts between pages; a service that ignored the page
    /// index would end the stream instead of repeating a page forever.
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new()).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let all: Vec<_> = client.list_vocabularies(None).try_collect().await?;
    /// println!("{} of the account's vocabularies", all.len());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// The stream ends after the last page (one shorter than the page size); an error ends it
    /// after being yielded.
    pub fn list_vocabularies(
        &self,
        prefix: Option<&str>,
    ) -> impl Stream<Item = Result<VocabularySummary, VocabularyError>> + Send + 'static {
        let mut first = ListVocabulariesRequest::new(0, DEFAULT_PAGE_SIZE);
        if let Some(p) = prefix {
            first = first.with_prefix(p);
        }
        let client = self.clone();
        let state = Some((first, BTreeSet::<VocabularyId>::new()));
        let pages = futures_util::stream::unfold(state, move |state| {
            let client = client.clone();
            async move {
                let (request, mut seen) = state?;
                match client.list_vocabularies_page(&request).await {
                    Ok(page) => {
                        let full = page.vocabulary_list.len() >= request.input.page_size as usize;
                        let fresh: Vec<VocabularySummary> = page
                            .vocabulary_list
                            .into_iter()
                            .filter(|v| seen.insert(v.vocabulary_id.clone()))
                            .collect();
                        // A full page of nothing new means the service is not paging.
                        let next = (full && !fresh.is_empty()).then(|| (request.next_page(), seen));
                        let items: Vec<Result<VocabularySummary, VocabularyError>> =
                            fresh.into_iter().map(Ok).collect();
                        Some((futures_util::stream::iter(items), next))
                    }
                    Err(e) => Some((futures_util::stream::iter(vec![Err(e)]), None)),
                }
            }
        });
        pages.flatten()
    }

    /// Queries a vocabulary until its status is `OK` and returns it, giving up after
    /// `deadline`.
    ///
    /// Queries start 250 ms apart and back off to one every 4 s; they share the client-wide
    /// query budget with every other wait. A query that fails transiently (after the stack's
    /// own retries) does not end the wait; the deadline does. A zero deadline queries once.
    ///
    /// ```
    /// use std::time::Duration;
    /// # use asr_transport::Model;
    /// # use asr_types::{CreateVocabularyRequest, VocabularyItem};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_vocabulary_ready_after(Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// # let id = client.create_vocabulary(&CreateVocabularyRequest::new(Model::FUN_ASR, "docs", [VocabularyItem::new("Kubernetes", 4)])).await?.vocabulary_id;
    /// let ready = client.wait_vocabulary_ready(&id, Duration::from_secs(300)).await?;
    /// assert!(ready.is_ready());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`VocabularyError::NotReady`] when the deadline passes (with the id and the last status
    /// seen); [`VocabularyError::UnknownVocabulary`]; a non-transient refusal as
    /// [`VocabularyError::Transport`].
    pub async fn wait_vocabulary_ready(
        &self,
        id: &VocabularyId,
        deadline: Duration,
    ) -> Result<VocabularyDetails, VocabularyError> {
        let start = Instant::now();
        let until = start + deadline;
        let mut status: Option<VocabularyStatus> = None;
        let mut last_error: Option<Error> = None;
        let mut attempt = 0u32;
        loop {
            // A query in flight at the deadline gets a short grace, so the wait ends near the
            // deadline even if the network hangs.
            let query = tokio::time::timeout_at(until + DEADLINE_GRACE, self.query_vocabulary(id));
            match query.await {
                Ok(Ok(details)) if details.is_ready() => return Ok(details),
                Ok(Ok(details)) => {
                    status = details.status;
                    last_error = None;
                }
                Ok(Err(e)) if e.is_retryable() => {
                    tracing::debug!(%id, error = %e, "vocabulary query failed; still waiting");
                    last_error = Some(e);
                }
                Ok(Err(e)) => return Err(VocabularyError::from_call(e, Some(id))),
                Err(_elapsed) => {}
            }
            let now = Instant::now();
            if now >= until {
                return Err(VocabularyError::NotReady {
                    id: id.clone(),
                    status,
                    waited: now.duration_since(start),
                    last_error: last_error.map(Box::new),
                });
            }
            let at = (now + ready_poll_delay(attempt)).min(until);
            attempt = attempt.saturating_add(1);
            tokio::time::sleep_until(at).await;
        }
    }

    /// Reads every vocabulary with the spec's prefix and plans the sync (see [`plan_sync`]);
    /// changes nothing.
    ///
    /// # Errors
    ///
    /// The errors of [`plan_sync`], and of listing and querying.
    pub async fn plan_vocabulary_sync(&self, spec: SyncSpec) -> Result<SyncPlan, VocabularyError> {
        // Check the spec before any request, so a bad file costs no round trip.
        sync::check_spec(&spec)?;
        let existing = self.existing_with_prefix(&spec.prefix).await?;
        let mut plan = plan_sync(spec, &existing)?;
        if let SyncAction::Update { id } = &plan.action {
            let mine = self
                .vocabulary_updates()
                .get(id)
                .map(|at| *at + UPDATE_INTERVAL);
            plan.update_allowed_at = later(plan.update_allowed_at, mine);
        }
        Ok(plan)
    }

    /// Carries out a plan and returns the id of the vocabulary that now matches its spec.
    ///
    /// A create whose answer was lost is not resent: the prefix is listed again, and a single
    /// new vocabulary for the target model that was not there when the plan was made is taken
    /// as the one created.
    ///
    /// # Errors
    ///
    /// The errors of [`Client::create_vocabulary`] (with
    /// [`VocabularyError::CreateOutcomeUnknown`] only when the new list cannot be found) and
    /// [`Client::update_vocabulary`].
    pub async fn apply_vocabulary_sync(
        &self,
        plan: &SyncPlan,
    ) -> Result<VocabularyId, VocabularyError> {
        let spec = &plan.spec;
        match &plan.action {
            SyncAction::Unchanged { id } => Ok(id.clone()),
            SyncAction::Update { id } => {
                check_update_allowed(id, plan.update_allowed_at, SystemTime::now())?;
                self.update_vocabulary(id, spec.items.clone()).await?;
                Ok(id.clone())
            }
            SyncAction::Create => {
                let request = CreateVocabularyRequest::new(
                    spec.target_model.clone(),
                    spec.prefix.clone(),
                    spec.items.clone(),
                );
                match self.create_vocabulary(&request).await {
                    Ok(created) => Ok(created.vocabulary_id),
                    Err(err @ VocabularyError::CreateOutcomeUnknown { .. }) => {
                        tracing::info!(prefix = %spec.prefix, "create outcome unknown; looking for the new vocabulary");
                        match self.find_created(plan).await {
                            Ok(Some(id)) => Ok(id),
                            Ok(None) => Err(err),
                            Err(lookup) => {
                                tracing::debug!(error = %lookup, "looking for the new vocabulary failed");
                                Err(err)
                            }
                        }
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// Plans and applies a sync: afterwards exactly one vocabulary with the spec's prefix and
    /// target model holds exactly the spec's items. Running it again changes nothing.
    ///
    /// ```
    /// use asr_transport::{Model, SyncAction, SyncSpec};
    /// use asr_types::VocabularyItem;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new()).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let spec = SyncSpec::new("meetings", Model::FUN_ASR, vec![VocabularyItem::new("Kubernetes", 4)]);
    /// let first = client.sync_vocabulary(spec.clone()).await?;
    /// assert_eq!(first.plan.action, SyncAction::Create);
    /// let again = client.sync_vocabulary(spec).await?;
    /// assert!(again.plan.diff.is_empty());
    /// assert_eq!(again.vocabulary_id, first.vocabulary_id);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`Client::plan_vocabulary_sync`] and [`Client::apply_vocabulary_sync`].
    pub async fn sync_vocabulary(&self, spec: SyncSpec) -> Result<SyncOutcome, VocabularyError> {
        let plan = self.plan_vocabulary_sync(spec).await?;
        let vocabulary_id = self.apply_vocabulary_sync(&plan).await?;
        Ok(SyncOutcome {
            plan,
            vocabulary_id,
        })
    }

    /// Reads the list `id` and says why a job for `model` would not get its hot words (see
    /// [`vocabulary_warnings`]); call it before submitting with `vocabulary_id`.
    ///
    /// ```
    /// # use asr_transport::Model;
    /// # use asr_types::{CreateVocabularyRequest, VocabularyItem};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new()).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// # let id = client.create_vocabulary(&CreateVocabularyRequest::new(Model::FUN_ASR, "docs", [VocabularyItem::new("Kubernetes", 4)])).await?.vocabulary_id;
    /// for warning in client.check_vocabulary_for(&id, &Model::PARAFORMER_V2).await? {
    ///     eprintln!("warning: {warning}"); // not deployed yet, and made for fun-asr
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`Client::get_vocabulary`].
    pub async fn check_vocabulary_for(
        &self,
        id: &VocabularyId,
        model: &Model,
    ) -> Result<Vec<Warning>, VocabularyError> {
        let details = self.get_vocabulary(id).await?;
        Ok(vocabulary_warnings(id, &details, model))
    }

    /// Every vocabulary whose id carries exactly `prefix`, with its details. One deleted
    /// between the list and its query is skipped.
    async fn existing_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<ExistingVocabulary>, VocabularyError> {
        let mut ids = Vec::new();
        let mut list = std::pin::pin!(self.list_vocabularies(Some(prefix)));
        while let Some(summary) = list.next().await {
            let summary = summary?;
            if summary.vocabulary_id.prefix() == Some(prefix) {
                ids.push(summary.vocabulary_id);
            }
        }
        let mut existing = Vec::with_capacity(ids.len());
        for id in ids {
            match self.get_vocabulary(&id).await {
                Ok(details) => existing.push(ExistingVocabulary { id, details }),
                Err(VocabularyError::UnknownVocabulary { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(existing)
    }

    /// After a create with a lost answer: the one vocabulary for the plan's prefix and model
    /// that did not exist when the plan was made, if there is exactly one.
    async fn find_created(&self, plan: &SyncPlan) -> Result<Option<VocabularyId>, VocabularyError> {
        let now = self.existing_with_prefix(&plan.spec.prefix).await?;
        let mut new: Vec<VocabularyId> = now
            .into_iter()
            .filter(|v| !plan.known.contains(&v.id) && sync::targets(&v.details, &plan.spec))
            .map(|v| v.id)
            .collect();
        Ok(if new.len() == 1 { new.pop() } else { None })
    }
}
