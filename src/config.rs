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
    /// What one client may do (docs/security.md).
    pub limits: Limits,
    /// A bearer token that may read `GET /metrics` from anywhere; without it only callers on
    /// this machine (not through a proxy) may.
    pub metrics_token: Option<String>,
}

/// Abuse limits, with defaults for a contest venue where hundreds of phones share the
/// Wi-Fi's one public address.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open board and progress sockets per client address; 0 turns the limit off. Loopback
    /// peers are never limited (see `api::limits::SocketLimiter`).
    pub max_sockets_per_address: usize,
    /// Believe `X-Forwarded-For` for the client address: set it only behind a reverse proxy
    /// that every request passes through.
    pub trust_forwarded_for: bool,
    /// Public self-registrations per client address per hour (a burst of that many, then one
    /// more every 3600/n seconds); 0 turns the limit off.
    pub registrations_per_hour: u32,
    /// Sign-in attempts (organizer passwords and judge links together) per client address per
    /// minute; every account also has its own 10 a minute.
    pub sign_ins_per_minute_per_address: u32,
    /// The server pings every socket this often…
    pub socket_heartbeat: Duration,
    /// …and closes one it has not heard from (pong or message) for this long.
    pub socket_idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_sockets_per_address: 256,
            trust_forwarded_for: false,
            registrations_per_hour: 30,
            sign_ins_per_minute_per_address: 30,
            socket_heartbeat: Duration::from_secs(10),
            socket_idle_timeout: Duration::from_secs(30),
        }
    }
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
            limits: Limits::default(),
            metrics_token: None,
        }
    }
}
