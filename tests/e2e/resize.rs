//! Resizing end to end: a bundled sample at the requested size, the same image from both URL
//! forms, every `fit` (with `dpr`, `rotate`, `flip` and `trim`) at its dimensions, HEAD answered
//! without a body, and a 24 Mpx JPEG shrunk on load into a thumbnail.

use crate::harness::worker::{corpus, get, origin_url, request, sha256};

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
fn head_has_headers_and_no_body() {
    let reply = request("HEAD", "/cdn-cgi/image/width=90/samples/landscape.jpg", &[]);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("image/jpeg"));
    assert!(reply.body.is_empty());
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
