//! Streaming and the memory budget, end to end in workerd: upstream bodies that break off,
//! stall or lie about their length; ranges; clients that go away; and requests that find the
//! isolate's memory budget full.

use std::io::Read;
use std::time::{Duration, Instant};

use crate::harness::manifest::corpus_file;
use crate::harness::origin::{self, big_file, paced_outcomes, SHORT_LENGTH_BIG};
use crate::harness::worker::{
    budget_harness, harness, origin_url, unguarded_harness, Harness, SMALL_BUDGET, UPSTREAM_IDLE_TIMEOUT_MS,
};

/// The tests on [`budget_harness`] take turns: each needs its budget to itself.
static BUDGET_WORKER: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn budget_worker() -> (std::sync::MutexGuard<'static, ()>, &'static Harness) {
    let turn = BUDGET_WORKER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    (turn, budget_harness())
}

/// The proxied URL of an origin path, with a resize that a small source would get.
fn proxied(path: &str) -> String {
    format!("/cdn-cgi/image/width=50/{}", origin_url(path))
}

/// Reads a whole body; `Err` if the connection broke before its end.
fn read_all(response: ureq::Response) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body)?;
    Ok(body)
}

/// Whether an error is the test client's own timeout rather than the Worker ending the body.
fn is_client_timeout(err: &std::io::Error) -> bool {
    matches!(err.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock)
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_body_that_breaks_off_ends_the_response_broken() {
    // Declared length, handed on without entering Wasm; and no length, spilled after the cap.
    for path in ["/broken-big.jpg", "/broken-chunked.jpg"] {
        let response = harness().open(&proxied(path), &[]);
        assert_eq!(response.status(), 200, "{path}: the headers went before the break");
        let err = read_all(response).expect_err(&format!("{path}: a broken body must not end cleanly"));
        assert!(!is_client_timeout(&err), "{path}: the Worker must end it, not the client's timeout: {err}");
    }
    // A small source is read whole before answering, so its break is a clean 502.
    let reply = harness().request("GET", &proxied("/broken.jpg"), &[]);
    assert_eq!(reply.status, 502);
    assert_eq!(reply.problem()["type"], "/reference#upstream-failed");
    assert_eq!(harness().request("GET", "/cdn-cgi/image/width=20/samples/landscape.jpg", &[]).status, 200);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn without_an_idle_timeout_bodies_pass_natively_and_still_exactly() {
    // UPSTREAM_IDLE_TIMEOUT_MS=0: no guard; the runtime pipes the body and fails it itself.
    let worker = unguarded_harness();
    let expected = big_file();
    for (path, declared) in [("/big.jpg", true), ("/big-chunked.jpg", false)] {
        let reply = worker.request("GET", &proxied(path), &[]);
        assert_eq!((reply.status, reply.header("x-cache")), (200, Some("BYPASS")), "{path}");
        assert!(reply.body == expected, "{path}: byte-identical");
        let length = expected.len().to_string();
        let kept = reply.header("content-length") == Some(length.as_str());
        assert!(kept || !declared, "{path} keeps Content-Length");
    }
    for path in ["/broken-big.jpg", "/broken-chunked.jpg"] {
        let response = worker.open(&proxied(path), &[]);
        assert_eq!(response.status(), 200, "{path}: the headers went before the break");
        let err = read_all(response).expect_err(&format!("{path}: a broken body must not end cleanly"));
        assert!(!is_client_timeout(&err), "{path}: the Worker must end it, not the client's timeout: {err}");
    }
    let small = worker.request("GET", "/cdn-cgi/image/width=20/samples/landscape.jpg", &[]);
    assert_eq!((small.status, small.image().width()), (200, 20), "transforms read unguarded bodies too");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_stalled_upstream_is_cut_by_the_idle_timeout() {
    // The origin sends part of the body and then nothing for 30 s; the Worker allows 2 s.
    let reply = harness().request("GET", &proxied("/stall.jpg"), &[]);
    assert_eq!(reply.status, 502, "a small source that stalls is a failed fetch");
    assert_eq!(reply.problem()["type"], "/reference#upstream-failed");

    let response = harness().open(&proxied("/stall-big.jpg"), &[]);
    assert_eq!(response.status(), 200);
    let err = read_all(response).expect_err("a stalled pass-through must end broken");
    assert!(!is_client_timeout(&err), "the Worker's idle timeout must cut it first: {err}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn only_the_upstreams_silence_counts_as_idle() {
    let expected = big_file();
    // A pass-through that takes 6 s in all but never pauses for 2 s arrives whole.
    let slow = harness().request("GET", &proxied(&format!("/slow-body/{}/6000.jpg", expected.len())), &[]);
    assert_eq!(slow.status, 200);
    assert!(slow.body == expected, "a slow but steady origin is not cut");

    // A client that stops reading for longer than the idle timeout is not the upstream's
    // silence: once it reads again, it gets the rest.
    let response = harness().open(&proxied("/big.jpg"), &[]);
    assert_eq!(response.status(), 200);
    let mut reader = response.into_reader();
    let mut head = vec![0; 64 * 1024];
    reader.read_exact(&mut head).expect("the first bytes");
    std::thread::sleep(Duration::from_millis(2 * UPSTREAM_IDLE_TIMEOUT_MS + 500));
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).expect("the rest, after the pause");
    head.extend(rest);
    assert!(head == expected, "every byte, unchanged");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn lying_lengths_neither_hang_nor_corrupt() {
    // More bytes than declared: exactly the declared ones are relayed, and the answer ends.
    let response = harness().open(&proxied("/short-length-big.jpg"), &[]);
    assert_eq!(response.status(), 200);
    let body = read_all(response).expect("the declared bytes, cleanly");
    assert_eq!(body.len(), SHORT_LENGTH_BIG);
    assert!(body == big_file()[..SHORT_LENGTH_BIG], "the declared bytes, unchanged");

    // A small image declaring 1000 of its bytes: those 1000 are the image, exactly as if the
    // origin had sent only them (the decoder makes what it can of a truncated JPEG).
    let lying = harness().request("GET", &proxied("/short-length-small.jpg"), &[]);
    let honest = harness().request("GET", &proxied("/first-1000.jpg"), &[]);
    assert_eq!(lying.status, honest.status);
    assert!(lying.body == honest.body, "the same answer as for the 1000 bytes alone");

    // Fewer bytes than declared is a body that breaks off: see the test above.
    assert_eq!(harness().request("GET", "/cdn-cgi/image/width=21/samples/landscape.jpg", &[]).status, 200);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_range_of_a_large_source_is_relayed_as_206() {
    let big = big_file();
    let reply = harness().request("GET", &proxied("/ranged-big.jpg"), &[("Range", "bytes=1000-1999")]);
    assert_eq!(reply.status, 206);
    let content_range = format!("bytes 1000-1999/{}", big.len());
    assert_eq!(reply.header("content-range"), Some(content_range.as_str()));
    assert_eq!(reply.header("x-cache"), Some("BYPASS"), "never cached");
    assert!(reply.body == big[1000..2000], "the asked bytes, unchanged");

    let tail = harness().request("GET", &proxied("/ranged-big.jpg"), &[("Range", "bytes=6000000-")]);
    assert_eq!(tail.status, 206);
    assert!(tail.body == big[6_000_000..]);

    // A small source is transformed whatever the Range: the answer is the whole new image.
    let small = harness().request("GET", &proxied("/ranged-small.jpg"), &[("Range", "bytes=0-99")]);
    assert_eq!(small.status, 200);
    assert_eq!(small.image().width(), 50);
    assert_eq!(origin::hits("/ranged-small.jpg"), 2, "the range, then the whole source");
}

/// Waits for the origin to finish answering `path` and says whether it sent it all.
fn paced_outcome(path: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(completed) = paced_outcomes(path).first() {
            return *completed;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{path}: the origin never finished answering");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_client_that_goes_away_cancels_the_upstream() {
    // 18 MiB at about 6 MiB a second: drained to the end it would complete in about 3 s.
    for path in ["/paced/gone.jpg", "/paced/chunked-gone.jpg"] {
        let response = harness().open(&proxied(path), &[]);
        assert_eq!(response.status(), 200, "{path}");
        let mut first = vec![0; 256 * 1024];
        response.into_reader().read_exact(&mut first).expect("the first bytes");
        assert!(first[..] == big_file()[..first.len()], "{path}");
        // The reader is dropped here: the client hangs up.
        assert!(!paced_outcome(path), "{path}: the upstream read must be cancelled, not drained");
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_full_budget_passes_sources_through_or_answers_503() {
    let (_turn, worker) = budget_worker();
    let photo = corpus_file("photos/flower_cropped.jpg");
    // A 4 MiB source sent over 8 s holds 4 of the 5 MiB budget meanwhile.
    let holder = {
        let url = proxied("/slow-body/4194304/8000.jpg");
        std::thread::spawn(move || worker.request("GET", &url, &[]).status)
    };
    std::thread::sleep(Duration::from_millis(1500));
    // 1040x1040, decoded at 1/2 for 400 px wide: about 1.5 MB of pixel memory, more than
    // the room the holder leaves, less than the whole budget.
    let base = format!("/cdn-cgi/image/width=400/{}", origin_url("/corpus/photos/flower_cropped.jpg"));
    let must =
        format!("/cdn-cgi/image/width=400,format=png/{}", origin_url("/corpus/photos/flower_cropped.jpg"));
    let larger =
        format!("/cdn-cgi/image/width=50/{}", origin_url("/corpus/photos/flower.png.im_q85_rgb.jpg"));
    let (untouched, refused, passed) = std::thread::scope(|s| {
        let untouched = s.spawn(|| worker.request("GET", &base, &[]));
        let refused = s.spawn(|| worker.request("GET", &must, &[]));
        let passed = s.spawn(|| worker.request("GET", &larger, &[]));
        (untouched.join().unwrap(), refused.join().unwrap(), passed.join().unwrap())
    });

    // The photo fits but its pixels do not: its own bytes, not stored, not to be kept.
    assert_eq!(untouched.status, 200);
    assert!(untouched.body == photo, "the source untouched");
    assert_eq!(untouched.header("x-cache"), Some("BYPASS"));
    assert_eq!(untouched.header("cache-control"), Some("no-store"));
    // A named format must be transformed: 503 and when to retry.
    assert_eq!(refused.status, 503);
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(refused.problem()["type"], "/reference#busy");
    // A source larger than the room left is not even read: it streams through.
    let source = corpus_file("photos/flower.png.im_q85_rgb.jpg");
    assert_eq!(passed.status, 200);
    assert!(passed.body == source, "streamed through untouched");

    assert_eq!(holder.join().unwrap(), 422, "the holder's random bytes do not decode");
    let stats = worker.memory_stats();
    assert!(stats["budget_waits"].as_u64().unwrap() >= 3, "{stats}");
    assert!(stats["budget_passthroughs"].as_u64().unwrap() >= 2, "{stats}");
    assert!(stats["budget_refusals"].as_u64().unwrap() >= 1, "{stats}");
    assert!(stats["buffered_bytes_peak"].as_u64().unwrap() >= 4_194_304, "{stats}");
    assert!(stats["buffered_bytes_peak"].as_u64().unwrap() <= SMALL_BUDGET, "never past the budget: {stats}");

    // With the budget free again, the same request is transformed.
    let again = worker.request("GET", &base, &[]);
    assert_eq!(again.status, 200);
    assert!(again.body != photo, "transformed this time");
    assert_eq!(again.header("x-cache"), Some("MISS"));
    assert_eq!(worker.memory_stats()["buffered_bytes"], 0, "all room given back: {stats}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn passthrough_max_bytes_refuses_or_cuts_larger_sources() {
    let (_turn, worker) = budget_worker();
    // Declared larger than PASSTHROUGH_MAX_BYTES (12 MiB): refused before a byte is sent.
    let reply = worker.request("GET", &proxied("/paced/too-large.jpg"), &[]);
    assert_eq!(reply.status, 502);
    assert_eq!(reply.problem()["type"], "/reference#source-too-large");
    // No declared length: cut where it passes the limit, as a broken body.
    let response = worker.open(&proxied("/paced/chunked-too-large.jpg"), &[]);
    assert_eq!(response.status(), 200);
    let err = read_all(response).expect_err("cut at the limit");
    assert!(!is_client_timeout(&err), "{err}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_source_is_read_in_large_chunks() {
    // Each read of a body is a trip through the isolate's event loop, behind whatever else it
    // runs: the runtime's default reads of about 4 KiB made a 197 KB source some 48 reads and
    // a 6 MiB one some 1,300. Behind the guard and without it, declared and chunked, a source
    // must come in reads of 32 KiB on average at least.
    let length = corpus_file("photos/flower_cropped.jpg").len();
    for (worker, guarded) in [(harness(), true), (unguarded_harness(), false)] {
        for path in ["/corpus/photos/flower_cropped.jpg", "/chunked/photos/flower_cropped.jpg"] {
            // A query of its own, so that no earlier answer is found in the cache.
            let url = format!("/cdn-cgi/image/width=48/{}?reads-{guarded}", origin_url(path));
            let reply = worker.request("GET", &url, &[]);
            assert_eq!(reply.status, 200, "{path}");
            let timing = reply.header("server-timing").unwrap_or_default().to_string();
            let told = format!("read;desc=\"{length} bytes in ");
            let reads: usize = timing
                .split_once(&told)
                .and_then(|(_, rest)| rest.split(' ').next()?.parse().ok())
                .unwrap_or_else(|| panic!("{path}: no read count in {timing}"));
            assert!(reads <= length.div_ceil(32 * 1024), "{path}, guarded {guarded}: {reads} reads");
        }
    }
}
