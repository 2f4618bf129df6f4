//! The security gate end to end: hosts outside the allowlist, private addresses and redirects
//! to either are refused (allowed redirects followed, loops cut); with `SIGNING_KEY` only signed
//! URLs are served; SVG is never served, and no answer can run as a page on the proxy's origin.

use crate::harness::worker::{self, get, origin_url};

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
fn active_content_is_never_served() {
    // SVG can carry scripts: served small only once sanitised, refused large (a pass-through
    // is not sanitised).
    let small = get(&format!("/cdn-cgi/image/width=10/{}", origin_url("/drawing.svg")));
    assert_eq!(small.status, 200);
    assert!(!String::from_utf8_lossy(&small.body).contains("script"), "sanitised");
    let large = get(&format!("/cdn-cgi/image/width=10/{}", origin_url("/big-drawing.svg")));
    assert_eq!(large.status, 415);
    assert_eq!(large.problem()["type"], "/reference#not-an-image");
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
