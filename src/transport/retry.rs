//! When to retry: a pure decision (`RetryPolicy::decide`, table-tested
//! below) and the budget that keeps a failing gateway from being stormed.
//! The loop that sleeps is the pipeline's, where every request passes.
//!
//! **A message is never sent twice by a retry.** Idempotent requests (GET)
//! retry on transport errors, 408, 429 and 5xx. Others (every POST) retry
//! only when the failure proves nothing was accepted: the connection was never
//! made, a 429, or a WhatsApp throttling or transient code. A read timeout or
//! a bare 5xx after a POST is ambiguous and ends the call, unless
//! [`RetryPolicy::retry_ambiguous`] opts in.

use super::budget::RetryBudget;
pub(crate) use super::outcome::Outcome;
use crate::error::{ErrorClass, ErrorCode};
use std::time::Duration;

/// How a client retries.
///
/// ```
/// use modica_wab::RetryPolicy;
/// use std::time::Duration;
/// let policy = RetryPolicy::standard().max_attempts(5).deadline(Duration::from_secs(60));
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    deadline: Option<Duration>,
    retry_ambiguous: bool,
    budget: Option<(u32, f64)>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryPolicy {
    /// The default: 4 attempts in all; full-jitter backoff from 250 ms doubling
    /// to at most 8 s; `Retry-After` honoured up to 60 s; 90 s overall
    /// deadline; a budget of 10 retries refilled by 0.1 per success.
    pub fn standard() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            deadline: Some(Duration::from_secs(90)),
            retry_ambiguous: false,
            budget: Some((10, 0.1)),
        }
    }

    /// One attempt, no retries.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::standard()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Backoff bounds: the first wait is up to `base`, doubling to at most `max`.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// The longest `Retry-After` the client waits; a longer one ends the call
    /// and the error exposes the wait.
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// The overall time for all attempts and waits; `None` for no limit.
    pub fn deadline(mut self, deadline: impl Into<Option<Duration>>) -> Self {
        self.deadline = deadline.into();
        self
    }

    /// Also retry non-idempotent requests after ambiguous failures (read
    /// timeout, broken connection, bare 5xx). **May send a message twice.**
    pub fn retry_ambiguous(mut self, yes: bool) -> Self {
        self.retry_ambiguous = yes;
        self
    }

    /// A token bucket shared by all requests of a client: `capacity` retries,
    /// refilled by `per_success` for each success. `None` for no budget.
    pub fn budget(mut self, budget: impl Into<Option<(u32, f64)>>) -> Self {
        // A refill that is not a finite, non-negative number refills nothing.
        self.budget = budget.into().map(|(capacity, per_success)| {
            let per_success = if per_success.is_finite() {
                per_success.max(0.0)
            } else {
                0.0
            };
            (capacity, per_success)
        });
        self
    }

    /// Decides after attempt number `attempt` (1-based) ended in `outcome`.
    ///
    /// `elapsed` is the time spent so far; `jitter` is a number in `[0, 1)`
    /// (random in use, fixed in tests) that scales the backoff.
    pub(crate) fn decide(
        &self,
        outcome: &Outcome,
        attempt: u32,
        idempotent: bool,
        elapsed: Duration,
        jitter: f64,
    ) -> Decision {
        let retry_after = match outcome {
            Outcome::Success => return Decision::Stop(StopReason::Done),
            Outcome::Status { retry_after, .. } => *retry_after,
            _ => None,
        };
        if !self.may_retry(outcome, idempotent) {
            return Decision::Stop(StopReason::NotRetryable);
        }
        if attempt >= self.max_attempts {
            return Decision::Stop(StopReason::AttemptsExhausted);
        }
        let wait = match retry_after {
            Some(asked) if asked > self.max_retry_after => {
                return Decision::Stop(StopReason::RetryAfterTooLong(asked));
            }
            Some(asked) => asked,
            None => {
                let exp = self
                    .base_delay
                    .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
                // A NaN or out-of-range jitter reads as the nearest bound, never a panic.
                let jitter = if jitter.is_nan() {
                    0.0
                } else {
                    jitter.clamp(0.0, 1.0)
                };
                exp.min(self.max_delay).mul_f64(jitter)
            }
        };
        if self
            .deadline
            .is_some_and(|d| elapsed.saturating_add(wait) > d)
        {
            return Decision::Stop(StopReason::DeadlineExceeded);
        }
        Decision::Retry { after: wait }
    }

    fn may_retry(&self, outcome: &Outcome, idempotent: bool) -> bool {
        let ambiguous_ok = idempotent || self.retry_ambiguous;
        match outcome {
            Outcome::Success => false,
            // Nothing reached the server.
            Outcome::ConnectFailed => true,
            Outcome::Transport { .. } => ambiguous_ok,
            Outcome::Status { status, code, .. } => match code.and_then(ErrorCode::known_class) {
                // WhatsApp refused this message with a code (a 4xx): it was not accepted.
                // A 5xx stays ambiguous even with a code in its text, and a 3xx
                // (never followed) is not a refusal at all.
                Some(class) if (400..500).contains(status) => {
                    matches!(class, ErrorClass::Transient | ErrorClass::RateLimited)
                }
                _ => match status {
                    429 => true,
                    408 | 425 | 500..=599 => ambiguous_ok,
                    _ => false,
                },
            },
        }
    }

    pub(crate) fn deadline_value(&self) -> Option<Duration> {
        self.deadline
    }

    pub(crate) fn max_attempts_value(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn new_budget(&self) -> Option<RetryBudget> {
        self.budget
            .map(|(capacity, per_success)| RetryBudget::new(capacity, per_success))
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decision {
    /// Wait this long, then try again.
    Retry {
        /// The wait.
        after: Duration,
    },
    /// Return the last outcome to the caller.
    Stop(StopReason),
}

/// Why retrying stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum StopReason {
    /// The attempt succeeded.
    Done,
    /// Retrying cannot help, or could send a message twice.
    NotRetryable,
    /// The policy's attempts are used up.
    AttemptsExhausted,
    /// The server asked for a longer wait than the policy allows.
    RetryAfterTooLong(Duration),
    /// Waiting would pass the overall deadline.
    DeadlineExceeded,
    /// The client's retry budget is empty.
    BudgetExhausted,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_table() {
        use ErrorClass::*;
        let policy = RetryPolicy::standard()
            .max_attempts(3)
            .backoff(Duration::from_secs(1), Duration::from_secs(4))
            .max_retry_after(Duration::from_secs(30))
            .deadline(Duration::from_secs(60));
        let code_of = |class: ErrorClass| match class {
            Transient => ErrorCode::SomethingWentWrong,
            RateLimited => ErrorCode::ThroughputLimit,
            Credentials => ErrorCode::AccessDenied,
            Permanent => ErrorCode::ReEngagementRequired,
            StopAndAct => ErrorCode::AccountLocked,
        };
        let status = |s: u16, code: Option<ErrorCode>, ra: Option<u64>| Outcome::Status {
            status: s,
            code,
            retry_after: ra.map(Duration::from_secs),
        };
        let retry = |secs: f64| Decision::Retry {
            after: Duration::from_secs_f64(secs),
        };
        let stop = Decision::Stop;
        let no = stop(StopReason::NotRetryable);
        // (outcome, idempotent, attempt, expected) with jitter 0.5
        let mut rows: Vec<(Outcome, bool, u32, Decision)> = vec![
            (Outcome::Success, true, 1, stop(StopReason::Done)),
            (Outcome::ConnectFailed, false, 1, retry(0.5)),
            (Outcome::ConnectFailed, true, 2, retry(1.0)),
            (
                Outcome::ConnectFailed,
                true,
                3,
                stop(StopReason::AttemptsExhausted),
            ),
            (Outcome::Transport { timeout: true }, true, 1, retry(0.5)),
            (Outcome::Transport { timeout: true }, false, 1, no),
            (Outcome::Transport { timeout: false }, false, 1, no),
            (status(503, None, None), true, 1, retry(0.5)),
            (status(503, None, None), false, 1, no),
            (status(500, None, None), false, 1, no),
            (status(408, None, None), true, 1, retry(0.5)),
            (status(408, None, None), false, 1, no),
            (status(429, None, None), false, 1, retry(0.5)),
            (status(429, None, Some(2)), false, 1, retry(2.0)),
            (
                status(429, None, Some(2)),
                true,
                3,
                stop(StopReason::AttemptsExhausted),
            ),
            (
                status(429, None, Some(31)),
                false,
                1,
                stop(StopReason::RetryAfterTooLong(Duration::from_secs(31))),
            ),
            (status(503, None, Some(30)), true, 1, retry(30.0)),
            (status(400, None, None), true, 1, no),
            (status(404, None, None), true, 1, no),
        ];
        // Every class with a code, for both kinds of request, first and last attempt.
        for class in [Transient, RateLimited, Credentials, Permanent, StopAndAct] {
            for idempotent in [true, false] {
                let outcome = status(400, Some(code_of(class)), None);
                let first = if class.is_retryable() { retry(0.5) } else { no };
                let last = if class.is_retryable() {
                    stop(StopReason::AttemptsExhausted)
                } else {
                    no
                };
                rows.push((outcome, idempotent, 1, first));
                rows.push((outcome, idempotent, 3, last));
                // With Retry-After within and beyond the cap.
                let with_ra = status(429, Some(code_of(class)), Some(5));
                rows.push((
                    with_ra,
                    idempotent,
                    1,
                    if class.is_retryable() { retry(5.0) } else { no },
                ));
                let beyond = status(429, Some(code_of(class)), Some(300));
                let expect = if class.is_retryable() {
                    stop(StopReason::RetryAfterTooLong(Duration::from_secs(300)))
                } else {
                    no
                };
                rows.push((beyond, idempotent, 1, expect));
            }
        }
        for (outcome, idempotent, attempt, expected) in rows {
            let got = policy.decide(&outcome, attempt, idempotent, Duration::ZERO, 0.5);
            assert_eq!(
                got, expected,
                "{outcome:?} idempotent={idempotent} attempt={attempt}"
            );
        }
        // Backoff is capped, and the deadline ends it.
        assert_eq!(
            policy.clone().max_attempts(10).decide(
                &Outcome::ConnectFailed,
                6,
                true,
                Duration::ZERO,
                0.999
            ),
            retry(4.0 * 0.999)
        );
        assert_eq!(
            policy.decide(
                &Outcome::ConnectFailed,
                1,
                true,
                Duration::from_secs(60),
                0.5
            ),
            stop(StopReason::DeadlineExceeded)
        );
        // Opting in retries ambiguous POST failures.
        let brave = policy.clone().retry_ambiguous(true);
        assert_eq!(
            brave.decide(&status(503, None, None), 1, false, Duration::ZERO, 0.5),
            retry(0.5)
        );
        assert_eq!(
            RetryPolicy::disabled().decide(&Outcome::ConnectFailed, 1, true, Duration::ZERO, 0.5),
            stop(StopReason::AttemptsExhausted)
        );
    }

    #[test]
    fn no_input_of_any_kind_makes_the_decision_panic() {
        let policy = RetryPolicy::standard()
            .max_retry_after(Duration::MAX)
            .deadline(Duration::MAX);
        for jitter in [f64::NAN, f64::INFINITY, -1.0, 2.0] {
            for attempt in [0, 1, 40, u32::MAX - 1] {
                let _ = policy.decide(
                    &Outcome::ConnectFailed,
                    attempt,
                    true,
                    Duration::MAX,
                    jitter,
                );
                let ra = Outcome::Status {
                    status: 429,
                    code: None,
                    retry_after: Some(Duration::MAX),
                };
                let _ = policy.decide(&ra, attempt, false, Duration::MAX, jitter);
            }
        }
    }
}
