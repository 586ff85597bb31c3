//! What every task of a batch is submitted with: the model and its request parameters.

use asr_transport::Submission;
use asr_types::{FileInput, Model, QwenFiletransRequest, TranscriptionRequest};

use crate::input::OptionsId;

/// The model and parameters of a batch. Every task gets a copy of the template request with
/// its own file URLs.
///
/// ```
/// use asr_batch::Job;
/// use asr_types::{Model, TranscriptionRequest};
///
/// let plain = Job::new(Model::FUN_ASR);
/// assert_eq!(plain.files_per_task(), 100);
///
/// let diarized = Job::from_request(
///     TranscriptionRequest::new(Model::FUN_ASR, Vec::<String>::new()).with_diarization(Some(2)),
/// );
/// assert_ne!(plain.options_id(), diarized.options_id());
/// ```
#[derive(Clone, Debug)]
pub struct Job {
    template: Submission,
    model: Model,
    options: OptionsId,
}

impl Job {
    /// The default request for `model`: `file_url` for Qwen3-ASR-Flash-Filetrans, `file_urls`
    /// for every other model.
    pub fn new(model: impl Into<Model>) -> Self {
        let model = model.into();
        let template = if model.family().file_input() == Some(FileInput::FileUrl) {
            Submission::QwenFiletrans(QwenFiletransRequest::new(model, String::new()))
        } else {
            Submission::Transcription(TranscriptionRequest::new(model, Vec::<String>::new()))
        };
        Self::from_request(template)
    }

    /// Uses `request`'s model and parameters for every task; its URLs are replaced.
    pub fn from_request(request: impl Into<Submission>) -> Self {
        let mut template = request.into();
        let (model, encoded) = match &mut template {
            Submission::Transcription(r) => {
                r.input.file_urls.clear();
                (r.model.clone(), serde_json::to_vec(r))
            }
            Submission::QwenFiletrans(r) => {
                r.input.file_url.clear();
                (r.model.clone(), serde_json::to_vec(r))
            }
            // A shape this version cannot build has no model to name.
            _ => (Model::new(String::new()), Ok(Vec::new())),
        };
        // Serialising these plain request types cannot fail.
        let options = OptionsId::of(&encoded.unwrap_or_default());
        Job {
            template,
            model,
            options,
        }
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Files per task, from [`asr_types::ModelFamily::files_per_task`]; one for the `file_url`
    /// shape whatever the family says.
    pub fn files_per_task(&self) -> usize {
        match &self.template {
            Submission::Transcription(r) => r.model.family().files_per_task().max(1),
            _ => 1,
        }
    }

    /// The fingerprint of the model and parameters (see [`OptionsId`]).
    pub fn options_id(&self) -> OptionsId {
        self.options
    }

    /// The template request (its URLs empty).
    pub fn template(&self) -> &Submission {
        &self.template
    }

    /// The submit of one task for `urls` (at most [`Job::files_per_task`]; the `file_url`
    /// shape takes the first).
    ///
    /// ```
    /// use asr_batch::Job;
    /// use asr_transport::Submission;
    /// use asr_types::Model;
    /// let submission = Job::new(Model::FUN_ASR).request(vec!["https://example.com/a.wav".into()]);
    /// assert!(matches!(submission, Submission::Transcription(r) if r.input.file_urls.len() == 1));
    /// ```
    pub fn request(&self, urls: Vec<String>) -> Submission {
        match &self.template {
            Submission::Transcription(r) => {
                let mut r = r.clone();
                r.input.file_urls = urls;
                Submission::Transcription(r)
            }
            Submission::QwenFiletrans(r) => {
                let mut r = r.clone();
                r.input.file_url = urls.into_iter().next().unwrap_or_default();
                Submission::QwenFiletrans(r)
            }
            other => other.clone(),
        }
    }
}

impl From<Model> for Job {
    fn from(model: Model) -> Self {
        Job::new(model)
    }
}

impl From<TranscriptionRequest> for Job {
    fn from(r: TranscriptionRequest) -> Self {
        Job::from_request(r)
    }
}

impl From<QwenFiletransRequest> for Job {
    fn from(r: QwenFiletransRequest) -> Self {
        Job::from_request(r)
    }
}

impl From<Submission> for Job {
    fn from(s: Submission) -> Self {
        Job::from_request(s)
    }
}
