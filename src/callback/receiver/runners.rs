//! Handler runners: tasks that run handlers one after another and are kept
//! between callbacks, so that a callback hands its handler to a task that
//! already exists rather than spawning one.
//!
//! A handler still runs in a task other than the one that waits for it: a
//! handler that blocks its thread, or runs past its timeout, holds up its
//! runner only, and the waiting side still answers 503 in time. What is
//! saved is a task's creation per callback (its allocation, its
//! registration with the runtime and the join), which cost the receiver
//! about 8 % of its callbacks per second in `benches/compare`.
//!
//! A runner waits for work on a channel of its own whose only sender
//! travels with the work: in the idle list while the runner waits, with the
//! job while it runs. A runner whose sender is dropped (too many idle, or
//! the serve shutting down) ends when its channel closes, after the job it
//! holds, if any.

use super::handling::{Outcome, Work, handle};
use super::state::{Lifetime, Shared};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// At most this many runners wait for work; one finishing while as many
/// wait ends instead. (A burst of slow handlers leaves no more behind.)
const MAX_IDLE: usize = 256;

/// One handler to run, where to answer, and the runner's way home.
struct Job {
    work: Work,
    answer: oneshot::Sender<Option<Outcome>>,
    home: mpsc::Sender<Job>,
}

/// The runners of one serve (one [`Lifetime`]) waiting for work.
#[derive(Default)]
pub(super) struct Runners {
    idle: Mutex<Idle>,
}

#[derive(Default)]
struct Idle {
    /// Each idle runner's sender.
    waiting: Vec<mpsc::Sender<Job>>,
    /// Shutting down: a runner that finishes ends.
    closed: bool,
}

impl Runners {
    fn idle(&self) -> std::sync::MutexGuard<'_, Idle> {
        // The list is consistent after every step: a poisoned lock is usable.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `work` on an idle runner, or a new one; the handler's outcome
    /// comes through the receiver (`None`: cancelled at the end of the
    /// shutdown grace; an error: the runner died).
    pub(super) fn run(
        shared: &Arc<Shared>,
        life: &Arc<Lifetime>,
        work: Work,
    ) -> oneshot::Receiver<Option<Outcome>> {
        let (mut answer, answered) = oneshot::channel();
        let mut work = work;
        loop {
            let waiting = life.runners.idle().waiting.pop();
            let home = waiting.unwrap_or_else(|| spawn(shared, life));
            let job = Job {
                work,
                answer,
                home: home.clone(),
            };
            // An idle runner's channel is empty; this fails only when the
            // runner is gone (its task dropped with the runtime): try another.
            match home.try_send(job) {
                Ok(()) => return answered,
                Err(
                    mpsc::error::TrySendError::Full(back) | mpsc::error::TrySendError::Closed(back),
                ) => (work, answer) = (back.work, back.answer),
            }
        }
    }

    /// A runner done with a job: back to the idle list, unless shutting
    /// down or enough are idle; then dropping `home` ends it.
    fn rest(&self, home: mpsc::Sender<Job>) {
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

/// A new runner, tracked with the serve's handler tasks; its sender.
fn spawn(shared: &Arc<Shared>, life: &Arc<Lifetime>) -> mpsc::Sender<Job> {
    let (home, mut jobs) = mpsc::channel::<Job>(1);
    let (shared, life_here) = (shared.clone(), life.clone());
    life.tasks.spawn(async move {
        while let Some(Job { work, answer, home }) = jobs.recv().await {
            let outcome = handle(&shared, &life_here, work).await;
            // The waiting side may have stopped waiting (timeout, hang-up).
            let _ = answer.send(outcome);
            life_here.runners.rest(home);
        }
    });
    home
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_list_keeps_no_runner_and_takes_none_back() {
        let runners = Runners::default();
        let (home, _jobs) = mpsc::channel(1);
        runners.rest(home.clone());
        assert_eq!(runners.waiting(), 1);
        runners.close();
        assert_eq!(runners.waiting(), 0);
        runners.rest(home);
        assert_eq!(runners.waiting(), 0, "a runner finishing after close ends");
    }

    #[test]
    fn no_more_than_max_idle_wait() {
        let runners = Runners::default();
        let channels: Vec<_> = (0..MAX_IDLE + 5).map(|_| mpsc::channel::<Job>(1)).collect();
        for (home, _) in &channels {
            runners.rest(home.clone());
        }
        assert_eq!(runners.waiting(), MAX_IDLE);
    }
}
