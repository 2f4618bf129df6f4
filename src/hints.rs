//! Client hints: what the browser's request headers say about its screen and its connection,
//! and the options they settle, as Cloudflare documents them.
//!
//! - `width=auto`: the width the image will take, in device pixels (`Sec-CH-Width`, or its
//!   older name `Width`), else the window's width in CSS pixels times the device pixel ratio
//!   (`Sec-CH-Viewport-Width` / `Viewport-Width` × `Sec-CH-DPR` / `DPR`), rounded up to one of
//!   a few widths so that answers are shared: `ALLOWED_WIDTHS` when set, else Cloudflare's
//!   breakpoints. Without a width hint Cloudflare guesses from `User-Agent`; we never do (one
//!   `User-Agent` per browser build would split the cache many thousand ways), and take its
//!   mobile or desktop default by `Sec-CH-UA-Mobile`, the hint Chromium sends unasked.
//! - `slow-connection-quality`: in place of `quality` when `RTT`, `Save-Data`, `ECT` or
//!   `Downlink` say the connection is slow.
//!
//! The request URL's options are signed and admitted as they are; [`resolve`] gives the
//! options the answer is made and keyed by, and the hints it read, which the answer names in
//! `Vary`.

use crate::options::{TransformOptions, DPR_RANGE, MAX_DIMENSION};
use crate::security::Policy;

/// Every hint the proxy reads, as the answer names them (`Accept-CH`, `Vary`).
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

/// The hint headers of one request, as sent (at most one value each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    found: Vec<(&'static str, String)>,
}

impl Hints {
    /// No hints at all.
    pub const NONE: Hints = Hints { found: Vec::new() };

    /// Reads every header of [`HINT_HEADERS`] with `header`.
    pub fn read(header: impl Fn(&str) -> Option<String>) -> Hints {
        let found = HINT_HEADERS.iter().filter_map(|name| header(name).map(|value| (*name, value))).collect();
        Hints { found }
    }

    /// The value of `name` (one of [`HINT_HEADERS`], compared without case).
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
    /// The hint headers read, in [`HINT_HEADERS`]' order: the answer's `Vary`.
    pub read: Vec<&'static str>,
}

/// Settles `width=auto` and `slow-connection-quality` with `hints`, within `policy`'s
/// `ALLOWED_WIDTHS`, `MAX_OUTPUT_DIMENSION` and `MAX_DPR`. Options that need no hint are
/// returned as they are, with nothing read.
pub fn resolve(options: &TransformOptions, hints: &Hints, policy: &Policy) -> Resolved {
    let mut resolved = Resolved { options: *options, read: Vec::new() };
    if options.auto_width {
        let wanted = device_width(hints, policy, &mut resolved.read);
        resolved.options.width = Some(round_up(wanted, policy));
        resolved.options.auto_width = false;
    }
    if let Some(slow_quality) = options.slow_connection_quality {
        if slow_connection(hints, &mut resolved.read) {
            resolved.options.quality = Some(slow_quality);
        }
        // Applied or not, it has done its work: a fast client's answer is the one without it.
        resolved.options.slow_connection_quality = None;
    }
    resolved.read.sort_by_key(|name| HINT_HEADERS.iter().position(|n| n == name));
    resolved
}

/// The width the client wants, in device pixels, before rounding.
fn device_width(hints: &Hints, policy: &Policy, read: &mut Vec<&'static str>) -> u32 {
    if let Some(width) = first(hints, [SEC_CH_WIDTH, WIDTH], read).and_then(pixels) {
        return width;
    }
    if let Some(viewport) = first(hints, [SEC_CH_VIEWPORT_WIDTH, VIEWPORT_WIDTH], read).and_then(pixels) {
        let max_dpr = f64::from(policy.max_dpr_thousandths) / 1000.0;
        let dpr = first(hints, [SEC_CH_DPR, DPR], read)
            .and_then(number)
            .map_or(1.0, |dpr| dpr.clamp(DPR_RANGE.0, max_dpr.max(DPR_RANGE.0)));
        // At most MAX_DIMENSION × 4, far inside u32.
        return (f64::from(viewport) * dpr).ceil() as u32;
    }
    match first(hints, [SEC_CH_UA_MOBILE], read) {
        Some("?1") => MOBILE_WIDTH,
        _ => DESKTOP_WIDTH,
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

/// `wanted` rounded up to the nearest of [`auto_widths`], or the largest for anything wider.
fn round_up(wanted: u32, policy: &Policy) -> u32 {
    let widths = auto_widths(policy);
    let largest = widths.last().copied().unwrap_or(policy.max_output_dimension);
    widths.into_iter().find(|width| *width >= wanted).unwrap_or(largest)
}

/// Every width `width=auto` can come to, smallest first: `ALLOWED_WIDTHS`, else
/// [`BREAKPOINTS`], those within `MAX_OUTPUT_DIMENSION`; that limit itself when none is.
fn auto_widths(policy: &Policy) -> Vec<u32> {
    let max = policy.max_output_dimension;
    let mut widths: Vec<u32> = match &policy.allowed_widths {
        Some(allowed) => allowed.clone(),
        None => BREAKPOINTS.to_vec(),
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
        true => auto_widths(policy).into_iter().map(Some).collect(),
        false => vec![options.width],
    };
    let qualities = match options.slow_connection_quality {
        Some(slow) if options.quality != Some(slow) => vec![options.quality, Some(slow)],
        _ => vec![options.quality],
    };
    let settled = |width: Option<u32>, quality: Option<u8>| TransformOptions {
        width,
        auto_width: false,
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
        assert!(!resolved.options.auto_width);
        (resolved.options.width.expect("a width"), resolved.read)
    }

    #[test]
    fn width_auto_is_parsed_in_both_spellings_and_kept_in_the_canonical_form() {
        for text in ["width=auto", "w=auto"] {
            let parsed = options(text);
            assert!(parsed.auto_width && parsed.width.is_none(), "{text}");
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
        assert_eq!(auto(&[], &policy), (DESKTOP_WIDTH, everything), "no hints at all: desktop");
        assert_eq!(auto(&[("User-Agent", "iPhone")], &policy).0, DESKTOP_WIDTH, "never from User-Agent");
        assert_eq!(
            auto(&[("Sec-CH-Width", "0"), ("Sec-CH-UA-Mobile", "?1")], &policy).0,
            768,
            "0 is no hint"
        );
        assert_eq!(auto(&[("Viewport-Width", "-5")], &policy).0, DESKTOP_WIDTH, "nor is a negative");
        // The fallbacks are rounded like any width.
        assert_eq!(auto(&[("Sec-CH-UA-Mobile", "?1")], &allowing(&[500, 1000])).0, 1000);
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
