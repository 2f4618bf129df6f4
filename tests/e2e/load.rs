//! Load: thousands of mixed requests (valid, invalid, hostile, cached, passed through,
//! failing upstreams) at high concurrency against the Worker in workerd. Every answer must
//! have the status its kind calls for, none may hang, and the Worker must still answer at
//! the end. Not part of `make test` (it takes minutes); `make load` runs it and prints the
//! figures. `LOAD_REQUESTS` (default 10000) and `LOAD_CONCURRENCY` (default 32) size it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::manifest::{listed, manifest, ACCEPTED_HOSTILE, REFUSED_VALID};
use super::worker::{get, harness, origin_url};

/// What a request's answer must be.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Status(u16),
    ClientError,
}

impl Expect {
    fn accepts(self, status: u16) -> bool {
        match self {
            Expect::Status(want) => status == want,
            Expect::ClientError => (400..500).contains(&status),
        }
    }
}

/// The request mix: every corpus file, bad options, refused sources, failing upstreams,
/// static files and a large pass-through, in a fixed order that the run cycles through.
/// Widths vary with the round so that most transforms miss the cache.
fn mix(round: usize) -> Vec<(String, Expect)> {
    let width = 16 + round % 48;
    let mut mix: Vec<(String, Expect)> = manifest()
        .into_iter()
        .filter(|entry| entry.expected != "format" && !entry.path.is_empty())
        .map(|entry| {
            let url = format!(
                "/cdn-cgi/image/width={width},format=jpeg/{}",
                origin_url(&format!("/corpus/{}", entry.path))
            );
            let expect = match (
                entry.is_hostile(),
                listed(ACCEPTED_HOSTILE, &entry.path),
                listed(REFUSED_VALID, &entry.path),
            ) {
                (true, false, _) | (false, _, true) => Expect::ClientError,
                _ => Expect::Status(200),
            };
            (url, expect)
        })
        .collect();
    let more = [
        (format!("/cdn-cgi/image/width={width}/samples/landscape.jpg"), Expect::Status(200)),
        ("/cdn-cgi/image/width=64/samples/disc.png".to_string(), Expect::Status(200)),
        (format!("/image?url=/samples/board.webp&w={width}&fit=cover&h=20&g=auto"), Expect::Status(200)),
        ("/samples/stripes.gif".to_string(), Expect::Status(200)),
        ("/cdn-cgi/image/width=0/samples/landscape.jpg".to_string(), Expect::Status(400)),
        ("/cdn-cgi/image/nope=1/samples/landscape.jpg".to_string(), Expect::Status(400)),
        ("/cdn-cgi/image/width=10/https://example.com/a.jpg".to_string(), Expect::Status(403)),
        ("/cdn-cgi/image/width=10/http://169.254.169.254/latest".to_string(), Expect::Status(403)),
        (format!("/cdn-cgi/image/width=10/{}", origin_url("/status/404")), Expect::Status(404)),
        (format!("/cdn-cgi/image/width=10/{}", origin_url("/status/500")), Expect::Status(502)),
        (format!("/cdn-cgi/image/width=10/{}", origin_url("/page.html")), Expect::Status(415)),
        (format!("/cdn-cgi/image/width=10/{}", origin_url("/broken.jpg")), Expect::Status(502)),
        (format!("/cdn-cgi/image/width=10/{}", origin_url("/redirect-loop")), Expect::Status(502)),
    ];
    mix.extend(more);
    // One large pass-through (6 MiB, both with and without Content-Length) per round.
    if round.is_multiple_of(2) {
        mix.push((format!("/cdn-cgi/image/width=10/{}", origin_url("/big.jpg")), Expect::Status(200)));
    } else {
        mix.push((
            format!("/cdn-cgi/image/width=10/{}", origin_url("/big-chunked.jpg")),
            Expect::Status(200),
        ));
    }
    mix
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn wasm_memory() -> u64 {
    let stats: serde_json::Value = serde_json::from_slice(&get("/debug/memory-stats").body).expect("json");
    stats["wasm_memory_bytes"].as_u64().unwrap_or(0)
}

#[test]
#[ignore = "load test, minutes long: run by make load"]
fn load_mixed_requests() {
    let total = env_number("LOAD_REQUESTS", 10_000);
    let concurrency = env_number("LOAD_CONCURRENCY", 32);
    let base = harness().base.clone();
    let rounds: Vec<Vec<(String, Expect)>> = (0..48).map(mix).collect();
    let per_round = rounds.first().map_or(1, Vec::len);
    let memory_before = wasm_memory();
    let next = AtomicUsize::new(0);
    let latencies = Mutex::new(Vec::with_capacity(total));
    let unexpected = Mutex::new(Vec::new());
    let hung = AtomicUsize::new(0);
    let started = Instant::now();
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).redirects(0).build();
    std::thread::scope(|scope| {
        for _ in 0..concurrency {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total {
                    break;
                }
                let round = &rounds[(index / per_round) % rounds.len()];
                let (path, expect) = &round[index % per_round];
                let sent = Instant::now();
                let status = match agent.get(&format!("{base}{path}")).call() {
                    Ok(response) | Err(ureq::Error::Status(_, response)) => {
                        let status = response.status();
                        // Read the whole body: a broken or endless body would show here.
                        let mut sink = Vec::new();
                        let read = std::io::Read::read_to_end(&mut response.into_reader(), &mut sink);
                        if read.is_err() {
                            None
                        } else {
                            Some(status)
                        }
                    }
                    Err(_) => None,
                };
                latencies.lock().unwrap().push(sent.elapsed());
                match status {
                    Some(status) if expect.accepts(status) => {}
                    Some(status) => {
                        unexpected.lock().unwrap().push(format!("{status} for {path} ({expect:?})"))
                    }
                    None => {
                        hung.fetch_add(1, Ordering::Relaxed);
                        unexpected.lock().unwrap().push(format!("no answer for {path}"));
                    }
                }
                if (index + 1).is_multiple_of(1000) {
                    eprintln!("load: {} of {total} requests", index + 1);
                }
            });
        }
    });
    let wall = started.elapsed();
    let mut latencies = latencies.into_inner().unwrap();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    let unexpected = unexpected.into_inner().unwrap();
    let after = get("/cdn-cgi/image/width=50/samples/landscape.jpg");
    println!("load: {total} requests, concurrency {concurrency}, {per_round} kinds per round");
    println!("load: wall {:.1} s, {:.0} requests/s", wall.as_secs_f64(), total as f64 / wall.as_secs_f64());
    println!(
        "load: latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        at(0.5),
        at(0.95),
        at(0.99),
        at(1.0)
    );
    println!("load: unexpected statuses {}, hung {}", unexpected.len(), hung.load(Ordering::Relaxed));
    println!(
        "load: wasm memory {:.1} MB before, {:.1} MB after",
        memory_before as f64 / 1e6,
        wasm_memory() as f64 / 1e6
    );
    for line in unexpected.iter().take(20) {
        println!("load: unexpected: {line}");
    }
    assert!(unexpected.is_empty(), "{} unexpected answers", unexpected.len());
    assert_eq!(after.status, 200, "the Worker still answers after the load");
}
