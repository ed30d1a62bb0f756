//! Integration tests: the real server in-process, over HTTP, on SQLite and PostgreSQL.

mod helpers;

mod errors;
mod health;
