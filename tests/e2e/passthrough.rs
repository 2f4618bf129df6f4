//! Pass-through: sources over the transform cap, with and without `Content-Length`, reach the
//! client byte for byte, and a source once found too large passes through at once next time.

use crate::harness::origin;
use crate::harness::worker::{get, origin_url, sha256};

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn large_sources_pass_through_byte_identical() {
    let expected = origin::big_file();
    for (path, declared) in [("/big.jpg", true), ("/big-chunked.jpg", false)] {
        let reply = get(&format!("/cdn-cgi/image/width=100/{}", origin_url(path)));
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("x-cache"), Some("BYPASS"), "{path}");
        assert_eq!(reply.header("content-type"), Some("image/jpeg"), "{path}");
        assert_eq!(reply.body.len(), expected.len(), "{path}");
        assert_eq!(sha256(&reply.body), sha256(&expected), "{path}");
        if declared {
            let length = expected.len().to_string();
            assert_eq!(reply.header("content-length"), Some(length.as_str()), "{path} keeps Content-Length");
        }
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_source_found_too_large_passes_through_at_once_next_time() {
    let expected = sha256(&origin::big_file());
    // With and without a declared length; their own query strings, so that no other test has
    // marked these sources already.
    for source in ["/big.jpg?marker-test", "/big-chunked.jpg?marker-test"] {
        let path = format!("/cdn-cgi/image/width=100/{}", origin_url(source));
        let first = get(&path);
        assert_eq!(sha256(&first.body), expected, "{source}");
        assert!(!first.header("server-timing").unwrap_or("").contains("known too large"), "{source}");
        assert!(
            recalled_as_too_large(&path, &expected),
            "{source}: the next request still planned from scratch"
        );
    }
}

/// Asks for `path` until an answer says it was planned from the "too large" mark (stored
/// after the first answer, in `wait_until`), checking every answer's bytes on the way.
fn recalled_as_too_large(path: &str, expected_sha256: &[u8]) -> bool {
    for _ in 0..30 {
        let again = get(path);
        assert_eq!(sha256(&again.body), expected_sha256, "still byte-identical");
        if again.header("server-timing").unwrap_or("").contains("known too large") {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}
