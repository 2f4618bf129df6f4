//! [`TransformOptions::from_pairs`]: `(name, value)` pairs from either URL form become
//! validated options, or a 400 naming the option and what it accepts.

use super::accepts::{
    BLUR_RANGE, DPR_RANGE, FACTOR_RANGE, MAX_DIMENSION, QUALITY_RANGE, QUALITY_WORDS, SHARPEN_RANGE,
};
use super::auto_width::{AutoWidth, Breakpoints, MAX_BREAKPOINTS};
use super::keys::{unsupported, OptionKey};
use super::trim::{BorderTrim, Length, Trim};
use super::values::{
    Compression, Factor, Fit, Flip, FormatChoice, Gravity, Metadata, OnError, Rgba, Rotation, ANIM_NAMES,
    UPSCALE_NAMES,
};
use super::TransformOptions;
use crate::error::ProxyError;

impl TransformOptions {
    /// Validates `(key, value)` pairs from either URL form: aliases folded, unknown and
    /// repeated keys refused, every value checked, `dpr` applied to the dimensions.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<TransformOptions, ProxyError> {
        let mut seen: Vec<OptionKey> = Vec::new();
        let mut width = None;
        let mut height = None;
        let mut dpr = 1.0;
        let mut options = TransformOptions::default();
        let mut trim = TrimParts::default();
        let (mut auto_width, mut auto) = (false, AutoWidth::default());
        for (name, value) in pairs {
            let key = OptionKey::from_name(name).ok_or_else(|| match unsupported(name) {
                Some(option) => bad(format!("{name} is {}", option.why)),
                None => bad(format!("unknown option {name:?}")),
            })?;
            // `draw` is repeatable and names a source: `crate::route` reads it into the
            // request's overlays, and nothing of it goes into these options.
            if key == OptionKey::Draw {
                continue;
            }
            if seen.contains(&key) {
                return Err(bad(format!("option {:?} is given twice", key.name())));
            }
            seen.push(key);
            match key {
                OptionKey::Width if value == "auto" => auto_width = true,
                OptionKey::Width => width = Some(whole(key, value, (1, MAX_DIMENSION))?),
                OptionKey::WBreakpoints => auto.breakpoints = Some(breakpoints(value)?),
                OptionKey::WMobile => auto.mobile = Some(whole(key, value, (1, MAX_DIMENSION))?),
                OptionKey::WDesktop => auto.desktop = Some(whole(key, value, (1, MAX_DIMENSION))?),
                OptionKey::Height => height = Some(whole(key, value, (1, MAX_DIMENSION))?),
                OptionKey::Fit => options.fit = named(key, value, &Fit::NAMES)?,
                OptionKey::Quality => options.quality = Some(quality(key, value)?),
                OptionKey::SlowConnectionQuality => {
                    options.slow_connection_quality = Some(quality(key, value)?)
                }
                OptionKey::Format => options.format = named(key, value, &FormatChoice::NAMES)?,
                OptionKey::Dpr => dpr = decimal(key, value, DPR_RANGE)?,
                OptionKey::Rotate => options.rotate = named(key, value, &Rotation::NAMES)?,
                OptionKey::Flip => options.flip = named(key, value, &Flip::NAMES)?,
                OptionKey::Gravity => options.gravity = gravity_value(value)?,
                OptionKey::Background => options.background = Some(colour(key, value)?),
                OptionKey::Blur => {
                    options.blur = Some(whole(key, value, BLUR_RANGE)?).filter(|radius| *radius > 0)
                }
                OptionKey::Sharpen => options.sharpen = sharpen(value)?,
                OptionKey::Brightness => options.brightness = factor(key, value, Zero::Ignored)?,
                OptionKey::Contrast => options.contrast = factor(key, value, Zero::Ignored)?,
                OptionKey::Gamma => options.gamma = factor(key, value, Zero::Ignored)?,
                OptionKey::Saturation => options.saturation = factor(key, value, Zero::Counts)?,
                OptionKey::Trim => trim.given = Some(trim_value(value)?),
                OptionKey::TrimTop => trim.top = Some(length(key, value)?),
                OptionKey::TrimLeft => trim.left = Some(length(key, value)?),
                OptionKey::TrimWidth => trim.width = Some(length(key, value)?),
                OptionKey::TrimHeight => trim.height = Some(length(key, value)?),
                OptionKey::TrimBorderColor => trim.color = Some(colour(key, value)?),
                OptionKey::TrimBorderTolerance => trim.tolerance = Some(whole(key, value, (0, u8::MAX))?),
                OptionKey::TrimBorderKeep => trim.keep = Some(whole(key, value, (0, MAX_DIMENSION))?),
                OptionKey::Metadata => options.metadata = named(key, value, &Metadata::NAMES)?,
                OptionKey::Anim => options.anim = named(key, value, &ANIM_NAMES)?,
                OptionKey::Compression => options.compression = named(key, value, &Compression::NAMES)?,
                OptionKey::OnError => options.onerror = named(key, value, &OnError::NAMES)?,
                // Checked, but nothing to keep: the one value carried out is how the proxy
                // enlarges anyway.
                OptionKey::Upscale => upscale(value)?,
                OptionKey::Draw => {}
            }
        }
        // Cloudflare's sub-parameters of `width=auto` do nothing without it: dropped, so that
        // they neither split the cache nor need signing.
        options.auto_width = auto_width.then_some(auto);
        options.trim = trim.into_trim()?;
        options.width = width.map(|w| apply_dpr(OptionKey::Width, w, dpr)).transpose()?;
        options.height = height.map(|h| apply_dpr(OptionKey::Height, h, dpr)).transpose()?;
        Ok(options)
    }
}

fn bad(why: String) -> ProxyError {
    ProxyError::BadOptions(why)
}

/// A whole number within `min..=max`, or a 400 naming the option and its range.
fn whole<T>(key: OptionKey, value: &str, (min, max): (T, T)) -> Result<T, ProxyError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    match value.parse::<T>() {
        Ok(n) if min <= n && n <= max => Ok(n),
        _ => Err(bad(format!("{} must be a whole number from {min} to {max}, not {value:?}", key.name()))),
    }
}

/// A decimal number within `min..=max`, or a 400 naming the option and its range.
fn decimal(key: OptionKey, value: &str, (min, max): (f64, f64)) -> Result<f64, ProxyError> {
    match value.parse::<f64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(bad(format!("{} must be a number from {min} to {max}, not {value:?}", key.name()))),
    }
}

/// One of the words in `names`, or a 400 listing them.
fn named<T: Copy>(key: OptionKey, value: &str, names: &[(&str, T)]) -> Result<T, ProxyError> {
    names.iter().find(|(name, _)| *name == value).map(|(_, v)| *v).ok_or_else(|| {
        let allowed: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
        bad(format!("{} must be one of {}, not {value:?}", key.name(), allowed.join(", ")))
    })
}

/// A quality: a whole number in [`QUALITY_RANGE`], or one of Cloudflare's perceptual levels,
/// which become the number they stand for.
fn quality(key: OptionKey, value: &str) -> Result<u8, ProxyError> {
    if let Some((_, number)) = QUALITY_WORDS.iter().find(|(word, _)| *word == value) {
        return Ok(*number);
    }
    whole(key, value, QUALITY_RANGE).map_err(|_| {
        let words: Vec<&str> = QUALITY_WORDS.iter().map(|(word, _)| *word).collect();
        let (min, max) = QUALITY_RANGE;
        bad(format!(
            "{} must be a whole number from {min} to {max} or one of {}, not {value:?}",
            key.name(),
            words.join(", ")
        ))
    })
}

/// `wbreakpoints`: widths separated by `;`, at most [`MAX_BREAKPOINTS`] of them.
fn breakpoints(value: &str) -> Result<Breakpoints, ProxyError> {
    let widths: Option<Vec<u32>> = value
        .split(';')
        .map(|width| width.parse().ok().filter(|width| (1..=MAX_DIMENSION).contains(width)))
        .collect();
    widths.as_deref().and_then(Breakpoints::new).ok_or_else(|| {
        bad(format!(
            "wbreakpoints must be 1 to {MAX_BREAKPOINTS} widths from 1 to {MAX_DIMENSION}, separated \
             by ; (320;768;960;1200), not {value:?}"
        ))
    })
}

/// Sharpening in tenths; 0 means none, so it is dropped and shares the unsharpened cache entry.
fn sharpen(value: &str) -> Result<Option<u8>, ProxyError> {
    let strength = decimal(OptionKey::Sharpen, value, SHARPEN_RANGE)?;
    // In 0..=100 after the range check.
    Ok(Some((strength * 10.0).round() as u8).filter(|tenths| *tenths > 0))
}

/// What a factor of 0 means.
enum Zero {
    /// Nothing: Cloudflare ignores `brightness=0`, `contrast=0` and `gamma=0`.
    Ignored,
    /// What it says: `saturation=0` is greyscale.
    Counts,
}

/// A colour adjustment's factor in hundredths, rounded, and at least 0.01 unless it is 0;
/// `None` when it changes nothing, so that it shares the unadjusted cache entry.
fn factor(key: OptionKey, value: &str, zero: Zero) -> Result<Option<Factor>, ProxyError> {
    let number = decimal(key, value, FACTOR_RANGE)?;
    if number == 0.0 {
        return Ok(match zero {
            Zero::Ignored => None,
            Zero::Counts => Some(Factor(0)),
        });
    }
    // In 1..=1000 after the range check.
    let hundredths = (number * 100.0).round().max(1.0) as u16;
    Ok(Some(Factor(hundredths)).filter(|factor| factor.0 != 100))
}

fn apply_dpr(key: OptionKey, pixels: u32, dpr: f64) -> Result<u32, ProxyError> {
    let scaled = (f64::from(pixels) * dpr).round();
    if scaled > f64::from(MAX_DIMENSION) {
        return Err(bad(format!(
            "{} × dpr is {scaled}, more than the maximum of {MAX_DIMENSION}",
            key.name()
        )));
    }
    // In 1..=MAX_DIMENSION: a u32 in range times a dpr of at least 1, checked just above.
    Ok(scaled as u32)
}

/// `upscale=interpolate`; Cloudflare's `generate` is refused with the reason.
fn upscale(value: &str) -> Result<(), ProxyError> {
    if value == "generate" {
        return Err(bad("upscale=generate is not supported: it is AI upscaling (ESRGAN on Workers \
             AI), which the proxy does not run; upscale=interpolate, the default, enlarges with \
             Lanczos3"
            .into()));
    }
    named(OptionKey::Upscale, value, &UPSCALE_NAMES)
}

/// A side's name, `auto`, or a focal point `XxY` with X and Y from 0 to 1. Cloudflare's
/// `face` is refused with the reason.
pub(super) fn gravity_value(value: &str) -> Result<Gravity, ProxyError> {
    if value == "auto" {
        return Ok(Gravity::Auto);
    }
    if value == "face" {
        return Err(bad("gravity=face is not supported: it needs a face detection model, which the \
             proxy does not run; gravity=auto aims at the busiest part of the image instead"
            .into()));
    }
    if let Some((_, side)) = Gravity::SIDES.iter().find(|(name, _)| *name == value) {
        return Ok(*side);
    }
    let fraction = |text: &str| match text.parse::<f64>() {
        // In 0..=1000 after the range check, so the cast is exact up to rounding.
        Ok(f) if (0.0..=1.0).contains(&f) => Some((f * 1000.0).round() as u16),
        _ => None,
    };
    match value.split_once('x').map(|(x, y)| (fraction(x), fraction(y))) {
        Some((Some(x), Some(y))) => Ok(Gravity::Point { x, y }),
        _ => Err(bad(format!(
            "gravity must be center, left, right, top, bottom, auto or XxY with X and Y from 0 \
             to 1 (0.5x0.2), not {value:?}"
        ))),
    }
}

/// Any CSS colour.
fn colour(key: OptionKey, value: &str) -> Result<Rgba, ProxyError> {
    colour_value(key.name(), value)
}

/// Any CSS colour, for the option or field `name`.
pub(super) fn colour_value(name: &str, value: &str) -> Result<Rgba, ProxyError> {
    csscolorparser::parse(value.trim())
        .map(|colour| Rgba(colour.to_rgba8()))
        .map_err(|_| bad(format!("{name} must be a CSS colour (red, #f80, rgb(255 136 0)), not {value:?}")))
}

/// What `trim` says: four lengths, or `border`.
enum TrimValue {
    /// `top;right;bottom;left`.
    Sides([Length; 4]),
    /// `border`.
    Border,
}

/// `trim`'s value.
fn trim_value(value: &str) -> Result<TrimValue, ProxyError> {
    if value == "border" {
        return Ok(TrimValue::Border);
    }
    let sides: Vec<Option<Length>> = value.split(';').map(|side| length_of(side).ok()).collect();
    match sides.as_slice() {
        [Some(top), Some(right), Some(bottom), Some(left)] => {
            Ok(TrimValue::Sides([*top, *right, *bottom, *left]))
        }
        _ => Err(bad(format!(
            "trim must be border, or top;right;bottom;left, each whole pixels or a fraction below 1 \
             (10;0;10;0, 0;0.25;0;0.25), not {value:?}"
        ))),
    }
}

/// One of the `trim.*` lengths.
fn length(key: OptionKey, value: &str) -> Result<Length, ProxyError> {
    length_of(value).map_err(|()| {
        bad(format!("{} must be whole pixels or a fraction below 1 (10, 0.25), not {value:?}", key.name()))
    })
}

/// Whole pixels (`10`), or a decimal below 1 for a fraction of the image (`0.25`), kept to
/// ten-thousandths; a fraction of 0 is no pixels.
fn length_of(value: &str) -> Result<Length, ()> {
    if !value.contains('.') {
        return value.parse().map(Length::Pixels).map_err(|_| ());
    }
    match value.parse::<f64>() {
        Ok(0.0) => Ok(Length::ZERO),
        // In 1..=9999 after the range check and the clamp.
        Ok(f) if (0.0..1.0).contains(&f) => {
            Ok(Length::Fraction((f * 10_000.0).round().clamp(1.0, 9_999.0) as u16))
        }
        _ => Err(()),
    }
}

/// The `trim` options as given, put together once they have all been read.
#[derive(Default)]
struct TrimParts {
    given: Option<TrimValue>,
    top: Option<Length>,
    left: Option<Length>,
    width: Option<Length>,
    height: Option<Length>,
    color: Option<Rgba>,
    tolerance: Option<u8>,
    keep: Option<u32>,
}

impl TrimParts {
    /// One trim, or a 400 when two ways of trimming are mixed. A trim of nothing is `None`,
    /// and shares the untrimmed cache entry.
    fn into_trim(self) -> Result<Option<Trim>, ProxyError> {
        let window =
            self.top.is_some() || self.left.is_some() || self.width.is_some() || self.height.is_some();
        let border_options = self.color.is_some() || self.tolerance.is_some() || self.keep.is_some();
        let border = BorderTrim {
            color: self.color,
            tolerance: self.tolerance.unwrap_or(BorderTrim::DEFAULT_TOLERANCE),
            keep: self.keep.unwrap_or(0),
        };
        let (top, left) = (self.top.unwrap_or(Length::ZERO), self.left.unwrap_or(Length::ZERO));
        let trim = match (self.given, window, border_options) {
            (None, false, false) => return Ok(None),
            (Some(TrimValue::Border) | None, false, _) => Trim::Border(border),
            (Some(TrimValue::Sides([top, right, bottom, left])), false, false) => {
                Trim::Sides { top, right, bottom, left }
            }
            (None, true, false) if self.width.is_none() && self.height.is_none() => {
                Trim::Sides { top, right: Length::ZERO, bottom: Length::ZERO, left }
            }
            (None, true, false) => Trim::Window { top, left, width: self.width, height: self.height },
            _ => {
                return Err(bad("trim=top;right;bottom;left, the trim.top, trim.left, trim.width and \
                     trim.height window, and trim=border with its trim.border options are three ways \
                     to trim that cannot be combined: give one"
                    .into()))
            }
        };
        let nothing =
            Trim::Sides { top: Length::ZERO, right: Length::ZERO, bottom: Length::ZERO, left: Length::ZERO };
        Ok(Some(trim).filter(|trim| *trim != nothing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<TransformOptions, ProxyError> {
        TransformOptions::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn aliases_mean_the_same_option() {
        let long = parse(&[("width", "200"), ("height", "100"), ("quality", "70"), ("format", "webp")]);
        let short = parse(&[("f", "webp"), ("q", "70"), ("h", "100"), ("w", "200")]);
        assert_eq!(long, short);
    }

    #[test]
    fn dpr_multiplies_the_dimensions() {
        let options = parse(&[("w", "200"), ("h", "150"), ("dpr", "2")]).expect("valid");
        assert_eq!((options.width, options.height), (Some(400), Some(300)));
        assert_eq!(options, parse(&[("w", "400"), ("h", "300")]).expect("valid"));
        let rounded = parse(&[("w", "101"), ("dpr", "1.5")]).expect("valid");
        assert_eq!(rounded.width, Some(152));
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        for (pairs, needle) in [
            (vec![("w", "0")], "width must be"),
            (vec![("w", "abc")], "width must be"),
            (vec![("w", "12001")], "width must be"),
            (vec![("h", "-5")], "height must be"),
            (vec![("q", "101")], "quality must be a whole number from 1 to 100 or one of high, medium-high"),
            (vec![("quality", "highest")], "quality must be"),
            (vec![("scq", "0")], "slow-connection-quality must be"),
            (vec![("fit", "stretch")], "fit must be one of"),
            (vec![("format", "bmp")], "format must be one of"),
            (vec![("dpr", "5")], "dpr must be"),
            (vec![("rotate", "45")], "rotate must be one of 0, 90, 180, 270"),
            (vec![("flip", "x")], "flip must be one of h, v, hv"),
            (vec![("dpr", "NaN")], "dpr must be"),
            (vec![("w", "8000"), ("dpr", "2")], "more than the maximum"),
            (vec![("colour", "red")], "unknown option"),
            (vec![("segment", "foreground")], "segment is not supported: `foreground` makes the background"),
            (vec![("face-zoom", "0.5")], "face-zoom is not supported"),
            (vec![("border", "color=red;width=4")], "border is not supported"),
            (vec![("gravity", "face")], "gravity=face is not supported: it needs a face detection model"),
            (vec![("upscale", "generate")], "upscale=generate is not supported"),
            (vec![("upscale", "bicubic")], "upscale must be one of interpolate"),
            (vec![("blur", "-1")], "blur must be"),
            (vec![("w", "1"), ("width", "2")], "given twice"),
            (vec![("gravity", "middle")], "gravity must be"),
            (vec![("g", "1.5x0.5")], "gravity must be"),
            (vec![("g", "0.5")], "gravity must be"),
            (vec![("background", "notacolour")], "background must be a CSS colour"),
            (vec![("trim.border.color", "notacolour")], "trim.border.color must be a CSS colour"),
            (vec![("trim", "1;2;3;1.5")], "trim must be border, or top;right;bottom;left"),
            (vec![("trim", "0;-1;0;0")], "trim must be"),
            (vec![("trim.top", "1.0")], "trim.top must be whole pixels or a fraction below 1"),
            (vec![("trim.width", "0.5x")], "trim.width must be"),
            (
                vec![("trim.border.tolerance", "256")],
                "trim.border.tolerance must be a whole number from 0 to 255",
            ),
            (vec![("trim", "1;2;3;4"), ("trim.top", "5")], "cannot be combined"),
            (vec![("trim", "border"), ("trim.left", "5")], "cannot be combined"),
            (vec![("trim", "1;2;3;4"), ("trim.border.keep", "5")], "cannot be combined"),
            (vec![("blur", "251")], "blur must be"),
            (vec![("sharpen", "10.5")], "sharpen must be"),
            (vec![("brightness", "-1")], "brightness must be a number from 0 to 10"),
            (vec![("saturation", "11")], "saturation must be"),
            (vec![("gamma", "bright")], "gamma must be"),
            (vec![("trim", "1;2;3")], "trim must be border, or top;right;bottom;left"),
            (vec![("wbreakpoints", "")], "wbreakpoints must be 1 to 10 widths from 1 to 12000"),
            (vec![("wbreakpoints", "300;;600")], "wbreakpoints must be"),
            (vec![("wbreakpoints", "0;600")], "wbreakpoints must be"),
            (vec![("wbreakpoints", "300;12001")], "wbreakpoints must be"),
            (vec![("wbreakpoints", "1;2;3;4;5;6;7;8;9;10;11")], "wbreakpoints must be"),
            (vec![("wbreakpoints", "300,600")], "wbreakpoints must be"),
            (vec![("wmobile", "0")], "wmobile must be a whole number from 1 to 12000"),
            (vec![("wdesktop", "wide")], "wdesktop must be a whole number from 1 to 12000"),
            (vec![("w", "auto"), ("wmobile", "400"), ("wmobile", "500")], "given twice"),
        ] {
            match parse(&pairs) {
                Err(ProxyError::BadOptions(why)) => assert!(why.contains(needle), "{pairs:?}: {why}"),
                other => panic!("{pairs:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn width_auto_takes_cloudflares_sub_parameters_which_do_nothing_without_it() {
        let auto =
            parse(&[("wmobile", "500"), ("w", "auto"), ("wbreakpoints", "600;300;600"), ("wdesktop", "900")])
                .expect("valid")
                .auto_width
                .expect("width=auto");
        assert_eq!(auto.breakpoints.map(|b| b.widths().to_vec()), Some(vec![300, 600]));
        assert_eq!((auto.mobile, auto.desktop), (Some(500), Some(900)));
        assert_eq!(parse(&[("width", "auto")]).expect("valid").auto_width, Some(AutoWidth::default()));
        let alone =
            parse(&[("wbreakpoints", "300;600"), ("wmobile", "500"), ("wdesktop", "900"), ("w", "200")]);
        assert_eq!(alone.expect("valid"), parse(&[("w", "200")]).expect("valid"), "nothing without auto");
        assert_eq!(
            parse(&[("dpr", "2"), ("w", "auto"), ("wmobile", "500")])
                .expect("valid")
                .auto_width
                .and_then(|a| a.mobile),
            Some(500),
            "dpr multiplies none of them"
        );
    }

    #[test]
    fn gravity_and_background_take_every_spelling() {
        let a = parse(&[("g", "left"), ("background", "red")]).expect("valid");
        let b = parse(&[("gravity", "0x0.5"), ("background", "#f00")]).expect("valid");
        assert_eq!(a, b);
        assert_eq!(parse(&[("g", "0.25x0.8")]).expect("valid").gravity, Gravity::Point { x: 250, y: 800 });
        assert_eq!(parse(&[("g", "auto")]).expect("valid").gravity, Gravity::Auto);
        let translucent = parse(&[("background", "rgba(0,0,0,0.5)")]).expect("valid");
        assert_eq!(translucent.background, Some(Rgba([0, 0, 0, 128])));
    }

    #[test]
    fn trims_take_pixels_fractions_windows_and_borders() {
        let trim = |pairs: &[(&str, &str)]| parse(pairs).expect("valid").trim;
        let sides = |top, right, bottom, left| Some(Trim::Sides { top, right, bottom, left });
        let (px, part) = (Length::Pixels, Length::Fraction);
        assert_eq!(trim(&[("trim", "10;0;0.25;0.5")]), sides(px(10), px(0), part(2500), part(5000)));
        assert_eq!(trim(&[("trim", "0;0.0;0;0")]), None, "a trim of nothing");
        assert_eq!(trim(&[("trim.top", "5")]), sides(px(5), px(0), px(0), px(0)), "a side alone");
        assert_eq!(trim(&[("trim.left", "0.1"), ("trim.top", "0")]), sides(px(0), px(0), px(0), part(1000)));
        assert_eq!(
            trim(&[("trim.left", "30"), ("trim.top", "40"), ("trim.width", "678")]),
            Some(Trim::Window { top: px(40), left: px(30), width: Some(px(678)), height: None })
        );
        assert_eq!(trim(&[("trim", "border")]), Some(Trim::Border(BorderTrim::default())));
        let custom = [("trim.border.color", "#000000".to_string()), ("trim.border.keep", "10".into())];
        let custom: Vec<(&str, &str)> = custom.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let border = BorderTrim {
            color: Some(Rgba([0, 0, 0, 255])),
            tolerance: BorderTrim::DEFAULT_TOLERANCE,
            keep: 10,
        };
        assert_eq!(trim(&custom), Some(Trim::Border(border)), "trim.border.* alone means trim=border");
        let tolerant = trim(&[("trim", "border"), ("trim.border.tolerance", "5")]);
        assert_eq!(tolerant, Some(Trim::Border(BorderTrim { tolerance: 5, ..BorderTrim::default() })));
    }

    #[test]
    fn zero_sharpening_and_trimming_are_none() {
        let options = parse(&[("sharpen", "0"), ("trim", "0;0;0;0")]).expect("valid");
        assert_eq!((options.sharpen, options.trim), (None, None));
        assert_eq!(parse(&[("sharpen", "1.5")]).expect("valid").sharpen, Some(15));
    }

    #[test]
    fn quality_words_are_the_numbers_they_stand_for() {
        for (word, number) in QUALITY_WORDS {
            assert_eq!(
                parse(&[("quality", word)]).expect("valid"),
                parse(&[("q", &number.to_string())]).expect("valid")
            );
            assert_eq!(parse(&[("scq", word)]).expect("valid").slow_connection_quality, Some(number));
        }
        let both = parse(&[("slow-connection-quality", "40"), ("quality", "high")]).expect("valid");
        assert_eq!((both.quality, both.slow_connection_quality), (Some(90), Some(40)));
        assert_eq!(both.effective_quality(), 90, "not applied yet");
    }

    #[test]
    fn colour_factors_are_hundredths_and_unchanged_ones_are_none() {
        let options =
            parse(&[("brightness", "1.5"), ("contrast", "0.254"), ("gamma", "1"), ("saturation", "0")])
                .expect("valid");
        assert_eq!(options.brightness, Some(Factor(150)));
        assert_eq!(options.contrast, Some(Factor(25)), "rounded to hundredths");
        assert_eq!(options.gamma, None, "1 changes nothing");
        assert_eq!(options.saturation, Some(Factor(0)), "0 is greyscale");
        let ignored = parse(&[("brightness", "0"), ("contrast", "0"), ("gamma", "0.0")]).expect("valid");
        assert!(!ignored.adjusts_colour(), "Cloudflare ignores 0 for these three");
        assert_eq!(parse(&[("brightness", "0.001")]).expect("valid").brightness, Some(Factor(1)));
        assert_eq!(parse(&[("saturation", "1.001")]).expect("valid").saturation, None);
    }

    #[test]
    fn every_named_value_parses() {
        for (name, fit) in Fit::NAMES {
            assert_eq!(parse(&[("fit", name)]).expect("valid").fit, fit);
            assert_eq!(fit.name(), name);
        }
        for (name, format) in FormatChoice::NAMES {
            assert_eq!(parse(&[("format", name)]).expect("valid").format, format);
        }
        for (name, rotate) in Rotation::NAMES {
            assert_eq!(parse(&[("rotate", name)]).expect("valid").rotate, rotate);
        }
        for (name, flip) in Flip::NAMES {
            assert_eq!(parse(&[("flip", name)]).expect("valid").flip, flip);
        }
    }
}
