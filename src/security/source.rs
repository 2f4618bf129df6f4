//! [`SourcePolicy`]: which absolute URLs may be fetched, from `ALLOWED_SOURCES`.
//!
//! The list is comma-separated; each entry is a host (`images.example.com`), a label wildcard
//! (`*.example.com`, which matches `a.example.com` and `a.b.example.com` but neither
//! `example.com` nor `evilexample.com`), or an IP literal (`127.0.0.1:9000`, `[::1]:8080`),
//! each with an optional port. An entry without a port allows only 80 and 443.
//! IP literals are never matched by wildcards; a non-public one must be listed with its port.

use std::net::IpAddr;

use url::{Host, Url};

use super::private_net::is_public;
use crate::error::ProxyError;

/// One entry of `ALLOWED_SOURCES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// Exactly this (lower-case) domain name.
    Domain { name: String, port: Option<u16> },
    /// Any domain name with one or more labels in front of `suffix` (stored without `*.`).
    Wildcard { suffix: String, port: Option<u16> },
    /// Exactly this IP address.
    Ip { ip: IpAddr, port: Option<u16> },
}

/// The parsed `ALLOWED_SOURCES` list. The default allows no absolute source at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcePolicy {
    patterns: Vec<HostPattern>,
}

/// Ports an entry without an explicit port allows.
const DEFAULT_PORTS: [u16; 2] = [80, 443];

impl SourcePolicy {
    /// Parses a comma-separated list; an empty list allows nothing.
    pub fn parse(list: &str) -> Result<SourcePolicy, String> {
        let patterns = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(parse_pattern)
            .collect::<Result<_, _>>()?;
        Ok(SourcePolicy { patterns })
    }

    /// Allows the URL or says why not. Used for the source URL and every redirect hop.
    pub fn check(&self, url: &Url) -> Result<(), ProxyError> {
        let refuse = |why: String| Err(ProxyError::SourceNotAllowed(why));
        if !matches!(url.scheme(), "http" | "https") {
            return refuse(format!("scheme {:?} is not allowed", url.scheme()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return refuse("credentials in source URLs are not allowed".into());
        }
        let Some(port) = url.port_or_known_default() else {
            return refuse("the source has no port".into());
        };
        let allowed = match url.host() {
            Some(Host::Domain(name)) => self.allows_domain(name, port),
            Some(Host::Ipv4(ip)) => self.allows_ip(IpAddr::V4(ip), port),
            Some(Host::Ipv6(ip)) => self.allows_ip(IpAddr::V6(ip), port),
            None => false,
        };
        if allowed {
            Ok(())
        } else {
            refuse(format!("host {}:{port} is not in ALLOWED_SOURCES", url.host_str().unwrap_or("")))
        }
    }

    fn allows_domain(&self, name: &str, port: u16) -> bool {
        let name = name.trim_end_matches('.');
        self.patterns.iter().any(|pattern| match pattern {
            HostPattern::Domain { name: allowed, port: p } => allowed == name && port_ok(*p, port),
            HostPattern::Wildcard { suffix, port: p } => {
                name.len() > suffix.len() + 1
                    && name.ends_with(suffix.as_str())
                    && name.as_bytes().get(name.len() - suffix.len() - 1) == Some(&b'.')
                    && port_ok(*p, port)
            }
            HostPattern::Ip { .. } => false,
        })
    }

    fn allows_ip(&self, ip: IpAddr, port: u16) -> bool {
        let ip = canonical_ip(ip);
        self.patterns.iter().any(|pattern| match pattern {
            HostPattern::Ip { ip: allowed, port: listed } if *allowed == ip => match listed {
                Some(listed) => *listed == port,
                // A private address must be listed with its exact port.
                None => is_public(ip) && DEFAULT_PORTS.contains(&port),
            },
            _ => false,
        })
    }
}

fn port_ok(listed: Option<u16>, port: u16) -> bool {
    match listed {
        Some(listed) => listed == port,
        None => DEFAULT_PORTS.contains(&port),
    }
}

/// `::ffff:a.b.c.d` and `a.b.c.d` are the same host; compare them as IPv4.
fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn parse_pattern(entry: &str) -> Result<HostPattern, String> {
    let wildcard = entry.starts_with("*.");
    if entry.get(usize::from(wildcard) * 2..).is_some_and(|rest| rest.contains('*')) {
        return Err(format!("{entry:?}: only a leading '*.' is allowed"));
    }
    // Let the URL parser split host and port, and normalise case and IP spellings exactly as
    // it will for the URLs being checked.
    let spelled = if wildcard { entry.replacen("*.", "wildcard-label.", 1) } else { entry.to_string() };
    let parsed = Url::parse(&format!("http://{spelled}/"))
        .map_err(|e| format!("{entry:?} is not a host[:port] ({e})"))?;
    if parsed.path() != "/" || parsed.query().is_some() || !parsed.username().is_empty() {
        return Err(format!("{entry:?} is not a host[:port]"));
    }
    // The parser drops a port equal to the scheme's default; 80 was still written down.
    let port = parsed.port().or_else(|| entry.ends_with(":80").then_some(80));
    match parsed.host() {
        Some(Host::Ipv4(ip)) => Ok(HostPattern::Ip { ip: IpAddr::V4(ip), port }),
        Some(Host::Ipv6(ip)) => Ok(HostPattern::Ip { ip: canonical_ip(IpAddr::V6(ip)), port }),
        Some(Host::Domain(name)) => match name.strip_prefix("wildcard-label.") {
            Some(suffix) if wildcard => Ok(HostPattern::Wildcard { suffix: suffix.to_string(), port }),
            _ => Ok(HostPattern::Domain { name: name.trim_end_matches('.').to_string(), port }),
        },
        None => Err(format!("{entry:?} has no host")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(list: &str) -> SourcePolicy {
        SourcePolicy::parse(list).expect("valid list")
    }

    fn allowed(policy: &SourcePolicy, url: &str) -> bool {
        policy.check(&Url::parse(url).expect("url")).is_ok()
    }

    #[test]
    fn exact_hosts_on_default_ports() {
        let p = policy("images.example.com");
        assert!(allowed(&p, "https://images.example.com/a.jpg"));
        assert!(allowed(&p, "http://IMAGES.example.com/a.jpg"));
        assert!(!allowed(&p, "https://images.example.com:8443/a.jpg"));
        assert!(!allowed(&p, "https://other.example.com/a.jpg"));
        assert!(!allowed(&p, "https://example.com/a.jpg"));
    }

    #[test]
    fn wildcards_match_whole_labels_only() {
        let p = policy("*.example.com");
        assert!(allowed(&p, "https://a.example.com/x"));
        assert!(allowed(&p, "https://a.b.example.com/x"));
        assert!(!allowed(&p, "https://example.com/x"));
        assert!(!allowed(&p, "https://evilexample.com/x"));
        assert!(!allowed(&p, "https://example.com.evil.net/x"));
    }

    #[test]
    fn listed_ports_are_exact() {
        let p = policy("cdn.example.com:8080");
        assert!(allowed(&p, "http://cdn.example.com:8080/x"));
        assert!(!allowed(&p, "http://cdn.example.com/x"));
    }

    #[test]
    fn private_ips_need_an_exact_host_and_port() {
        let p = policy("127.0.0.1:9000, *.example.com, 10.0.0.1");
        assert!(allowed(&p, "http://127.0.0.1:9000/x"));
        assert!(!allowed(&p, "http://127.0.0.1:9001/x"));
        assert!(!allowed(&p, "http://127.0.0.2:9000/x"));
        assert!(!allowed(&p, "http://10.0.0.1/x"), "a private IP without a port is never enough");
        assert!(!allowed(&p, "http://169.254.169.254/latest/meta-data"));
        assert!(!allowed(&p, "http://[::ffff:169.254.169.254]/"));
    }

    #[test]
    fn ip_spellings_are_normalised_before_matching() {
        let p = policy("*.example.com, example.com");
        // Decimal, hex and octal spellings of 127.0.0.1 and the metadata address.
        for url in ["http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://2852039166/"] {
            assert!(!allowed(&p, url), "{url}");
        }
        let listed = policy("127.0.0.1:80");
        assert!(allowed(&listed, "http://2130706433/"), "the same address, spelled in decimal");
        assert!(allowed(&listed, "http://[::ffff:127.0.0.1]/"), "the same address, IPv4-mapped");
    }

    #[test]
    fn schemes_and_credentials_are_refused() {
        let p = policy("example.com");
        assert!(!allowed(&p, "ftp://example.com/x"));
        assert!(!allowed(&p, "file:///etc/passwd"));
        assert!(!allowed(&p, "https://user:pw@example.com/x"));
    }

    #[test]
    fn an_empty_policy_allows_nothing() {
        assert!(!allowed(&SourcePolicy::default(), "https://example.com/x"));
    }

    #[test]
    fn bad_entries_are_reported() {
        assert!(SourcePolicy::parse("exa mple.com").is_err());
        assert!(SourcePolicy::parse("a.*.example.com").is_err());
        assert!(SourcePolicy::parse("example.com/path").is_err());
    }
}
