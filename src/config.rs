//! One `Settings` struct, filled from command-line flags and environment variables by `cli`.

use std::net::SocketAddr;
use std::time::Duration;

use crate::store::DatabaseTarget;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (the tests do this).
    pub bind: SocketAddr,
    pub database: DatabaseTarget,
    /// Connections kept in the pool.
    pub pool_size: u32,
    /// SQLite durability: `true` (the default) fsyncs every commit so an acknowledged write
    /// survives a power cut.
    pub sqlite_synchronous_full: bool,
    /// HTTP worker threads; `None` lets actix choose (one per core).
    pub workers: Option<usize>,
    /// Password for the `admin` account created on first start; generated and logged if unset.
    pub admin_password: Option<String>,
    /// A connection whose peer stops taking our bytes for this long (a phone that stopped
    /// reading its board socket, a tablet that left the Wi-Fi without closing) is cut by the
    /// kernel (`TCP_USER_TIMEOUT`), so a stuck socket never holds a file descriptor for good.
    pub stalled_connection_timeout: Duration,
}

impl Settings {
    /// Settings for a server on the given database with defaults for everything else.
    pub fn new(bind: SocketAddr, database: DatabaseTarget) -> Self {
        Self {
            bind,
            database,
            pool_size: 16,
            sqlite_synchronous_full: true,
            workers: None,
            admin_password: None,
            stalled_connection_timeout: Duration::from_secs(45),
        }
    }
}
