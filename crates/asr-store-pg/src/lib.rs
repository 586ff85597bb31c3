//! A shared PostgreSQL store for the `asr-batch` engine: any number of processes, on any
//! machines, with the same database share one batch and one account's limits.
//!
//! - **Inputs** are rows keyed by batch, options fingerprint and source; adding the same
//!   inputs again is a no-op ([`Fleet::add_inputs`]).
//! - **Claims and leases**: each process registers as a worker with a lease it renews while
//!   it lives; it claims open inputs with `FOR UPDATE SKIP LOCKED` (whole groups of fresh
//!   inputs, and every open input of a worker whose lease lapsed), and every write checks, in
//!   its transaction, that it still owns the rows and holds its lease. A lease is never revived
//!   once it lapsed, so a worker cut off from the database cannot write again.
//! - **The unknown-outcome rule** holds across workers: a submit's intent is committed before
//!   it is sent (and only with time left on the lease); inputs a dead worker left
//!   `submitting` are reconciled through the task list by whoever takes them over, with the
//!   submit time moved to the end of the dead worker's lease (the latest it could have sent).
//! - **One account-wide budget**: a single poller, elected with a session-level advisory lock
//!   (it dies with its connection), tracks every open task of the database with the
//!   transport's tracker (task-list sweeps when polls would not fit) and records each
//!   terminal answer; workers wait on the database, not on the service. Every task query,
//!   list, cancel, submit and upload-policy call of every worker passes a send gate that
//!   reserves a slot in the database (one `UPDATE` per request), so the fleet as a whole stays
//!   under the account's limits, and a worker that cannot reach the database sends nothing.
//! - **Status in constant time**: counters per state are changed in the transactions that
//!   change the inputs ([`Fleet::status`]).
//!
//! It never resends a submit that may have reached the service, never lets a worker without
//! a lease write, never shares a TCP connection between the advisory lock and anything that
//! may outlive it, and speaks only SQL to PostgreSQL (no wire protocol or consensus of its
//! own). One database serves one DashScope account.
//!
//! ```no_run
//! use asr_batch::{Input, Job};
//! use asr_store_pg::{Fleet, FleetOptions};
//! use asr_types::Model;
//! use futures_util::StreamExt;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let fleet = Fleet::connect("postgres://asr@db.internal/asr", "archive-2026").await?;
//! let job = Job::new(Model::FUN_ASR);
//! let inputs = vec![Input::parse("https://example.com/a.wav")];
//! fleet.add_inputs(&inputs, &["a".to_owned()], &job).await?;
//! let config = asr_transport::Config::new("sk-…");
//! let mut run = fleet.run(config, job, None, FleetOptions::default())?;
//! while let Some(outcome) = run.next().await {
//!     println!("{:?}", outcome?.status);
//! }
//! println!("{:?}", fleet.status().await?.counts);
//! # Ok(())
//! # }
//! ```

mod completion;
mod db;
mod error;
mod fleet;
mod gate;
mod lease;
mod migrate;
mod poller;
mod row;
mod sink;
mod status;
mod store;
pub mod testing;

pub use crate::error::FleetError;
pub use crate::fleet::{Fleet, FleetOptions, FleetRun, FleetSummary};
pub use crate::gate::Rates;
pub use crate::sink::{Output, RenderFn};
pub use crate::status::{BatchStatus, Counts, Failure, StoredResult};
