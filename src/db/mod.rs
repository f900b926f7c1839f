//! The data layer: one connection type over PostgreSQL and SQLite, an r2d2 pool whose
//! manager picks the backend from the URL scheme, embedded migrations per backend, and
//! [`Db::run`], which keeps synchronous diesel off the async executor (and counts each
//! request's round trips, see [`queries`]).

pub mod queries;
pub mod schema;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use secrecy::ExposeSecret;

use crate::config::DatabaseUrl;

pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// How long a caller waits for a pooled connection (the pool's own timeout).
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a caller waits when the last attempt to open a connection failed (the
/// database is down): long enough to open one once it is back, short enough that
/// requests get a quick 503.
const DOWN_CHECKOUT_TIMEOUT: Duration = Duration::from_millis(250);

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("database task failed: {0}")]
    Task(String),
    /// An unavailable-database error passed on to someone else waiting on the same
    /// work (the original is not `Clone`).
    #[error("{0}")]
    Unavailable(String),
}

impl DbError {
    /// True when the error means "the database is unreachable or overloaded", which
    /// callers answer with 503 rather than 500.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            DbError::Pool(_) | DbError::Unavailable(_) => true,
            DbError::Query(Error::DatabaseError(kind, info)) => match kind {
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                    true
                }
                DatabaseErrorKind::Unknown => {
                    let message = info.message().to_ascii_lowercase();
                    [
                        "terminating connection",
                        "server closed the connection",
                        "no connection to the server",
                        "could not receive data from server",
                        "the database system is",
                        "connection to server",
                        "database is locked",
                    ]
                    .iter()
                    .any(|needle| message.contains(needle))
                }
                _ => false,
            },
            DbError::Query(Error::BrokenTransactionManager) => true,
            _ => false,
        }
    }

    /// The unique constraint that was violated, if that is what happened.
    pub fn unique_violation(&self) -> Option<String> {
        match self {
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                info,
            )) => Some(
                info.constraint_name()
                    .map(str::to_owned)
                    .unwrap_or_else(|| info.message().to_owned()),
            ),
            _ => None,
        }
    }
}

/// A pooled connection that remembers whether it failed in a way that means the link to
/// the server is gone, so the pool discards it instead of handing it out again.
pub struct ManagedConnection {
    conn: DbConnection,
    broken: bool,
}

impl std::ops::Deref for ManagedConnection {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for ManagedConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// r2d2 manager that establishes the backend named by the URL directly, so connection
/// errors are real errors (MultiConnection's own establish hides them).
pub struct ConnectionManager {
    url: DatabaseUrl,
    /// Set when opening a connection failed, cleared when one opens.
    unreachable: Arc<AtomicBool>,
}

impl ManageConnection for ConnectionManager {
    type Connection = ManagedConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<ManagedConnection, r2d2::Error> {
        let conn = self.establish();
        self.unreachable.store(conn.is_err(), Ordering::Relaxed);
        conn
    }

    fn is_valid(&self, conn: &mut ManagedConnection) -> Result<(), r2d2::Error> {
        conn.conn
            .batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut ManagedConnection) -> bool {
        conn.broken
    }
}

impl ConnectionManager {
    fn establish(&self) -> Result<ManagedConnection, r2d2::Error> {
        let conn = match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url.expose_secret())
                .map(|mut conn| {
                    conn.set_instrumentation(queries::instrumentation());
                    DbConnection::Pg(conn)
                })
                .map_err(r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn =
                    SqliteConnection::establish(&path).map_err(r2d2::Error::ConnectionError)?;
                // Reads map the file (256 MiB at most) instead of copying pages through
                // read(2), and each connection keeps 8 MiB of pages: the search index is
                // read on every uncached search.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA mmap_size = 268435456;
                     PRAGMA cache_size = -8192;",
                )
                .map_err(r2d2::Error::QueryError)?;
                conn.set_instrumentation(queries::instrumentation());
                Ok(DbConnection::Sqlite(conn))
            }
        }?;
        Ok(ManagedConnection {
            conn,
            broken: false,
        })
    }
}

/// The shared database handle: cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager>,
    backend: Backend,
    /// The manager's "opening a connection failed" flag.
    unreachable: Arc<AtomicBool>,
    query_log: queries::QueryLog,
}

/// A pooled connection. Whoever finds no idle one waits [`DOWN_CHECKOUT_TIMEOUT`]
/// first; if by then opening a connection has failed (the database is down), the
/// caller gets the error at once, so an outage is answered with fast 503s instead of
/// every request holding a blocking thread for [`CHECKOUT_TIMEOUT`]. Otherwise (the
/// pool is merely busy) it keeps waiting, up to [`CHECKOUT_TIMEOUT`] in all.
fn checkout(
    pool: &Pool<ConnectionManager>,
    unreachable: &AtomicBool,
) -> Result<PooledConnection<ConnectionManager>, DbError> {
    match pool.get_timeout(DOWN_CHECKOUT_TIMEOUT) {
        Ok(conn) => Ok(conn),
        Err(e) if unreachable.load(Ordering::Relaxed) => Err(e.into()),
        Err(_) => Ok(pool.get_timeout(CHECKOUT_TIMEOUT - DOWN_CHECKOUT_TIMEOUT)?),
    }
}

impl Db {
    /// Build the pool. Connections are made lazily, so this does not fail when the
    /// server is down; [`Db::migrate`] and readiness checks surface that.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Self, DbError> {
        let backend = match url {
            DatabaseUrl::Postgres(_) => Backend::Postgres,
            DatabaseUrl::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        DbError::Task(format!(
                            "cannot create the folder {} for the SQLite database: {e}",
                            parent.display()
                        ))
                    })?;
                }
                Backend::Sqlite
            }
        };
        let unreachable = Arc::new(AtomicBool::new(false));
        let pool = Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(0))
            .connection_timeout(CHECKOUT_TIMEOUT)
            .test_on_check_out(false)
            .build_unchecked(ConnectionManager {
                url: url.clone(),
                unreachable: unreachable.clone(),
            });
        Ok(Db {
            pool,
            backend,
            unreachable,
            query_log: queries::QueryLog::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Round trips per request (recorded by the request middleware once started).
    pub fn query_log(&self) -> &queries::QueryLog {
        &self.query_log
    }

    /// A connection for synchronous callers (CLI, migrations, workers' own threads).
    pub fn get(&self) -> Result<PooledConnection<ConnectionManager>, DbError> {
        checkout(&self.pool, &self.unreachable)
    }

    /// Run `f` with a pooled connection on the blocking thread pool.
    pub async fn run<F, T>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, unreachable) = (self.pool.clone(), self.unreachable.clone());
        let counter = queries::current();
        tokio::task::spawn_blocking(move || {
            let _counting = queries::bind(counter);
            let mut conn = checkout(&pool, &unreachable)?;
            let result = f(&mut conn.conn);
            if result.as_ref().is_err_and(DbError::is_unavailable) {
                conn.broken = true;
            }
            result
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// Run a short read: on SQLite, when a pooled connection is free at once, `f` runs
    /// here on the calling thread, since the hop to the blocking pool and back (two
    /// thread wake-ups) costs more than an in-process indexed read; otherwise as
    /// [`Db::run`]. Only for a few indexed lookups (no writes, nothing that scans):
    /// the thread serves other requests meanwhile.
    pub async fn read<F, T>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        if self.backend == Backend::Sqlite
            && let Some(mut conn) = self.pool.try_get()
        {
            let _counting = queries::bind(queries::current());
            let result = f(&mut conn.conn);
            if result.as_ref().is_err_and(DbError::is_unavailable) {
                conn.broken = true;
            }
            return result;
        }
        self.run(f).await
    }

    /// Run `f` inside one [write transaction](write_transaction) on a pooled connection
    /// (on the blocking pool): committed when `f` returns `Ok`, rolled back when it
    /// returns `Err`. Services use this instead of opening diesel transactions themselves.
    pub async fn transaction<F, T>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_transaction(conn, f)).await
    }

    /// Apply pending migrations; returns the versions applied. On SQLite, then gather
    /// the planner's statistics where they are missing or stale (`PRAGMA optimize`:
    /// bounded work, done here, before anything else uses the database, because it
    /// writes). Without them the planner walks a one-value index such as `status` for
    /// a filtered search. PostgreSQL keeps its own (autovacuum).
    pub fn migrate(&self) -> Result<Vec<String>, DbError> {
        let mut conn = self.get()?;
        let applied = match &mut conn.conn {
            DbConnection::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS),
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|e| DbError::Task(format!("migration failed: {e}")))?;
        let applied = applied.into_iter().map(|v| v.to_string()).collect();
        if let DbConnection::Sqlite(c) = &mut conn.conn {
            c.batch_execute("PRAGMA optimize = 0x10002;")?;
        }
        Ok(applied)
    }

    /// Cheap liveness query for readiness checks.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.run(|conn| Ok(conn.batch_execute("SELECT 1")?)).await
    }

    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }
}

/// The current time as stored: UTC, truncated to microseconds so both backends agree.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Run `f` in a transaction meant to write: committed when it returns `Ok`, rolled back
/// when it returns `Err`. On SQLite it begins with `BEGIN IMMEDIATE`, taking the write
/// lock first, so a transaction that reads before it writes waits its turn behind another
/// writer (busy_timeout) instead of failing with SQLITE_BUSY when it would upgrade its
/// read lock; on PostgreSQL it is a plain transaction. Inside another transaction it is a
/// savepoint, as diesel's own nesting.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::Connection;
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let outermost_sqlite = match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()
            .map_err(E::from)?
            .is_none(),
        DbConnection::Pg(_) => false,
    };
    if !outermost_sqlite {
        return conn.transaction(f);
    }
    if let DbConnection::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE").map_err(E::from)?;
    }
    // A panic in `f` must not hand the connection back to the pool mid-transaction.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
    let result = match result {
        Ok(result) => result,
        Err(panic) => {
            if let DbConnection::Sqlite(c) = conn {
                let _ = AnsiTransactionManager::rollback_transaction(c);
            }
            std::panic::resume_unwind(panic);
        }
    };
    if let DbConnection::Sqlite(c) = conn {
        match &result {
            Ok(_) => AnsiTransactionManager::commit_transaction(c).map_err(E::from)?,
            Err(_) => {
                // The error `f` returned is the one worth reporting.
                let _ = AnsiTransactionManager::rollback_transaction(c);
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn an_unreachable_database_fails_fast_once_known_down() {
        // Nothing listens on port 1: every connection attempt is refused at once.
        let url = DatabaseUrl::parse("postgres://nobody@127.0.0.1:1/none").unwrap();
        let db = Db::connect(&url, 4).unwrap();
        let started = Instant::now();
        let first = db.get();
        assert!(first.as_ref().is_err_and(DbError::is_unavailable));
        for _ in 0..3 {
            let started = Instant::now();
            assert!(db.get().is_err());
            assert!(
                started.elapsed() < CHECKOUT_TIMEOUT / 2,
                "a known-down database answers within {DOWN_CHECKOUT_TIMEOUT:?}, took {:?}",
                started.elapsed()
            );
        }
        assert!(started.elapsed() < CHECKOUT_TIMEOUT * 2);
    }
}
