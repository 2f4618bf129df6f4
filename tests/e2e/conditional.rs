//! Conditional requests: `If-None-Match` with our strong ETag answers 304 from the cache and
//! from a fresh transform, and, when the origin's headers name the version already made, before
//! the body is read or a pixel decoded.

use crate::harness::origin;
use crate::harness::worker::{self, corpus, get, origin_url, request, wait_for_hit};

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn if_none_match_answers_304_on_miss_and_hit() {
    let path = corpus("width=77", "photos/kodim07.png");
    let etag = get(&path).header("etag").expect("an ETag").to_string();
    // From the cache.
    wait_for_hit(&path);
    let hit = request("GET", &path, &[("If-None-Match", &etag)]);
    assert_eq!((hit.status, hit.header("x-cache")), (304, Some("HIT")));
    assert!(hit.body.is_empty());
    assert_eq!(hit.header("etag"), Some(etag.as_str()));
    // Freshly made: another cache key (fit=contain) that gives the same bytes.
    let other_key = corpus("width=77,fit=contain", "photos/kodim07.png");
    let miss = request("GET", &other_key, &[("If-None-Match", &etag)]);
    assert_eq!((miss.status, miss.header("x-cache")), (304, Some("MISS")));
    assert!(miss.body.is_empty());
    let different = request("GET", &path, &[("If-None-Match", "\"something-else\"")]);
    assert_eq!(different.status, 200);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_known_version_is_answered_304_without_the_body() {
    let worker = worker::harness();
    let path = format!("/cdn-cgi/image/width=62/{}", origin_url("/versioned.jpg"));
    let first = get(&path);
    assert_eq!((first.status, first.header("x-cache")), (200, Some("MISS")));
    let etag = first.header("etag").expect("an ETag").to_string();
    assert_eq!(
        request("GET", &path, &[("If-None-Match", "\"v7\"")]).status,
        200,
        "the source's own ETag is not ours"
    );

    // Stored: the cache answers 304, and the origin is not asked.
    wait_for_hit(&path);
    let fetched = origin::hits("/versioned.jpg");
    let hit = request("GET", &path, &[("If-None-Match", &etag)]);
    assert_eq!((hit.status, hit.header("x-cache")), (304, Some("HIT")));
    assert_eq!(origin::hits("/versioned.jpg"), fetched, "no upstream request");

    // Not stored (purged): the origin's headers name the same version, so the answer is
    // 304 before its body is read or a pixel decoded.
    let bearer = format!("Bearer {}", worker::PURGE_TOKEN);
    let purged = worker.post("/purge", &[("Authorization", &bearer)], &format!(r#"{{"urls": ["{path}"]}}"#));
    assert_eq!(purged.status, 200);
    let unread_before = worker.memory_stats()["not_modified_unread"].as_u64().unwrap();
    let miss = request("GET", &path, &[("If-None-Match", &etag)]);
    assert_eq!((miss.status, miss.header("x-cache")), (304, Some("MISS")));
    assert!(miss.body.is_empty());
    assert_eq!(miss.header("etag"), Some(etag.as_str()));
    assert_eq!(miss.header("content-type"), None, "a 304 describes no body");
    assert_eq!(miss.header("cache-control"), Some("public, max-age=3600"));
    let timing = miss.header("server-timing").unwrap_or_default();
    assert!(timing.contains("fetch;dur=") && !timing.contains("decode"), "{timing}");
    assert_eq!(worker.memory_stats()["not_modified_unread"].as_u64().unwrap(), unread_before + 1);
    // The same request without the ETag is transformed again, to the same ETag.
    let again = get(&path);
    assert_eq!(again.status, 200);
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert!(again.body == first.body);
}
