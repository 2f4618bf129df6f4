//! Animations end to end: an animated GIF stays animated unless a still format or `anim=false`
//! is asked, an animated WebP stays animated, a GIF asked for as WebP becomes an animated WebP,
//! and `format=auto` chooses WebP or GIF by `Accept`.

use crate::harness::worker::{self, corpus, get, request};

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
