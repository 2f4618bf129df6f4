//! R2 as a source (`SOURCE_BUCKET`): relative paths are objects of the bucket, read under the
//! rules of any source. A small object is transformed; a large one is streamed from R2's body
//! byte for byte without entering Wasm memory; a missing key is the mirrored `404`; a stale
//! entry is revalidated with R2's `onlyIf` (`REVALIDATED`, no transform) and a client's
//! `If-None-Match` is answered `304` before the body is read; a range is answered `206`.

use std::sync::OnceLock;

use crate::harness::manifest::corpus_file;
use crate::harness::origin;
use crate::harness::worker::{self, sha256, Harness};

/// The first tier Worker, its bucket holding the objects these tests read.
fn worker() -> &'static Harness {
    static PUT: OnceLock<()> = OnceLock::new();
    let (worker, _) = worker::tier_harnesses();
    PUT.get_or_init(|| {
        let photo = corpus_file("photos/flower.png.im_q85_420.jpg");
        let big = origin::big_file();
        worker.put_objects(&[("r2/flower.jpg", &photo), ("r2/big.jpg", &big)], Some("image/jpeg"), None);
        // Fresh for a second, so that a test can watch its entry go stale.
        let kodim = corpus_file("photos/kodim07.png");
        worker.put_objects(&[("r2/short-lived.png", &kodim)], Some("image/png"), Some("max-age=1"));
    });
    worker
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_small_object_is_transformed() {
    let reply = worker().request("GET", "/cdn-cgi/image/width=120/r2/flower.jpg", &[]);
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.header("x-cache"), Some("MISS"));
    assert_eq!(reply.image().width(), 120);
    assert!(reply.header("server-timing").unwrap_or_default().contains("fetch;dur="));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_large_object_streams_from_r2_untouched_and_outside_wasm_memory() {
    let worker = worker();
    let expected = origin::big_file();
    // Warmed up first, so that what the Worker needs anyway is already in its memory.
    assert_eq!(worker.request("GET", "/cdn-cgi/image/width=10/r2/flower.jpg", &[]).status, 200);
    let before = worker.memory_stats()["wasm_memory_bytes"].as_u64().unwrap();
    let reply = worker.request("GET", "/cdn-cgi/image/width=100/r2/big.jpg", &[]);
    assert_eq!((reply.status, reply.header("x-cache")), (200, Some("BYPASS")));
    assert_eq!(reply.header("content-type"), Some("image/jpeg"));
    assert_eq!(reply.header("content-length"), Some(expected.len().to_string().as_str()));
    assert_eq!(sha256(&reply.body), sha256(&expected));
    let grown = worker.memory_stats()["wasm_memory_bytes"].as_u64().unwrap() - before;
    assert!(
        grown < expected.len() as u64 / 4,
        "Wasm memory grew {grown} bytes over a {} byte object",
        expected.len()
    );
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_missing_key_is_the_mirrored_404() {
    let reply = worker().request("GET", "/cdn-cgi/image/width=100/r2/nothing-here.jpg", &[]);
    assert_eq!(reply.status, 404);
    assert_eq!(reply.problem()["type"], "/reference#upstream-refused");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_stale_entry_is_revalidated_with_r2_and_a_known_version_is_304_unread() {
    let worker = worker();
    let path = "/cdn-cgi/image/width=64/r2/short-lived.png";
    let first = worker.request("GET", path, &[]);
    assert_eq!((first.status, first.header("x-cache")), (200, Some("MISS")));
    assert_eq!(first.header("cache-control"), Some("public, max-age=1"), "the object's own Cache-Control");
    let etag = first.header("etag").unwrap().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let revalidated = loop {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let reply = worker.request("GET", path, &[]);
        if reply.header("x-cache") == Some("REVALIDATED") {
            break reply;
        }
        assert!(std::time::Instant::now() < deadline, "never revalidated: {:?}", reply.header("x-cache"));
    };
    assert_eq!(revalidated.body, first.body);
    // R2 said 304: the stored answer is refreshed, not made again. (Told by this answer's own
    // Server-Timing: the isolate's transform counter is shared with the tier and warm tests
    // that run beside this one on the same Worker.)
    let timing = revalidated.header("server-timing").unwrap_or_default().to_string();
    assert!(timing.contains("revalidate;dur=") && !timing.contains("transform"), "{timing}");

    // Not stored any more (purged): R2's ETag names the version the client has, so the
    // answer is 304 before a byte of the body is read.
    let bearer = format!("Bearer {}", worker::PURGE_TOKEN);
    let purged = worker.post("/purge", &[("Authorization", &bearer)], &format!(r#"{{"urls": ["{path}"]}}"#));
    assert_eq!(purged.status, 200);
    let unread = worker.memory_stats()["not_modified_unread"].as_u64().unwrap();
    let known = worker.request("GET", path, &[("If-None-Match", &etag)]);
    assert_eq!((known.status, known.header("x-cache")), (304, Some("MISS")));
    assert_eq!(worker.memory_stats()["not_modified_unread"].as_u64().unwrap(), unread + 1);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_range_of_a_large_object_is_206_and_of_a_small_one_the_whole_image() {
    let worker = worker();
    let big = origin::big_file();
    let path = "/cdn-cgi/image/width=100/r2/big.jpg";
    let first = worker.request("GET", path, &[("Range", "bytes=0-99")]);
    assert_eq!(first.status, 206);
    assert_eq!(first.header("content-range"), Some(format!("bytes 0-99/{}", big.len()).as_str()));
    assert_eq!(first.body, big[..100]);
    let last = worker.request("GET", path, &[("Range", "bytes=-100")]);
    assert_eq!(last.status, 206);
    assert_eq!(last.body, big[big.len() - 100..]);
    let past = worker.request("GET", path, &[("Range", &format!("bytes={}-", big.len() + 10))]);
    assert_eq!(past.status, 416, "a range past the end is the client's");

    let small = worker.request("GET", "/cdn-cgi/image/width=90/r2/flower.jpg", &[("Range", "bytes=0-99")]);
    assert_eq!(
        (small.status, small.image().width()),
        (200, 90),
        "a small source is fetched whole and transformed"
    );
}
