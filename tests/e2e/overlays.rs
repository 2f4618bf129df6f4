//! Overlays in workerd: `draw` in both URL forms read back pixel by pixel (opacity, edges,
//! gravity with a margin, width, fit, tiling), a disallowed overlay host refused exactly as a
//! disallowed source, an overlay fetched once for many requests, and the configured watermark
//! (`WATERMARK_*`) on every spelling of a URL, absent under `WATERMARK_MIN_WIDTH`.

use image::{Rgba, RgbaImage};

use crate::harness::fixtures::png;
use crate::harness::origin::{hits, publish};
use crate::harness::worker::{self, get, origin_url, Reply, WATERMARK_MIN_WIDTH, WATERMARK_PATH};

const WHITE: [u8; 4] = [255, 255, 255, 255];
const RED: [u8; 4] = [255, 0, 0, 255];

/// Publishes a `width`×`height` PNG of one colour as `name`; its absolute URL.
fn plain(name: &str, (width, height): (u32, u32), colour: [u8; 4]) -> String {
    origin_url(&publish(name, png(&RgbaImage::from_pixel(width, height, Rgba(colour)))))
}

/// A `draw` value as the `/cdn-cgi/image/` form takes it: its options end at the first `/`,
/// so the value's slashes are written `%2F`.
fn in_path(value: &str) -> String {
    value.replace('/', "%2F")
}

/// The answer's pixels, which must be a 200.
fn pixels(reply: &Reply) -> RgbaImage {
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    reply.image().to_rgba8()
}

/// Asserts the pixel at `(x, y)` is `want`, each channel within 2.
fn assert_pixel(image: &RgbaImage, (x, y): (u32, u32), want: [u8; 4], what: &str) {
    let got = image.get_pixel(x, y).0;
    let close = got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 2);
    assert!(close, "{what}: pixel ({x}, {y}) is {got:?}, not {want:?}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_half_opaque_overlay_sits_at_its_edges_in_both_url_forms() {
    let base = plain("ov-base.png", (400, 300), WHITE);
    let red = plain("ov-red.png", (40, 40), RED);
    // 200×150 output; the overlay at x 150..190, y 100..140.
    let path_form = get(&format!(
        "/cdn-cgi/image/width=200,draw={};opacity=0.5;bottom=10;right=10/{base}",
        in_path(&red)
    ));
    let query = format!(
        "/image?url={base}&w=200&draw={}",
        url::form_urlencoded::byte_serialize(format!("{red};opacity=0.5;bottom=10;right=10").as_bytes())
            .collect::<String>()
    );
    for (form, reply) in [("path", path_form), ("query", get(&query))] {
        let image = pixels(&reply);
        assert_eq!(image.dimensions(), (200, 150), "{form}");
        assert_pixel(&image, (170, 120), [255, 128, 128, 255], form);
        assert_pixel(&image, (150, 100), [255, 128, 128, 255], form);
        assert_pixel(&image, (149, 120), WHITE, form);
        assert_pixel(&image, (190, 120), WHITE, form);
        assert_pixel(&image, (170, 140), WHITE, form);
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn gravity_margin_width_and_repeat_place_the_overlay() {
    let base = plain("ov-base2.png", (300, 200), WHITE);
    let red = plain("ov-red2.png", (40, 40), RED);
    // Top-left corner, 5 px in, shrunk to 20×20.
    let corner = pixels(&get(&format!(
        "/cdn-cgi/image/width=300,draw={};gravity=0x0;margin=5;width=20/{base}",
        in_path(&red)
    )));
    assert_pixel(&corner, (5, 5), RED, "the corner's first pixel");
    assert_pixel(&corner, (24, 24), RED, "its last");
    assert_pixel(&corner, (4, 10), WHITE, "the margin");
    assert_pixel(&corner, (26, 10), WHITE, "past its width");
    // A 20×20 tile whose top-left 10×10 is black, the rest clear, tiled from (0, 0).
    let mut tile = RgbaImage::from_pixel(20, 20, Rgba([0, 0, 0, 0]));
    for (x, y, pixel) in tile.enumerate_pixels_mut() {
        if x < 10 && y < 10 {
            *pixel = Rgba([0, 0, 0, 255]);
        }
    }
    let tile = origin_url(&publish("ov-tile.png", png(&tile)));
    let tiled = pixels(&get(&format!(
        "/cdn-cgi/image/width=300,draw={};repeat=true;top=0;left=0/{base}",
        in_path(&tile)
    )));
    for (x, y) in [(5, 5), (25, 5), (285, 185), (165, 45)] {
        assert_pixel(&tiled, (x, y), [0, 0, 0, 255], "a tile's black quarter");
    }
    for (x, y) in [(15, 5), (5, 15), (295, 195)] {
        assert_pixel(&tiled, (x, y), WHITE, "a tile's clear part");
    }
    let row = pixels(&get(&format!(
        "/cdn-cgi/image/width=300,draw={};repeat=x;top=0;left=0/{base}",
        in_path(&tile)
    )));
    assert_pixel(&row, (285, 5), [0, 0, 0, 255], "tiled along the row");
    assert_pixel(&row, (5, 25), WHITE, "not down the column");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn fit_sizes_the_overlay_in_its_box_as_it_sizes_an_image() {
    let base = plain("ov-base3.png", (300, 200), WHITE);
    // 40×20 into a 30×30 box at the top-left corner.
    let wide = plain("ov-wide.png", (40, 20), RED);
    let fitted = |fit: &str| {
        pixels(&get(&format!(
            "/cdn-cgi/image/width=300,draw={};width=30;height=30;fit={fit};top=0;left=0/{base}",
            in_path(&wide)
        )))
    };
    let contain = fitted("contain");
    assert_pixel(&contain, (27, 5), RED, "contain: 30 wide");
    assert_pixel(&contain, (15, 12), RED, "contain: 15 high");
    assert_pixel(&contain, (15, 18), WHITE, "contain: nothing below its 15 rows");
    assert_pixel(&contain, (33, 5), WHITE, "contain: nothing past its 30 columns");
    let cover = fitted("cover");
    assert_pixel(&cover, (15, 27), RED, "cover: 30 high");
    assert_pixel(&cover, (27, 27), RED, "cover: 30 wide");
    assert_pixel(&cover, (33, 15), WHITE, "cover: nothing past its box");
    assert_pixel(&cover, (15, 33), WHITE, "cover: nothing below its box");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn an_overlay_on_a_host_not_allowed_is_refused_as_such_a_source_is() {
    let base = plain("ov-base3.png", (100, 100), WHITE);
    let source = get("/cdn-cgi/image/width=50/http://example.com/a.png");
    let overlay =
        get(&format!("/cdn-cgi/image/width=50,draw={}/{base}", in_path("http://example.com/a.png")));
    assert_eq!(overlay.status, 403);
    assert_eq!(overlay.status, source.status);
    assert_eq!(overlay.problem()["type"], source.problem()["type"]);
    let private =
        get(&format!("/cdn-cgi/image/width=50,draw={}/{base}", in_path("http://169.254.169.254/x.png")));
    assert_eq!(private.status, 403);
    let too_many = (0..5).map(|_| "draw=%2Fsamples%2Foverlay.png").collect::<Vec<_>>().join(",");
    assert_eq!(get(&format!("/cdn-cgi/image/width=50,{too_many}/{base}")).status, 400);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn an_overlay_is_fetched_once_for_many_requests() {
    let base = plain("ov-base4.png", (400, 300), WHITE);
    let path = publish("ov-once.png", png(&RgbaImage::from_pixel(20, 20, Rgba(RED))));
    let red = origin_url(&path);
    for width in [100, 120, 140, 160, 180, 200, 220, 240] {
        let image =
            pixels(&get(&format!("/cdn-cgi/image/width={width},draw={};top=0;left=0/{base}", in_path(&red))));
        assert_pixel(&image, (5, 5), RED, &format!("width {width}"));
    }
    assert_eq!(hits(&path), 1, "eight transforms, one fetch of the overlay");
}

/// The watermark: a 30×20 opaque red PNG, at the bottom-right corner 10 px in.
fn publish_watermark() {
    publish(WATERMARK_PATH.trim_start_matches("/published/"), png(&RgbaImage::from_pixel(30, 20, Rgba(RED))));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn the_configured_watermark_survives_every_spelling_and_spares_small_outputs() {
    publish_watermark();
    let marked = worker::watermark_harness();
    let base = plain("wm-base.png", (400, 300), WHITE);
    let blue = plain("wm-blue.png", (10, 10), [0, 0, 255, 255]);
    let encoded: String =
        url::form_urlencoded::byte_serialize(format!("{blue};top=0;left=0").as_bytes()).collect();
    // 200×150 outputs: the watermark at x 160..190, y 120..140.
    for path in [
        format!("/cdn-cgi/image/width=200/{base}"),
        format!("/cdn-cgi/image/w=200,format=png/{base}"),
        format!("/image?url={base}&w=200"),
        format!("/cdn-cgi/image/width=200,draw={};top=0;left=0/{base}", in_path(&blue)),
        format!("/image?url={base}&width=200&draw={encoded}"),
    ] {
        let image = pixels(&marked.request("GET", &path, &[]));
        assert_eq!(image.dimensions(), (200, 150), "{path}");
        assert_pixel(&image, (175, 130), RED, &path);
        assert_pixel(&image, (159, 130), WHITE, &path);
        assert_pixel(&image, (175, 141), WHITE, &path);
    }
    // Nothing else to do: transformed all the same (WATERMARK_UNTOUCHED=transform).
    let untouched = pixels(&marked.request("GET", &format!("/cdn-cgi/image/format=png/{base}"), &[]));
    assert_pixel(&untouched, (375, 280), RED, "the source at its own size");
    // Under WATERMARK_MIN_WIDTH: no red anywhere.
    let narrow = WATERMARK_MIN_WIDTH - 20;
    let small = pixels(&marked.request("GET", &format!("/cdn-cgi/image/width={narrow}/{base}"), &[]));
    assert!(small.pixels().all(|p| p.0 == WHITE), "a {narrow} px output is left clean");
    // format=json describes: no pixels, no watermark, the source's own size.
    let json = marked.request("GET", &format!("/cdn-cgi/image/width=200,format=json/{base}"), &[]);
    assert_eq!(json.status, 200);
    let described: serde_json::Value = serde_json::from_slice(&json.body).expect("JSON");
    assert_eq!(described["width"], 200);
    // The plain Worker draws none.
    let plain_worker = pixels(&get(&format!("/cdn-cgi/image/width=200/{base}")));
    assert_pixel(&plain_worker, (175, 130), WHITE, "no watermark configured");
}
