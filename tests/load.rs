//! Load: thousands of mixed requests (valid, invalid, hostile, cached, passed through,
//! failing upstreams) at high concurrency against the Worker in workerd. Every answer must
//! have the status its kind calls for, none may hang, and the Worker must still answer at
//! the end. Not part of `make test` (it takes minutes); `make load` runs it and prints the
//! figures. `LOAD_REQUESTS` (default 10000) and `LOAD_CONCURRENCY` (default 32) size it.
//! A test binary of its own, so that `make test`'s end-to-end run has nothing to skip.
#![cfg(not(target_arch = "wasm32"))]
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "e2e/harness/mod.rs"]
mod harness;

use harness::traffic::{drive, mix, Job};
use harness::worker::{get, harness};

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
    let rounds: Vec<Vec<Job>> = (0..48).map(mix).collect();
    let per_round = rounds.first().map_or(1, Vec::len);
    let memory_before = wasm_memory();
    let report = drive(harness(), total, concurrency, &|index| {
        rounds[(index / per_round) % rounds.len()][index % per_round].clone()
    });
    let after = get("/cdn-cgi/image/width=50/samples/landscape.jpg");
    println!("load: {per_round} kinds per round; {}", report.summary());
    println!(
        "load: wasm memory {:.1} MB before, {:.1} MB after",
        memory_before as f64 / 1e6,
        wasm_memory() as f64 / 1e6
    );
    for line in report.unexpected.iter().take(20) {
        println!("load: unexpected: {line}");
    }
    assert!(report.unexpected.is_empty(), "{} unexpected answers", report.unexpected.len());
    assert_eq!(after.status, 200, "the Worker still answers after the load");
}
