//! The recorder's unit tests: own registries, the listed families, the hooks' series.

use super::*;

#[test]
fn each_app_has_its_own_registry() {
    let a = Metrics::new();
    let b = Metrics::new();
    a.record_request("GET", "/", 200, Duration::from_millis(3));
    let text = a.render();
    assert!(
        text.contains(r#"pinkflow_http_requests_total{method="GET",route="/",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("pinkflow_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(!b.render().contains("pinkflow_http_requests_total{"));
}

#[test]
fn hooks_for_events_and_videos_record_series() {
    let m = Metrics::new();
    m.record_event("user.login");
    m.record_event("user.login");
    m.record_video_load("BSL", 0.8);
    m.record_sign_feedback("BSL", "accurate");
    m.set_queue_depth(3);
    m.record_job("completed", Duration::from_secs(12));
    let text = m.render();
    for line in [
        r#"pinkflow_events_total{event="user.login"} 2"#,
        r#"pinkflow_video_load_seconds_bucket{sign_language="BSL",le="1"} 1"#,
        r#"pinkflow_sign_language_feedback_total{sign_language="BSL",verdict="accurate"} 1"#,
        "pinkflow_video_queue_depth 3",
        r#"pinkflow_video_job_duration_seconds_count{outcome="completed"} 1"#,
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
}

#[test]
fn feedback_ratios_per_video_and_sign_language() {
    let m = Metrics::new();
    let row = |video: i32, lang: &str, rating: &str, n: i64| {
        (video, lang.to_owned(), rating.to_owned(), n)
    };
    m.set_usage(&UsageCounts {
        feedback: vec![
            row(7, "BSL", "accurate", 3),
            row(7, "BSL", "inaccurate", 1),
            row(9, "BSL", "helpful", 4),
            row(11, "ASL", "accurate", 2),
            row(11, "ASL", "bogus", 5),
        ],
        ..UsageCounts::default()
    });
    let text = m.render();
    for line in [
        r#"pinkflow_video_sign_accuracy_ratio{video_id="7",sign_language="BSL"} 0.75"#,
        r#"pinkflow_video_sign_accuracy_ratio{video_id="9",sign_language="BSL"} 0"#,
        r#"pinkflow_video_sign_accuracy_ratio{video_id="11",sign_language="ASL"} 1"#,
        r#"pinkflow_video_feedback_ratings{video_id="7",sign_language="BSL",rating="inaccurate"} 1"#,
        r#"pinkflow_sign_language_accuracy_ratio{sign_language="BSL"} 0.375"#,
        r#"pinkflow_sign_language_accuracy_ratio{sign_language="ASL"} 1"#,
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert!(!text.contains("bogus"), "unknown ratings are ignored");
}

#[test]
fn feedback_series_are_bounded_to_the_most_rated_videos() {
    let m = Metrics::new();
    let feedback = (0..FEEDBACK_VIDEOS_MAX as i32 + 10)
        .map(|v| (v, "BSL".to_owned(), "accurate".to_owned(), i64::from(v) + 1))
        .collect();
    m.set_usage(&UsageCounts {
        feedback,
        ..UsageCounts::default()
    });
    let text = m.render();
    let series = text
        .lines()
        .filter(|l| l.starts_with("pinkflow_video_sign_accuracy_ratio{"))
        .count();
    assert_eq!(series, FEEDBACK_VIDEOS_MAX);
    assert!(
        !text.contains(r#"video_id="0""#),
        "the least-rated video is left out"
    );
}

/// The families of `text` (its `# TYPE` lines), with their kind.
fn typed_families(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_once(' '))
        .map(|(n, k)| (n.to_owned(), k.to_owned()))
        .collect()
}

#[test]
fn a_new_registry_shows_every_family_with_help_and_known_series_at_zero() {
    let text = Metrics::new().render();
    for f in FAMILIES {
        assert!(
            text.contains(&format!("# HELP {} {}\n", f.name, f.help)),
            "{} HELP in {text}",
            f.name
        );
        assert!(
            text.contains(&format!("# TYPE {} {}\n", f.name, f.kind.as_str())),
            "{} TYPE in {text}",
            f.name
        );
    }
    assert_eq!(
        typed_families(&text).len(),
        FAMILIES.len(),
        "each family once"
    );
    for line in [
        r#"pinkflow_cache_hits_total{cache="home"} 0"#,
        r#"pinkflow_cache_misses_total{cache="home"} 0"#,
        "pinkflow_video_queue_depth 0",
        r#"pinkflow_events_total{event="video.processing.completed"} 0"#,
        r#"pinkflow_events_total{event="module.error"} 0"#,
        r#"pinkflow_video_job_duration_seconds_count{outcome="completed"} 0"#,
        r#"pinkflow_video_load_seconds_count{sign_language="JSL"} 0"#,
        r#"pinkflow_sign_language_feedback_total{sign_language="BSL",verdict="helpful"} 0"#,
        r#"pinkflow_sign_language_accuracy_ratio{sign_language="ASL"} 0"#,
        r#"pinkflow_users_by_visual_density{level="5"} 0"#,
        r#"pinkflow_sessions_active{store="database"} 0"#,
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
    let m = Metrics::new();
    m.register_subscriber("cache");
    let text = m.render();
    assert!(text.contains(r#"pinkflow_events_lagged_total{subscriber="cache"} 0"#));
    assert!(text.contains(r#"pinkflow_event_subscriber_panics_total{subscriber="cache"} 0"#));
}

#[test]
fn every_family_the_code_records_is_listed() {
    let m = Metrics::new();
    m.record_request("GET", "/", 200, Duration::from_millis(3));
    m.set_db_pool(2, 1, 8);
    m.set_cache_totals("home", 1, 2);
    m.set_breaker(
        "redis",
        BreakerSnapshot {
            state: BreakerState::Closed,
            consecutive_failures: 0,
            opened_total: 0,
        },
    );
    m.set_usage(&UsageCounts {
        redis_sessions: Some(1),
        feedback: vec![(1, "BSL".to_owned(), "accurate".to_owned(), 1)],
        ..UsageCounts::default()
    });
    m.record_event("user.login");
    m.record_events_lagged("audit", 1);
    m.record_subscriber_panic("audit");
    m.record_video_load("BSL", 0.5);
    m.record_sign_feedback("BSL", "accurate");
    m.set_queue_depth(1);
    m.record_job("completed", Duration::from_secs(1));
    let text = m.render();
    let typed = typed_families(&text);
    assert_eq!(typed.len(), FAMILIES.len(), "{typed:?}");
    for (name, kind) in &typed {
        let f = FAMILIES.iter().find(|f| f.name == name);
        assert_eq!(f.map(|f| f.kind.as_str()), Some(kind.as_str()), "{name}");
        assert!(
            text.lines().any(|l| l.starts_with(name.as_str())),
            "{name} has a series"
        );
    }
}

#[test]
fn breaker_state_is_one_hot() {
    let m = Metrics::new();
    m.set_breaker(
        "redis",
        BreakerSnapshot {
            state: BreakerState::Open,
            consecutive_failures: 5,
            opened_total: 1,
        },
    );
    let text = m.render();
    assert!(
        text.contains(r#"pinkflow_circuit_breaker_state{dependency="redis",state="open"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"pinkflow_circuit_breaker_state{dependency="redis",state="closed"} 0"#)
    );
    assert!(text.contains(r#"pinkflow_circuit_breaker_opened_total{dependency="redis"} 1"#));
}
