//! Fit for Workers Cache in front: every answer a shared cache may keep carries `Cache-Tag`
//! (its source's tag and the proxy's, the same for every variant of a URL), what none may keep
//! carries none, `Vary: Accept` comes only where `format=auto` chose; and `POST /purge` says
//! it could not reach Workers Cache where the runtime offers no `ctx.cache.purge` (local
//! workerd), having purged the other layers all the same.

use edge_image_proxy::cache_key::source_tag;
use edge_image_proxy::route::Source;

use crate::harness::worker::{self, get, origin_url, request, wait_for_hit};

/// The `Cache-Tag` every answer made from `source` carries.
fn tags_of(source: &str) -> String {
    format!("{},edge-image-proxy", source_tag(&Source::parse(source).unwrap()))
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn cacheable_answers_are_tagged_by_source_and_vary_only_for_format_auto() {
    let source = origin_url("/cache/max-age.jpg?workers-cache");
    let tags = tags_of(&source);
    let plain = format!("/cdn-cgi/image/width=81/{source}");
    let miss = get(&plain);
    assert_eq!((miss.header("x-cache"), miss.header("cache-tag")), (Some("MISS"), Some(tags.as_str())));
    assert_eq!(miss.header("vary"), None, "no format=auto, no Vary");
    let hit = wait_for_hit(&plain);
    assert_eq!(hit.header("cache-tag"), Some(tags.as_str()));
    let etag = hit.header("etag").unwrap();
    let not_modified = request("GET", &plain, &[("If-None-Match", etag)]);
    assert_eq!((not_modified.status, not_modified.header("cache-tag")), (304, Some(tags.as_str())));

    let auto = format!("/cdn-cgi/image/width=82,format=auto/{source}");
    for accept in ["image/avif,image/webp,*/*", "image/webp,*/*", "*/*"] {
        let reply = request("GET", &auto, &[("Accept", accept)]);
        assert_eq!(
            reply.header("cache-tag"),
            Some(tags.as_str()),
            "{accept}: one set of tags for every variant"
        );
        assert_eq!(reply.header("vary"), Some("Accept"), "{accept}");
    }
    let resized_elsewhere = get(&format!("/cdn-cgi/image/width=83,fit=cover/{source}"));
    assert_eq!(
        resized_elsewhere.header("cache-tag"),
        Some(tags.as_str()),
        "the source's tag, whatever the options"
    );

    let big = origin_url("/big.jpg");
    let passed = get(&format!("/cdn-cgi/image/width=100/{big}"));
    assert_eq!(
        (passed.header("x-cache"), passed.header("cache-tag")),
        (Some("BYPASS"), Some(tags_of(&big).as_str()))
    );
    for refused in ["no-store", "private", "cookie"] {
        let reply = get(&format!("/cdn-cgi/image/width=84/{}", origin_url(&format!("/cache/{refused}.jpg"))));
        assert_eq!(reply.header("cache-tag"), None, "{refused}: no shared cache keeps it");
    }
    let problem = get("/cdn-cgi/image/width=0/photos/a.jpg");
    assert_eq!((problem.status, problem.header("cache-tag")), (400, None));
    assert_eq!(problem.header("cache-control"), Some("no-store"));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_purge_says_workers_cache_was_not_reached_where_the_runtime_lacks_it() {
    let worker = worker::harness();
    let path = format!("/cdn-cgi/image/width=85/{}", origin_url("/cache/max-age.jpg?workers-cache-purge"));
    wait_for_hit(&path);
    let bearer = format!("Bearer {}", worker::PURGE_TOKEN);
    let purged = worker.post("/purge", &[("Authorization", &bearer)], &format!(r#"{{"urls": ["{path}"]}}"#));
    assert_eq!(purged.status, 200, "{}", String::from_utf8_lossy(&purged.body));
    let report: serde_json::Value = serde_json::from_slice(&purged.body).unwrap();
    let layers = &report["layers"];
    assert_eq!(layers["workers_cache"]["reached"], false, "{report}");
    assert_eq!(layers["workers_cache"]["note"], "the runtime offers no ctx.cache.purge", "{report}");
    assert_eq!(layers["edge_cache"]["deleted"], 1, "the other layers are purged all the same: {report}");
    assert_eq!(layers["r2_tier"]["reached"], false, "this Worker has no VARIANTS: {report}");
    assert_eq!(get(&path).header("x-cache"), Some("MISS"));
}
