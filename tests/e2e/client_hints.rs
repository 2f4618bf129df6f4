//! Client hints in workerd: `width=auto` takes its width from `Sec-CH-Width`, or
//! `Viewport-Width` × `DPR`, rounded up to Cloudflare's breakpoints or the URL's
//! `wbreakpoints`, and falls back on the mobile or desktop width without them (`wmobile`,
//! `wdesktop`; mobile by `Sec-CH-UA-Mobile`, else by `Mobi` in `User-Agent`);
//! `slow-connection-quality` replaces `quality` for a slow connection (`ECT`, `Save-Data`). Answers name the hints they read in one `Vary` and
//! ask for them with `Accept-CH`; clients whose hints settle differently get different cache
//! entries, and alike ones share one; a signed `width=auto` URL is checked as signed.

use image::{Rgb, RgbImage};

use crate::harness::origin::publish;
use crate::harness::worker::{self, origin_url, request, Reply};

/// A 1600×1000 JPEG of fine noise over gradients: wider than every breakpoint, and detailed
/// enough that the encoder's quality shows in its size.
fn photo() -> Vec<u8> {
    let mut seed: u32 = 0x2545_f491;
    let image = RgbImage::from_fn(1600, 1000, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed % 64) as u8;
        Rgb([(x / 8) as u8 / 2 + noise, (y / 5) as u8 / 2 + noise, ((x + y) / 12) as u8 / 2 + noise])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).expect("encode the fixture");
    out.into_inner()
}

/// The proxied path of a fresh source named `name` (one per test, so no test meets
/// another's cache entries).
fn path(options: &str, name: &str) -> String {
    let url = origin_url(&publish(name, photo()));
    format!("/cdn-cgi/image/{options}/{url}")
}

fn ask(path: &str, hints: &[(&str, &str)]) -> Reply {
    let reply = request("GET", path, hints);
    assert_eq!(reply.status, 200, "{hints:?}: {}", String::from_utf8_lossy(&reply.body));
    reply
}

fn width(reply: &Reply) -> u32 {
    reply.image().width()
}

/// Asks with `hints` until the answer comes from the edge cache.
fn cached(path: &str, hints: &[(&str, &str)]) -> Reply {
    for _ in 0..30 {
        let reply = ask(path, hints);
        if reply.header("x-cache") == Some("HIT") {
            return reply;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{path} with {hints:?} never came from the cache");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn width_auto_takes_the_image_width_hint_rounded_up_to_a_breakpoint() {
    let path = path("width=auto", "hints-width.jpg");
    let reply = ask(&path, &[("Sec-CH-Width", "500")]);
    assert_eq!(width(&reply), 768, "500 device pixels, rounded up to 768");
    assert_eq!(reply.header("vary"), Some("Sec-CH-Width"));
    let accept_ch = reply.header("accept-ch").expect("Accept-CH");
    for hint in ["Sec-CH-Width", "Sec-CH-Viewport-Width", "Sec-CH-DPR", "ECT", "Save-Data"] {
        assert!(accept_ch.contains(hint), "{accept_ch}");
    }
    let short = path.replace("width=auto", "w=auto");
    assert_eq!(width(&ask(&short, &[("Sec-CH-Width", "1000")])), 1200);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn width_auto_takes_the_viewport_times_the_dpr_and_names_both_in_one_vary() {
    let path = path("width=auto,format=auto", "hints-viewport.jpg");
    let hints = [("Viewport-Width", "400"), ("DPR", "2"), ("Accept", "image/webp,*/*")];
    let reply = ask(&path, &hints);
    assert_eq!(reply.header("content-type"), Some("image/webp"));
    assert_eq!(width(&reply), 960, "400 × 2 = 800, rounded up to 960");
    assert_eq!(
        reply.header("vary"),
        Some("Accept, Sec-CH-Width, Width, Sec-CH-Viewport-Width, Viewport-Width, Sec-CH-DPR, DPR"),
        "one Vary: Accept chose the format, and every hint read, sent or not"
    );
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn width_auto_without_a_width_hint_takes_the_mobile_or_desktop_width() {
    let path = path("width=auto", "hints-fallback.jpg");
    let desktop = ask(
        &path,
        &[("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0")],
    );
    assert_eq!(width(&desktop), 1200, "no hint, no Mobi: Cloudflare's desktop width");
    assert_eq!(
        desktop.header("vary"),
        Some("Sec-CH-Width, Width, Sec-CH-Viewport-Width, Viewport-Width, Sec-CH-UA-Mobile, User-Agent"),
        "without Sec-CH-UA-Mobile, User-Agent was read"
    );
    assert_eq!(width(&ask(&path, &[("Sec-CH-UA-Mobile", "?1")])), 768, "mobile: Cloudflare's wmobile");
    let iphone = ask(&path, &[("User-Agent", IPHONE)]);
    assert_eq!(width(&iphone), 768, "Safari sends no Sec-CH-UA-Mobile: Mobi in User-Agent says mobile");
    let hinted = ask(&path, &[("Sec-CH-UA-Mobile", "?0"), ("User-Agent", IPHONE)]);
    assert_eq!(width(&hinted), 1200, "the hint, when sent, is the answer");
    assert_eq!(
        hinted.header("vary"),
        Some("Sec-CH-Width, Width, Sec-CH-Viewport-Width, Viewport-Width, Sec-CH-UA-Mobile"),
        "and User-Agent is then neither read nor varied on"
    );
}

/// Safari on an iPhone: no client hints at all.
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn width_autos_sub_parameters_set_the_breakpoints_and_the_fallback_widths() {
    let path = path("width=auto,wbreakpoints=300;600,wmobile=500", "hints-sub-parameters.jpg");
    let hinted = ask(&path, &[("Sec-CH-Width", "500")]);
    assert_eq!(width(&hinted), 600, "500 rounded up to wbreakpoints' 600, not Cloudflare's 768");
    assert_eq!(hinted.header("vary"), Some("Sec-CH-Width"));
    assert_eq!(width(&ask(&path, &[("Sec-CH-Width", "2000")])), 600, "the largest for anything wider");
    assert_eq!(width(&ask(&path, &[("Sec-CH-Width", "120")])), 300);
    let mobile = ask(&path, &[("Sec-CH-UA-Mobile", "?1")]);
    assert_eq!(width(&mobile), 500, "wmobile as given, not rounded to a breakpoint");
    assert_eq!(width(&ask(&path, &[("Sec-CH-UA-Mobile", "?0")])), 1200, "wdesktop not given: 1200");
    let desktop = path.replace("wmobile=500", "wdesktop=900");
    assert_eq!(width(&ask(&desktop, &[("Sec-CH-UA-Mobile", "?0")])), 900);
    // Without width=auto they do nothing: accepted, and the answer is width=400's.
    let alone = path.replace("width=auto", "width=400");
    let reply = ask(&alone, &[("Sec-CH-UA-Mobile", "?1")]);
    assert_eq!((width(&reply), reply.header("vary")), (400, None));
    let bad = request("GET", &path.replace("300;600", "300;abc"), &[]);
    assert_eq!(bad.status, 400);
    assert!(String::from_utf8_lossy(&bad.body).contains("wbreakpoints must be"));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn different_hints_are_different_entries_and_alike_ones_share_one() {
    let path = path("width=auto", "hints-entries.jpg");
    let narrow = cached(&path, &[("Sec-CH-Width", "500")]);
    assert_eq!(width(&narrow), 768);
    let wide = ask(&path, &[("Sec-CH-Width", "1000")]);
    assert_eq!(wide.header("x-cache"), Some("MISS"), "another width, another entry");
    assert_eq!(width(&wide), 1200);
    let alike = ask(&path, &[("Sec-CH-Width", "700")]);
    assert_eq!(alike.header("x-cache"), Some("HIT"), "700 rounds to 768 too");
    assert_eq!(alike.body, narrow.body);
    assert_eq!(alike.header("vary"), Some("Sec-CH-Width"), "a hit varies as the miss did");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_slow_connection_gets_the_slow_connection_quality() {
    let path = path("width=800,scq=30,format=jpeg", "hints-slow.jpg");
    let fast = ask(&path, &[("ECT", "4g"), ("RTT", "50"), ("Downlink", "10")]);
    let slow = ask(&path, &[("ECT", "2g")]);
    assert_eq!((width(&fast), width(&slow)), (800, 800));
    assert!(
        slow.body.len() * 2 < fast.body.len(),
        "quality 30 ({} bytes) against the default 85 ({} bytes)",
        slow.body.len(),
        fast.body.len()
    );
    assert_eq!(slow.header("vary"), Some("RTT, Save-Data, ECT"));
    assert_eq!(fast.header("vary"), Some("RTT, Save-Data, ECT, Downlink"));
    assert!(slow.header("server-timing").is_some_and(|timing| timing.contains("q30")));
    let saving = ask(&path, &[("Save-Data", "on")]);
    assert_eq!(saving.body, slow.body, "Save-Data: on is slow too, with the same quality");
    assert_eq!(saving.header("vary"), Some("RTT, Save-Data"));
    assert_eq!(ask(&path, &[]).body, fast.body, "no hints: not slow");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_signed_width_auto_url_is_checked_as_signed() {
    use edge_image_proxy::security::sign_url;
    let signing = worker::signing_harness();
    let unsigned = path("width=auto", "hints-signed.jpg");
    let signed = sign_url(&unsigned, worker::SIGNING_KEY.as_bytes(), None).expect("signable");
    let reply = signing.request("GET", &signed, &[("Sec-CH-Width", "300")]);
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.image().width(), 320);
    let tampered = signed.replace("width=auto", "width=1200");
    assert_eq!(signing.request("GET", &tampered, &[]).status, 403);
    // The sub-parameters are signed with it: added afterwards, the signature no longer holds.
    let added = signed.replace("width=auto", "width=auto,wbreakpoints=300");
    assert_eq!(signing.request("GET", &added, &[("Sec-CH-Width", "300")]).status, 403);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn the_playground_asks_for_the_hints_width_auto_reads() {
    // Browsers send a page's image requests only the hints that page's own answer asked for.
    let page = request("GET", "/", &[]);
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    assert_eq!(
        page.header("accept-ch"),
        Some("Sec-CH-Width, Sec-CH-Viewport-Width, Sec-CH-DPR, ECT, RTT, Downlink")
    );
    let style = request("GET", "/style.css", &[]);
    assert_eq!((style.status, style.header("accept-ch")), (200, None), "a stylesheet asks nothing");
}
