//! Versioned migrations: numbered SQL files applied in order, each once, under an advisory
//! lock so that workers starting together do not race.

use tokio_postgres::Client;

use crate::error::FleetError;

/// Every migration, in order: (version, name, SQL).
const MIGRATIONS: &[(i32, &str, &str)] =
    &[(1, "batches", include_str!("../migrations/0001_batches.sql"))];

/// The advisory lock migrations run under (any constant distinct from the poller's).
const MIGRATE_LOCK: i64 = 0x6173_725f_6d69_6772;

/// The newest schema version this build knows.
pub(crate) fn latest() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Brings the schema up to [`latest`]; returns the versions applied.
pub(crate) async fn migrate(client: &mut Client) -> Result<Vec<i32>, FleetError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS asr_migration (
             version    integer PRIMARY KEY,
             name       text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
         )",
    )
    .await?;
    let found: Option<i32> = tx
        .query_one("SELECT max(version) FROM asr_migration", &[])
        .await?
        .get(0);
    let found = found.unwrap_or(0);
    if found > latest() {
        return Err(FleetError::NewerSchema {
            found,
            known: latest(),
        });
    }
    let mut applied = Vec::new();
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO asr_migration (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .await?;
        applied.push(*version);
    }
    tx.commit().await?;
    Ok(applied)
}
