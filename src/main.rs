//! The `pinkflow` command: `serve` (default), `migrate`, `worker`, `user grant|revoke`, `mail status` and
//! `audit`, each reading its settings from the environment (and `.env`) first.

use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use pinkflow::config::Settings;
use pinkflow::db::Db;
use pinkflow::events::{self, Envelope, Event, EventBus, Via};
use pinkflow::models::user as user_db;
use pinkflow::redis::Redis;
use pinkflow::resilience::CircuitBreaker;
use pinkflow::startup::Application;
use pinkflow::video::media::MediaHelper;
use pinkflow::video::{Storage, VideoService, WorkerPool};

#[derive(Parser)]
#[command(
    name = "pinkflow",
    version,
    about = "PinkFlow: a deaf-first web platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application and API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Process queued videos (WORKER_CONCURRENCY jobs at a time) until stopped.
    Worker,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Show the audit trail (sign-ins, sign-outs, preference and module changes),
    /// newest first.
    Audit {
        /// Only this account's entries.
        #[arg(long)]
        user: Option<String>,
        /// How many entries to show.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Write public, ready videos with captions straight to the database (no files,
    /// no transcoding), for the search benchmark.
    SeedSearch {
        /// How many videos.
        #[arg(long, default_value_t = 100_000)]
        videos: usize,
        /// How many caption cues in all (spread over the videos).
        #[arg(long, default_value_t = 1_000_000)]
        cues: usize,
    },
    /// Outgoing mail.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
}

#[derive(Subcommand)]
enum MailCommand {
    /// Show the mail queue: mails per state, and each one not yet sent.
    Status,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Let an account use a module (e.g. `video` for uploads).
    Grant { email: String, module: String },
    /// Take a module away from an account.
    Revoke { email: String, module: String },
    /// Give an account a role: member, moderator or admin (e.g. the first admin).
    Role { email: String, role: String },
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("pinkflow: cannot read .env: {e}");
        std::process::exit(2);
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pinkflow: configuration error: {e}");
            std::process::exit(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    if matches!(command, Command::Serve | Command::Worker) {
        // Uploads are probed and videos processed by the helper: without it, stop now
        // with one line rather than fail every upload.
        let helper = MediaHelper::new(settings.video.media.bin.clone());
        if let Err(e) = helper.check() {
            eprintln!("pinkflow: configuration error: MEDIA_BIN: {e}");
            std::process::exit(2);
        }
    }
    pinkflow::telemetry::init(settings.telemetry.log_format);
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    let result = match command {
        Command::Serve => serve(settings).await,
        Command::Migrate => migrate(settings).await,
        Command::Worker => worker(settings).await,
        Command::User { command } => user(settings, command).await,
        Command::Audit { user, limit } => audit(settings, user, limit).await,
        Command::SeedSearch { videos, cues } => seed_search(settings, videos, cues).await,
        Command::Mail {
            command: MailCommand::Status,
        } => mail_status(settings).await,
    };
    if let Err(e) = result {
        tracing::error!("{e:#}");
        eprintln!("pinkflow: {e:#}");
        std::process::exit(1);
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let (env, db) = (settings.app_env, settings.database.url.redacted());
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), environment = ?env, database = %db, "PinkFlow is ready");
    app.run_until_stopped().await?;
    tracing::info!("PinkFlow stopped");
    Ok(())
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database.url, 1)?;
    let applied = tokio::task::spawn_blocking(move || db.migrate()).await??;
    if applied.is_empty() {
        println!("database is up to date");
    } else {
        for version in applied {
            println!("applied {version}");
        }
    }
    Ok(())
}

/// Wait for SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn worker(settings: Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database.url, settings.database.pool_size)?;
    let storage = Storage::new(&settings.video.upload_folder);
    storage.ensure_dirs().with_context(|| {
        format!(
            "cannot create the video folders under VIDEO_UPLOAD_FOLDER={}",
            settings.video.upload_folder.display()
        )
    })?;
    let concurrency = settings.video.worker.concurrency;
    // With Redis, video events reach the serving instances' subscribers, and the worker
    // drops the shared (Redis) catalogue itself when a video becomes ready.
    let redis = match &settings.redis.url {
        Some(url) => Some(Redis::connect(
            url,
            Arc::new(CircuitBreaker::new(
                "redis",
                settings.redis.breaker.failure_threshold,
                settings.redis.breaker.recovery_timeout,
            )),
        )?),
        None => None,
    };
    let events = match &redis {
        Some(r) => {
            EventBus::with_redis(1024, r.clone(), events::channel(&settings.cache.key_prefix))
        }
        None => EventBus::default(),
    };
    let _cache_subscriber = redis.as_ref().map(|r| {
        let cache = pinkflow::cache::Cache::new(
            Some(r.clone()),
            &settings.cache.key_prefix,
            settings.cache.default_timeout,
        );
        events::subscribers::start_cache(&events, cache, None)
    });
    let service = VideoService::new(db, storage, settings.video.clone(), events);
    tracing::info!(
        concurrency,
        database = %settings.database.url.redacted(),
        "PinkFlow video worker is running"
    );
    let pool = WorkerPool::start(service, concurrency);
    shutdown_signal().await;
    tracing::info!("stopping: running jobs are handed back to the queue");
    pool.shutdown().await;
    tracing::info!("PinkFlow video worker stopped");
    Ok(())
}

fn valid_module(module: &str) -> anyhow::Result<String> {
    let m = module.trim().to_ascii_lowercase();
    let ok = !m.is_empty()
        && m.len() <= 32
        && m.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(m)
    } else {
        anyhow::bail!("{module:?} is not a module name (lower-case letters, digits, _)")
    }
}

async fn user(settings: Settings, command: UserCommand) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database.url, 1)?;
    let db_for_audit = db.clone();
    let (email, module, grant) = match command {
        UserCommand::Grant { email, module } => (email, module, true),
        UserCommand::Revoke { email, module } => (email, module, false),
        UserCommand::Role { email, role } => return user_role(&settings, &db, &email, &role).await,
    };
    let module = valid_module(&module)?;
    let email = email.trim().to_lowercase();
    let (message, event) =
        tokio::task::spawn_blocking(move || -> anyhow::Result<(String, Option<Event>)> {
            let mut conn = db.get()?;
            let user = user_db::find_by_email(&mut conn, &email)?
                .with_context(|| format!("no account has the email {email}"))?;
            let mut modules = user.modules();
            let had = modules.contains(&module);
            if grant && !had {
                modules.push(module.clone());
            } else if !grant {
                modules.retain(|m| m != &module);
            }
            user_db::set_modules(&mut conn, user.id, &modules)?;
            let (user_id, via) = (user.id, Via::Cli);
            Ok(match (grant, had) {
                (true, true) => (format!("{email} already has the {module} module"), None),
                (true, false) => (
                    format!("granted the {module} module to {email}"),
                    Some(Event::ModuleLoaded {
                        user_id,
                        module,
                        via,
                    }),
                ),
                (false, true) => (
                    format!("revoked the {module} module from {email}"),
                    Some(Event::ModuleUnloaded {
                        user_id,
                        module,
                        via,
                    }),
                ),
                (false, false) => (format!("{email} did not have the {module} module"), None),
            })
        })
        .await??;
    println!("{message}");
    if let Some(event) = event {
        announce(&settings, &db_for_audit, event).await;
    }
    // Running servers may hold the account in their principal cache: tell them.
    if settings.redis.url.is_none() {
        println!(
            "running servers see the change within AUTH_CACHE_TTL ({} s)",
            settings.auth.cache_ttl.as_secs()
        );
    }
    Ok(())
}

/// `pinkflow user role EMAIL ROLE`: store the role, write the audit row (the actor is
/// the operator: no account) and tell running servers.
async fn user_role(settings: &Settings, db: &Db, email: &str, role: &str) -> anyhow::Result<()> {
    use pinkflow::domain::Role;
    let role = Role::parse(role)
        .with_context(|| format!("{role:?} is not a role (member, moderator or admin)"))?;
    let email = email.trim().to_lowercase();
    let lookup = email.clone();
    let user = db
        .run(move |c| user_db::find_by_email(c, &lookup))
        .await?
        .with_context(|| format!("no account has the email {email}"))?;
    let from = user.role();
    if from == role {
        println!("{email} is already {}", role.as_str());
        return Ok(());
    }
    let id = user.id;
    db.run(move |c| pinkflow::models::moderation::set_role(c, id, role.as_str()))
        .await?;
    println!("{email} is now {} (was {})", role.as_str(), from.as_str());
    let changed = Event::RoleChanged {
        user_id: id,
        from: from.as_str().into(),
        to: role.as_str().into(),
        actor_id: None,
        via: Via::Cli,
    };
    tell_servers(
        settings,
        db,
        [changed, Event::PrincipalsInvalidated { user_id: Some(id) }],
    )
    .await;
    Ok(())
}

/// Write each event's audit row (this process published it) and, with Redis, send it
/// to running servers.
async fn tell_servers(settings: &Settings, db: &Db, events: impl IntoIterator<Item = Event>) {
    let origin = format!("cli-{}", uuid::Uuid::new_v4().simple());
    for event in events {
        let envelope = Envelope {
            origin: origin.clone(),
            at: pinkflow::db::now(),
            event,
            local: true,
        };
        events::subscribers::write_audit(db, &envelope).await;
        if let Some(url) = &settings.redis.url {
            let channel = events::channel(&settings.cache.key_prefix);
            if let Err(e) = events::fanout::publish_once(url, &channel, &envelope).await {
                eprintln!(
                    "could not send the {} event to running servers ({e:#}); they see the change within AUTH_CACHE_TTL",
                    envelope.event.name()
                );
            }
        }
    }
}

/// A change made here: written to the audit trail (this process published it, so it
/// writes the row) and, with Redis, published to running servers' subscribers.
async fn announce(settings: &Settings, db: &Db, event: Event) {
    let fields = vec!["authorized_modules".to_owned()];
    let user_id = event.user_id().unwrap_or_default();
    let origin = format!("cli-{}", uuid::Uuid::new_v4().simple());
    let updated = Event::UserUpdated {
        user_id,
        fields,
        via: Via::Cli,
    };
    let invalidated = Event::PrincipalsInvalidated {
        user_id: Some(user_id),
    };
    for event in [event, updated, invalidated] {
        let envelope = Envelope {
            origin: origin.clone(),
            at: pinkflow::db::now(),
            event,
            local: true,
        };
        events::subscribers::write_audit(db, &envelope).await;
        if let Some(url) = &settings.redis.url {
            let channel = events::channel(&settings.cache.key_prefix);
            if let Err(e) = events::fanout::publish_once(url, &channel, &envelope).await {
                eprintln!(
                    "could not send the {} event to running servers ({e:#}); they see the change within AUTH_CACHE_TTL",
                    envelope.event.name()
                );
            }
        }
    }
}

async fn mail_status(settings: Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database.url, 1)?;
    let delivery = match settings.mail.smtp_url() {
        Some(_) => "SMTP (SMTP_URL)".to_owned(),
        None => format!(".eml files in {}", settings.mail.outbox_dir.display()),
    };
    print!("{}", pinkflow::mail::status::report(&db, &delivery).await?);
    Ok(())
}

async fn audit(settings: Settings, user: Option<String>, limit: u32) -> anyhow::Result<()> {
    use pinkflow::models::audit as audit_db;
    let db = Db::connect(&settings.database.url, 1)?;
    let limit = i64::from(limit.clamp(1, 10_000));
    let rows = db
        .run(move |c| {
            let user_id = match &user {
                None => None,
                Some(email) => {
                    let email = email.trim().to_lowercase();
                    match user_db::find_by_email(c, &email)? {
                        Some(u) => Some(Some(u.id)),
                        None => return Ok(Err(email)),
                    }
                }
            };
            Ok(Ok(audit_db::recent(c, user_id.flatten(), limit)?))
        })
        .await?
        .map_err(|email| anyhow::anyhow!("no account has the email {email}"))?;
    if rows.is_empty() {
        println!("no audit entries");
        return Ok(());
    }
    for (entry, email) in &rows {
        let who = match (entry.user_id, email) {
            (Some(id), Some(email)) => format!("{email} (#{id})"),
            (Some(id), None) => format!("deleted account #{id}"),
            (None, _) => "-".to_owned(),
        };
        println!(
            "{}  {:<24}  {:<32}  {}",
            entry.occurred_at.format("%Y-%m-%d %H:%M:%S UTC"),
            entry.event,
            who,
            entry.details
        );
    }
    Ok(())
}

async fn seed_search(settings: Settings, videos: usize, cues: usize) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database.url, 2)?;
    db.migrate()?;
    let started = std::time::Instant::now();
    pinkflow::video::bench_seed::seed(&db, videos, cues, |done| {
        if done % 10_000 == 0 || done == videos {
            eprintln!("{done} of {videos} videos");
        }
    })
    .await?;
    println!(
        "seeded {videos} videos and {cues} caption cues in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
