//! Mixed traffic at a Worker from many clients at once, for `make load` and `make soak`: the
//! request mix (every corpus file, bad options, refused sources, failing upstreams, large
//! pass-throughs), each request's expected answer, and a driver that sends it and reports
//! throughput, latency, unexpected statuses and hung requests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::manifest::{listed, manifest, ACCEPTED_HOSTILE, REFUSED_VALID};
use super::worker::{origin_url, Harness};

/// What a request's answer must be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expect {
    Status(u16),
    /// 200, or 503 with `Retry-After`: a transform that cannot be skipped (here, an explicit
    /// format) is refused so when the memory budget has no room for it, by design; how often
    /// is counted (`Report::busy`) rather than accepted here.
    Transformed,
    ClientError,
    /// Any answer at all, for traffic sent where statuses mean nothing (the soak's fetch-only
    /// baseline).
    Answer,
}

impl Expect {
    fn accepts(self, status: u16) -> bool {
        match self {
            Expect::Status(want) => status == want,
            Expect::Transformed => status == 200,
            Expect::ClientError => (400..500).contains(&status),
            Expect::Answer => true,
        }
    }
}

/// One request of a run.
#[derive(Clone, Debug)]
pub enum Job {
    /// A request whose whole answer is read and must have this status.
    Request(String, Expect),
    /// A request whose client hangs up after the first 64 KiB of a 200 answer.
    Abort(String),
}

/// The request mix: every corpus file, bad options, refused sources, failing upstreams,
/// static files and a large pass-through, in a fixed order that the run cycles through.
/// Widths vary with the round so that most transforms miss the cache.
pub fn mix(round: usize) -> Vec<Job> {
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
                _ => Expect::Transformed,
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
    mix.into_iter().map(|(path, expect)| Job::Request(path, expect)).collect()
}

/// What a run of requests gave.
pub struct Report {
    /// Requests sent.
    pub total: usize,
    /// Concurrent clients.
    pub concurrency: usize,
    /// Each request's time to its last byte (or hang-up), sorted.
    pub latencies: Vec<Duration>,
    /// The slowest requests, slowest first: time taken and path.
    pub slowest: Vec<(Duration, String)>,
    /// Answers with a status their kind does not call for, or none.
    pub unexpected: Vec<String>,
    /// Requests that got no complete answer.
    pub hung: usize,
    /// Transforms refused for want of room in the memory budget (503 with `Retry-After`).
    pub busy: usize,
    /// The run's duration.
    pub wall: Duration,
}

impl Report {
    fn at(&self, quantile: f64) -> f64 {
        let index = ((self.latencies.len() as f64 - 1.0) * quantile) as usize;
        self.latencies.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }

    /// One line: throughput, latency quantiles, unexpected and hung answers.
    pub fn summary(&self) -> String {
        format!(
            "{} requests, concurrency {}: wall {:.1} s, {:.0} requests/s; latency p50 {:.1} ms, \
             p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; unexpected statuses {}, hung {}, \
             refused for the memory budget (503) {}",
            self.total,
            self.concurrency,
            self.wall.as_secs_f64(),
            self.total as f64 / self.wall.as_secs_f64(),
            self.at(0.5),
            self.at(0.95),
            self.at(0.99),
            self.at(1.0),
            self.unexpected.len(),
            self.hung,
            self.busy
        )
    }
}

/// Sends `total` requests, `pick(i)` the i-th, from `concurrency` clients at once.
pub fn drive(
    worker: &Harness,
    total: usize,
    concurrency: usize,
    pick: &(dyn Fn(usize) -> Job + Sync),
) -> Report {
    let base = worker.base.clone();
    let next = AtomicUsize::new(0);
    let latencies = Mutex::new(Vec::with_capacity(total));
    let unexpected = Mutex::new(Vec::new());
    let hung = AtomicUsize::new(0);
    let busy = AtomicUsize::new(0);
    let slowest = Mutex::new(Vec::new());
    let started = Instant::now();
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).redirects(0).build();
    std::thread::scope(|scope| {
        for _ in 0..concurrency {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total {
                    break;
                }
                let job = pick(index);
                let sent = Instant::now();
                let (path, outcome) = match &job {
                    Job::Request(path, expect) => (path, answer(&agent, &format!("{base}{path}"), *expect)),
                    Job::Abort(path) => (path, hang_up(&agent, &format!("{base}{path}"))),
                };
                let took = sent.elapsed();
                latencies.lock().unwrap().push(took);
                remember_if_slow(&mut slowest.lock().unwrap(), took, path);
                match outcome {
                    Outcome::AsExpected => {}
                    Outcome::Busy => {
                        busy.fetch_add(1, Ordering::Relaxed);
                    }
                    Outcome::Unexpected(what) => {
                        unexpected.lock().unwrap().push(format!("{what} for {path}"))
                    }
                    Outcome::NoAnswer => {
                        hung.fetch_add(1, Ordering::Relaxed);
                        unexpected.lock().unwrap().push(format!("no answer for {path}"));
                    }
                }
                if (index + 1).is_multiple_of(1000) {
                    // RSS along the way shows whether workerd's growth levels off.
                    let rss = worker.workerd_rss_bytes() as f64 / (1024.0 * 1024.0);
                    eprintln!("load: {} of {total} requests, workerd RSS {rss:.0} MiB", index + 1);
                }
            });
        }
    });
    let mut latencies = latencies.into_inner().unwrap();
    latencies.sort();
    Report {
        total,
        concurrency,
        latencies,
        slowest: slowest.into_inner().unwrap(),
        unexpected: unexpected.into_inner().unwrap(),
        hung: hung.into_inner(),
        busy: busy.into_inner(),
        wall: started.elapsed(),
    }
}

/// Keeps the three slowest requests seen, slowest first.
fn remember_if_slow(slowest: &mut Vec<(Duration, String)>, took: Duration, path: &str) {
    if slowest.len() < 3 || slowest.last().is_some_and(|(least, _)| took > *least) {
        slowest.push((took, path.to_string()));
        slowest.sort_by_key(|(took, _)| std::cmp::Reverse(*took));
        slowest.truncate(3);
    }
}

enum Outcome {
    AsExpected,
    /// An expected 503 for want of room in the memory budget.
    Busy,
    Unexpected(String),
    NoAnswer,
}

/// Reads the whole answer: a broken or endless body shows here.
fn answer(agent: &ureq::Agent, url: &str, expect: Expect) -> Outcome {
    match agent.get(url).call() {
        Ok(response) | Err(ureq::Error::Status(_, response)) => {
            let status = response.status();
            let retry_after = response.header("retry-after").is_some();
            let mut sink = Vec::new();
            if std::io::Read::read_to_end(&mut response.into_reader(), &mut sink).is_err() {
                Outcome::NoAnswer
            } else if expect == Expect::Transformed && status == 503 && retry_after {
                Outcome::Busy
            } else if expect.accepts(status) {
                Outcome::AsExpected
            } else {
                Outcome::Unexpected(format!("{status} ({expect:?})"))
            }
        }
        Err(_) => Outcome::NoAnswer,
    }
}

/// Reads the first 64 KiB of a 200 answer, then hangs up.
fn hang_up(agent: &ureq::Agent, url: &str) -> Outcome {
    match agent.get(url).call() {
        Ok(response) => {
            let mut first = vec![0; 64 * 1024];
            match std::io::Read::read_exact(&mut response.into_reader(), &mut first) {
                Ok(()) => Outcome::AsExpected,
                Err(_) => Outcome::NoAnswer,
            }
        }
        Err(ureq::Error::Status(status, _)) => Outcome::Unexpected(format!("{status} (200 to hang up on)")),
        Err(_) => Outcome::NoAnswer,
    }
}
