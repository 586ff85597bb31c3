//! Where a fleet's documents go: rendered into files of an output directory (written
//! atomically, by the worker that downloaded them), and always into the database, in the
//! transaction that records the input done, for `batch export`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use asr_batch::journal::DoneRecord;
use asr_batch::{Delivered, Delivery, DirSink, OutputFile, Sink, SinkError};
use asr_types::TaskId;
use bytes::Bytes;

/// Renders one input's document into files: `(name, document)` → files named from `name`
/// (the name the input was added with).
pub type RenderFn =
    Arc<dyn Fn(&str, &[u8]) -> Result<Vec<OutputFile>, SinkError> + Send + Sync + 'static>;

/// Rendered files for each finished input.
#[derive(Clone)]
#[non_exhaustive]
pub struct Output {
    /// The output directory (shared by the fleet's machines, or each its own).
    pub dir: PathBuf,
    /// The formats the files hold (recorded with each input).
    pub formats: Vec<String>,
    /// The renderer.
    pub render: RenderFn,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("dir", &self.dir)
            .field("formats", &self.formats)
            .finish_non_exhaustive()
    }
}

impl Output {
    /// Files in `dir`, in `formats`, made by `render`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let out = asr_store_pg::Output::new("out", vec!["json".into()], Arc::new(|name: &str, doc: &[u8]| {
    ///     Ok(vec![asr_batch::OutputFile::new(format!("{name}.json"), doc.to_vec())])
    /// }));
    /// assert_eq!(out.formats, ["json"]);
    /// ```
    pub fn new(dir: impl Into<PathBuf>, formats: Vec<String>, render: RenderFn) -> Self {
        Output {
            dir: dir.into(),
            formats,
            render,
        }
    }
}

type Render = Box<dyn Fn(Delivery<'_>) -> Result<Vec<OutputFile>, SinkError> + Send + Sync>;

/// Documents waiting for the commit that records their input done.
pub(crate) type Stash = Arc<Mutex<BTreeMap<String, (TaskId, Bytes)>>>;

/// Each claimed input's output name, by source.
pub(crate) type Names = Arc<Mutex<BTreeMap<String, String>>>;

/// The sink every chunk of a worker shares.
pub(crate) struct FleetSink {
    files: Option<DirSink<Render>>,
    pub(crate) names: Names,
    pub(crate) stash: Stash,
}

impl FleetSink {
    pub(crate) fn new(output: Option<Output>) -> std::io::Result<Self> {
        let names: Names = Arc::default();
        let files = match output {
            Some(out) => {
                std::fs::create_dir_all(&out.dir)?;
                let lookup = Arc::clone(&names);
                let render = out.render;
                let to_files: Render = Box::new(move |d: Delivery<'_>| {
                    let source = d.input.source();
                    let name = lock(&lookup)
                        .get(&source)
                        .cloned()
                        .unwrap_or_else(|| "transcript".to_owned());
                    render(&name, d.document)
                });
                // Never `prepare`d: on a shared directory another worker's temporary files are
                // its writes in progress, not leftovers.
                Some(DirSink::new(out.dir, out.formats, to_files))
            }
            None => None,
        };
        Ok(FleetSink {
            files,
            names,
            stash: Arc::default(),
        })
    }
}

/// A chunk's view of the shared sink.
pub(crate) struct ChunkSink(pub(crate) Arc<FleetSink>);

impl Sink for ChunkSink {
    type Output = Vec<String>;

    fn deliver(&self, d: Delivery<'_>) -> Result<Delivered<Vec<String>>, SinkError> {
        let delivered = match &self.0.files {
            Some(files) => files.deliver(d)?,
            None => Delivered::persisted(
                Vec::new(),
                DoneRecord::new(Vec::new(), vec!["stored".to_owned()]),
            ),
        };
        lock(&self.0.stash).insert(d.input.source(), (d.task_id.clone(), d.document.clone()));
        Ok(delivered)
    }

    fn sync(&self) -> Result<(), SinkError> {
        match &self.0.files {
            Some(files) => files.sync(),
            None => Ok(()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
