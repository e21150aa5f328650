//! What the crate reports (feature `metrics`): counters and histograms
//! through the `metrics` facade, read by a recorder installed here, and the
//! `tracing` spans of each request, read by a subscriber installed here.

use metrics::{
    Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use modica_wab::callback::{Callback, HandlerError, Receiver};
use modica_wab::{Client, Message, Pacing, RetryPolicy};
use modica_wab_sandbox::{Fault, Sandbox};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Every counter and histogram, by name and sorted labels.
#[derive(Default)]
struct Recorded {
    counters: Mutex<BTreeMap<String, Arc<AtomicU64>>>,
    histograms: Mutex<BTreeMap<String, Arc<Mutex<Vec<f64>>>>>,
}

struct Count(Arc<AtomicU64>);
impl CounterFn for Count {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::SeqCst);
    }
    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::SeqCst);
    }
}

struct Values(Arc<Mutex<Vec<f64>>>);
impl HistogramFn for Values {
    fn record(&self, value: f64) {
        self.0.lock().unwrap().push(value);
    }
}

/// `name{a=1,b=2}` with the labels sorted.
fn name(key: &Key) -> String {
    let mut labels: Vec<String> = key
        .labels()
        .map(|l| format!("{}={}", l.key(), l.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

struct Shared(&'static Recorded);
impl Recorder for Shared {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let mut c = self.0.counters.lock().unwrap();
        let cell = c.entry(name(key)).or_default().clone();
        Counter::from_arc(Arc::new(Count(cell)))
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        let mut h = self.0.histograms.lock().unwrap();
        let cell = h.entry(name(key)).or_default().clone();
        Histogram::from_arc(Arc::new(Values(cell)))
    }
}

fn recorded() -> &'static Recorded {
    static RECORDED: OnceLock<&'static Recorded> = OnceLock::new();
    RECORDED.get_or_init(|| {
        let recorded: &'static Recorded = Box::leak(Box::default());
        metrics::set_global_recorder(Shared(recorded)).expect("the only recorder");
        recorded
    })
}

fn counter(name: &str) -> u64 {
    recorded()
        .counters
        .lock()
        .unwrap()
        .get(name)
        .map_or(0, |c| c.load(Ordering::SeqCst))
}

fn histogram(name: &str) -> Vec<f64> {
    recorded()
        .histograms
        .lock()
        .unwrap()
        .get(name)
        .map(|h| h.lock().unwrap().clone())
        .unwrap_or_default()
}

/// The spans opened, with their fields, as `name operation=… attempt=…`.
mod spans {
    use std::sync::Mutex;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    pub static OPENED: Mutex<Vec<String>> = Mutex::new(Vec::new());

    struct Fields(String);
    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.push_str(&format!(" {}={value:?}", field.name()));
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.push_str(&format!(" {}={value}", field.name()));
        }
    }

    pub struct Spans;
    impl Subscriber for Spans {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut fields = Fields(span.metadata().name().to_owned());
            span.record(&mut fields);
            let mut opened = OPENED.lock().unwrap();
            opened.push(fields.0);
            Id::from_u64(opened.len() as u64)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

/// Virtual time: a sleep returns at once and moves the clock on, so pacing
/// waits are exactly what the limiter asked for, whatever the machine does.
#[derive(Debug, Default)]
struct VirtualTime(std::sync::atomic::AtomicU64);

impl modica_wab::clock::Sleeper for VirtualTime {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::SeqCst))
    }
    fn sleep(
        &self,
        d: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        self.0.fetch_add(
            u64::try_from(d.as_nanos()).unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
        Box::pin(async {})
    }
}

#[tokio::test]
async fn sends_retries_callbacks_dedupe_and_pacing_are_counted() {
    recorded();
    tracing::subscriber::set_global_default(spans::Spans).expect("the only subscriber");

    let handled = Arc::new(AtomicU64::new(0));
    let h = handled.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://hooks:pw@{}/cb", listener.local_addr().unwrap());
    let receiver = Receiver::builder()
        .url(&url)
        .handler(move |_event: Callback| {
            let h = h.clone();
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });
    let sandbox = Sandbox::builder()
        .dlr_url(&url)
        .dlr_delay(Duration::from_millis(5))
        .duplicate_callbacks(1.0, 0.0, 3)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .retry(RetryPolicy::standard().backoff(Duration::from_millis(5), Duration::from_millis(20)))
        .pacing(Pacing::new().per_source(50))
        .sleeper(Arc::new(VirtualTime::default()))
        .build()
        .unwrap();

    // Two sends accepted; one after a 429 (retried); one refused with 131026.
    sandbox.fail_next([Fault::TooManyRequests(Duration::from_millis(10))]);
    for i in 0..3 {
        client
            .send(&Message::text("+64211234567", format!("m{i}")))
            .await
            .unwrap();
    }
    sandbox.fail_next([Fault::WhatsAppError(131026)]);
    let refused = client.send(&Message::text("+64211234568", "x")).await;
    assert!(refused.is_err());
    assert!(sandbox.settle(Duration::from_secs(10)).await);

    let sends = "modica_wab_requests_total{code=none,outcome=success,route=POST /messages}";
    assert_eq!(counter(sends), 3);
    assert_eq!(
        counter("modica_wab_requests_total{code=131026,outcome=api_error,route=POST /messages}"),
        1
    );
    assert_eq!(
        counter("modica_wab_retries_total{reason=status_429,route=POST /messages}"),
        1
    );
    let latencies =
        histogram("modica_wab_request_duration_seconds{outcome=success,route=POST /messages}");
    assert_eq!(latencies.len(), 3);
    assert!(
        latencies.iter().all(|s| *s > 0.0 && *s < 10.0),
        "{latencies:?}"
    );
    // 50/s on one source: every attempt was paced.
    let waits = histogram("modica_wab_pacing_wait_seconds{}");
    // In virtual time, exactly: the first send and its retry (a second
    // later, after the 429's Retry-After) go at once; each send after them
    // waits its 20 ms slot.
    assert_eq!(waits, [0.0, 0.0, 0.02, 0.02, 0.02], "{waits:?}");

    // Each of the three accepted sends: `sent` and `received`, each delivered twice.
    let by_status = |status: &str, outcome: &str| {
        counter(&format!(
            "modica_wab_callbacks_total{{kind=dlr,outcome={outcome},status={status}}}"
        ))
    };
    assert_eq!(by_status("sent", "handled"), 3);
    assert_eq!(by_status("received", "handled"), 3);
    let handled_dlrs = by_status("sent", "handled") + by_status("received", "handled");
    let duplicates = by_status("sent", "duplicate") + by_status("received", "duplicate");
    assert_eq!(handled_dlrs, 6);
    assert_eq!(handled.load(Ordering::SeqCst), 6);
    assert_eq!(duplicates, 6);
    assert_eq!(counter("modica_wab_dedup_hits_total{kind=dlr}"), 6);

    // The service window's local refusals and fallbacks.
    let windowed = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .service_window(modica_wab::window::ServiceWindow::in_memory())
        .build()
        .unwrap();
    let never_wrote = "+64211239999";
    assert!(
        windowed
            .send(&Message::text(never_wrote, "hi"))
            .await
            .is_err()
    );
    let fallback = modica_wab::message::Template::new("hello", "en");
    windowed
        .send(&Message::text(never_wrote, "hi").or_template(fallback))
        .await
        .unwrap();
    assert_eq!(counter("modica_wab_window_total{outcome=refused}"), 1);
    assert_eq!(counter("modica_wab_window_total{outcome=fallback}"), 1);

    // Each request had its span, and each attempt its own with its number.
    let opened = spans::OPENED.lock().unwrap().clone();
    let requests = opened
        .iter()
        .filter(|s| s.starts_with("modica_wab.request route=POST /messages"))
        .count();
    assert_eq!(requests, 5, "the four, and the fallback: {opened:?}");
    assert!(
        opened.contains(&"modica_wab.attempt route=POST /messages attempt=2".to_owned()),
        "{opened:?}"
    );
}
