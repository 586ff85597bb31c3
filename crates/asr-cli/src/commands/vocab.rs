//! `asr vocab create|list|show|update|delete|sync`, and the hot-word file of
//! `asr transcribe --vocabulary`.
//!
//! Hot words come from a file (see [`items`]) and are checked before anything is sent; every
//! bad line is named. `sync` is the declarative form: it makes the one vocabulary with a
//! prefix and target model hold exactly the file's words, and a second run changes nothing.

mod items;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use asr_transport::{
    Client, ItemChange, Model, SyncAction, SyncPlan, SyncSpec, VocabularyDiff, VocabularyError,
};
use asr_types::vocabulary::{check_prefix, prefix_from_name};
use asr_types::{CreateVocabularyRequest, VocabularyId, VocabularyItem};
use clap::{Args, Subcommand};
use futures_util::TryStreamExt as _;
use serde_json::{Value, json};

use self::items::HotWords;
use super::{print_json, print_text};
use crate::cli::{Connection, Global, TranscribeArgs, parse_duration};
use crate::exit::{self, Kind};
use crate::session::Session;

/// How long `--wait` (and `asr transcribe --vocabulary`) waits for a vocabulary to deploy
/// unless told otherwise.
const DEFAULT_READY_WAIT: Duration = Duration::from_secs(600);

/// `asr vocab …`.
#[derive(Debug, Subcommand)]
pub enum VocabCommand {
    /// Create a vocabulary from a hot-word file; prints its id.
    Create(CreateArgs),
    /// List the account's vocabularies (every page).
    List(ListArgs),
    /// Show a vocabulary: status, target model, and its words as a hot-word file.
    Show(IdArgs),
    /// Replace every word of a vocabulary with the file's; prints the difference.
    Update(UpdateArgs),
    /// Delete a vocabulary (frees one of the account's 10 slots).
    Delete(IdArgs),
    /// Create or update the vocabulary with a prefix so that it matches the file; prints the
    /// difference. Idempotent: a second run changes nothing.
    Sync(SyncArgs),
}

/// Waiting for a vocabulary to deploy after a change.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Wait until the vocabulary is deployed (status OK) before exiting.
    #[arg(long)]
    pub wait: bool,

    /// Give up waiting after this long (e.g. `90s`, `10m`; implies `--wait`; default 10m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
}

impl WaitArgs {
    fn deadline(&self) -> Option<Duration> {
        match (self.wait, self.timeout) {
            (_, Some(t)) => Some(t),
            (true, None) => Some(DEFAULT_READY_WAIT),
            (false, None) => None,
        }
    }
}

/// Options of `asr vocab create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// 1-10 lowercase letters and digits naming the list; its id starts `vocab-<prefix>-`.
    #[arg(long)]
    pub prefix: String,

    /// The ASR model that will use the list; transcriptions must use exactly this model.
    #[arg(long, value_name = "MODEL")]
    pub target_model: String,

    /// Hot-word file: one word per line as `text<TAB>weight[<TAB>lang]`, or a JSON array.
    #[arg(value_name = "FILE", long_help = items::FORMAT_HELP)]
    pub file: PathBuf,

    /// Waiting for deployment.
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// Options of `asr vocab list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only vocabularies created with this prefix.
    #[arg(long)]
    pub prefix: Option<String>,
}

/// A vocabulary id.
#[derive(Debug, Args)]
pub struct IdArgs {
    /// Vocabulary id, `vocab-<prefix>-<hex>`.
    #[arg(value_name = "ID")]
    pub id: String,
}

/// Options of `asr vocab update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Vocabulary id, `vocab-<prefix>-<hex>`.
    #[arg(value_name = "ID")]
    pub id: String,

    /// Hot-word file: one word per line as `text<TAB>weight[<TAB>lang]`, or a JSON array.
    #[arg(value_name = "FILE", long_help = items::FORMAT_HELP)]
    pub file: PathBuf,

    /// Waiting for deployment.
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// Options of `asr vocab sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// 1-10 lowercase letters and digits naming the list (one list per prefix and model).
    #[arg(long)]
    pub prefix: String,

    /// The ASR model that will use the list; transcriptions must use exactly this model.
    #[arg(long, value_name = "MODEL")]
    pub target_model: String,

    /// Hot-word file: one word per line as `text<TAB>weight[<TAB>lang]`, or a JSON array.
    #[arg(value_name = "FILE", long_help = items::FORMAT_HELP)]
    pub file: PathBuf,

    /// Print what would change, and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Waiting for deployment.
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// Run a `vocab` subcommand. Local input (files, ids, prefixes) is checked before connecting.
pub async fn run(cmd: VocabCommand, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    match cmd {
        VocabCommand::Create(args) => create(&args, conn, global).await,
        VocabCommand::List(args) => list(&args, conn, global).await,
        VocabCommand::Show(args) => show(&args, conn, global).await,
        VocabCommand::Update(args) => update(&args, conn, global).await,
        VocabCommand::Delete(args) => delete(&args, conn, global).await,
        VocabCommand::Sync(args) => sync(&args, conn, global).await,
    }
}

async fn create(args: &CreateArgs, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    let model = model_arg(&args.target_model)?;
    let prefix = prefix_arg("--prefix", &args.prefix)?;
    let words = HotWords::read(&args.file, Some(&model))?;
    let count = words.items.len();
    let session = Session::connect(conn).await?;
    let request = CreateVocabularyRequest::new(model.clone(), prefix.clone(), words.items);
    let id = session
        .client
        .create_vocabulary(&request)
        .await
        .map_err(vocabulary_error)?
        .vocabulary_id;
    let ready = wait_ready(&session.client, &id, args.wait.deadline()).await?;
    if global.json {
        print_json(&json!({
            "vocabulary_id": id,
            "prefix": prefix,
            "target_model": model,
            "items": count,
            "ready": ready,
        }))?;
    } else {
        // The id alone on stdout, so that `ID=$(asr vocab create …)` works.
        print_text(&format!("{id}\n"))?;
        if !global.quiet {
            eprintln!(
                "created {id}: {count} hot word{} for {model}{}",
                plural(count),
                readiness(ready)
            );
        }
    }
    Ok(exit::OK)
}

async fn list(args: &ListArgs, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    let prefix = match &args.prefix {
        Some(p) => Some(prefix_arg("--prefix", p)?),
        None => None,
    };
    let session = Session::connect(conn).await?;
    let mut all: Vec<_> = session
        .client
        .list_vocabularies(prefix.as_deref())
        .try_collect()
        .await
        .map_err(vocabulary_error)?;
    // The service's prefix filter is undocumented; show exactly what was asked for.
    if let Some(p) = &prefix {
        all.retain(|v| v.vocabulary_id.prefix() == Some(p.as_str()));
    }
    let undeployed = all.iter().filter(|v| !is_usable(v.status.as_ref())).count();
    if global.json {
        let mut listed = serde_json::to_value(&all).context("cannot encode the list")?;
        for (entry, v) in listed.as_array_mut().into_iter().flatten().zip(&all) {
            entry["usable"] = json!(is_usable(v.status.as_ref()));
        }
        print_json(&listed)?;
        return Ok(exit::OK);
    }
    if all.is_empty() {
        if !global.quiet {
            eprintln!("no vocabularies");
        }
        return Ok(exit::OK);
    }
    let width = all
        .iter()
        .map(|v| v.vocabulary_id.as_str().len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for v in &all {
        let status = v.status.as_ref().map_or("-", |s| s.as_str());
        let modified = v.gmt_modified.as_deref().unwrap_or("-");
        text.push_str(&format!(
            "{:width$}  {status:10}  {modified}\n",
            v.vocabulary_id.as_str()
        ));
    }
    print_text(&text)?;
    if undeployed > 0 && !global.quiet {
        eprintln!(
            "note: {undeployed} list{} not OK (UNDEPLOYED): recognition ignores a list until it \
             is OK",
            if undeployed == 1 { " is" } else { "s are" }
        );
    }
    Ok(exit::OK)
}

/// Whether recognition uses a list in this status: only `OK` ones.
fn is_usable(status: Option<&asr_types::VocabularyStatus>) -> bool {
    status.is_some_and(asr_types::VocabularyStatus::is_ready)
}

async fn show(args: &IdArgs, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    let id = id_arg(&args.id)?;
    let session = Session::connect(conn).await?;
    let details = session
        .client
        .get_vocabulary(&id)
        .await
        .map_err(vocabulary_error)?;
    if global.json {
        let mut value = serde_json::to_value(&details).context("cannot encode the vocabulary")?;
        if let Value::Object(map) = &mut value {
            map.insert("vocabulary_id".to_owned(), Value::String(id.to_string()));
            map.insert("usable".to_owned(), Value::Bool(details.is_ready()));
        }
        print_json(&value)?;
        return Ok(exit::OK);
    }
    // A hot-word file with the facts as comments, so `show > words.tsv` can be synced back.
    let usable = if details.is_ready() {
        ""
    } else {
        " (recognition ignores the list until it is OK)"
    };
    let mut text = format!(
        "# {id}\n# status: {}{usable}\n# target model: {}\n",
        details.status.as_ref().map_or("-", |s| s.as_str()),
        details.target_model.as_ref().map_or("-", |m| m.as_str()),
    );
    if let Some(created) = &details.gmt_create {
        text.push_str(&format!("# created: {created}\n"));
    }
    if let Some(modified) = &details.gmt_modified {
        text.push_str(&format!("# modified: {modified}\n"));
    }
    for item in &details.vocabulary {
        text.push_str(&tsv_line(item));
        text.push('\n');
    }
    print_text(&text)?;
    Ok(exit::OK)
}

async fn update(args: &UpdateArgs, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    let id = id_arg(&args.id)?;
    // The file names no model: check the form now and the languages once the model is known.
    let words = HotWords::read(&args.file, None)?;
    let session = Session::connect(conn).await?;
    let client = &session.client;
    let current = client.get_vocabulary(&id).await.map_err(vocabulary_error)?;
    if let Some(model) = &current.target_model {
        words.check(Some(model))?;
    }
    let diff = asr_transport::diff_items(&current.vocabulary, &words.items);
    let changed = !diff.is_empty();
    if changed {
        let allowed_at = asr_transport::update_allowed_at(&current);
        asr_transport::check_update_allowed(&id, allowed_at, SystemTime::now())
            .map_err(vocabulary_error)?;
        client
            .update_vocabulary(&id, words.items.clone())
            .await
            .map_err(vocabulary_error)?;
    }
    let ready = wait_ready(client, &id, args.wait.deadline()).await?;
    if global.json {
        let mut value = diff_json(&diff);
        value["vocabulary_id"] = json!(id);
        value["action"] = json!(if changed { "update" } else { "unchanged" });
        value["ready"] = json!(ready);
        print_json(&value)?;
    } else if !changed {
        print_text(&format!(
            "no changes: {id} already matches {}{}\n",
            words.name,
            readiness(ready)
        ))?;
    } else {
        print_text(&format!(
            "updated {id}: {}{}\n{}",
            counts(&diff),
            readiness(ready),
            diff_lines(&diff)
        ))?;
    }
    Ok(exit::OK)
}

async fn delete(args: &IdArgs, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    let id = id_arg(&args.id)?;
    let session = Session::connect(conn).await?;
    session
        .client
        .delete_vocabulary(&id)
        .await
        .map_err(vocabulary_error)?;
    if global.json {
        print_json(&json!({ "vocabulary_id": id, "deleted": true }))?;
    } else if !global.quiet {
        print_text(&format!("deleted {id}\n"))?;
    }
    Ok(exit::OK)
}

async fn sync(args: &SyncArgs, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    let model = model_arg(&args.target_model)?;
    let prefix = prefix_arg("--prefix", &args.prefix)?;
    let words = HotWords::read(&args.file, Some(&model))?;
    let session = Session::connect(conn).await?;
    let client = &session.client;
    let plan = client
        .plan_vocabulary_sync(SyncSpec::new(prefix, model, words.items.clone()))
        .await
        .map_err(vocabulary_error)?;
    let (id, ready) = if args.dry_run {
        (plan.vocabulary_id().cloned(), false)
    } else {
        let id = client
            .apply_vocabulary_sync(&plan)
            .await
            .map_err(vocabulary_error)?;
        let ready = wait_ready(client, &id, args.wait.deadline()).await?;
        (Some(id), ready)
    };
    if !global.quiet {
        note_others(&plan);
        if let (true, Some(id)) = (args.dry_run, plan.vocabulary_id()) {
            // Say now, not at the next run, when the service will take the update.
            if let Err(e) =
                asr_transport::check_update_allowed(id, plan.update_allowed_at, SystemTime::now())
            {
                eprintln!("note: {e}");
            }
        }
    }
    if global.json {
        print_json(&sync_json(&plan, id.as_ref(), args.dry_run, ready))?;
    } else {
        print_text(&sync_text(
            &plan,
            id.as_ref(),
            &words.name,
            args.dry_run,
            ready,
        ))?;
    }
    Ok(exit::OK)
}

/// `asr transcribe --vocabulary FILE`: syncs the file for the job's model (prefix from
/// `--vocabulary-prefix`, else from the file name), waits until the vocabulary is deployed,
/// and puts its id in the job's options; returns the session it used, for the transcription to
/// reuse. Does nothing (and returns `None`) without `--vocabulary`.
///
/// # Errors
///
/// Invalid input (exit 3) for a bad file, prefix or model; the sync's and the wait's errors.
pub async fn prepare_transcribe(
    args: &mut TranscribeArgs,
    conn: &Connection,
    global: &Global,
) -> anyhow::Result<Option<Session>> {
    let Some(file) = args.vocabulary.clone() else {
        return check_vocabulary_id(args, conn, global).await;
    };
    let model = model_arg(&args.job.model)?;
    if !model.accepts_vocabulary_id() {
        return Err(exit::invalid_input(format!(
            "`--vocabulary`: `{model}` does not take a hot-word list; use fun-asr or \
             paraformer-v2, or drop `--vocabulary`"
        )));
    }
    let prefix = match &args.vocabulary_prefix {
        Some(p) => prefix_arg("--vocabulary-prefix", p)?,
        None => derived_prefix(&file)?,
    };
    let words = HotWords::read(&file, Some(&model))?;
    // Check the job's other options before anything changes on the service.
    super::job::JobSpec::from_args(&args.job)?;
    let session = Session::connect(conn).await?;
    let client = &session.client;
    let outcome = client
        .sync_vocabulary(SyncSpec::new(prefix, model, words.items.clone()))
        .await
        .map_err(vocabulary_error)?;
    let id = outcome.vocabulary_id;
    if !global.quiet {
        let what = match &outcome.plan.action {
            SyncAction::Create => format!("created {id}: {}", counts(&outcome.plan.diff)),
            SyncAction::Update { .. } => format!("updated {id}: {}", counts(&outcome.plan.diff)),
            _ => format!("{id} is up to date"),
        };
        eprintln!("vocabulary {}: {what}", words.name);
    }
    let deadline = args.timeout.unwrap_or(DEFAULT_READY_WAIT);
    client
        .wait_vocabulary_ready(&id, deadline)
        .await
        .map_err(vocabulary_error)?;
    args.job.vocabulary_id = Some(id.into_string());
    Ok(Some(session))
}

/// `asr transcribe --vocabulary-id ID`: warns, before anything is submitted, when the service
/// would ignore the list (not deployed, or made for another model); returns the session it
/// used. Does nothing (and returns `None`) without `--vocabulary-id`.
async fn check_vocabulary_id(
    args: &TranscribeArgs,
    conn: &Connection,
    global: &Global,
) -> anyhow::Result<Option<Session>> {
    let Some(id) = &args.job.vocabulary_id else {
        return Ok(None);
    };
    let id = id_arg(id)?;
    let model = model_arg(&args.job.model)?;
    // Bad options are the transcription's to report, before any request.
    super::job::JobSpec::from_args(&args.job)?;
    let session = Session::connect(conn).await?;
    let warnings = session
        .client
        .check_vocabulary_for(&id, &model)
        .await
        .map_err(vocabulary_error)?;
    super::warn_all(&warnings, global);
    Ok(Some(session))
}

/// The prefix for a hot-word file without `--vocabulary-prefix`: its name's letters and
/// digits, lowercased, at most 10.
fn derived_prefix(file: &Path) -> anyhow::Result<String> {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    prefix_from_name(&stem).ok_or_else(|| {
        exit::invalid_input(format!(
            "`--vocabulary`: cannot make a prefix from the file name `{stem}` (it has no ASCII \
             letters or digits); pass `--vocabulary-prefix`, e.g. `--vocabulary-prefix words`"
        ))
    })
}

fn model_arg(model: &str) -> anyhow::Result<Model> {
    let model = model.trim();
    if model.is_empty() {
        return Err(exit::invalid_input(
            "`--target-model`: empty; pass the ASR model that will use the list, e.g. fun-asr",
        ));
    }
    Ok(Model::new(model))
}

fn prefix_arg(flag: &str, prefix: &str) -> anyhow::Result<String> {
    let prefix = prefix.trim();
    check_prefix(prefix).map_err(|e| exit::invalid_input(format!("`{flag}`: {}", e.problem)))?;
    Ok(prefix.to_owned())
}

fn id_arg(id: &str) -> anyhow::Result<VocabularyId> {
    let id = id.trim();
    if id.is_empty() || id.contains(|c: char| c.is_whitespace() || "/?#".contains(c)) {
        return Err(exit::invalid_input(format!(
            "`{id}` is not a vocabulary id; pass the id printed by `asr vocab create` or \
             `asr vocab list`, e.g. vocab-meetings-0123456789abcdef0123456789abcdef"
        )));
    }
    Ok(VocabularyId::new(id))
}

/// Waits for deployment when asked; whether the vocabulary is known to be ready.
async fn wait_ready(
    client: &Client,
    id: &VocabularyId,
    deadline: Option<Duration>,
) -> anyhow::Result<bool> {
    let Some(deadline) = deadline else {
        return Ok(false);
    };
    client
        .wait_vocabulary_ready(id, deadline)
        .await
        .map_err(vocabulary_error)?;
    Ok(true)
}

/// The exit-code kind of a vocabulary error, kept with the error for the report.
fn vocabulary_error(err: VocabularyError) -> anyhow::Error {
    let kind = match &err {
        // The transport error's own kind (auth, rejected, network…) is found in the chain.
        VocabularyError::Transport(_) => None,
        VocabularyError::QuotaExhausted { .. }
        | VocabularyError::UnknownVocabulary { .. }
        | VocabularyError::Ambiguous { .. }
        | VocabularyError::UpdateTooSoon { .. } => Some(Kind::Rejected),
        VocabularyError::InvalidItems { .. } | VocabularyError::Invalid(_) => {
            Some(Kind::InvalidInput)
        }
        VocabularyError::NotReady { .. } | VocabularyError::CreateOutcomeUnknown { .. } => {
            Some(Kind::Network)
        }
        _ => None,
    };
    match (kind, err) {
        (_, VocabularyError::Transport(e)) => anyhow::Error::new(*e),
        (Some(kind), err) => exit::Failure::new(kind, err.to_string())
            .with_source(err)
            .into(),
        (None, err) => anyhow::Error::new(err),
    }
}

fn note_others(plan: &SyncPlan) {
    for other in &plan.others {
        let model = other
            .details
            .target_model
            .as_ref()
            .map_or("another model", |m| m.as_str());
        eprintln!(
            "note: {} also has prefix `{}` but targets {model}; left alone",
            other.id, plan.spec.prefix
        );
    }
}

fn sync_text(
    plan: &SyncPlan,
    id: Option<&VocabularyId>,
    file: &str,
    dry_run: bool,
    ready: bool,
) -> String {
    let spec = &plan.spec;
    let n = spec.items.len();
    let id_text = id.map_or_else(|| "(new)".to_owned(), ToString::to_string);
    let headline = match (&plan.action, dry_run) {
        (SyncAction::Unchanged { .. }, _) => {
            return format!(
                "no changes: {id_text} matches {file} ({n} hot word{}){}\n",
                plural(n),
                readiness(ready)
            );
        }
        (SyncAction::Create, true) => format!(
            "dry run: would create a vocabulary with prefix `{}` for {}: {}",
            spec.prefix,
            spec.target_model,
            counts(&plan.diff)
        ),
        (_, true) => format!("dry run: would update {id_text}: {}", counts(&plan.diff)),
        (SyncAction::Create, false) => format!(
            "created {id_text} from {file}: {}{}",
            counts(&plan.diff),
            readiness(ready)
        ),
        (_, false) => format!(
            "updated {id_text} from {file}: {}{}",
            counts(&plan.diff),
            readiness(ready)
        ),
    };
    let tail = if dry_run { "nothing was changed\n" } else { "" };
    format!("{headline}\n{}{tail}", diff_lines(&plan.diff))
}

fn sync_json(plan: &SyncPlan, id: Option<&VocabularyId>, dry_run: bool, ready: bool) -> Value {
    let unchanged = matches!(plan.action, SyncAction::Unchanged { .. });
    let mut value = diff_json(&plan.diff);
    value["action"] = json!(plan.action.as_str());
    value["dry_run"] = json!(dry_run);
    value["applied"] = json!(!dry_run && !unchanged);
    value["vocabulary_id"] = json!(id);
    value["prefix"] = json!(plan.spec.prefix);
    value["target_model"] = json!(plan.spec.target_model);
    value["items"] = json!(plan.spec.items.len());
    value["ready"] = json!(ready);
    value["others"] = json!(plan.others.iter().map(|o| &o.id).collect::<Vec<_>>());
    // When the service takes the update (5 minutes after the last one), in Unix seconds.
    value["update_allowed_at"] = json!(plan.update_allowed_at.and_then(|t| {
        t.duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs())
    }));
    value
}

fn diff_json(diff: &VocabularyDiff) -> Value {
    let reweighted: Vec<Value> = diff
        .reweighted
        .iter()
        .map(|c| json!({ "text": c.to.text, "from": c.from, "to": c.to }))
        .collect();
    json!({
        "added": diff.added,
        "removed": diff.removed,
        "reweighted": reweighted,
    })
}

/// `2 added, 1 removed, 1 reweighted`, or `no changes`.
fn counts(diff: &VocabularyDiff) -> String {
    let parts: Vec<String> = [
        (diff.added.len(), "added"),
        (diff.removed.len(), "removed"),
        (diff.reweighted.len(), "reweighted"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if parts.is_empty() {
        "no changes".to_owned()
    } else {
        parts.join(", ")
    }
}

/// One line per difference: `+ text<TAB>weight`, `- text<TAB>weight`,
/// `~ text<TAB>weight 3 -> 5`.
fn diff_lines(diff: &VocabularyDiff) -> String {
    let mut out = String::new();
    for item in &diff.added {
        out.push_str(&format!("+ {}\n", tsv_line(item)));
    }
    for item in &diff.removed {
        out.push_str(&format!("- {}\n", tsv_line(item)));
    }
    for change in &diff.reweighted {
        out.push_str(&format!("~ {}\t{}\n", change.to.text, change_text(change)));
    }
    out
}

fn change_text(change: &ItemChange) -> String {
    let mut parts = Vec::new();
    if change.from.weight != change.to.weight {
        parts.push(format!(
            "weight {} -> {}",
            change.from.weight, change.to.weight
        ));
    }
    if change.from.lang != change.to.lang {
        let lang = |l: &Option<String>| l.clone().unwrap_or_else(|| "auto".to_owned());
        parts.push(format!(
            "lang {} -> {}",
            lang(&change.from.lang),
            lang(&change.to.lang)
        ));
    }
    parts.join(", ")
}

/// An item as a hot-word file line.
fn tsv_line(item: &VocabularyItem) -> String {
    match &item.lang {
        Some(lang) => format!("{}\t{}\t{lang}", item.text, item.weight),
        None => format!("{}\t{}", item.text, item.weight),
    }
}

fn readiness(ready: bool) -> &'static str {
    if ready { " (deployed)" } else { "" }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
