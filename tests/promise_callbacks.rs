//! "A callback is never lost nor handled twice", as a model: random sequences
//! of deliveries, redeliveries, concurrent duplicates, handler errors,
//! synchronous and asynchronous panics, handlers that outlive their timeout,
//! callers that hang up, malformed, oversize, non-JSON and unauthenticated
//! bodies, each answer compared with what a reference model predicts.
//!
//! `PROMISE_SEQUENCES=2000 cargo test --all-features --test promise_callbacks`
//! runs more sequences (default 60, seeded: `PROMISE_SEED`).
#![cfg(feature = "receiver")]

use modica_wab_test_support::report;

use modica_wab::callback::{Callback, CallbackHandler, HandlerError, Receiver};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

const USER: &str = "modica";
const PASS: &str = "model";
/// Long enough that no quick outcome is ever mistaken for a slow one on a
/// loaded machine; only `Hang` outlives it.
const HANDLER_TIMEOUT: Duration = Duration::from_millis(250);
const BODY_LIMIT: usize = 4096;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the handler does on its next call for one event.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Behaviour {
    Succeed,
    Fail,
    /// Panics before returning its future.
    PanicNow,
    /// Panics inside its future.
    PanicLater,
    /// Succeeds after a short delay (for duplicates and hang-ups).
    SucceedAfter(Duration),
    /// Runs until the test releases it, past the handler timeout.
    Hang,
}

/// The handler under test: scripted per event id, and counting successes.
#[derive(Default)]
struct Scripted {
    next: Mutex<HashMap<String, VecDeque<Behaviour>>>,
    succeeded: Mutex<HashMap<String, usize>>,
    calls: Mutex<HashMap<String, usize>>,
    hung: Mutex<HashMap<String, oneshot::Receiver<bool>>>,
}

fn id_of(event: &Callback) -> String {
    match event {
        Callback::Mo(mo) => mo.id.clone(),
        Callback::Dlr(dlr) => dlr.id.clone(),
        Callback::Malformed { raw, .. } | Callback::Unknown(raw) => {
            raw["id"].as_str().unwrap_or_default().to_owned()
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// The receiver's handle on the script.
struct Handler(Arc<Scripted>);

impl CallbackHandler for Handler {
    fn handle(
        &self,
        event: Callback,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + '_>> {
        let me = &self.0;
        let id = id_of(&event);
        *me.calls.lock().unwrap().entry(id.clone()).or_default() += 1;
        let behaviour = me
            .next
            .lock()
            .unwrap()
            .get_mut(&id)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Behaviour::Succeed);
        if behaviour == Behaviour::PanicNow {
            panic!("scripted panic before the future");
        }
        let release = (behaviour == Behaviour::Hang)
            .then(|| me.hung.lock().unwrap().remove(&id))
            .flatten();
        Box::pin(async move {
            let ok = match behaviour {
                Behaviour::Succeed => true,
                Behaviour::Fail => false,
                Behaviour::PanicNow => unreachable!(),
                Behaviour::PanicLater => panic!("scripted panic in the future"),
                Behaviour::SucceedAfter(d) => {
                    tokio::time::sleep(d).await;
                    true
                }
                Behaviour::Hang => match release {
                    Some(release) => release.await.unwrap_or(false),
                    None => false,
                },
            };
            if ok {
                *me.succeeded.lock().unwrap().entry(id).or_default() += 1;
                Ok(())
            } else {
                Err("scripted failure".into())
            }
        })
    }
}

/// The reference model of one event.
#[derive(Debug, Default, Clone)]
struct Model {
    done: bool,
    /// A handler past its timeout is still running; its release sender.
    running: bool,
    calls: usize,
}

/// One event of a sequence: its id and its body.
struct Event {
    id: String,
    body: String,
}

fn event(rng: &mut StdRng, n: usize, sequence: u64) -> Event {
    let id = format!("s{sequence}-e{n}");
    let body = match rng.random_range(0..4) {
        0 => format!(
            r#"{{"id":"{id}","source":"+64211234567","Destination":"6421000001","content":{{"type":"text","text":{{"body":"hi"}}}}}}"#
        ),
        1 => format!(r#"{{"id":"{id}","status":"received","reference":"r"}}"#),
        // Malformed: a known shape with a bad field.
        2 => format!(
            r#"{{"id":"{id}","source":"+64211234567","content":{{"type":"text","text":{{"body":null}}}}}}"#
        ),
        // Unknown shape, with an id.
        _ => format!(r#"{{"id":"{id}","kind":"future-event"}}"#),
    };
    Event { id, body }
}

struct Harness {
    addr: SocketAddr,
    receiver: Receiver,
    handler: Arc<Scripted>,
    http: reqwest::Client,
}

impl Harness {
    async fn start() -> Self {
        let handler = Arc::new(Scripted::default());
        let receiver = Receiver::builder()
            .url(format!("http://{USER}:{PASS}@127.0.0.1/cb"))
            .handler_timeout(HANDLER_TIMEOUT)
            .body_limit(BODY_LIMIT)
            .handler(Handler(handler.clone()))
            .build()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let served = receiver.clone();
        tokio::spawn(async move { served.serve(listener, std::future::pending()).await });
        Self {
            addr,
            receiver,
            handler,
            http: reqwest::Client::new(),
        }
    }

    async fn post(&self, body: String, auth: bool) -> u16 {
        let mut request = self
            .http
            .post(format!("http://{}/cb", self.addr))
            .body(body);
        if auth {
            request = request.basic_auth(USER, Some(PASS));
        }
        request.send().await.unwrap().status().as_u16()
    }

    /// A connection carrying `body` as an authenticated POST, whole or cut
    /// halfway through the body; left open for the caller to hang up.
    async fn raw(&self, body: &str, whole: bool) -> tokio::net::TcpStream {
        use base64::Engine as _;
        use tokio::io::AsyncWriteExt as _;
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASS}"));
        let sent = if whole { body } else { &body[..body.len() / 2] };
        let request = format!(
            "POST /cb HTTP/1.1\r\nhost: {}\r\nauthorization: Basic {credentials}\r\ncontent-length: {}\r\n\r\n{sent}",
            self.addr,
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        stream
    }

    fn script(&self, id: &str, behaviour: Behaviour) {
        self.handler
            .next
            .lock()
            .unwrap()
            .entry(id.to_owned())
            .or_default()
            .push_back(behaviour);
    }

    /// Waits until only the `hung` handlers run (the others' claims are
    /// settled by then).
    async fn quiet(&self, hung: usize) {
        for _ in 0..500 {
            if self.receiver.handlers_running() == hung {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("handlers still running");
    }
}

/// What one step of a sequence does.
enum Step {
    Delivery,
    LateFinish,
    Duplicates,
    HangUp,
    Oversize,
    NotJson,
    Unauthenticated,
}

/// Counts of the steps taken, for the report.
#[derive(Debug, Default)]
struct Tally(HashMap<&'static str, usize>);

impl Tally {
    fn add(&mut self, step: &'static str) {
        *self.0.entry(step).or_default() += 1;
    }
}

async fn run_sequence(sequence: u64, steps: usize) -> Tally {
    let mut rng =
        StdRng::seed_from_u64(env("PROMISE_SEED", 11) ^ sequence.wrapping_mul(0x9E37_79B9));
    let h = Harness::start().await;
    let events: Vec<Event> = (0..rng.random_range(2..7))
        .map(|n| event(&mut rng, n, sequence))
        .collect();
    let mut model: Vec<Model> = vec![Model::default(); events.len()];
    let mut releases: HashMap<usize, oneshot::Sender<bool>> = HashMap::new();
    let mut tally = Tally::default();
    for step in 0..steps {
        let i = rng.random_range(0..events.len());
        let (e, m) = (&events[i], &mut model[i]);
        let context = format!("sequence {sequence} step {step} event {} {m:?}", e.id);
        let step_kind = match rng.random_range(0..100) {
            55..=64 if m.running => Step::LateFinish,
            65..=74 if !m.done && !m.running => Step::Duplicates,
            75..=79 if !m.done && !m.running => Step::HangUp,
            80..=86 => Step::Oversize,
            87..=92 => Step::NotJson,
            93..=99 => Step::Unauthenticated,
            _ => Step::Delivery,
        };
        match step_kind {
            // A delivery (or redelivery) with the next handler behaviour.
            Step::Delivery => {
                tally.add("delivery");
                let behaviour = match rng.random_range(0..10) {
                    0..=3 => Behaviour::Succeed,
                    4 | 5 => Behaviour::Fail,
                    6 => Behaviour::PanicNow,
                    7 => Behaviour::PanicLater,
                    _ => Behaviour::Hang,
                };
                let runs = !m.done && !m.running;
                if runs {
                    h.script(&e.id, behaviour);
                    if behaviour == Behaviour::Hang {
                        let (tx, rx) = oneshot::channel();
                        h.handler.hung.lock().unwrap().insert(e.id.clone(), rx);
                        releases.insert(i, tx);
                    }
                }
                let expected = match (m.done, m.running, behaviour) {
                    (true, _, _) => 200,
                    (false, true, _) => 503,
                    (false, false, Behaviour::Succeed) => 200,
                    (false, false, Behaviour::Hang) => 503,
                    (false, false, _) => 500,
                };
                let got = h.post(e.body.clone(), true).await;
                // A busy machine may start a quick handler after the handler
                // timeout: then 503 ("deliver again later") is the answer,
                // and its outcome is recorded all the same once it ends
                // (checked below by the calls and at the end by the count).
                let late = runs && behaviour != Behaviour::Hang && got == 503;
                assert!(
                    got == expected || late,
                    "{context}: delivery with {behaviour:?}: {got}, expected {expected}"
                );
                if runs {
                    m.calls += 1;
                    match behaviour {
                        Behaviour::Succeed => m.done = true,
                        Behaviour::Hang => m.running = true,
                        _ => {}
                    }
                    h.quiet(releases.len()).await;
                }
            }
            // The hung handler of this event finishes, well or badly.
            Step::LateFinish => {
                tally.add("late finish");
                let ok = rng.random_bool(0.5);
                releases.remove(&i).unwrap().send(ok).unwrap();
                h.quiet(releases.len()).await;
                m.running = false;
                m.done = ok;
            }
            // Concurrent duplicates of one delivery.
            Step::Duplicates => {
                tally.add("concurrent duplicates");
                h.script(&e.id, Behaviour::SucceedAfter(Duration::from_millis(5)));
                let k = rng.random_range(2..6);
                let posts = (0..k).map(|_| h.post(e.body.clone(), true));
                let answers = futures_util::future::join_all(posts).await;
                assert!(
                    answers.iter().all(|&s| s == 200 || s == 503),
                    "{context}: {answers:?}"
                );
                h.quiet(releases.len()).await;
                m.calls += 1;
                m.done = true;
                // Every answer a 503 (the one handler outlived the timeout on
                // a busy machine): it succeeded all the same, so now a
                // redelivery is a duplicate.
                if !answers.contains(&200) {
                    assert_eq!(h.post(e.body.clone(), true).await, 200, "{context}");
                }
            }
            // A caller that hangs up before the answer: either once its
            // request reached the handler (which then runs to its end and is
            // recorded), or in the middle of its body (nothing reaches the
            // handler). Decided by the test, not by the machine's speed.
            Step::HangUp => {
                tally.add("hang-up");
                h.script(&e.id, Behaviour::SucceedAfter(Duration::from_millis(15)));
                let reached = rng.random_bool(0.5);
                let calls = |h: &Harness| {
                    h.handler
                        .calls
                        .lock()
                        .unwrap()
                        .get(&e.id)
                        .copied()
                        .unwrap_or(0)
                };
                let mut caller = h.raw(&e.body, reached).await;
                if reached {
                    for _ in 0..10_000 {
                        if calls(&h) > m.calls {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    assert!(
                        calls(&h) > m.calls,
                        "{context}: the request never reached the handler"
                    );
                }
                use tokio::io::AsyncWriteExt as _;
                let _ = caller.shutdown().await;
                drop(caller);
                h.quiet(releases.len()).await;
                if reached {
                    m.calls += 1;
                    m.done = true;
                } else {
                    // Never reached the handler: drop the unused script.
                    h.handler.next.lock().unwrap().remove(&e.id);
                }
            }
            // Bodies the receiver must refuse without calling anyone.
            Step::Oversize => {
                tally.add("oversize");
                let body = format!(
                    r#"{{"id":"{}","status":"sent","pad":"{}"}}"#,
                    e.id,
                    "x".repeat(BODY_LIMIT)
                );
                assert_eq!(h.post(body, true).await, 413, "{context}");
            }
            Step::NotJson => {
                tally.add("not JSON");
                assert_eq!(
                    h.post(format!("id={}&status=sent", e.id), true).await,
                    400,
                    "{context}"
                );
            }
            Step::Unauthenticated => {
                tally.add("unauthenticated");
                assert_eq!(h.post(e.body.clone(), false).await, 401, "{context}");
            }
        }
        let calls = h
            .handler
            .calls
            .lock()
            .unwrap()
            .get(&e.id)
            .copied()
            .unwrap_or(0);
        assert_eq!(
            calls, model[i].calls,
            "sequence {sequence} step {step}: handler calls of {}",
            events[i].id
        );
    }
    // Nothing stays locked: every event can still be handled, once.
    for (i, e) in events.iter().enumerate() {
        if let Some(release) = releases.remove(&i) {
            release.send(true).unwrap();
            h.quiet(releases.len()).await;
            model[i].running = false;
            model[i].done = true;
        }
        assert_eq!(
            h.post(e.body.clone(), true).await,
            200,
            "sequence {sequence}: {} final",
            e.id
        );
        let succeeded = h
            .handler
            .succeeded
            .lock()
            .unwrap()
            .get(&e.id)
            .copied()
            .unwrap_or(0);
        assert_eq!(
            succeeded, 1,
            "sequence {sequence}: {} handled {succeeded} times",
            e.id
        );
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_handled_exactly_once_whatever_happens() {
    // The scripted panics are expected: keep their reports (and the time a
    // backtrace takes) out of the run.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let scripted = info
            .payload()
            .downcast_ref::<&str>()
            .is_some_and(|m| m.starts_with("scripted panic"));
        if !scripted {
            default_hook(info);
        }
    }));
    let sequences = env("PROMISE_SEQUENCES", 60);
    let steps = 30;
    let mut tasks: tokio::task::JoinSet<Tally> = tokio::task::JoinSet::new();
    let mut total = Tally::default();
    for sequence in 0..sequences {
        if tasks.len() >= 4 {
            let tally = tasks.join_next().await.unwrap().unwrap();
            for (k, v) in tally.0 {
                *total.0.entry(k).or_default() += v;
            }
        }
        tasks.spawn(run_sequence(sequence, steps));
    }
    while let Some(tally) = tasks.join_next().await {
        for (k, v) in tally.unwrap().0 {
            *total.0.entry(k).or_default() += v;
        }
    }
    let mut counts: Vec<_> = total.0.into_iter().collect();
    counts.sort();
    report!(
        "callback model: {sequences} sequences of {steps} steps, every answer as predicted, every event handled once: {counts:?}"
    );
}
