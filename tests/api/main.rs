//! Integration tests: the real server in-process, over HTTP, on SQLite and PostgreSQL.

mod helpers;

mod accounts;
mod appeals_and_imports;
mod auth;
mod authorization;
mod bad_input;
mod boards;
mod contests;
mod demo;
mod draw;
mod errors;
mod hardening;
mod health;
mod judging;
mod load_tool;
mod metrics;
mod openapi;
mod registration_import;
mod results;
mod schemes;
mod security;
mod self_registration;
mod teams;
mod websocket;
