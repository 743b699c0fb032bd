//! Time for the engine: real by default, virtual in tests, faster for demos.

use crate::domain::Timestamp;
use chrono::Utc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Utc::now()
    }
}

/// A clock that moves only when told: deterministic tests.
#[derive(Clone, Debug)]
pub struct VirtualClock {
    now: Arc<Mutex<Timestamp>>,
}

impl VirtualClock {
    pub fn starting_at(start: Timestamp) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().expect("clock lock");
        *now += chrono::Duration::from_std(by).expect("duration in range");
    }

    pub fn set(&self, to: Timestamp) {
        *self.now.lock().expect("clock lock") = to;
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().expect("clock lock")
    }
}

/// Real time run `speed` times faster from the moment it was made (`--speed N`).
#[derive(Clone, Debug)]
pub struct ScaledClock {
    origin_real: Instant,
    origin: Timestamp,
    speed: f64,
}

impl ScaledClock {
    pub fn new(speed: f64) -> Self {
        Self {
            origin_real: Instant::now(),
            origin: Utc::now(),
            speed: speed.max(0.0),
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> Timestamp {
        let elapsed = self.origin_real.elapsed().as_secs_f64() * self.speed;
        self.origin + chrono::Duration::milliseconds((elapsed * 1000.0) as i64)
    }
}

/// A clock chosen at run time.
pub type SharedClock = Arc<dyn Clock>;
