//! The second tier in R2 (`VARIANTS`), with two Workers that have separate edge caches and
//! share one R2 store, as two data centres would: a variant one makes is the other's first
//! answer from the tier (`HIT-TIER`, its own `Server-Timing` entry, no transform), and then
//! its edge cache's; a stale tier entry is revalidated with the origin, not made again; a
//! too-large mark reaches the other too; what may not be stored never reaches the tier; and a
//! purge on one removes the tier entry for both.

use crate::harness::origin;
use crate::harness::worker::{self, origin_url, Harness, Reply};

/// Whether `reply` was made by a transform, as its own `Server-Timing` says. (Not told by the
/// isolate's transform counter: the other tests of this file run beside it on the same two
/// Workers and move it.)
fn transformed(reply: &Reply) -> bool {
    let timing = reply.header("server-timing").unwrap_or_default();
    timing.contains("decode;") || timing.contains("encode;") || timing.contains("fetch")
}

/// Asks `worker` for `path` until `done` holds for its answer: stores happen after the
/// answer has gone, the tier's before the edge cache's.
fn until(worker: &Harness, path: &str, done: impl Fn(&Reply) -> bool) -> Reply {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let reply = worker.request("GET", path, &[]);
        if done(&reply) {
            return reply;
        }
        assert!(std::time::Instant::now() < deadline, "{path}: {:?}", reply.header("x-cache"));
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// `path` made by `first` and stored in both its layers (its edge cache holds it, so the
/// tier, written first, does): its first answer.
fn made_by(first: &Harness, path: &str) -> Reply {
    let made = first.request("GET", path, &[]);
    assert_eq!((made.status, made.header("x-cache")), (200, Some("MISS")), "{path}");
    until(first, path, |reply| reply.header("x-cache") == Some("HIT"));
    made
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn the_other_data_centre_answers_from_the_tier_without_transforming() {
    let (first, second) = worker::tier_harnesses();
    let path = format!("/cdn-cgi/image/width=71/{}", origin_url("/cache/max-age.jpg?tier-hit"));
    let made = made_by(first, &path);

    let from_tier = second.request("GET", &path, &[]);
    assert_eq!((from_tier.status, from_tier.header("x-cache")), (200, Some("HIT-TIER")));
    let timing = from_tier.header("server-timing").unwrap_or_default();
    assert!(timing.starts_with("cache;dur=") && timing.contains(", tier;dur="), "{timing}");
    assert!(!transformed(&from_tier), "{timing}");
    assert!(from_tier.body == made.body, "the same bytes");
    assert_eq!(from_tier.header("etag"), made.header("etag"));
    assert_eq!(from_tier.header("cache-control"), Some("public, max-age=600"));

    // Copied into the second's edge cache: its next answers do not ask R2.
    let copied = until(second, &path, |reply| reply.header("x-cache") != Some("HIT-TIER"));
    assert_eq!(copied.header("x-cache"), Some("HIT"));
    assert!(!transformed(&copied), "still no transform");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_stale_tier_entry_is_revalidated_not_made_again() {
    let (first, second) = worker::tier_harnesses();
    let path = format!("/cdn-cgi/image/width=59/{}", origin_url("/tier-validated.jpg"));
    let made = made_by(first, &path);
    assert_eq!(made.header("cache-control"), Some("public, max-age=2"));
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let revalidated = second.request("GET", &path, &[]);
    assert_eq!(
        revalidated.header("x-cache"),
        Some("REVALIDATED"),
        "{:?}",
        revalidated.header("server-timing")
    );
    assert!(revalidated.body == made.body);
    assert_eq!(origin::hits("/tier-validated.jpg 304"), 1, "one conditional request, answered 304");
    assert!(!transformed(&revalidated), "no transform: {:?}", revalidated.header("server-timing"));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_too_large_mark_reaches_the_other_data_centre() {
    let (first, second) = worker::tier_harnesses();
    let path = format!("/cdn-cgi/image/width=100/{}", origin_url("/big-chunked.jpg?tier-mark"));
    let found = first.request("GET", &path, &[]);
    assert_eq!((found.status, found.header("x-cache")), (200, Some("BYPASS")));
    let known = |reply: &Reply| reply.header("server-timing").unwrap_or_default().contains("known too large");
    assert!(!known(&found));
    until(first, &path, known);
    let from_tier = second.request("GET", &path, &[]);
    assert_eq!(from_tier.body.len(), origin::big_file().len());
    let timing = from_tier.header("server-timing").unwrap_or_default();
    assert!(known(&from_tier) && timing.contains("tier;dur="), "{timing}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn what_may_not_be_stored_never_reaches_the_tier() {
    let (first, second) = worker::tier_harnesses();
    let path = format!("/cdn-cgi/image/width=72/{}", origin_url("/cache/no-store.jpg?tier"));
    assert_eq!(first.request("GET", &path, &[]).header("x-cache"), Some("BYPASS"));
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(second.request("GET", &path, &[]).header("x-cache"), Some("BYPASS"), "not from the tier");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_purge_on_one_removes_the_tier_entry_for_both() {
    let (first, second) = worker::tier_harnesses();
    let path = format!("/cdn-cgi/image/width=73/{}", origin_url("/cache/max-age.jpg?tier-purge"));
    made_by(first, &path);
    let bearer = format!("Bearer {}", worker::PURGE_TOKEN);
    let purged = first.post("/purge", &[("Authorization", &bearer)], &format!(r#"{{"urls": ["{path}"]}}"#));
    assert_eq!(purged.status, 200, "{}", String::from_utf8_lossy(&purged.body));
    let report: serde_json::Value = serde_json::from_slice(&purged.body).unwrap();
    assert_eq!(report["layers"]["r2_tier"]["reached"], true, "{report}");
    assert_eq!(report["layers"]["r2_tier"]["deleted"], 1, "the variant (no mark was stored): {report}");
    assert_eq!(report["layers"]["edge_cache"]["deleted"], 1, "{report}");
    // The first's own edge entry went with the purge (edge_cache deleted 1); the second never
    // had one, and the tier no longer holds the variant.
    assert_eq!(second.request("GET", &path, &[]).header("x-cache"), Some("MISS"), "gone from the tier too");
}
