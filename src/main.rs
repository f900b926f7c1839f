use clap::{Parser, Subcommand};
use pinkflow::config::Settings;
use pinkflow::db::Db;
use pinkflow::startup::Application;

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
