//! `GET /metrics`: Prometheus text format, behind `METRICS_TOKEN` (Bearer) when set.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::models::stats;
use crate::state::AppState;
use crate::web::session_store::count_redis_sessions;

pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Some(token) = &state.settings.telemetry.metrics_token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        let ok: bool = given
            .as_bytes()
            .ct_eq(token.expose_secret().as_bytes())
            .into();
        if !ok {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\""))
                .content_type("text/plain; charset=utf-8")
                .body("A valid metrics token is required.\n");
        }
    }
    collect(&state).await;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(state.metrics.render())
}

/// Bring the scrape-time gauges up to date.
async fn collect(state: &AppState) {
    let m = &state.metrics;
    let (connections, idle) = state.db.pool_state();
    m.set_db_pool(connections, idle, state.settings.database.pool_size);
    if let Some(redis) = &state.redis {
        m.set_breaker("redis", redis.breaker().snapshot());
    }
    for (name, hm) in state.cache.stats() {
        m.set_cache_totals(&name, hm.hits, hm.misses);
    }
    let usage = match m.cached_usage() {
        Some(u) => Some(u),
        None => match state.db.run(stats::usage).await {
            Ok(mut u) => {
                if let Some(redis) = &state.redis {
                    u.redis_sessions =
                        count_redis_sessions(redis, &state.settings.cache.key_prefix).await;
                }
                m.remember_usage(&u);
                Some(u)
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics: usage counts unavailable");
                None
            }
        },
    };
    if let Some(u) = usage {
        m.set_usage(&u);
    }
}
