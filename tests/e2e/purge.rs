//! `POST /purge`: with the token it deletes every format variant stored for a URL; with a wrong
//! one it deletes nothing; it is POST only.

use crate::harness::worker::{self, get, origin_url, request, wait_for_hit};

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn purge_deletes_every_variant_of_a_url() {
    let worker = worker::harness();
    // A source fresh for ten minutes: entries must not go stale (and be revalidated) while
    // the test runs, as a static asset's would under the harness's 1 s minimum TTL.
    let source = origin_url("/cache/max-age.jpg");
    let plain = &format!("/cdn-cgi/image/width=77/{source}");
    let auto = &format!("/cdn-cgi/image/width=78,format=auto/{source}");
    wait_for_hit(plain);
    for accept in ["image/webp,*/*", "image/jpeg"] {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while request("GET", auto, &[("Accept", accept)]).header("x-cache") != Some("HIT") {
            assert!(std::time::Instant::now() < deadline, "{auto} for {accept} never stored");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    let body = format!(r#"{{"urls": ["{plain}", "http://localhost{auto}"]}}"#);

    let refused = worker.post("/purge", &[("Authorization", "Bearer wrong-token-0123456789")], &body);
    assert_eq!(refused.status, 401);
    assert_eq!(refused.problem()["type"], "/reference#unauthorized");
    assert_eq!(get(plain).header("x-cache"), Some("HIT"), "a refused purge deletes nothing");

    let bearer = format!("Bearer {}", worker::PURGE_TOKEN);
    let purged = worker.post("/purge", &[("Authorization", &bearer)], &body);
    assert_eq!(purged.status, 200, "{}", String::from_utf8_lossy(&purged.body));
    let counts: serde_json::Value = serde_json::from_slice(&purged.body).unwrap();
    assert_eq!(counts["deleted"], 3, "the plain entry and both auto variants: {counts}");
    assert_eq!(get(plain).header("x-cache"), Some("MISS"));
    for accept in ["image/webp,*/*", "image/jpeg"] {
        assert_eq!(request("GET", auto, &[("Accept", accept)]).header("x-cache"), Some("MISS"), "{accept}");
    }
    assert_eq!(request("GET", "/purge", &[]).status, 405, "purging is POST only");
}
