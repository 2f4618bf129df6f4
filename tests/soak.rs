//! Figures for the memory design, printed by `make soak` (minutes long, not part of
//! `make test`): a 200 MiB pass-through with and without `Content-Length` against fetching
//! the same bytes from the origin directly and through a fetch-only JavaScript Worker in the
//! same wrangler dev (what workerd and its local proxy cost by themselves), and a soak of
//! mixed requests. Only what must hold
//! on any machine is asserted (identical bytes, expected statuses, a Worker still answering);
//! speeds and memory are printed. A test binary of its own, so that `make test`'s end-to-end run
//! has nothing to skip.
#![cfg(not(target_arch = "wasm32"))]
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "e2e/harness/mod.rs"]
mod harness;

use std::io::Read;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use harness::origin::HUGE_LEN;
use harness::traffic::{drive, mix, Expect, Job};
use harness::worker::{
    fetch_only_harness, harness, origin_url, plain_workerd_harness, uncached_harness, unguarded_harness,
    Harness,
};

const MIB: f64 = 1024.0 * 1024.0;

/// Streams `url` to the end through a hash, never holding it: seconds taken and the digest.
fn download(url: &str) -> (f64, Vec<u8>, u64) {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(300)).build();
    let started = Instant::now();
    let response = agent.get(url).call().unwrap_or_else(|e| panic!("{url}: {e}"));
    let mut reader = response.into_reader();
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 256 * 1024];
    let mut total = 0u64;
    loop {
        let read = reader.read(&mut buffer).unwrap_or_else(|e| panic!("{url}: {e}"));
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        total += read as u64;
    }
    (started.elapsed().as_secs_f64(), hasher.finalize().to_vec(), total)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The 200 MiB pass-through from an origin as fast as loopback allows, where every copy the
/// Worker makes shows (the CPU figures tell where the time goes on this machine's two cores),
/// and from one paced at a fast network's speed, as origins are in production.
#[test]
#[ignore = "benchmark, minutes long: run by make soak"]
fn passthrough_of_200_mib() {
    for (label, path, runs) in [
        ("with Content-Length", "/huge/declared.jpg", 5),
        ("without Content-Length", "/huge/chunked.jpg", 5),
        ("with Content-Length, origin paced at 100 MiB/s", "/huge/paced-declared.jpg", 3),
        ("without Content-Length, origin paced at 100 MiB/s", "/huge/paced-chunked.jpg", 3),
    ] {
        passthrough(label, path, runs);
    }
}

/// A Worker the huge file is downloaded through, and what its downloads measured.
struct Route {
    name: &'static str,
    worker: &'static Harness,
    url: String,
    /// Seconds per download.
    seconds: Vec<f64>,
    /// CPU milliseconds per download: (wrangler's entry workerd, the Worker's workerd).
    cpu: Vec<(u64, u64)>,
    /// workerd's RSS before the first download, after it, and the most after any later one.
    rss_cold: u64,
    rss_warm: u64,
    rss_peak: u64,
}

impl Route {
    /// The route to `direct_url` through `worker` (`ours`: by the image route, else the
    /// fetch-only Worker's), after a first download: that one finds workerd's buffers and
    /// heaps at their smallest, so what it adds is a high-water reached once, told apart from
    /// what later downloads add (which would grow with the bytes passed if anything were kept).
    fn warmed_up(name: &'static str, worker: &'static Harness, ours: bool, direct_url: &str) -> Route {
        let url = match ours {
            true => format!("{}/cdn-cgi/image/width=100/{direct_url}", worker.base),
            false => format!("{}/?url={direct_url}", worker.base),
        };
        let rss_cold = worker.workerd_rss_bytes();
        assert_eq!(download(&url).2, HUGE_LEN as u64, "{name}: warm-up");
        let rss_warm = worker.workerd_rss_bytes();
        Route {
            name,
            worker,
            url,
            seconds: Vec::new(),
            cpu: Vec::new(),
            rss_cold,
            rss_warm,
            rss_peak: rss_warm,
        }
    }

    /// One more download, which must bring the bytes whose digest is `digest`.
    fn download(&mut self, digest: &[u8]) {
        let before = self.worker.workerd_cpu_ms_split();
        let (seconds, through, length) = download(&self.url);
        let after = self.worker.workerd_cpu_ms_split();
        assert_eq!((length, through.as_slice()), (HUGE_LEN as u64, digest), "{}: the same bytes", self.name);
        self.seconds.push(seconds);
        self.cpu.push((after.0 - before.0, after.1 - before.1));
        self.rss_peak = self.rss_peak.max(self.worker.workerd_rss_bytes());
    }

    /// One line: the median download against `direct` seconds, CPU and RSS growth (the last
    /// after a collection forced now).
    fn report(&self, direct: f64) -> String {
        let seconds = median(self.seconds.clone());
        let cpu = |pick: fn(&(u64, u64)) -> u64| median(self.cpu.iter().map(|s| pick(s) as f64).collect());
        self.worker.collect_garbage();
        let growth = |from: u64, to: u64| (to as f64 - from as f64) / MIB;
        format!(
            "{}: {seconds:.2} s ({:.0} MiB/s), /direct {:.2}; CPU per download {:.0} + {:.0} ms; RSS growth \
             over the first download {:.1} MiB, then over {} more {:.1} MiB, after a collection {:.1} MiB \
             over the start",
            self.name,
            HUGE_LEN as f64 / MIB / seconds,
            direct / seconds,
            cpu(|s| s.0),
            cpu(|s| s.1),
            growth(self.rss_cold, self.rss_warm),
            self.seconds.len(),
            growth(self.rss_warm, self.rss_peak),
            growth(self.rss_cold, self.worker.workerd_rss_bytes()),
        )
    }
}

/// The median of `runs` downloads of `path` directly and through each Worker, one of each in
/// turn; printed with memory and CPU.
fn passthrough(label: &str, path: &str, runs: usize) {
    let direct_url = origin_url(path);
    let wasm_before = harness().memory_stats()["wasm_memory_bytes"].as_u64().unwrap();
    let mut routes = [
        Route::warmed_up("fetch-only Worker", fetch_only_harness(), false, &direct_url),
        Route::warmed_up("ours", harness(), true, &direct_url),
        Route::warmed_up(
            "ours with UPSTREAM_IDLE_TIMEOUT_MS=0 (piped natively)",
            unguarded_harness(),
            true,
            &direct_url,
        ),
        Route::warmed_up(
            "ours in plain workerd (no wrangler dev)",
            plain_workerd_harness(),
            true,
            &direct_url,
        ),
    ];
    let mut direct = Vec::new();
    for _ in 0..runs {
        let (seconds, digest, length) = download(&direct_url);
        assert_eq!(length, HUGE_LEN as u64);
        direct.push(seconds);
        for route in &mut routes {
            route.download(&digest);
        }
    }
    let wasm_after = harness().memory_stats()["wasm_memory_bytes"].as_u64().unwrap();
    let direct = median(direct);
    println!(
        "soak: 200 MiB pass-through {label}, median of {runs}: direct {direct:.2} s ({:.0} MiB/s); \
         ours' wasm memory {wasm_before} -> {wasm_after} bytes (growth {}); CPU is wrangler's entry \
         workerd + the Worker's workerd",
        HUGE_LEN as f64 / MIB / direct,
        wasm_after - wasm_before,
    );
    for route in &routes {
        println!("soak:   {}", route.report(direct));
    }
}

#[test]
#[ignore = "benchmark, minutes long: run by make soak"]
fn soak_of_mixed_requests() {
    soak("soak", harness(), true, &|job| job);
}

/// The same soak on a Worker that stores nothing in the edge cache (`CACHE_MAX_BYTES=0`):
/// locally the Cache API is miniflare's, held by workerd itself, so the difference between
/// the two RSS figures is what the local cache costs rather than the Worker.
#[test]
#[ignore = "benchmark, minutes long: run by make soak"]
fn soak_of_mixed_requests_without_the_cache() {
    soak("soak (no cache)", uncached_harness(), true, &|job| job);
}

/// The same soak on our Worker in workerd alone, without wrangler dev's entry proxy, local
/// Cache API and dev tooling: the memory of production's runtime and ours, and nothing else.
#[test]
#[ignore = "benchmark, minutes long: run by make soak"]
fn soak_of_mixed_requests_in_plain_workerd() {
    soak("soak (plain workerd)", plain_workerd_harness(), true, &|job| job);
}

/// The same traffic through the fetch-only JavaScript Worker (each source fetched and
/// answered as it comes, whatever its status): how much workerd and wrangler dev grow by
/// themselves under it.
#[test]
#[ignore = "benchmark, minutes long: run by make soak"]
fn soak_of_the_same_sources_through_a_fetch_only_worker() {
    let worker = fetch_only_harness();
    soak("soak (fetch-only Worker)", worker, false, &|job| {
        // A body that breaks midway reaches this Worker's client broken, as it should: not
        // an answer to count, so that source is left out with the proxy's own paths.
        let source = |path: &str| match path.find("http://") {
            Some(at) if !path.ends_with("/broken.jpg") => format!("/?url={}", &path[at..]),
            _ => "/ready".to_string(),
        };
        match job {
            Job::Request(path, _) => Job::Request(source(&path), Expect::Answer),
            Job::Abort(path) => Job::Abort(source(&path)),
        }
    });
}

/// Drives the soak's mix, each job passed through `through` first, against `worker`; `ours`
/// says whether it is the proxy (with memory stats and statuses to check) or the baseline.
fn soak(label: &str, worker: &Harness, ours: bool, through: &(dyn Fn(Job) -> Job + Sync)) {
    let warm_up = 200;
    let total = std::env::var("SOAK_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
    let concurrency = 32;
    let rounds: Vec<Vec<Job>> = (0..48).map(|round| with_aborts(mix(round))).collect();
    let pick = |index: usize| {
        let round = &rounds[(index / rounds[0].len()) % rounds.len()];
        through(round[index % round.len()].clone())
    };
    let wasm_memory = || if ours { worker.memory_stats()["wasm_memory_bytes"].as_u64().unwrap() } else { 0 };
    let warm = drive(worker, warm_up, concurrency, &pick);
    assert!(warm.unexpected.is_empty(), "warm-up: {:?}", warm.unexpected);
    let wasm_warm = wasm_memory();
    // RSS is compared between two full collections: what is still held, not garbage that
    // V8 has yet to collect (the figure just before the last collection is printed too).
    let (heap_warm, _) = worker.collect_garbage();
    let rss_warm = worker.workerd_rss_bytes();
    let split_warm = worker.workerd_rss_split();
    let report = drive(worker, total, concurrency, &|index| pick(index + warm_up));
    let wasm_end = wasm_memory();
    let rss_uncollected = worker.workerd_rss_bytes();
    let (heap_end, _) = worker.collect_garbage();
    let rss_end = worker.workerd_rss_bytes();
    let split_end = worker.workerd_rss_split();
    println!("{label}: {total} mixed requests at concurrency {concurrency} after {warm_up} warm-up requests");
    println!("{label}:   {}", report.summary());
    let mib = |bytes: u64| bytes as f64 / MIB;
    println!(
        "{label}:   workerd RSS after a collection {:.1} -> {:.1} MiB (growth {:.1}); before the last \
         collection {:.1} MiB; V8 heap in use after a collection {:.1} -> {:.1} MiB",
        mib(rss_warm),
        mib(rss_end),
        mib(rss_end) - mib(rss_warm),
        mib(rss_uncollected),
        mib(heap_warm),
        mib(heap_end),
    );
    println!(
        "{label}:   of which wrangler's entry workerd {:.1} -> {:.1} MiB, the Worker's workerd {:.1} -> {:.1} MiB",
        mib(split_warm.0),
        mib(split_end.0),
        mib(split_warm.1),
        mib(split_end.1),
    );
    for (took, path) in &report.slowest {
        println!("{label}:   slow: {:.1} s for {path}", took.as_secs_f64());
    }
    for line in report.unexpected.iter().take(20) {
        println!("{label}:   unexpected: {line}");
    }
    assert!(report.unexpected.is_empty(), "{} unexpected answers", report.unexpected.len());
    if !ours {
        return;
    }
    let stats = worker.memory_stats();
    println!(
        "{label}:   wasm memory {wasm_warm} bytes after warm-up, {wasm_end} at the end (growth {})",
        wasm_end as i64 - wasm_warm as i64,
    );
    println!(
        "{label}:   buffered_bytes_peak {}, budget_waits {}, budget_passthroughs {}, cache_puts_skipped {}",
        stats["buffered_bytes_peak"],
        stats["budget_waits"],
        stats["budget_passthroughs"],
        stats["cache_puts_skipped"]
    );
    let after = worker.request("GET", "/cdn-cgi/image/width=50/samples/landscape.jpg", &[]);
    assert_eq!(after.status, 200, "the Worker still answers after the soak");
}

/// The round's requests, with a client that hangs up on a large pass-through added.
fn with_aborts(mut round: Vec<Job>) -> Vec<Job> {
    round.push(Job::Abort(format!("/cdn-cgi/image/width=10/{}", origin_url("/big.jpg"))));
    round.push(Job::Abort(format!("/cdn-cgi/image/width=10/{}", origin_url("/big-chunked.jpg"))));
    round
}
