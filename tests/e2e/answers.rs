//! Answers that real origins and clients showed to be wrong (issue 19): an origin's
//! `no-cache` honoured (stored, revalidated before every use, sent on), a `max-age` too large
//! for 32 bits clamped rather than ignored, every format named with its own extension, other
//! URL schemes refused as bad sources, the static assets' own redirects followed, and a PNG
//! that declares a gigapixel judged by its header.

use crate::harness::origin;
use crate::harness::worker::{get, origin_url};

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn no_cache_is_stored_but_revalidated_before_every_use() {
    let path = format!("/cdn-cgi/image/width=72/{}", origin_url("/no-cache.jpg"));
    let first = get(&path);
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-cache"), Some("MISS"), "stored");
    assert_eq!(first.header("cache-control"), Some("no-cache"), "clients revalidate too");
    // The store happens after the first answer; from then on every use asks the origin.
    let mut revalidated = None;
    for _ in 0..30 {
        let reply = get(&path);
        assert_eq!(reply.status, 200);
        if reply.header("x-cache") == Some("REVALIDATED") {
            revalidated = Some(reply);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let revalidated = revalidated.expect("a stored no-cache answer is revalidated, never a plain HIT");
    assert_eq!(revalidated.header("cache-control"), Some("no-cache"));
    assert_eq!(revalidated.image().width(), 72);
    let asked = origin::hits("/no-cache.jpg 304");
    assert_eq!(get(&path).header("x-cache"), Some("REVALIDATED"), "again: never fresh");
    assert_eq!(origin::hits("/no-cache.jpg 304"), asked + 1, "the origin was asked again");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_max_age_too_large_for_32_bits_is_clamped_to_the_maximum() {
    let reply = get(&format!("/cdn-cgi/image/width=64/{}", origin_url("/cache/huge-max-age.jpg")));
    assert_eq!(reply.status, 200);
    // CACHE_TTL_MAX_SECONDS' default: a year, not CACHE_TTL_SECONDS' day.
    assert_eq!(reply.header("cache-control"), Some("public, max-age=31536000"));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn every_format_is_named_with_its_own_extension() {
    for (format, extension) in [
        ("jpeg", "jpg"),
        ("baseline-jpeg", "jpg"),
        ("png", "png"),
        ("webp", "webp"),
        ("avif", "avif"),
        ("json", "json"),
    ] {
        let reply = get(&format!("/cdn-cgi/image/width=40,format={format}/samples/landscape.jpg"));
        assert_eq!(reply.status, 200, "{format}");
        let want = format!("inline; filename=\"landscape.{extension}\"");
        assert_eq!(reply.header("content-disposition"), Some(want.as_str()), "{format}");
    }
    // An animated GIF stays one when no format is asked.
    let gif = get("/cdn-cgi/image/width=40/samples/spinner.gif");
    assert_eq!((gif.status, gif.header("content-type")), (200, Some("image/gif")));
    assert_eq!(gif.header("content-disposition"), Some("inline; filename=\"spinner.gif\""));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn sources_of_other_schemes_are_bad_sources() {
    for source in ["data:image/png;base64,iVBORw0KGgo=", "javascript:alert(1)", "ftp://127.0.0.1/a.jpg"] {
        for path in [format!("/cdn-cgi/image/width=40/{source}"), format!("/image?url={source}&w=40")] {
            let reply = get(&path);
            assert_eq!(reply.status, 400, "{path}");
            assert_eq!(reply.problem()["type"], "/reference#bad-source", "{path}");
        }
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_redirect_of_the_static_assets_is_followed_within_them() {
    // The asset server answers /index.html with a redirect to /; followed, it is a page, not
    // an image: 415, where it used to end in a 502 for the redirect itself.
    let reply = get("/cdn-cgi/image/width=40/index.html");
    assert_eq!(reply.status, 415, "{:?}", reply.problem());
    assert_eq!(reply.problem()["type"], "/reference#not-an-image");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_png_declaring_a_gigapixel_is_judged_by_its_header() {
    let source = origin_url("/generated/gigapixel-header.png");
    let refused = get(&format!("/cdn-cgi/image/width=100/{source}"));
    assert_eq!(refused.status, 422);
    assert_eq!(refused.problem()["type"], "/reference#too-many-pixels", "{:?}", refused.problem());
    let described = get(&format!("/cdn-cgi/image/format=json/{source}"));
    assert_eq!(described.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&described.body).expect("JSON");
    assert_eq!(json["original"]["width"], 32768);
    assert_eq!(json["original"]["height"], 32768);
}
