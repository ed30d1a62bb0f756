//! Skillboard: a scoring server for vocational skills competitions.
//!
//! The binary (`src/main.rs`) only parses the command line; everything else lives here so the
//! integration tests can build the very same server through [`startup::Application`].

pub mod admin_cli;
pub mod api;
pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod exports;
pub mod live;
pub mod metrics;
pub mod security;
pub mod sheets;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
