//! The settings' unit tests: defaults, validation and the names in error messages.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::ExposeSecret;

use super::*;

fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_map(&map)
}

const GOOD_A: &str = "0123456789abcdef0123456789abcdef-a";
const GOOD_B: &str = "0123456789abcdef0123456789abcdef-b";

#[test]
fn defaults_apply_in_development() {
    let s = load(&[]).unwrap();
    assert_eq!(s.app_env, AppEnv::Development);
    assert_eq!(s.http.port, 8080);
    assert_eq!(s.http.host, "127.0.0.1");
    assert_eq!(s.auth.bcrypt_cost, 12);
    assert_eq!(s.auth.access_token_ttl, Duration::from_secs(900));
    assert_eq!(s.auth.refresh_token_ttl, Duration::from_secs(604_800));
    assert_eq!(s.rate_limits.login.to_string(), "10/minute");
    assert_eq!(s.rate_limits.api.to_string(), "100/hour");
    assert!(s.database.url.is_sqlite());
    assert!(s.http.cors_allowed_origins.is_empty());
    assert_eq!(s.warnings.len(), 2, "both secrets were generated");
}

#[test]
fn bad_values_name_the_variable() {
    for (var, value) in [
        ("PORT", "eighty"),
        ("APP_ENV", "staging"),
        ("DATABASE_URL", "mysql://x"),
        ("BCRYPT_COST", "3"),
        ("RATE_LIMIT_LOGIN", "ten per minute"),
        ("RATE_LIMIT_API", "0/hour"),
        ("ACCESS_TOKEN_TTL", "-5"),
        ("TRUSTED_PROXIES", "10.0.0.0/99"),
        ("CORS_ALLOWED_ORIGINS", "*"),
        ("LOG_FORMAT", "xml"),
        ("REDIS_URL", "localhost:6379"),
        ("DEFAULT_MODULES", "video,Bad Module"),
        ("WORKERS", "0"),
        ("BCRYPT_CONCURRENCY", "0"),
        ("DATABASE_POOL_SIZE", "0"),
        ("HOST", "not a host"),
        ("AUTH_CACHE_TTL", "5m"),
        ("LOGIN_THROTTLE_ATTEMPTS", "0"),
        ("LOGIN_THROTTLE_WINDOW", "never"),
        ("SESSION_IDLE_TIMEOUT", "forever"),
        ("SESSION_ABSOLUTE_TIMEOUT", "0"),
        ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "0"),
        ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "many"),
        ("CIRCUIT_BREAKER_RECOVERY_TIMEOUT", "0"),
        ("CIRCUIT_BREAKER_RECOVERY_TIMEOUT", "2h"),
        ("CACHE_DEFAULT_TIMEOUT", "later"),
        ("CACHE_DEFAULT_TIMEOUT", "2d"),
        ("METRICS_TOKEN", "short"),
        ("CACHE_KEY_PREFIX", "Has Spaces"),
        ("METRICS_TOKEN", "has spaces in it, sixteen+"),
        ("SMTP_URL", "mail.example:25"),
        ("SMTP_URL", "https://mail.example"),
        ("MAIL_FROM", "not an address"),
        ("PUBLIC_URL", "pink.example"),
        ("MAIL_RETRY_BACKOFF", "2h"),
        ("MAIL_POLL_INTERVAL", "soon"),
    ] {
        let e = load(&[(var, value)]).unwrap_err();
        assert_eq!(e.variable, var, "{var}={value} gave {e}");
    }
}

#[test]
fn production_refuses_missing_short_equal_or_published_secrets() {
    let prod = ("APP_ENV", "production");
    assert_eq!(load(&[prod]).unwrap_err().variable, "SECRET_KEY");
    let e = load(&[
        prod,
        ("SECRET_KEY", "short"),
        ("REFRESH_SECRET_KEY", GOOD_B),
    ])
    .unwrap_err();
    assert_eq!(e.variable, "SECRET_KEY");
    let e = load(&[prod, ("SECRET_KEY", GOOD_A), ("REFRESH_SECRET_KEY", GOOD_A)]).unwrap_err();
    assert_eq!(e.variable, "REFRESH_SECRET_KEY");
    let e = load(&[
        prod,
        ("SECRET_KEY", GOOD_A),
        ("REFRESH_SECRET_KEY", "dev-refresh-key-change-in-production"),
    ])
    .unwrap_err();
    assert_eq!(e.variable, "REFRESH_SECRET_KEY");
    let e = load(&[
        prod,
        ("SECRET_KEY", "dev-secret-key-change-in-production"),
        ("REFRESH_SECRET_KEY", GOOD_B),
    ])
    .unwrap_err();
    assert_eq!(e.variable, "SECRET_KEY");
    let secrets = [prod, ("SECRET_KEY", GOOD_A), ("REFRESH_SECRET_KEY", GOOD_B)];
    assert_eq!(load(&secrets).unwrap_err().variable, "PUBLIC_URL");
    let mut all = secrets.to_vec();
    all.push(("PUBLIC_URL", "https://pink.example/"));
    all.push(("SMTP_URL", "smtp://mail.example:587?tls=required"));
    let ok = load(&all).unwrap();
    assert!(ok.warnings.is_empty(), "{:?}", ok.warnings);
    assert_eq!(ok.mail.public_url, "https://pink.example");
    // Without SMTP_URL production still starts, warning that mail only reaches files.
    all.pop();
    let files = load(&all).unwrap();
    assert!(files.warnings.iter().any(|w| w.contains("SMTP_URL")));
}

#[test]
fn mail_settings_default_to_files_and_the_listening_address() {
    let s = load(&[("PORT", "9000")]).unwrap();
    assert!(s.mail.smtp_url.is_none());
    assert_eq!(s.mail.public_url, "http://127.0.0.1:9000");
    assert_eq!(s.mail.outbox_dir, std::path::PathBuf::from("./data/outbox"));
    assert_eq!(
        s.mail.link("/verify-email"),
        "http://127.0.0.1:9000/verify-email"
    );
    assert_eq!(s.mail.from.email.to_string(), "no-reply@localhost");
}

#[test]
fn rate_limits_parse() {
    let r: RateLimit = "5/minute".parse().unwrap();
    assert_eq!(r.count, 5);
    assert_eq!(r.replenish_interval(), Duration::from_secs(12));
    assert!("5/fortnight".parse::<RateLimit>().is_err());
    assert!("/minute".parse::<RateLimit>().is_err());
    assert_eq!(
        "100/h".parse::<RateLimit>().unwrap().to_string(),
        "100/hour"
    );
}

#[test]
fn session_timeouts_have_defaults_and_must_be_ordered() {
    let s = load(&[]).unwrap();
    assert_eq!(s.session.idle_timeout, Duration::from_secs(1_800));
    assert_eq!(s.session.absolute_timeout, Duration::from_secs(43_200));
    let s = load(&[
        ("SESSION_IDLE_TIMEOUT", "10m"),
        ("SESSION_ABSOLUTE_TIMEOUT", "1h"),
    ])
    .unwrap();
    assert_eq!(s.session.idle_timeout, Duration::from_secs(600));
    assert_eq!(s.session.absolute_timeout, Duration::from_secs(3_600));
    let e = load(&[
        ("SESSION_IDLE_TIMEOUT", "2h"),
        ("SESSION_ABSOLUTE_TIMEOUT", "1h"),
    ])
    .unwrap_err();
    assert_eq!(e.variable, "SESSION_ABSOLUTE_TIMEOUT");
}

#[test]
fn resilience_cache_and_metrics_settings() {
    let s = load(&[]).unwrap();
    assert_eq!(s.redis.breaker.failure_threshold, 5);
    assert_eq!(s.redis.breaker.recovery_timeout, Duration::from_secs(60));
    assert_eq!(s.cache.default_timeout, Duration::from_secs(300));
    assert!(s.telemetry.metrics_token.is_none());
    assert_eq!(s.cache.key_prefix, "pinkflow");
    let token = "0123456789abcdef0123";
    let s = load(&[
        ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "3"),
        ("CIRCUIT_BREAKER_RECOVERY_TIMEOUT", "2s"),
        ("CACHE_DEFAULT_TIMEOUT", "10m"),
        ("METRICS_TOKEN", token),
    ])
    .unwrap();
    assert_eq!(s.redis.breaker.failure_threshold, 3);
    assert_eq!(s.redis.breaker.recovery_timeout, Duration::from_secs(2));
    assert_eq!(s.cache.default_timeout, Duration::from_secs(600));
    assert_eq!(
        s.telemetry.metrics_token.as_ref().unwrap().expose_secret(),
        token
    );
    assert!(!format!("{s:?}").contains(token), "the token is redacted");
    let off = load(&[("CACHE_DEFAULT_TIMEOUT", "0")]).unwrap();
    assert_eq!(off.cache.default_timeout, Duration::ZERO);
}

#[test]
fn durations_parse() {
    assert_eq!(parse_duration("900").unwrap(), Duration::from_secs(900));
    assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
    assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604_800));
    assert!(parse_duration("0").is_err());
    assert!(parse_duration("soon").is_err());
}

#[test]
fn database_urls_redact_passwords() {
    let url = DatabaseUrl::parse("postgres://app:hunter2@db:5432/pf").unwrap();
    assert_eq!(url.redacted(), "postgres://app:***@db:5432/pf");
    assert!(!format!("{url:?}").contains("hunter2"));
    assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
    match DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap() {
        DatabaseUrl::Sqlite(p) => assert_eq!(p, PathBuf::from("/tmp/x.db")),
        DatabaseUrl::Postgres(_) => panic!("wrong backend"),
    }
}

#[test]
fn video_settings_have_defaults() {
    let s = load(&[]).unwrap();
    assert_eq!(s.video.max_upload_bytes, 500 * 1024 * 1024);
    assert_eq!(s.video.max_caption_bytes, 2 * 1024 * 1024);
    assert_eq!(s.video.max_attempts, 3);
    assert_eq!(s.video.media.max_height, 720);
    assert_eq!(s.video.media.x264_preset, "veryfast");
    assert_eq!(s.video.worker.concurrency, 1);
    assert!(s.video.worker.embedded, "embedded by default on SQLite");
    assert_eq!(s.video.worker.lease_duration, Duration::from_secs(60));
    assert_eq!(s.video.worker.poll_interval, Duration::from_secs(2));
    assert_eq!(
        s.video.x_accel_prefix, None,
        "X-Accel-Redirect is off by default"
    );
    let pg = load(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
    assert!(
        !pg.video.worker.embedded,
        "separate workers by default on PostgreSQL"
    );
    let on = load(&[
        ("DATABASE_URL", "postgres://u@h/db"),
        ("WORKER_EMBEDDED", "yes"),
    ])
    .unwrap();
    assert!(on.video.worker.embedded);
}

#[test]
fn video_settings_parse_and_name_bad_variables() {
    let s = load(&[
        ("VIDEO_MAX_SIZE_MB", "2"),
        ("VIDEO_MAX_ATTEMPTS", "5"),
        ("CAPTION_MAX_BYTES", "4096"),
        ("VIDEO_MAX_HEIGHT", "480"),
        ("VIDEO_X264_PRESET", "Medium"),
        ("WORKER_CONCURRENCY", "4"),
        ("WORKER_EMBEDDED", "off"),
        ("WORKER_LEASE_DURATION", "2m"),
        ("WORKER_POLL_INTERVAL", "1"),
    ])
    .unwrap();
    assert_eq!(s.video.max_upload_bytes, 2 * 1024 * 1024);
    assert_eq!(s.video.max_attempts, 5);
    assert_eq!(s.video.max_caption_bytes, 4096);
    assert_eq!(s.video.media.max_height, 480);
    assert_eq!(s.video.media.x264_preset, "medium");
    assert_eq!(s.video.worker.concurrency, 4);
    assert!(!s.video.worker.embedded);
    assert_eq!(s.video.worker.lease_duration, Duration::from_secs(120));
    assert_eq!(s.video.worker.poll_interval, Duration::from_secs(1));
    for (var, value) in [
        ("VIDEO_MAX_SIZE_MB", "0"),
        ("VIDEO_MAX_SIZE_MB", "lots"),
        ("VIDEO_MAX_ATTEMPTS", "0"),
        ("CAPTION_MAX_BYTES", "100"),
        ("CAPTION_MAX_BYTES", "2MB"),
        ("VIDEO_MAX_HEIGHT", "721"),
        ("VIDEO_MAX_HEIGHT", "100"),
        ("VIDEO_X264_PRESET", "placebo"),
        ("WORKER_CONCURRENCY", "0"),
        ("WORKER_EMBEDDED", "maybe"),
        ("WORKER_LEASE_DURATION", "0"),
        ("WORKER_LEASE_DURATION", "2h"),
        ("WORKER_POLL_INTERVAL", "never"),
    ] {
        let e = load(&[(var, value)]).unwrap_err();
        assert_eq!(e.variable, var, "{var}={value} gave {e}");
    }
}

#[test]
fn secrets_are_redacted_in_debug_output() {
    let s = load(&[("SECRET_KEY", GOOD_A), ("REFRESH_SECRET_KEY", GOOD_B)]).unwrap();
    let debug = format!("{s:?}");
    assert!(!debug.contains(GOOD_A) && !debug.contains(GOOD_B));
}

#[test]
fn messages_keep_their_words() {
    for (pairs, expected) in [
        (
            &[("PORT", "eighty")][..],
            "PORT: must be a port number from 0 to 65535",
        ),
        (
            &[("WORKERS", "0")][..],
            "WORKERS: must be a whole number from 1 to 256",
        ),
        (
            &[("VIDEO_MAX_HEIGHT", "tall")][..],
            "VIDEO_MAX_HEIGHT: must be a whole number from 144 to 4320",
        ),
        (
            &[("AUTH_CACHE_TTL", "5m")][..],
            "AUTH_CACHE_TTL: must be at most 60 seconds (0 turns it off)",
        ),
        (
            &[("SESSION_IDLE_TIMEOUT", "forever")][..],
            "SESSION_IDLE_TIMEOUT: \"forever\" is not a duration; use seconds (900) or 15m, 12h, 7d",
        ),
        (
            &[("APP_ENV", "testing"), ("BCRYPT_COST", "3")][..],
            "BCRYPT_COST: must be a whole number from 4 to 31",
        ),
        (
            &[("WORKER_EMBEDDED", "maybe")][..],
            "WORKER_EMBEDDED: \"maybe\" is not true or false",
        ),
    ] {
        assert_eq!(load(pairs).unwrap_err().to_string(), expected);
    }
}

#[test]
fn x_accel_prefix_is_a_plain_path_with_slashes_at_both_ends() {
    let s = load(&[("MEDIA_X_ACCEL_PREFIX", " /protected-media/ ")]).unwrap();
    assert_eq!(s.video.x_accel_prefix.as_deref(), Some("/protected-media/"));
    let nested = load(&[("MEDIA_X_ACCEL_PREFIX", "/internal/media_v2/")]).unwrap();
    assert_eq!(
        nested.video.x_accel_prefix.as_deref(),
        Some("/internal/media_v2/")
    );
    for bad in [
        "protected/",
        "/protected",
        "/",
        "/a//b/",
        "/../x/",
        "/a b/",
        "/x\r\n/",
        "/caf\u{e9}/",
        "http://x/",
    ] {
        let e = load(&[("MEDIA_X_ACCEL_PREFIX", bad)]).unwrap_err();
        assert_eq!(e.variable, "MEDIA_X_ACCEL_PREFIX", "{bad:?}");
    }
}
