//! Image options: both URL forms become one validated [`TransformOptions`].
//!
//! `/cdn-cgi/image/width=200,fit=cover/<source>` and `/image?url=<source>&w=200&fit=cover`
//! give the same `(key, value)` pairs; [`TransformOptions::from_pairs`] folds aliases,
//! rejects unknown keys and out-of-range values, and applies `dpr` to the dimensions, so a
//! `TransformOptions` cannot hold a value the pipeline would have to check again.

mod keys;

use std::fmt::Write as _;

pub use keys::{OptionKey, OptionSpec, OPTION_KEYS};

use crate::error::ProxyError;

/// The largest output width or height, after `dpr` (Cloudflare's limit too).
pub const MAX_DIMENSION: u32 = 12_000;

/// Quality used when `quality` is not given.
pub const DEFAULT_QUALITY: u8 = 85;

/// The qualities an encoder accepts.
pub const QUALITY_RANGE: (u8, u8) = (1, 100);

/// The device pixel ratios accepted; 4 covers every shipping screen.
pub const DPR_RANGE: (f64, f64) = (1.0, 4.0);

/// The values an option accepts, as the parser checks them.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// A whole number in `min..=max`.
    Integer {
        /// Smallest accepted.
        min: u32,
        /// Largest accepted.
        max: u32,
    },
    /// A decimal number in `min..=max`.
    Number {
        /// Smallest accepted.
        min: f64,
        /// Largest accepted.
        max: f64,
    },
    /// One of these words.
    OneOf(Vec<&'static str>),
}

impl OptionKey {
    /// What this option accepts: taken from the same constants and name tables the parser
    /// uses, so the published reference cannot drift from it.
    pub fn values(self) -> Values {
        fn words<T>(names: &[(&'static str, T)]) -> Values {
            Values::OneOf(names.iter().map(|(name, _)| *name).collect())
        }
        match self {
            OptionKey::Width | OptionKey::Height => Values::Integer { min: 1, max: MAX_DIMENSION },
            OptionKey::Quality => {
                Values::Integer { min: QUALITY_RANGE.0.into(), max: QUALITY_RANGE.1.into() }
            }
            OptionKey::Dpr => Values::Number { min: DPR_RANGE.0, max: DPR_RANGE.1 },
            OptionKey::Fit => words(&Fit::NAMES),
            OptionKey::Format => words(&FormatChoice::NAMES),
            OptionKey::Rotate => words(&Rotation::NAMES),
            OptionKey::Flip => words(&Flip::NAMES),
        }
    }
}

/// How the image is fitted into `width` × `height` (Cloudflare's `fit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fit {
    /// Fit inside the box keeping the aspect ratio; never enlarge. The default.
    #[default]
    ScaleDown,
    /// Fit inside the box keeping the aspect ratio, enlarging if needed.
    Contain,
    /// Fill the box exactly, cropping what overflows (centre), enlarging if needed.
    Cover,
    /// Like `cover` for images larger than the box, like `scale-down` for smaller ones.
    Crop,
    /// Fit inside the box like `contain`, then pad to exactly the box with white.
    Pad,
}

impl Fit {
    const NAMES: [(&'static str, Fit); 5] = [
        ("scale-down", Fit::ScaleDown),
        ("contain", Fit::Contain),
        ("cover", Fit::Cover),
        ("crop", Fit::Crop),
        ("pad", Fit::Pad),
    ];

    /// The option value naming this fit.
    pub fn name(self) -> &'static str {
        Fit::NAMES.iter().find(|(_, fit)| *fit == self).map_or("scale-down", |(name, _)| name)
    }
}

/// The output format asked for (`format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FormatChoice {
    /// Not given: keep the source's format (GIF becomes PNG).
    #[default]
    Original,
    /// `auto`: the best format the client's `Accept` allows.
    Auto,
    /// `jpeg`
    Jpeg,
    /// `png`
    Png,
    /// `webp`
    Webp,
}

impl FormatChoice {
    const NAMES: [(&'static str, FormatChoice); 4] = [
        ("auto", FormatChoice::Auto),
        ("jpeg", FormatChoice::Jpeg),
        ("png", FormatChoice::Png),
        ("webp", FormatChoice::Webp),
    ];
}

/// A clockwise rotation (`rotate`), applied before `width`/`height`, which name the axes
/// of the rotated image (as Cloudflare's do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rotation {
    /// No rotation. The default.
    #[default]
    None,
    /// 90 degrees clockwise.
    Quarter,
    /// 180 degrees.
    Half,
    /// 270 degrees clockwise.
    ThreeQuarters,
}

impl Rotation {
    const NAMES: [(&'static str, Rotation); 3] =
        [("90", Rotation::Quarter), ("180", Rotation::Half), ("270", Rotation::ThreeQuarters)];

    /// Whether width and height trade places.
    pub fn swaps_axes(self) -> bool {
        matches!(self, Rotation::Quarter | Rotation::ThreeQuarters)
    }
}

/// Mirroring (`flip`), applied after the rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flip {
    /// No mirroring. The default.
    #[default]
    None,
    /// `h`: left and right swap.
    Horizontal,
    /// `v`: top and bottom swap.
    Vertical,
    /// `hv`: both.
    Both,
}

impl Flip {
    const NAMES: [(&'static str, Flip); 3] =
        [("h", Flip::Horizontal), ("v", Flip::Vertical), ("hv", Flip::Both)];
}

/// Validated transformation options. `width` and `height` already include `dpr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransformOptions {
    /// Target width in pixels, 1..=[`MAX_DIMENSION`]. Default: none (from height or source).
    pub width: Option<u32>,
    /// Target height in pixels, 1..=[`MAX_DIMENSION`]. Default: none.
    pub height: Option<u32>,
    /// Default: [`Fit::ScaleDown`].
    pub fit: Fit,
    /// Encoder quality 1..=100 for lossy formats. Default: none, which means
    /// [`DEFAULT_QUALITY`] and lets an unresized image be served as it is.
    pub quality: Option<u8>,
    /// Default: [`FormatChoice::Original`].
    pub format: FormatChoice,
    /// Default: [`Rotation::None`].
    pub rotate: Rotation,
    /// Default: [`Flip::None`].
    pub flip: Flip,
}

impl TransformOptions {
    /// Validates `(key, value)` pairs from either URL form.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<TransformOptions, ProxyError> {
        let mut seen: Vec<OptionKey> = Vec::new();
        let mut width = None;
        let mut height = None;
        let mut dpr = 1.0;
        let mut options = TransformOptions::default();
        for (name, value) in pairs {
            let key = OptionKey::from_name(name).ok_or_else(|| bad(format!("unknown option {name:?}")))?;
            if seen.contains(&key) {
                return Err(bad(format!("option {:?} is given twice", key.name())));
            }
            seen.push(key);
            match key {
                OptionKey::Width => width = Some(dimension(key, value)?),
                OptionKey::Height => height = Some(dimension(key, value)?),
                OptionKey::Fit => options.fit = named(key, value, &Fit::NAMES)?,
                OptionKey::Quality => options.quality = Some(quality(value)?),
                OptionKey::Format => options.format = named(key, value, &FormatChoice::NAMES)?,
                OptionKey::Dpr => dpr = parse_dpr(value)?,
                OptionKey::Rotate => options.rotate = named(key, value, &Rotation::NAMES)?,
                OptionKey::Flip => options.flip = named(key, value, &Flip::NAMES)?,
            }
        }
        options.width = width.map(|w| apply_dpr(OptionKey::Width, w, dpr)).transpose()?;
        options.height = height.map(|h| apply_dpr(OptionKey::Height, h, dpr)).transpose()?;
        Ok(options)
    }

    /// The options in one fixed spelling: canonical names, fixed order, defaults left out,
    /// `dpr` folded into the dimensions. Equal options give equal strings.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        let mut push = |key: OptionKey, value: &dyn std::fmt::Display| {
            if !out.is_empty() {
                out.push(',');
            }
            // Writing to a String cannot fail.
            let _ = write!(out, "{}={value}", key.name());
        };
        if let Some(width) = self.width {
            push(OptionKey::Width, &width);
        }
        if let Some(height) = self.height {
            push(OptionKey::Height, &height);
        }
        if self.fit != Fit::default() {
            push(OptionKey::Fit, &self.fit.name());
        }
        if let Some(quality) = self.quality {
            push(OptionKey::Quality, &quality);
        }
        if let Some((name, _)) = FormatChoice::NAMES.iter().find(|(_, f)| *f == self.format) {
            push(OptionKey::Format, name);
        }
        if let Some((name, _)) = Rotation::NAMES.iter().find(|(_, r)| *r == self.rotate) {
            push(OptionKey::Rotate, name);
        }
        if let Some((name, _)) = Flip::NAMES.iter().find(|(_, f)| *f == self.flip) {
            push(OptionKey::Flip, name);
        }
        out
    }

    /// The quality lossy encoders use.
    pub fn effective_quality(&self) -> u8 {
        self.quality.unwrap_or(DEFAULT_QUALITY)
    }
}

fn bad(why: String) -> ProxyError {
    ProxyError::BadOptions(why)
}

fn dimension(key: OptionKey, value: &str) -> Result<u32, ProxyError> {
    match value.parse::<u32>() {
        Ok(n) if (1..=MAX_DIMENSION).contains(&n) => Ok(n),
        _ => Err(bad(format!(
            "{} must be a whole number from 1 to {MAX_DIMENSION}, not {value:?}",
            key.name()
        ))),
    }
}

fn quality(value: &str) -> Result<u8, ProxyError> {
    let (min, max) = QUALITY_RANGE;
    match value.parse::<u8>() {
        Ok(q) if (min..=max).contains(&q) => Ok(q),
        _ => Err(bad(format!("quality must be a whole number from {min} to {max}, not {value:?}"))),
    }
}

fn parse_dpr(value: &str) -> Result<f64, ProxyError> {
    let (min, max) = DPR_RANGE;
    match value.parse::<f64>() {
        Ok(dpr) if (min..=max).contains(&dpr) => Ok(dpr),
        _ => Err(bad(format!("dpr must be a number from {min} to {max}, not {value:?}"))),
    }
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

fn named<T: Copy>(key: OptionKey, value: &str, names: &[(&str, T)]) -> Result<T, ProxyError> {
    names.iter().find(|(name, _)| *name == value).map(|(_, v)| *v).ok_or_else(|| {
        let allowed: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
        bad(format!("{} must be one of {}, not {value:?}", key.name(), allowed.join(", ")))
    })
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
        assert_eq!(long.expect("valid").canonical(), "width=200,height=100,quality=70,format=webp");
    }

    #[test]
    fn defaults_are_left_out_of_the_canonical_form() {
        let options = parse(&[("fit", "scale-down"), ("w", "10")]).expect("valid");
        assert_eq!(options.canonical(), "width=10");
        assert_eq!(TransformOptions::default().canonical(), "");
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
            (vec![("q", "101")], "quality must be"),
            (vec![("fit", "stretch")], "fit must be one of"),
            (vec![("format", "bmp")], "format must be one of"),
            (vec![("dpr", "5")], "dpr must be"),
            (vec![("rotate", "45")], "rotate must be one of 90, 180, 270"),
            (vec![("flip", "x")], "flip must be one of h, v, hv"),
            (vec![("dpr", "NaN")], "dpr must be"),
            (vec![("w", "8000"), ("dpr", "2")], "more than the maximum"),
            (vec![("colour", "red")], "unknown option"),
            (vec![("w", "1"), ("width", "2")], "given twice"),
        ] {
            match parse(&pairs) {
                Err(ProxyError::BadOptions(why)) => assert!(why.contains(needle), "{pairs:?}: {why}"),
                other => panic!("{pairs:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn every_fit_and_format_parses() {
        for (name, fit) in Fit::NAMES {
            assert_eq!(parse(&[("fit", name)]).expect("valid").fit, fit);
            assert_eq!(fit.name(), name);
        }
        for (name, format) in FormatChoice::NAMES {
            assert_eq!(parse(&[("format", name)]).expect("valid").format, format);
        }
        for (name, rotate) in Rotation::NAMES {
            let options = parse(&[("rotate", name)]).expect("valid");
            assert_eq!(options.rotate, rotate);
            assert_eq!(options.canonical(), format!("rotate={name}"));
        }
        for (name, flip) in Flip::NAMES {
            let options = parse(&[("flip", name)]).expect("valid");
            assert_eq!(options.flip, flip);
            assert_eq!(options.canonical(), format!("flip={name}"));
        }
    }
}
