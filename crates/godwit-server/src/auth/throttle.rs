//! Per-address sign-in throttling, in memory. Account lockout after repeated
//! failures lives in the database, so it holds across server processes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    per_minute: u32,
    windows: Mutex<HashMap<Option<IpAddr>, (Instant, u32)>>,
}

impl Throttle {
    pub fn new(per_minute: u32) -> Self {
        Throttle { per_minute, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt from `addr`; false when the address is over its budget.
    pub fn allow(&self, addr: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let Ok(mut windows) = self.windows.lock() else { return false };
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = windows.entry(addr).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_minute
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_address_over_budget_is_refused_and_others_are_not() {
        let throttle = super::Throttle::new(3);
        let a = Some("10.0.0.1".parse().unwrap_or(std::net::IpAddr::from([0, 0, 0, 0])));
        assert!((0..3).all(|_| throttle.allow(a)));
        assert!(!throttle.allow(a));
        assert!(throttle.allow(None));
    }
}
