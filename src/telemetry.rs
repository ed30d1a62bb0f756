//! Logging with tracing to stderr (stdout carries only what commands print): human-readable
//! lines by default, JSON behind `--log-json`.

use std::io::IsTerminal;

use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (tests start many servers) are no-ops.
/// Every request closes one span, which prints the request's one log line with its timing.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_env("SKILLBOARD_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(false)
        // Colour codes only for a person at a terminal, not in files and journals.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _already_set = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.compact().try_init()
    };
}
