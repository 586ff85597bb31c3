//! Progress on stderr: upload bytes, tasks pending/running/done, files done. Shown only to a
//! person at a terminal (stderr is a TTY, `CI` unset, not `--quiet`); otherwise every bar is
//! hidden and the same calls cost next to nothing.

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bars of one batch.
pub struct Progress {
    multi: Option<MultiProgress>,
    upload: ProgressBar,
    tasks: ProgressBar,
    files: ProgressBar,
    pending: AtomicI64,
    running: AtomicI64,
    finished: AtomicI64,
}

/// Which bucket a task status counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Queued.
    Pending,
    /// Being transcribed.
    Running,
    /// Finished, one way or another.
    Finished,
}

impl Progress {
    /// Whether to draw: a person is watching stderr.
    pub fn wanted(quiet: bool) -> bool {
        !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
    }

    /// Bars for `files` inputs, drawn only if `enabled`.
    pub fn new(enabled: bool, files: u64) -> Self {
        let multi = enabled
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)));
        let add = |bar: ProgressBar| match &multi {
            Some(m) => m.add(bar),
            None => ProgressBar::hidden(),
        };
        let upload = add(ProgressBar::new(0));
        upload.set_style(style(
            "upload {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
        ));
        let tasks = add(ProgressBar::new_spinner());
        tasks.set_style(style("tasks  {spinner} {msg}"));
        if enabled {
            tasks.enable_steady_tick(Duration::from_millis(200));
        }
        let files_bar = add(ProgressBar::new(files));
        files_bar.set_style(style("files  {bar:30} {pos}/{len} {msg}"));
        let progress = Self {
            multi,
            upload,
            tasks,
            files: files_bar,
            pending: AtomicI64::new(0),
            running: AtomicI64::new(0),
            finished: AtomicI64::new(0),
        };
        progress.redraw_tasks();
        progress
    }

    /// A file of `bytes` will be uploaded.
    pub fn add_upload(&self, bytes: u64) {
        self.upload.inc_length(bytes);
    }

    /// `bytes` more were sent.
    pub fn uploaded(&self, bytes: u64) {
        self.upload.inc(bytes);
    }

    /// A task moved between buckets (`from` is `None` when first seen).
    pub fn task_moved(&self, from: Option<TaskState>, to: TaskState) {
        if let Some(from) = from {
            self.bucket(from).fetch_sub(1, Ordering::Relaxed);
        }
        self.bucket(to).fetch_add(1, Ordering::Relaxed);
        self.redraw_tasks();
    }

    fn bucket(&self, state: TaskState) -> &AtomicI64 {
        match state {
            TaskState::Pending => &self.pending,
            TaskState::Running => &self.running,
            TaskState::Finished => &self.finished,
        }
    }

    fn redraw_tasks(&self) {
        self.tasks.set_message(format!(
            "{} pending, {} running, {} done",
            self.pending.load(Ordering::Relaxed),
            self.running.load(Ordering::Relaxed),
            self.finished.load(Ordering::Relaxed)
        ));
    }

    /// One input is finished (written, skipped or failed).
    pub fn file_done(&self) {
        self.files.inc(1);
    }

    /// Print a line to stderr without tearing the bars.
    pub fn println(&self, line: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(line);
            }
            None => eprintln!("{line}"),
        }
    }

    /// Remove the bars.
    pub fn finish(&self) {
        for bar in [&self.upload, &self.tasks, &self.files] {
            bar.finish_and_clear();
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}
