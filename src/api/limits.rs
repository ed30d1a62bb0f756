//! Limits on what one client may do: who the client is (its address, or the address a trusted
//! reverse proxy forwarded), how many sockets it may hold open, and how often it may register
//! a team through the public form (docs/security.md).

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Limits;
use crate::error::ApiError;

/// How the server tells clients apart.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddresses {
    /// Believe `X-Forwarded-For` (its last entry, the one our own proxy appended). Only safe
    /// when every request comes through that proxy: otherwise a client picks its own address.
    pub trust_forwarded_for: bool,
}

impl ClientAddresses {
    /// The client's address, `None` when it cannot be told (no peer, as in unit tests).
    pub fn of(&self, req: &HttpRequest) -> Option<IpAddr> {
        if self.trust_forwarded_for {
            let forwarded = req
                .headers()
                .get_all("x-forwarded-for")
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
                .last();
            if forwarded.is_some() {
                return forwarded;
            }
        }
        req.peer_addr().map(|addr| addr.ip())
    }

    /// The address as a throttle key (empty when unknown: all such clients share one budget).
    pub fn key(&self, req: &HttpRequest) -> String {
        self.of(req).map(|ip| ip.to_string()).unwrap_or_default()
    }
}

/// A keyed rate limiter whose memory is bounded: keys whose budget has refilled are swept out
/// every [`SWEEP_EVERY`] checks, and once `max_keys` are held even after a sweep, a check for
/// any key is refused until old keys expire (a flood of distinct keys must not grow the map).
pub struct BoundedLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
    max_keys: usize,
    checks: AtomicU32,
}

const SWEEP_EVERY: u32 = 1024;

impl BoundedLimiter {
    pub fn new(quota: Quota, max_keys: usize) -> Self {
        Self {
            limiter: RateLimiter::keyed(quota),
            max_keys,
            checks: AtomicU32::new(0),
        }
    }

    /// Spends one cell of `key`'s budget; `Err` holds how long until one is available.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        if self.limiter.len() >= self.max_keys {
            self.sweep();
            if self.limiter.len() >= self.max_keys {
                return Err(Duration::from_secs(1));
            }
        }
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(now))
    }

    /// Forgets the keys whose budget is full again (they behave as if never seen).
    pub fn sweep(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.limiter.len()
    }

    pub fn is_empty(&self) -> bool {
        self.limiter.is_empty()
    }
}

type OpenSockets = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// Counts the open sockets per client address and refuses one more past the limit.
#[derive(Clone)]
pub struct SocketLimiter {
    max_per_address: usize,
    open: OpenSockets,
}

/// One open socket, counted until it is dropped (the session holds it for its lifetime).
pub struct SocketPermit {
    slot: Option<(IpAddr, OpenSockets)>,
}

impl SocketLimiter {
    /// `max_per_address == 0` turns the limit off.
    pub fn new(max_per_address: usize) -> Self {
        Self {
            max_per_address,
            open: Arc::default(),
        }
    }

    /// A permit for one more socket from `address`. Loopback peers (a proxy on this machine
    /// that did not forward the address, the load generator) are not limited: they stand for
    /// many clients at once.
    pub fn acquire(&self, address: Option<IpAddr>) -> Result<SocketPermit, ApiError> {
        let address = match address {
            Some(ip) if self.max_per_address > 0 && !ip.is_loopback() => ip,
            _ => return Ok(SocketPermit { slot: None }),
        };
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(address).or_insert(0);
        if *count >= self.max_per_address {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "socket.too_many",
                format!(
                    "This address already has {} live connections open; close one first.",
                    self.max_per_address
                ),
            )
            .retry_after(10));
        }
        *count += 1;
        Ok(SocketPermit {
            slot: Some((address, self.open.clone())),
        })
    }
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        if let Some((address, open)) = self.slot.take() {
            let mut open = open.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(count) = open.get_mut(&address) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    open.remove(&address);
                }
            }
        }
    }
}

/// Public self-registration: a budget per client address that refills over the hour, so a
/// script cannot flood a contest with pending teams while a school registering its teams from
/// one address is not held up.
pub struct RegistrationThrottle {
    per_address: Option<BoundedLimiter>,
}

/// How many client addresses a throttle remembers at most.
pub const MAX_THROTTLE_KEYS: usize = 100_000;

impl RegistrationThrottle {
    pub fn new(per_hour: u32) -> Self {
        Self {
            per_address: NonZeroU32::new(per_hour)
                .map(|n| BoundedLimiter::new(Quota::per_hour(n), MAX_THROTTLE_KEYS)),
        }
    }

    pub fn check(&self, address: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.per_address else {
            return Ok(());
        };
        match limiter.check(address) {
            Ok(()) => Ok(()),
            Err(wait) => {
                let wait = wait.as_secs().max(1);
                Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "registration.rate_limited",
                    format!(
                        "Too many registrations from this address; try again in {wait} seconds."
                    ),
                )
                .retry_after(wait))
            }
        }
    }
}

impl From<&Limits> for RegistrationThrottle {
    fn from(limits: &Limits) -> Self {
        Self::new(limits.registrations_per_hour)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permit_frees_its_slot_when_dropped() {
        let limiter = SocketLimiter::new(2);
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let first = limiter.acquire(Some(ip)).unwrap();
        let _second = limiter.acquire(Some(ip)).unwrap();
        let refused = limiter.acquire(Some(ip)).err().unwrap();
        assert_eq!(refused.code(), "socket.too_many");
        assert!(limiter
            .acquire(Some("203.0.113.8".parse().unwrap()))
            .is_ok());
        drop(first);
        assert!(limiter.acquire(Some(ip)).is_ok());
    }

    #[test]
    fn loopback_and_a_zero_limit_are_not_counted() {
        let limiter = SocketLimiter::new(1);
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let _a = limiter.acquire(Some(local)).unwrap();
        assert!(limiter.acquire(Some(local)).is_ok());
        let off = SocketLimiter::new(0);
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let _b = off.acquire(Some(ip)).unwrap();
        assert!(off.acquire(Some(ip)).is_ok());
    }

    #[test]
    fn a_bounded_limiter_holds_no_more_keys_than_its_cap() {
        let limiter = BoundedLimiter::new(Quota::per_hour(NonZeroU32::MIN), 50);
        let refused = (0..500)
            .filter(|n| limiter.check(&format!("key-{n}")).is_err())
            .count();
        assert_eq!(limiter.len(), 50);
        assert_eq!(refused, 450);
    }

    #[test]
    fn a_sweep_forgets_keys_whose_budget_has_refilled() {
        let limiter =
            BoundedLimiter::new(Quota::with_period(Duration::from_millis(1)).unwrap(), 1_000);
        for n in 0..100 {
            limiter.check(&format!("key-{n}")).unwrap();
        }
        assert_eq!(limiter.len(), 100);
        std::thread::sleep(Duration::from_millis(20));
        limiter.sweep();
        assert!(limiter.is_empty());
    }

    #[test]
    fn registrations_past_the_budget_are_refused_with_a_wait() {
        let throttle = RegistrationThrottle::new(2);
        assert!(throttle.check("203.0.113.7").is_ok());
        assert!(throttle.check("203.0.113.7").is_ok());
        let refused = throttle.check("203.0.113.7").unwrap_err();
        assert_eq!(refused.code(), "registration.rate_limited");
        assert!(refused.retry_after_seconds().is_some_and(|s| s >= 1));
        assert!(throttle.check("203.0.113.8").is_ok());
    }
}
