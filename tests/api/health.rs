//! `/healthz` and `/readyz`, and the headers every response carries.

use crate::helpers::{json_body, spawn_app};

#[tokio::test]
async fn healthz_is_alive_and_readyz_checks_the_database() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json_body(r).await["status"], "ok");

    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body = json_body(r).await;
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "ok");
    if app.settings.contains_key("REDIS_URL") {
        assert_eq!(body["checks"]["redis"], "ok");
    }
}

#[tokio::test]
async fn readyz_reports_an_unreachable_redis_as_degraded_not_unready() {
    // Nothing listens on port 1: the check must fail fast, as JSON, not hang or 500.
    // Redis is optional (every use has a fallback), so the instance stays in service.
    let app = crate::helpers::spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), "redis://127.0.0.1:1".into());
    })
    .await;
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body = json_body(r).await;
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["checks"]["database"], "ok");
    assert_ne!(body["checks"]["redis"], "ok");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_security_headers() {
    let app = spawn_app().await;
    let a = app.client.get(app.url("/healthz")).send().await.unwrap();
    let b = app.client.get(app.url("/api/nope")).send().await.unwrap();
    let id_a = a.headers()["x-request-id"].to_str().unwrap().to_owned();
    let id_b = b.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id_a.len(), 32);
    assert_ne!(id_a, id_b);
    let csp = a.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(a.headers()["x-content-type-options"], "nosniff");
    assert!(
        a.headers().get("strict-transport-security").is_none(),
        "HSTS only in production"
    );
}
