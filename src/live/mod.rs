//! Live boards: the hub that keeps boards in memory and pushes them, the board views, the
//! organizers' progress board, the socket session (the only file that knows
//! `actix-web-actors`) and the PostgreSQL LISTEN/NOTIFY bridge between nodes.

pub mod board;
pub mod hub;
pub mod patch;
pub mod pg_notify;
pub mod progress;
pub mod session;

pub use hub::{BoardHub, Channel};
