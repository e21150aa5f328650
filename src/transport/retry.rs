//! When to retry: one pure decision ([`RetryPolicy::decide`], table-tested
//! below) over the attempt's outcome, whether its body can go again, the
//! time frame of the request ([`RetryPolicy::frame`]: each attempt's timeout
//! and the latest an attempt may start, pacing waits included) and the
//! budget that keeps a failing gateway from being stormed. The pipeline's
//! loop only acts on it: pace → send → judge → decide → sleep.
//!
//! **A message is never sent twice by a retry.** Idempotent requests (GET)
//! retry on transport errors, 408, 429 and 5xx. Others (every POST) retry
//! only when the failure proves nothing was accepted: the connection was never
//! made, a 429, or a WhatsApp throttling or transient code. A read timeout or
//! a bare 5xx after a POST is ambiguous and ends the call, unless
//! [`RetryPolicy::retry_ambiguous`] opts in. **No send that cannot finish in
//! time:** a POST's attempt is never cut short; it starts only if its whole
//! timeout fits before the deadline.

use super::budget::RetryBudget;
pub(crate) use super::outcome::Outcome;
use crate::error::{ErrorClass, ErrorCode, refuses};
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

    /// The time frame of one request: what each attempt may take and the
    /// latest an attempt may start. `timeout` is the request's own (none for
    /// media transfers, which run on their progress).
    ///
    /// **No send that cannot finish in time.** An attempt of a request that
    /// is not idempotent gets its whole timeout (the overall deadline's, when
    /// that is shorter) and starts only if it can end by the deadline: cut
    /// short, it would end in a timeout after the gateway may have taken the
    /// message. An idempotent request's attempt is cut to the time left
    /// instead (it can be sent again), and starts while half its timeout
    /// (at most 1 s) is left.
    pub(crate) fn frame(&self, idempotent: bool, timeout: Option<Duration>) -> Frame {
        let timeout = match (timeout, self.deadline) {
            (Some(t), Some(d)) => Some(t.min(d)),
            (t, _) => t,
        };
        let latest_start = self.deadline.map(|deadline| {
            let needs = match timeout {
                None => Duration::ZERO,
                Some(t) if idempotent => t.min(Duration::from_secs(2)) / 2,
                Some(t) => t,
            };
            deadline.saturating_sub(needs)
        });
        Frame {
            timeout,
            latest_start,
            deadline: self.deadline,
            cut_to_deadline: idempotent,
        }
    }

    /// Decides after an attempt: retry after a wait, or stop with a reason.
    /// The one place every rule lives: whether the outcome allows another
    /// attempt, whether the body can go again, attempts, `Retry-After`,
    /// backoff, the frame's latest start, and the budget.
    ///
    /// `jitter` is a number in `[0, 1)` (random in use, fixed in tests) that
    /// scales the backoff. `take_token` is asked last, only when everything
    /// else allows a retry: it takes one retry from the client's budget and
    /// says whether there was one.
    pub(crate) fn decide(
        &self,
        attempted: &Attempted<'_>,
        frame: &Frame,
        jitter: f64,
        take_token: impl FnOnce() -> bool,
    ) -> Decision {
        let outcome = attempted.outcome;
        let retry_after = match outcome {
            Outcome::Success => return Decision::Stop(StopReason::Done),
            Outcome::Status { retry_after, .. } => *retry_after,
            _ => None,
        };
        if !self.may_retry(outcome, attempted.idempotent) {
            return Decision::Stop(StopReason::NotRetryable);
        }
        if attempted.number >= self.max_attempts {
            return Decision::Stop(StopReason::AttemptsExhausted);
        }
        if !attempted.replayable {
            return Decision::Stop(StopReason::BodyConsumed);
        }
        let wait = match retry_after {
            Some(asked) if asked > self.max_retry_after => {
                return Decision::Stop(StopReason::RetryAfterTooLong(asked));
            }
            Some(asked) => asked,
            None => {
                let exp = self
                    .base_delay
                    .saturating_mul(1u32 << attempted.number.saturating_sub(1).min(20));
                // A NaN or out-of-range jitter reads as the nearest bound, never a panic.
                let jitter = if jitter.is_nan() {
                    0.0
                } else {
                    jitter.clamp(0.0, 1.0)
                };
                exp.min(self.max_delay).mul_f64(jitter)
            }
        };
        if !frame.may_start_at(attempted.elapsed.saturating_add(wait)) {
            return Decision::Stop(StopReason::DeadlineExceeded);
        }
        if !take_token() {
            return Decision::Stop(StopReason::BudgetExhausted);
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
                // WhatsApp refused this message with a code (a 4xx that is a
                // refusal): it was not accepted. A 5xx, 408 or 425 stays
                // ambiguous even with a code in its text, and a 3xx (never
                // followed) is not a refusal at all.
                Some(class) if refuses(*status) => {
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

    pub(crate) fn max_attempts_value(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn new_budget(&self) -> Option<RetryBudget> {
        self.budget
            .map(|(capacity, per_success)| RetryBudget::new(capacity, per_success))
    }
}

/// What the decision knows of an attempt that ended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempted<'a> {
    /// How it ended.
    pub(crate) outcome: &'a Outcome,
    /// Its number, from 1.
    pub(crate) number: u32,
    /// Whether sending the request twice does no harm.
    pub(crate) idempotent: bool,
    /// Whether its body can be sent again (in memory, or a stream no
    /// attempt has read from).
    pub(crate) replayable: bool,
    /// Time since the request began, pacing waits included.
    pub(crate) elapsed: Duration,
}

/// The time frame of one request (see [`RetryPolicy::frame`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Frame {
    /// Each attempt's timeout, before any cut (`None`: media, on progress).
    timeout: Option<Duration>,
    /// The latest time since the request began an attempt may start.
    latest_start: Option<Duration>,
    deadline: Option<Duration>,
    /// Whether an attempt's timeout is cut to the time left (idempotent).
    cut_to_deadline: bool,
}

impl Frame {
    /// Whether an attempt may start `elapsed` after the request began.
    pub(crate) fn may_start_at(&self, elapsed: Duration) -> bool {
        self.latest_start.is_none_or(|latest| elapsed <= latest)
    }

    /// How long pacing may hold the next attempt, `elapsed` after the
    /// request began; `None` for no limit.
    pub(crate) fn pacing_allowance(&self, elapsed: Duration) -> Option<Duration> {
        self.latest_start
            .map(|latest| latest.saturating_sub(elapsed))
    }

    /// The timeout of an attempt starting `elapsed` after the request began.
    /// Never cut for a request that is not idempotent.
    pub(crate) fn attempt_timeout(&self, elapsed: Duration) -> Option<Duration> {
        match (self.timeout, self.deadline) {
            (Some(t), Some(d)) if self.cut_to_deadline => {
                // Never zero: reqwest would fail the attempt before sending.
                Some(
                    t.min(d.saturating_sub(elapsed))
                        .max(Duration::from_millis(1)),
                )
            }
            (t, _) => t,
        }
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
    /// The body was a stream an attempt has read from: it cannot go again.
    BodyConsumed,
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

    const S: fn(u64) -> Duration = Duration::from_secs;
    const MS: fn(u64) -> Duration = Duration::from_millis;

    /// A decision with everything but the outcome at its easy value.
    struct Case<'a> {
        outcome: &'a Outcome,
        number: u32,
        idempotent: bool,
        replayable: bool,
        elapsed: Duration,
        budget: bool,
    }

    impl<'a> Case<'a> {
        fn of(outcome: &'a Outcome, idempotent: bool, number: u32) -> Self {
            Self {
                outcome,
                number,
                idempotent,
                replayable: true,
                elapsed: Duration::ZERO,
                budget: true,
            }
        }

        fn decide(&self, policy: &RetryPolicy, timeout: Option<Duration>, jitter: f64) -> Decision {
            let frame = policy.frame(self.idempotent, timeout);
            let attempted = Attempted {
                outcome: self.outcome,
                number: self.number,
                idempotent: self.idempotent,
                replayable: self.replayable,
                elapsed: self.elapsed,
            };
            policy.decide(&attempted, &frame, jitter, || self.budget)
        }
    }

    fn status(s: u16, code: Option<ErrorCode>, ra: Option<u64>) -> Outcome {
        Outcome::Status {
            status: s,
            code,
            retry_after: ra.map(Duration::from_secs),
        }
    }

    fn retry(secs: f64) -> Decision {
        Decision::Retry {
            after: Duration::from_secs_f64(secs),
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::standard()
            .max_attempts(3)
            .backoff(S(1), S(4))
            .max_retry_after(S(30))
            .deadline(S(60))
    }

    #[test]
    fn decision_table() {
        use ErrorClass::*;
        let policy = policy();
        let code_of = |class: ErrorClass| match class {
            Transient => ErrorCode::SomethingWentWrong,
            RateLimited => ErrorCode::ThroughputLimit,
            Credentials => ErrorCode::AccessDenied,
            Permanent => ErrorCode::ReEngagementRequired,
            StopAndAct => ErrorCode::AccountLocked,
        };
        let stop = Decision::Stop;
        let no = stop(StopReason::NotRetryable);
        // (outcome, idempotent, attempt, expected) with jitter 0.5, no timeout
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
                stop(StopReason::RetryAfterTooLong(S(31))),
            ),
            (status(503, None, Some(30)), true, 1, retry(30.0)),
            (status(400, None, None), true, 1, no),
            (status(404, None, None), true, 1, no),
            // A 408 is ambiguous for a POST, whatever code its body carries.
            (
                status(408, Some(ErrorCode::ThroughputLimit), None),
                false,
                1,
                no,
            ),
            // A redirect is never a refusal, whatever its body says.
            (
                status(303, Some(ErrorCode::ThroughputLimit), None),
                false,
                1,
                no,
            ),
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
                    stop(StopReason::RetryAfterTooLong(S(300)))
                } else {
                    no
                };
                rows.push((beyond, idempotent, 1, expect));
                // A 5xx stays ambiguous for a POST, even with a code in its text.
                let server = status(500, Some(code_of(class)), None);
                let expect = if idempotent { retry(0.5) } else { no };
                rows.push((server, idempotent, 1, expect));
            }
        }
        for (outcome, idempotent, attempt, expected) in rows {
            let got = Case::of(&outcome, idempotent, attempt).decide(&policy, None, 0.5);
            assert_eq!(
                got, expected,
                "{outcome:?} idempotent={idempotent} attempt={attempt}"
            );
        }
        // Backoff is capped.
        let refused = Outcome::ConnectFailed;
        assert_eq!(
            Case::of(&refused, true, 6).decide(&policy.clone().max_attempts(10), None, 0.999),
            retry(4.0 * 0.999)
        );
        // Opting in retries ambiguous POST failures.
        let brave = policy.clone().retry_ambiguous(true);
        assert_eq!(
            Case::of(&status(503, None, None), false, 1).decide(&brave, None, 0.5),
            retry(0.5)
        );
        assert_eq!(
            Case::of(&refused, true, 1).decide(&RetryPolicy::disabled(), None, 0.5),
            stop(StopReason::AttemptsExhausted)
        );
    }

    #[test]
    fn the_body_the_time_left_and_the_budget_each_stop_a_retry() {
        let policy = policy();
        let refused = Outcome::ConnectFailed;
        let throttled = status(429, None, Some(5));
        let stop = Decision::Stop;
        // A stream an attempt read from cannot go again, whatever the outcome.
        for outcome in [&refused, &throttled] {
            for idempotent in [true, false] {
                let case = Case {
                    replayable: false,
                    ..Case::of(outcome, idempotent, 1)
                };
                assert_eq!(
                    case.decide(&policy, Some(S(10)), 0.5),
                    stop(StopReason::BodyConsumed)
                );
                // On the last attempt the attempts are what ran out.
                let last = Case {
                    replayable: false,
                    ..Case::of(outcome, idempotent, 3)
                };
                assert_eq!(
                    last.decide(&policy, Some(S(10)), 0.5),
                    stop(StopReason::AttemptsExhausted)
                );
            }
        }
        // (idempotent, timeout, elapsed, wait from Retry-After, retries?)
        // A POST's retry must be able to take its whole timeout before the
        // deadline (60 s); a GET's while half its timeout (at most 1 s) is left.
        let rows = [
            (false, Some(S(10)), S(44), 5, true), // starts at 49 s, ends by 59 s
            (false, Some(S(10)), S(45), 5, true), // starts at 50 s, ends at 60 s
            (false, Some(S(10)), S(46), 5, false), // would end at 61 s
            (false, Some(S(90)), S(0), 5, false), // its timeout is the whole deadline
            (true, Some(S(10)), S(53), 5, true),  // 2 s left, a cut attempt
            (true, Some(S(10)), S(54), 5, true),  // 1 s left: half of 2 s
            (true, Some(S(10)), S(55), 5, false), // nothing left
            (true, Some(MS(400)), S(54) + MS(800), 5, true), // 200 ms left: half of 400 ms
            (true, Some(MS(400)), S(54) + MS(801), 5, false),
            (false, None, S(54), 5, true), // an upload: on its progress
            (false, None, S(55), 5, true),
            (false, None, S(56), 5, false),
        ];
        for (idempotent, timeout, elapsed, wait, retries) in rows {
            let outcome = status(429, None, Some(wait));
            let case = Case {
                elapsed,
                ..Case::of(&outcome, idempotent, 1)
            };
            let expected = if retries {
                retry(wait as f64)
            } else {
                stop(StopReason::DeadlineExceeded)
            };
            assert_eq!(
                case.decide(&policy, timeout, 0.5),
                expected,
                "idempotent={idempotent} timeout={timeout:?} elapsed={elapsed:?}"
            );
        }
        // The budget is asked last, and only when all else allows a retry.
        let asked = std::cell::Cell::new(0);
        let frame = policy.frame(false, Some(S(10)));
        let decide = |outcome: &Outcome, budget: bool| {
            let attempted = Attempted {
                outcome,
                number: 1,
                idempotent: false,
                replayable: true,
                elapsed: Duration::ZERO,
            };
            policy.decide(&attempted, &frame, 0.5, || {
                asked.set(asked.get() + 1);
                budget
            })
        };
        assert_eq!(decide(&throttled, false), stop(StopReason::BudgetExhausted));
        assert_eq!(decide(&throttled, true), retry(5.0));
        assert_eq!(
            decide(&status(503, None, None), true),
            stop(StopReason::NotRetryable)
        );
        assert_eq!(decide(&Outcome::Success, true), stop(StopReason::Done));
        assert_eq!(asked.get(), 2, "not asked for a stop");
    }

    #[test]
    fn the_frame_gives_a_post_its_whole_timeout_and_cuts_a_get() {
        let policy = policy(); // deadline 60 s
        let post = policy.frame(false, Some(S(10)));
        let get = policy.frame(true, Some(S(10)));
        for elapsed in [S(0), S(45), S(59), S(120)] {
            assert_eq!(post.attempt_timeout(elapsed), Some(S(10)), "never cut");
        }
        assert_eq!(get.attempt_timeout(S(0)), Some(S(10)));
        assert_eq!(get.attempt_timeout(S(55)), Some(S(5)));
        assert_eq!(get.attempt_timeout(S(120)), Some(MS(1)), "never zero");
        // A timeout longer than the deadline is the deadline.
        assert_eq!(
            policy.frame(false, Some(S(90))).attempt_timeout(S(0)),
            Some(S(60))
        );
        // Pacing may hold a POST until its whole timeout still fits.
        assert_eq!(post.pacing_allowance(S(0)), Some(S(50)));
        assert_eq!(post.pacing_allowance(S(49)), Some(S(1)));
        assert_eq!(post.pacing_allowance(S(70)), Some(S(0)));
        assert!(post.may_start_at(S(50)) && !post.may_start_at(S(50) + MS(1)));
        // No deadline: no limit, no cut.
        let free = policy.clone().deadline(None).frame(false, Some(S(10)));
        assert_eq!(free.pacing_allowance(S(1000)), None);
        assert!(free.may_start_at(Duration::MAX));
        assert_eq!(free.attempt_timeout(Duration::MAX), Some(S(10)));
        // Media: no timeout, may start until the deadline.
        let upload = policy.frame(false, None);
        assert_eq!(upload.attempt_timeout(S(30)), None);
        assert!(upload.may_start_at(S(60)) && !upload.may_start_at(S(61)));
    }

    #[test]
    fn no_input_of_any_kind_makes_the_decision_panic() {
        let policy = RetryPolicy::standard()
            .max_retry_after(Duration::MAX)
            .deadline(Duration::MAX);
        let huge = Outcome::Status {
            status: 429,
            code: None,
            retry_after: Some(Duration::MAX),
        };
        for jitter in [f64::NAN, f64::INFINITY, -1.0, 2.0] {
            for number in [0, 1, 40, u32::MAX - 1] {
                for outcome in [&Outcome::ConnectFailed, &huge] {
                    for timeout in [None, Some(Duration::ZERO), Some(Duration::MAX)] {
                        for idempotent in [true, false] {
                            let case = Case {
                                elapsed: Duration::MAX,
                                ..Case::of(outcome, idempotent, number)
                            };
                            let _ = case.decide(&policy, timeout, jitter);
                            let frame = policy.frame(idempotent, timeout);
                            let _ = frame.attempt_timeout(Duration::MAX);
                            let _ = frame.pacing_allowance(Duration::MAX);
                        }
                    }
                }
            }
        }
    }
}
