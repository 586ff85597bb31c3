//! Warnings: what a request is sent with although the documentation does not vouch for it.
//!
//! Validation refuses what the documentation rules out; a [`Warning`] marks what it neither
//! vouches for nor rules out, so the request is sent and the service decides. The request
//! types return their warnings (`TranscriptionRequest::warnings`, `Model::warning`, …), the
//! client's vocabulary check adds its own, and the CLI prints each as `warning: …` on stderr
//! before it sends anything.
//!
//! ```
//! use asr_types::{Model, TranscriptionRequest, Warning};
//!
//! // A snapshot released after this SDK: sent as a Fun-ASR model, with a warning.
//! let request = TranscriptionRequest::new("fun-asr-2027-01-01", ["https://example.com/a.wav"]);
//! request.validate()?;
//! assert!(matches!(request.warnings()[..], [Warning::UndocumentedModel { .. }]));
//!
//! // Estonian is on only one of the two Fun-ASR pages: accepted, with a warning.
//! let request = TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"])
//!     .with_language_hints(["et"]);
//! request.validate()?;
//! assert!(request.warnings()[0].to_string().contains("`et`"));
//! # Ok::<(), asr_types::ValidationError>(())
//! ```

use std::fmt;

use crate::model::{Model, ModelFamily};
use crate::vocabulary::{VocabularyId, VocabularyStatus};

/// Something a request is sent with although the documentation does not vouch for it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// The model id is not one this SDK documents. With a known family prefix it is sent with
    /// that family's request shape (so a snapshot works the day it ships); without one it is
    /// sent as is, and only model-independent rules were checked.
    UndocumentedModel {
        /// The id.
        model: Model,
        /// Its family by prefix ([`ModelFamily::Other`] for none).
        family: ModelFamily,
    },
    /// A language code that only one of the model's documentation pages lists (protocol §11
    /// item 6: the Fun-ASR Python-SDK page lists `et ga lv lt mt sl`, the REST page does not).
    LanguageListedOnce {
        /// The wire field, e.g. `parameters.language_hints[0]`.
        field: String,
        /// The code.
        code: String,
        /// The model.
        model: Model,
    },
    /// The hot-word list is not deployed (`UNDEPLOYED`, or no status), and recognition ignores
    /// a list until it is `OK`.
    VocabularyNotDeployed {
        /// The list.
        id: VocabularyId,
        /// Its status, if the service sent one.
        status: Option<VocabularyStatus>,
    },
    /// The hot-word list was created for another model, and the service silently ignores a
    /// list whose `target_model` differs from the job's model.
    VocabularyForAnotherModel {
        /// The list.
        id: VocabularyId,
        /// The model it was created for.
        target_model: Model,
        /// The job's model.
        model: Model,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::UndocumentedModel {
                model,
                family: ModelFamily::Other,
            } => write!(
                f,
                "model `{model}` is not one this version knows and matches no known family; it \
                 is sent as is, unchecked, and the service decides (check the id if the call \
                 fails)"
            ),
            Warning::UndocumentedModel { model, family } => write!(
                f,
                "model `{model}` is not one this version documents; it is sent as a {} model, \
                 and the service decides (check the id if the call fails)",
                family.name()
            ),
            Warning::LanguageListedOnce { field, code, model } => write!(
                f,
                "`{field}`: `{code}` is listed for `{model}` on only one of its documentation \
                 pages; it is sent, and the service decides"
            ),
            Warning::VocabularyNotDeployed { id, status } => write!(
                f,
                "hot-word list {id} is {} and recognition ignores it until it is OK; wait for \
                 it (`asr vocab show {id}`) or expect no hot-word effect",
                status.as_ref().map_or("not deployed", |s| s.as_str())
            ),
            Warning::VocabularyForAnotherModel {
                id,
                target_model,
                model,
            } => write!(
                f,
                "hot-word list {id} was created for `{target_model}`, not `{model}`, and the \
                 service silently ignores it for this job; use a list created for `{model}` \
                 (e.g. `asr vocab sync --target-model {model} …`)"
            ),
        }
    }
}
