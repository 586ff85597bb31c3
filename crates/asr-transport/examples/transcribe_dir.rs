//! Transcribe every audio file of a directory, printing each transcript as its task finishes,
//! then the totals.
//!
//! ```sh
//! export DASHSCOPE_API_KEY=sk-…
//! cargo run -p asr-transport --example transcribe_dir -- recordings/ [model]
//! ```
//!
//! Files are uploaded to temporary storage, grouped into tasks of up to 100, and at most four
//! tasks run at once; a file that fails is reported on its own and the others carry on.

use std::path::PathBuf;

use asr_transport::{Config, Input, Model, TranscribeOptions};
use futures_util::StreamExt;

const AUDIO: &[&str] = &[
    "aac", "amr", "avi", "flac", "flv", "m4a", "mkv", "mov", "mp3", "mp4", "mpeg", "ogg", "opus",
    "wav", "webm", "wma", "wmv",
];

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: transcribe_dir <directory> [model]")?,
    );
    let model = args.next().map_or(Model::FUN_ASR, Model::new);

    let mut files: Vec<Input> = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let is_audio = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| AUDIO.contains(&e.to_ascii_lowercase().as_str()));
        if path.is_file() && is_audio {
            files.push(Input::Path(path));
        }
    }
    files.sort();
    eprintln!("{} audio files in {}", files.len(), dir.display());

    let client = Config::from_env()?.build()?;
    let mut results = client.transcribe(files, TranscribeOptions::new(model));
    while let Some(file) = results.next().await {
        match file.result {
            Ok(transcript) => println!("{}\t{}", file.input.display_name(), transcript.text()),
            Err(e) => eprintln!("{}: {e}", file.input.display_name()),
        }
    }
    let totals = results.summary();
    eprintln!(
        "{} transcribed, {} failed, {} tasks, {} s billed",
        totals.succeeded, totals.failed, totals.tasks, totals.billed_seconds
    );
    Ok(())
}
