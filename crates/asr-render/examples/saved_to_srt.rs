//! `cargo run -p asr-render --example saved_to_srt -- meeting.json`: a saved result document
//! (either result shape, or a saved recognition) to `meeting.srt` — the README's example.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: saved_to_srt RESULT.json")?;
    // README: begin
    use asr_render::{Format, Json, Options};

    let raw = std::fs::read(&path)?;
    let stem = path.trim_end_matches(".json");
    // One output, or one per channel of a stereo call (`.ch0.srt`, `.ch1.srt`).
    for output in asr_render::render(&Json(&raw), &[Format::Srt], &Options::default())? {
        std::fs::write(format!("{stem}{}", output.file_suffix()), &output.bytes)?;
    }
    // README: end
    Ok(())
}
