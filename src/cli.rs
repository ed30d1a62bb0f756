//! The command line: `skillboard [serve]`, `migrate`, `demo`, `audit`, `user`, `export`,
//! `backup`, `restore`.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

use crate::config::Settings;
use crate::startup::Application;
use crate::store::DatabaseTarget;

#[derive(Debug, Parser)]
#[command(
    name = "skillboard",
    version,
    about = "Scoring server for vocational skills competitions"
)]
pub struct Cli {
    /// Database to use: sqlite://PATH (the file is created if missing) or
    /// postgres://USER:PASSWORD@HOST:PORT/DATABASE.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://skillboard.db",
        global = true
    )]
    pub database_url: String,

    /// Log one JSON object per line instead of human-readable lines.
    #[arg(long, env = "SKILLBOARD_LOG_JSON", global = true)]
    pub log_json: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default when no command is given).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit (the server also applies them at start).
    Migrate,
    /// Add the demo contest (co-hosts, scheme, 30 teams, 12 judges, some marks) and exit.
    Demo,
    /// Check a contest's audit chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Copy the live database to FILE while the server runs (SQLite: `VACUUM INTO`, itself a
    /// SQLite file; PostgreSQL: one JSON line per row, read in one snapshot). The copy is
    /// checked (integrity, audit chains) before it gets its name; an existing FILE is refused.
    Backup {
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Bring a backup back into --database-url: checked, migrated, audit chains verified.
    /// SQLite: placed atomically; PostgreSQL: into an empty database or schema.
    Restore {
        #[arg(long, value_name = "FILE")]
        from: std::path::PathBuf,
        /// SQLite: overwrite an existing database file (refused while a server has it open).
        #[arg(long)]
        replace: bool,
    },
    /// Manage organizer accounts from the shell.
    #[command(subcommand)]
    User(UserCommand),
    /// Write a contest's results to a file: the same documents as
    /// GET /api/v1/contests/SLUG/results.{csv,xlsx,json} (docs/exports.md).
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The contest's slug.
    #[arg(long)]
    pub contest: String,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// The file to write (replaced if it exists).
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Show team names and schools even before the results are revealed. Recorded in the
    /// contest's audit log, as when an organizer asks for them over HTTP.
    #[arg(long)]
    pub names: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Xlsx,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every hash of the contest's chain; exits non-zero at the first broken link.
    Verify {
        #[arg(long)]
        contest: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an organizer (or, with --admin, an administrator). The password comes from
    /// SKILLBOARD_USER_PASSWORD or is generated and printed.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Name of the organization the user belongs to (created if missing).
        #[arg(long)]
        organization: Option<String>,
        /// With --organization: its kind when it is created (school, enterprise, other).
        #[arg(long, default_value = "school")]
        organization_kind: String,
        #[arg(long)]
        admin: bool,
    },
    /// Set a new password (from SKILLBOARD_USER_PASSWORD, or generated and printed) and end
    /// the user's sessions.
    ResetPassword {
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on; 0.0.0.0:8080 to accept other machines.
    #[arg(long, env = "SKILLBOARD_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Trade durability for speed on SQLite: synchronous=NORMAL instead of FULL. The last
    /// commits before a power cut (not a process crash) may be lost.
    #[arg(long, env = "SKILLBOARD_SQLITE_FAST")]
    pub sqlite_fast: bool,

    /// Password of the `admin` account created on the first start (generated and logged once
    /// if unset). Ignored once any account exists.
    #[arg(long, env = "SKILLBOARD_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Seed the demo contest on start (if it is not there yet) and print its logins.
    #[arg(long, env = "SKILLBOARD_DEMO")]
    pub demo: bool,

    /// Database connections in the pool.
    #[arg(long, env = "SKILLBOARD_POOL_SIZE", default_value_t = 16)]
    pub pool_size: u32,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "SKILLBOARD_WORKERS")]
    pub workers: Option<usize>,

    /// Open board/progress sockets allowed per client address (0: no limit). A venue's phones
    /// often share one address, so keep it well above the audience on one Wi-Fi.
    #[arg(
        long,
        env = "SKILLBOARD_MAX_SOCKETS_PER_ADDRESS",
        default_value_t = 256
    )]
    pub max_sockets_per_address: usize,

    /// Take the client address from X-Forwarded-For (its last entry). Only behind a reverse
    /// proxy that every request passes through; otherwise clients could pick any address.
    #[arg(long, env = "SKILLBOARD_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// Public self-registrations allowed per client address per hour (0: no limit).
    #[arg(long, env = "SKILLBOARD_REGISTRATIONS_PER_HOUR", default_value_t = 30)]
    pub registrations_per_hour: u32,

    /// Sign-in attempts (passwords and judge links) allowed per client address per minute.
    /// Raise it when a venue's judges all sign in through one NAT address at once.
    #[arg(long, env = "SKILLBOARD_SIGN_INS_PER_MINUTE", default_value_t = 30)]
    pub sign_ins_per_minute_per_address: u32,
    /// Bearer token that may read GET /metrics from another machine (without it, only
    /// callers on this machine that did not come through a proxy may).
    #[arg(long, env = "SKILLBOARD_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Database(#[from] crate::store::UnsupportedDatabaseUrl),
    #[error(transparent)]
    Startup(#[from] crate::startup::StartupError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the server stopped with an error: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Backup(#[from] crate::store::backup::BackupError),
    #[error("{0}")]
    Command(String),
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    crate::telemetry::init(cli.log_json);
    let database: DatabaseTarget = cli.database_url.parse()?;
    match cli.command {
        None => serve(database, ServeArgs::parse_defaults()),
        Some(Command::Serve(args)) => serve(database, args),
        Some(Command::Migrate) => {
            let applied = crate::store::migrate(&database)?;
            println!("{database}: {applied} migration(s) applied");
            Ok(())
        }
        Some(Command::User(command)) => crate::admin_cli::user(&database, command),
        Some(Command::Demo) => {
            let db = crate::store::Db::open_for_command(&database)?;
            crate::bootstrap::ensure_admin(&db, None)
                .map_err(|e| CliError::Command(e.to_string()))?;
            match crate::demo::seed(&db).map_err(|e| CliError::Command(e.to_string()))? {
                Some(logins) => crate::demo::print_logins("http://127.0.0.1:8080/", &logins),
                None => println!("the demo contest {} exists already", crate::demo::DEMO_SLUG),
            }
            Ok(())
        }
        Some(Command::Backup { out }) => {
            let summary = crate::store::backup::backup(&database, &out)?;
            println!(
                "backup of {database} written to {}: {summary}",
                out.display()
            );
            Ok(())
        }
        Some(Command::Restore { from, replace }) => {
            let options = crate::store::backup::RestoreOptions { replace };
            let summary = crate::store::backup::restore(&from, &database, options)?;
            println!("{} restored into {database}: {summary}", from.display());
            Ok(())
        }
        Some(Command::Audit(AuditCommand::Verify { contest })) => {
            crate::admin_cli::verify_audit(&database, &contest)
        }
        Some(Command::Export(args)) => crate::admin_cli::export(&database, args),
    }
}

impl ServeArgs {
    /// The serve options as their defaults and environment variables give them, for a bare
    /// `skillboard` with no command.
    fn parse_defaults() -> ServeArgs {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::parse_from(["skillboard"]).serve
    }
}

fn serve(database: DatabaseTarget, args: ServeArgs) -> Result<(), CliError> {
    let mut settings = Settings::new(args.bind, database);
    settings.pool_size = args.pool_size;
    settings.sqlite_synchronous_full = !args.sqlite_fast;
    settings.workers = args.workers;
    settings.admin_password = args.admin_password;
    settings.limits.max_sockets_per_address = args.max_sockets_per_address;
    settings.limits.trust_forwarded_for = args.trust_forwarded_for;
    settings.limits.registrations_per_hour = args.registrations_per_hour;
    settings.limits.sign_ins_per_minute_per_address = args.sign_ins_per_minute_per_address;
    settings.metrics_token = args.metrics_token;
    let demo = args.demo;
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build(settings.clone())?;
        let host = match settings.bind.ip() {
            ip if ip.is_unspecified() => "localhost".to_owned(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        let url = format!("http://{host}:{}/", application.port());
        tracing::info!(database = %settings.database, %url, "Skillboard is ready");
        println!("Skillboard is running on {}. Open {url}", settings.database);
        if demo {
            let seeded = crate::demo::seed(application.db())
                .map_err(|e| CliError::Command(e.to_string()))?;
            match seeded {
                Some(logins) => crate::demo::print_logins(&url, &logins),
                None => println!(
                    "The demo contest {} is there already.",
                    crate::demo::DEMO_SLUG
                ),
            }
        }
        application.run_until_stopped().await?;
        tracing::info!("Skillboard stopped");
        Ok(())
    })
}
