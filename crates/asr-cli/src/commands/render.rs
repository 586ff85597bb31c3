//! `asr render <RESULT.json>…`: saved result documents into other formats, offline.

use std::path::Path;

use anyhow::Context as _;

use super::{Destination, FileReport, batch_exit_code, print_json};
use crate::cli::{Global, RenderArgs};
use crate::exit::{self, Kind};
use crate::output::{self, RenderOptions, files};

/// Render every result document; a failed one is reported and the rest continue.
pub fn run(args: &RenderArgs, global: &Global) -> anyhow::Result<u8> {
    let opts = RenderOptions::from_args(&args.out)?;
    let dest = Destination::from_args(&args.out, args.results.len())?;
    let names: Vec<String> = args
        .results
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let stems = files::assign_stems(names.iter().map(String::as_str));
    let mut reports = Vec::with_capacity(names.len());
    for ((path, name), stem) in args.results.iter().zip(&names).zip(&stems) {
        let report = match render_one(path, stem, &args.out.formats, opts, &dest) {
            Ok(outputs) => {
                if !global.quiet && !global.json {
                    for o in &outputs {
                        eprintln!("wrote {}", display_in(&dest, o));
                    }
                }
                FileReport {
                    input: name.clone(),
                    status: "ok",
                    task_id: None,
                    outputs,
                    audio_seconds: None,
                    error: None,
                    kind: None,
                    cause: None,
                }
            }
            Err(err) => {
                let kind = exit::classify(&err);
                if args.results.len() == 1 && !global.json {
                    return Err(err);
                }
                exit::report(&err);
                FileReport {
                    input: name.clone(),
                    status: "failed",
                    task_id: None,
                    outputs: Vec::new(),
                    audio_seconds: None,
                    error: Some(format!("{err:#}")),
                    kind: Some(kind),
                    cause: None,
                }
            }
        };
        reports.push(report);
    }
    if global.json {
        print_json(&serde_json::json!({ "files": reports }))?;
    }
    Ok(batch_exit_code(&reports))
}

/// Documents up to this size are read whole before parsing; larger ones are streamed.
const WHOLE: u64 = 64 * 1024 * 1024;

fn render_one(
    path: &Path,
    stem: &str,
    formats: &[crate::cli::Format],
    opts: RenderOptions,
    dest: &Destination,
) -> anyhow::Result<Vec<String>> {
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => exit::invalid_input(format!(
            "{}: no such file; pass a result document saved with `--format json`",
            path.display()
        )),
        _ => anyhow::Error::new(e).context(format!("cannot read {}", path.display())),
    })?;
    // Parsing a buffer is twice as fast as parsing through a reader (serde_json reads a
    // reader byte by byte), and nothing but the bytes and the outputs is held either way:
    // a 12-hour, 30 MB result peaks near 1.1× its size. Beyond `WHOLE`, memory wins.
    let size = file.metadata().map_or(u64::MAX, |m| m.len());
    let rendered = if size <= WHOLE {
        let mut raw = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        std::io::Read::read_to_end(&mut &file, &mut raw)
            .with_context(|| format!("cannot read {}", path.display()))?;
        output::render(&raw, formats, opts)
    } else {
        let reader = std::io::BufReader::with_capacity(64 * 1024, file);
        output::render_reader(reader, formats, opts)
    };
    let artifacts = rendered.map_err(|e| {
        exit::Failure::new(
            Kind::InvalidInput,
            format!("{}: cannot render", path.display()),
        )
        .with_source(e)
    })?;
    dest.emit(stem, &artifacts)
        .with_context(|| format!("cannot write the outputs of {}", path.display()))
}

fn display_in(dest: &Destination, name: &str) -> String {
    match dest {
        Destination::Dir(dir) => dir.join(name).display().to_string(),
        Destination::Stdout => name.to_owned(),
    }
}
