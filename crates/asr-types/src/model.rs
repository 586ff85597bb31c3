//! Model ids, the model family derived from an id, and what each family accepts.
//!
//! The service adds models and dated snapshots often, so a [`Model`] is any string; the constants
//! name every model documented at the time of writing. Capability queries answer for the
//! documented models and stay silent (`Other`) for ids they do not recognise, so validation never
//! rejects a model the service may have added since.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::warning::Warning;

/// A DashScope model id such as `fun-asr` or `qwen3-asr-flash-filetrans`.
///
/// Serialised as the plain id string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Model(Cow<'static, str>);

impl Model {
    /// `fun-asr`: the stable Fun-ASR alias (currently `fun-asr-2025-11-07`).
    pub const FUN_ASR: Model = Model::from_static("fun-asr");
    /// `fun-asr-2025-11-07`: Fun-ASR snapshot.
    pub const FUN_ASR_2025_11_07: Model = Model::from_static("fun-asr-2025-11-07");
    /// `fun-asr-2025-08-25`: Fun-ASR snapshot that only knows `zh` and `en`.
    pub const FUN_ASR_2025_08_25: Model = Model::from_static("fun-asr-2025-08-25");
    /// `fun-asr-mtl`: multilingual Fun-ASR alias (currently `fun-asr-mtl-2025-08-25`).
    pub const FUN_ASR_MTL: Model = Model::from_static("fun-asr-mtl");
    /// `fun-asr-mtl-2025-08-25`: multilingual Fun-ASR snapshot.
    pub const FUN_ASR_MTL_2025_08_25: Model = Model::from_static("fun-asr-mtl-2025-08-25");
    /// `paraformer-v2` (Beijing only).
    pub const PARAFORMER_V2: Model = Model::from_static("paraformer-v2");
    /// `paraformer-8k-v2` for 8 kHz telephone audio (Beijing only).
    pub const PARAFORMER_8K_V2: Model = Model::from_static("paraformer-8k-v2");
    /// `paraformer-v1` (Beijing only; hot words through top-level `resources`).
    pub const PARAFORMER_V1: Model = Model::from_static("paraformer-v1");
    /// `paraformer-8k-v1` (Beijing only; hot words through top-level `resources`).
    pub const PARAFORMER_8K_V1: Model = Model::from_static("paraformer-8k-v1");
    /// `paraformer-mtl-v1` (Beijing only; hot words through top-level `resources`).
    pub const PARAFORMER_MTL_V1: Model = Model::from_static("paraformer-mtl-v1");
    /// `qwen-audio-3.0-asr-flash-filetrans`: async, `file_urls` shape, instant hot words.
    pub const QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS: Model =
        Model::from_static("qwen-audio-3.0-asr-flash-filetrans");
    /// `qwen-audio-3.1-asr-flash-filetrans`: async, `file_urls` shape (one URL per task is the
    /// safe reading, protocol §9 item 2); speaker separation (`diarization_enabled`), hot
    /// words with context (`vocabulary_id`, `input.context`); billed per token
    /// ([`crate::TaskUsage::billed_tokens`]).
    pub const QWEN_AUDIO_3_1_ASR_FLASH_FILETRANS: Model =
        Model::from_static("qwen-audio-3.1-asr-flash-filetrans");
    /// `qwen3-asr-flash-filetrans`: async, single `file_url` shape.
    pub const QWEN3_ASR_FLASH_FILETRANS: Model = Model::from_static("qwen3-asr-flash-filetrans");
    /// `qwen3-asr-flash-filetrans-2025-11-17`: snapshot of `qwen3-asr-flash-filetrans`.
    pub const QWEN3_ASR_FLASH_FILETRANS_2025_11_17: Model =
        Model::from_static("qwen3-asr-flash-filetrans-2025-11-17");
    /// `fun-asr-flash-2026-06-15`: synchronous `multimodal-generation` model.
    pub const FUN_ASR_FLASH_2026_06_15: Model = Model::from_static("fun-asr-flash-2026-06-15");
    /// `qwen-audio-3.0-asr-flash`: synchronous `multimodal-generation` model.
    pub const QWEN_AUDIO_3_0_ASR_FLASH: Model = Model::from_static("qwen-audio-3.0-asr-flash");
    /// `qwen-audio-3.1-asr-flash`: synchronous `multimodal-generation` model
    /// ([`crate::FlashRequest`]; 7,168 input and 1,024 output tokens; usage in tokens,
    /// [`crate::RecognitionUsage::billed_tokens`]).
    pub const QWEN_AUDIO_3_1_ASR_FLASH: Model = Model::from_static("qwen-audio-3.1-asr-flash");
    /// `fun-asr-realtime`: realtime model, also callable over HTTP in Beijing.
    pub const FUN_ASR_REALTIME: Model = Model::from_static("fun-asr-realtime");
    /// `qwen3-asr-flash`: synchronous Qwen3-ASR (alias of `qwen3-asr-flash-2025-09-08`).
    pub const QWEN3_ASR_FLASH: Model = Model::from_static("qwen3-asr-flash");
    /// `qwen3-asr-flash-2026-02-10`: synchronous Qwen3-ASR snapshot.
    pub const QWEN3_ASR_FLASH_2026_02_10: Model = Model::from_static("qwen3-asr-flash-2026-02-10");
    /// `qwen3-asr-flash-2025-09-08`: synchronous Qwen3-ASR snapshot.
    pub const QWEN3_ASR_FLASH_2025_09_08: Model = Model::from_static("qwen3-asr-flash-2025-09-08");
    /// `qwen3-asr-flash-us`: synchronous Qwen3-ASR in the US region.
    pub const QWEN3_ASR_FLASH_US: Model = Model::from_static("qwen3-asr-flash-us");
    /// `qwen3-asr-flash-2025-09-08-us`: synchronous Qwen3-ASR snapshot in the US region.
    pub const QWEN3_ASR_FLASH_2025_09_08_US: Model =
        Model::from_static("qwen3-asr-flash-2025-09-08-us");
    /// `qwen3-omni-flash`: Omni model usable as a transcriber (OpenAI-compatible, streaming).
    pub const QWEN3_OMNI_FLASH: Model = Model::from_static("qwen3-omni-flash");
    /// `qwen3.5-omni-plus`: Omni model usable as a transcriber (OpenAI-compatible, streaming).
    pub const QWEN3_5_OMNI_PLUS: Model = Model::from_static("qwen3.5-omni-plus");
    /// `qwen3.5-omni-flash`: Omni model usable as a transcriber (OpenAI-compatible, streaming).
    pub const QWEN3_5_OMNI_FLASH: Model = Model::from_static("qwen3.5-omni-flash");
    /// `qwen-omni-turbo`: deprecated Omni model.
    pub const QWEN_OMNI_TURBO: Model = Model::from_static("qwen-omni-turbo");

    /// Every model id documented in the protocol reference, in documentation order.
    pub const DOCUMENTED: &'static [Model] = &[
        Model::FUN_ASR,
        Model::FUN_ASR_2025_11_07,
        Model::FUN_ASR_2025_08_25,
        Model::FUN_ASR_MTL,
        Model::FUN_ASR_MTL_2025_08_25,
        Model::PARAFORMER_V2,
        Model::PARAFORMER_8K_V2,
        Model::PARAFORMER_V1,
        Model::PARAFORMER_8K_V1,
        Model::PARAFORMER_MTL_V1,
        Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS,
        Model::QWEN_AUDIO_3_1_ASR_FLASH_FILETRANS,
        Model::QWEN3_ASR_FLASH_FILETRANS,
        Model::QWEN3_ASR_FLASH_FILETRANS_2025_11_17,
        Model::FUN_ASR_FLASH_2026_06_15,
        Model::QWEN_AUDIO_3_0_ASR_FLASH,
        Model::QWEN_AUDIO_3_1_ASR_FLASH,
        Model::FUN_ASR_REALTIME,
        Model::QWEN3_ASR_FLASH,
        Model::QWEN3_ASR_FLASH_2026_02_10,
        Model::QWEN3_ASR_FLASH_2025_09_08,
        Model::QWEN3_ASR_FLASH_US,
        Model::QWEN3_ASR_FLASH_2025_09_08_US,
        Model::QWEN3_OMNI_FLASH,
        Model::QWEN3_5_OMNI_PLUS,
        Model::QWEN3_5_OMNI_FLASH,
        Model::QWEN_OMNI_TURBO,
    ];

    /// Any model id, documented or not.
    pub fn new(id: impl Into<String>) -> Self {
        Model(Cow::Owned(id.into()))
    }

    /// A model id from a static string, usable in `const` items.
    pub const fn from_static(id: &'static str) -> Self {
        Model(Cow::Borrowed(id))
    }

    /// The id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The family this id belongs to, by prefix (dated snapshots included).
    pub fn family(&self) -> ModelFamily {
        ModelFamily::of(self.as_str())
    }

    /// Whether the id is one of [`Model::DOCUMENTED`].
    pub fn is_documented(&self) -> bool {
        Model::DOCUMENTED
            .iter()
            .any(|m| m.as_str() == self.as_str())
    }

    /// The warning for an id this version does not document: it is still sent (with its
    /// family's request shape, when the prefix names one), so a new snapshot works the day it
    /// ships; `None` for documented ids and the empty id (which validation refuses).
    ///
    /// ```
    /// use asr_types::{Model, ModelFamily, Warning};
    ///
    /// assert_eq!(Model::FUN_ASR.warning(), None);
    /// let newer = Model::new("qwen-audio-3.2-asr-flash-filetrans");
    /// assert_eq!(
    ///     newer.warning(),
    ///     Some(Warning::UndocumentedModel { model: newer.clone(), family: ModelFamily::QwenAudioFiletrans })
    /// );
    /// ```
    pub fn warning(&self) -> Option<Warning> {
        (!self.is_documented() && !self.as_str().trim().is_empty()).then(|| {
            Warning::UndocumentedModel {
                model: self.clone(),
                family: self.family(),
            }
        })
    }

    /// Whether the model takes `diarization_enabled` and `speaker_count`: Fun-ASR, Paraformer,
    /// and the Qwen-Audio filetrans models from 3.1 on ("speaker separation"; the same
    /// parameters on the same endpoint is our reading, protocol §11 item 5).
    pub fn accepts_diarization(&self) -> bool {
        match self.family() {
            ModelFamily::FunAsr | ModelFamily::Paraformer => true,
            ModelFamily::QwenAudioFiletrans => !self.as_str().starts_with("qwen-audio-3.0-"),
            _ => false,
        }
    }

    /// Whether the model takes instant hot words (`parameters.vocabulary`).
    ///
    /// Documented only for the Qwen-Audio-3.0 ASR models; unknown ids answer `false`.
    pub fn accepts_instant_vocabulary(&self) -> bool {
        matches!(
            self.as_str(),
            "qwen-audio-3.0-asr-flash-filetrans" | "qwen-audio-3.0-asr-flash"
        )
    }

    /// Whether the model takes legacy phrase hot words through top-level `resources`
    /// (the Paraformer v1 family only).
    pub fn accepts_resources(&self) -> bool {
        self.is_paraformer_v1()
    }

    /// Whether the model takes a pre-compiled hot-word list (`parameters.vocabulary_id`).
    ///
    /// The Paraformer v1 family uses `resources` instead.
    pub fn accepts_vocabulary_id(&self) -> bool {
        match self.family() {
            ModelFamily::Paraformer => !self.is_paraformer_v1(),
            ModelFamily::FunAsr | ModelFamily::QwenAudioFiletrans | ModelFamily::Flash => true,
            _ => false,
        }
    }

    /// The `language_hints` this model accepts, or `None` when the model does not take the
    /// parameter or its list is not documented (undated future snapshots).
    pub fn language_hints(&self) -> Option<LanguageHints> {
        let id = self.as_str();
        match id {
            // `fun-asr` is `fun-asr-2025-11-07`; its Python-SDK page lists six codes more than
            // the REST page (protocol §11 item 6): the union is accepted, those with a warning.
            "fun-asr" | "fun-asr-2025-11-07" => Some(LanguageHints {
                codes: FUN_ASR_LANGUAGES,
                listed_once: FUN_ASR_SDK_PAGE_LANGUAGES,
                max: None,
                only_first_used: true,
            }),
            "fun-asr-mtl" | "fun-asr-mtl-2025-08-25" => Some(LanguageHints {
                codes: FUN_ASR_LANGUAGES,
                listed_once: &[],
                max: None,
                only_first_used: true,
            }),
            "fun-asr-2025-08-25" => Some(LanguageHints {
                codes: &["zh", "en"],
                listed_once: &[],
                max: None,
                only_first_used: true,
            }),
            // The docs list codes for 3.0 only; 3.1 shares the endpoint and the limit of four,
            // so the same list is the best available reading.
            "qwen-audio-3.0-asr-flash-filetrans" | "qwen-audio-3.1-asr-flash-filetrans" => {
                Some(LanguageHints {
                    codes: FUN_ASR_LANGUAGES,
                    listed_once: &[],
                    max: Some(4),
                    only_first_used: false,
                })
            }
            "paraformer-v2" => Some(LanguageHints {
                codes: PARAFORMER_V2_LANGUAGES,
                listed_once: &[],
                max: None,
                only_first_used: false,
            }),
            _ => None,
        }
    }

    /// Whether this model documents that it takes no `language_hints` at all
    /// (every Paraformer except `paraformer-v2`).
    pub fn rejects_language_hints(&self) -> bool {
        self.family() == ModelFamily::Paraformer && self.as_str() != "paraformer-v2"
    }

    fn is_paraformer_v1(&self) -> bool {
        self.family() == ModelFamily::Paraformer && self.as_str().ends_with("-v1")
    }
}

/// Language codes of `fun-asr`, `fun-asr-mtl` and the Qwen-Audio-3.x models (protocol §2.4, §3.1).
pub const FUN_ASR_LANGUAGES: &[&str] = &[
    "zh", "en", "ja", "ko", "vi", "th", "id", "ms", "tl", "hi", "ar", "fr", "de", "es", "pt", "ru",
    "it", "nl", "sv", "da", "fi", "no", "el", "pl", "cs", "hu", "ro", "bg", "hr", "sk",
];

/// Language codes the Python-SDK page of the Fun-ASR reference lists for `fun-asr` and the REST
/// page omits: Estonian, Irish, Latvian, Lithuanian, Maltese, Slovenian (protocol §11 item 6).
pub const FUN_ASR_SDK_PAGE_LANGUAGES: &[&str] = &["et", "ga", "lv", "lt", "mt", "sl"];

/// Language codes of `paraformer-v2` (protocol §2.4).
pub const PARAFORMER_V2_LANGUAGES: &[&str] = &["zh", "en", "ja", "yue", "ko", "de", "fr", "ru"];

/// Language codes of Qwen3-ASR-Flash and Qwen3-ASR-Flash-Filetrans (protocol §4.1).
pub const QWEN3_ASR_LANGUAGES: &[&str] = &[
    "zh", "yue", "en", "ja", "de", "ko", "ru", "fr", "pt", "ar", "it", "es", "hi", "id", "th",
    "tr", "uk", "vi", "cs", "da", "fil", "fi", "is", "ms", "no", "pl", "sv",
];

/// What a model accepts in `parameters.language_hints`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LanguageHints {
    /// Accepted codes, listed on every documentation page of the model.
    pub codes: &'static [&'static str],
    /// Codes only one documentation page lists: accepted, with a [`Warning`].
    pub listed_once: &'static [&'static str],
    /// Most hints the model takes, if limited.
    pub max: Option<usize>,
    /// The model reads only the first hint (Fun-ASR); more are allowed but ignored.
    pub only_first_used: bool,
}

impl LanguageHints {
    /// Whether `code` is accepted (listed on every page, or on one).
    pub fn accepts(&self, code: &str) -> bool {
        self.codes.contains(&code) || self.is_listed_once(code)
    }

    /// Whether only one documentation page lists `code`.
    pub fn is_listed_once(&self, code: &str) -> bool {
        self.listed_once.contains(&code)
    }

    /// Every accepted code, the ones listed once last.
    pub fn all(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.codes.iter().chain(self.listed_once).copied()
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Model({:?})", self.as_str())
    }
}

impl From<&str> for Model {
    fn from(id: &str) -> Self {
        Model::new(id)
    }
}

impl From<String> for Model {
    fn from(id: String) -> Self {
        Model::new(id)
    }
}

impl AsRef<str> for Model {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Serialize for Model {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Model {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Model::new)
    }
}

/// The family of a model, which decides the endpoint, the request shape and the options it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ModelFamily {
    /// `fun-asr`, `fun-asr-mtl` and their snapshots: async, `file_urls`.
    FunAsr,
    /// `paraformer-*` (v1 and v2): async, `file_urls`.
    Paraformer,
    /// `qwen-audio-3.x-asr-flash-filetrans`: async, `file_urls`.
    QwenAudioFiletrans,
    /// `qwen3-asr-flash-filetrans` and snapshots: async, single `file_url`.
    Qwen3AsrFiletrans,
    /// `fun-asr-flash-*` and `qwen-audio-3.x-asr-flash`: synchronous `multimodal-generation`.
    Flash,
    /// `qwen3-asr-flash` and snapshots: synchronous `multimodal-generation` or OpenAI-compatible.
    Qwen3AsrFlash,
    /// Qwen-Omni models: OpenAI-compatible streaming chat completions only.
    Omni,
    /// Realtime models (`*-realtime*`): WebSocket API, not file transcription.
    Realtime,
    /// An id no rule recognises; no capability is assumed and no option is rejected.
    Other,
}

/// How an async model takes its input file(s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileInput {
    /// `input.file_urls`: 1–100 URLs ([`crate::TranscriptionRequest`]).
    FileUrls,
    /// `input.file_url`: exactly one URL ([`crate::QwenFiletransRequest`]).
    FileUrl,
}

impl ModelFamily {
    /// The family of a model id, by prefix.
    pub fn of(id: &str) -> Self {
        // Order matters: longer, more specific prefixes first.
        if id.contains("realtime") {
            ModelFamily::Realtime
        } else if id.starts_with("qwen3-asr-flash-filetrans") {
            ModelFamily::Qwen3AsrFiletrans
        } else if id.starts_with("qwen3-asr-flash") {
            ModelFamily::Qwen3AsrFlash
        } else if id.starts_with("qwen-audio-") && id.contains("-asr-flash-filetrans") {
            ModelFamily::QwenAudioFiletrans
        } else if (id.starts_with("qwen-audio-") && id.contains("-asr-flash"))
            || id.starts_with("fun-asr-flash")
        {
            ModelFamily::Flash
        } else if id == "fun-asr" || id.starts_with("fun-asr-") {
            ModelFamily::FunAsr
        } else if id.starts_with("paraformer-") {
            ModelFamily::Paraformer
        } else if id.starts_with("qwen") && id.contains("-omni-") {
            ModelFamily::Omni
        } else {
            ModelFamily::Other
        }
    }

    /// Whether the family is submitted as an async task (`X-DashScope-Async: enable`).
    ///
    /// `Other` answers `false`: nothing is known about it.
    pub fn is_async(self) -> bool {
        self.file_input().is_some()
    }

    /// Which input shape an async family takes; `None` for synchronous families and `Other`.
    pub fn file_input(self) -> Option<FileInput> {
        match self {
            ModelFamily::FunAsr | ModelFamily::Paraformer | ModelFamily::QwenAudioFiletrans => {
                Some(FileInput::FileUrls)
            }
            ModelFamily::Qwen3AsrFiletrans => Some(FileInput::FileUrl),
            _ => None,
        }
    }

    /// How many files one task of this family takes: the one rule for splitting a batch into
    /// tasks.
    ///
    /// Fun-ASR and Paraformer take up to [`MAX_FILE_URLS`](crate::submit::MAX_FILE_URLS)
    /// (100) URLs per task. Qwen3-ASR-Flash-Filetrans takes exactly one (`file_url`). The
    /// Qwen-Audio filetrans models share the `file_urls` shape, but the official SDK's example
    /// says they take exactly one URL (protocol §9.2), and a refused task costs every file in
    /// it, so they get one; so does any family this version does not know.
    ///
    /// ```
    /// use asr_types::Model;
    /// assert_eq!(Model::FUN_ASR.family().files_per_task(), 100);
    /// assert_eq!(Model::QWEN3_ASR_FLASH_FILETRANS.family().files_per_task(), 1);
    /// ```
    pub fn files_per_task(self) -> usize {
        match self {
            ModelFamily::FunAsr | ModelFamily::Paraformer => crate::submit::MAX_FILE_URLS,
            _ => 1,
        }
    }

    /// Whether every model of the family takes `diarization_enabled` and `speaker_count`
    /// (see [`Model::accepts_diarization`] for the Qwen-Audio filetrans models that do too).
    pub fn accepts_diarization(self) -> bool {
        matches!(self, ModelFamily::FunAsr | ModelFamily::Paraformer)
    }

    /// Whether the family takes `special_word_filter`.
    pub fn accepts_special_word_filter(self) -> bool {
        matches!(self, ModelFamily::FunAsr | ModelFamily::Paraformer)
    }

    /// Whether the family takes `disfluency_removal_enabled` (Paraformer only).
    pub fn accepts_disfluency_removal(self) -> bool {
        self == ModelFamily::Paraformer
    }

    /// Whether the family takes `timestamp_alignment_enabled` (Paraformer only).
    pub fn accepts_timestamp_alignment(self) -> bool {
        self == ModelFamily::Paraformer
    }

    /// Whether the family takes `input.context` (Qwen-Audio filetrans only).
    pub fn accepts_context(self) -> bool {
        self == ModelFamily::QwenAudioFiletrans
    }

    /// A name for messages, e.g. `Fun-ASR`.
    pub fn name(self) -> &'static str {
        match self {
            ModelFamily::FunAsr => "Fun-ASR",
            ModelFamily::Paraformer => "Paraformer",
            ModelFamily::QwenAudioFiletrans => "Qwen-Audio filetrans",
            ModelFamily::Qwen3AsrFiletrans => "Qwen3-ASR-Flash-Filetrans",
            ModelFamily::Flash => "Flash (fun-asr-flash / qwen-audio-asr-flash)",
            ModelFamily::Qwen3AsrFlash => "Qwen3-ASR-Flash",
            ModelFamily::Omni => "Qwen-Omni",
            ModelFamily::Realtime => "realtime",
            ModelFamily::Other => "unknown",
        }
    }

    /// The call to use instead of an async transcription for a synchronous family, as a phrase
    /// for error messages; `None` for async families and `Other`.
    pub fn synchronous_call_hint(self) -> Option<&'static str> {
        match self {
            ModelFamily::Flash => Some(
                "it is synchronous: call `POST /services/aigc/multimodal-generation/generation` \
                 (the flash recognition call) instead",
            ),
            ModelFamily::Qwen3AsrFlash => Some(
                "it is synchronous: call `POST /services/aigc/multimodal-generation/generation` or \
                 the OpenAI-compatible `chat/completions` instead, or use \
                 `qwen3-asr-flash-filetrans` for async file transcription",
            ),
            ModelFamily::Omni => {
                Some("it is only served by the OpenAI-compatible streaming `chat/completions` call")
            }
            ModelFamily::Realtime => {
                Some("it is a realtime model: use the realtime WebSocket API instead")
            }
            _ => None,
        }
    }
}
