//! Every parameter and documented value of Cloudflare's URL format is accepted with its meaning
//! or refused with the reason, and listed in `/reference.json` either way: never a bare
//! "unknown option". The list is Cloudflare's Images "Features" page
//! (developers.cloudflare.com/images/optimization/features/, last updated 2026-06-16), in its
//! order; a parameter it adds belongs here, then in `options::OPTION_KEYS` or
//! `options::UNSUPPORTED_OPTIONS`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use edge_image_proxy::error::ProxyError;
use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::reference::reference;

/// Each parameter the page documents for the URL format, with its aliases and the values
/// (or examples) it gives for it. `width=auto`'s sub-parameters are given with `width=auto`.
const PARAMETERS: &[(&[&str], &[&str])] = &[
    (&["anim"], &["true", "false"]),
    (&["background"], &["%23FFFFFF", "#ff0000", "red", "rgb(240,40,145)", "rgba(250,40,145,0.5)"]),
    (&["blur"], &["0", "50", "250"]),
    (&["border"], &[]),
    (&["brightness"], &["1", "0.5", "2"]),
    (&["compression"], &["fast"]),
    (&["contrast"], &["1", "0.5", "2"]),
    (&["dpr"], &["1", "2"]),
    (&["fit"], &["scale-down", "contain", "cover", "crop", "aspect-crop", "pad", "squeeze", "scale-up"]),
    (&["flip"], &["h", "v", "hv"]),
    (&["format", "f"], &["auto", "avif", "webp", "jpeg", "baseline-jpeg", "json"]),
    (&["gamma"], &["0", "1", "0.5", "2"]),
    (&["gravity", "g"], &["auto", "face", "left", "right", "top", "bottom", "0.5x1", "0.5x0.2"]),
    (&["height", "h"], &["250"]),
    (&["metadata"], &["copyright", "keep", "none"]),
    (&["onerror"], &["redirect"]),
    (&["quality", "q"], &["1", "50", "100", "high", "medium-high", "medium-low", "low"]),
    (&["rotate"], &["90", "180", "270", "0"]),
    (&["saturation"], &["0", "0.5", "1", "2"]),
    (&["segment"], &["foreground"]),
    (&["sharpen"], &["0", "1", "2", "10"]),
    (&["slow-connection-quality", "scq"], &["50", "low"]),
    (&["trim"], &["border", "0.1;0.2;0.1;0.2", "12;78;34;56"]),
    (&["trim.border.color"], &["red", "#ff0000", "rgb(0 0 0)"]),
    (&["trim.border.tolerance"], &["0", "255"]),
    (&["trim.border.keep"], &["10"]),
    (&["trim.top"], &["12", "0.25"]),
    (&["trim.left"], &["800", "0.25"]),
    (&["trim.height"], &["800"]),
    (&["trim.width"], &["678"]),
    (&["upscale"], &["interpolate", "generate"]),
    (&["width", "w"], &["250", "auto"]),
    (&["wbreakpoints"], &["320;768;960;1200", "320;768;960;1920", "320;768;960;1200;1920"]),
    (&["wmobile"], &["768"]),
    (&["wdesktop"], &["1200"]),
    (&["zoom", "face-zoom"], &["0.1", "0.5"]),
];

/// The pairs that ask for `name=value`, with `width=auto` for its sub-parameters.
fn pairs<'a>(name: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![(name, value)];
    if name.starts_with('w') && name != "width" && name != "w" {
        pairs.push(("width", "auto"));
    }
    pairs
}

#[test]
fn every_cloudflare_parameter_is_carried_out_or_refused_with_a_reason() {
    let published = reference().options;
    for (names, values) in PARAMETERS {
        let listed = published
            .iter()
            .find(|option| option.name == names[0])
            .unwrap_or_else(|| panic!("{} is not in /reference.json", names[0]));
        let aliases: Vec<&str> = names[1..].to_vec();
        assert_eq!(listed.aliases, aliases, "{}'s aliases", names[0]);
        let sample = ["1"];
        let values = if values.is_empty() { &sample[..] } else { values };
        for name in *names {
            for value in values {
                let value = value.replace("%23", "#");
                match TransformOptions::from_pairs(pairs(name, &value)) {
                    Ok(_) => assert!(listed.supported, "{name}={value} is carried out, so supported"),
                    Err(ProxyError::BadOptions(why)) => {
                        assert!(!why.contains("unknown option"), "{name}={value}: {why}");
                        assert!(
                            why.contains("not supported: "),
                            "{name}={value} is refused without a reason: {why}"
                        );
                    }
                    Err(other) => panic!("{name}={value}: {other:?}"),
                }
            }
        }
    }
}
