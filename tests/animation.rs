//! Animated GIFs kept animated: every frame resized with its delay (a frame that repeats the
//! one before merged into it), written as changes over the frame before, the loop count kept,
//! the limits judged from the header, and every GIF of the corpus, valid or hostile, answered
//! without a panic.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use std::io::Cursor;

use edge_image_proxy::negotiate::{FormatRequest, OutputFormat, SourceFormat};
use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::transform::{count_frames, transform, Encoded, Outcome};
use image::codecs::gif::GifDecoder;
use image::{AnimationDecoder, Frame, RgbaImage};

#[path = "common/manifest.rs"]
mod manifest;
use manifest::{corpus_dir, manifest};

const CHROME: &str = "image/avif,image/webp,*/*";

fn corpus(file: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join(file)).expect("corpus file")
}

fn run(
    source: &[u8],
    options: &str,
    accept: Option<&str>,
) -> Result<Outcome, edge_image_proxy::error::ProxyError> {
    let pairs: Vec<(&str, &str)> = options.split(',').filter_map(|pair| pair.split_once('=')).collect();
    let options = TransformOptions::from_pairs(pairs).expect("valid options");
    transform(source, &options, FormatRequest::new(&options, accept), 16_000_000)
}

fn encoded(source: &[u8], options: &str, accept: Option<&str>) -> Encoded {
    match run(source, options, accept) {
        Ok(Outcome::Encoded(out)) => out,
        other => panic!("{options}: {other:?}"),
    }
}

/// Every frame of a GIF as shown (composited), with its delay in milliseconds.
fn frames(gif: &[u8]) -> Vec<(RgbaImage, u32)> {
    let decoder = GifDecoder::new(Cursor::new(gif)).expect("a GIF");
    decoder
        .into_frames()
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

fn mean_rgb(image: &RgbaImage) -> [f64; 3] {
    let mut sum = [0.0; 3];
    for pixel in image.pixels() {
        for c in 0..3 {
            sum[c] += f64::from(pixel[c]);
        }
    }
    sum.map(|s| s / image.pixels().len() as f64)
}

#[test]
fn every_frame_is_resized_with_its_delay() {
    let source = corpus("gif/iss634.gif"); // 245×245, 42 frames
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
        let (a, b) = (mean_rgb(original), mean_rgb(resized));
        for c in 0..3 {
            assert!((a[c] - b[c]).abs() < 8.0, "frame {index}, channel {c}: {a:?} vs {b:?}");
        }
    }
    assert_eq!(out.report.decode, "gif 245x245, 42 frames");
    assert_eq!(out.report.resize, "245x245 -> 100x100 lanczos3, every frame");
    assert!(
        out.report.encode.starts_with("gif animated, 42 frames written as changes, "),
        "{}",
        out.report.encode
    );
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
        let source = corpus(file);
        let out = encoded(&source, "width=16", None);
        let (before, after) = (frames(&source), frames(&out.bytes));
        // Expand merged frames by their delays so that both sequences line up in time.
        let timeline = |frames: &[(RgbaImage, u32)]| -> Vec<RgbaImage> {
            frames
                .iter()
                .flat_map(|(f, d)| std::iter::repeat_n(f.clone(), (*d / 10).max(1) as usize))
                .collect()
        };
        let small: Vec<(RgbaImage, u32)> = before
            .iter()
            .map(|(f, d)| (image::imageops::resize(f, 16, 16, image::imageops::FilterType::Lanczos3), *d))
            .collect();
        let (want, got) = (timeline(&small), timeline(&after));
        assert_eq!(want.len(), got.len(), "{file}: the same duration");
        for (tick, (w, g)) in want.iter().zip(&got).enumerate() {
            let share = (transparent_share(w) - transparent_share(g)).abs();
            assert!(share < 0.1, "{file} at {tick}: transparency differs by {share:.2}");
            let (a, b) = (mean_rgb(w), mean_rgb(g));
            for c in 0..3 {
                assert!((a[c] - b[c]).abs() < 24.0, "{file} at {tick}, channel {c}: {a:?} vs {b:?}");
            }
        }
    }
}

#[test]
fn frames_differ_as_in_the_source() {
    // Two frames of different colours: the output's frames differ the same way.
    let source = corpus("gif/anim-gr.gif");
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
    let moon = corpus("gif/moon_impact.gif"); // loops 10 times
    assert_eq!(loop_count(&moon), Some(10));
    assert_eq!(loop_count(&encoded(&moon, "width=50", None).bytes), Some(10));
    let forever = corpus("gif/iss634.gif");
    assert_eq!(loop_count(&encoded(&forever, "width=50", None).bytes), loop_count(&forever));
}

#[test]
fn auto_keeps_the_animation_and_still_formats_and_anim_false_do_not() {
    let source = corpus("gif/anim-gr.gif");
    assert_eq!(encoded(&source, "width=50,format=auto", Some(CHROME)).format, OutputFormat::Gif);
    assert_eq!(encoded(&source, "width=50,format=auto", None).format, OutputFormat::Gif);
    let still = encoded(&source, "width=50,anim=false", None);
    assert_eq!(still.format, OutputFormat::Png, "a GIF's first frame becomes PNG");
    for format in ["webp", "png", "jpeg", "avif"] {
        let out = encoded(&source, &format!("width=50,format={format}"), Some(CHROME));
        assert_ne!(out.format, OutputFormat::Gif, "{format}");
    }
}

#[test]
fn an_animation_needing_no_change_is_served_as_it_is() {
    let source = corpus("gif/anim-gr.gif"); // 100×50
    assert!(matches!(run(&source, "width=200", None), Ok(Outcome::Original(_))));
}

#[test]
fn animations_over_the_limits_give_their_first_frame_and_say_so() {
    // 380 frames of 472×298: 53 million source pixels, over the 50 million.
    let horse = corpus("gif/gifplayer-muybridge.gif");
    let out = encoded(&horse, "width=100", None);
    assert_eq!(out.format, OutputFormat::Png);
    assert!(
        out.report.decode.ends_with("first of 380 frames (the animation is over the limits)"),
        "{}",
        out.report.decode
    );
    // 40,000 one-pixel frames: over the 500 frames.
    let uber = corpus("bombs/uber.gif");
    assert!(!matches!(
        run(&uber, "width=1,height=2,fit=squeeze", None),
        Ok(Outcome::Encoded(Encoded { format: OutputFormat::Gif, .. }))
    ));
}

#[test]
fn every_corpus_gif_is_animated_resized_or_refused_never_a_panic() {
    let mut failures = Vec::new();
    for entry in manifest().iter().filter(|e| e.path.ends_with(".gif")) {
        let source = corpus(&entry.path);
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
                let duration = |f: &[(RgbaImage, u32)]| f.iter().map(|(_, delay)| delay).sum::<u32>();
                let source_frames = frames(&source);
                // The source's delays, as GIF stores them (hundredths of a second).
                if duration(&written) / 10 != duration(&source_frames) / 10 {
                    failures.push(format!(
                        "{}: lasts {} ms, the source {} ms",
                        entry.path,
                        duration(&written),
                        duration(&source_frames)
                    ));
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
