//! Where handlers run, and for how long: runners, tasks that run handlers
//! one after another and are kept between callbacks, so that a callback
//! hands its handler to a task that already exists rather than spawning
//! one; and the lifetime of one serve's handlers (tracked, waited for and
//! cancelled at shutdown).
//!
//! A handler still runs in a task other than the one that waits for it: a
//! handler that blocks its thread, or runs past its timeout, holds up its
//! runner only, and the waiting side still answers 503 in time. What is
//! saved is a task's creation per callback (its allocation, its
//! registration with the runtime and the join): in `benches/compare` the
//! receiver read 0.81–0.84 of bare axum's callbacks per second with a task
//! per callback, 0.86–0.89 with runners, 0.90–0.93 with the handler inline.
//!
//! A runner waits for work on a channel of its own whose only sender
//! travels with the work: in the idle list while the runner waits, with the
//! job while it runs. A runner whose sender is dropped (too many idle; the
//! serve shutting down; its lifetime dropped) ends when its channel closes,
//! after the job it holds, if any. A runner holds its lifetime only while it
//! runs a job, so an idle runner never keeps its own idle list alive.
//!
//! Runners are kept only for [`Receiver::serve`](super::Receiver::serve),
//! whose routes run on the runtime that polls it. A router from
//! [`Receiver::router`](super::Receiver::router) may be served on several
//! runtimes at once, and a runner kept on one must not run another's
//! handlers: there each handler gets a task of its own, on the runtime of
//! its request.

use super::handling::{Outcome, Work, handle};
use super::state::Shared;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// One router (one `serve` call, or one `router()`): the receiver it
/// serves, and its handlers' tasks, waited for, then their handlers
/// cancelled, when that serve shuts down, and only then. A request and the
/// job it hands to a runner hold it as one `Arc`, so a callback touches one
/// shared count rather than one per part.
pub(super) struct Lifetime {
    /// The receiver's settings, store and handler.
    pub(super) shared: Arc<Shared>,
    /// The handlers' tasks (runners, or one task per handler).
    pub(super) tasks: TaskTracker,
    pub(super) cancel: CancellationToken,
    /// How handlers get their task, and the runners waiting for work.
    pub(super) runners: Runners,
}

impl Lifetime {
    /// For `serve`: runners kept between callbacks.
    pub(super) fn serving(shared: Arc<Shared>) -> Self {
        Self::with(shared, Runners::kept())
    }

    /// For `router()`: a task per handler (it may serve on several runtimes).
    pub(super) fn routing(shared: Arc<Shared>) -> Self {
        Self::with(shared, Runners::per_callback())
    }

    fn with(shared: Arc<Shared>, runners: Runners) -> Self {
        Self {
            shared,
            tasks: TaskTracker::new(),
            cancel: CancellationToken::new(),
            runners,
        }
    }
}

impl Lifetime {
    /// Within `grace` in all: waits for the handlers running (four fifths
    /// of it; idle runners end at once, busy ones after their handler), then
    /// cancels the rest and waits for their claims to be released.
    pub(super) async fn drain(&self, grace: Duration) {
        self.tasks.close();
        self.runners.close();
        let waiting = grace.mul_f64(0.8);
        if tokio::time::timeout(waiting, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                running = self.tasks.len(),
                "shutdown: cancelling handlers still running; their events will be delivered again"
            );
            self.cancel.cancel();
            let _ = tokio::time::timeout(grace - waiting, self.tasks.wait()).await;
        }
    }
}

/// At most this many runners wait for work; one finishing while as many
/// wait ends instead. (A burst of slow handlers leaves no more behind.)
const MAX_IDLE: usize = 256;

/// One handler to run, where to answer, and the runner's way home.
struct Job {
    work: Work,
    answer: oneshot::Sender<Option<Outcome>>,
    life: Arc<Lifetime>,
    home: mpsc::UnboundedSender<Job>,
}

/// How a lifetime's handlers get their task.
pub(super) struct Runners {
    /// Runners kept (a serve); else a task per handler (a router).
    kept: bool,
    idle: Mutex<Idle>,
}

#[derive(Default)]
struct Idle {
    /// Each idle runner's sender.
    waiting: Vec<mpsc::UnboundedSender<Job>>,
    /// Shutting down: a runner that finishes ends.
    closed: bool,
}

impl Runners {
    /// Runners kept between callbacks (for a serve).
    pub(super) fn kept() -> Self {
        Self {
            kept: true,
            idle: Mutex::default(),
        }
    }

    /// A task per handler (for a router that may serve on several runtimes).
    pub(super) fn per_callback() -> Self {
        Self {
            kept: false,
            idle: Mutex::default(),
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Idle> {
        // The list is consistent after every step: a poisoned lock is usable.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `work` in another task (an idle runner, a new one, or a task of
    /// its own); the handler's outcome comes through the receiver (`None`:
    /// cancelled at the end of the shutdown grace; an error: the task was
    /// dropped, as when the runtime shuts down, and the claim released).
    pub(super) fn run(life: Arc<Lifetime>, work: Work) -> oneshot::Receiver<Option<Outcome>> {
        let (mut answer, answered) = oneshot::channel();
        if !life.runners.kept {
            let tasks = life.tasks.clone();
            tasks.spawn(async move {
                let outcome = handle(&life.shared, &life.cancel, work).await;
                let _ = answer.send(outcome);
            });
            return answered;
        }
        let (mut work, mut life) = (work, life);
        loop {
            let waiting = life.runners.idle().waiting.pop();
            let was_idle = waiting.is_some();
            let home = waiting.unwrap_or_else(|| spawn(&life));
            let job = Job {
                work,
                answer,
                life,
                home: home.clone(),
            };
            match home.send(job) {
                Ok(()) => return answered,
                // A channel refuses only when its runner is gone (dropped
                // with a runtime): an idle one's, try the next.
                Err(mpsc::error::SendError(back)) if was_idle => {
                    (work, answer, life) = (back.work, back.answer, back.life);
                }
                // A runner started just now refused: the runtime is shutting
                // down and dropped it at once. Dropping the job answers the
                // waiting side (503) and releases the claim.
                Err(_) => return answered,
            }
        }
    }

    /// A runner done with a job: back to the idle list, unless shutting
    /// down or enough are idle; then dropping `home` ends it.
    fn rest(&self, home: mpsc::UnboundedSender<Job>) {
        let mut idle = self.idle();
        if !idle.closed && idle.waiting.len() < MAX_IDLE {
            idle.waiting.push(home);
        }
    }

    /// Shutdown: idle runners end now, busy ones after their job.
    pub(super) fn close(&self) {
        let mut idle = self.idle();
        idle.closed = true;
        idle.waiting.clear();
    }

    /// How many runners wait for work.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.idle().waiting.len()
    }
}

/// A new runner, tracked with the serve's other handler tasks; its sender. It
/// holds the serve's lifetime only while it runs a job.
fn spawn(life: &Lifetime) -> mpsc::UnboundedSender<Job> {
    // Unbounded: a runner's channel holds one job at most (its one sender
    // travels with the job), and a bounded one would take and give back a
    // permit, under a lock, for each.
    let (home, mut jobs) = mpsc::unbounded_channel::<Job>();
    life.tasks.spawn(async move {
        while let Some(job) = jobs.recv().await {
            let Job {
                work,
                answer,
                life,
                home,
            } = job;
            let outcome = handle(&life.shared, &life.cancel, work).await;
            // The waiting side may have stopped waiting (timeout, hang-up).
            let _ = answer.send(outcome);
            life.runners.rest(home);
        }
    });
    home
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::dedup::{Claim, ClaimToken};
    use crate::callback::key::DedupKey;
    use futures_util::FutureExt as _;
    use std::time::{Duration, Instant, SystemTime};

    /// Defect (found in review): a runtime shutting down drops a new task at
    /// once, so a new runner refused every job and the hand-over looped,
    /// never yielding. Now the job is dropped: the waiting side gets its
    /// answer (503) and the claim is released.
    #[test]
    fn a_runtime_shutting_down_gets_no_spin_and_the_claim_back() {
        let receiver = super::super::Receiver::builder()
            .url("http://u:p@localhost/cb")
            .handler(|_: crate::callback::Callback| async {
                Ok::<(), super::super::HandlerError>(())
            })
            .build()
            .unwrap();
        let shared = receiver.shared.clone();
        let (key, token, lease) = (
            DedupKey::mo("m"),
            ClaimToken::new(),
            Duration::from_secs(60),
        );
        let claimed = shared.store.claim(&key, token, lease).now_or_never();
        let Some(Ok(Claim::New { fence })) = claimed else {
            panic!("{claimed:?}")
        };
        let watch = Arc::new(super::super::claim::ClaimWatch::new(
            shared.store.clone(),
            key,
            token,
            lease,
            fence,
            Instant::now(),
        ));
        let endpoint = Arc::new(super::super::endpoint::Endpoint {
            url: "http://localhost/cb".into(),
            username: None,
            scope: "test".into(),
        });
        let work = Work {
            event: crate::callback::parse(
                br#"{"id":"m","content":{"type":"text","text":{"body":"hi"}}}"#,
            )
            .unwrap(),
            context: super::super::context::CallbackContext::new(endpoint, SystemTime::now())
                .with_claim(watch.clone()),
            claim: super::super::claim::ClaimGuard::new(watch),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let handle = runtime.handle().clone();
        runtime.shutdown_timeout(Duration::from_secs(10));
        let store = shared.store.clone();
        let life = Arc::new(Lifetime::serving(shared));
        let (done, returned) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _entered = handle.enter();
            let _ = done.send(Runners::run(life, work));
        });
        let answered = returned
            .recv_timeout(Duration::from_secs(30))
            .expect("the hand-over returned");
        assert!(
            answered.blocking_recv().is_err(),
            "answered: the job is gone"
        );
        let again = store.claim(&key, ClaimToken::new(), lease).now_or_never();
        assert!(
            matches!(again, Some(Ok(Claim::New { .. }))),
            "the claim was released: {again:?}"
        );
    }

    #[test]
    fn a_closed_list_keeps_no_runner_and_takes_none_back() {
        let runners = Runners::kept();
        let (home, _jobs) = mpsc::unbounded_channel();
        runners.rest(home.clone());
        assert_eq!(runners.waiting(), 1);
        runners.close();
        assert_eq!(runners.waiting(), 0);
        runners.rest(home);
        assert_eq!(runners.waiting(), 0, "a runner finishing after close ends");
    }

    #[test]
    fn no_more_than_max_idle_wait() {
        let runners = Runners::kept();
        let channels: Vec<_> = (0..MAX_IDLE + 5)
            .map(|_| mpsc::unbounded_channel::<Job>())
            .collect();
        for (home, _) in &channels {
            runners.rest(home.clone());
        }
        assert_eq!(runners.waiting(), MAX_IDLE);
    }
}
