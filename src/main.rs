use anyhow::Context;
use clap::{Parser, Subcommand};
use pinkflow::config::Settings;
use pinkflow::db::Db;
use pinkflow::events::EventBus;
use pinkflow::models::user as user_db;
use pinkflow::startup::Application;
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
}

#[derive(Subcommand)]
enum UserCommand {
    /// Let an account use a module (e.g. `video` for uploads).
    Grant { email: String, module: String },
    /// Take a module away from an account.
    Revoke { email: String, module: String },
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
    pinkflow::telemetry::init(settings.log_format);
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => migrate(settings).await,
        Command::Worker => worker(settings).await,
        Command::User { command } => user(settings, command).await,
    };
    if let Err(e) = result {
        tracing::error!("{e:#}");
        eprintln!("pinkflow: {e:#}");
        std::process::exit(1);
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let (env, db) = (settings.app_env, settings.database_url.redacted());
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), environment = ?env, database = %db, "PinkFlow is ready");
    app.run_until_stopped().await?;
    tracing::info!("PinkFlow stopped");
    Ok(())
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url, 1)?;
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
    let db = Db::connect(&settings.database_url, settings.database_pool_size)?;
    let storage = Storage::new(&settings.video_upload_folder);
    storage.ensure_dirs().with_context(|| {
        format!(
            "cannot create the video folders under VIDEO_UPLOAD_FOLDER={}",
            settings.video_upload_folder.display()
        )
    })?;
    pinkflow::video::media::init();
    let concurrency = settings.video.worker_concurrency;
    let service = VideoService::new(db, storage, settings.video.clone(), EventBus::default());
    tracing::info!(
        concurrency,
        database = %settings.database_url.redacted(),
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
    let db = Db::connect(&settings.database_url, 1)?;
    let (email, module, grant) = match command {
        UserCommand::Grant { email, module } => (email, module, true),
        UserCommand::Revoke { email, module } => (email, module, false),
    };
    let module = valid_module(&module)?;
    let email = email.trim().to_lowercase();
    let message = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
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
        Ok(match (grant, had) {
            (true, true) => format!("{email} already has the {module} module"),
            (true, false) => format!("granted the {module} module to {email}"),
            (false, true) => format!("revoked the {module} module from {email}"),
            (false, false) => format!("{email} did not have the {module} module"),
        })
    })
    .await??;
    println!("{message}");
    // Running servers may hold the account in their principal cache: tell them.
    match &settings.redis_url {
        Some(url) => {
            if let Err(e) = pinkflow::auth::fanout::publish_once(url).await {
                eprintln!(
                    "could not notify running servers through Redis ({e:#}); they see the change within AUTH_CACHE_TTL"
                );
            }
        }
        None => println!(
            "running servers see the change within AUTH_CACHE_TTL ({} s)",
            settings.auth_cache_ttl.as_secs()
        ),
    }
    Ok(())
}
