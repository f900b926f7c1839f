//! Per-client-IP rate limits with actix-governor. The client IP is the peer address,
//! or, when the peer is a trusted proxy, the nearest untrusted hop of `X-Forwarded-For`.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::{
    GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
};
use actix_web::dev::ServiceRequest;
use actix_web::http::header::HeaderMap;
use actix_web::{HttpResponse, HttpResponseBuilder};
use ipnet::IpNet;

use crate::config::{RateLimit, Settings};
use crate::error::ApiError;

/// Work out the client address from the peer and, for trusted proxies only,
/// `X-Forwarded-For` (read right to left, skipping trusted hops).
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    hops.iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(hops.first())
        .copied()
        .or(Some(peer))
}

#[derive(Clone)]
pub struct ClientIpKey {
    trusted: Arc<Vec<IpNet>>,
}

impl ClientIpKey {
    pub fn new(trusted: Vec<IpNet>) -> Self {
        ClientIpKey {
            trusted: Arc::new(trusted),
        }
    }
}

impl KeyExtractor for ClientIpKey {
    type Key = IpAddr;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<IpAddr, Self::KeyExtractionError> {
        Ok(client_ip(
            req.peer_addr().map(|a| a.ip()),
            req.headers(),
            &self.trusted,
        )
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        _response: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = negative.wait_time_from(DefaultClock::default().now());
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::too_many_requests(secs.max(1)).to_response()
    }
}

pub type IpGovernorConfig = GovernorConfig<ClientIpKey, NoOpMiddleware<QuantaInstant>>;

fn governor(limit: &RateLimit, key: &ClientIpKey) -> anyhow::Result<IpGovernorConfig> {
    GovernorConfigBuilder::default()
        .period(limit.replenish_interval())
        .burst_size(limit.count)
        .key_extractor(key.clone())
        .finish()
        .ok_or_else(|| anyhow::anyhow!("invalid rate limit {limit}"))
}

/// The limiters, built once per process and shared by all workers.
#[derive(Clone)]
pub struct RateLimiters {
    pub register: IpGovernorConfig,
    pub login: IpGovernorConfig,
    pub refresh: IpGovernorConfig,
    pub api: IpGovernorConfig,
    pub password_reset: IpGovernorConfig,
}

impl RateLimiters {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let key = ClientIpKey::new(settings.http.trusted_proxies.clone());
        Ok(RateLimiters {
            register: governor(&settings.rate_limits.register, &key)?,
            login: governor(&settings.rate_limits.login, &key)?,
            refresh: governor(&settings.rate_limits.refresh, &key)?,
            api: governor(&settings.rate_limits.api, &key)?,
            password_reset: governor(&settings.rate_limits.password_reset, &key)?,
        })
    }

    /// Forget clients whose quota has fully recovered (bounds memory).
    pub fn retain_recent(&self) {
        for config in [
            &self.register,
            &self.login,
            &self.refresh,
            &self.api,
            &self.password_reset,
        ] {
            let limiter = config.limiter();
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_str(xff).unwrap(),
        );
        h
    }

    #[test]
    fn forwarded_for_is_only_believed_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers("203.0.113.9, 10.0.0.7");
        assert_eq!(
            client_ip(Some(proxy), &h, &trusted),
            Some("203.0.113.9".parse().unwrap())
        );
        // An untrusted peer cannot choose its own address.
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(client_ip(Some(stranger), &h, &trusted), Some(stranger));
        // A spoofed left-most entry does not win over the nearest untrusted hop.
        let h = headers("1.2.3.4, 203.0.113.9");
        assert_eq!(
            client_ip(Some(proxy), &h, &trusted),
            Some("203.0.113.9".parse().unwrap())
        );
        // No header: the proxy itself.
        assert_eq!(
            client_ip(Some(proxy), &HeaderMap::new(), &trusted),
            Some(proxy)
        );
        assert_eq!(
            client_ip(Some(proxy), &headers("garbage"), &trusted),
            Some(proxy)
        );
    }
}
