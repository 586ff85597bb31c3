//! `asr recognize`: one short audio, recognised synchronously (Flash, Qwen3-ASR, Qwen-Omni).
//!
//! The input is a URL or a local file (inlined as a data URI, or uploaded when too large for
//! one). Without `--stream` the whole result is rendered like `transcribe`'s; with it, settled
//! sentences print as they land (see [`live`]), and the same files are written at the end.

mod live;

use std::io::IsTerminal as _;
use std::path::Path;

use anyhow::Context as _;
use asr_transport::{
    ChatCompletionRequest, Client, FlashRequest, Model, OMNI_PROMPT, OMNI_SYSTEM_PROMPT,
    QwenAsrRequest, Recognition, RecognitionEvent, RecognizeRequest, RecognizedSentence,
};
use asr_types::ModelFamily;
use clap::Args;
use futures_util::StreamExt as _;
use serde::Serialize;

use self::live::Live;
use super::{Destination, print_json};
use crate::cli::{Connection, Format, Global, OutputArgs};
use crate::exit;
use crate::output::{self, Artifact, RenderOptions, files};
use crate::session::Session;

/// Options of `asr recognize`.
#[derive(Debug, Args)]
pub struct RecognizeArgs {
    /// A local audio file (sent inline as base64 up to the service's 10 MB, uploaded above) or
    /// an http(s):// or oss:// URL. Short audio: at most 5 minutes for Flash and Qwen3-ASR.
    #[arg(value_name = "FILE|URL")]
    pub input: String,

    /// Model: fun-asr-flash-2026-06-15, qwen-audio-3.0-asr-flash, qwen-audio-3.1-asr-flash,
    /// qwen3-asr-flash, qwen3-omni-flash, qwen3.5-omni-plus, qwen3.5-omni-flash, …
    #[arg(long, default_value = "fun-asr-flash-2026-06-15")]
    pub model: String,

    /// Context that fixes names and terms: earlier text, a term list, a description; `@FILE`
    /// reads it from a file. Repeatable. Flash models take each as one earlier user message
    /// (at most 5, 400 characters in all); Qwen3-ASR and Omni join them into the system
    /// message.
    #[arg(long, value_name = "TEXT|@FILE")]
    pub context: Vec<String>,

    /// Flash models: an earlier model reply, as assistant context (`@FILE` reads a file).
    /// Repeatable; the n-th reply follows the n-th `--context`, round by round.
    #[arg(long, value_name = "TEXT|@FILE")]
    pub reply: Vec<String>,

    /// Language code: Flash `language_hints`, Qwen3-ASR `language` (omit when unknown or
    /// mixed).
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,

    /// Audio format (wav, mp3, opus, …); default: the input's extension.
    #[arg(long, value_name = "FORMAT")]
    pub audio_format: Option<String>,

    /// Flash models: the sample rate in Hz, e.g. 16000.
    #[arg(long, value_name = "HZ")]
    pub sample_rate: Option<u32>,

    /// Flash models: a hot-word vocabulary id created for the same model.
    #[arg(long, value_name = "ID")]
    pub vocabulary_id: Option<String>,

    /// Qwen3-ASR: inverse text normalisation (digits, dates; Chinese and English only).
    #[arg(long)]
    pub itn: bool,

    /// Qwen3-ASR: call the OpenAI-compatible endpoint instead of the native one.
    #[arg(long)]
    pub compatible: bool,

    /// Omni: the instruction after the audio. Default: "Transcribe this audio."
    #[arg(long, value_name = "TEXT")]
    pub prompt: Option<String>,

    /// Print sentences as they settle; on a terminal the unsettled text updates in place.
    /// Flash models stream piece by piece only audio of 60 s or more.
    #[arg(long)]
    pub stream: bool,

    /// How to write the result.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `asr recognize`.
pub async fn run(args: &RecognizeArgs, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    let render = RenderOptions::from_args(&args.out)?;
    let dest = Destination::from_args(&args.out, 1)?;
    if global.json && matches!(dest, Destination::Stdout) {
        return Err(exit::usage(
            "`--json` prints a report on stdout, which is where the transcript goes without \
             `-o`; pass `-o DIR`, or use `--format json` to print the result document",
        ));
    }
    let model = Model::new(args.model.trim());
    let family = model.family();
    check_options(args, &model, family)?;
    let context = read_all(&args.context, "--context")?;
    let replies = read_all(&args.reply, "--reply")?;
    let source = Source::parse(&args.input)?;

    super::warn_all(&model.warning().into_iter().collect::<Vec<_>>(), global);
    let session = Session::connect(conn).await?;
    let client = &session.client;
    if let Some(id) = &args.vocabulary_id {
        let id = asr_types::VocabularyId::new(id.trim());
        // Best effort: the recognition itself reports an unknown list.
        if let Ok(warnings) = client.check_vocabulary_for(&id, &model).await {
            super::warn_all(&warnings, global);
        }
    }
    let (audio, format) = match &source {
        Source::Url(url) => (url.clone(), format_of(url)),
        Source::File(path) => {
            let prepared = client
                .prepare_audio(path, &model)
                .await
                .with_context(|| format!("cannot prepare `{}`", path.display()))?;
            tracing::info!(
                uploaded = prepared.uploaded,
                size = prepared.size,
                "audio ready"
            );
            (prepared.reference, prepared.format)
        }
    };
    let format = args.audio_format.clone().or(format);
    let request = build_request(
        args,
        model.clone(),
        family,
        audio,
        format,
        &context,
        &replies,
    )?;

    let stem = files::stem_of(&args.input);
    let only_txt_to_stdout =
        matches!(dest, Destination::Stdout) && args.out.formats.iter().all(|f| *f == Format::Txt);
    let recognition = if args.stream {
        let mut live = if only_txt_to_stdout {
            Live::stdout(std::io::stdout().is_terminal())
        } else if !global.quiet && std::io::stderr().is_terminal() {
            Live::stderr()
        } else {
            Live::off()
        };
        stream(client, request, &mut live).await?
    } else {
        client.recognize(request).await?
    };
    let artifacts = artifacts(&recognition, &args.out.formats, render)?;
    let outputs = if args.stream && only_txt_to_stdout {
        // The sentences are on stdout already.
        Vec::new()
    } else {
        dest.emit(&stem, &artifacts)?
    };
    if global.json {
        print_json(&Report {
            input: &args.input,
            model: recognition.model.as_str(),
            status: "ok",
            outputs,
            audio_seconds: recognition.audio_seconds(),
            request_id: recognition.request_id.as_ref().map(|r| r.as_str()),
            text: recognition.text(),
        })?;
    }
    drop(session);
    Ok(exit::OK)
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
struct Report<'a> {
    input: &'a str,
    model: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    outputs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audio_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    text: String,
}

/// Reads the stream, showing it live, and gathers the result.
async fn stream(
    client: &Client,
    request: RecognizeRequest,
    live: &mut Live,
) -> anyhow::Result<Recognition> {
    let model = request.model().clone();
    let mut events = client.recognize_stream(request);
    let mut sentences: Vec<RecognizedSentence> = Vec::new();
    let mut usage = None;
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                live.finish()?;
                return Err(e.into());
            }
        };
        match event {
            RecognitionEvent::Interim(text) => live.interim(&text)?,
            RecognitionEvent::Sentence(s) => {
                live.sentence(&s.text)?;
                // A revised sentence replaces the one with its index.
                match sentences.iter_mut().find(|old| old.index == s.index) {
                    Some(old) => *old = s,
                    None => sentences.push(s),
                }
            }
            RecognitionEvent::Usage(u) => usage = Some(u),
            _ => {}
        }
    }
    live.finish()?;
    Ok(Recognition::new(model, sentences, usage))
}

/// Flags that do not apply to the model's family are refused rather than silently ignored.
fn check_options(args: &RecognizeArgs, model: &Model, family: ModelFamily) -> anyhow::Result<()> {
    let name = model.as_str();
    let flash_only = [
        (!args.reply.is_empty(), "--reply"),
        (args.sample_rate.is_some(), "--sample-rate"),
        (args.vocabulary_id.is_some(), "--vocabulary-id"),
    ];
    let qwen_only = [(args.itn, "--itn"), (args.compatible, "--compatible")];
    let refuse = |flag: &str, who: &str| {
        exit::invalid_input(format!(
            "`{flag}` applies to {who} only, not `{name}`; drop it or pick such a model"
        ))
    };
    match family {
        ModelFamily::Flash | ModelFamily::Qwen3AsrFlash | ModelFamily::Omni => {}
        _ => {
            return Err(exit::invalid_input(format!(
                "`--model {name}`: not a synchronous recognition model; use \
                 fun-asr-flash-2026-06-15, qwen-audio-3.0-asr-flash, qwen3-asr-flash or \
                 qwen3-omni-flash (long files and async models go through `asr transcribe`)"
            )));
        }
    }
    if family != ModelFamily::Flash
        && let Some((_, flag)) = flash_only.iter().find(|(set, _)| *set)
    {
        return Err(refuse(
            flag,
            "Flash models (fun-asr-flash, qwen-audio-3.x-asr-flash)",
        ));
    }
    if family != ModelFamily::Qwen3AsrFlash
        && let Some((_, flag)) = qwen_only.iter().find(|(set, _)| *set)
    {
        return Err(refuse(flag, "qwen3-asr-flash"));
    }
    if family != ModelFamily::Omni && args.prompt.is_some() {
        return Err(refuse("--prompt", "Qwen-Omni models"));
    }
    if family == ModelFamily::Omni && args.language.is_some() {
        return Err(exit::invalid_input(format!(
            "`--language`: `{name}` takes no language option; say it in `--context` instead, \
             e.g. --context \"The speaker talks Japanese.\""
        )));
    }
    let timed = family == ModelFamily::Flash;
    if let Some(f) = args
        .out
        .formats
        .iter()
        .find(|f| !timed && matches!(f, Format::Srt | Format::Vtt | Format::Tsv))
    {
        return Err(exit::invalid_input(format!(
            "`--format {}`: `{name}` returns text without timestamps; use txt or json, or a Flash \
             model (fun-asr-flash-2026-06-15) for subtitles",
            f.extension()
        )));
    }
    Ok(())
}

/// Texts of `--context`/`--reply`, reading `@FILE` values.
fn read_all(values: &[String], flag: &str) -> anyhow::Result<Vec<String>> {
    values
        .iter()
        .map(|v| match v.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .map(|t| t.trim_end_matches(['\n', '\r']).to_owned())
                .map_err(|e| {
                    exit::Failure::new(
                        exit::Kind::InvalidInput,
                        format!("`{flag} @{path}`: cannot read the file; pass a UTF-8 text file"),
                    )
                    .with_source(e)
                    .into()
                }),
            None => Ok(v.clone()),
        })
        .collect()
}

/// Where the audio is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Url(String),
    File(std::path::PathBuf),
}

impl Source {
    fn parse(input: &str) -> anyhow::Result<Self> {
        let lower = input.trim().to_ascii_lowercase();
        if ["http://", "https://", "oss://"]
            .iter()
            .any(|s| lower.starts_with(s))
        {
            return Ok(Source::Url(input.trim().to_owned()));
        }
        let path = Path::new(input);
        if !path.is_file() {
            return Err(exit::invalid_input(format!(
                "`{input}`: no such file; pass a local audio file or an http(s):// or oss:// URL"
            )));
        }
        Ok(Source::File(path.to_path_buf()))
    }
}

/// The `format` of a URL: its path's extension.
fn format_of(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.rsplit('/').next().unwrap_or_default();
    asr_protocol::recognition::local_file::format_for(last)
}

/// The request for the model's family.
fn build_request(
    args: &RecognizeArgs,
    model: Model,
    family: ModelFamily,
    audio: String,
    format: Option<String>,
    context: &[String],
    replies: &[String],
) -> anyhow::Result<RecognizeRequest> {
    let joined = || {
        let text = context.join("\n");
        (!text.trim().is_empty()).then_some(text)
    };
    let request = match family {
        ModelFamily::Flash => {
            let format = format.ok_or_else(|| {
                exit::invalid_input(
                    "the audio format is unknown (no file extension); pass `--audio-format`, \
                     e.g. wav, mp3 or opus",
                )
            })?;
            let mut r = FlashRequest::new(model, audio, format);
            for round in 0..context.len().max(replies.len()) {
                if let Some(text) = context.get(round) {
                    r = r.with_user_context(text.clone());
                }
                if let Some(text) = replies.get(round) {
                    r = r.with_assistant_context(text.clone());
                }
            }
            if let Some(hz) = args.sample_rate {
                r = r.with_sample_rate(hz);
            }
            if let Some(id) = &args.vocabulary_id {
                r = r.with_vocabulary_id(id.clone());
            }
            if let Some(code) = &args.language {
                r = r.with_language_hints([code.clone()]);
            }
            RecognizeRequest::from(r)
        }
        ModelFamily::Qwen3AsrFlash if args.compatible => {
            let mut r = ChatCompletionRequest::qwen_asr(model, audio);
            if let Some(text) = joined() {
                r = r.with_system(text);
            }
            if let Some(code) = &args.language {
                r = r.with_language(code.clone());
            }
            if args.itn {
                r = r.with_itn(true);
            }
            RecognizeRequest::from(r)
        }
        ModelFamily::Qwen3AsrFlash => {
            let mut r = QwenAsrRequest::new(model, audio);
            if let Some(text) = joined() {
                r = r.with_context(text);
            }
            if let Some(code) = &args.language {
                r = r.with_language(code.clone());
            }
            if args.itn {
                r = r.with_itn(true);
            }
            RecognizeRequest::from(r)
        }
        _ => {
            let prompt = args
                .prompt
                .clone()
                .unwrap_or_else(|| OMNI_PROMPT.to_owned());
            let system = match joined() {
                Some(text) => format!("{OMNI_SYSTEM_PROMPT}\n{text}"),
                None => OMNI_SYSTEM_PROMPT.to_owned(),
            };
            let format = format.unwrap_or_else(|| "wav".to_owned());
            RecognizeRequest::from(
                ChatCompletionRequest::omni(model, audio, format, prompt).with_system(system),
            )
        }
    };
    Ok(request)
}

/// The outputs asked for. Subtitles and tsv need every sentence timed.
fn artifacts(
    recognition: &Recognition,
    formats: &[Format],
    opts: RenderOptions,
) -> anyhow::Result<Vec<Artifact>> {
    if !recognition.has_times()
        && let Some(f) = formats
            .iter()
            .find(|f| matches!(f, Format::Srt | Format::Vtt | Format::Tsv))
    {
        return Err(exit::invalid_input(format!(
            "`--format {}`: the answer has times for only some sentences (a Flash answer for \
             audio under 60 s times only its last sentence); use txt or json",
            f.extension()
        )));
    }
    output::render_document(&recognition.document(), formats, opts)
        .context("cannot render the result")
}

#[cfg(test)]
mod tests;
