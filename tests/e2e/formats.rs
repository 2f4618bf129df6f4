//! Output formats end to end: WebP, PNG and JPEG (progressive or baseline) decode at the size
//! asked, alpha survives, `format=auto` follows `Accept` and says `Vary: Accept`, and
//! `format=json` describes the source from its header and is cached like an image.

use crate::harness::manifest;
use crate::harness::worker::{corpus, get, request, wait_for_hit};

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
fn format_json_describes_the_source_from_its_header() {
    let file = "gif/iss634.gif";
    let size = manifest::corpus_file(file).len();
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
