//! Turning recognition options into submit requests, checked before anything is uploaded.

use asr_transport::{Model, QwenFiletransRequest, Submission, TranscriptionRequest};
use asr_types::{ModelFamily, SpecialWordFilter, ValidationError, Warning};

use crate::cli::JobArgs;
use crate::exit;
use crate::inputs;

/// The recognition options of a batch, validated once.
#[derive(Debug, Clone)]
pub struct JobSpec {
    /// The model.
    pub model: Model,
    language: Option<String>,
    vocabulary_id: Option<String>,
    channels: Vec<i64>,
    speakers: Option<u32>,
    diarize: bool,
    filter: Option<SpecialWordFilter>,
}

/// The most files the service takes in one `file_urls` task.
const MAX_FILES_PER_TASK: usize = 100;

/// A URL that passes URL checks, used to validate the options before any real input exists.
const PROBE_URL: &str = "https://example.com/probe.wav";

impl JobSpec {
    /// Check the options against the model's documented rules.
    ///
    /// # Errors
    ///
    /// Invalid input (exit 3) naming the flag: speaker count out of range, a language the
    /// model does not know, an option the model does not take, a malformed filter.
    pub fn from_args(args: &JobArgs) -> anyhow::Result<Self> {
        let model = Model::new(args.model.trim());
        if model.as_str().is_empty() {
            return Err(exit::invalid_input(
                "`--model`: empty; pass a model id such as fun-asr",
            ));
        }
        let speakers = match args.speakers {
            Some(n) if !(2..=100).contains(&n) => {
                return Err(exit::invalid_input(format!(
                    "`--speakers`: the speaker count must be between 2 and 100, got {n}; omit \
                     it to let the service decide"
                )));
            }
            Some(n) => u32::try_from(n).ok(),
            None => None,
        };
        let filter = match &args.filter {
            Some(arg) => {
                let text = inputs::read_filter(arg)?;
                Some(SpecialWordFilter::from_wire_string(&text).map_err(|e| {
                    exit::Failure::new(
                        exit::Kind::InvalidInput,
                        "`--filter`: not a filter JSON object; pass e.g. \
                         '{\"filter_with_signed\":{\"word_list\":[\"word\"]}}'",
                    )
                    .with_source(e)
                })?)
            }
            None => None,
        };
        let spec = Self {
            language: args.language.as_ref().map(|l| l.trim().to_owned()),
            vocabulary_id: args.vocabulary_id.clone(),
            channels: args.channels.iter().map(|&c| i64::from(c)).collect(),
            diarize: args.diarize || speakers.is_some(),
            speakers,
            filter,
            model,
        };
        spec.check_qwen_options()?;
        match spec.request(vec![PROBE_URL.to_owned()]) {
            Submission::Transcription(r) => r.validate(),
            Submission::QwenFiletrans(r) => r.validate(),
            _ => Ok(()),
        }
        .map_err(flag_error)?;
        Ok(spec)
    }

    fn is_qwen_filetrans(&self) -> bool {
        self.model.family() == ModelFamily::Qwen3AsrFiletrans
    }

    /// The `file_url` shape takes no speakers, hot words or filter: say so instead of sending
    /// options the model would ignore.
    fn check_qwen_options(&self) -> anyhow::Result<()> {
        if !self.is_qwen_filetrans() {
            return Ok(());
        }
        let unsupported = [
            (self.diarize, "--diarize/--speakers"),
            (self.vocabulary_id.is_some(), "--vocabulary-id"),
            (self.filter.is_some(), "--filter"),
        ];
        for (set, flag) in unsupported {
            if set {
                return Err(exit::invalid_input(format!(
                    "`{flag}`: `{}` does not take this option; use fun-asr or paraformer-v2, \
                     or drop the option",
                    self.model
                )));
            }
        }
        Ok(())
    }

    /// How many inputs go into one task: 100 (the documented maximum) for Fun-ASR and
    /// Paraformer, one for Qwen3-ASR-Flash-Filetrans (`file_url` takes one), and one for the
    /// Qwen-Audio filetrans models and models this version does not know, which may take
    /// only one URL per task (protocol §9.2): a smaller task costs a submit, a refused one
    /// costs the whole group.
    pub fn group_size(&self) -> usize {
        match self.model.family() {
            ModelFamily::FunAsr | ModelFamily::Paraformer => MAX_FILES_PER_TASK,
            _ => 1,
        }
    }

    /// The submit request for the input URLs of one task (at most [`JobSpec::group_size`]).
    pub fn request(&self, mut urls: Vec<String>) -> Submission {
        if self.is_qwen_filetrans() {
            let url = if urls.is_empty() {
                String::new()
            } else {
                urls.swap_remove(0)
            };
            // Word times let subtitles split long sentences at word boundaries.
            let mut r = QwenFiletransRequest::new(self.model.clone(), url).with_words(true);
            if let Some(lang) = &self.language {
                r = r.with_language(lang.clone());
            }
            if !self.channels.is_empty() {
                r = r.with_channels(self.channels.iter().copied());
            }
            return r.into();
        }
        let mut r = TranscriptionRequest::new(self.model.clone(), urls);
        if let Some(lang) = &self.language {
            r = r.with_language_hints([lang.clone()]);
        }
        if let Some(id) = &self.vocabulary_id {
            r = r.with_vocabulary_id(id.clone());
        }
        if !self.channels.is_empty() {
            r = r.with_channels(self.channels.iter().copied());
        }
        if self.diarize {
            r = r.with_diarization(self.speakers);
        }
        if let Some(filter) = &self.filter {
            r = r.with_special_word_filter(filter.clone());
        }
        r.into()
    }
}

/// What the job's requests would be sent with although the documentation does not vouch for
/// it (an undocumented model, a language one page lists); empty when the options are invalid,
/// which [`JobSpec::from_args`] reports.
pub fn warnings(args: &JobArgs) -> Vec<Warning> {
    match JobSpec::from_args(args).map(|spec| spec.request(vec![PROBE_URL.to_owned()])) {
        Ok(Submission::Transcription(r)) => r.warnings(),
        Ok(Submission::QwenFiletrans(r)) => r.warnings(),
        _ => Vec::new(),
    }
}

/// Name the flag a wire field comes from, keeping the library's rule and fix.
fn flag_error(e: ValidationError) -> anyhow::Error {
    let field = e.field.as_str();
    let flag = if field.starts_with("parameters.language") {
        "--language"
    } else if field.starts_with("parameters.speaker_count") {
        "--speakers"
    } else if field.starts_with("parameters.diarization") {
        "--diarize"
    } else if field.starts_with("parameters.channel_id") {
        "--channel"
    } else if field.starts_with("parameters.vocabulary_id") {
        "--vocabulary-id"
    } else if field.starts_with("parameters.special_word_filter") {
        "--filter"
    } else if field == "model" {
        "--model"
    } else {
        ""
    };
    let message = if flag.is_empty() {
        e.to_string()
    } else {
        format!("`{flag}` ({field}): {}", e.problem)
    };
    exit::Failure::new(exit::Kind::InvalidInput, message).into()
}

#[cfg(test)]
mod tests;
