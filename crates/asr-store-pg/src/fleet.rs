//! A fleet worker: registers, keeps its lease, takes part in the poller's election, and
//! claims chunks of the batch one after another, running the engine on each with this
//! database as its store and its completion source.

use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use asr_batch::{Batch, Input, Job, Outcome, Status, StoreError};
use asr_transport::{Config, PollPolicy};
use deadpool_postgres::Pool;
use futures_util::{Stream, StreamExt as _};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::completion::PgCompletion;
use crate::error::FleetError;
use crate::gate::{PgGate, Rates};
use crate::lease::Lease;
use crate::poller::{self, PollerSettings};
use crate::row::{Claimed, code};
use crate::sink::{ChunkSink, FleetSink, Output};
use crate::store::{ChunkStore, Shared, add_counts};
use crate::{db, migrate};

/// A batch in a PostgreSQL database.
#[derive(Clone)]
pub struct Fleet {
    config: tokio_postgres::Config,
    pool: Pool,
    batch: i64,
    name: String,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: only the batch is shown.
        f.debug_struct("Fleet")
            .field("batch", &self.name)
            .finish_non_exhaustive()
    }
}

/// A worker's settings. The defaults suit a real account; tests shorten the times.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FleetOptions {
    /// A worker's lease (default 30 s): another worker takes a dead one's inputs over this
    /// long after its last renewal. Renewed every quarter of it.
    pub lease: Duration,
    /// The account's limits, for the whole fleet.
    pub rates: Rates,
    /// Tasks' worth of fresh inputs per claim (default 10).
    pub claim_tasks: usize,
    /// Chunks a worker runs at once, at most (default 16).
    pub max_chunks: usize,
    /// How the poller polls each task when it does not sweep.
    pub poll: PollPolicy,
    /// How long after an ambiguous submit a task list without its task is believed (default 10 s).
    pub reconcile_grace: Duration,
    /// How often a worker tries to become the poller (default 1 s).
    pub elect_every: Duration,
    /// How often the poller looks for new tasks and waiters for finished ones (default 250 ms).
    pub scan_every: Duration,
    /// Uploads at once per chunk (default 8).
    pub upload_concurrency: usize,
    /// Downloads at once per chunk (default 32).
    pub download_concurrency: usize,
}

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            lease: Duration::from_secs(30),
            rates: Rates::default(),
            claim_tasks: 10,
            max_chunks: 16,
            poll: PollPolicy::default(),
            reconcile_grace: Duration::from_secs(10),
            elect_every: Duration::from_secs(1),
            scan_every: Duration::from_millis(250),
            upload_concurrency: 8,
            download_concurrency: 32,
        }
    }
}

impl FleetOptions {
    /// Sets the lease.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(400));
        self
    }

    /// Sets the account's limits.
    #[must_use]
    pub fn with_rates(mut self, rates: Rates) -> Self {
        self.rates = rates;
        self
    }

    /// Sets the reconcile grace.
    #[must_use]
    pub fn with_reconcile_grace(mut self, grace: Duration) -> Self {
        self.reconcile_grace = grace;
        self
    }

    /// Sets the poll policy of the poller.
    #[must_use]
    pub fn with_poll_policy(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }
}

/// What one worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FleetSummary {
    /// Inputs this worker finished.
    pub done: u64,
    /// Inputs that failed in this worker.
    pub failed: u64,
    /// Inputs whose results expired.
    pub expired: u64,
    /// Chunks it claimed.
    pub chunks: u64,
}

impl Fleet {
    /// Connects to the database at `url` (a libpq URL or key/value string), brings its schema
    /// up to date, and opens (or creates) the batch `name`.
    ///
    /// # Errors
    ///
    /// [`FleetError::Url`], [`FleetError::Db`], [`FleetError::NewerSchema`].
    pub async fn connect(url: &str, name: &str) -> Result<Self, FleetError> {
        Self::open(url, name, true).await
    }

    /// Opens an existing batch (for status, retry and export).
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect), and [`FleetError::NoBatch`].
    pub async fn existing(url: &str, name: &str) -> Result<Self, FleetError> {
        Self::open(url, name, false).await
    }

    async fn open(url: &str, name: &str, create: bool) -> Result<Self, FleetError> {
        let mut config = db::config(url)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        config.keepalives_idle(Duration::from_secs(10));
        let (mut session, driver) = db::session(&config).await?;
        migrate::migrate(&mut session).await?;
        let batch: Option<i64> = if create {
            Some(
                session
                    .query_one(
                        "INSERT INTO asr_batch (name) VALUES ($1)
                         ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
                        &[&name],
                    )
                    .await?
                    .get(0),
            )
        } else {
            session
                .query_opt("SELECT id FROM asr_batch WHERE name = $1", &[&name])
                .await?
                .map(|r| r.get(0))
        };
        drop(session);
        driver.abort();
        let batch = batch.ok_or_else(|| FleetError::NoBatch(name.to_owned()))?;
        let pool = db::pool(config.clone(), 16)?;
        Ok(Fleet {
            config,
            pool,
            batch,
            name: name.to_owned(),
        })
    }

    /// The batch's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    pub(crate) fn batch_id(&self) -> i64 {
        self.batch
    }

    /// Adds `inputs` (to be transcribed as `job`) to the batch, each named `names[i]` for its
    /// output files; inputs already in the batch with the same options are left as they are.
    /// Returns how many were new.
    ///
    /// # Errors
    ///
    /// [`FleetError::Db`].
    pub async fn add_inputs(
        &self,
        inputs: &[Input],
        names: &[String],
        job: &Job,
    ) -> Result<u64, FleetError> {
        let opts = job.options_id().to_string();
        let mut added = 0u64;
        for (chunk, names) in inputs.chunks(5000).zip(names.chunks(5000)) {
            let sources: Vec<String> = chunk.iter().map(Input::source).collect();
            let paths: Vec<bool> = chunk.iter().map(|i| matches!(i, Input::Path(_))).collect();
            let mut client = self.pool.get().await?;
            let tx = client.transaction().await?;
            let n = tx
                .execute(
                    "INSERT INTO asr_input (batch_id, opts, source, seq, is_path, name)
                     SELECT $1, $2, s, nextval('asr_input_seq'), p, n
                     FROM unnest($3::text[], $4::bool[], $5::text[]) WITH ORDINALITY AS u(s, p, n, o)
                     ORDER BY o
                     ON CONFLICT DO NOTHING",
                    &[&self.batch, &opts, &sources, &paths, &names],
                )
                .await?;
            let delta = [(code::NEW, n as i64)].into_iter().collect();
            add_counts(&tx, self.batch, &delta, 0).await?;
            tx.commit().await?;
            added += n;
        }
        Ok(added)
    }

    /// Runs a worker on the batch's open inputs with `job`'s options until none is left: the
    /// client is built from `client_config` with the fleet's send gate; documents go to
    /// `output` (and always into the database). Outcomes are this worker's inputs, with
    /// `index` set to the input's position in the batch.
    ///
    /// # Errors
    ///
    /// The output directory cannot be created.
    pub fn run(
        &self,
        client_config: Config,
        job: Job,
        output: Option<Output>,
        options: FleetOptions,
    ) -> Result<FleetRun, FleetError> {
        let sink = FleetSink::new(output).map_err(|e| FleetError::Corrupt {
            what: "output directory",
            problem: e.to_string(),
        })?;
        let (tx, rx) = mpsc::channel(256);
        let (stop_tx, stop_rx) = watch::channel(false);
        let summary = Arc::new(Mutex::new(FleetSummary::default()));
        let worker = Worker {
            fleet: self.clone(),
            client_config,
            job,
            sink: Arc::new(sink),
            options,
            out: tx,
            stop: stop_rx,
            summary: Arc::clone(&summary),
        };
        let driver = tokio::spawn(worker.drive());
        Ok(FleetRun {
            rx,
            stop: stop_tx,
            summary,
            driver: Some(driver),
        })
    }
}

type Item = Result<Outcome<Vec<String>>, asr_batch::Error>;

/// A running worker: a stream of the outcomes of the inputs it finished. An `Err` item
/// stopped it (it lost its lease, the credentials were refused); it is the last item.
pub struct FleetRun {
    rx: mpsc::Receiver<Item>,
    stop: watch::Sender<bool>,
    summary: Arc<Mutex<FleetSummary>>,
    driver: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for FleetRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetRun")
            .field("summary", &self.summary())
            .finish_non_exhaustive()
    }
}

impl FleetRun {
    /// What this worker did so far.
    pub fn summary(&self) -> FleetSummary {
        *self.summary.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops the worker: its chunks flush what they did, its open inputs go back to the fleet
    /// at once, and it leaves the poller's election.
    pub async fn interrupt(&mut self) {
        let _ = self.stop.send(true);
        self.rx.close();
        while self.rx.recv().await.is_some() {}
        if let Some(driver) = self.driver.take() {
            let _ = driver.await;
        }
    }
}

impl Stream for FleetRun {
    type Item = Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for FleetRun {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            driver.abort();
        }
    }
}

struct Worker {
    fleet: Fleet,
    client_config: Config,
    job: Job,
    sink: Arc<FleetSink>,
    options: FleetOptions,
    out: mpsc::Sender<Item>,
    stop: watch::Receiver<bool>,
    summary: Arc<Mutex<FleetSummary>>,
}

fn fatal(e: FleetError) -> asr_batch::Error {
    asr_batch::Error::Store(StoreError::from(e))
}

impl Worker {
    async fn drive(self) {
        let out = self.out.clone();
        if let Err(e) = self.work().await {
            let _ = out.send(Err(e)).await;
        }
    }

    async fn work(mut self) -> Result<(), asr_batch::Error> {
        let pool = self.fleet.pool.clone();
        let lease = Lease::register(&pool, self.fleet.batch, self.options.lease)
            .await
            .map_err(fatal)?;
        let mut background = JoinSet::new();
        background.spawn(Arc::clone(&lease).keep(pool.clone()));
        let gate = Arc::new(PgGate::new(
            pool.clone(),
            self.options.rates,
            Arc::clone(&lease),
        ));
        let client = self
            .client_config
            .clone()
            .with_query_rate(self.options.rates.task_api)
            .with_send_gate(gate)
            .build()
            .map_err(asr_batch::Error::Transport)?;
        let (completion, waiter) = PgCompletion::start(pool.clone(), self.options.scan_every);
        background.spawn(poller::elect(
            self.fleet.config.clone(),
            client.clone(),
            PollerSettings {
                elect_every: self.options.elect_every,
                scan_every: self.options.scan_every,
                poll: self.options.poll.clone(),
            },
        ));
        let shared = Arc::new(Shared {
            pool: pool.clone(),
            batch: self.fleet.batch,
            options: self.job.options_id(),
            lease: Arc::clone(&lease),
            stash: Arc::clone(&self.sink.stash),
            unsent: AtomicI64::new(0),
        });
        let per_claim = (self.job.files_per_task().max(1) * self.options.claim_tasks.max(1)) as i64;
        let (chunk_stop_tx, chunk_stop) = watch::channel(false);
        let mut chunks: JoinSet<Result<(), asr_batch::Error>> = JoinSet::new();
        let mut lost = lease.lost();
        let mut result = Ok(());
        loop {
            if lease.is_lost() {
                result = Err(fatal(FleetError::LeaseLost));
                break;
            }
            if *self.stop.borrow() {
                break;
            }
            let mut claimed_any = false;
            if chunks.len() < self.options.max_chunks && shared.unsent.load(Ordering::Relaxed) <= 0
            {
                match shared.claim(per_claim).await {
                    Ok(claimed) if !claimed.is_empty() => {
                        claimed_any = true;
                        self.summary
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .chunks += 1;
                        chunks.spawn(self.chunk(
                            Arc::clone(&shared),
                            client.clone(),
                            completion.clone(),
                            claimed,
                            chunk_stop.clone(),
                        ));
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot claim inputs; retrying"),
                }
            }
            if chunks.is_empty() && !claimed_any {
                match shared.any_open().await {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot read the batch; retrying"),
                }
            }
            tokio::select! {
                Some(joined) = chunks.join_next() => match joined {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        result = Err(e);
                        break;
                    }
                    Err(join) if join.is_panic() => {
                        result = Err(asr_batch::Error::Internal(format!("a chunk panicked: {join}")));
                        break;
                    }
                    Err(_) => {}
                },
                () = tokio::time::sleep(self.options.scan_every) => {}
                _ = lost.changed() => {}
                _ = self.stop.changed() => {}
            }
        }
        // Chunks flush what they did (a chunk whose lease is gone fails to, harmlessly).
        let _ = chunk_stop_tx.send(true);
        while let Some(joined) = chunks.join_next().await {
            if let (Ok(Err(e)), Ok(())) = (joined, &result) {
                result = Err(e);
            }
        }
        background.abort_all();
        waiter.abort();
        if !lease.is_lost()
            && let Err(e) = lease.release(&pool).await
        {
            tracing::warn!(error = %e, "cannot hand the open inputs back; they return when the lease lapses");
        }
        result
    }

    fn chunk(
        &self,
        shared: Arc<Shared>,
        client: asr_transport::Client,
        completion: PgCompletion,
        claimed: Vec<Claimed>,
        mut stop: watch::Receiver<bool>,
    ) -> impl std::future::Future<Output = Result<(), asr_batch::Error>> + Send + 'static {
        let job = self.job.clone();
        let sink = Arc::clone(&self.sink);
        let out = self.out.clone();
        let summary = Arc::clone(&self.summary);
        let options = self.options.clone();
        async move {
            {
                let mut names = sink.names.lock().unwrap_or_else(PoisonError::into_inner);
                for c in &claimed {
                    names.insert(c.key.source.clone(), c.name.clone());
                }
            }
            let store = ChunkStore::new(Arc::clone(&shared), &claimed)
                .await
                .map_err(fatal)?;
            let inputs: Vec<Input> = claimed.iter().map(|c| c.input.clone()).collect();
            let mut run = Batch::new(client, job)
                .with_store(store)
                .with_sink(ChunkSink(sink))
                .with_completion(Arc::new(completion))
                .with_reconcile_grace(options.reconcile_grace)
                .with_upload_concurrency(options.upload_concurrency)
                .with_download_concurrency(options.download_concurrency)
                .run(inputs);
            loop {
                tokio::select! {
                    item = run.next() => match item {
                        None => return Ok(()),
                        Some(Ok(mut outcome)) => {
                            {
                                let mut s = summary.lock().unwrap_or_else(PoisonError::into_inner);
                                match &outcome.status {
                                    Status::Done(_) => s.done += 1,
                                    Status::Expired => s.expired += 1,
                                    Status::Failed(_) => s.failed += 1,
                                    _ => {}
                                }
                            }
                            if let Some(c) = claimed.get(outcome.index) {
                                outcome.index = usize::try_from(c.seq).unwrap_or(usize::MAX);
                            }
                            let _ = out.send(Ok(outcome)).await;
                        }
                        Some(Err(e)) => {
                            if is_lease_lost(&e) {
                                shared.lease.lose();
                            }
                            return Err(e);
                        }
                    },
                    _ = stop.changed() => {
                        let _ = run.interrupt().await;
                        return Ok(());
                    }
                }
            }
        }
    }
}

fn is_lease_lost(e: &asr_batch::Error) -> bool {
    matches!(e, asr_batch::Error::Store(StoreError::Other(inner))
        if matches!(inner.downcast_ref::<FleetError>(), Some(FleetError::LeaseLost)))
}
