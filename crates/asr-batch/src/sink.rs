//! Where downloaded result documents go: kept in memory ([`MemorySink`]) or rendered into
//! files written atomically ([`DirSink`]), or anything implementing [`Sink`].

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use asr_types::{ResultDocument, TaskId};
use bytes::Bytes;

use crate::input::Input;
use crate::journal::DoneRecord;

/// A sink's own error (rendering, writing).
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// The prefix of every temporary file [`DirSink`] writes; leftovers of a killed run are
/// removed on the next start.
pub const TEMP_PREFIX: &str = ".asr-tmp-";

/// One downloaded result document, handed to a [`Sink`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Delivery<'a> {
    /// Position of the input in the batch.
    pub index: usize,
    /// The input.
    pub input: &'a Input,
    /// The task that transcribed it.
    pub task_id: &'a TaskId,
    /// The URL the service read (the input URL, or the `oss://` URL of the upload).
    pub file_url: &'a str,
    /// The result document exactly as the storage host sent it.
    pub document: &'a Bytes,
}

/// What a sink made of a delivery.
#[derive(Debug)]
#[non_exhaustive]
pub struct Delivered<O> {
    /// Handed to the caller in the input's outcome.
    pub output: O,
    /// Recorded in the journal as the input's `done` record when the outputs persist (files);
    /// `None` when nothing persists, so a later run downloads again.
    pub done: Option<DoneRecord>,
}

impl<O> Delivered<O> {
    /// An output that does not persist.
    ///
    /// ```
    /// let d = asr_batch::Delivered::transient(3);
    /// assert!(d.done.is_none());
    /// ```
    pub fn transient(output: O) -> Self {
        Delivered { output, done: None }
    }

    /// An output recorded as `done`.
    ///
    /// ```
    /// use asr_batch::{Delivered, journal::DoneRecord};
    /// let d = Delivered::persisted((), DoneRecord::new(vec!["a.txt".into()], vec!["txt".into()]));
    /// assert!(d.done.is_some());
    /// ```
    pub fn persisted(output: O, done: DoneRecord) -> Self {
        Delivered {
            output,
            done: Some(done),
        }
    }
}

/// Turns result documents into outputs.
///
/// The engine calls [`prepare`](Sink::prepare) once on start while it holds the store's lock,
/// [`is_complete`](Sink::is_complete) for inputs an earlier run finished,
/// [`deliver`](Sink::deliver) on a blocking thread for each downloaded document, and
/// [`sync`](Sink::sync) once per group commit, before the `done` records naming the outputs
/// become durable: an output the journal calls done is on disk.
///
/// ```
/// use asr_batch::{Delivered, Delivery, Sink, SinkError};
///
/// /// Counts bytes instead of keeping documents.
/// struct Sizes;
///
/// impl Sink for Sizes {
///     type Output = usize;
///     fn deliver(&self, d: Delivery<'_>) -> Result<Delivered<usize>, SinkError> {
///         Ok(Delivered::transient(d.document.len()))
///     }
/// }
/// ```
pub trait Sink: Send + Sync + 'static {
    /// What an input's outcome carries.
    type Output: Send + 'static;

    /// Cleans up after killed runs (temporary files). Called while the store is locked.
    ///
    /// # Errors
    ///
    /// The sink cannot be used; the batch does not start.
    fn prepare(&self) -> Result<(), SinkError> {
        Ok(())
    }

    /// Whether the outputs an earlier run recorded for input `index` are all still there and
    /// cover what this run asks for; a complete input is skipped.
    fn is_complete(&self, index: usize, done: &DoneRecord) -> bool {
        let _ = (index, done);
        false
    }

    /// Turns one document into outputs.
    ///
    /// # Errors
    ///
    /// The input fails with this error (the batch goes on).
    fn deliver(&self, delivery: Delivery<'_>) -> Result<Delivered<Self::Output>, SinkError>;

    /// Makes every output delivered so far durable.
    ///
    /// # Errors
    ///
    /// The batch stops: its journal cannot promise the outputs.
    fn sync(&self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// One file's transcript, kept in memory.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FileTranscript {
    /// The input as given.
    pub input: Input,
    /// The URL the service read (the input URL, or the `oss://` URL of the upload).
    pub file_url: String,
    /// The task that transcribed it.
    pub task_id: TaskId,
    /// The result document, parsed.
    pub document: ResultDocument,
    /// The result document exactly as received.
    pub raw: Bytes,
}

impl FileTranscript {
    /// The full text, one line per channel.
    ///
    /// ```
    /// # use asr_batch::FileTranscript;
    /// # fn show(t: &FileTranscript) {
    /// println!("{}", t.text());
    /// # }
    /// ```
    pub fn text(&self) -> String {
        let channels = self.document.channels();
        let texts: Vec<&str> = channels.iter().map(|c| c.text).collect();
        texts.join("\n")
    }
}

/// Keeps each document in memory, parsed ([`FileTranscript`]); nothing persists, so a
/// resumed run downloads finished inputs again (their tasks are in the journal).
///
/// ```
/// let sink = asr_batch::MemorySink;
/// # drop(sink);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct MemorySink;

impl Sink for MemorySink {
    type Output = FileTranscript;

    fn deliver(&self, d: Delivery<'_>) -> Result<Delivered<FileTranscript>, SinkError> {
        let response = http::Response::new(d.document.clone());
        let document = asr_protocol::endpoints::fetch_result::parse(response)?;
        Ok(Delivered::transient(FileTranscript {
            input: d.input.clone(),
            file_url: d.file_url.to_owned(),
            task_id: d.task_id.clone(),
            document,
            raw: d.document.clone(),
        }))
    }
}

/// One file a renderer made from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutputFile {
    /// The file name, relative to the output directory.
    pub name: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

impl OutputFile {
    /// A file `name` holding `bytes`.
    ///
    /// ```
    /// let f = asr_batch::OutputFile::new("a.txt", b"hello\n".to_vec());
    /// assert_eq!(f.name, "a.txt");
    /// ```
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        OutputFile {
            name: name.into(),
            bytes,
        }
    }
}

/// Renders each document with a function and writes the files into a directory, atomically:
/// each file is written under an unpredictable temporary name (`.asr-tmp-…`) and renamed
/// over its target, so a reader or a killed run never sees half a file. Files are made
/// durable in one go per group commit (`syncfs` on Linux, one fsync per file elsewhere),
/// not one fsync each.
///
/// `formats` are the formats this run asks for; an earlier run's input is complete when it
/// recorded all of them and its files are still there.
///
/// ```
/// use asr_batch::{DirSink, OutputFile};
/// let dir = std::env::temp_dir().join("asr-doc-dirsink");
/// let sink = DirSink::new(&dir, vec!["json".into()], |d: asr_batch::Delivery<'_>| {
///     Ok(vec![OutputFile::new(format!("{}.json", d.index), d.document.to_vec())])
/// });
/// # drop(sink);
/// ```
pub struct DirSink<R> {
    dir: PathBuf,
    formats: Vec<String>,
    render: R,
    /// Files written since the last sync (only used where there is no `syncfs`).
    pending: Mutex<Vec<PathBuf>>,
    /// Whether anything was written since the last sync.
    dirty: Mutex<bool>,
}

impl<R> std::fmt::Debug for DirSink<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirSink")
            .field("dir", &self.dir)
            .field("formats", &self.formats)
            .finish_non_exhaustive()
    }
}

impl<R> DirSink<R>
where
    R: Fn(Delivery<'_>) -> Result<Vec<OutputFile>, SinkError> + Send + Sync + 'static,
{
    /// Files rendered by `render` in `dir` (created if missing).
    pub fn new(dir: impl Into<PathBuf>, formats: Vec<String>, render: R) -> Self {
        DirSink {
            dir: dir.into(),
            formats,
            render,
            pending: Mutex::new(Vec::new()),
            dirty: Mutex::new(false),
        }
    }

    /// The output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl<R> Sink for DirSink<R>
where
    R: Fn(Delivery<'_>) -> Result<Vec<OutputFile>, SinkError> + Send + Sync + 'static,
{
    type Output = Vec<String>;

    fn prepare(&self) -> Result<(), SinkError> {
        fs::create_dir_all(&self.dir)?;
        remove_temp_files(&self.dir)?;
        Ok(())
    }

    fn is_complete(&self, _index: usize, done: &DoneRecord) -> bool {
        self.formats
            .iter()
            .all(|f| done.formats.iter().any(|d| d == f))
            && done.outputs.iter().all(|f| self.dir.join(f).is_file())
    }

    fn deliver(&self, d: Delivery<'_>) -> Result<Delivered<Vec<String>>, SinkError> {
        let files = (self.render)(d)?;
        let mut names = Vec::with_capacity(files.len());
        for file in files {
            let path = write_atomic(&self.dir, &file.name, &file.bytes, false)?;
            self.pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(path);
            names.push(file.name);
        }
        *self.dirty.lock().unwrap_or_else(PoisonError::into_inner) = true;
        let done = DoneRecord::new(names.clone(), self.formats.clone());
        Ok(Delivered::persisted(names, done))
    }

    fn sync(&self) -> Result<(), SinkError> {
        let mut dirty = self.dirty.lock().unwrap_or_else(PoisonError::into_inner);
        if !*dirty {
            return Ok(());
        }
        let pending =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        sync_files(&self.dir, &pending)?;
        *dirty = false;
        Ok(())
    }
}

/// Writes `bytes` to `dir/name` atomically: a temporary file with an unpredictable name in the
/// same directory, renamed over the target. With `durable` the file and the directory are
/// flushed to disk before this returns; without it, the caller syncs later (see
/// [`DirSink`]). Returns the target path.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("asr-doc-atomic-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = asr_batch::sink::write_atomic(&dir, "a.txt", b"hello\n", true)?;
/// assert_eq!(std::fs::read(&path)?, b"hello\n");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// Creating, writing or renaming failed; no temporary file is left behind.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8], durable: bool) -> io::Result<PathBuf> {
    let target = dir.join(name);
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(&parent)?;
    tmp.write_all(bytes)?;
    if durable {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    if durable {
        sync_dir(&parent);
    }
    Ok(target)
}

/// Removes `.asr-tmp-*` files a killed run left in `dir`.
///
/// # Errors
///
/// The directory cannot be listed.
pub fn remove_temp_files(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)?.flatten() {
        let is_temp = entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX);
        if is_temp
            && entry.file_type().is_ok_and(|t| t.is_file())
            && fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(target_os = "linux")]
fn sync_files(dir: &Path, _files: &[PathBuf]) -> io::Result<()> {
    // One call flushes every file and directory entry on the file system: far cheaper than an
    // fsync per file for a batch of thousands.
    let d = fs::File::open(dir)?;
    rustix::fs::syncfs(&d)?;
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn sync_files(dir: &Path, files: &[PathBuf]) -> io::Result<()> {
    for f in files {
        if let Ok(file) = fs::File::open(f) {
            file.sync_all()?;
        }
    }
    sync_dir(dir);
    Ok(())
}

/// Flushes a directory's entries; not every platform can open a directory, so best effort.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests;
