//! The routes besides images: static files from `www/` served as they are, and
//! `/debug/memory-stats` counting what happened.

use crate::harness::worker::{get, wait_for_hit};

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn static_files_are_served() {
    let index = get("/");
    assert_eq!(index.status, 200);
    assert!(String::from_utf8_lossy(&index.body).contains("edge-image-proxy"));
    let sample = get("/samples/landscape.jpg");
    assert_eq!(sample.status, 200);
    assert_eq!(
        sample.body,
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/samples/landscape.jpg")).expect("sample")
    );
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn memory_stats_count_what_happened() {
    // A miss, then a hit once the store (after the answer) has happened.
    wait_for_hit("/cdn-cgi/image/width=33/samples/landscape.jpg");
    let reply = get("/debug/memory-stats");
    assert_eq!(reply.status, 200);
    let stats: serde_json::Value = serde_json::from_slice(&reply.body).expect("json");
    for field in edge_image_proxy::stats::MEMORY_STATS_FIELDS {
        assert!(stats[field].is_number(), "{field}: {stats}");
    }
    let ratio = stats["cache_hit_ratio"].as_f64().unwrap();
    assert!(ratio > 0.0 && ratio < 1.0, "some hits, some misses: {ratio}");
    assert!(stats["wasm_memory_bytes"].as_u64().unwrap_or(0) >= 65_536);
    assert!(stats["requests"].as_u64().unwrap_or(0) >= 2);
    assert!(stats["in_flight"].as_u64().unwrap_or(0) >= 1, "this request itself");
    assert!(stats["cache_puts"].as_u64().unwrap_or(0) >= 1, "the miss was stored: {stats}");
    assert!(stats["cache_hits"].as_u64().unwrap_or(0) >= 1, "{stats}");
}
