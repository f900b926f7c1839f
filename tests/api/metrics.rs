//! `GET /metrics`: Prometheus text, the named series, token protection.

use std::collections::HashMap;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Parse the Prometheus text format strictly enough to catch malformed output:
/// every sample line is `name{label="value",...} number`. Returns series → value.
pub fn parse_prometheus(text: &str) -> HashMap<String, f64> {
    let mut out = HashMap::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('#') {
            let rest = rest.trim_start();
            assert!(
                rest.starts_with("HELP ") || rest.starts_with("TYPE "),
                "bad comment line: {line}"
            );
            if let Some(t) = rest.strip_prefix("TYPE ") {
                let kind = t.split_whitespace().nth(1).unwrap_or("");
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                    "bad TYPE: {line}"
                );
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                && !name.starts_with(|c: char| c.is_ascii_digit()),
            "bad metric name: {line}"
        );
        if name_end < series.len() {
            let labels = &series[name_end..];
            assert!(
                labels.starts_with('{') && labels.ends_with('}'),
                "bad labels: {line}"
            );
            let inner = &labels[1..labels.len() - 1];
            for pair in split_labels(inner) {
                let (k, v) = pair
                    .split_once('=')
                    .unwrap_or_else(|| panic!("bad label: {line}"));
                assert!(
                    k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{line}"
                );
                assert!(
                    v.starts_with('"') && v.ends_with('"') && v.len() >= 2,
                    "{line}"
                );
            }
        }
        out.insert(series.to_owned(), value);
    }
    out
}

fn split_labels(inner: &str) -> Vec<&str> {
    let (mut parts, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < inner.len() {
        parts.push(&inner[start..]);
    }
    parts
}

pub async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/plain"), "{ct}");
    parse_prometheus(&r.text().await.unwrap())
}

#[tokio::test]
async fn metrics_expose_requests_pool_cache_and_accessibility_usage() {
    let app = spawn_app().await;
    app.browser_user("metrica").await;
    let r = app
        .save_preferences(&[("visual_density", "5"), ("reading_level", "1")])
        .await;
    assert_eq!(r.status(), 303);
    app.signed_in_user("metricb").await;
    for _ in 0..2 {
        assert_eq!(app.get("/").await.status(), 200);
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/static/nothing-here.css").await.status(), 404);
    assert_eq!(app.get("/no/such/page/4711").await.status(), 404);

    let m = scrape(&app).await;
    let get = |k: &str| *m.get(k).unwrap_or_else(|| panic!("missing {k}: {m:#?}"));
    assert_eq!(
        get(r#"pinkflow_http_requests_total{method="GET",route="/healthz",status="200"}"#),
        1.0
    );
    assert!(get(r#"pinkflow_http_requests_total{method="GET",route="/",status="200"}"#) >= 2.0);
    // Route patterns, never raw paths: label values stay bounded.
    assert!(m.contains_key(
        r#"pinkflow_http_requests_total{method="GET",route="/static/{file}",status="404"}"#
    ));
    assert!(m.contains_key(
        r#"pinkflow_http_requests_total{method="GET",route="unmatched",status="404"}"#
    ));
    assert!(
        !m.keys()
            .any(|k| k.contains("4711") || k.contains("nothing-here"))
    );
    assert!(m.contains_key(
        r#"pinkflow_http_request_duration_seconds_bucket{method="GET",route="/",le="+Inf"}"#
    ));
    assert!(get("pinkflow_db_pool_connections") >= 1.0);
    assert!(m.contains_key("pinkflow_db_pool_idle_connections"));
    assert_eq!(get("pinkflow_db_pool_max_connections"), 4.0);
    assert!(get(r#"pinkflow_cache_hits_total{cache="home"}"#) >= 1.0);
    assert!(m.contains_key(r#"pinkflow_cache_misses_total{cache="home"}"#));
    // metrica: density 5, reading 1; metricb: defaults (3, 3).
    assert_eq!(get(r#"pinkflow_users_by_visual_density{level="5"}"#), 1.0);
    assert_eq!(get(r#"pinkflow_users_by_visual_density{level="3"}"#), 1.0);
    assert_eq!(get(r#"pinkflow_users_by_visual_density{level="1"}"#), 0.0);
    assert_eq!(get(r#"pinkflow_users_by_reading_level{level="1"}"#), 1.0);
    assert_eq!(get(r#"pinkflow_users_by_reading_level{level="3"}"#), 1.0);
    assert!(m.contains_key(r#"pinkflow_sessions_active{store="database"}"#));
    if app.settings.contains_key("REDIS_URL") {
        // metrica's browser session is in Redis (the shared test Redis may hold others).
        assert!(get(r#"pinkflow_sessions_active{store="redis"}"#) >= 1.0);
        assert_eq!(
            get(r#"pinkflow_circuit_breaker_state{dependency="redis",state="closed"}"#),
            1.0
        );
    } else {
        assert!(get(r#"pinkflow_sessions_active{store="database"}"#) >= 1.0);
    }
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let token = "metrics-token-0123456789abcdef";
    let app = spawn_app_with(|s| {
        s.insert("METRICS_TOKEN".into(), token.into());
    })
    .await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("metrics-token-0123456789abcdeX")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let m = parse_prometheus(&r.text().await.unwrap());
    assert!(
        m.keys()
            .any(|k| k.starts_with("pinkflow_http_requests_total{"))
    );
}

#[test]
fn the_parser_refuses_malformed_text() {
    assert!(std::panic::catch_unwind(|| parse_prometheus("metric{a=\"b\" 1")).is_err());
    assert!(std::panic::catch_unwind(|| parse_prometheus("metric one")).is_err());
    assert_eq!(
        parse_prometheus("# TYPE m counter\nm{a=\"x,y\"} 2\n").len(),
        1
    );
}

/// A fresh instance shows every family, with its help text, before the first request,
/// cache hit, event or job; the series whose labels are known start at 0.
#[tokio::test]
async fn a_fresh_instance_exports_every_family_with_help() {
    let app = spawn_app().await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let m = parse_prometheus(&text);
    for f in pinkflow::metrics::FAMILIES {
        assert!(
            text.contains(&format!("# HELP {} {}\n", f.name, f.help)),
            "HELP of {} in {text}",
            f.name
        );
        assert!(
            text.contains(&format!("# TYPE {} {}\n", f.name, f.kind.as_str())),
            "TYPE of {} in {text}",
            f.name
        );
    }
    for series in [
        r#"pinkflow_cache_hits_total{cache="home"}"#,
        r#"pinkflow_cache_misses_total{cache="home"}"#,
        "pinkflow_video_queue_depth",
        r#"pinkflow_video_job_duration_seconds_count{outcome="completed"}"#,
        r#"pinkflow_events_total{event="user.login"}"#,
        r#"pinkflow_events_total{event="video.processing.completed"}"#,
        r#"pinkflow_events_lagged_total{subscriber="audit"}"#,
        r#"pinkflow_events_lagged_total{subscriber="audit-writer"}"#,
        r#"pinkflow_event_subscriber_panics_total{subscriber="metrics"}"#,
        r#"pinkflow_sign_language_feedback_total{sign_language="BSL",verdict="accurate"}"#,
        r#"pinkflow_video_load_seconds_count{sign_language="ASL"}"#,
        r#"pinkflow_sign_language_accuracy_ratio{sign_language="LSF"}"#,
    ] {
        assert_eq!(m.get(series), Some(&0.0), "{series} in {text}");
    }
}

/// The queue depth is read at start: an instance started while jobs wait shows them on
/// its first scrape, before any queue event reaches it.
#[tokio::test]
async fn a_new_instance_shows_the_jobs_already_waiting() {
    use crate::video_helpers::{clip, upload_clip};
    let a = spawn_app_with(|s| {
        s.insert("WORKER_EMBEDDED".into(), "false".into());
    })
    .await;
    let token = a.signed_in_user("queuer").await.access;
    let path = clip(&a, "q.mp4");
    upload_clip(&a, &token, &path, "Waiting").await;
    let b = crate::helpers::spawn_peer(&a, &["WORKER_EMBEDDED"]).await;
    let m = scrape(&b).await;
    assert_eq!(m.get("pinkflow_video_queue_depth"), Some(&1.0), "{m:#?}");
}
