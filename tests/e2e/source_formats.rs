//! Source formats beyond JPEG, PNG, GIF and WebP, in workerd: a BMP, an ICO (its largest
//! entry) and a TIFF (its first page) resized to the asked size with their colours, served
//! byte for byte when nothing is asked, and converted under `format=auto`; an AVIF served
//! untouched where AVIF may be answered and refused (415, with the reason) where pixels or
//! another format are asked; an SVG served sanitised (no script, no event handler) with the
//! no-script CSP, and refused when pixels are asked; damaged sources are problem answers.

use crate::harness::formats;
use crate::harness::origin::publish;
use crate::harness::worker::{get, origin_url, request, Reply};

const TEAL: [u8; 3] = [20, 160, 150];
const ORANGE: [u8; 3] = [240, 130, 20];
const PURPLE: [u8; 3] = [110, 40, 170];
const SANDBOX: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// Publishes `bytes` on the test origin as `name` and returns its absolute URL.
fn source(name: &str, bytes: Vec<u8>) -> String {
    origin_url(&publish(name, bytes))
}

fn proxied(options: &str, source: &str, accept: &str) -> Reply {
    request("GET", &format!("/cdn-cgi/image/{options}/{source}"), &[("Accept", accept)])
}

/// The answer's size and middle pixel, which must be a 200 PNG.
fn png_size_and_middle(reply: &Reply) -> ((u32, u32), [u8; 3]) {
    assert_eq!(reply.status, 200, "{:?}", reply.problem());
    assert_eq!(reply.header("content-type"), Some("image/png"));
    let image = reply.image().to_rgb8();
    let middle = image.get_pixel(image.width() / 2, image.height() / 2).0;
    (image.dimensions(), middle)
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn bmp_ico_and_tiff_are_resized_and_served_untouched_when_nothing_is_asked() {
    let cases = [
        ("e2e-teal.bmp", formats::bmp(300, 200, TEAL), "image/bmp", (150, 100), TEAL),
        (
            "e2e-icons.ico",
            formats::ico_of_pngs(&[(16, ORANGE), (64, PURPLE), (32, TEAL)]),
            "image/x-icon",
            (32, 32),
            PURPLE,
        ),
        (
            "e2e-pages.tiff",
            formats::tiff(&[(120, 80, ORANGE), (400, 400, TEAL)]),
            "image/tiff",
            (60, 40),
            ORANGE,
        ),
    ];
    for (name, bytes, mime, (width, height), colour) in cases {
        let url = source(name, bytes.clone());
        let resized = proxied(&format!("width={width},format=png"), &url, "*/*");
        assert_eq!(png_size_and_middle(&resized), ((width, height), colour), "{name}");
        // The format left to the proxy: PNG, lossless.
        let left = proxied(&format!("width={width}"), &url, "*/*");
        assert_eq!(png_size_and_middle(&left), ((width, height), colour), "{name}");
        let untouched = proxied("fit=scale-down", &url, "*/*");
        assert_eq!(untouched.status, 200, "{name}");
        assert_eq!(untouched.header("content-type"), Some(mime), "{name}");
        assert!(untouched.body == bytes, "{name}: the source's own bytes");
        // format=auto picks what a still gets, never the source's own format.
        let auto = proxied("format=auto", &url, "image/webp,*/*");
        assert_eq!(auto.header("content-type"), Some("image/webp"), "{name}");
        assert_eq!(auto.image().width(), width * 2, "{name} at its own size");
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn damaged_bmp_and_tiff_are_problems() {
    for (name, bytes) in
        [("e2e-cut.bmp", formats::bmp(300, 200, TEAL)), ("e2e-cut.tiff", formats::tiff(&[(300, 200, TEAL)]))]
    {
        let cut = bytes[..bytes.len() / 2].to_vec();
        let reply = proxied("width=50", &source(name, cut), "*/*");
        assert_eq!(reply.status, 422, "{name}");
        assert_eq!(reply.problem()["type"], "/reference#undecodable-image", "{name}");
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn an_avif_is_served_untouched_where_avif_may_be_answered_and_refused_otherwise() {
    // An AVIF the proxy writes itself: 64×64, with alpha.
    let made = get("/cdn-cgi/image/width=64,format=avif/samples/disc.png");
    assert_eq!(made.header("content-type"), Some("image/avif"));
    let url = source("e2e-disc.avif", made.body.clone());
    for (options, accept) in [
        ("fit=scale-down", "*/*"),
        ("format=avif", "*/*"),
        ("width=64,format=auto", "image/avif,image/webp,*/*"),
    ] {
        let reply = proxied(options, &url, accept);
        assert_eq!(reply.status, 200, "{options}: {:?}", reply.problem());
        assert_eq!(reply.header("content-type"), Some("image/avif"), "{options}");
        assert!(reply.body == made.body, "{options}: the source's own bytes");
    }
    for (options, accept, asked) in [
        ("width=32", "*/*", "other pixels"),
        ("format=auto", "image/webp,*/*", "another format"),
        ("format=png", "*/*", "another format"),
        ("blur=5", "*/*", "other pixels"),
    ] {
        let reply = proxied(options, &url, accept);
        assert_eq!(reply.status, 415, "{options}");
        assert_eq!(reply.problem()["type"], "/reference#not-transformable", "{options}");
        let detail = reply.problem()["detail"].as_str().unwrap_or_default().to_string();
        assert!(detail.contains("AVIF") && detail.contains(asked), "{options}: {detail}");
    }
    let described = proxied("format=json", &url, "*/*");
    assert_eq!(described.status, 200);
    let described: serde_json::Value =
        serde_json::from_slice(&described.body).expect("format=json answers JSON");
    assert_eq!(described["original"]["width"], 64, "described from its header");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn an_svg_is_served_sanitised_with_the_no_script_policy_and_never_rasterised() {
    let svg = br#"<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="alert('loaded')">
  <script>alert('script')</script>
  <rect width="40" height="40" fill="teal" onclick="alert('clicked')"/>
</svg>"#;
    let url = source("e2e-drawing.svg", svg.to_vec());
    for (options, accept) in [("width=100", "*/*"), ("format=auto", "image/avif,image/webp,*/*")] {
        let reply = proxied(options, &url, accept);
        assert_eq!(reply.status, 200, "{options}: {:?}", reply.problem());
        assert_eq!(reply.header("content-type"), Some("image/svg+xml"), "{options}");
        assert_eq!(reply.header("content-security-policy"), Some(SANDBOX), "{options}");
        let text = String::from_utf8(reply.body.clone()).unwrap();
        for gone in ["<script", "onload", "onclick", "alert"] {
            assert!(!text.contains(gone), "{options}: {gone} in {text}");
        }
        assert!(text.contains("<rect") && text.contains("teal"), "{options}: the drawing kept: {text}");
    }
    for options in ["format=png", "rotate=90", "blur=3"] {
        let reply = proxied(options, &url, "*/*");
        assert_eq!(reply.status, 415, "{options}");
        assert_eq!(reply.problem()["type"], "/reference#not-transformable", "{options}");
    }
    let broken = source("e2e-broken.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"><rect></svg>".to_vec());
    let reply = proxied("width=10", &broken, "*/*");
    assert_eq!(reply.status, 415);
    assert_eq!(reply.problem()["type"], "/reference#not-an-image");
}
