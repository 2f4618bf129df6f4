//! Animations browsers play that the proxy once sent as a still: a GIF without its trailer
//! byte or cut off in its last frame keeps every whole frame with its delay (and
//! `Server-Timing` says what was dropped), and an APNG stays an APNG, or becomes an animated
//! WebP where WebP is asked for or accepted, with its frames' delays and play count, or a
//! still where a still is asked for; `format=json` counts their frames. The sources are
//! generated (`tests/common/animations.rs`) and served by the test origin.

use std::io::Cursor;

use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, Frames};

use crate::harness::animations;
use crate::harness::worker::{get, origin_url, request, Reply};

/// A proxied URL for one of the origin's generated animations.
fn generated(options: &str, name: &str) -> String {
    format!("/cdn-cgi/image/{options}/{}", origin_url(&format!("/generated/animations/{name}")))
}

/// Every frame of an animated answer (GIF, APNG or WebP, by its `Content-Type`): its size and
/// its delay in milliseconds.
fn frames(reply: &Reply) -> Vec<((u32, u32), u32)> {
    assert_eq!(reply.status, 200);
    let body = Cursor::new(&reply.body);
    let decoded: Frames = match reply.header("content-type") {
        Some("image/gif") => GifDecoder::new(body).expect("a GIF").into_frames(),
        Some("image/png") => PngDecoder::new(body).expect("a PNG").apng().expect("an APNG").into_frames(),
        Some("image/webp") => WebPDecoder::new(body).expect("a WebP").into_frames(),
        other => panic!("not an animation: {other:?}"),
    };
    let frames = decoded.collect_frames().expect("every frame decodes");
    frames
        .into_iter()
        .map(|frame| {
            let (numerator, denominator) = frame.delay().numer_denom_ms();
            (frame.buffer().dimensions(), numerator / denominator.max(1))
        })
        .collect()
}

/// The delays the generated animations give their first `count` frames.
fn delays(count: u32) -> Vec<u32> {
    (0..count).map(animations::delay_ms).collect()
}

/// An APNG's `acTL`: frames and plays (0: forever); `None` for a still PNG.
fn apng_control(png: &[u8]) -> Option<(u32, u32)> {
    let at = png.windows(4).position(|w| w == b"acTL")? + 4;
    let field = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    Some((field(at), field(at + 4)))
}

/// `format=json`'s frame count for a generated animation.
fn json_frames(name: &str) -> serde_json::Value {
    let reply = get(&generated("format=json", name));
    assert_eq!(reply.status, 200, "{name}");
    let json: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    json["frames"].clone()
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_gif_without_its_trailer_or_cut_off_in_its_last_frame_keeps_every_whole_frame() {
    // Five frames of 40×30; the last one cut off in its LZW data, or whole without the trailer.
    for (name, kept, dropped) in
        [("no-trailer.gif", 5, ""), ("cut-in-last-frame.gif", 4, ", a cut-off frame 5 dropped")]
    {
        let reply = get(&generated("width=20", name));
        assert_eq!(reply.header("content-type"), Some("image/gif"), "{name}: still animated");
        let frames = frames(&reply);
        assert!(frames.iter().all(|(size, _)| *size == (20, 15)), "{name}");
        let got: Vec<u32> = frames.iter().map(|(_, delay)| *delay).collect();
        assert_eq!(got, delays(kept), "{name}: every whole frame, with its delay");
        let timing = reply.header("server-timing").unwrap_or_default();
        let decode = format!("decode;desc=\"gif 40x30, {kept} frames{dropped}\"");
        assert!(timing.contains(&decode), "{name}: {timing}");
        assert_eq!(json_frames(name), kept, "{name}: format=json counts the whole frames");
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn an_apng_stays_animated_as_apng_or_webp_with_its_delays_and_plays() {
    // Six frames of 60×40, playing three times.
    let name = "apng.png";
    assert_eq!(json_frames(name), 6);
    let apng = get(&generated("width=30", name));
    assert_eq!(apng.header("content-type"), Some("image/png"));
    assert_eq!(apng_control(&apng.body), Some((6, 3)), "six frames, three plays");
    let frames_of = |reply: &Reply| {
        let frames = frames(reply);
        assert!(frames.iter().all(|(size, _)| *size == (30, 20)));
        frames.into_iter().map(|(_, delay)| delay).collect::<Vec<u32>>()
    };
    assert_eq!(frames_of(&apng), delays(6));
    let timing = apng.header("server-timing").unwrap_or_default();
    assert!(timing.contains("decode;desc=\"png 60x40, 6 frames\""), "{timing}");
    assert!(
        timing.contains("encode;desc=\"png animated, 6 frames written as changes, lossless, "),
        "{timing}"
    );

    // format=webp, and format=auto where WebP is accepted: an animated WebP, three plays.
    let webp = get(&generated("width=30,format=webp", name));
    let auto = request("GET", &generated("width=30,format=auto", name), &[("Accept", "image/webp,*/*")]);
    for reply in [&webp, &auto] {
        assert_eq!(reply.header("content-type"), Some("image/webp"));
        assert_eq!(frames_of(reply), delays(6));
        let at = reply.body.windows(4).position(|w| w == b"ANIM").expect("an ANIM chunk") + 12;
        assert_eq!(u16::from_le_bytes([reply.body[at], reply.body[at + 1]]), 3, "three plays");
    }
    assert!(auto.header("vary").unwrap_or_default().contains("Accept"));
    // format=auto without WebP: the APNG.
    let legacy = request("GET", &generated("width=30,format=auto", name), &[("Accept", "image/png,*/*")]);
    assert_eq!(legacy.header("content-type"), Some("image/png"));
    assert_eq!(apng_control(&legacy.body), Some((6, 3)));
    // compression=fast, whatever Accept lists: the APNG too (README's compression row).
    let fast = request(
        "GET",
        &generated("width=30,format=auto,compression=fast", name),
        &[("Accept", "image/webp,*/*")],
    );
    assert_eq!(fast.header("content-type"), Some("image/png"));
    assert_eq!(apng_control(&fast.body), Some((6, 3)));

    // A still where one is asked for, even at the source's own size.
    for options in ["width=30,anim=false", "anim=false", "width=30,format=png"] {
        let still = get(&generated(options, name));
        assert_eq!(still.header("content-type"), Some("image/png"), "{options}");
        assert_eq!(apng_control(&still.body), None, "{options}: a still PNG");
        let timing = still.header("server-timing").unwrap_or_default();
        assert!(timing.contains(", first of 6 frames\""), "{options}: {timing}");
    }
}
