//! skillboard-load: the load generator behind BENCHMARKS.md.
//!
//! Scenarios (each sets up its own contest through the API as `admin`):
//! - `spectators`: N sockets on one board, one judge submitting at a fixed rate; latency from
//!   each submission's 2xx to the last spectator, delivery, server memory per socket, and
//!   (with `--floor`) the same fan-out through the bare floor server for a ratio;
//! - `slow`: the same in three phases: all read (warm-up), all read (the control), then 1 % of
//!   the sockets stop reading; the others' p99 in the last phase against the control;
//! - `judges`: C judges submitting as fast as the server answers; throughput, latency, and a
//!   read-back of every acknowledged sheet;
//! - `contest-day` / `soak`: a realistic day for N minutes, sampling memory and errors.
//!
//! `floor-server` runs the bare broadcast floor; `sockets` is the child process that holds
//! sockets beyond one process's file limit.

mod api;
mod day;
mod fleet;
mod floor;
mod judges;
mod report;
mod spectators;
mod watch;

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

#[derive(Parser)]
#[command(
    name = "skillboard-load",
    version,
    about = "Load generator for Skillboard"
)]
struct Cli {
    /// Runtime worker threads (default: one per core).
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

/// The server under test.
#[derive(Args, Debug, Clone)]
pub struct ServerArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Password of the server's `admin` account.
    #[arg(long, env = "SKILLBOARD_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: String,
    /// The server's process id, to read its memory from /proc (else from its /metrics).
    #[arg(long)]
    pub server_pid: Option<u32>,
}

#[derive(Subcommand)]
enum Command {
    /// N spectator sockets on one board while a judge submits at a fixed rate.
    Spectators(spectators::SpectatorArgs),
    /// Spectators, then a share of them stop reading: the others' latency against a control
    /// phase in which every socket still read.
    Slow(spectators::SpectatorArgs),
    /// C judges submitting as fast as the server accepts; then every acknowledged sheet is
    /// read back.
    Judges(judges::JudgeArgs),
    /// A contest day: 300 teams, 5 modules, 25 judges, 5,000 spectators, N minutes.
    ContestDay(day::DayArgs),
    /// A long contest day with a verdict on whether memory stayed flat (e.g. --minutes 30).
    Soak(day::DayArgs),
    /// The bare floor: a minimal broadcast server that only fans the same bytes out.
    FloorServer {
        #[arg(long, default_value = "127.0.0.1:9100")]
        bind: SocketAddr,
    },
    /// (Internal) hold spectator sockets for a parent run; driven over stdin/stdout.
    #[command(hide = true)]
    Sockets {
        #[arg(long)]
        url: String,
        #[arg(long)]
        count: usize,
        #[arg(long)]
        slow_every: Option<usize>,
    },
}

/// Microseconds since the epoch: comparable between this tool's processes.
pub fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Raises this process's open-file limit to its hard limit (sockets are files).
fn raise_file_limit() {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                eprintln!("cannot raise the open-file limit");
            }
        }
    }
}

fn main() {
    let cli = Cli::parse();
    raise_file_limit();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(threads) = cli.threads {
        runtime.worker_threads(threads.max(1));
    }
    let runtime = match runtime.build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Spectators(args) => spectators::run(args, false).await,
            Command::Slow(args) => spectators::run(args, true).await,
            Command::Judges(args) => judges::run(args).await,
            Command::ContestDay(args) => day::run(args, false).await,
            Command::Soak(args) => day::run(args, true).await,
            Command::FloorServer { bind } => floor::serve(bind).await,
            Command::Sockets {
                url,
                count,
                slow_every,
            } => watch::child(url, count, slow_every).await,
        }
    });
    if let Err(error) = result {
        eprintln!("skillboard-load: {error}");
        std::process::exit(1);
    }
}
