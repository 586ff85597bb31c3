//! The command line, declared with clap derive. Doc comments here are the `--help` text.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit;

/// Transcribe recorded audio with Alibaba Cloud DashScope (Model Studio), resumably.
///
/// Try it offline first: `asr transcribe --emulator fixtures/audio/hello_en.wav`.
#[derive(Debug, Parser)]
#[command(name = "asr", version, after_help = exit::HELP, max_term_width = 100)]
pub struct Cli {
    /// Connection settings, shared by every command that talks to the service.
    #[command(flatten)]
    pub conn: Connection,

    /// Verbosity and output mode.
    #[command(flatten)]
    pub global: Global,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global")]
pub struct Global {
    /// More log output on stderr (-v info, -vv debug, -vvv trace); `ASR_LOG` sets a filter.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr: no progress, no summary.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Machine-readable JSON on stdout instead of human status lines.
    #[arg(long, global = true)]
    pub json: bool,
}

/// How to reach the service. Flags win over environment variables (same names as the
/// official Python SDK).
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection (flags win over environment variables)")]
pub struct Connection {
    /// API key (`sk-…`). Else `DASHSCOPE_API_KEY`, else the file named by
    /// `DASHSCOPE_API_KEY_FILE_PATH`, else `~/.dashscope/api_key`.
    #[arg(long, global = true, env = "DASHSCOPE_API_KEY", hide_env_values = true)]
    pub api_key: Option<Secret>,

    /// Region id: cn-beijing (default), ap-southeast-1, us-east-1, cn-hongkong, eu-central-1,
    /// ap-northeast-1.
    #[arg(long, global = true, env = "DASHSCOPE_API_REGION")]
    pub region: Option<String>,

    /// Workspace id; with a region, selects the workspace-scoped host.
    #[arg(long, global = true, env = "DASHSCOPE_WORKSPACE_ID")]
    pub workspace: Option<String>,

    /// Full native base URL, e.g. `https://dashscope.aliyuncs.com/api/v1`.
    #[arg(long, global = true, env = "DASHSCOPE_HTTP_BASE_URL")]
    pub base_url: Option<String>,

    /// Full OpenAI-compatible base URL, e.g. `https://dashscope.aliyuncs.com/compatible-mode/v1`.
    #[arg(long, global = true, env = "DASHSCOPE_COMPATIBLE_BASE_URL")]
    pub compatible_base_url: Option<String>,

    /// Run against an in-process emulator on 127.0.0.1: no key, no network, no cost.
    #[arg(long, global = true)]
    pub emulator: bool,

    /// How long the in-process emulator takes per task (with `--emulator`).
    #[arg(long, global = true, value_name = "DURATION", hide = true, value_parser = parse_duration)]
    pub emulator_processing_time: Option<Duration>,
}

/// An API key from the command line or environment; never printed.
#[derive(Clone)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Transcribe files, URLs, directories or `@list.txt` files; resumable with a journal.
    Transcribe(Box<TranscribeArgs>),
    /// Recognise one short audio synchronously: Flash, Qwen3-ASR or Qwen-Omni.
    Recognize(Box<crate::commands::recognize::RecognizeArgs>),
    /// Submit inputs as tasks and print their task ids without waiting.
    Submit(Box<SubmitArgs>),
    /// Inspect, wait for, cancel or list tasks.
    #[command(subcommand)]
    Task(TaskCommand),
    /// Download the result of a finished task and render it.
    Result(ResultArgs),
    /// Create, list, show, update, delete or sync hot-word vocabularies.
    #[command(subcommand)]
    Vocab(crate::commands::vocab::VocabCommand),
    /// Mint a temporary API key (`st-…`, 1 s to 30 min) to hand to a worker instead of yours.
    Token(crate::commands::token::TokenArgs),
    /// Render saved result documents into other formats, offline.
    Render(RenderArgs),
    /// Run the DashScope emulator on 127.0.0.1 until interrupted.
    Emulator(EmulatorArgs),
    /// Look at a shared batch (`--store`): status, retry its failures, export its results.
    #[command(subcommand)]
    Batch(crate::commands::fleet::BatchCommand),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

/// Inputs and recognition options shared by `transcribe` and `submit`.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// http(s) or oss:// URLs, local files (uploaded), directories (searched recursively for
    /// supported audio/video extensions) or `@list.txt` (one input per line).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Model id (any async file model, e.g. fun-asr, paraformer-v2, qwen3-asr-flash-filetrans).
    #[arg(long, default_value = "fun-asr")]
    pub model: String,

    /// Language code hint, e.g. `zh`, `en`, `ja`.
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,

    /// Hot-word vocabulary id (created for the same model).
    #[arg(long, value_name = "ID")]
    pub vocabulary_id: Option<String>,

    /// Audio track(s) to transcribe, 0-based; repeatable or comma-separated. Default: 0.
    #[arg(long = "channel", value_name = "N", value_delimiter = ',')]
    pub channels: Vec<u32>,

    /// Label speakers (mono audio only).
    #[arg(long)]
    pub diarize: bool,

    /// Expected number of speakers, 2 to 100; implies `--diarize`.
    #[arg(long, value_name = "N")]
    pub speakers: Option<i64>,

    /// Sensitive-word filter as JSON, or `@file` holding the JSON.
    #[arg(long, value_name = "JSON|@FILE")]
    pub filter: Option<String>,

    /// Tasks (and uploads) in flight at once.
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

/// Options of `asr transcribe`.
#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// Inputs and recognition options.
    #[command(flatten)]
    pub job: JobArgs,

    /// How to write results.
    #[command(flatten)]
    pub out: OutputArgs,

    /// Give up waiting after this long (e.g. `90s`, `30m`, `2h`); the task keeps running and
    /// the journal keeps its id.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// Submit, print task ids and exit without waiting.
    #[arg(long)]
    pub no_wait: bool,

    /// Journal file. Default: `<output-dir>/.asr-journal.jsonl` (none when printing to stdout).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// Hot-word file to sync and use (`text<TAB>weight[<TAB>lang]` lines, or a JSON array):
    /// the vocabulary with its prefix and the model is created or updated to match, and used
    /// once deployed.
    #[arg(long, value_name = "FILE", conflicts_with = "vocabulary_id")]
    pub vocabulary: Option<PathBuf>,

    /// Prefix of the `--vocabulary` list, 1-10 lowercase letters and digits. Default: made
    /// from the file name.
    #[arg(long, value_name = "PREFIX", requires = "vocabulary")]
    pub vocabulary_prefix: Option<String>,

    /// Share the batch with other processes and machines through a PostgreSQL database
    /// (`postgres://user@host/db`): every process with the same store and inputs works on one
    /// batch, within one account's limits. `asr batch status` shows it.
    #[arg(long, env = "ASR_STORE", value_name = "URL", hide_env_values = true)]
    pub store: Option<String>,

    /// The batch in `--store`.
    #[arg(
        long,
        env = "ASR_BATCH",
        default_value = "default",
        value_name = "NAME",
        hide_env_values = true
    )]
    pub batch: String,

    /// A `--store` worker's lease (tests shorten it; default 30 s).
    #[arg(long, hide = true, value_parser = parse_duration)]
    pub lease: Option<Duration>,
}

/// Options of `asr submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// Inputs and recognition options.
    #[command(flatten)]
    pub job: JobArgs,
}

/// Output formats and destination, shared by `transcribe`, `result`, `render` and
/// `recognize`.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format; repeatable or comma-separated; `all` is every format.
    #[arg(
        short,
        long = "format",
        value_enum,
        value_delimiter = ',',
        default_value = "txt"
    )]
    pub formats: Vec<Format>,

    /// Write one file per input and format here, named after the input; without it a single
    /// input is printed to stdout.
    #[arg(short, long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// Longest subtitle line (srt, vtt), in columns: East Asian wide characters count 2, and
    /// the speaker label counts on the first line. A longer word stands alone on its line.
    #[arg(long, default_value_t = 42, value_name = "N", value_parser = clap::value_parser!(u32).range(8..=1000))]
    pub max_line_chars: u32,

    /// Most lines in a subtitle cue (srt, vtt).
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10))]
    pub max_lines: u32,

    /// Longest subtitle cue, in seconds (srt, vtt), unless one word lasts longer; longer
    /// sentences are split at punctuation first, then at word boundaries.
    #[arg(long, default_value_t = 7.0, value_name = "SECONDS")]
    pub max_cue_seconds: f64,

    /// WebVTT: a timestamp before each word, for word-by-word highlighting.
    #[arg(long)]
    pub word_timestamps: bool,

    /// Leave speakers out: no `Speaker N` in txt, srt and vtt, an empty tsv speaker column.
    #[arg(long)]
    pub no_speaker_labels: bool,

    /// Several channels (srt, vtt, tsv): one file with cues labelled `Channel N`, instead of
    /// one file per channel. Where channels talk at once, the earlier cue is cut short.
    #[arg(long)]
    pub merge_channels: bool,
}

impl OutputArgs {
    /// Replaces `all` by every format, keeping the first mention of each, so everything
    /// downstream sees plain formats.
    pub fn expand_formats(&mut self) {
        let mut out = Vec::new();
        for &f in &self.formats {
            let each: &[Format] = match f {
                Format::All => &Format::EVERY,
                _ => std::slice::from_ref(&f),
            };
            for &f in each {
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        }
        self.formats = out;
    }
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Format {
    /// Plain text per channel, a speaker-labelled paragraph per turn when diarized.
    Txt,
    /// The result document: the service's bytes as received (for `recognize`, the sentences
    /// as a document of the same shape).
    Json,
    /// SubRip subtitles.
    Srt,
    /// WebVTT subtitles, speakers as `<v Speaker N>`.
    Vtt,
    /// Tab-separated start and end (milliseconds), speaker and text, with a header.
    Tsv,
    /// Every format above.
    All,
}

impl Format {
    /// Every format `all` stands for, in the order they are written.
    pub const EVERY: [Format; 5] = [
        Format::Txt,
        Format::Json,
        Format::Srt,
        Format::Vtt,
        Format::Tsv,
    ];

    /// The file extension (also the name used in the journal).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Json => "json",
            Format::Srt => "srt",
            Format::Vtt => "vtt",
            Format::Tsv => "tsv",
            Format::All => "all",
        }
    }
}

/// `asr task …`.
#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Show a task's status and results.
    Get {
        /// Task id.
        task_id: String,
    },
    /// Wait until a task finishes, then show it.
    Wait {
        /// Task id.
        task_id: String,
        /// Give up after this long (e.g. `90s`, `30m`).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        timeout: Option<Duration>,
    },
    /// Cancel a task (only PENDING tasks can be cancelled).
    Cancel {
        /// Task id.
        task_id: String,
    },
    /// List tasks (all pages); the service keeps tasks for 24 hours.
    List(ListArgs),
}

/// Filters of `asr task list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only tasks in this status (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELED, UNKNOWN).
    #[arg(long)]
    pub status: Option<String>,
    /// Only tasks of this model.
    #[arg(long)]
    pub model: Option<String>,
    /// Start of the window, `YYYYMMDDhhmmss` (the window spans at most 24 hours).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End of the window, `YYYYMMDDhhmmss`.
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
}

/// Options of `asr result`.
#[derive(Debug, Args)]
pub struct ResultArgs {
    /// Id of a finished task (results stay downloadable for 24 hours).
    pub task_id: String,
    /// How to write results.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Options of `asr render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Result documents saved earlier (`--format json`, or downloaded from a
    /// `transcription_url`), of either the Fun-ASR/Paraformer or the Qwen shape.
    #[arg(required = true, value_name = "RESULT.json")]
    pub results: Vec<PathBuf>,
    /// How to write results.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Options of `asr emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1; 0 picks a free one. The base URL is printed first on stdout.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

/// Options of `asr completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// Parse `90`, `90s`, `1500ms`, `30m`, `2h`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let hint = "expected a duration such as 90s, 30m, 2h or 1h30m";
    let s = s.trim();
    if s.is_empty() {
        return Err(format!("empty duration; {hint}"));
    }
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("`{s}`: {hint}"));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{s}`: {hint}"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            _ => return Err(format!("`{s}`: unknown unit `{unit}`; {hint}")),
        };
        total = total.saturating_add(part);
    }
    if total.is_zero() {
        return Err(format!("`{s}`: the duration must be positive"));
    }
    Ok(total)
}
