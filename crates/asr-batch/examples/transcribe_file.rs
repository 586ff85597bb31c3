//! Transcribe one local file (or URL) and print its text.
//!
//! ```sh
//! export DASHSCOPE_API_KEY=sk-…
//! cargo run -p asr-batch --example transcribe_file -- meeting.wav [model]
//! ```
//!
//! To try it offline, start `asr-emulator --port 0` and set `DASHSCOPE_HTTP_BASE_URL` to the
//! URL it prints followed by `/api/v1`.

use asr_batch::{Config, Model, TranscribeExt};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let input = args
        .next()
        .ok_or("usage: transcribe_file <file-or-url> [model]")?;
    let model = args.next().map_or(Model::FUN_ASR, Model::new);

    let client = Config::from_env()?.build()?;
    let transcript = client.transcribe_file(input.as_str(), model).await?;
    println!("{}", transcript.text());
    Ok(())
}
