//! Build the application from settings: database, migrations, services and the HTTP
//! server bound to its port (port 0 in tests).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::auth::AuthService;
use crate::auth::password::PasswordHasher;
use crate::auth::tokens::TokenKeys;
use crate::cache::Cache;
use crate::config::Settings;
use crate::db::Db;
use crate::events::EventBus;
use crate::http::middleware::{request_context, security_headers};
use crate::http::rate_limit::RateLimiters;
use crate::metrics::Metrics;
use crate::resilience::CircuitBreaker;
use crate::routes;
use crate::state::AppState;
use crate::video::{Storage, VideoService, WorkerPool};
use crate::web::session_store::{self, AppSessionStore};
use crate::web::visitor::{self, VisitorKeys};
use crate::web::{assets, csrf, errors, session};

/// Most batches of uncached token checks in flight at once on PostgreSQL (each holds
/// one pooled connection; a batch answers up to 64 checks).
const MAX_TOKEN_BATCHES: usize = 1;

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    limiters: RateLimiters,
    sessions: AppSessionStore,
    /// Where the mail sender delivers (SMTP or `.eml` files).
    delivery: crate::mail::Delivery,
    /// Event subscribers and the cross-instance event listener (started by `build`, so
    /// no event published after it is missed).
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let db =
            Db::connect(&settings.database.url, settings.database.pool_size).context("database")?;
        let migrator = db.clone();
        let applied = tokio::task::spawn_blocking(move || migrator.migrate())
            .await?
            .with_context(|| {
                format!(
                    "could not prepare the database at {}",
                    settings.database.url.redacted()
                )
            })?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "database migrated");
        }

        let redis = match &settings.redis.url {
            None => None,
            Some(url) => Some(crate::redis::Redis::connect(
                url,
                Arc::new(CircuitBreaker::new(
                    "redis",
                    settings.redis.breaker.failure_threshold,
                    settings.redis.breaker.recovery_timeout,
                )),
            )?),
        };
        let cache = Cache::new(
            redis.clone(),
            &settings.cache.key_prefix,
            settings.cache.default_timeout,
        );
        let metrics = Metrics::new();
        // The queue may hold jobs from before this start: its gauge is right from the
        // first scrape.
        crate::events::subscribers::read_queue_depth(&db, &metrics).await;
        // Events: delivered here directly, and to other instances through Redis.
        let events = match &redis {
            Some(r) => EventBus::with_redis(
                1024,
                r.clone(),
                crate::events::channel(&settings.cache.key_prefix),
            ),
            None => EventBus::default(),
        };

        let keys = Arc::new(TokenKeys::new(
            &settings.auth.secret_key,
            &settings.auth.refresh_secret_key,
            settings.auth.access_token_ttl,
            settings.auth.refresh_token_ttl,
        )?);
        let hasher =
            PasswordHasher::new(settings.auth.bcrypt_cost, settings.auth.bcrypt_concurrency);
        let mut auth = AuthService::new(
            db.clone(),
            keys,
            hasher,
            settings.auth.default_modules.clone(),
            settings.auth.cache_ttl,
        );
        if db.backend() == crate::db::Backend::Postgres {
            // Each round trip to PostgreSQL costs far more than SQLite's in-process read:
            // uncached token checks are batched, one batch in flight at a time (fewer,
            // larger batches: with 32 busy clients, 8 in flight gave 20,500 checks/s and
            // a 6 ms p99, 2 gave 27,400 and 2.9 ms, 1 gave 33,000 and 2.0 ms).
            let in_flight = usize::try_from(settings.database.pool_size / 2)
                .unwrap_or(1)
                .clamp(1, MAX_TOKEN_BATCHES);
            auth = auth.with_coalesced_checks(in_flight);
        }
        let auth = auth
            .with_session_timeouts(
                settings.session.idle_timeout,
                settings.session.absolute_timeout,
            )
            .with_events(events.clone())
            .with_throttle(crate::auth::service::LoginThrottle {
                max_failures: settings.auth.login_throttle_attempts,
                window: settings.auth.login_throttle_window,
            });
        let storage = Storage::new(&settings.video.upload_folder);
        storage.ensure_dirs().with_context(|| {
            format!(
                "cannot create the video folders under VIDEO_UPLOAD_FOLDER={}",
                settings.video.upload_folder.display()
            )
        })?;
        let videos = VideoService::new(db.clone(), storage, settings.video.clone(), events.clone())
            .with_read_cache(settings.cache.default_timeout)
            .with_verified_email_required(settings.auth.require_verified_email);
        let mail = crate::mail::Mailer::new(Arc::new(settings.mail.clone()), settings.app_env);
        let delivery = crate::mail::Delivery::from_settings(&settings.mail)?;
        let accounts = crate::auth::account::AccountService::new(
            auth.clone(),
            mail.clone(),
            videos.clone(),
            settings.auth.password_reset_ttl,
            settings.auth.email_token_ttl,
        );
        let state = AppState {
            settings: settings.clone(),
            db,
            auth,
            redis,
            events,
            videos,
            cache,
            metrics,
            mail,
            accounts,
        };
        let mut tasks = crate::events::subscribers::start(
            &state.events,
            state.cache.clone(),
            state.metrics.clone(),
            state.db.clone(),
        );
        tasks.push(state.videos.forget_on_events());
        if let Some(url) = &settings.redis.url {
            tasks.push(tokio::spawn(crate::events::fanout::listen(
                url.clone(),
                crate::events::channel(&settings.cache.key_prefix),
                state.events.clone(),
            )));
        }
        let limiters = RateLimiters::new(&settings)?;
        let sessions = AppSessionStore::new(
            &state.db,
            state.redis.as_ref(),
            settings.session.idle_timeout,
            &settings.cache.key_prefix,
        )
        .await
        .context("session store")?
        .with_cache(
            state.auth.principals().clone(),
            state.events.clone(),
            settings
                .auth
                .cache_ttl
                .min(crate::web::session_store::EXTEND_EVERY)
                .min(settings.session.idle_timeout / 4),
        );
        tracing::debug!(store = sessions.name(), "browser sessions");

        let listener = TcpListener::bind((settings.http.host.as_str(), settings.http.port))
            .with_context(|| {
                format!(
                    "cannot listen on {}:{}",
                    settings.http.host, settings.http.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state.clone());
        let visitor_keys = web::Data::new(VisitorKeys::new(&settings));
        let app_limits = limiters.clone();
        let app_sessions = sessions.clone();
        let server = HttpServer::new(move || {
            let settings = &data.settings;
            let cors_on = !settings.http.cors_allowed_origins.is_empty();
            let cors = settings
                .http
                .cors_allowed_origins
                .iter()
                .fold(Cors::default(), |c, o| c.allowed_origin(o))
                .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
                .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
                .max_age(3600);
            App::new()
                .app_data(data.clone())
                .app_data(visitor_keys.clone())
                .wrap(from_fn(csrf::protect))
                .wrap(from_fn(errors::error_pages))
                .wrap(from_fn(visitor::cookies))
                .wrap(session::middleware(app_sessions.clone(), settings))
                .wrap(from_fn(session_store::track_lost_sessions))
                .wrap(Condition::new(cors_on, cors))
                .wrap(security_headers(settings.app_env.is_production()))
                .wrap(from_fn(request_context))
                .route("/healthz", web::get().to(routes::health::healthz))
                .route("/readyz", web::get().to(routes::health::readyz))
                .route("/metrics", web::get().to(routes::metrics::metrics))
                .route("/bench/bare", web::get().to(routes::health::bare))
                .configure(|cfg| routes::api::configure(cfg, &app_limits))
                .configure(routes::media::configure)
                .route("/static/{file}", web::get().to(assets::serve))
                .configure(|cfg| routes::pages::configure(cfg, &app_limits))
                .default_service(web::to(routes::pages::not_found))
        })
        .workers(settings.http.workers)
        .shutdown_timeout(30)
        .listen(listener)?
        .run();

        Ok(Application {
            port,
            server,
            state,
            limiters,
            sessions,
            delivery,
            tasks,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until the server stops (SIGTERM/SIGINT stop it gracefully), running the
    /// periodic housekeeping alongside, and one video worker when `WORKER_EMBEDDED`.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let mut tasks = self.tasks;
        tasks.push(tokio::spawn(housekeeping(
            self.state.clone(),
            self.limiters.clone(),
            self.sessions.clone(),
        )));
        // Mail: every instance sends from the shared queue (each mail claimed once).
        let sender =
            crate::mail::Sender::new(self.state.db.clone(), &self.state.mail, self.delivery);
        tasks.push(tokio::spawn(sender.run()));
        // Histogram samples wait in buffers until drained: drain them often, scraped or not.
        let metrics = self.state.metrics.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                metrics.upkeep();
            }
        }));
        let workers = self
            .state
            .settings
            .video
            .worker
            .embedded
            .then(|| WorkerPool::start(self.state.videos.clone(), 1));
        let result = self.server.await;
        for task in tasks {
            task.abort();
        }
        if let Some(workers) = workers {
            workers.shutdown().await;
        }
        result
    }
}

/// Files no video refers to are deleted once they are this old (long enough for any
/// upload or transcode still in progress to have finished).
const ORPHAN_MIN_AGE: Duration = Duration::from_secs(24 * 3600);

/// Every ten minutes: delete expired token and session rows, forget idle rate-limit
/// keys and delete orphaned video files.
async fn housekeeping(state: AppState, limiters: RateLimiters, sessions: AppSessionStore) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match state.auth.purge_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "expired tokens removed"),
            Err(e) => tracing::warn!(error = %e, "token clean-up failed"),
        }
        match sessions.purge_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "expired sessions removed"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "session clean-up failed"),
        }
        match state.auth.purge_sign_ins().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "ended sign-ins removed"),
            Err(e) => tracing::warn!(error = %e, "sign-in clean-up failed"),
        }
        match state.accounts.purge_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "expired account links removed"),
            Err(e) => tracing::warn!(error = %e, "account link clean-up failed"),
        }
        limiters.retain_recent();
        match state.videos.sweep_orphans(ORPHAN_MIN_AGE).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(files = n, "orphaned video files removed"),
            Err(e) => tracing::warn!(error = %e, "video file clean-up failed"),
        }
    }
}
