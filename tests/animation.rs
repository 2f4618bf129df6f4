//! Animated GIFs, WebPs and PNGs (APNG) kept animated: every frame resized with its delay (a
//! frame that repeats the one before merged into it), GIF and APNG frames written as changes
//! over the frame before, the loop count kept, each turned into another container as the
//! request asks, the limits judged from the header, a GIF cut short or without its trailer
//! keeping every whole frame (and saying what it dropped), and every GIF, WebP and APNG of the
//! corpus, valid or hostile, answered without a panic.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use std::io::Cursor;

use edge_image_proxy::error::ProxyError;
use edge_image_proxy::format::{OutputFormat, SourceFormat};
use edge_image_proxy::make::Outcome;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::transform::{count_frames, Encoded};
use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, Frame, Frames, RgbaImage};

#[path = "common/animations.rs"]
mod animations;
#[path = "common/colour.rs"]
mod colour;
#[path = "common/engine.rs"]
mod engine;
#[path = "common/manifest.rs"]
mod manifest;
use colour::mean_rgb;
use manifest::{corpus_file, manifest};

const CHROME: &str = "image/avif,image/webp,*/*";

/// What the engine makes of `source` with options written as in a URL, for a client whose
/// `Accept` is `accept`.
fn run(source: &[u8], options: &str, accept: Option<&str>) -> Result<Outcome, ProxyError> {
    let options = engine::options(options);
    engine::run(source, &options, FormatRequest::new(&options, accept))
}

/// The new image that [`run`] makes.
fn encoded(source: &[u8], options: &str, accept: Option<&str>) -> Encoded {
    let options = engine::options(options);
    engine::encoded(source, &options, FormatRequest::new(&options, accept))
}

/// Every frame of a GIF, an animated WebP or an APNG as shown (composited), with its delay
/// in milliseconds.
fn frames(file: &[u8]) -> Vec<(RgbaImage, u32)> {
    first_frames(file, usize::MAX)
}

/// The first `count` frames, as [`frames`] gives them (the decoders yield errors without end
/// after a damaged frame).
fn first_frames(file: &[u8], count: usize) -> Vec<(RgbaImage, u32)> {
    let decoded: Frames = if file.starts_with(b"RIFF") {
        WebPDecoder::new(Cursor::new(file)).expect("a WebP").into_frames()
    } else if file.starts_with(b"\x89PNG") {
        PngDecoder::new(Cursor::new(file)).expect("a PNG").apng().expect("an APNG").into_frames()
    } else {
        GifDecoder::new(Cursor::new(file)).expect("a GIF").into_frames()
    };
    decoded
        .take(count)
        .map(|frame| {
            let frame: Frame = frame.expect("decodes");
            let (numerator, denominator) = frame.delay().numer_denom_ms();
            (frame.into_buffer(), numerator / denominator.max(1))
        })
        .collect()
}

/// The loop count of a GIF's NETSCAPE2.0 extension, if it has one.
fn loop_count(gif: &[u8]) -> Option<u16> {
    let at = gif.windows(11).position(|w| w == b"NETSCAPE2.0")? + 11;
    match gif[at..at + 4] {
        [3, 1, low, high] => Some(u16::from_le_bytes([low, high])),
        _ => None,
    }
}

/// The loop count of an animated WebP's ANIM chunk (0: forever).
fn webp_loop_count(webp: &[u8]) -> Option<u16> {
    let at = webp.windows(4).position(|w| w == b"ANIM")? + 12;
    Some(u16::from_le_bytes([webp[at], webp[at + 1]]))
}

/// An APNG's `acTL`: frames and plays (0: forever); `None` for a still PNG.
fn apng_control(png: &[u8]) -> Option<(u32, u32)> {
    let at = png.windows(4).position(|w| w == b"acTL")? + 4;
    let field = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    Some((field(at), field(at + 4)))
}

/// Whether a WebP file is animated (its VP8X chunk says so).
fn is_animated_webp(webp: &[u8]) -> bool {
    webp.get(12..16) == Some(b"VP8X") && webp[20] & 0b10 != 0
}

/// `frames` resized to `width` × `height`, each as the source shows it, with its delay.
fn resized(frames: &[(RgbaImage, u32)], width: u32, height: u32) -> Vec<(RgbaImage, u32)> {
    frames
        .iter()
        .map(|(f, d)| (image::imageops::resize(f, width, height, image::imageops::FilterType::Lanczos3), *d))
        .collect()
}

/// Asserts that two animations of the same size show the same thing over time: frames
/// expanded by their delays (so merged frames line up), then compared tick by tick by their
/// share of transparent pixels and their mean colour.
fn assert_same_over_time(label: &str, want: &[(RgbaImage, u32)], got: &[(RgbaImage, u32)]) {
    let timeline = |frames: &[(RgbaImage, u32)]| -> Vec<RgbaImage> {
        frames.iter().flat_map(|(f, d)| std::iter::repeat_n(f.clone(), (*d / 10).max(1) as usize)).collect()
    };
    let (want, got) = (timeline(want), timeline(got));
    assert_eq!(want.len(), got.len(), "{label}: the same duration");
    for (tick, (w, g)) in want.iter().zip(&got).enumerate() {
        let share = (transparent_share(w) - transparent_share(g)).abs();
        assert!(share < 0.1, "{label} at {tick}: transparency differs by {share:.2}");
        assert_close_colours(&format!("{label} at {tick}"), w, g, 24.0);
    }
}

/// How long an animation plays once, in milliseconds.
fn total_duration(frames: &[(RgbaImage, u32)]) -> u32 {
    frames.iter().map(|(_, delay)| delay).sum()
}

/// Asserts that two pictures' mean colours are within `tolerance` on each channel.
fn assert_close_colours(label: &str, want: &RgbaImage, got: &RgbaImage, tolerance: f64) {
    let (a, b) = (mean_rgb(want), mean_rgb(got));
    for c in 0..3 {
        assert!((a[c] - b[c]).abs() < tolerance, "{label}, channel {c}: {a:?} vs {b:?}");
    }
}

/// Asserts that `out` is the first frame of an animation of `frames` that was over a limit.
fn assert_first_frame_of(out: &Encoded, frames: u32) {
    let why = format!("first of {frames} frames (the animation is over the limits)");
    assert!(out.report.decode.ends_with(&why), "{}", out.report.decode);
}

#[test]
fn every_frame_is_resized_with_its_delay() {
    let source = corpus_file("gif/iss634.gif"); // 245×245, 42 frames
    let out = encoded(&source, "width=100", None);
    assert_eq!(out.format, OutputFormat::Gif);
    assert_eq!(out.format.mime(), "image/gif");
    assert_eq!((out.width, out.height), (100, 100));
    let (before, after) = (frames(&source), frames(&out.bytes));
    assert_eq!(after.len(), 42);
    assert_eq!(after.len(), before.len());
    for (index, ((original, delay), (resized, new_delay))) in before.iter().zip(&after).enumerate() {
        assert_eq!(resized.dimensions(), (100, 100), "frame {index}");
        assert_eq!(delay, new_delay, "frame {index}'s delay");
        // The same picture, smaller: its mean colour barely moves (palette and resampling).
        assert_close_colours(&format!("frame {index}"), original, resized, 8.0);
    }
    assert_eq!(out.report.decode, "gif 245x245, 42 frames");
    assert_eq!(out.report.resize, "245x245 -> 100x100 lanczos3, every frame");
    assert!(
        out.report.encode.starts_with("gif animated, 42 frames written as changes, "),
        "{}",
        out.report.encode
    );
}

#[test]
fn every_frame_gets_the_colour_adjustments() {
    let source = corpus_file("gif/iss634.gif");
    // The most any pixel's channels differ: 0 for grey.
    let spread = |image: &RgbaImage| {
        image.pixels().map(|p| p.0[..3].iter().max().unwrap() - p.0[..3].iter().min().unwrap()).max().unwrap()
    };
    assert!(frames(&source).iter().all(|(frame, _)| spread(frame) > 20), "the source is in colour");
    let out = encoded(&source, "width=100,saturation=0", None);
    let after = frames(&out.bytes);
    assert_eq!(after.len(), 42);
    for (index, (frame, _)) in after.iter().enumerate() {
        // The GIF palette may round a grey a step off.
        assert!(spread(frame) <= 4, "frame {index} is grey: spread {}", spread(frame));
    }
}

/// The share of transparent pixels.
fn transparent_share(image: &RgbaImage) -> f64 {
    image.pixels().filter(|p| p[3] < 128).count() as f64 / image.pixels().len() as f64
}

#[test]
fn frames_drawn_as_changes_show_what_the_source_shows_whatever_its_disposal() {
    // Disposal to background, to previous, mixed and unspecified: our frames, written as
    // changes over the frame before (or whole after a clearing), look like the source's.
    for file in [
        "gif/dispose_prev.gif",
        "gif/any-disposal.gif",
        "gif/mixed-disposal.gif",
        "gif/missing_background.gif",
    ] {
        let source = corpus_file(file);
        let out = encoded(&source, "width=16", None);
        assert_same_over_time(file, &resized(&frames(&source), 16, 16), &frames(&out.bytes));
    }
}

#[test]
fn frames_differ_as_in_the_source() {
    // Two frames of different colours: the output's frames differ the same way.
    let source = corpus_file("gif/anim-gr.gif");
    let out = encoded(&source, "width=50", None);
    let (before, after) = (frames(&source), frames(&out.bytes));
    assert_eq!(after.len(), 2);
    let differs = |f: &[(RgbaImage, u32)]| {
        let (a, b) = (mean_rgb(&f[0].0), mean_rgb(&f[1].0));
        (0..3).map(|c| (a[c] - b[c]).abs()).sum::<f64>()
    };
    assert!(differs(&before) > 30.0, "the source's frames differ");
    assert!((differs(&before) - differs(&after)).abs() < 10.0);
}

#[test]
fn the_loop_count_is_kept() {
    let moon = corpus_file("gif/moon_impact.gif"); // loops 10 times
    assert_eq!(loop_count(&moon), Some(10));
    assert_eq!(loop_count(&encoded(&moon, "width=50", None).bytes), Some(10));
    let forever = corpus_file("gif/iss634.gif");
    assert_eq!(loop_count(&encoded(&forever, "width=50", None).bytes), loop_count(&forever));
}

#[test]
fn auto_keeps_the_animation_and_still_formats_and_anim_false_do_not() {
    let source = corpus_file("gif/anim-gr.gif");
    let webp = encoded(&source, "width=50,format=auto", Some(CHROME));
    assert_eq!(webp.format, OutputFormat::Webp, "WebP where it is accepted");
    assert!(is_animated_webp(&webp.bytes));
    assert_eq!(encoded(&source, "width=50,format=auto", None).format, OutputFormat::Gif);
    assert_eq!(encoded(&source, "width=50", Some(CHROME)).format, OutputFormat::Gif, "no format: as it is");
    let still = encoded(&source, "width=50,anim=false", None);
    assert_eq!(still.format, OutputFormat::Png, "a GIF's first frame becomes PNG");
    for format in ["png", "jpeg", "avif"] {
        let out = encoded(&source, &format!("width=50,format={format}"), Some(CHROME));
        assert_ne!(out.format, OutputFormat::Gif, "{format}");
    }
}

#[test]
fn an_animated_webp_stays_an_animated_webp_frame_by_frame() {
    for file in ["webp/anim.webp", "webp/random_lossy.webp", "webp/random_lossless.webp"] {
        let source = corpus_file(file);
        let before = frames(&source);
        assert!(before.len() > 2, "{file} is animated");
        for (options, accept) in [("width=40", None), ("width=40,format=auto", Some(CHROME))] {
            let out = encoded(&source, options, accept);
            assert_eq!(out.format, OutputFormat::Webp, "{file} {options}");
            assert!(is_animated_webp(&out.bytes), "{file} {options}: animated");
            let (width, height) = (out.width, out.height);
            assert_eq!(width, 40);
            let after = frames(&out.bytes);
            assert!(
                after.iter().all(|(f, _)| f.dimensions() == (width, height)),
                "{file}: every frame resized"
            );
            assert_same_over_time(file, &resized(&before, width, height), &after);
            assert_eq!(webp_loop_count(&out.bytes), webp_loop_count(&source), "{file}: loop count");
            assert!(
                out.report.encode.starts_with(&format!("webp animated, {} frames each whole", after.len())),
                "{}",
                out.report.encode
            );
        }
    }
}

#[test]
fn gif_and_webp_animations_turn_into_each_other_as_asked() {
    // A GIF asked for as WebP is an animated WebP; its loop count (10 repeats) becomes 11
    // plays, which is what WebP counts.
    let moon = corpus_file("gif/moon_impact.gif"); // 116×100, 14 frames
    let out = encoded(&moon, "width=58,format=webp", Some(CHROME));
    assert_eq!((out.format, out.width, out.height), (OutputFormat::Webp, 58, 50));
    assert!(is_animated_webp(&out.bytes));
    assert_same_over_time("moon as webp", &resized(&frames(&moon), 58, 50), &frames(&out.bytes));
    assert_eq!(webp_loop_count(&out.bytes), Some(11));
    // format=auto where WebP is accepted: the same animated WebP.
    assert!(encoded(&moon, "width=58,format=auto", Some(CHROME)).bytes == out.bytes);

    // An animated WebP for a client without WebP is an animated GIF.
    let webp = corpus_file("webp/anim.webp");
    let out = encoded(&webp, "width=50,format=auto", Some("image/png,*/*"));
    assert_eq!(out.format, OutputFormat::Gif);
    let (before, after) = (frames(&webp), frames(&out.bytes));
    assert_same_over_time("anim.webp as gif", &resized(&before, 50, 50), &after);
    let plays = webp_loop_count(&webp).unwrap();
    let repeats = if plays == 0 { 0 } else { plays - 1 };
    assert_eq!(loop_count(&out.bytes).unwrap_or(0), repeats, "{plays} plays");
}

#[test]
fn an_animated_webp_asked_for_a_still_format_or_anim_false_gives_its_first_frame() {
    let source = corpus_file("webp/anim.webp");
    let first = &frames(&source)[0].0;
    let jpeg = encoded(&source, "width=50,format=jpeg", Some(CHROME));
    assert!(jpeg.bytes.starts_with(&[0xFF, 0xD8]), "a JPEG still");
    for options in ["width=50,anim=false", "width=50,format=png"] {
        let out = encoded(&source, options, Some(CHROME));
        assert!(!is_animated_webp(&out.bytes), "{options}: a still");
        let decoded = image::load_from_memory(&out.bytes).unwrap().to_rgba8();
        let want = image::imageops::resize(first, 50, 50, image::imageops::FilterType::Lanczos3);
        assert_close_colours(options, &want, &decoded, 24.0);
    }
    // At its own size and format there is nothing to do: the source itself.
    assert!(matches!(run(&source, "width=200", None), Ok(Outcome::Original(_))));
}

#[test]
fn webp_animations_have_a_lower_output_limit_than_gif() {
    // 42 frames of 245×245 is 2.5 million output pixels: within GIF's 8 million, over
    // WebP's 2 million (each frame is encoded twice, lossy and lossless).
    let source = corpus_file("gif/iss634.gif");
    let gif = encoded(&source, "width=245,sharpen=1", None);
    assert_eq!(gif.format, OutputFormat::Gif);
    let webp = encoded(&source, "width=245,format=webp", Some(CHROME));
    assert_eq!(webp.format, OutputFormat::Webp);
    assert!(!is_animated_webp(&webp.bytes));
    assert_first_frame_of(&webp, 42);
    let smaller = encoded(&source, "width=200,format=webp", Some(CHROME));
    assert!(is_animated_webp(&smaller.bytes), "42 frames of 200×200 are 1.7 million pixels");
    // format=auto keeps the animation over WebP's limit as a GIF, within GIF's (sharpened,
    // so that there is something to do at the source's own size).
    let auto = encoded(&source, "width=245,sharpen=1,format=auto", Some(CHROME));
    assert_eq!(auto.format, OutputFormat::Gif);
    assert_eq!(frames(&auto.bytes).len(), 42);
    assert_eq!(encoded(&source, "width=200,format=auto", Some(CHROME)).format, OutputFormat::Webp);
}

#[test]
fn every_corpus_webp_is_animated_resized_or_refused_never_a_panic() {
    for entry in manifest().iter().filter(|e| e.path.ends_with(".webp")) {
        let source = corpus_file(&entry.path);
        match run(&source, "width=32", Some(CHROME)) {
            Ok(Outcome::Encoded(out)) if is_animated_webp(&out.bytes) => {
                let (before, after) = (frames(&source), frames(&out.bytes));
                assert!(after.len() <= before.len(), "{}", entry.path);
                assert_eq!(
                    total_duration(&after),
                    total_duration(&before),
                    "{}: the same duration",
                    entry.path
                );
                assert!(!entry.is_hostile(), "{}: a hostile file animated", entry.path);
            }
            Ok(Outcome::Encoded(out)) => {
                assert_eq!(out.width, 32, "{}", entry.path);
            }
            Ok(Outcome::Original(_)) => {}
            Ok(Outcome::Sanitised(_)) => panic!("{}: taken for an SVG", entry.path),
            // The 24-megapixel WebP is over the 16 million pixels these tests allow.
            Err(ProxyError::TooManyPixels { .. }) => {}
            Err(error) => assert!(entry.is_hostile(), "{}: {error:?}", entry.path),
        }
    }
}

#[test]
fn an_animation_needing_no_change_is_served_as_it_is() {
    let source = corpus_file("gif/anim-gr.gif"); // 100×50
    assert!(matches!(run(&source, "width=200", None), Ok(Outcome::Original(_))));
}

#[test]
fn animations_over_the_limits_give_their_first_frame_and_say_so() {
    // 380 frames of 472×298: 53 million source pixels, over the 50 million.
    let horse = corpus_file("gif/gifplayer-muybridge.gif");
    let out = encoded(&horse, "width=100", None);
    assert_eq!(out.format, OutputFormat::Png);
    assert_first_frame_of(&out, 380);
    // 40,000 one-pixel frames: over the 500 frames.
    let uber = corpus_file("bombs/uber.gif");
    assert!(!matches!(
        run(&uber, "width=1,height=2,fit=squeeze", None),
        Ok(Outcome::Encoded(Encoded { format: OutputFormat::Gif, .. }))
    ));
}

#[test]
fn every_corpus_gif_is_animated_resized_or_refused_never_a_panic() {
    let mut failures = Vec::new();
    for entry in manifest().iter().filter(|e| e.path.ends_with(".gif")) {
        let source = corpus_file(&entry.path);
        let frames_in_header = count_frames(&source, SourceFormat::Gif);
        match run(&source, "width=32", None) {
            Ok(Outcome::Encoded(out)) if out.format == OutputFormat::Gif => {
                // A frame that repeats the one before is merged into it: fewer frames, the
                // same total duration.
                let written = frames(&out.bytes);
                if written.len() as u32 > frames_in_header.unwrap_or(0) {
                    failures.push(format!(
                        "{}: {} frames, header {frames_in_header:?}",
                        entry.path,
                        written.len()
                    ));
                }
                let source_frames = frames(&source);
                // The source's delays, as GIF stores them (hundredths of a second).
                let (lasts, source_lasts) = (total_duration(&written), total_duration(&source_frames));
                if lasts / 10 != source_lasts / 10 {
                    failures.push(format!("{}: lasts {lasts} ms, the source {source_lasts} ms", entry.path));
                }
                if written.iter().any(|(frame, _)| frame.dimensions() != (out.width, out.height)) {
                    failures.push(format!("{}: a frame of another size", entry.path));
                }
                if entry.is_hostile() && entry.path != "bombs/decompression_bomb_extents.gif" {
                    failures.push(format!("{}: hostile, yet animated", entry.path));
                }
            }
            Ok(_) => {}
            Err(err) if (400..500).contains(&err.status()) => {}
            Err(err) => failures.push(format!("{}: {err}", entry.path)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The delays [`animations`] gives its first `count` frames.
fn fixture_delays(count: u32) -> Vec<u32> {
    (0..count).map(animations::delay_ms).collect()
}

#[test]
fn a_gif_without_its_trailer_or_cut_short_keeps_every_whole_frame() {
    let whole = animations::gif(40, 30, 5);
    let spans = animations::gif_frame_spans(&whole);
    assert_eq!((spans.len(), whole.last()), (5, Some(&0x3B)));
    let (last, third) = (spans[4], spans[2]);
    let dropped_fifth = ", a cut-off frame 5 dropped";
    for (how, cut, kept, dropped) in [
        ("no trailer", whole.len() - 1, 5, ""),
        ("in the last frame's LZW data", (last.1 + last.2) / 2, 4, dropped_fifth),
        ("in the last image descriptor", last.0 + 5, 4, dropped_fifth),
        ("after the last frame's LZW code size", last.1, 4, dropped_fifth),
        ("in the third frame's LZW data", (third.1 + third.2) / 2, 2, ", a cut-off frame 3 dropped"),
    ] {
        let source = &whole[..cut];
        assert_eq!(count_frames(source, SourceFormat::Gif), Some(kept), "{how}: format=json's frames");
        let out = encoded(source, "width=20", None);
        assert_eq!(out.format, OutputFormat::Gif, "{how}: still animated");
        let after = frames(&out.bytes);
        let delays: Vec<u32> = after.iter().map(|(_, delay)| *delay).collect();
        assert_eq!(delays, fixture_delays(kept), "{how}: every whole frame with its delay");
        let before = first_frames(source, kept as usize);
        assert_same_over_time(how, &resized(&before, 20, 15), &after);
        assert_eq!(out.report.decode, format!("gif 40x30, {kept} frames{dropped}"), "{how}");
    }
}

#[test]
fn a_frame_that_does_not_decode_ends_the_animation_and_says_so() {
    let mut source = animations::gif(40, 30, 5);
    let third = animations::gif_frame_spans(&source)[2];
    // An LZW code size of 12 bits: the blocks are whole, the data cannot be decoded.
    source[third.1 - 1] = 12;
    assert_eq!(count_frames(&source, SourceFormat::Gif), Some(5), "the blocks are whole");
    let out = encoded(&source, "width=20", None);
    assert_eq!(frames(&out.bytes).len(), 2);
    assert_eq!(out.report.decode, "gif 40x30, 2 frames, frames 3 to 5 do not decode, dropped");
    // A first frame that does not decode is an error, as before.
    let mut source = animations::gif(40, 30, 5);
    let first = animations::gif_frame_spans(&source)[0];
    source[first.1 - 1] = 12;
    assert!(matches!(run(&source, "width=20", None), Err(ProxyError::UndecodableImage(_))));
}

#[test]
fn an_apng_stays_an_apng_with_its_delays_and_plays() {
    let source = animations::apng(60, 40, 6, 3, png::BitDepth::Eight);
    let out = encoded(&source, "width=30", None);
    assert_eq!(
        (out.format, out.format.mime(), out.width, out.height),
        (OutputFormat::Png, "image/png", 30, 20)
    );
    assert_eq!(apng_control(&out.bytes), Some((6, 3)), "six frames, played three times");
    let (before, after) = (frames(&source), frames(&out.bytes));
    let delays: Vec<u32> = after.iter().map(|(_, delay)| *delay).collect();
    assert_eq!(delays, fixture_delays(6));
    assert!(after.iter().all(|(frame, _)| frame.dimensions() == (30, 20)));
    assert_same_over_time("apng", &resized(&before, 30, 20), &after);
    // Frames are written as the rectangle that changed: the moving square, not the canvas.
    assert!(out.bytes.windows(4).filter(|w| w == b"fdAT").count() == 5);
    // PNG is lossless: the first frame is exactly the still the same options make of it,
    // transparent corner included.
    let still = encoded(&source, "width=30,anim=false", None);
    let still = image::load_from_memory(&still.bytes).unwrap().to_rgba8();
    assert!(after[0].0 == still, "the first frame, pixel for pixel");
    assert!(after.iter().all(|(frame, _)| frame.get_pixel(0, 0)[3] < 128), "the corner is transparent");
    assert_eq!(out.report.decode, "png 60x40, 6 frames");
    assert_eq!(out.report.resize, "60x40 -> 30x20 lanczos3, every frame");
    assert!(
        out.report.encode.starts_with("png animated, 6 frames written as changes, lossless, "),
        "{}",
        out.report.encode
    );
    // A decoder without APNG shows the first frame: the default image is part of the
    // animation.
    let default_image = image::load_from_memory(&out.bytes).unwrap().to_rgba8();
    assert!(default_image == after[0].0);
}

#[test]
fn an_apng_becomes_an_animated_webp_where_asked_and_its_first_frame_for_a_still() {
    let source = animations::apng(60, 40, 6, 0, png::BitDepth::Eight);
    let before = resized(&frames(&source), 30, 20);
    for (options, accept) in [("width=30,format=webp", None), ("width=30,format=auto", Some(CHROME))] {
        let out = encoded(&source, options, accept);
        assert_eq!(out.format, OutputFormat::Webp, "{options}");
        assert!(is_animated_webp(&out.bytes), "{options}");
        assert_same_over_time(options, &before, &frames(&out.bytes));
        assert_eq!(webp_loop_count(&out.bytes), Some(0), "{options}: forever");
    }
    // format=auto without WebP, or with compression=fast: an APNG (a still PNG where APNG
    // is not understood), never a GIF's 256 colours.
    for (options, accept) in [
        ("width=30,format=auto", Some("image/png,*/*")),
        ("width=30,format=auto,compression=fast", Some(CHROME)),
    ] {
        let out = encoded(&source, options, accept);
        assert_eq!((out.format, apng_control(&out.bytes)), (OutputFormat::Png, Some((6, 0))), "{options}");
    }
    // anim=false and still formats: the first frame, even at the source's own size, where
    // the source's bytes would be the whole animation.
    for options in ["width=30,anim=false", "width=30,format=png", "anim=false", "format=png"] {
        let out = encoded(&source, options, None);
        assert_eq!(out.format, OutputFormat::Png, "{options}");
        assert_eq!(apng_control(&out.bytes), None, "{options}: a still PNG");
        assert!(out.report.decode.ends_with(", first of 6 frames"), "{options}: {}", out.report.decode);
        let still = image::load_from_memory(&out.bytes).unwrap().to_rgba8();
        let first = &frames(&source)[0].0;
        let want = image::imageops::resize(
            first,
            still.width(),
            still.height(),
            image::imageops::FilterType::Lanczos3,
        );
        assert_close_colours(options, &want, &still, 8.0);
    }
    let jpeg = encoded(&source, "width=30,format=jpeg", None);
    assert!(jpeg.bytes.starts_with(&[0xFF, 0xD8]));
    // Nothing to do: the source itself, animation and all.
    assert!(matches!(run(&source, "width=60", None), Ok(Outcome::Original(_))));
}

#[test]
fn apng_limits_are_judged_from_its_chunks() {
    // 501 frames: over the 500 frames.
    let many = animations::apng(4, 4, 501, 0, png::BitDepth::Eight);
    assert_eq!(count_frames(&many, SourceFormat::Png), Some(501));
    let out = encoded(&many, "width=2", None);
    assert_eq!(apng_control(&out.bytes), None);
    assert_first_frame_of(&out, 501);
    // 16-bit samples, which the APNG decoder does not composite: the first frame, and why.
    let deep = animations::apng(8, 8, 3, 0, png::BitDepth::Sixteen);
    let out = encoded(&deep, "width=4", None);
    assert_eq!(apng_control(&out.bytes), None);
    assert!(out
        .report
        .decode
        .ends_with("first of 3 frames (16-bit APNG frames are not decoded as an animation)"));
    // 12 frames of 500×500: 3 million output pixels, over WebP's 2 million, within APNG's 4
    // million, which format=auto keeps; 20 are over both.
    let large = animations::apng(500, 500, 12, 0, png::BitDepth::Eight);
    let auto = encoded(&large, "width=500,sharpen=1,format=auto", Some(CHROME));
    assert_eq!(apng_control(&auto.bytes), Some((12, 0)));
    let larger = animations::apng(500, 500, 20, 0, png::BitDepth::Eight);
    assert_first_frame_of(&encoded(&larger, "width=500,sharpen=1", None), 20);
}

#[test]
fn every_corpus_apng_is_animated_or_refused_never_a_panic() {
    let apngs: Vec<_> = manifest().into_iter().filter(|e| e.notes.contains("APNG")).collect();
    assert!(apngs.len() >= 3);
    for entry in apngs {
        let source = corpus_file(&entry.path);
        match run(&source, "width=32", None) {
            Ok(Outcome::Encoded(out)) => {
                let (frames_declared, _) = apng_control(&out.bytes).expect("still an APNG");
                let after = frames(&out.bytes);
                assert_eq!(after.len() as u32, frames_declared, "{}", entry.path);
                assert!(after.iter().all(|(f, _)| f.width() == 32), "{}", entry.path);
                if entry.is_hostile() {
                    assert!(out.report.decode.contains("not decode, dropped"), "{}", out.report.decode);
                }
            }
            Ok(Outcome::Original(_)) => panic!("{}: width=32 needs a change", entry.path),
            Ok(Outcome::Sanitised(_)) => panic!("{}: taken for an SVG", entry.path),
            Err(err) => {
                assert!(entry.is_hostile() && (400..500).contains(&err.status()), "{}: {err}", entry.path)
            }
        }
    }
    // The corpus APNG of 20 frames of 100×100 keeps them all.
    let out = encoded(&corpus_file("png-misc/basic_f20.png"), "width=50", None);
    assert_eq!(frames(&out.bytes).len(), 20);
}
