//! Figures for the memory design, printed by `make soak` (minutes long, not part of
//! `make test`): a 200 MiB pass-through with and without `Content-Length` against fetching
//! the same bytes from the origin directly and through a fetch-only JavaScript Worker in the
//! same wrangler dev (what workerd and its local proxy cost by themselves), and a soak of
//! mixed requests. Only what must hold
//! on any machine is asserted (identical bytes, expected statuses, a Worker still answering);
//! speeds and memory are printed.

use std::io::Read;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::load::{drive, mix, Expect, Job};
use super::origin::HUGE_LEN;
use super::worker::{
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

/// A download through a Worker: seconds taken, the digest and length received, and the CPU
/// milliseconds wrangler dev's two workerd processes used meanwhile (entry proxy, Worker).
fn download_through(worker: &Harness, url: &str) -> (f64, Vec<u8>, u64, (u64, u64)) {
    let before = worker.workerd_cpu_ms_split();
    let (seconds, digest, length) = download(url);
    let after = worker.workerd_cpu_ms_split();
    (seconds, digest, length, (after.0 - before.0, after.1 - before.1))
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

/// The median of `runs` downloads of `path` directly, through the fetch-only Worker, through
/// ours, through ours unguarded and through ours in plain workerd, one of each in turn;
/// printed with memory and CPU.
fn passthrough(label: &str, path: &str, runs: usize) {
    let worker = harness();
    let fetch_only = fetch_only_harness();
    let unguarded = unguarded_harness();
    let plain = plain_workerd_harness();
    let direct_url = origin_url(path);
    let proxied_url = format!("{}/cdn-cgi/image/width=100/{direct_url}", worker.base);
    let fetched_url = format!("{}/?url={direct_url}", fetch_only.base);
    let unguarded_url = format!("{}/cdn-cgi/image/width=100/{direct_url}", unguarded.base);
    let plain_url = format!("{}/cdn-cgi/image/width=100/{direct_url}", plain.base);
    let wasm_before = worker.memory_stats()["wasm_memory_bytes"].as_u64().unwrap();
    // The first download through a Worker finds workerd's buffers and heaps at their
    // smallest: what it adds is a high-water reached once, told apart from what later
    // downloads add (which would grow with the bytes passed if anything were kept).
    let rss_cold = (worker.workerd_rss_bytes(), fetch_only.workerd_rss_bytes());
    let plain_cold = plain.workerd_rss_bytes();
    assert_eq!(download(&proxied_url).2, HUGE_LEN as u64, "{label}: warm-up");
    assert_eq!(download(&fetched_url).2, HUGE_LEN as u64, "{label}: warm-up");
    assert_eq!(download(&plain_url).2, HUGE_LEN as u64, "{label}: warm-up");
    let rss_before = (worker.workerd_rss_bytes(), fetch_only.workerd_rss_bytes());
    let plain_before = plain.workerd_rss_bytes();
    let (mut plain_seconds, mut plain_cpu, mut plain_peak) = (Vec::new(), Vec::new(), plain_before);
    let (mut direct, mut proxied, mut fetched, mut native) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // CPU milliseconds per download: (entry proxy, Worker) for each Worker route.
    let (mut proxied_cpu, mut fetched_cpu, mut native_cpu) = (Vec::new(), Vec::new(), Vec::new());
    let mut rss_peak = rss_before;
    for _ in 0..runs {
        let (seconds, digest, length) = download(&direct_url);
        assert_eq!(length, HUGE_LEN as u64);
        direct.push(seconds);
        let (seconds, through, length, cpu) = download_through(fetch_only, &fetched_url);
        assert_eq!((length, &through), (HUGE_LEN as u64, &digest), "{label}: the fetch-only Worker");
        fetched.push(seconds);
        fetched_cpu.push(cpu);
        rss_peak.1 = rss_peak.1.max(fetch_only.workerd_rss_bytes());
        let (seconds, through, length, cpu) = download_through(worker, &proxied_url);
        assert_eq!(length, HUGE_LEN as u64, "{label}: every byte");
        assert_eq!(through, digest, "{label}: the same bytes");
        proxied.push(seconds);
        proxied_cpu.push(cpu);
        rss_peak.0 = rss_peak.0.max(worker.workerd_rss_bytes());
        let (seconds, through, length, cpu) = download_through(unguarded, &unguarded_url);
        assert_eq!((length, &through), (HUGE_LEN as u64, &digest), "{label}: ours without idle timeout");
        native.push(seconds);
        native_cpu.push(cpu);
        let (seconds, through, length, cpu) = download_through(plain, &plain_url);
        assert_eq!((length, &through), (HUGE_LEN as u64, &digest), "{label}: ours in plain workerd");
        plain_seconds.push(seconds);
        plain_cpu.push(cpu);
        plain_peak = plain_peak.max(plain.workerd_rss_bytes());
    }
    let wasm_after = worker.memory_stats()["wasm_memory_bytes"].as_u64().unwrap();
    worker.collect_garbage();
    fetch_only.collect_garbage();
    plain.collect_garbage();
    let rss_collected = (worker.workerd_rss_bytes(), fetch_only.workerd_rss_bytes());
    let plain_collected = plain.workerd_rss_bytes();
    let (direct, proxied, fetched, native) =
        (median(direct), median(proxied), median(fetched), median(native));
    let size = HUGE_LEN as f64 / MIB;
    println!(
        "soak: 200 MiB pass-through {label}, median of {runs}: direct {direct:.2} s ({:.0} MiB/s), \
         fetch-only Worker {fetched:.2} s ({:.0} MiB/s), ours {proxied:.2} s ({:.0} MiB/s); \
         ours/direct {:.2}, ours/fetch-only {:.2}, fetch-only/direct {:.2}",
        size / direct,
        size / fetched,
        size / proxied,
        direct / proxied,
        fetched / proxied,
        direct / fetched
    );
    println!(
        "soak:   ours with UPSTREAM_IDLE_TIMEOUT_MS=0 (no guard, piped natively): {native:.2} s ({:.0} MiB/s); \
         /direct {:.2}, /fetch-only {:.2}",
        size / native,
        direct / native,
        fetched / native
    );
    let cpu = |samples: &[(u64, u64)]| {
        let part = |pick: fn(&(u64, u64)) -> u64| median(samples.iter().map(|s| pick(s) as f64).collect());
        format!("{:.0} + {:.0} ms", part(|s| s.0), part(|s| s.1))
    };
    println!(
        "soak:   CPU per download, median (wrangler's entry workerd + the Worker's workerd): fetch-only \
         Worker {}, ours {}, ours unguarded {}",
        cpu(&fetched_cpu),
        cpu(&proxied_cpu),
        cpu(&native_cpu)
    );
    let growth = |(before, peak): (u64, u64)| (peak as f64 - before as f64) / MIB;
    println!(
        "soak:   ours: wasm memory {wasm_before} -> {wasm_after} bytes (growth {}); workerd RSS growth \
         over the first download {:.1} MiB, then over {runs} more {:.1} MiB (fetch-only Worker's: \
         {:.1}, then {:.1} MiB); after a collection forced at the end, {:.1} MiB over the start \
         (fetch-only Worker's: {:.1} MiB)",
        wasm_after - wasm_before,
        growth((rss_cold.0, rss_before.0)),
        growth((rss_before.0, rss_peak.0)),
        growth((rss_cold.1, rss_before.1)),
        growth((rss_before.1, rss_peak.1)),
        growth((rss_cold.0, rss_collected.0)),
        growth((rss_cold.1, rss_collected.1)),
    );
    let plain_median = median(plain_seconds);
    println!(
        "soak:   ours in plain workerd (no wrangler dev in front): {plain_median:.2} s ({:.0} MiB/s), /direct \
         {:.2}; CPU per download {}; RSS growth over the first download {:.1} MiB, then over {runs} more \
         {:.1} MiB, after a collection {:.1} MiB over the start",
        size / plain_median,
        direct / plain_median,
        cpu(&plain_cpu),
        growth((plain_cold, plain_before)),
        growth((plain_before, plain_peak)),
        growth((plain_cold, plain_collected)),
    );
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
