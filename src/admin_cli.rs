//! Shell commands that work on the data directly: `skillboard user …`, `audit verify`,
//! `export`.

use chrono::Utc;

use crate::cli::{CliError, ExportArgs, ExportFormat, UserCommand};
use crate::error::ApiError;
use crate::security::{generate_password, hash_password};
use crate::store::accounts::{self, Organization, User};
use crate::store::{DatabaseTarget, Db};

fn failed(error: impl std::fmt::Display) -> CliError {
    CliError::Command(error.to_string())
}

/// The password for a new or reset account: SKILLBOARD_USER_PASSWORD, or a generated one that
/// is printed (the only time it is shown).
fn chosen_password() -> (String, bool) {
    match std::env::var("SKILLBOARD_USER_PASSWORD") {
        Ok(password) if !password.is_empty() => (password, false),
        _ => (generate_password(), true),
    }
}

pub fn user(database: &DatabaseTarget, command: UserCommand) -> Result<(), CliError> {
    let db = Db::open_for_command(database)?;
    match command {
        UserCommand::Add {
            username,
            display_name,
            organization,
            organization_kind,
            admin,
        } => {
            if organization.is_none() && !admin {
                return Err(failed(
                    "an organizer needs --organization (or pass --admin)",
                ));
            }
            let (password, generated) = chosen_password();
            let hash = hash_password(&password).map_err(failed)?;
            let now = Utc::now().naive_utc();
            db.write_blocking(|conn| {
                if accounts::find_user_by_username(conn, &username)?.is_some() {
                    return Err(ApiError::conflict(
                        "user.duplicate_username",
                        format!("the username {username:?} is taken"),
                    ));
                }
                let organization_id = match &organization {
                    None => None,
                    Some(name) => Some(match accounts::find_organization_by_name(conn, name)? {
                        Some(org) => org.id,
                        None => {
                            let org = Organization {
                                id: uuid::Uuid::new_v4().to_string(),
                                name: name.clone(),
                                kind: organization_kind.clone(),
                                created_at: now,
                            };
                            accounts::insert_organization(conn, &org)?;
                            org.id
                        }
                    }),
                };
                accounts::insert_user(
                    conn,
                    &User {
                        id: uuid::Uuid::new_v4().to_string(),
                        organization_id,
                        username: username.clone(),
                        display_name: display_name.clone().unwrap_or_else(|| username.clone()),
                        password_hash: hash.clone(),
                        is_admin: admin,
                        disabled: false,
                        created_at: now,
                    },
                )?;
                Ok(())
            })
            .map_err(failed)?;
            println!("created user {username}");
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        UserCommand::ResetPassword { username } => {
            let (password, generated) = chosen_password();
            let hash = hash_password(&password).map_err(failed)?;
            db.write_blocking(|conn| {
                let user = accounts::find_user_by_username(conn, &username)?.ok_or_else(|| {
                    ApiError::not_found("user.not_found", format!("no user {username:?}"))
                })?;
                accounts::set_password_hash(conn, &user.id, &hash)?;
                accounts::delete_sessions_of_user(conn, &user.id)?;
                Ok(())
            })
            .map_err(failed)?;
            println!("new password set for {username}; their sessions were ended");
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
    }
}

pub fn verify_audit(database: &DatabaseTarget, slug: &str) -> Result<(), CliError> {
    let db = Db::open_for_command(database)?;
    let mut conn = db.connection().map_err(failed)?;
    let contest = crate::store::contests::find_by_slug(&mut conn, slug)
        .map_err(failed)?
        .ok_or_else(|| failed(format!("no contest {slug:?}")))?;
    let verification = crate::store::audit::verify(&mut conn, &contest.id).map_err(failed)?;
    if verification.intact {
        println!(
            "audit chain of {slug}: {} events, intact; head {}",
            verification.events,
            verification.head.unwrap_or_default()
        );
        Ok(())
    } else {
        Err(failed(format!(
            "audit chain of {slug} is broken at event {} ({})",
            verification.broken_at.unwrap_or_default(),
            verification.problem.unwrap_or_default()
        )))
    }
}

/// `skillboard export`: the results of a contest written to a file without a running server,
/// built by the same code as `GET …/results.{csv,xlsx,json}`.
pub fn export(database: &DatabaseTarget, args: ExportArgs) -> Result<(), CliError> {
    use crate::exports::{self, Format};

    let db = Db::open_for_command(database)?;
    let format = match args.format {
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Xlsx => Format::Xlsx,
        ExportFormat::Json => Format::Json,
    };
    // Who asked for names, as the audit log records it.
    let actor = format!(
        "shell:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
    );
    let asked_by = args.names.then_some(actor.as_str());
    let now = Utc::now();
    let slug = args.contest.as_str();
    let work = |conn: &mut crate::store::DbConnection| {
        let contest = crate::store::contests::find_by_slug(conn, slug)?.ok_or_else(|| {
            ApiError::not_found("contest.not_found", format!("no contest {slug:?}"))
        })?;
        exports::prepare(conn, &contest, asked_by, format, now)
    };
    let export = if args.names {
        db.write_blocking(work)
    } else {
        let mut conn = db.connection().map_err(failed)?;
        work(&mut conn)
    }
    .map_err(failed)?;
    let bytes = match args.format {
        ExportFormat::Csv => exports::results_csv(&export),
        ExportFormat::Xlsx => exports::results_xlsx(&export).map_err(failed)?,
        ExportFormat::Json => serde_json::to_vec_pretty(&export.document).map_err(failed)?,
    };
    std::fs::write(&args.out, &bytes)
        .map_err(|e| failed(format!("cannot write {}: {e}", args.out.display())))?;
    println!(
        "{}: results of {slug} ({} teams, names {}) written, {} bytes",
        args.out.display(),
        export.document.rows.len(),
        if export.document.names_shown {
            "shown"
        } else {
            "hidden"
        },
        bytes.len()
    );
    Ok(())
}
