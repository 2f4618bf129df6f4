//! End-to-end tests against the real Workers runtime: the built Worker runs in `wrangler dev`
//! (workerd), sources come from a local origin these tests control, and every assertion is on
//! real HTTP — dimensions and decodability, cache status, byte-identical pass-through,
//! problem+json statuses for every failure, and a Worker that keeps serving after each.
//!
//! Run by `make test` (`cargo test --test e2e -- --ignored` after `make build`).
#![cfg(not(target_arch = "wasm32"))]
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../common/animations.rs"]
mod animations;
#[path = "../common/fixtures.rs"]
mod fixtures;
mod imperfect_animations;
mod inspector;
mod load;
#[path = "../common/manifest.rs"]
mod manifest;
mod origin;
mod soak;
mod streaming;
mod worker;

use sha2::{Digest, Sha256};

use manifest::{listed, manifest, ACCEPTED_HOSTILE, REFUSED_VALID};
use worker::{get, origin_url, request, UPSTREAM_TIMEOUT_MS};

/// A proxied URL for a file of the shared corpus, served by the test origin.
fn corpus(options: &str, file: &str) -> String {
    format!("/cdn-cgi/image/{options}/{}", origin_url(&format!("/corpus/{file}")))
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// Asks again until the answer comes from the edge cache: the store happens after the first
/// answer has gone (`wait_until`).
fn wait_for_hit(path: &str) -> worker::Reply {
    for _ in 0..30 {
        let reply = get(path);
        if reply.header("x-cache") == Some("HIT") {
            return reply;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{path} never came from the cache");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn resizes_a_bundled_sample_to_the_requested_width() {
    let reply = get("/cdn-cgi/image/width=200/samples/landscape.jpg");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("image/jpeg"));
    let image = reply.image();
    assert_eq!((image.width(), image.height()), (200, 133));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn both_url_forms_give_the_same_image() {
    let source = origin_url("/corpus/photos/flower_cropped.jpg");
    let a = get(&format!("/cdn-cgi/image/width=150,format=png/{source}"));
    let b = get(&format!("/image?url={source}&w=150&f=png"));
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(a.header("content-type"), Some("image/png"));
    assert_eq!(a.image().width(), 150);
    assert_eq!(sha256(&a.body), sha256(&b.body));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn every_fit_gives_its_dimensions() {
    // flower_cropped.jpg's size decides the scale-down and crop cases.
    let original = get(&corpus("format=png", "photos/flower_cropped.jpg")).image();
    let (sw, sh) = (original.width(), original.height());
    for (options, want) in [
        ("width=100,height=100,fit=cover", (100, 100)),
        ("width=100,height=100,fit=pad", (100, 100)),
        ("width=100,height=100,fit=crop", (100, 100)),
        (
            "width=100,height=100,fit=contain",
            if sw > sh { (100, (100 * sh + sw / 2) / sw) } else { ((100 * sw + sh / 2) / sh, 100) },
        ),
        ("width=5000,fit=scale-down", (sw, sh)),
        ("width=100,dpr=2", (200, (200 * sh + sw / 2) / sw)),
        ("width=100,rotate=90", (100, (100 * sw + sh / 2) / sh)),
        ("width=100,rotate=180,flip=hv", (100, (100 * sh + sw / 2) / sw)),
        ("width=100,height=30,fit=squeeze", (100, 30)),
        ("trim=10;20;30;40", (sw - 60, sh - 40)),
        ("trim=10;20;30;40,width=50", (50, (50 * (sh - 40) + (sw - 60) / 2) / (sw - 60))),
    ] {
        let reply = get(&corpus(&format!("{options},format=png"), "photos/flower_cropped.jpg"));
        assert_eq!(reply.status, 200, "{options}");
        let image = reply.image();
        assert_eq!((image.width(), image.height()), want, "{options}");
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn webp_png_and_jpeg_outputs_decode() {
    for (format, mime, magic) in [
        ("webp", "image/webp", &b"RIFF"[..]),
        ("png", "image/png", &b"\x89PNG"[..]),
        ("jpeg", "image/jpeg", &b"\xFF\xD8\xFF"[..]),
    ] {
        let reply = get(&format!("/cdn-cgi/image/width=64,format={format}/samples/disc.png"));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some(mime));
        assert!(reply.body.starts_with(magic), "{format}");
        assert_eq!(reply.image().width(), 64);
    }
    // A photo: lossy WebP at the quality asked for, progressive JPEG unless baseline is asked.
    let photo = "/samples/landscape.jpg";
    let webp = get(&format!("/cdn-cgi/image/width=320,quality=80,format=webp{photo}"));
    assert_eq!(webp.body.get(12..16), Some(&b"VP8 "[..]), "lossy WebP");
    assert!(webp.header("server-timing").unwrap_or_default().contains("webp q80 lossy"));
    assert_eq!(webp.image().width(), 320);
    let alpha = get("/cdn-cgi/image/width=64,format=webp/samples/disc.png");
    assert_eq!(alpha.image().to_rgba8().get_pixel(0, 0)[3], 0, "alpha kept");
    for (format, marker) in [("jpeg", 0xC2), ("baseline-jpeg", 0xC0)] {
        let jpeg = get(&format!("/cdn-cgi/image/width=320,format={format}{photo}"));
        assert_eq!(jpeg.header("content-type"), Some("image/jpeg"));
        assert!(jpeg.body.windows(2).any(|w| w == [0xFF, marker]), "{format}: SOF {marker:#x}");
        assert_eq!(jpeg.image().width(), 320);
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn alpha_survives_resizing_to_png() {
    let image = get("/cdn-cgi/image/width=100,format=png/samples/disc.png").image().to_rgba8();
    assert_eq!(image.get_pixel(0, 0)[3], 0, "the corner of the disc is transparent");
    assert_eq!(image.get_pixel(50, 50)[3], 255, "its centre is opaque");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn format_auto_follows_accept_and_varies() {
    const CHROME: &str = "image/avif,image/webp,*/*";
    const WEBP_ONLY: &str = "image/webp,*/*";
    let alpha = "/cdn-cgi/image/width=80,format=auto/samples/disc.png";
    let avif = request("GET", alpha, &[("Accept", CHROME)]);
    assert_eq!(avif.status, 200);
    assert_eq!(avif.header("content-type"), Some("image/avif"), "a small output");
    assert_eq!(avif.header("vary"), Some("Accept"));
    assert_eq!(avif.body.get(4..12), Some(&b"ftypavif"[..]));
    let webp = request("GET", alpha, &[("Accept", WEBP_ONLY)]);
    assert_eq!(webp.header("content-type"), Some("image/webp"));
    assert_eq!(webp.header("vary"), Some("Accept"));
    assert_eq!(webp.image().to_rgba8().get_pixel(0, 0)[3], 0, "alpha kept");
    let png = request("GET", alpha, &[("Accept", "*/*")]);
    assert_eq!(png.header("content-type"), Some("image/png"), "alpha needs PNG without WebP");
    assert_eq!(png.header("vary"), Some("Accept"));
    // Opaque photos: AVIF for small outputs, else lossy WebP where accepted, else JPEG.
    for (width, accept, mime) in [
        (80, CHROME, "image/avif"),
        (400, CHROME, "image/webp"),
        (80, WEBP_ONLY, "image/webp"),
        (80, "*/*", "image/jpeg"),
    ] {
        let photo = format!("/cdn-cgi/image/width={width},format=auto/samples/landscape.jpg");
        let reply = request("GET", &photo, &[("Accept", accept)]);
        assert_eq!(reply.header("content-type"), Some(mime), "{width} px for {accept}");
        assert_eq!(reply.header("vary"), Some("Accept"));
    }
}

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
fn head_has_headers_and_no_body() {
    let reply = request("HEAD", "/cdn-cgi/image/width=90/samples/landscape.jpg", &[]);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("image/jpeg"));
    assert!(reply.body.is_empty());
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn sources_outside_the_allowlist_are_refused() {
    for path in [
        "/cdn-cgi/image/width=10/http://example.com/a.jpg".to_string(),
        "/cdn-cgi/image/width=10/http://169.254.169.254/latest/meta-data/".to_string(),
        format!("/cdn-cgi/image/width=10/{}", origin_url("/redirect-to-metadata")),
        format!("/cdn-cgi/image/width=10/{}", origin_url("/redirect-elsewhere")),
    ] {
        let reply = get(&path);
        assert_eq!(reply.status, 403, "{path}");
        assert_eq!(reply.problem()["status"], 403);
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn allowed_redirects_are_followed() {
    let reply = get(&format!("/cdn-cgi/image/width=40/{}", origin_url("/redirect-to-photo")));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.image().width(), 40);
    let looped = get(&format!("/cdn-cgi/image/width=40/{}", origin_url("/redirect-loop")));
    assert_eq!(looped.status, 502);
    assert_eq!(looped.problem()["type"], "/reference#too-many-redirects");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn upstream_failures_have_their_statuses() {
    for (path, status, kind) in [
        ("/status/404", 404, "upstream-refused"),
        ("/status/500", 502, "upstream-failed"),
        ("/broken.jpg", 502, "upstream-failed"),
        ("/page.html", 415, "not-an-image"),
        ("/slow.jpg", 504, "upstream-timeout"),
    ] {
        let reply = get(&format!("/cdn-cgi/image/width=40/{}", origin_url(path)));
        assert_eq!(reply.status, status, "{path}");
        let problem = reply.problem();
        assert_eq!(problem["type"], format!("/reference#{kind}"), "{path}");
        assert_eq!(problem["status"], status);
        assert!(problem["title"].is_string() && problem["detail"].is_string());
    }
    let slow = get(&format!("/cdn-cgi/image/width=40/{}", origin_url("/slow.jpg")));
    assert!(slow.problem()["detail"].as_str().unwrap_or("").contains(&UPSTREAM_TIMEOUT_MS.to_string()));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn bad_requests_get_400_problem_json() {
    for path in [
        "/cdn-cgi/image/width=abc/samples/landscape.jpg",
        "/cdn-cgi/image/width=0/samples/landscape.jpg",
        "/cdn-cgi/image/fit=stretch/samples/landscape.jpg",
        "/cdn-cgi/image/colour=red/samples/landscape.jpg",
        "/image?url=//evil.example/x.jpg&w=10",
        "/image?url=/%2F%2Fevil.example/x.jpg&w=10",
        "/image?w=10",
    ] {
        let reply = get(path);
        assert_eq!(reply.status, 400, "{path}");
        assert_eq!(reply.problem()["status"], 400, "{path}");
    }
    let post = request("POST", "/cdn-cgi/image/width=10/samples/landscape.jpg", &[]);
    assert_eq!(post.status, 405);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn hostile_corpus_files_are_refused_and_the_worker_keeps_serving() {
    // Every hostile file, PngSuite's corrupt x* files included.
    for entry in manifest().iter().filter(|e| e.is_hostile()) {
        // The same request as the host corpus test, so one list of exceptions serves both.
        let reply = get(&corpus("width=32,format=jpeg", &entry.path));
        if listed(ACCEPTED_HOSTILE, &entry.path) {
            assert_eq!(reply.status, 200, "{}", entry.path);
        } else {
            assert!((400..500).contains(&reply.status), "{}: status {}", entry.path, reply.status);
            reply.problem();
        }
        let next = get("/cdn-cgi/image/width=16/samples/board.webp");
        assert_eq!(next.status, 200, "the request after {} is served", entry.path);
    }
    // Refused from their headers, the bombs never made the Wasm memory grow towards them.
    let stats: serde_json::Value = serde_json::from_slice(&get("/debug/memory-stats").body).expect("json");
    let memory = stats["wasm_memory_bytes"].as_u64().unwrap_or(u64::MAX);
    assert!(memory < 96 * 1024 * 1024, "Wasm memory after the hostile corpus: {memory} bytes");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn every_valid_corpus_file_transforms_to_the_requested_size_end_to_end() {
    // The same request as the host corpus test, so one list of exceptions serves both.
    let mut failures = Vec::new();
    let valid: Vec<_> = manifest().into_iter().filter(|e| e.expected == "ok").collect();
    for entry in &valid {
        let want = entry.scaled_to_width(32).expect("valid files have their size in the manifest");
        let reply = get(&corpus("width=32,format=png", &entry.path));
        match reply.status {
            200 => match image::load_from_memory(&reply.body) {
                Ok(image) if (image.width(), image.height()) == want => {}
                Ok(image) => failures.push(format!(
                    "{}: {}x{} (want {want:?})",
                    entry.path,
                    image.width(),
                    image.height()
                )),
                Err(err) => failures.push(format!("{}: the answer does not decode: {err}", entry.path)),
            },
            400..=499 if listed(REFUSED_VALID, &entry.path) => {
                reply.problem();
            }
            status => failures.push(format!("{}: status {status}", entry.path)),
        }
    }
    assert!(valid.len() > 300, "only {} valid files", valid.len());
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), valid.len(), failures.join("\n"));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn memory_stats_count_what_happened() {
    // A miss, then a hit once the store (after the answer) has happened.
    wait_for_hit("/cdn-cgi/image/width=33/samples/landscape.jpg");
    let reply = get("/debug/memory-stats");
    assert_eq!(reply.status, 200);
    let stats: serde_json::Value = serde_json::from_slice(&reply.body).expect("json");
    for field in edge_image_proxy::stats::MEMORY_STATS_FIELDS {
        assert!(stats[field].is_number(), "{field}: {stats}");
    }
    let ratio = stats["cache_hit_ratio"].as_f64().unwrap();
    assert!(ratio > 0.0 && ratio < 1.0, "some hits, some misses: {ratio}");
    assert!(stats["wasm_memory_bytes"].as_u64().unwrap_or(0) >= 65_536);
    assert!(stats["requests"].as_u64().unwrap_or(0) >= 2);
    assert!(stats["in_flight"].as_u64().unwrap_or(0) >= 1, "this request itself");
    assert!(stats["cache_puts"].as_u64().unwrap_or(0) >= 1, "the miss was stored: {stats}");
    assert!(stats["cache_hits"].as_u64().unwrap_or(0) >= 1, "{stats}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn static_files_are_served() {
    let index = get("/");
    assert_eq!(index.status, 200);
    assert!(String::from_utf8_lossy(&index.body).contains("edge-image-proxy"));
    let sample = get("/samples/landscape.jpg");
    assert_eq!(sample.status, 200);
    assert_eq!(
        sample.body,
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/samples/landscape.jpg")).expect("sample")
    );
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_24_megapixel_jpeg_makes_a_thumbnail_in_workerd() {
    // 6000x4000 is above MAX_SOURCE_PIXELS (16 Mpx); shrink-on-load decodes it at 1/8.
    let reply = get(&format!("/cdn-cgi/image/width=320/{}", origin_url("/generated/24mp.jpg")));
    assert_eq!(reply.status, 200);
    let image = reply.image();
    assert_eq!((image.width(), image.height()), (320, 213));
    // Server-Timing says what was done: decoded at 1/8 scale, never at 6000x4000.
    let timing = reply.header("server-timing").unwrap_or_default();
    assert!(timing.contains(r#"decode;desc="jpeg 1/8 scale -> 750x500""#), "{timing}");
    assert!(timing.contains(r#"resize;desc="750x500 -> 320x213 lanczos3""#), "{timing}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn answers_are_usable_from_other_origins() {
    // A page on another local origin: wrangler dev itself refuses non-local Origin headers
    // ("403 Invalid Origin header"), a protection of the local runtime, not of the Worker.
    let page = [("Origin", "http://localhost:3000")];
    let image = request("GET", "/cdn-cgi/image/width=50,format=png/samples/landscape.jpg", &page);
    assert_eq!(image.status, 200);
    assert_eq!(image.header("access-control-allow-origin"), Some("*"));
    assert_eq!(image.header("timing-allow-origin"), Some("*"));
    assert_eq!(image.header("cross-origin-resource-policy"), Some("cross-origin"));
    assert_eq!(image.header("content-disposition"), Some("inline; filename=\"landscape.png\""));
    assert!(image.header("access-control-expose-headers").unwrap_or("").contains("Server-Timing"));

    let problem = request("GET", "/cdn-cgi/image/width=0/samples/landscape.jpg", &page);
    assert_eq!(problem.status, 400);
    assert_eq!(problem.header("access-control-allow-origin"), Some("*"), "scripts can read errors too");

    let preflight = request(
        "OPTIONS",
        "/cdn-cgi/image/width=50/samples/landscape.jpg",
        &[
            ("Origin", "http://localhost:3000"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "x-custom"),
        ],
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    assert_eq!(preflight.header("access-control-allow-methods"), Some("GET, HEAD, POST, OPTIONS"));
    assert_eq!(preflight.header("access-control-allow-headers"), Some("x-custom"));
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

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn with_a_signing_key_only_signed_urls_are_served() {
    use edge_image_proxy::security::sign_url;
    let signing = worker::signing_harness();
    let key = worker::SIGNING_KEY.as_bytes();
    let path = "/cdn-cgi/image/width=64,fit=cover/samples/landscape.jpg";

    let unsigned = signing.request("GET", path, &[]);
    assert_eq!(unsigned.status, 403);
    assert_eq!(unsigned.problem()["type"], "/reference#bad-signature");

    let signed = sign_url(path, key, None).expect("signable");
    let reply = signing.request("GET", &signed, &[]);
    assert_eq!(reply.status, 200, "{signed}");
    assert_eq!(reply.image().width(), 64);
    let cache_control = reply.header("cache-control").unwrap_or_default();
    assert!(cache_control.ends_with(", immutable"), "a signed URL names one version: {cache_control}");
    // Another spelling of the same request carries the same signature.
    let respelled = signed.replace("width=64,fit=cover", "fit=cover,w=32,dpr=2");
    assert_eq!(signing.request("GET", &respelled, &[]).status, 200, "{respelled}");

    let tampered = signed.replace("width=64", "width=640");
    assert_eq!(signing.request("GET", &tampered, &[]).status, 403);
    let query_form = sign_url("/image?url=/samples/landscape.jpg&w=48", key, None).expect("signable");
    assert_eq!(signing.request("GET", &query_form, &[]).image().width(), 48);

    let expiring = sign_url(path, key, Some(4_000_000_000)).expect("signable");
    let reply = signing.request("GET", &expiring, &[]);
    assert_eq!(reply.status, 200);
    assert!(!reply.header("cache-control").unwrap_or_default().contains("immutable"), "it will expire");

    let expired = sign_url(path, key, Some(1_000_000_000)).expect("signable");
    let reply = signing.request("GET", &expired, &[]);
    assert_eq!(reply.status, 403);
    assert!(reply.problem()["detail"].as_str().unwrap_or_default().contains("expired"));
    // Static files are not image URLs and need no signature.
    assert_eq!(signing.request("GET", "/samples/landscape.jpg", &[]).status, 200);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_panic_leaves_the_worker_serving() {
    // Release builds have no such route: the path is just a missing static file.
    assert_eq!(get("/debug/panic").status, 404);
    let worker = worker::panic_harness();
    let image = "/cdn-cgi/image/width=40/samples/landscape.jpg";
    assert_eq!(worker.request("GET", image, &[]).status, 200);
    for round in 0..3 {
        let panicked = worker.request("GET", "/debug/panic", &[]);
        assert!(panicked.status >= 500, "round {round}: the panic is a 5xx, got {}", panicked.status);
        // workers-rs (0.8, without --panic-unwind) marks the Wasm instance as failed and
        // reinitialises it before the next request.
        let next = worker.request("GET", image, &[]);
        assert_eq!(next.status, 200, "round {round}: served after the panic");
        assert_eq!(next.image().width(), 40);
        let options = worker.request("GET", "/cdn-cgi/image/width=33,format=png/samples/disc.png", &[]);
        assert_eq!(options.image().width(), 33, "round {round}: a second request too");
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn active_content_is_never_served() {
    // SVG can carry scripts: refused small (not a raster image) and large (not passed through).
    for path in ["/drawing.svg", "/big-drawing.svg"] {
        let reply = get(&format!("/cdn-cgi/image/width=10/{}", origin_url(path)));
        assert_eq!(reply.status, 415, "{path}");
        assert_eq!(reply.problem()["type"], "/reference#not-an-image");
    }
    let sandbox = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
    let image = get("/cdn-cgi/image/width=20/samples/landscape.jpg");
    let passed = get(&format!("/cdn-cgi/image/width=10/{}", origin_url("/big.jpg")));
    for reply in [&image, &passed] {
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("content-security-policy"), Some(sandbox));
    }
    let page = get("/");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("content-security-policy"), None, "the playground runs its script");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_generated_gigapixel_png_is_refused_before_decoding() {
    let reply = get(&format!("/cdn-cgi/image/width=100/{}", origin_url("/generated/png-bomb.png")));
    assert_eq!(reply.status, 422);
    let problem = reply.problem();
    assert_eq!(problem["type"], "/reference#too-many-pixels");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("1600000000 pixels"), "{problem}");
    let stats: serde_json::Value = serde_json::from_slice(&get("/debug/memory-stats").body).expect("json");
    let memory = stats["wasm_memory_bytes"].as_u64().unwrap_or(u64::MAX);
    assert!(memory < 128 * 1024 * 1024, "Wasm memory stayed far from 6.4 GB: {memory}");
    assert_eq!(get("/cdn-cgi/image/width=16/samples/board.webp").status, 200);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn onerror_redirect_sends_failures_to_the_source_but_never_refusals() {
    // Failures of an allowed source: its 4xx, its 5xx, a body cut short, too many pixels,
    // not an image.
    for path in ["/status/404", "/status/500", "/broken.jpg", "/generated/png-bomb.png", "/page.html"] {
        let source = origin_url(path);
        let plain = get(&format!("/cdn-cgi/image/width=100/{source}"));
        assert!(plain.status >= 400, "{path} fails without onerror: {}", plain.status);
        let reply = get(&format!("/cdn-cgi/image/width=100,onerror=redirect/{source}"));
        assert_eq!(reply.status, 302, "{path}");
        assert_eq!(reply.header("location"), Some(source.as_str()), "{path}");
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
        let query = get(&format!("/image?url={source}&w=100&onerror=redirect"));
        assert_eq!((query.status, query.header("location")), (302, Some(source.as_str())), "{path}");
    }
    // A working image is still transformed.
    let fine = get(&corpus("width=50,onerror=redirect", "photos/flower_cropped.jpg"));
    assert_eq!((fine.status, fine.image().width()), (200, 50));
    // Refusals keep their status and never name a location: no open redirect.
    for (path, status) in [
        (
            "/cdn-cgi/image/width=100,onerror=redirect/http://169.254.169.254/latest/meta-data/".to_string(),
            403,
        ),
        ("/cdn-cgi/image/width=100,onerror=redirect/https://evil.example.com/a.jpg".to_string(), 403),
        (format!("/cdn-cgi/image/width=100,onerror=redirect/{}", origin_url("/redirect-to-metadata")), 403),
        (format!("/cdn-cgi/image/width=0,onerror=redirect/{}", origin_url("/status/404")), 400),
    ] {
        let reply = get(&path);
        assert_eq!(reply.status, status, "{path}");
        assert_eq!(reply.header("location"), None, "{path}");
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn format_json_describes_the_source_from_its_header() {
    let file = "gif/iss634.gif";
    let size = std::fs::read(manifest::corpus_dir().join(file)).expect("corpus file").len();
    let path = corpus("format=json,width=100", file);
    let reply = get(&path);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let etag = reply.header("etag").expect("an ETag").to_string();
    assert!(etag.starts_with('"'), "strong ETag: {etag}");
    let json: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    assert_eq!(json["frames"], 42, "counted without decoding: {json}");
    assert_eq!((json["width"].as_u64(), json["height"].as_u64()), (Some(100), Some(100)));
    assert_eq!(json["original"]["width"], 245);
    assert_eq!(json["original"]["format"], "image/gif");
    assert_eq!(json["original"]["file_size"].as_u64(), Some(size as u64));
    assert_eq!(json["bytes"].as_u64(), Some(size as u64));
    // Cached under its own key, with If-None-Match like an image.
    let hit = wait_for_hit(&path);
    assert_eq!(
        (hit.header("content-type"), hit.body.clone()),
        (Some("application/json"), reply.body.clone())
    );
    let not_modified = request("GET", &path, &[("If-None-Match", &etag)]);
    assert_eq!(not_modified.status, 304);
    // The image is another entry: an animated GIF, the source kept animated.
    let image = get(&corpus("width=100", file));
    assert_eq!(image.header("content-type"), Some("image/gif"), "the image is another entry");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn an_animated_gif_stays_animated_unless_a_still_format_or_anim_false_is_asked() {
    use image::AnimationDecoder;
    let animated = get(&corpus("width=100", "gif/iss634.gif"));
    assert_eq!(animated.status, 200);
    assert_eq!(animated.header("content-type"), Some("image/gif"));
    let timing = animated.header("server-timing").unwrap_or_default();
    assert!(timing.contains("decode;desc=\"gif 245x245, 42 frames\""), "{timing}");
    let decoder = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&animated.body)).expect("a GIF");
    let frames = decoder.into_frames().collect_frames().expect("every frame decodes");
    assert!(frames.len() > 1 && frames.len() <= 42, "{} frames", frames.len());
    assert!(frames.iter().all(|f| f.buffer().dimensions() == (100, 100)));
    let auto = request(
        "GET",
        &corpus("width=100,format=auto", "gif/iss634.gif"),
        &[("Accept", "image/avif,image/webp,*/*")],
    );
    assert_eq!(auto.header("content-type"), Some("image/webp"), "auto: WebP where it is accepted");
    assert_eq!(auto.header("vary"), Some("Accept"));
    for still in ["width=100,anim=false", "width=100,format=png"] {
        let reply = get(&corpus(still, "gif/iss634.gif"));
        assert_eq!(reply.status, 200);
        assert_ne!(reply.header("content-type"), Some("image/gif"), "{still}");
    }
}

/// The frames of an animated WebP answer, each checked for its size.
fn webp_frames(reply: &worker::Reply, size: (u32, u32)) -> usize {
    use image::AnimationDecoder;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("image/webp"));
    let decoder = image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(&reply.body)).expect("a WebP");
    let frames = decoder.into_frames().collect_frames().expect("every frame decodes");
    assert!(frames.iter().all(|f| f.buffer().dimensions() == size));
    frames.len()
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn animated_webp_in_and_out() {
    // An animated WebP source stays animated; a GIF asked for as WebP becomes one.
    let webp = get(&corpus("width=100", "webp/anim.webp"));
    assert!(webp_frames(&webp, (100, 100)) > 1, "animated");
    let timing = webp.header("server-timing").unwrap_or_default();
    assert!(timing.contains("decode;desc=\"webp 200x200, "), "{timing}");
    assert!(timing.contains("webp animated, "), "{timing}");
    let from_gif = get(&corpus("width=100,format=webp", "gif/iss634.gif"));
    assert!(webp_frames(&from_gif, (100, 100)) > 1, "animated");
    // Without WebP in Accept, format=auto makes it an animated GIF.
    let gif = request("GET", &corpus("width=100,format=auto", "webp/anim.webp"), &[("Accept", "image/*")]);
    assert_eq!(gif.header("content-type"), Some("image/gif"));
    let decoder = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&gif.body)).expect("a GIF");
    use image::AnimationDecoder;
    assert!(decoder.into_frames().count() > 1);
}
