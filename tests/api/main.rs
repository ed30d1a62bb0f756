//! Integration tests: the real server in-process, over HTTP, on SQLite and PostgreSQL.

mod helpers;

mod accounts;
mod auth;
mod boards;
mod contests;
mod errors;
mod health;
mod openapi;
mod schemes;
mod websocket;
