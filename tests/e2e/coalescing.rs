//! Identical misses in flight share one upstream fetch and one transform, and a leader that
//! fails hands its failure to no follower.

use crate::harness::origin;
use crate::harness::worker::{self, get, origin_url};

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn identical_misses_share_one_fetch_and_one_transform() {
    let path = format!("/cdn-cgi/image/width=123/{}", origin_url("/slow-photo.jpg"));
    let waiters_before = worker::harness().memory_stats()["coalesced_waiters"].as_u64().unwrap();
    let replies: Vec<worker::Reply> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..10).map(|_| s.spawn(|| get(&path))).collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(origin::hits("/slow-photo.jpg"), 1, "one upstream fetch for ten requests");
    for reply in &replies {
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("x-cache"), Some("MISS"));
        assert_eq!(reply.image().width(), 123);
        assert!(reply.body == replies[0].body, "every waiter gets the same image");
    }
    let coalesced = replies
        .iter()
        .filter(|r| r.header("server-timing").is_some_and(|t| t.starts_with("coalesced")))
        .count();
    assert_eq!(coalesced, 9, "nine waited for the first");
    let waiters = worker::harness().memory_stats()["coalesced_waiters"].as_u64().unwrap();
    // Other tests running meanwhile may coalesce too.
    assert!(waiters - waiters_before >= 9, "{waiters_before} -> {waiters}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_failed_leader_does_not_fail_its_followers() {
    // Four identical requests for a source the origin refuses: the leader fails, and each
    // follower, sent on alone, asks the origin itself (handed the leader's failure, they
    // would not have).
    let path = format!("/cdn-cgi/image/width=50/{}", origin_url("/status/404"));
    let before = origin::hits("/status/404");
    let replies: Vec<worker::Reply> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..4).map(|_| s.spawn(|| get(&path))).collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(replies.iter().all(|r| r.status == 404));
    assert_eq!(origin::hits("/status/404") - before, 4, "no follower was handed the leader's failure");
}
