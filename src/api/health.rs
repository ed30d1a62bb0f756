use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;
use crate::store::{Backend, Db};

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: Backend,
    version: &'static str,
}

/// `GET /healthz`: 200 when the database answers, 503 (`database.unavailable`) when it does not.
pub async fn healthz(db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    db.ping(Duration::from_secs(2)).await.map_err(|_| {
        ApiError::unavailable(
            "database.unavailable",
            format!("The {:?} database does not answer.", db.backend()).to_lowercase(),
        )
    })?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        database: db.backend(),
        version: env!("CARGO_PKG_VERSION"),
    }))
}
