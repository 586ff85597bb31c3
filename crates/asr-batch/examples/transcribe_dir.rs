//! Transcribe every audio file of a directory, printing each transcript as its task finishes,
//! then the totals. A journal in the directory makes it resumable: run it again after a kill
//! and it re-attaches to its tasks instead of submitting again.
//!
//! ```sh
//! export DASHSCOPE_API_KEY=sk-…
//! cargo run -p asr-batch --example transcribe_dir -- recordings/ [model]
//! ```
//!
//! Files are uploaded to temporary storage and grouped into tasks of up to 100; a file that
//! fails is reported on its own and the others carry on.

use std::path::PathBuf;

use asr_batch::{Batch, Config, Input, JsonlStore, Model, Status};
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
    let store = JsonlStore::open(dir.join(asr_batch::journal::FILE_NAME))?;
    let mut results = Batch::new(client, model).with_store(store).run(files);
    while let Some(outcome) = results.next().await {
        let outcome = outcome?;
        let name = outcome.input.display_name();
        match outcome.status {
            Status::Done(transcript) => println!("{name}\t{}", transcript.text()),
            Status::Failed(e) => eprintln!("{name}: {e}"),
            other => eprintln!("{name}: {other:?}"),
        }
    }
    let totals = results.summary().this_run;
    eprintln!(
        "{} transcribed, {} failed, {} tasks, {} s billed",
        totals.done, totals.failed, totals.tasks, totals.billed_seconds
    );
    Ok(())
}
