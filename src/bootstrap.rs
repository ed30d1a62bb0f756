//! First start: an empty database gets an `admin` account so somebody can sign in.

use chrono::Utc;

use crate::error::ApiError;
use crate::security::{generate_password, hash_password};
use crate::store::accounts::{self, User};
use crate::store::Db;

pub const ADMIN_USERNAME: &str = "admin";

/// Creates `admin` when there are no users at all. Its password is `password` (from
/// `SKILLBOARD_ADMIN_PASSWORD`) or, if none is given, generated and printed once in the log.
pub fn ensure_admin(db: &Db, password: Option<&str>) -> Result<(), ApiError> {
    let mut conn = db.connection()?;
    if accounts::count_users(&mut conn)? > 0 {
        return Ok(());
    }
    drop(conn);
    let generated = password.is_none().then(generate_password);
    let password = password
        .map(str::to_owned)
        .or(generated.clone())
        .unwrap_or_default();
    let admin = User {
        id: uuid::Uuid::new_v4().to_string(),
        organization_id: None,
        username: ADMIN_USERNAME.to_owned(),
        display_name: "Administrator".to_owned(),
        password_hash: hash_password(&password).map_err(ApiError::internal)?,
        is_admin: true,
        disabled: false,
        created_at: Utc::now().naive_utc(),
    };
    db.write_blocking(|conn| {
        // Another node may have created it a moment ago.
        if accounts::count_users(conn)? == 0 {
            accounts::insert_user(conn, &admin)?;
            if let Some(generated) = &generated {
                tracing::warn!(
                    username = ADMIN_USERNAME,
                    password = %generated,
                    "created the admin account with a generated password; it is shown only this once"
                );
            }
        }
        Ok(())
    })
}
