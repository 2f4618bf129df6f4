//! Variants made ahead on a queue: after `POST /warm` (authorised like `/purge`), the Worker's
//! own queue consumer makes every variant asked for (each `format=auto` class included) and
//! stores it in the R2 tier, so the other data centre's first request for each is a tier hit
//! with no transform; a source that can never be made is dead-lettered, one that fails for
//! the moment is retried; a Worker without a queue says so.

use crate::harness::manifest::corpus_file;
use crate::harness::worker::{self, origin_url, Harness};

/// A counter of `/debug/memory-stats`.
fn counter(worker: &Harness, name: &str) -> u64 {
    worker.memory_stats()[name].as_u64().unwrap_or_else(|| panic!("no counter {name}"))
}

/// Waits until `worker`'s counter `name` reaches `at_least` (the consumer runs on its own).
fn wait_for(worker: &Harness, name: &str, at_least: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while counter(worker, name) < at_least {
        assert!(std::time::Instant::now() < deadline, "{name} never reached {at_least}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

fn warm(worker: &Harness, body: &str) -> worker::Reply {
    worker.post("/warm", &[("Authorization", &format!("Bearer {}", worker::PURGE_TOKEN))], body)
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn after_warming_every_variant_is_a_tier_hit_with_no_transform() {
    let (first, second) = worker::tier_harnesses();
    first.put_objects(&[("warm/kodim.png", &corpus_file("photos/kodim23.png"))], Some("image/png"), None);
    let photo = origin_url("/corpus/photos/flower.png.im_q85_420.jpg?warm");
    let body = format!(
        r#"{{"sources": ["{photo}", "/warm/kodim.png"], "options": ["width=210", "width=220,format=auto"]}}"#
    );
    let done = counter(first, "warm_done");
    let queued = warm(first, &body);
    assert_eq!(queued.status, 200, "{}", String::from_utf8_lossy(&queued.body));
    let answer: serde_json::Value = serde_json::from_slice(&queued.body).unwrap();
    assert_eq!(
        answer,
        serde_json::json!({"queued": 2, "variants": 8}),
        "2 sources × (1 + 3 format=auto classes)"
    );
    wait_for(first, "warm_done", done + 2);

    let transforms = counter(second, "transforms");
    for source in [photo.as_str(), "/warm/kodim.png"] {
        let plain = second.request("GET", &format!("/cdn-cgi/image/width=210/{source}"), &[]);
        assert_eq!((plain.status, plain.header("x-cache")), (200, Some("HIT-TIER")), "{source}");
        assert_eq!(plain.image().width(), 210);
        for accept in ["image/avif,image/webp,*/*", "image/webp,*/*", "image/jpeg"] {
            let auto = second.request(
                "GET",
                &format!("/cdn-cgi/image/width=220,format=auto/{source}"),
                &[("Accept", accept)],
            );
            assert_eq!(auto.header("x-cache"), Some("HIT-TIER"), "{source} for {accept}");
        }
    }
    assert_eq!(counter(second, "transforms"), transforms, "no transform in the other data centre");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_source_that_cannot_be_made_is_dead_lettered_and_a_passing_failure_retried() {
    let (first, _) = worker::tier_harnesses();
    let (dead, retried) = (counter(first, "warm_dead_lettered"), counter(first, "warm_retried"));
    assert_eq!(warm(first, r#"{"sources": ["/warm/missing.jpg"], "options": ["width=10"]}"#).status, 200);
    wait_for(first, "warm_dead_lettered", dead + 1);
    let failing = origin_url("/status/500?warm");
    assert_eq!(warm(first, &format!(r#"{{"sources": ["{failing}"], "options": ["width=10"]}}"#)).status, 200);
    wait_for(first, "warm_retried", retried + 1);
    // Delivered again after its delay (2 s at first), and retried again: not dead-lettered.
    wait_for(first, "warm_retried", retried + 2);
    assert_eq!(counter(first, "warm_dead_lettered"), dead + 1, "a passing failure is never given up at once");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn warming_is_for_the_token_holder_on_a_worker_with_a_queue() {
    let (first, _) = worker::tier_harnesses();
    let body = r#"{"sources": ["/a.jpg"], "options": ["width=10"]}"#;
    let refused = first.post("/warm", &[("Authorization", "Bearer wrong-token-0123456789")], body);
    assert_eq!((refused.status, refused.problem()["type"].as_str()), (401, Some("/reference#unauthorized")));
    let bad = warm(first, r#"{"sources": ["/a.jpg"], "options": ["width=0"]}"#);
    assert_eq!((bad.status, bad.problem()["type"].as_str()), (400, Some("/reference#bad-options")));
    assert_eq!(first.request("GET", "/warm", &[]).status, 405, "POST only");
    let without_queue = warm(worker::harness(), body);
    assert_eq!(without_queue.status, 500);
    assert_eq!(without_queue.problem()["type"], "/reference#bad-configuration");
}
