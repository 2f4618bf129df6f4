//! Client hints: what the browser's request headers say about its screen and its connection,
//! and the options they settle, as Cloudflare documents them.
//!
//! - `width=auto`: the width the image will take, in device pixels (`Sec-CH-Width`, or its
//!   older name `Width`), else the window's width in CSS pixels times the device pixel ratio
//!   (`Sec-CH-Viewport-Width` / `Viewport-Width` × `Sec-CH-DPR` / `DPR`), rounded up to one of
//!   a few widths so that answers are shared: the URL's `wbreakpoints`, else `ALLOWED_WIDTHS`
//!   when set, else Cloudflare's breakpoints. Without a width hint, the URL's `wmobile` or
//!   `wdesktop` (else Cloudflare's defaults), by `Sec-CH-UA-Mobile`, the hint Chromium sends
//!   unasked, or for a browser that does not send it (Firefox, Safari) by `Mobi` in
//!   `User-Agent`, the test Mozilla advises. Only that last case reads `User-Agent`, and so
//!   names it in `Vary`: our own cache is keyed by the width settled, but a cache that
//!   honours `Vary` keeps one entry per `User-Agent` string for those browsers.
//! - `slow-connection-quality`: in place of `quality` when `RTT`, `Save-Data`, `ECT` or
//!   `Downlink` say the connection is slow.
//!
//! The request URL's options are signed and admitted as they are; [`resolve`] gives the
//! options the answer is made and keyed by, and the hints it read, which the answer names in
//! `Vary`.

use crate::options::{AutoWidth, TransformOptions, DPR_RANGE, MAX_DIMENSION};
use crate::security::Policy;

/// Every client hint the proxy reads, as the answer names them (`Accept-CH`, `Vary`).
pub const HINT_HEADERS: [&str; 11] = [
    SEC_CH_WIDTH,
    WIDTH,
    SEC_CH_VIEWPORT_WIDTH,
    VIEWPORT_WIDTH,
    SEC_CH_DPR,
    DPR,
    SEC_CH_UA_MOBILE,
    RTT,
    SAVE_DATA,
    ECT,
    DOWNLINK,
];

/// Every request header read to settle options, in the order `Vary` names them: the client
/// hints, then `User-Agent`, which is no hint (and so not in `Accept-CH`).
fn read_headers() -> impl Iterator<Item = &'static str> {
    HINT_HEADERS.into_iter().chain([USER_AGENT])
}

const SEC_CH_WIDTH: &str = "Sec-CH-Width";
const WIDTH: &str = "Width";
const SEC_CH_VIEWPORT_WIDTH: &str = "Sec-CH-Viewport-Width";
const VIEWPORT_WIDTH: &str = "Viewport-Width";
const SEC_CH_DPR: &str = "Sec-CH-DPR";
const DPR: &str = "DPR";
const SEC_CH_UA_MOBILE: &str = "Sec-CH-UA-Mobile";
const RTT: &str = "RTT";
const SAVE_DATA: &str = "Save-Data";
const ECT: &str = "ECT";
const DOWNLINK: &str = "Downlink";
const USER_AGENT: &str = "User-Agent";

/// What a `User-Agent` holds when its browser is a phone's or a tablet's small-screen build:
/// Mozilla's advice for telling mobile browsers, which every major one follows.
const MOBILE_TOKEN: &str = "Mobi";

/// Cloudflare's `width=auto` breakpoints (its default `wbreakpoints`), used when
/// `ALLOWED_WIDTHS` is not set.
pub const BREAKPOINTS: [u32; 4] = [320, 768, 960, 1200];

/// Cloudflare's default `wmobile`: the width for a mobile browser that sent no width hint.
pub const MOBILE_WIDTH: u32 = 768;

/// Cloudflare's default `wdesktop`: the width for any other browser that sent no width hint.
/// A browser that does not say it is mobile gets it too: too large a picture costs a phone
/// some bytes, too small a one looks blurred on every desktop.
pub const DESKTOP_WIDTH: u32 = 1200;

/// Cloudflare's thresholds of a slow connection (`slow-connection-quality`).
const SLOW_RTT_MS: f64 = 150.0;
const SLOW_DOWNLINK_MBPS: f64 = 5.0;
const SLOW_ECTS: [&str; 3] = ["slow-2g", "2g", "3g"];

/// The headers of one request that settle options ([`read_headers`]), as sent (at most one
/// value each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    found: Vec<(&'static str, String)>,
}

impl Hints {
    /// No hints at all.
    pub const NONE: Hints = Hints { found: Vec::new() };

    /// Reads every header of [`HINT_HEADERS`], and `User-Agent`, with `header`.
    pub fn read(header: impl Fn(&str) -> Option<String>) -> Hints {
        let found = read_headers().filter_map(|name| header(name).map(|value| (name, value))).collect();
        Hints { found }
    }

    /// The value of `name` (one of [`read_headers`], compared without case).
    fn get(&self, name: &str) -> Option<&str> {
        self.found.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, value)| value.trim())
    }
}

/// What the hints settled: the options to make and key the answer by, and the hint headers
/// that were read to settle them, present or not (an answer made for want of a hint depends
/// on that hint as much as one made from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The options, with `width` in place of `width=auto` and `quality` in place of
    /// `slow-connection-quality`.
    pub options: TransformOptions,
    /// The headers read, in [`read_headers`]' order: the answer's `Vary`.
    pub read: Vec<&'static str>,
}

/// Settles `width=auto` and `slow-connection-quality` with `hints`, within `policy`'s
/// `ALLOWED_WIDTHS`, `MAX_OUTPUT_DIMENSION` and `MAX_DPR`. Options that need no hint are
/// returned as they are, with nothing read.
pub fn resolve(options: &TransformOptions, hints: &Hints, policy: &Policy) -> Resolved {
    let mut resolved = Resolved { options: *options, read: Vec::new() };
    if let Some(auto) = options.auto_width {
        resolved.options.width = Some(auto_width(&auto, hints, policy, &mut resolved.read));
        resolved.options.auto_width = None;
    }
    if let Some(slow_quality) = options.slow_connection_quality {
        if slow_connection(hints, &mut resolved.read) {
            resolved.options.quality = Some(slow_quality);
        }
        // Applied or not, it has done its work: a fast client's answer is the one without it.
        resolved.options.slow_connection_quality = None;
    }
    resolved.read.sort_by_key(|name| read_headers().position(|n| n == *name));
    resolved
}

/// The width `width=auto` comes to: the hinted width rounded up to a breakpoint, else the
/// mobile or desktop width.
fn auto_width(auto: &AutoWidth, hints: &Hints, policy: &Policy, read: &mut Vec<&'static str>) -> u32 {
    if let Some(wanted) = hinted_width(hints, policy, read) {
        return round_up(wanted, &breakpoints(auto, policy));
    }
    match mobile(hints, read) {
        true => fallback(auto.mobile, MOBILE_WIDTH, policy),
        false => fallback(auto.desktop, DESKTOP_WIDTH, policy),
    }
}

/// The width the client's hints ask for, in device pixels, before rounding; `None` when they
/// say nothing of it.
fn hinted_width(hints: &Hints, policy: &Policy, read: &mut Vec<&'static str>) -> Option<u32> {
    if let Some(width) = first(hints, [SEC_CH_WIDTH, WIDTH], read).and_then(pixels) {
        return Some(width);
    }
    let viewport = first(hints, [SEC_CH_VIEWPORT_WIDTH, VIEWPORT_WIDTH], read).and_then(pixels)?;
    let max_dpr = f64::from(policy.max_dpr_thousandths) / 1000.0;
    let dpr = first(hints, [SEC_CH_DPR, DPR], read)
        .and_then(number)
        .map_or(1.0, |dpr| dpr.clamp(DPR_RANGE.0, max_dpr.max(DPR_RANGE.0)));
    // At most MAX_DIMENSION × 4, far inside u32.
    Some((f64::from(viewport) * dpr).ceil() as u32)
}

/// Whether the browser is a mobile one: as `Sec-CH-UA-Mobile` says when it is sent (`?1`),
/// else by `Mobi` in `User-Agent`, which is read only then.
fn mobile(hints: &Hints, read: &mut Vec<&'static str>) -> bool {
    match first(hints, [SEC_CH_UA_MOBILE], read) {
        Some(mobile) => mobile == "?1",
        None => first(hints, [USER_AGENT], read).is_some_and(|agent| agent.contains(MOBILE_TOKEN)),
    }
}

/// The width for a browser without a width hint: `given` (`wmobile`, `wdesktop`) as it is,
/// at most `MAX_OUTPUT_DIMENSION` (the gate holds an unsigned URL's to `ALLOWED_WIDTHS`);
/// else Cloudflare's `default`, rounded up like a hinted width without `wbreakpoints`.
fn fallback(given: Option<u32>, default: u32, policy: &Policy) -> u32 {
    match given {
        Some(width) => width.min(policy.max_output_dimension),
        None => round_up(default, &breakpoints(&AutoWidth::default(), policy)),
    }
}

/// The first of `names` the request sent, each name looked for marked as read.
fn first<'h, const N: usize>(
    hints: &'h Hints,
    names: [&'static str; N],
    read: &mut Vec<&'static str>,
) -> Option<&'h str> {
    names.into_iter().find_map(|name| {
        read.push(name);
        hints.get(name)
    })
}

/// A width hint: a positive number of pixels (a fraction rounded up), at most
/// [`MAX_DIMENSION`]; anything else is no hint.
fn pixels(value: &str) -> Option<u32> {
    let number = number(value).filter(|n| *n > 0.0)?;
    // In 1..=MAX_DIMENSION after the clamp.
    Some(number.ceil().min(f64::from(MAX_DIMENSION)) as u32)
}

/// `wanted` rounded up to the nearest of `widths` (smallest first), or the largest for
/// anything wider.
fn round_up(wanted: u32, widths: &[u32]) -> u32 {
    let largest = widths.last().copied().unwrap_or(wanted);
    widths.iter().copied().find(|width| *width >= wanted).unwrap_or(largest)
}

/// What a hinted width is rounded up to, smallest first: `wbreakpoints`, else
/// `ALLOWED_WIDTHS`, else [`BREAKPOINTS`], those within `MAX_OUTPUT_DIMENSION`; that limit
/// itself when none is.
fn breakpoints(auto: &AutoWidth, policy: &Policy) -> Vec<u32> {
    let max = policy.max_output_dimension;
    let mut widths: Vec<u32> = match (auto.breakpoints, &policy.allowed_widths) {
        (Some(given), _) => given.widths().to_vec(),
        (None, Some(allowed)) => allowed.clone(),
        (None, None) => BREAKPOINTS.to_vec(),
    };
    widths.retain(|width| (1..=max).contains(width));
    widths.sort_unstable();
    widths.dedup();
    if widths.is_empty() {
        widths.push(max);
    }
    widths
}

/// Every set of options [`resolve`] can settle `options` on, whatever the hints: what
/// `POST /purge` deletes for a URL with `width=auto` or `slow-connection-quality`.
pub fn every_resolution(options: &TransformOptions, policy: &Policy) -> Vec<TransformOptions> {
    let widths = match options.auto_width {
        Some(auto) => {
            let mut widths = breakpoints(&auto, policy);
            widths.push(fallback(auto.mobile, MOBILE_WIDTH, policy));
            widths.push(fallback(auto.desktop, DESKTOP_WIDTH, policy));
            widths.sort_unstable();
            widths.dedup();
            widths.into_iter().map(Some).collect()
        }
        None => vec![options.width],
    };
    let qualities = match options.slow_connection_quality {
        Some(slow) if options.quality != Some(slow) => vec![options.quality, Some(slow)],
        _ => vec![options.quality],
    };
    let settled = |width: Option<u32>, quality: Option<u8>| TransformOptions {
        width,
        auto_width: None,
        quality,
        slow_connection_quality: None,
        ..*options
    };
    widths
        .into_iter()
        .flat_map(|width| qualities.iter().map(move |quality| settled(width, *quality)))
        .collect()
}

/// A hint header, and whether its value says the connection is slow.
type SlowCheck = (&'static str, fn(&str) -> bool);

/// Whether the hints say the connection is slow. The hints are read in a fixed order until
/// one says so: the answer depends on those read, and on no other.
fn slow_connection(hints: &Hints, read: &mut Vec<&'static str>) -> bool {
    let checks: [SlowCheck; 4] = [
        (RTT, |value| number(value).is_some_and(|ms| ms > SLOW_RTT_MS)),
        (SAVE_DATA, |value| value.eq_ignore_ascii_case("on")),
        (ECT, |value| SLOW_ECTS.iter().any(|ect| value.eq_ignore_ascii_case(ect))),
        (DOWNLINK, |value| number(value).is_some_and(|mbps| (0.0..SLOW_DOWNLINK_MBPS).contains(&mbps))),
    ];
    checks.into_iter().any(|(name, slow)| {
        read.push(name);
        hints.get(name).is_some_and(slow)
    })
}

/// A finite number, or nothing.
fn number(value: &str) -> Option<f64> {
    value.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// The `Accept-CH` of every image answer: the hints the proxy reads, so that a browser that
/// honours it sends them with its next requests.
pub fn accept_ch() -> String {
    HINT_HEADERS.join(", ")
}

/// The hints a page must ask for (`Accept-CH` on its own HTML answer) for a browser to send
/// them with the page's image requests: browsers act on `Accept-CH` of a document only, never
/// of an image. `Sec-CH-UA-Mobile` and `Save-Data` are sent unasked, and the older `Width`,
/// `Viewport-Width` and `DPR` are no longer offered by Chromium, the one engine that sends
/// hints.
pub const PAGE_HINTS: [&str; 6] = [SEC_CH_WIDTH, SEC_CH_VIEWPORT_WIDTH, SEC_CH_DPR, ECT, RTT, DOWNLINK];

/// The `Accept-CH` of the proxy's own pages (the playground), so that `width=auto` and
/// `slow-connection-quality` work there.
pub fn page_accept_ch() -> String {
    PAGE_HINTS.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(pairs: &[(&str, &str)]) -> Hints {
        Hints::read(|name| {
            pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_string())
        })
    }

    fn options(text: &str) -> TransformOptions {
        let pairs = text.split(',').map(|pair| pair.split_once('=').unwrap_or((pair, "")));
        TransformOptions::from_pairs(pairs).expect("valid options")
    }

    fn allowing(widths: &[u32]) -> Policy {
        Policy { allowed_widths: Some(widths.to_vec()), ..Policy::default() }
    }

    /// The width `width=auto` comes to, and the hints read for it.
    fn auto(pairs: &[(&str, &str)], policy: &Policy) -> (u32, Vec<&'static str>) {
        let resolved = resolve(&options("width=auto"), &hints(pairs), policy);
        assert!(resolved.options.auto_width.is_none());
        (resolved.options.width.expect("a width"), resolved.read)
    }

    #[test]
    fn width_auto_is_parsed_in_both_spellings_and_kept_in_the_canonical_form() {
        for text in ["width=auto", "w=auto"] {
            let parsed = options(text);
            assert!(parsed.auto_width.is_some() && parsed.width.is_none(), "{text}");
            assert_eq!(parsed.canonical(), "width=auto");
        }
        assert_eq!(options("w=auto,dpr=2,h=100").canonical(), "width=auto,height=200", "dpr: height only");
        assert!(TransformOptions::from_pairs([("w", "auto"), ("width", "300")]).is_err(), "given twice");
        assert!(TransformOptions::from_pairs([("h", "auto")]).is_err(), "height has no auto");
    }

    #[test]
    fn the_image_width_hint_comes_first_and_is_rounded_up_to_a_breakpoint() {
        let policy = Policy::default();
        assert_eq!(auto(&[("Sec-CH-Width", "500")], &policy), (768, vec!["Sec-CH-Width"]));
        assert_eq!(auto(&[("sec-ch-width", "320")], &policy).0, 320, "a breakpoint is kept");
        assert_eq!(auto(&[("Sec-CH-Width", "1")], &policy).0, 320);
        assert_eq!(auto(&[("Sec-CH-Width", "769")], &policy).0, 960);
        assert_eq!(auto(&[("Sec-CH-Width", "1100.5")], &policy).0, 1200);
        assert_eq!(auto(&[("Sec-CH-Width", "4000")], &policy).0, 1200, "the largest for anything wider");
        // Sec-CH-Width wins over Width and over the viewport, which are then not read.
        let both = [("Sec-CH-Width", "900"), ("Width", "300"), ("Viewport-Width", "300"), ("DPR", "1")];
        assert_eq!(auto(&both, &policy), (960, vec!["Sec-CH-Width"]));
        // The older name, when the newer is missing: both were read.
        assert_eq!(auto(&[("Width", "300")], &policy), (320, vec!["Sec-CH-Width", "Width"]));
    }

    #[test]
    fn the_viewport_times_the_dpr_is_the_width_without_an_image_width_hint() {
        let policy = Policy::default();
        let (width, read) = auto(&[("Viewport-Width", "400"), ("DPR", "2")], &policy);
        assert_eq!(width, 960, "400 × 2 = 800, rounded up");
        assert_eq!(
            read,
            vec!["Sec-CH-Width", "Width", "Sec-CH-Viewport-Width", "Viewport-Width", "Sec-CH-DPR", "DPR"]
        );
        assert_eq!(auto(&[("Sec-CH-Viewport-Width", "300"), ("Sec-CH-DPR", "1")], &policy).0, 320);
        assert_eq!(auto(&[("Sec-CH-Viewport-Width", "300")], &policy).0, 320, "no DPR: 1");
        assert_eq!(auto(&[("Viewport-Width", "500"), ("Sec-CH-DPR", "1.5")], &policy).0, 768, "750");
        assert_eq!(auto(&[("Viewport-Width", "400"), ("DPR", "0.5")], &policy).0, 768, "a DPR is at least 1");
        assert_eq!(auto(&[("Viewport-Width", "400"), ("DPR", "junk")], &policy).0, 768, "a bad DPR is 1");
        // MAX_DPR bounds the hint as it bounds `dpr`.
        let two = Policy { max_dpr_thousandths: 2000, ..allowing(&[400, 800, 1200, 1600]) };
        assert_eq!(auto(&[("Viewport-Width", "400"), ("DPR", "3")], &two).0, 800);
        assert_eq!(
            auto(&[("Viewport-Width", "400"), ("DPR", "3")], &allowing(&[400, 800, 1200, 1600])).0,
            1200
        );
    }

    #[test]
    fn without_a_width_hint_mobile_and_desktop_get_cloudflares_defaults() {
        let policy = Policy::default();
        let everything =
            vec!["Sec-CH-Width", "Width", "Sec-CH-Viewport-Width", "Viewport-Width", "Sec-CH-UA-Mobile"];
        assert_eq!(auto(&[("Sec-CH-UA-Mobile", "?1")], &policy), (MOBILE_WIDTH, everything.clone()));
        assert_eq!(auto(&[("Sec-CH-UA-Mobile", "?0")], &policy), (DESKTOP_WIDTH, everything.clone()));
        let with_agent = [everything.as_slice(), &["User-Agent"]].concat();
        assert_eq!(
            auto(&[], &policy),
            (DESKTOP_WIDTH, with_agent),
            "no hints at all: desktop, by User-Agent"
        );
        assert_eq!(auto(&[("User-Agent", "iPhone")], &policy).0, DESKTOP_WIDTH, "no Mobi token");
        assert_eq!(
            auto(&[("Sec-CH-Width", "0"), ("Sec-CH-UA-Mobile", "?1")], &policy).0,
            768,
            "0 is no hint"
        );
        assert_eq!(auto(&[("Viewport-Width", "-5")], &policy).0, DESKTOP_WIDTH, "nor is a negative");
        // The fallbacks are rounded like any width.
        assert_eq!(auto(&[("Sec-CH-UA-Mobile", "?1")], &allowing(&[500, 1000])).0, 1000);
    }

    /// The width `options` (with `width=auto`) come to, and the headers read for it.
    fn auto_with(options_text: &str, pairs: &[(&str, &str)], policy: &Policy) -> (u32, Vec<&'static str>) {
        let resolved = resolve(&options(options_text), &hints(pairs), policy);
        (resolved.options.width.expect("a width"), resolved.read)
    }

    #[test]
    fn a_browser_without_the_mobile_hint_is_told_by_mobi_in_its_user_agent() {
        let policy = Policy::default();
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        let firefox_android = "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0";
        let ipad = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)";
        let everything = vec![
            "Sec-CH-Width",
            "Width",
            "Sec-CH-Viewport-Width",
            "Viewport-Width",
            "Sec-CH-UA-Mobile",
            "User-Agent",
        ];
        assert_eq!(auto(&[("User-Agent", iphone)], &policy), (MOBILE_WIDTH, everything.clone()));
        assert_eq!(auto(&[("User-Agent", firefox_android)], &policy).0, MOBILE_WIDTH);
        assert_eq!(auto(&[("User-Agent", ipad)], &policy).0, DESKTOP_WIDTH, "a tablet has no Mobi");
        // The hint, when sent, is the answer, and User-Agent is then not read (nor varied on).
        let hinted = [("Sec-CH-UA-Mobile", "?0"), ("User-Agent", iphone)];
        assert_eq!(auto(&hinted, &policy), (DESKTOP_WIDTH, everything[..5].to_vec()));
        // A width hint comes first: neither is read.
        assert_eq!(
            auto(&[("Sec-CH-Width", "300"), ("User-Agent", iphone)], &policy),
            (320, vec!["Sec-CH-Width"])
        );
        assert!(!accept_ch().contains("User-Agent"), "User-Agent is no client hint");
        assert_eq!(page_accept_ch(), "Sec-CH-Width, Sec-CH-Viewport-Width, Sec-CH-DPR, ECT, RTT, Downlink");
        assert!(
            PAGE_HINTS.iter().all(|hint| HINT_HEADERS.contains(hint)),
            "a page asks only for what we read"
        );
    }

    #[test]
    fn wbreakpoints_replace_the_breakpoints_and_the_allowed_widths() {
        let policy = Policy::default();
        let given = "w=auto,wbreakpoints=300;600";
        assert_eq!(auto_with(given, &[("Sec-CH-Width", "500")], &policy), (600, vec!["Sec-CH-Width"]));
        assert_eq!(auto_with(given, &[("Sec-CH-Width", "100")], &policy).0, 300);
        assert_eq!(auto_with(given, &[("Sec-CH-Width", "900")], &policy).0, 600, "the largest");
        assert_eq!(auto_with(given, &[("Viewport-Width", "350"), ("DPR", "1")], &policy).0, 600);
        // In place of ALLOWED_WIDTHS too (the gate holds an unsigned URL's to them).
        assert_eq!(auto_with(given, &[("Sec-CH-Width", "500")], &allowing(&[300, 600, 1000, 2000])).0, 600);
        // Within MAX_OUTPUT_DIMENSION.
        let small = Policy { max_output_dimension: 400, ..Policy::default() };
        assert_eq!(auto_with(given, &[("Sec-CH-Width", "500")], &small).0, 300);
        // They are for hinted widths: the fallbacks are not rounded to them.
        assert_eq!(auto_with(given, &[("Sec-CH-UA-Mobile", "?1")], &policy).0, MOBILE_WIDTH);
        assert_eq!(auto_with(given, &[], &policy).0, DESKTOP_WIDTH);
    }

    #[test]
    fn wmobile_and_wdesktop_are_the_widths_without_a_width_hint_as_given() {
        let policy = Policy::default();
        let given = "w=auto,wmobile=500,wdesktop=1500";
        assert_eq!(auto_with(given, &[("Sec-CH-UA-Mobile", "?1")], &policy).0, 500, "not rounded to 768");
        assert_eq!(auto_with(given, &[("Sec-CH-UA-Mobile", "?0")], &policy).0, 1500, "nor to 1200");
        assert_eq!(auto_with(given, &[("User-Agent", "Android; Mobile")], &policy).0, 500);
        assert_eq!(auto_with(given, &[("Sec-CH-Width", "500")], &policy).0, 768, "a hint comes first");
        let small = Policy { max_output_dimension: 1000, ..Policy::default() };
        assert_eq!(auto_with(given, &[], &small).0, 1000, "at most MAX_OUTPUT_DIMENSION");
        // Only one of them given: the other keeps Cloudflare's default.
        assert_eq!(auto_with("w=auto,wmobile=500", &[], &policy).0, DESKTOP_WIDTH);
        assert_eq!(auto_with("w=auto,wdesktop=900", &[("Sec-CH-UA-Mobile", "?1")], &policy).0, MOBILE_WIDTH);
    }

    #[test]
    fn allowed_widths_replace_the_breakpoints_and_the_output_limit_binds() {
        let allowed = allowing(&[1000, 250, 600]);
        assert_eq!(auto(&[("Sec-CH-Width", "100")], &allowed).0, 250, "in any order");
        assert_eq!(auto(&[("Sec-CH-Width", "600")], &allowed).0, 600);
        assert_eq!(auto(&[("Sec-CH-Width", "601")], &allowed).0, 1000);
        assert_eq!(auto(&[("Sec-CH-Width", "5000")], &allowed).0, 1000);
        let small = Policy { max_output_dimension: 900, ..Policy::default() };
        assert_eq!(auto(&[("Sec-CH-Width", "1100")], &small).0, 768, "the largest breakpoint within it");
        let tiny = Policy { max_output_dimension: 200, ..Policy::default() };
        assert_eq!(auto(&[("Sec-CH-Width", "1100")], &tiny).0, 200, "no breakpoint within it: the limit");
    }

    /// The quality `q=80,scq=30` comes to, and the hints read for it.
    fn quality(pairs: &[(&str, &str)]) -> (Option<u8>, Vec<&'static str>) {
        let resolved = resolve(&options("q=80,scq=30"), &hints(pairs), &Policy::default());
        assert_eq!(resolved.options.slow_connection_quality, None, "applied or not, it is done");
        (resolved.options.quality, resolved.read)
    }

    #[test]
    fn a_slow_connection_gets_the_slow_connection_quality() {
        assert_eq!(quality(&[("RTT", "200")]), (Some(30), vec!["RTT"]));
        assert_eq!(quality(&[("Save-Data", "on")]), (Some(30), vec!["RTT", "Save-Data"]));
        assert_eq!(quality(&[("Save-Data", "On")]).0, Some(30));
        for ect in ["slow-2g", "2g", "3g"] {
            assert_eq!(quality(&[("ECT", ect)]), (Some(30), vec!["RTT", "Save-Data", "ECT"]), "{ect}");
        }
        assert_eq!(quality(&[("Downlink", "4.9")]), (Some(30), vec!["RTT", "Save-Data", "ECT", "Downlink"]));
        assert_eq!(quality(&[("Downlink", "0")]).0, Some(30));
    }

    #[test]
    fn a_fast_or_silent_connection_keeps_the_quality() {
        let all = vec!["RTT", "Save-Data", "ECT", "Downlink"];
        assert_eq!(quality(&[]), (Some(80), all.clone()), "no hints: not slow, and all were read");
        assert_eq!(quality(&[("RTT", "150")]).0, Some(80), "150 ms is not over 150");
        assert_eq!(quality(&[("Save-Data", "off")]).0, Some(80));
        assert_eq!(quality(&[("ECT", "4g")]).0, Some(80));
        assert_eq!(quality(&[("Downlink", "5")]).0, Some(80), "5 Mbps is not under 5");
        assert_eq!(quality(&[("Downlink", "-1")]).0, Some(80), "nonsense is no hint");
        assert_eq!(quality(&[("RTT", "fast")]).0, Some(80));
        let fast = [("RTT", "50"), ("ECT", "4g"), ("Downlink", "10"), ("Save-Data", "off")];
        assert_eq!(quality(&fast), (Some(80), all));
        // Without `quality`, a fast client's options are those without `scq`: one cache entry.
        let plain = resolve(&options("scq=30"), &hints(&fast), &Policy::default());
        assert_eq!(plain.options, TransformOptions::default());
    }

    #[test]
    fn options_without_auto_width_or_scq_read_no_hints() {
        let given = options("width=300,q=70");
        let resolved =
            resolve(&given, &hints(&[("Sec-CH-Width", "500"), ("RTT", "900")]), &Policy::default());
        assert_eq!(resolved, Resolved { options: given, read: vec![] });
    }

    #[test]
    fn every_resolution_is_every_settlement_the_hints_can_reach() {
        let policy = Policy::default();
        let all = every_resolution(&options("w=auto,q=80,scq=30"), &policy);
        let spelled: Vec<String> = all.iter().map(TransformOptions::canonical).collect();
        assert_eq!(spelled.len(), 8, "{spelled:?}");
        for width in BREAKPOINTS {
            for quality in [80, 30] {
                assert!(spelled.contains(&format!("width={width},quality={quality}")), "{spelled:?}");
            }
        }
        let reached = [("Sec-CH-Width", "900"), ("RTT", "500")];
        assert!(all.contains(&resolve(&options("w=auto,q=80,scq=30"), &hints(&reached), &policy).options));
        let fixed = options("width=300,fit=cover");
        assert_eq!(every_resolution(&fixed, &policy), vec![fixed], "nothing to settle: the options");
        let allowed = every_resolution(&options("w=auto"), &allowing(&[640, 200, 640]));
        assert_eq!(allowed.iter().map(|o| o.width).collect::<Vec<_>>(), vec![Some(200), Some(640)]);
        let custom = every_resolution(&options("w=auto,wbreakpoints=300;600,wmobile=500"), &policy);
        let widths: Vec<Option<u32>> = custom.iter().map(|o| o.width).collect();
        assert_eq!(widths, vec![Some(300), Some(500), Some(600), Some(DESKTOP_WIDTH)]);
        let same = every_resolution(&options("q=30,scq=30"), &policy);
        assert_eq!(same.len(), 1, "a slow quality equal to the quality is one answer");
    }

    #[test]
    fn both_at_once_read_in_header_order_and_accept_ch_names_every_hint() {
        let resolved = resolve(
            &options("w=auto,scq=40"),
            &hints(&[("Sec-CH-Width", "700"), ("ECT", "2g")]),
            &Policy::default(),
        );
        assert_eq!((resolved.options.width, resolved.options.quality), (Some(768), Some(40)));
        assert_eq!(resolved.options.canonical(), "width=768,quality=40");
        assert_eq!(resolved.read, vec!["Sec-CH-Width", "RTT", "Save-Data", "ECT"]);
        assert_eq!(
            accept_ch(),
            "Sec-CH-Width, Width, Sec-CH-Viewport-Width, Viewport-Width, Sec-CH-DPR, DPR, \
             Sec-CH-UA-Mobile, RTT, Save-Data, ECT, Downlink"
        );
    }
}
