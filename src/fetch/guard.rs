//! The address guard for article links: they come from the network, so a link must not make
//! newshound reach loopback, private, link-local or otherwise internal addresses unless the
//! user allowed it. The check sits in the DNS resolver, so the address checked is the address
//! connected to (no DNS-rebinding window); IP-literal hosts and the connected peer are checked too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::Url;

use super::FetchError;

/// True for addresses that article links may reach: not loopback, private, link-local,
/// unspecified, shared (CGNAT), multicast, broadcast or documentation ranges.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8)
}

pub(super) fn refuse_private_literal(url: &Url) -> Result<(), FetchError> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    if is_public_address(ip) {
        Ok(())
    } else {
        Err(FetchError::Refused {
            url: url.clone(),
            reason: format!("address {ip} is not public (allow_private_networks is off)"),
        })
    }
}

pub(super) fn refuse_private_peer(url: &Url, peer: Option<SocketAddr>) -> Result<(), FetchError> {
    match peer {
        Some(addr) if !is_public_address(addr.ip()) => Err(FetchError::Refused {
            url: url.clone(),
            reason: format!(
                "connected address {} is not public (allow_private_networks is off)",
                addr.ip()
            ),
        }),
        _ => Ok(()),
    }
}

/// Raised by the guarded resolver when every address of a host is non-public.
#[derive(Debug, thiserror::Error)]
#[error("host {host} resolves to {address}, which is not public (allow_private_networks is off)")]
pub(super) struct RefusedAddress {
    host: String,
    address: IpAddr,
}

/// Resolves names with the system resolver and drops non-public addresses, so that reqwest can
/// only connect to public ones.
pub(super) struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|a| is_public_address(a.ip()))
                .collect();
            match (public.is_empty(), resolved.first()) {
                (true, Some(first)) => Err(Box::new(RefusedAddress {
                    host,
                    address: first.ip(),
                })
                    as Box<dyn std::error::Error + Send + Sync>),
                _ => Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Addresses inside the machine or its LAN must never be reachable from an article link.
    #[test]
    fn private_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public_address(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(is_public_address(ip.parse().unwrap()), "{ip}");
        }
    }
}
