//! `GET /metrics`: the Prometheus text format.
//!
//! Not public: route counts, socket counts and commit latencies tell an outsider how busy a
//! contest is. It answers a caller on this machine that did not come through a proxy (the
//! loopback address, no `Forwarded`/`X-Forwarded-For`/`X-Real-IP` header: nginx in front of
//! the server sets one, so a request from outside never counts as local), or anyone sending
//! `Authorization: Bearer <token>` with the token of `--metrics-token`
//! (`SKILLBOARD_METRICS_TOKEN`). Everyone else gets 403 `metrics.forbidden`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Who may scrape: the token's hash, if a token is configured.
#[derive(Clone, Default)]
pub struct MetricsAccess {
    token_hash: Option<[u8; 32]>,
}

impl MetricsAccess {
    pub fn new(token: Option<&str>) -> MetricsAccess {
        MetricsAccess {
            token_hash: token
                .filter(|t| !t.is_empty())
                .map(|t| Sha256::digest(t.as_bytes()).into()),
        }
    }

    fn allows(&self, req: &HttpRequest) -> bool {
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let (Some(expected), Some(given)) = (&self.token_hash, bearer) {
            // Comparing hashes: the time taken says nothing about the token's prefix.
            let given: [u8; 32] = Sha256::digest(given.trim().as_bytes()).into();
            return &given == expected;
        }
        let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
            .iter()
            .any(|name| req.headers().contains_key(*name));
        let local = req.peer_addr().is_some_and(|peer| peer.ip().is_loopback());
        local && !proxied
    }
}

pub async fn metrics(
    req: HttpRequest,
    access: web::Data<MetricsAccess>,
) -> Result<HttpResponse, ApiError> {
    if !access.allows(&req) {
        return Err(ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "metrics.forbidden",
            "Metrics are served to this machine, or with the metrics token.",
        ));
    }
    let Some(handle) = crate::metrics::install() else {
        return Err(ApiError::unavailable(
            "metrics.unavailable",
            "The metrics recorder is not installed.",
        ));
    };
    let text = web::block(move || crate::metrics::render(&handle)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
