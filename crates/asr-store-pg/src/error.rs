//! The store's errors.

/// What went wrong with the shared store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// The store URL cannot be read.
    #[error(
        "`--store`: {0}; pass a PostgreSQL URL such as postgres://user@host:5432/db \
         (or host=/run/postgresql dbname=asr)"
    )]
    Url(#[source] tokio_postgres::Error),
    /// The database refused a statement or the connection failed.
    #[error("the batch database: {0}")]
    Db(#[from] tokio_postgres::Error),
    /// No connection could be taken from the pool.
    #[error("cannot connect to the batch database: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The database holds a schema newer than this version knows.
    #[error(
        "the batch database was set up by a newer version of asr (schema {found}, this version \
         knows {known}); upgrade asr on this machine"
    )]
    NewerSchema {
        /// The version found.
        found: i32,
        /// The newest this version knows.
        known: i32,
    },
    /// This worker's lease lapsed (it could not reach the database in time, or another
    /// worker took over its inputs): it stops without sending anything more.
    #[error(
        "this worker lost its lease on the batch (the database was unreachable for too long); \
         its inputs go to the other workers: start it again to rejoin"
    )]
    LeaseLost,
    /// No such batch.
    #[error(
        "no batch named `{0}` in this database; `asr transcribe --store … --batch {0}` creates it"
    )]
    NoBatch(String),
    /// A stored value this version cannot read.
    #[error("a stored {what} cannot be read: {problem}")]
    Corrupt {
        /// What.
        what: &'static str,
        /// Why.
        problem: String,
    },
}

impl From<FleetError> for asr_batch::StoreError {
    fn from(e: FleetError) -> Self {
        asr_batch::StoreError::Other(Box::new(e))
    }
}
