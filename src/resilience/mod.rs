//! Circuit breakers around external dependencies (Redis today; outbound HTTP later).
//!
//! closed → open after `failure_threshold` *consecutive* failures → half-open once
//! `recovery_timeout` has passed since it opened (one trial call at a time) → closed on
//! the trial's success, open again on its failure. While open, calls fail fast and the
//! caller uses its in-process or database fallback. Every transition is logged once.
//!
//! The clock is injectable so the state machine is tested without sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A source of monotonic time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Instant;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub const ALL: [BreakerState; 3] = [
        BreakerState::Closed,
        BreakerState::Open,
        BreakerState::HalfOpen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// The call was refused without trying: the breaker is open (or a half-open trial is
/// already running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("circuit breaker {0} is open: dependency unavailable")]
pub struct BreakerOpen(pub &'static str);

/// Error of [`CircuitBreaker::call`].
#[derive(Debug, thiserror::Error)]
pub enum CallError<E> {
    #[error(transparent)]
    Open(#[from] BreakerOpen),
    #[error(transparent)]
    Failed(E),
}

/// A snapshot for metrics and readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSnapshot {
    pub state: BreakerState,
    pub consecutive_failures: u32,
    /// How many times the breaker has opened since start-up.
    pub opened_total: u64,
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    consecutive_failures: u32,
    opened_at: Option<Instant>,
    /// When the running half-open trial started.
    trial_started: Option<Instant>,
}

pub struct CircuitBreaker {
    name: &'static str,
    failure_threshold: u32,
    recovery_timeout: Duration,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
    opened_total: AtomicU64,
}

impl std::fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("name", &self.name)
            .field("snapshot", &self.snapshot())
            .finish()
    }
}

/// Permission to make one call; report how it went with [`Permit::success`] or
/// [`Permit::failure`]. A half-open trial permit dropped without a report (the call was
/// cancelled) counts as a failure, so the breaker never waits forever for a trial.
#[must_use = "report the outcome with success() or failure()"]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    reported: bool,
}

impl Permit<'_> {
    pub fn success(mut self) {
        self.reported = true;
        self.breaker.on_success(self.trial);
    }

    pub fn failure(mut self) {
        self.reported = true;
        self.breaker.on_failure(self.trial);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.reported && self.trial {
            self.breaker.on_failure(true);
        }
    }
}

impl CircuitBreaker {
    pub fn new(name: &'static str, failure_threshold: u32, recovery_timeout: Duration) -> Self {
        Self::with_clock(
            name,
            failure_threshold,
            recovery_timeout,
            Arc::new(SystemClock),
        )
    }

    pub fn with_clock(
        name: &'static str,
        failure_threshold: u32,
        recovery_timeout: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        CircuitBreaker {
            name,
            failure_threshold: failure_threshold.max(1),
            recovery_timeout,
            clock,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                consecutive_failures: 0,
                opened_at: None,
                trial_started: None,
            }),
            opened_total: AtomicU64::new(0),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the state inconsistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ask to make a call. Closed: yes. Open: no, unless the recovery timeout has
    /// passed, in which case this caller makes the half-open trial. Half-open: no while
    /// the trial runs (a trial that outlives the recovery timeout is presumed lost).
    pub fn try_acquire(&self) -> Result<Permit<'_>, BreakerOpen> {
        let now = self.clock.now();
        let mut inner = self.lock();
        let trial = match inner.state {
            BreakerState::Closed => false,
            BreakerState::Open => {
                let since = inner.opened_at.map_or(Duration::MAX, |t| now - t);
                if since < self.recovery_timeout {
                    return Err(BreakerOpen(self.name));
                }
                inner.state = BreakerState::HalfOpen;
                tracing::info!(
                    dependency = self.name,
                    "circuit breaker half-open: trying one call"
                );
                true
            }
            BreakerState::HalfOpen => {
                let stale = inner
                    .trial_started
                    .is_none_or(|t| now - t >= self.recovery_timeout);
                if !stale {
                    return Err(BreakerOpen(self.name));
                }
                true
            }
        };
        if trial {
            inner.trial_started = Some(now);
        }
        Ok(Permit {
            breaker: self,
            trial,
            reported: false,
        })
    }

    /// Run `fut` under the breaker: refused at once while open, its outcome recorded.
    pub async fn call<T, E, F>(&self, fut: F) -> Result<T, CallError<E>>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        let permit = self.try_acquire()?;
        match fut.await {
            Ok(v) => {
                permit.success();
                Ok(v)
            }
            Err(e) => {
                permit.failure();
                Err(CallError::Failed(e))
            }
        }
    }

    fn on_success(&self, trial: bool) {
        let mut inner = self.lock();
        inner.consecutive_failures = 0;
        if trial || inner.state != BreakerState::Closed {
            if inner.state != BreakerState::Closed {
                tracing::info!(
                    dependency = self.name,
                    "circuit breaker closed: dependency recovered"
                );
            }
            inner.state = BreakerState::Closed;
            inner.opened_at = None;
            inner.trial_started = None;
        }
    }

    fn on_failure(&self, trial: bool) {
        let now = self.clock.now();
        let mut inner = self.lock();
        inner.consecutive_failures = inner.consecutive_failures.saturating_add(1);
        match inner.state {
            BreakerState::HalfOpen if trial => {
                inner.state = BreakerState::Open;
                inner.opened_at = Some(now);
                inner.trial_started = None;
                self.opened_total.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    dependency = self.name,
                    retry_in_s = self.recovery_timeout.as_secs_f64(),
                    "circuit breaker re-opened: the trial call failed"
                );
            }
            BreakerState::Closed if inner.consecutive_failures >= self.failure_threshold => {
                inner.state = BreakerState::Open;
                inner.opened_at = Some(now);
                self.opened_total.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    dependency = self.name,
                    failures = inner.consecutive_failures,
                    retry_in_s = self.recovery_timeout.as_secs_f64(),
                    "circuit breaker opened: failing fast to the fallback"
                );
            }
            // Late reports of calls that started before the breaker opened change nothing.
            _ => {}
        }
    }

    /// Back to closed with no failures counted.
    pub fn reset(&self) {
        let mut inner = self.lock();
        if inner.state != BreakerState::Closed {
            tracing::info!(dependency = self.name, "circuit breaker reset to closed");
        }
        inner.state = BreakerState::Closed;
        inner.consecutive_failures = 0;
        inner.opened_at = None;
        inner.trial_started = None;
    }

    pub fn state(&self) -> BreakerState {
        self.lock().state
    }

    /// True while calls are refused (open and not yet due for a trial).
    pub fn is_open(&self) -> bool {
        let inner = self.lock();
        inner.state == BreakerState::Open
            && inner
                .opened_at
                .is_some_and(|t| self.clock.now() - t < self.recovery_timeout)
    }

    pub fn snapshot(&self) -> BreakerSnapshot {
        let inner = self.lock();
        BreakerSnapshot {
            state: inner.state,
            consecutive_failures: inner.consecutive_failures,
            opened_total: self.opened_total.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock the test moves by hand.
    #[derive(Default)]
    struct ManualClock {
        base: Option<Instant>,
        offset: Mutex<Duration>,
    }

    impl ManualClock {
        fn new() -> Arc<Self> {
            Arc::new(ManualClock {
                base: Some(Instant::now()),
                offset: Mutex::new(Duration::ZERO),
            })
        }
        fn advance(&self, d: Duration) {
            *self.offset.lock().unwrap() += d;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            self.base.unwrap() + *self.offset.lock().unwrap()
        }
    }

    fn breaker(threshold: u32, recovery_s: u64) -> (CircuitBreaker, Arc<ManualClock>) {
        let clock = ManualClock::new();
        let b = CircuitBreaker::with_clock(
            "test",
            threshold,
            Duration::from_secs(recovery_s),
            clock.clone(),
        );
        (b, clock)
    }

    fn ok(b: &CircuitBreaker) -> Result<&'static str, CallError<&'static str>> {
        futures_util::FutureExt::now_or_never(b.call(async { Ok("success") })).unwrap()
    }

    fn fail(b: &CircuitBreaker) -> Result<&'static str, CallError<&'static str>> {
        futures_util::FutureExt::now_or_never(b.call(async { Err("Service unavailable") })).unwrap()
    }

    #[test]
    fn closed_breaker_passes_calls_through() {
        let (b, _) = breaker(3, 1);
        assert_eq!(ok(&b).unwrap(), "success");
        assert_eq!(b.state(), BreakerState::Closed);
        let s = b.snapshot();
        assert_eq!((s.consecutive_failures, s.opened_total), (0, 0));
    }

    #[test]
    fn threshold_of_consecutive_failures_opens_and_open_fails_fast() {
        let (b, _) = breaker(3, 60);
        for _ in 0..3 {
            assert!(matches!(
                fail(&b),
                Err(CallError::Failed("Service unavailable"))
            ));
        }
        assert_eq!(b.state(), BreakerState::Open);
        assert!(b.is_open());
        // The dependency is not called at all while open.
        let mut called = false;
        let r: Result<(), CallError<()>> = futures_util::FutureExt::now_or_never(b.call(async {
            called = true;
            Ok(())
        }))
        .unwrap();
        assert!(matches!(r, Err(CallError::Open(BreakerOpen("test")))));
        assert!(!called);
        assert_eq!(b.snapshot().opened_total, 1);
    }

    #[test]
    fn failures_must_be_consecutive() {
        // The original counted cumulatively: fail, ok, fail, ok, fail opened it.
        let (b, _) = breaker(3, 60);
        for _ in 0..5 {
            let _ = fail(&b);
            let _ = ok(&b);
        }
        assert_eq!(b.state(), BreakerState::Closed);
        let _ = fail(&b);
        let _ = fail(&b);
        assert_eq!(b.state(), BreakerState::Closed);
        let _ = fail(&b);
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[test]
    fn half_open_success_closes() {
        let (b, clock) = breaker(2, 1);
        let _ = fail(&b);
        let _ = fail(&b);
        assert_eq!(b.state(), BreakerState::Open);
        clock.advance(Duration::from_millis(999));
        assert!(matches!(ok(&b), Err(CallError::Open(_))), "still open");
        clock.advance(Duration::from_millis(1));
        assert_eq!(ok(&b).unwrap(), "success");
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.snapshot().consecutive_failures, 0);
        // Closed again: it takes the full threshold to re-open.
        let _ = fail(&b);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn half_open_failure_reopens_for_another_timeout() {
        let (b, clock) = breaker(2, 10);
        let _ = fail(&b);
        let _ = fail(&b);
        clock.advance(Duration::from_secs(10));
        assert!(matches!(fail(&b), Err(CallError::Failed(_))), "trial ran");
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.snapshot().opened_total, 2);
        clock.advance(Duration::from_secs(9));
        assert!(matches!(ok(&b), Err(CallError::Open(_))));
        clock.advance(Duration::from_secs(1));
        assert!(ok(&b).is_ok());
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn half_open_lets_one_trial_through_at_a_time() {
        let (b, clock) = breaker(1, 5);
        let _ = fail(&b);
        clock.advance(Duration::from_secs(5));
        let trial = b.try_acquire().expect("the trial");
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert!(b.try_acquire().is_err(), "others fail fast meanwhile");
        trial.success();
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.try_acquire().is_ok());
    }

    #[test]
    fn a_cancelled_trial_counts_as_a_failure() {
        let (b, clock) = breaker(1, 5);
        let _ = fail(&b);
        clock.advance(Duration::from_secs(5));
        drop(b.try_acquire().expect("the trial"));
        assert_eq!(b.state(), BreakerState::Open);
        assert!(b.try_acquire().is_err());
    }

    #[test]
    fn a_lost_trial_is_replaced_after_the_recovery_timeout() {
        let (b, clock) = breaker(1, 5);
        let _ = fail(&b);
        clock.advance(Duration::from_secs(5));
        let lost = b.try_acquire().expect("the trial");
        std::mem::forget(lost);
        assert!(b.try_acquire().is_err());
        clock.advance(Duration::from_secs(5));
        b.try_acquire().expect("a new trial").success();
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn reset_closes_and_clears_the_count() {
        let (b, _) = breaker(2, 60);
        let _ = fail(&b);
        let _ = fail(&b);
        assert_eq!(b.state(), BreakerState::Open);
        b.reset();
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.snapshot().consecutive_failures, 0);
        assert_eq!(ok(&b).unwrap(), "success");
    }

    #[test]
    fn late_failures_of_normal_calls_do_not_touch_an_open_breaker() {
        let (b, clock) = breaker(1, 5);
        let early = b.try_acquire().unwrap();
        let _ = fail(&b);
        assert_eq!(b.state(), BreakerState::Open);
        early.failure();
        assert_eq!(b.snapshot().opened_total, 1);
        clock.advance(Duration::from_secs(5));
        assert!(ok(&b).is_ok());
    }
}
