//! The HTTP server: where it listens, how many workers it runs, which proxies it
//! trusts for the client address, and which origins may call the API cross-site.

use std::net::IpAddr;

use ipnet::IpNet;

use super::ConfigError;
use super::env::{Env, err};

/// `HOST`, `PORT`, `WORKERS`, `TRUSTED_PROXIES`, `CORS_ALLOWED_ORIGINS`.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// An IP address or `localhost` (`HOST`, default 127.0.0.1).
    pub host: String,
    /// `PORT`, default 8080 (0: any free port).
    pub port: u16,
    /// actix worker threads (`WORKERS`, default: one per CPU).
    pub workers: usize,
    /// Proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`, addresses or CIDR).
    pub trusted_proxies: Vec<IpNet>,
    /// Origins allowed by CORS (`CORS_ALLOWED_ORIGINS`; empty: CORS off).
    pub cors_allowed_origins: Vec<String>,
}

impl HttpSettings {
    pub(crate) fn load(env: &Env<'_>, cpus: usize) -> Result<Self, ConfigError> {
        let host = env.get("HOST").unwrap_or_else(|| "127.0.0.1".into());
        if host.parse::<IpAddr>().is_err() && host != "localhost" {
            return Err(err("HOST", format!("{host:?} is not an IP address")));
        }
        let port = env.parsed_or("PORT", 8080u16, "must be a port number from 0 to 65535")?;
        let workers = env.number("WORKERS", cpus, 1..=256)?;
        let trusted_proxies = env.list("TRUSTED_PROXIES", Vec::new(), parse_proxy)?;
        let cors_allowed_origins = env.list("CORS_ALLOWED_ORIGINS", Vec::new(), parse_origin)?;
        Ok(HttpSettings {
            host,
            port,
            workers,
            trusted_proxies,
            cors_allowed_origins,
        })
    }
}

fn parse_proxy(item: &str) -> Result<IpNet, String> {
    item.parse::<IpNet>()
        .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{item:?} is not an IP address or CIDR range"))
}

fn parse_origin(origin: &str) -> Result<String, String> {
    let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
        && !origin.ends_with('/')
        && origin != "*";
    if ok {
        Ok(origin.to_owned())
    } else {
        Err(format!(
            "{origin:?} is not an origin; use scheme://host[:port] without a trailing slash"
        ))
    }
}
