//! The edge cache end to end: a miss then a hit with identical bytes, its `Age` and the same
//! ETag (an alias spelling sharing the entry); the origin's `Cache-Control` and cookies deciding
//! what may be stored; and a stale entry revalidated with the origin (a 304 stored again as
//! fresh, a changed source made anew).

use crate::harness::origin;
use crate::harness::worker::{corpus, get, origin_url, sha256, wait_for_hit};

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_miss_then_a_hit_with_identical_bytes() {
    let path = corpus("width=123", "photos/kodim23.png");
    let first = get(&path);
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-cache"), Some("MISS"));
    let etag = first.header("etag").expect("an ETag").to_string();
    assert!(etag.starts_with('"'), "strong ETag: {etag}");
    assert_eq!(first.header("age"), None, "a fresh answer has no age");
    let second = wait_for_hit(&path);
    assert_eq!(sha256(&first.body), sha256(&second.body));
    assert_eq!(second.header("etag"), Some(etag.as_str()));
    let age: u64 = second.header("age").expect("a hit says its age").parse().expect("whole seconds");
    assert!(age < 60, "stored moments ago: {age}");
    assert_eq!(second.header("cache-control"), first.header("cache-control"));
    assert!(!first.header("cache-control").unwrap_or_default().contains("immutable"), "unsigned");
    // An alias spelling of the same request shares the entry.
    let alias = get(&corpus("w=123", "photos/kodim23.png"));
    assert_eq!(alias.header("x-cache"), Some("HIT"));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn the_origin_decides_what_may_be_stored() {
    for (name, client_cache_control) in
        [("no-store", "no-store"), ("private", "private, max-age=300"), ("cookie", "no-store")]
    {
        let source = format!("/cache/{name}.jpg");
        let path = format!("/cdn-cgi/image/width=64/{}", origin_url(&source));
        for _ in 0..2 {
            let reply = get(&path);
            assert_eq!(reply.status, 200, "{name}");
            assert_eq!(reply.header("x-cache"), Some("BYPASS"), "{name}");
            assert_eq!(reply.header("cache-control"), Some(client_cache_control), "{name}");
            assert_eq!(reply.header("set-cookie"), None, "{name}: cookies are never forwarded");
        }
        assert_eq!(origin::hits(&source), 2, "{name}: both requests reached the origin");
    }
    // An origin max-age inside the bounds is the TTL, and the cached answer repeats it.
    let path = format!("/cdn-cgi/image/width=64/{}", origin_url("/cache/max-age.jpg"));
    let first = get(&path);
    assert_eq!(
        (first.header("x-cache"), first.header("cache-control")),
        (Some("MISS"), Some("public, max-age=600"))
    );
    let hit = wait_for_hit(&path);
    assert_eq!(hit.header("cache-control"), Some("public, max-age=600"));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_stale_entry_is_revalidated_with_the_origin() {
    let path = format!("/cdn-cgi/image/width=61/{}", origin_url("/validated.jpg"));
    let first = get(&path);
    assert_eq!(first.header("x-cache"), Some("MISS"));
    assert_eq!(first.header("cache-control"), Some("public, max-age=2"), "the origin's max-age");
    std::thread::sleep(std::time::Duration::from_millis(3000));
    let stale = get(&path);
    assert_eq!(stale.header("x-cache"), Some("REVALIDATED"), "{:?}", stale.header("server-timing"));
    assert_eq!(origin::hits("/validated.jpg 304"), 1, "one conditional request, answered 304");
    assert!(stale.body == first.body, "the stored image");
    assert_eq!(stale.header("etag"), first.header("etag"));
    // Stored again as fresh: the next request is a plain hit.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(1500);
    while get(&path).header("x-cache") != Some("HIT") {
        assert!(std::time::Instant::now() < deadline, "never stored again as fresh");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(origin::hits("/validated.jpg"), 2, "the first fetch and the revalidation only");

    // A source that changed is fetched and transformed again.
    let changing = format!("/cdn-cgi/image/width=61/{}", origin_url("/changing.jpg"));
    assert_eq!(get(&changing).header("x-cache"), Some("MISS"));
    std::thread::sleep(std::time::Duration::from_millis(3000));
    assert_eq!(get(&changing).header("x-cache"), Some("MISS"), "a new version is not revalidated");
}
