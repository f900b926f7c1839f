//! What the "where you are signed in" list says about a sign-in: the device in words
//! (browser and system, read from the User-Agent, e.g. "Firefox on Linux") and an
//! approximate place (the network prefix of the address: /24 for IPv4, /48 for IPv6;
//! the full address is never kept).

use std::net::IpAddr;

/// The browser and system named by a User-Agent, in words. Anything not recognised
/// reads as "Unknown browser" / "an unknown system"; a program that says only its own
/// name (curl/8.0) is named by it.
pub fn describe(user_agent: &str) -> String {
    let ua = user_agent.trim();
    if ua.is_empty() {
        return "Unknown device".to_owned();
    }
    let browser = browser(ua);
    match system(ua) {
        Some(os) => format!("{browser} on {os}"),
        None => browser,
    }
}

/// The browser, by the tokens that tell the engines apart (order matters: Edge and
/// Opera also say "Chrome", Chrome also says "Safari").
fn browser(ua: &str) -> String {
    const BROWSERS: &[(&str, &str)] = &[
        ("Edg/", "Edge"),
        ("EdgA/", "Edge"),
        ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("HeadlessChrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ];
    if let Some((_, name)) = BROWSERS.iter().find(|(token, _)| ua.contains(token)) {
        return (*name).to_owned();
    }
    // A program naming itself: "curl/8.5.0", "okhttp/4.12", "PinkFlowApp/1.0 (…)".
    let first = ua.split([' ', '(']).next().unwrap_or("");
    match first.split_once('/') {
        Some((name, _)) if !name.is_empty() && name != "Mozilla" && name.len() <= 40 => {
            name.to_owned()
        }
        _ => "Unknown browser".to_owned(),
    }
}

/// The operating system, when the User-Agent names one.
fn system(ua: &str) -> Option<&'static str> {
    const SYSTEMS: &[(&str, &str)] = &[
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("CrOS", "ChromeOS"),
        ("Windows", "Windows"),
        ("Macintosh", "macOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
        ("FreeBSD", "FreeBSD"),
    ];
    SYSTEMS
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map(|(_, name)| *name)
}

/// The network an address belongs to, never the address: `203.0.113.0/24`,
/// `2001:db8:1234::/48`. An IPv4 address mapped into IPv6 counts as IPv4.
pub fn place(ip: Option<IpAddr>) -> String {
    let ip = ip.map(|ip| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    });
    match ip {
        Some(IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0);
            format!("{net}/48")
        }
        None => "Unknown network".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_user_agents_read_as_browser_on_system() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "Chrome on Windows",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
                "Samsung Internet on Android",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/114.0.0.0",
                "Opera on ChromeOS",
            ),
            ("curl/8.5.0", "curl"),
            ("", "Unknown device"),
            ("Mozilla/5.0", "Unknown browser"),
        ];
        for (ua, want) in cases {
            assert_eq!(describe(ua), want, "{ua}");
        }
    }

    #[test]
    fn places_are_network_prefixes_never_addresses() {
        let p = |s: &str| place(Some(s.parse().unwrap()));
        assert_eq!(p("203.0.113.77"), "203.0.113.0/24");
        assert_eq!(p("2001:db8:1234:5678::9"), "2001:db8:1234::/48");
        assert_eq!(p("::ffff:198.51.100.9"), "198.51.100.0/24");
        assert_eq!(p("127.0.0.1"), "127.0.0.0/24");
        assert_eq!(place(None), "Unknown network");
    }
}
