use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::state::AppState;

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz`: the database (and Redis, when configured) answer.
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
        Some(pool) => Some(
            match tokio::time::timeout(timeout, redis_ping(pool)).await {
                Ok(Ok(())) => "ok",
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "readiness: redis check failed");
                    "unavailable"
                }
                Err(_) => "timeout",
            },
        ),
    };
    let ready = database == "ok" && redis.is_none_or(|r| r == "ok");
    let mut checks = json!({"database": database});
    if let Some(r) = redis {
        checks["redis"] = json!(r);
    }
    let body = json!({"status": if ready { "ready" } else { "unavailable" }, "checks": checks});
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn redis_ping(pool: &deadpool_redis::Pool) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    let _: String = deadpool_redis::redis::cmd("PING")
        .query_async(&mut conn)
        .await?;
    Ok(())
}

/// A handler that does nothing, for benchmarks to compare against.
pub async fn bare() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}
