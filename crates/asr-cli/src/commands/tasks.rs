//! `asr task get|wait|cancel|list` and `asr result`.

use std::fmt::Write as _;

use anyhow::Context as _;
use asr_transport::{TaskId, TaskResponse, TaskStatus, WaitOptions};
use asr_types::{ListTasksQuery, Model};
use futures_util::StreamExt as _;

use super::transcribe::fetch;
use super::{Destination, FileReport, batch_exit_code, print_json, print_text};
use crate::cli::{Connection, Global, ListArgs, ResultArgs, TaskCommand};
use crate::exit::{self, Kind};
use crate::output::{self, RenderOptions, files};
use crate::session::Session;

/// Run a `task` subcommand.
pub async fn run(cmd: TaskCommand, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    if let TaskCommand::List(args) = &cmd {
        let query = list_query(args)?;
        let session = Session::connect(conn).await?;
        return list(&session, query, global).await;
    }
    let session = Session::connect(conn).await?;
    let client = &session.client;
    match cmd {
        TaskCommand::Get { task_id } => {
            let task = client
                .task(&task_id_arg(&task_id)?)
                .await
                .with_context(|| format!("cannot query task {task_id}"))?;
            show(&task, global)?;
            Ok(exit::OK)
        }
        TaskCommand::Wait { task_id, timeout } => {
            let id = task_id_arg(&task_id)?;
            let mut options = WaitOptions::default();
            if let Some(t) = timeout {
                options = options.with_deadline(t);
            }
            let task = client
                .wait(&id, options)
                .await
                .with_context(|| format!("waiting for task {task_id} failed"))?;
            show(&task, global)?;
            Ok(if task.output.task_status == TaskStatus::Succeeded {
                exit::OK
            } else {
                exit::REJECTED
            })
        }
        TaskCommand::Cancel { task_id } => {
            let id = task_id_arg(&task_id)?;
            client.cancel(&id).await.with_context(|| {
                format!("cannot cancel task {task_id} (only PENDING tasks can be cancelled)")
            })?;
            if global.json {
                print_json(&serde_json::json!({ "task_id": task_id, "canceled": true }))?;
            } else if !global.quiet {
                print_text(&format!("canceled {task_id}\n"))?;
            }
            Ok(exit::OK)
        }
        TaskCommand::List(_) => Ok(exit::OK),
    }
}

fn task_id_arg(id: &str) -> anyhow::Result<TaskId> {
    let id = id.trim();
    if id.is_empty() || id.contains(['/', '?', '#', ' ']) {
        return Err(exit::invalid_input(format!(
            "`{id}` is not a task id; pass the id printed by `asr submit` or `asr transcribe --no-wait`"
        )));
    }
    Ok(TaskId::new(id))
}

fn list_query(args: &ListArgs) -> anyhow::Result<ListTasksQuery> {
    let mut query = ListTasksQuery::default();
    for (flag, value) in [("--from", &args.from), ("--to", &args.to)] {
        if let Some(v) = value
            && !(v.len() == 14 && v.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(exit::invalid_input(format!(
                "`{flag}`: `{v}` is not a time in the form YYYYMMDDhhmmss, e.g. 20250101093000"
            )));
        }
    }
    query.start_time = args.from.clone();
    query.end_time = args.to.clone();
    query.model_name = args.model.as_deref().map(Model::new);
    if let Some(status) = &args.status {
        let wire = status.trim().to_ascii_uppercase();
        const KNOWN: [&str; 6] = [
            "PENDING",
            "RUNNING",
            "SUCCEEDED",
            "FAILED",
            "CANCELED",
            "UNKNOWN",
        ];
        if !KNOWN.contains(&wire.as_str()) {
            return Err(exit::invalid_input(format!(
                "`--status`: `{status}` is not a task status; use one of {}",
                KNOWN.join(", ")
            )));
        }
        query.status = Some(TaskStatus::from_wire(&wire));
    }
    Ok(query)
}

async fn list(session: &Session, query: ListTasksQuery, global: &Global) -> anyhow::Result<u8> {
    let mut stream = Box::pin(session.client.list_tasks(query));
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item.context("cannot list tasks")?);
    }
    if global.json {
        print_json(&items)?;
        return Ok(exit::OK);
    }
    let mut out = String::new();
    for item in &items {
        let _ = writeln!(
            out,
            "{}\t{}\t{}",
            item.task_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            item.status
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            item.model_name
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
    }
    print_text(&out)?;
    if !global.quiet {
        eprintln!(
            "{} task{}",
            items.len(),
            if items.len() == 1 { "" } else { "s" }
        );
    }
    Ok(exit::OK)
}

/// Print a task: JSON as the service sent it, or a short human summary.
fn show(task: &TaskResponse, global: &Global) -> anyhow::Result<()> {
    if global.json {
        return print_json(task);
    }
    let o = &task.output;
    let mut out = format!("task {}: {}\n", o.task_id, o.task_status);
    for (label, value) in [
        ("submitted", &o.submit_time),
        ("started", &o.scheduled_time),
        ("ended", &o.end_time),
    ] {
        if let Some(v) = value {
            let _ = writeln!(out, "  {label}: {v}");
        }
    }
    for r in o.results.iter().flatten() {
        let _ = write!(
            out,
            "  file {}: {}",
            r.file_url.as_deref().unwrap_or("?"),
            r.subtask_status
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        );
        if let Some(code) = &r.code {
            let _ = write!(
                out,
                " ({code}: {})",
                r.message.as_deref().unwrap_or_default()
            );
        }
        out.push('\n');
    }
    if let (Some(code), Some(message)) = (&o.code, &o.message) {
        let _ = writeln!(out, "  error: {code}: {message}");
    }
    if o.task_status == TaskStatus::Unknown {
        out.push_str(
            "  (the id is wrong, belongs to another account, or the task finished more than 24 \
             hours ago)\n",
        );
    }
    if let Some(seconds) = task.usage.as_ref().and_then(|u| u.billed_seconds()) {
        let _ = writeln!(out, "  audio billed: {seconds} s");
    }
    print_text(&out)
}

/// `asr result`: download and render every file of a finished task.
pub async fn result(args: &ResultArgs, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    let render = RenderOptions::from_args(&args.out)?;
    let id = task_id_arg(&args.task_id)?;
    let session = Session::connect(conn).await?;
    let task = session
        .client
        .task(&id)
        .await
        .with_context(|| format!("cannot query task {id}"))?;
    let o = &task.output;
    match &o.task_status {
        TaskStatus::Unknown => {
            return Err(exit::Failure::new(
                Kind::Rejected,
                format!(
                    "task {id} is unknown to the service: the id is wrong, belongs to another \
                     account, or the task finished more than 24 hours ago and its results have \
                     expired; transcribe the input again"
                ),
            )
            .into());
        }
        s if !s.is_terminal() => {
            return Err(exit::Failure::new(
                Kind::Rejected,
                format!("task {id} is still {s}; wait for it with `asr task wait {id}`"),
            )
            .into());
        }
        _ => {}
    }
    let urls: Vec<(String, String)> = match &o.results {
        Some(results) => results
            .iter()
            .filter_map(|r| {
                r.transcription_url
                    .as_ref()
                    .map(|u| (r.file_url.clone().unwrap_or_else(|| u.clone()), u.clone()))
            })
            .collect(),
        None => o
            .result
            .iter()
            .filter_map(|r| r.transcription_url.clone())
            .map(|u| (u.clone(), u))
            .collect(),
    };
    if urls.is_empty() {
        let detail = o
            .code
            .as_ref()
            .map(|c| format!(": {c}: {}", o.message.as_deref().unwrap_or_default()))
            .unwrap_or_default();
        return Err(exit::Failure::new(
            Kind::Rejected,
            format!(
                "task {id} ended {} with no result to download{detail}",
                o.task_status
            ),
        )
        .into());
    }
    let dest = Destination::from_args(&args.out, urls.len())?;
    let stems = files::assign_stems(urls.iter().map(|(f, _)| f.as_str()));
    let mut reports = Vec::new();
    for ((file, url), stem) in urls.iter().zip(&stems) {
        let outcome = async {
            let raw = fetch(&session.client, &id, url).await?;
            let artifacts = output::render(&raw, &args.out.formats, render).map_err(|e| {
                exit::Failure::new(Kind::Rejected, "cannot render the result").with_source(e)
            })?;
            dest.emit(stem, &artifacts)
        }
        .await;
        let report = match outcome {
            Ok(outputs) => FileReport {
                input: file.clone(),
                status: "ok",
                task_id: Some(id.to_string()),
                outputs,
                audio_seconds: None,
                error: None,
                kind: None,
                cause: None,
            },
            Err(err) if urls.len() == 1 && !global.json => return Err(err),
            Err(err) => {
                exit::report(&err);
                FileReport {
                    input: file.clone(),
                    status: "failed",
                    task_id: Some(id.to_string()),
                    outputs: Vec::new(),
                    audio_seconds: None,
                    error: Some(format!("{err:#}")),
                    kind: Some(exit::classify(&err)),
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
