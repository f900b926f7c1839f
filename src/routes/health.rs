//! Probes: `GET /healthz` (the process answers), `GET /readyz` (the database answers;
//! Redis and its breaker, and free disk space under `VIDEO_MIN_FREE_MB`, reported) and the bare handler benchmarks compare against.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::redis::RedisError;
use crate::state::AppState;

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz`: can this instance serve?
///
/// The database is required: without it, 503. Redis is not: every Redis use has an
/// in-process or database fallback, so an unreachable Redis (or its open circuit
/// breaker) is reported as `"status": "degraded"` with 200. Failing readiness on Redis
/// would make a load balancer drop every instance at once when the shared Redis fails,
/// turning a degraded service into an outage.
///
/// `checks.redis` is `ok`, `unavailable`, `timeout` or `open` (the breaker is failing
/// fast; no ping was sent); `breakers.redis` is the breaker's state.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let timeout = Duration::from_secs(2);
    let database = match tokio::time::timeout(timeout, state.db.ping()).await {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            "unavailable"
        }
        Err(_) => "timeout",
    };
    let redis = match &state.redis {
        None => None,
        Some(redis) => Some(match redis.ping().await {
            Ok(()) => "ok",
            Err(RedisError::Open(_)) => "open",
            Err(RedisError::Timeout(_)) => "timeout",
            Err(e) => {
                tracing::debug!(error = %e, "readiness: redis check failed");
                "unavailable"
            }
        }),
    };
    let ready = database == "ok";
    // Free space for uploads (only with VIDEO_MIN_FREE_MB): low space pauses uploads
    // (503) but everything else still serves, so it degrades, never fails, readiness.
    let video = &state.settings.video;
    let disk = (video.quota.min_free_mb > 0).then(|| {
        match crate::moderation::disk::low(&video.upload_folder, video.quota.min_free_mb) {
            Some(_) => "low",
            None => "ok",
        }
    });
    let status = match (ready, redis, disk) {
        (false, _, _) => "unavailable",
        (true, Some(r), _) if r != "ok" => "degraded",
        (true, _, Some("low")) => "degraded",
        (true, _, _) => "ready",
    };
    let mut checks = json!({"database": database});
    if let Some(disk) = disk {
        checks["disk"] = json!(disk);
        if let Ok(free) = crate::moderation::disk::free_bytes(&video.upload_folder) {
            checks["disk_free_mb"] = json!(free / (1024 * 1024));
        }
    }
    let mut body = json!({"status": status});
    if let (Some(r), Some(redis)) = (redis, &state.redis) {
        checks["redis"] = json!(r);
        body["breakers"] = json!({"redis": redis.breaker().state().as_str()});
    }
    body["checks"] = checks;
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// A handler that does nothing, for benchmarks to compare against.
pub async fn bare() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}
