//! Cloudflare's semantics and options as clients send them, in workerd: `flip` before `rotate`,
//! `brightness`/`contrast`/`gamma`/`saturation`, `quality` words, every spelling of `trim`
//! (fractions, the `trim.*` window, `trim=border` on a PNG and on a JPEG shrunk on load), and
//! the Cloudflare options the proxy refuses answered 400 with the reason; pixels are read back
//! from the answers, and equivalent spellings share one cache entry.

use image::{Rgba, RgbaImage};

use crate::harness::fixtures::png;
use crate::harness::origin::publish;
use crate::harness::worker::{get, origin_url, wait_for_hit, Reply};

const WHITE: [u8; 4] = [255, 255, 255, 255];
const RED: [u8; 4] = [200, 30, 40, 255];

/// Publishes `bytes` on the test origin as `name` and returns its absolute URL.
fn source(name: &str, bytes: Vec<u8>) -> String {
    origin_url(&publish(name, bytes))
}

fn proxied(options: &str, source: &str) -> Reply {
    get(&format!("/cdn-cgi/image/{options}/{source}"))
}

/// The answer's pixels, which must be a 200.
fn pixels(reply: &Reply) -> RgbaImage {
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    reply.image().to_rgba8()
}

/// Asserts that `second` is answered from the entry `first` made: same key, so a HIT.
fn assert_shares_entry(first: &str, second: &str, source: &str) {
    let first = format!("/cdn-cgi/image/{first}/{source}");
    let second = format!("/cdn-cgi/image/{second}/{source}");
    let made = wait_for_hit(&first);
    let other = get(&second);
    assert_eq!((other.status, other.header("x-cache")), (200, Some("HIT")), "{second} after {first}");
    assert_eq!(other.body, made.body);
}

/// A 3×2 PNG of six distinct colours: a b c on top, d e f below.
fn labelled() -> (Vec<u8>, [[u8; 4]; 6]) {
    let colours = [
        [250, 0, 0, 255],
        [0, 250, 0, 255],
        [0, 0, 250, 255],
        [250, 250, 0, 255],
        [0, 250, 250, 255],
        [250, 0, 250, 255],
    ];
    let image = RgbaImage::from_fn(3, 2, |x, y| Rgba(colours[(y * 3 + x) as usize]));
    (png(&image), colours)
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn flip_comes_before_rotate() {
    let (bytes, [a, b, c, d, e, f]) = labelled();
    let url = source("labelled.png", bytes);
    // Mirrored: c b a / f e d; turned clockwise: f c / e b / d a.
    let out = pixels(&proxied("flip=h,rotate=90", &url));
    assert_eq!(out.dimensions(), (2, 3));
    let rows: Vec<Vec<[u8; 4]>> = (0..3).map(|y| (0..2).map(|x| out.get_pixel(x, y).0).collect()).collect();
    assert_eq!(rows, vec![vec![f, c], vec![e, b], vec![d, a]]);
    // Flipped upside down (d e f / a b c), then turned a quarter back: f c / e b / d a.
    // Turned first, as before, it was a d / b e / c f.
    let out = pixels(&proxied("rotate=270,flip=v", &url));
    let rows: Vec<Vec<[u8; 4]>> = (0..3).map(|y| (0..2).map(|x| out.get_pixel(x, y).0).collect()).collect();
    assert_eq!(rows, vec![vec![f, c], vec![e, b], vec![d, a]]);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn colour_adjustments_change_the_pixels_as_cloudflare_describes() {
    let url = source("flat-red.png", png(&RgbaImage::from_pixel(40, 20, Rgba(RED))));
    let at = |options: &str| pixels(&proxied(options, &url)).get_pixel(5, 5).0;
    assert_eq!(at("brightness=0.5"), [100, 15, 20, 255], "half as bright");
    // 0.5 × (v − 127.5) + 127.5.
    assert_eq!(at("contrast=0.5"), [164, 79, 84, 255], "towards mid-grey");
    // (v / 255)² × 255.
    assert_eq!(at("gamma=2"), [157, 4, 6, 255], "darker midtones");
    // Rec. 709 luma: 0.2126 × 200 + 0.7152 × 30 + 0.0722 × 40 = 66.9.
    assert_eq!(at("saturation=0"), [67, 67, 67, 255], "greyscale");
    // Brightness first (255, 60, 80), then the grey of that: 102.9.
    assert_eq!(at("width=20,saturation=0,brightness=2"), [103, 103, 103, 255], "after resizing, together");
    // Factors that change nothing leave the canonical form, so the plain answer's entry.
    assert_shares_entry("width=20", "width=20,brightness=1,contrast=0,gamma=1.0,saturation=1", &url);
    assert_shares_entry("width=30,saturation=0.5", "saturation=0.50,w=30", &url);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn quality_words_are_numbers_with_one_cache_entry() {
    let url = origin_url("/corpus/photos/flower_cropped.jpg");
    for word in ["high", "medium-high", "medium-low", "low"] {
        let reply = proxied(&format!("width=90,quality={word}"), &url);
        assert_eq!((reply.status, reply.header("content-type")), (200, Some("image/jpeg")), "{word}");
    }
    assert_shares_entry("width=80,quality=high", "width=80,q=90", &url);
    assert_shares_entry("width=80,q=low", "width=80,quality=50", &url);
    let slow = proxied("width=80,scq=medium-low", &url);
    assert_eq!(slow.status, 200, "slow-connection-quality is accepted");
    let bad = proxied("width=80,quality=best", &url);
    assert_eq!(bad.status, 400);
    let detail = bad.problem()["detail"].as_str().unwrap_or_default().to_string();
    assert!(detail.contains("high, medium-high, medium-low, low"), "{detail}");
}

/// A 400×200 PNG: white, with a red rectangle from (100, 50) to (300, 150).
fn red_in_white() -> String {
    red_in_white_as("red-in-white.png")
}

/// The same picture published as `name`: its own cache entries, apart from other tests'.
fn red_in_white_as(name: &str) -> String {
    let image = RgbaImage::from_fn(400, 200, |x, y| {
        Rgba(if (100..300).contains(&x) && (50..150).contains(&y) { RED } else { WHITE })
    });
    source(name, png(&image))
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn trim_takes_fractions_and_cloudflares_window() {
    let url = red_in_white();
    for options in ["trim=0.25;0.25;0.25;0.25", "trim.left=100,trim.top=50,trim.width=200,trim.height=100"] {
        let out = pixels(&proxied(options, &url));
        assert_eq!(out.dimensions(), (200, 100), "{options}");
        assert!(out.pixels().all(|p| p.0 == RED), "{options}: exactly the red rectangle");
    }
    assert_shares_entry("trim=50;0;0;100", "trim.left=100,trim.top=50", &url);
    let mixed = proxied("trim=1;2;3;4,trim.top=5", &url);
    assert_eq!(mixed.status, 400);
    let detail = mixed.problem()["detail"].as_str().unwrap_or_default().to_string();
    assert!(detail.contains("cannot be combined"), "{detail}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn trim_border_cuts_a_uniform_border_off() {
    let url = red_in_white();
    let reply = proxied("trim=border", &url);
    let out = pixels(&reply);
    assert_eq!(out.dimensions(), (200, 100));
    assert!(out.pixels().all(|p| p.0 == RED), "no white left, no red lost");
    let timing = reply.header("server-timing").unwrap_or_default();
    assert!(timing.contains("border 50;100;50;100 trimmed"), "{timing}");
    let kept = pixels(&proxied("trim=border,trim.border.keep=10", &url));
    assert_eq!(kept.dimensions(), (220, 120));
    assert_eq!((kept.get_pixel(0, 0).0, kept.get_pixel(10, 10).0), (WHITE, RED));
    assert_eq!(pixels(&proxied("trim.border.color=black", &url)).dimensions(), (400, 200), "no black border");
    assert_shares_entry("trim=border,width=100", "trim.border.tolerance=245,w=100", &url);
}

/// A 1600×1200 JPEG: a white frame around a picture from (left, top) to (right, bottom),
/// edges on 16-pixel blocks.
fn framed_jpeg(name: &str, (left, top, right, bottom): (u32, u32, u32, u32)) -> String {
    let image = image::RgbImage::from_fn(1600, 1200, |x, y| {
        let inside = (left..right).contains(&x) && (top..bottom).contains(&y);
        image::Rgb(if inside { [200, 40, (x % 200) as u8] } else { [255, 255, 255] })
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95).encode_image(&image).expect("encodes");
    source(name, jpeg)
}

fn is_white(pixel: &Rgba<u8>) -> bool {
    pixel.0[..3].iter().all(|c| *c > 235)
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn trim_border_on_a_jpeg_shrunk_on_load() {
    // A thin frame: found on the 1/8 decode, which what is left still allows.
    let thin = framed_jpeg("thin-frame.jpg", (160, 160, 1440, 1040));
    let reply = proxied("trim=border,width=100,format=png", &thin);
    let timing = reply.header("server-timing").unwrap_or_default().to_string();
    assert!(timing.contains("decode;desc=\"jpeg 1/8 scale -> 200x150, border "), "{timing}");
    let out = pixels(&reply);
    assert_eq!(out.width(), 100);
    assert!(!is_white(out.get_pixel(50, out.height() / 2)) && !is_white(out.get_pixel(1, 1)), "picture");
    // A thick one: 256×192 left, which needs 1/2, so the source is decoded again at 1/2.
    let thick = framed_jpeg("thick-frame.jpg", (672, 512, 928, 704));
    let reply = proxied("trim=border,width=100,format=png", &thick);
    let timing = reply.header("server-timing").unwrap_or_default().to_string();
    assert!(timing.contains("decode;desc=\"jpeg 1/2 scale -> 800x600, border "), "{timing}");
    let out = pixels(&reply);
    assert_eq!(out.dimensions(), (100, 75));
    assert!(!is_white(out.get_pixel(1, 1)) && !is_white(out.get_pixel(98, 73)), "no frame left");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn cloudflare_values_the_proxy_carries_out() {
    let url = red_in_white();
    assert_eq!(
        pixels(&proxied("rotate=0,blur=0,upscale=interpolate,format=png", &url)).dimensions(),
        (400, 200)
    );
    assert_eq!(pixels(&proxied("width=800,height=800,fit=scale-up", &url)).dimensions(), (800, 400));
    assert_eq!(pixels(&proxied("width=100,height=100,fit=scale-up", &url)).dimensions(), (400, 200), "kept");
    let cut = pixels(&proxied("width=1000,height=1000,fit=aspect-crop", &url));
    assert_eq!(cut.dimensions(), (200, 200), "the box's shape at the image's own size");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn cloudflare_options_the_proxy_refuses_say_why() {
    let url = red_in_white();
    for (options, said) in [
        ("segment=foreground", "segment is not supported: "),
        ("zoom=0.5", "zoom is not supported: "),
        ("face-zoom=0.5", "face-zoom is not supported: "),
        ("border=4", "border is not supported: "),
        ("gravity=face,width=100,height=100,fit=cover", "gravity=face is not supported: "),
        ("upscale=generate", "upscale=generate is not supported: "),
    ] {
        let reply = proxied(options, &url);
        assert_eq!(reply.status, 400, "{options}");
        let problem = reply.problem();
        assert_eq!(problem["type"], "/reference#bad-options");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.starts_with(said), "{options}: {detail}");
        assert!(!detail.contains("unknown option"), "{options}: {detail}");
    }
    let reference: serde_json::Value = serde_json::from_slice(&get("/reference.json").body).expect("JSON");
    let options = reference["options"].as_array().expect("options");
    let segment = options.iter().find(|o| o["name"] == "segment").expect("segment is listed");
    assert_eq!(
        (segment["supported"].as_bool(), segment["values"]["kind"].as_str()),
        (Some(false), Some("unsupported"))
    );
    assert!(options.iter().filter(|o| o["supported"] == true).any(|o| o["name"] == "trim.border.keep"));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn every_parameter_on_cloudflares_page_is_carried_out_or_refused_with_a_reason() {
    // One value for each parameter of Cloudflare's Images "Features" page (2026-06-16); the
    // host test tests/cloudflare_parameters.rs tries every value it documents. A source of its
    // own: answers it caches must not stand in for other tests' misses.
    let url = red_in_white_as("every-parameter.png");
    let carried_out = [
        "anim=false",
        "background=red",
        "blur=5",
        "brightness=0.5",
        "compression=fast",
        "contrast=2",
        "dpr=2,width=50",
        "fit=aspect-crop,width=50,height=50",
        "flip=hv",
        "format=webp",
        "f=jpeg",
        "gamma=0.5",
        "gravity=left",
        "g=0.5x1",
        "height=50",
        "h=50",
        "metadata=none",
        "onerror=redirect",
        "quality=low",
        "q=50",
        "rotate=270",
        "saturation=0",
        "sharpen=1",
        "slow-connection-quality=50",
        "scq=low",
        "trim=0.1;0.2;0.1;0.2",
        "trim.top=0.25",
        "trim.left=10",
        "trim.width=300",
        "trim.height=100",
        "trim=border",
        "trim.border.color=white",
        "trim.border.tolerance=200",
        "trim.border.keep=2",
        "upscale=interpolate",
        "width=50",
        "w=auto",
        "width=auto,wbreakpoints=300;600",
        "width=auto,wmobile=500",
        "width=auto,wdesktop=900",
        "wmobile=500,width=50",
    ];
    for options in carried_out {
        let reply = proxied(options, &url);
        assert_eq!(reply.status, 200, "{options}: {}", String::from_utf8_lossy(&reply.body));
    }
    for options in
        ["border=4", "segment=foreground", "zoom=0.5", "face-zoom=0.5", "gravity=face", "upscale=generate"]
    {
        let reply = proxied(options, &url);
        assert_eq!(reply.status, 400, "{options}");
        let detail = reply.problem()["detail"].as_str().unwrap_or_default().to_string();
        assert!(detail.contains("not supported: "), "{options}: {detail}");
    }
}
