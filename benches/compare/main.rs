//! Side-by-side measurements in one run: the facade against raw reqwest, the
//! receiver against a bare axum route, and the parsers against serde_json and
//! plain derived structs doing the same work. Every paired run's figures go to
//! stderr as they come; the Markdown table on stdout (with the date and the
//! machine) gives the median ratio and its spread.
//!
//! `cargo bench -p modica-wab-benches --bench compare --features redis` (add `-- --quick` for a short run, and
//! `-- --only overhead|throughput|receiver|parsing` for one section)

mod floor;
mod receiver;

use modica_wab::callback::{parse_dlr, parse_mo};
use modica_wab::{Client, Message, RetryPolicy};
use modica_wab_sandbox::Sandbox;
use std::path::Path;
use std::time::{Duration, Instant};

struct Row {
    name: &'static str,
    ours: String,
    baseline: String,
    /// The median ratio.
    ratio: f64,
    /// Min and max of the ratio over the paired runs, and how many.
    spread: Option<Spread>,
    target: &'static str,
    met: bool,
}

/// The median, min and max of a figure over several runs.
#[derive(Clone, Copy)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
    runs: usize,
}

impl Spread {
    fn of(values: &[f64]) -> Self {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        Spread {
            median: v[v.len() / 2],
            min: v[0],
            max: v[v.len() - 1],
            runs: v.len(),
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A minimal server answering `POST /messages` with a fixed 202: cheap, so the
/// client's own cost is what differs between the two sides.
async fn fixed_server() -> String {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/messages",
        post(|| async {
            (
                axum::http::StatusCode::ACCEPTED,
                [("content-type", "application/json")],
                r#"[{"id":"8b7a0f7e-3f0e-4a8e-9d7e-2f0b6c1d4e5a","status":"accepted","reference":""}]"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn client(base: &str, user: &str, pass: &str) -> Client {
    Client::builder()
        .credentials(user, pass)
        .base_url(base)
        .default_source("6421000001")
        .retry(RetryPolicy::standard())
        .build()
        .unwrap()
}

/// Raw reqwest with the same timeouts the facade sets by default (connect 10 s,
/// read 30 s, and 30 s per request below), so both sides run the same timers.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

const TO: &str = "+64211234567";

fn body(reference: &str) -> serde_json::Value {
    serde_json::json!({
        "to": TO, "type": "text", "source": "6421000001",
        "text": { "body": "Kia ora! Your order has shipped." }, "reference": reference,
    })
}

async fn raw_send(http: &reqwest::Client, base: &str, user: &str, pass: &str, reference: &str) {
    let response = http
        .post(format!("{base}/messages"))
        .basic_auth(user, Some(pass))
        .header("accept", "application/json")
        .timeout(Duration::from_secs(30))
        .json(&body(reference))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let accepted: Vec<serde_json::Value> = response.json().await.unwrap();
    assert!(!accepted.is_empty());
}

/// One paired run: `rounds` rounds alternating which side goes first, each
/// side `per_round` sequential sends; the run's ratio is the quotient of the
/// two sides' median latencies.
async fn overhead_run(
    facade: &Client,
    http: &reqwest::Client,
    base: &str,
    rounds: usize,
    per_round: usize,
) -> (Duration, Duration) {
    let message = Message::text(TO, "Kia ora! Your order has shipped.").reference("r");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which side goes first, so drift hits both alike.
        for side in [round % 2, 1 - round % 2] {
            for _ in 0..per_round {
                let t = Instant::now();
                if side == 0 {
                    facade.send(&message).await.unwrap();
                    ours.push(t.elapsed());
                } else {
                    raw_send(http, base, "u", "p", "r").await;
                    theirs.push(t.elapsed());
                }
            }
        }
    }
    (median(ours), median(theirs))
}

async fn overhead(runs: usize, rounds: usize, per_round: usize) -> Row {
    let base = fixed_server().await;
    let facade = client(&base, "u", "p");
    let http = raw_client();
    overhead_run(&facade, &http, &base, 2, 200).await;
    let mut ratios = Vec::new();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        let (a, b) = overhead_run(&facade, &http, &base, rounds, per_round).await;
        let ratio = a.as_secs_f64() / b.as_secs_f64();
        eprintln!(
            "overhead run {run}/{runs}: facade {:.1} µs, reqwest {:.1} µs, ratio {ratio:.3}",
            a.as_secs_f64() * 1e6,
            b.as_secs_f64() * 1e6
        );
        ratios.push(ratio);
        ours.push(a);
        theirs.push(b);
    }
    let spread = Spread::of(&ratios);
    let (a, b) = (median(ours), median(theirs));
    Row {
        name: "request overhead: `send(text)` vs reqwest POST (median latency)",
        ours: format!("{:.1} µs", a.as_secs_f64() * 1e6),
        baseline: format!("{:.1} µs", b.as_secs_f64() * 1e6),
        ratio: spread.median,
        spread: Some(spread),
        target: "≤ 1.03",
        met: spread.median <= 1.03,
    }
}

async fn throughput(total: usize, concurrency: usize, rounds: usize) -> Row {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let base = sandbox.base_url();
    let (user, pass) = (sandbox.username().to_owned(), sandbox.password().to_owned());
    let facade = client(&base, &user, &pass);
    let http = raw_client();
    let run_facade = |tag: String| {
        let facade = facade.clone();
        async move {
            let t = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for w in 0..concurrency {
                let facade = facade.clone();
                let tag = tag.clone();
                tasks.spawn(async move {
                    for i in (w..total).step_by(concurrency) {
                        let m = Message::text(TO, "Kia ora! Your order has shipped.")
                            .reference(format!("{tag}-{i}"));
                        facade.send(&m).await.unwrap();
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
            t.elapsed()
        }
    };
    let run_raw = |tag: String| {
        let http = http.clone();
        let (base, user, pass) = (base.clone(), user.clone(), pass.clone());
        async move {
            let t = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for w in 0..concurrency {
                let (http, base, user, pass, tag) = (
                    http.clone(),
                    base.clone(),
                    user.clone(),
                    pass.clone(),
                    tag.clone(),
                );
                tasks.spawn(async move {
                    for i in (w..total).step_by(concurrency) {
                        raw_send(&http, &base, &user, &pass, &format!("{tag}-{i}")).await;
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
            t.elapsed()
        }
    };
    run_facade("warm".into()).await;
    run_raw("warm-raw".into()).await;
    // Each round runs both sides back to back (order alternating); the ratio is
    // the median of the per-round ratios, so slow drift on a shared machine cancels.
    let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = run_facade(format!("f{round}")).await;
            (a, run_raw(format!("r{round}")).await)
        } else {
            let b = run_raw(format!("r{round}")).await;
            (run_facade(format!("f{round}")).await, b)
        };
        ratios.push(b.as_secs_f64() / a.as_secs_f64());
        ours.push(a);
        theirs.push(b);
    }
    let spread = Spread::of(&ratios);
    let ratio = spread.median;
    let per_sec = |d: Duration| total as f64 / d.as_secs_f64();
    let (a, b) = (per_sec(median(ours)), per_sec(median(theirs)));
    Row {
        name: if total == 10_000 {
            "throughput: 10,000 sends at concurrency 64 against the sandbox"
        } else {
            "throughput (quick run: 2,000 sends) at concurrency 64 against the sandbox"
        },
        ours: format!("{a:.0} msg/s"),
        baseline: format!("{b:.0} msg/s"),
        ratio,
        spread: Some(spread),
        target: "≥ 0.95",
        met: ratio >= 0.95,
    }
}

fn fixtures(kind: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/callbacks")
        .join(kind);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// Drops the kind tag, if any (JSON never starts with `m` or `d`).
fn untag(b: &[u8]) -> &[u8] {
    match b.first() {
        Some(b'm' | b'd') => &b[1..],
        _ => b,
    }
}

fn value(b: &[u8]) {
    std::hint::black_box(serde_json::from_slice::<serde_json::Value>(untag(b)).unwrap());
}

/// The hand-written floor: plain derived structs, the kind told by the tag
/// (or, untagged, in the same pass, by the keys present, as a
/// hand-written receiver with one URL for both would).
fn derived(b: &[u8]) {
    match b.split_first() {
        Some((b'm', body)) => {
            std::hint::black_box(floor::mo(body));
        }
        Some((b'd', body)) => {
            std::hint::black_box(floor::dlr(body));
        }
        _ => {
            std::hint::black_box(floor::either(b));
        }
    }
}

/// A parse of one body (the result dropped into `black_box`).
type Parser<'a> = &'a dyn Fn(&[u8]);

/// Times `typed` against `baseline` over the same bytes, interleaved; the ratio
/// is of times (below 1 is faster), the median of `runs` paired runs.
fn parse_row(
    name: &'static str,
    inputs: &[Vec<u8>],
    iterations: usize,
    runs: usize,
    (typed, baseline): (Parser<'_>, Parser<'_>),
    target: f64,
) -> Row {
    let events = inputs.len() * iterations;
    let time = |f: Parser<'_>| {
        let t = Instant::now();
        for _ in 0..iterations {
            for b in inputs {
                f(b);
            }
        }
        t.elapsed()
    };
    time(typed);
    time(baseline);
    let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        // Alternate which side goes first.
        let (a, b) = if run % 2 == 0 {
            let a = time(typed);
            (a, time(baseline))
        } else {
            let b = time(baseline);
            (time(typed), b)
        };
        let ratio = a.as_secs_f64() / b.as_secs_f64();
        eprintln!(
            "{} run {}/{runs}: {:.0} vs {:.0} events/s, time ratio {ratio:.3}",
            name.trim(),
            run + 1,
            events as f64 / a.as_secs_f64(),
            events as f64 / b.as_secs_f64(),
        );
        ratios.push(ratio);
        ours.push(a);
        theirs.push(b);
    }
    let spread = Spread::of(&ratios);
    let (a, b) = (median(ours), median(theirs));
    let per_sec = |d: Duration| events as f64 / d.as_secs_f64();
    Row {
        name,
        ours: format!("{:.0} events/s", per_sec(a)),
        baseline: format!("{:.0} events/s", per_sec(b)),
        ratio: spread.median,
        spread: Some(spread),
        target: if target < 1.1 { "≤ 1.00" } else { "≤ 1.20" },
        met: spread.median <= target,
    }
}

fn parsing(iterations: usize, runs: usize) -> Vec<Row> {
    let mo = fixtures("mo");
    let dlr = fixtures("dlr");
    // Each body tagged with its kind: the typed side calls the parser for that kind.
    let all: Vec<Vec<u8>> = mo
        .iter()
        .map(|b| [&[b'm'][..], b].concat())
        .chain(dlr.iter().map(|b| [&[b'd'][..], b].concat()))
        .collect();
    let untagged: Vec<Vec<u8>> = mo.iter().chain(&dlr).cloned().collect();
    let by_kind = |b: &[u8]| match b.split_first() {
        Some((b'm', body)) => {
            std::hint::black_box(parse_mo(body).unwrap());
        }
        Some((_, body)) => {
            std::hint::black_box(parse_dlr(body).unwrap());
        }
        None => {}
    };
    let either = |b: &[u8]| {
        std::hint::black_box(modica_wab::callback::parse(b).unwrap());
    };
    let mo_only = |b: &[u8]| {
        std::hint::black_box(parse_mo(b).unwrap());
    };
    let dlr_only = |b: &[u8]| {
        std::hint::black_box(parse_dlr(b).unwrap());
    };
    let derived_mo = |b: &[u8]| {
        std::hint::black_box(floor::mo(b));
    };
    let derived_dlr = |b: &[u8]| {
        std::hint::black_box(floor::dlr(b));
    };
    vec![
        parse_row(
            "callback parsing, all fixtures: `parse_mo`/`parse_dlr` vs `serde_json::Value` (time)",
            &all,
            iterations,
            runs,
            (&by_kind, &value),
            1.0,
        ),
        parse_row(
            "  all fixtures: `parse_mo`/`parse_dlr` vs plain derived structs (time)",
            &all,
            iterations,
            runs,
            (&by_kind, &derived),
            1.2,
        ),
        parse_row(
            "  `parse` (MO or DLR, told in one pass) vs `Value`",
            &untagged,
            iterations,
            runs,
            (&either, &value),
            1.0,
        ),
        parse_row(
            "  `parse` vs derived structs (one pass, kind told by the keys present)",
            &untagged,
            iterations,
            runs,
            (&either, &derived),
            1.2,
        ),
        parse_row(
            "  MO fixtures: `parse_mo` vs `Value`",
            &mo,
            iterations,
            runs,
            (&mo_only, &value),
            1.0,
        ),
        parse_row(
            "  MO fixtures: `parse_mo` vs derived structs",
            &mo,
            iterations,
            runs,
            (&mo_only, &derived_mo),
            1.2,
        ),
        parse_row(
            "  DLR fixtures: `parse_dlr` vs `Value`",
            &dlr,
            iterations,
            runs,
            (&dlr_only, &value),
            1.0,
        ),
        parse_row(
            "  DLR fixtures: `parse_dlr` vs derived structs",
            &dlr,
            iterations,
            runs,
            (&dlr_only, &derived_dlr),
            1.2,
        ),
    ]
}

/// Today's date (UTC), from the system clock.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The CPU model, how many threads this process may run, and the memory.
fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim());
    let meminfo = read("/proc/meminfo");
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or_else(String::new, |kb| {
            format!(", {:.1} GiB", kb as f64 / 1_048_576.0)
        });
    let threads = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{model}, {threads} threads{memory}, {}",
        std::env::consts::OS
    )
}

/// Whether serde_json keeps map order here. A feature another crate turns on
/// (`preserve_order`, e.g. through thirtyfour when integration-tests' `browser` feature
/// is built along, with `--all-features` and no `-p`) makes every `Value` an `IndexMap` and the `Value` baselines slower,
/// which would flatter the ratios: the figures say so when it is on.
fn value_baseline_note() -> &'static str {
    let map: serde_json::Value = serde_json::from_str(r#"{"b":0,"a":0}"#).unwrap_or_default();
    let first = map.as_object().and_then(|m| m.keys().next().cloned());
    if first.as_deref() == Some("b") {
        " (serde_json `preserve_order` is ON: the `Value` baselines are slower than a user's; run with `-p modica-wab`)"
    } else {
        ""
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let only: Option<String> = std::env::args().skip_while(|a| a != "--only").nth(1);
    let want = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (runs, rounds, per_round) = if quick { (5, 4, 50) } else { (7, 10, 200) };
    let mut rows = Vec::new();
    if want("overhead") {
        rows.push(runtime.block_on(overhead(runs, rounds, per_round)));
    }
    let (total, t_rounds) = if quick { (2_000, 3) } else { (10_000, 11) };
    if want("throughput") {
        rows.push(runtime.block_on(throughput(total, 64, t_rounds)));
    }
    if want("receiver") {
        let (total, runs) = if quick { (4_000, 3) } else { (20_000, 7) };
        rows.extend(runtime.block_on(receiver::rows(total, runs)));
    }
    if want("parsing") {
        rows.extend(parsing(
            if quick { 200 } else { 2_000 },
            if quick { 3 } else { 7 },
        ));
    }
    println!("{}, {}{}\n", today(), machine(), value_baseline_note());
    println!(
        "| measurement | modica-wab | baseline | ratio (median) | min–max (runs) | target | met |"
    );
    println!("|---|---|---|---|---|---|---|");
    for r in &rows {
        let spread = r.spread.map_or_else(
            || "–".to_owned(),
            |s| format!("{:.3}–{:.3} ({})", s.min, s.max, s.runs),
        );
        println!(
            "| {} | {} | {} | {:.3} | {spread} | {} | {} |",
            r.name,
            r.ours,
            r.baseline,
            r.ratio,
            r.target,
            match (r.target, r.met) {
                ("–", _) => "–",
                (_, true) => "yes",
                (_, false) => "no",
            }
        );
    }
}
