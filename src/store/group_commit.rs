//! Group commit: writes that arrive while a commit is in flight wait for it and then share the
//! next transaction, so many judges submitting at once cost one fsync per batch instead of one
//! each. A write is answered only after the batch that holds it has committed, so a 2xx always
//! means durable.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::thread;

use diesel::{Connection, RunQueryDsl};
use tokio::sync::oneshot;

use super::{Backend, Db, DbConnection};
use crate::error::ApiError;

/// Called after the batch's commit with whether it succeeded.
type Completion = Box<dyn FnOnce(Result<(), &ApiError>) + Send>;
type Job = Box<dyn FnOnce(&mut DbConnection) -> Completion + Send>;

/// Writes waiting beyond this answer 503 instead of queueing without bound.
const QUEUE_LIMIT: usize = 20_000;
/// The most writes one transaction takes, so one batch never holds the write lock for long.
const MAX_BATCH: usize = 512;

/// Arbitrary key of the PostgreSQL advisory lock that lets one node's batch commit at a time.
const BATCH_LOCK_KEY: i64 = 0x5_c111_b0a2_0001_i64;

#[derive(Clone)]
pub struct GroupCommitter {
    jobs: SyncSender<Job>,
}

impl GroupCommitter {
    /// Starts the writer thread; it ends when the last handle is dropped.
    pub fn start(db: Db) -> GroupCommitter {
        let (jobs, queue) = sync_channel::<Job>(QUEUE_LIMIT);
        let spawned = thread::Builder::new()
            .name("group-commit".into())
            .spawn(move || run_batches(db, queue));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the group-commit thread");
        }
        GroupCommitter { jobs }
    }

    /// Runs `write` in the next batch's transaction, inside a savepoint of its own: its error
    /// undoes only its own changes. Resolves once the batch has committed.
    pub async fn run<T, F>(&self, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        self.submit(write)?.await.unwrap_or_else(|_| Err(lost()))
    }

    /// [`GroupCommitter::run`] for a thread outside the async runtime (the board hub): blocks
    /// until the batch has committed.
    pub fn run_blocking<T, F>(&self, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        self.submit(write)?
            .blocking_recv()
            .unwrap_or_else(|_| Err(lost()))
    }

    fn submit<T, F>(&self, write: F) -> Result<oneshot::Receiver<Result<T, ApiError>>, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let outcome = conn.transaction(write);
            Box::new(move |commit: Result<(), &ApiError>| {
                let result = match (outcome, commit) {
                    (Ok(value), Ok(())) => Ok(value),
                    (Ok(_), Err(_)) => Err(ApiError::unavailable(
                        "database.commit_failed",
                        "The change could not be saved; send it again.",
                    )),
                    (Err(error), _) => Err(error),
                };
                let _ = reply.send(result);
            })
        });
        self.jobs.try_send(job).map_err(|error| match error {
            TrySendError::Full(_) => ApiError::unavailable(
                "server.busy",
                "The server is saving too many changes at once; send it again shortly.",
            ),
            TrySendError::Disconnected(_) => ApiError::internal("the group-commit thread stopped"),
        })?;
        Ok(answer)
    }
}

/// A job dropped without running: the batch found no connection.
fn lost() -> ApiError {
    ApiError::unavailable(
        "database.unavailable",
        "The database cannot be reached; send it again.",
    )
}

fn run_batches(db: Db, queue: Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let size = batch.len();
        let started = std::time::Instant::now();
        let mut completions = Vec::with_capacity(size);
        let committed = db.write_blocking(|conn| {
            if db.backend() == Backend::Postgres {
                // Several nodes' batches touch the same rows (the same sheet sent to two nodes,
                // the contest's audit chain) in different orders, which deadlocks; one batch at
                // a time across nodes costs little since a batch is one commit.
                diesel::sql_query(format!("SELECT pg_advisory_xact_lock({BATCH_LOCK_KEY})"))
                    .execute(conn)?;
            }
            completions.extend(batch.drain(..).map(|job| job(conn)));
            Ok(())
        });
        if let Err(error) = &committed {
            tracing::error!(%error, size, "a group commit failed");
        }
        tracing::debug!(size, "group commit");
        metrics::histogram!(crate::metrics::GROUP_COMMIT_BATCH).record(size as f64);
        metrics::histogram!(crate::metrics::GROUP_COMMIT_SECONDS)
            .record(started.elapsed().as_secs_f64());
        // Jobs that never ran (no connection) drop their reply, which answers 503.
        for complete in completions {
            complete(committed.as_ref().map(|_| ()));
        }
    }
}
