//! The error of the vocabulary calls: the client's [`Error`] plus the cases whose fix is the
//! user's.

use std::time::Duration;

use asr_types::vocabulary::MAX_VOCABULARIES_PER_ACCOUNT;
use asr_types::{ItemIssue, Model, ValidationError, VocabularyId, VocabularyStatus};

use crate::error::Error;

/// Everything that can go wrong in a vocabulary call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VocabularyError {
    /// The account already holds as many vocabularies as its quota allows
    /// (`Throttling.AllocationQuota`). Waiting does not help, so it is never retried.
    #[error(
        "the account's vocabulary quota is used up ({MAX_VOCABULARIES_PER_ACCOUNT} lists unless raised); delete a vocabulary you no longer need (list them to choose one) or ask Alibaba Cloud for a larger quota"
    )]
    QuotaExhausted {
        /// The service's answer.
        #[source]
        source: Box<Error>,
    },
    /// The service does not know the id (`BadRequest.ResourceNotExist`).
    #[error(
        "no vocabulary `{id}` for this account and region (deleted, mistyped, or created with another key or region); list the vocabularies to find the right id"
    )]
    UnknownVocabulary {
        /// The id asked for.
        id: VocabularyId,
        /// The service's answer.
        #[source]
        source: Box<Error>,
    },
    /// A create was sent but its answer was lost, so the vocabulary may exist. It was not
    /// resent: a duplicate would use up one more list of the quota.
    #[error(
        "the create of a vocabulary with prefix `{prefix}` was sent but its outcome is unknown, so it was not resent; list the vocabularies with this prefix before creating again (a sync does this itself)"
    )]
    CreateOutcomeUnknown {
        /// The prefix of the vocabulary that may have been created.
        prefix: String,
        /// What happened to the answer.
        #[source]
        source: Box<Error>,
    },
    /// The vocabulary was not `OK` by the deadline. It may still become ready on the service.
    #[error(
        "vocabulary {id} is not ready after {waited:.1?} (last status: {}); wait longer, or check it with a query", status_text(.status.as_ref())
    )]
    NotReady {
        /// The vocabulary waited for.
        id: VocabularyId,
        /// The last status seen, if any query succeeded.
        status: Option<VocabularyStatus>,
        /// How long the wait lasted.
        waited: Duration,
        /// The last query error, if the last query failed.
        #[source]
        last_error: Option<Box<Error>>,
    },
    /// The items break documented rules; every problem is listed, with the item's index.
    #[error("{} bad item(s): {}", .issues.len(), first_issue(.issues))]
    InvalidItems {
        /// Every problem, in item order; list-level problems first.
        issues: Vec<ItemIssue>,
    },
    /// The prefix or the target model breaks a documented rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// Several vocabularies have the prefix and the target model, so a sync cannot tell which
    /// one to keep.
    #[error(
        "{} vocabularies have prefix `{prefix}` and target `{target_model}` ({}); delete all but one, then sync again", .ids.len(), join(.ids)
    )]
    Ambiguous {
        /// The prefix.
        prefix: String,
        /// The target model.
        target_model: Model,
        /// The vocabularies found, as listed.
        ids: Vec<VocabularyId>,
    },
    /// An update of this list would come less than 5 minutes after its last one, which the
    /// service does not take (protocol §11 item 8). Nothing was sent; run it again after
    /// `allowed_at`.
    #[error(
        "vocabulary {id} was updated less than 5 minutes ago, and the service takes one update per list every 5 minutes; nothing was sent: run this again in {}", wait_text(*.wait)
    )]
    UpdateTooSoon {
        /// The list.
        id: VocabularyId,
        /// The earliest time the update may be sent.
        allowed_at: std::time::SystemTime,
        /// How long that is from when the error was made.
        wait: Duration,
    },
    /// Any other failure of the call: a request that could not be built, the service's
    /// refusal, a connection problem.
    #[error(transparent)]
    Transport(Box<Error>),
}

impl From<Error> for VocabularyError {
    fn from(err: Error) -> Self {
        VocabularyError::Transport(Box::new(err))
    }
}

fn wait_text(wait: Duration) -> String {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

fn status_text(status: Option<&VocabularyStatus>) -> String {
    status.map_or_else(|| "none seen".to_owned(), ToString::to_string)
}

fn first_issue(issues: &[ItemIssue]) -> String {
    match issues {
        [] => "none".to_owned(),
        [only] => only.to_string(),
        [first, ..] => format!("{first} (and more)"),
    }
}

fn join(ids: &[VocabularyId]) -> String {
    ids.iter()
        .map(VocabularyId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl VocabularyError {
    /// Sorts a call's error into the quota and unknown-id cases, or keeps it as is.
    pub(crate) fn from_call(err: Error, id: Option<&VocabularyId>) -> Self {
        let (quota, unknown) = match &err {
            Error::Response(r) => (r.is_quota_exhausted(), r.is_unknown_vocabulary()),
            _ => (false, false),
        };
        match (quota, unknown, id) {
            (true, _, _) => VocabularyError::QuotaExhausted {
                source: Box::new(err),
            },
            (_, true, Some(id)) => VocabularyError::UnknownVocabulary {
                id: id.clone(),
                source: Box::new(err),
            },
            _ => VocabularyError::from(err),
        }
    }

    /// Whether trying the same call again later could succeed (see [`Error::is_retryable`]);
    /// a full quota, an unknown id, bad items and an unknown create outcome answer `false`.
    pub fn is_retryable(&self) -> bool {
        match self {
            VocabularyError::NotReady { .. } | VocabularyError::UpdateTooSoon { .. } => true,
            VocabularyError::Transport(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// The vocabulary the error is about, if any.
    pub fn vocabulary_id(&self) -> Option<&VocabularyId> {
        match self {
            VocabularyError::UnknownVocabulary { id, .. }
            | VocabularyError::NotReady { id, .. }
            | VocabularyError::UpdateTooSoon { id, .. } => Some(id),
            _ => None,
        }
    }
}
