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

/// Blur radii accepted, in output pixels (Cloudflare's range).
pub const BLUR_RANGE: (u8, u8) = (1, 250);

/// Sharpening strengths accepted (Cloudflare's range).
pub const SHARPEN_RANGE: (f64, f64) = (0.0, 10.0);

/// The values an option accepts, as the parser checks them; published as JSON by
/// `/reference.json` (`{"kind": "integer", "min": 1, "max": 12000}` and so on).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
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
    OneOf {
        /// The accepted words.
        values: Vec<&'static str>,
    },
    /// Free text of a given shape, shown by examples that all parse.
    Text {
        /// Values that parse.
        examples: Vec<&'static str>,
    },
}

impl OptionKey {
    /// What this option accepts: taken from the same constants and name tables the parser
    /// uses, so the published reference cannot drift from it.
    pub fn values(self) -> Values {
        fn words<T>(names: &[(&'static str, T)]) -> Values {
            Values::OneOf { values: names.iter().map(|(name, _)| *name).collect() }
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
            OptionKey::Gravity => {
                Values::Text { examples: vec!["center", "left", "right", "top", "bottom", "auto", "0.5x0.2"] }
            }
            OptionKey::Background => Values::Text {
                examples: vec!["white", "#f80", "#ff8800", "#ff880080", "rgb(255 136 0)", "rgba(0,0,0,0.5)"],
            },
            OptionKey::Blur => Values::Integer { min: BLUR_RANGE.0.into(), max: BLUR_RANGE.1.into() },
            OptionKey::Sharpen => Values::Number { min: SHARPEN_RANGE.0, max: SHARPEN_RANGE.1 },
            OptionKey::Trim => Values::Text { examples: vec!["10;0;10;0", "0;25;0;25"] },
            OptionKey::Metadata => words(&Metadata::NAMES),
            OptionKey::Anim => words(&ANIM_NAMES),
            OptionKey::Compression => words(&Compression::NAMES),
            OptionKey::OnError => words(&OnError::NAMES),
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
    /// Stretch to exactly the box, whatever the aspect ratio. With one dimension the other
    /// follows from the aspect ratio, which makes it `contain`.
    Squeeze,
}

impl Fit {
    const NAMES: [(&'static str, Fit); 6] = [
        ("scale-down", Fit::ScaleDown),
        ("contain", Fit::Contain),
        ("cover", Fit::Cover),
        ("crop", Fit::Crop),
        ("pad", Fit::Pad),
        ("squeeze", Fit::Squeeze),
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
    /// `jpeg`: progressive JPEG, as Cloudflare writes it.
    Jpeg,
    /// `baseline-jpeg`: sequential JPEG, for decoders that cannot read progressive.
    BaselineJpeg,
    /// `png`
    Png,
    /// `webp`
    Webp,
    /// `avif`: AVIF for small outputs, WebP above [`crate::negotiate::AVIF_MAX_PIXELS`].
    Avif,
    /// `json`: the source's metadata instead of an image.
    Json,
}

impl FormatChoice {
    const NAMES: [(&'static str, FormatChoice); 7] = [
        ("auto", FormatChoice::Auto),
        ("jpeg", FormatChoice::Jpeg),
        ("baseline-jpeg", FormatChoice::BaselineJpeg),
        ("png", FormatChoice::Png),
        ("webp", FormatChoice::Webp),
        ("avif", FormatChoice::Avif),
        ("json", FormatChoice::Json),
    ];
}

/// Source pixels cut off each edge before anything else (`trim=top;right;bottom;left`), on
/// the source as displayed: after its EXIF orientation, before `rotate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Trim {
    /// Rows cut off the top.
    pub top: u32,
    /// Columns cut off the right.
    pub right: u32,
    /// Rows cut off the bottom.
    pub bottom: u32,
    /// Columns cut off the left.
    pub left: u32,
}

impl Trim {
    fn parse(value: &str) -> Result<Option<Trim>, ProxyError> {
        let sides: Vec<Option<u32>> = value.split(';').map(|side| side.parse().ok()).collect();
        let trim = match sides.as_slice() {
            [Some(top), Some(right), Some(bottom), Some(left)] => {
                Trim { top: *top, right: *right, bottom: *bottom, left: *left }
            }
            _ => {
                return Err(bad(format!(
                    "trim must be four whole numbers of pixels, top;right;bottom;left, not {value:?}"
                )))
            }
        };
        // Trimming nothing is the default, and shares its cache entry.
        Ok(Some(trim).filter(|trim| *trim != Trim::default()))
    }

    /// What is left of a `width` × `height` image, or a 400 when nothing is.
    pub fn remaining(&self, (width, height): (u32, u32)) -> Result<(u32, u32), ProxyError> {
        let left_over =
            |length: u32, a: u32, b: u32| length.checked_sub(a)?.checked_sub(b).filter(|l| *l > 0);
        match (left_over(width, self.left, self.right), left_over(height, self.top, self.bottom)) {
            (Some(w), Some(h)) => Ok((w, h)),
            _ => Err(bad(format!("trim={} leaves nothing of a {width}x{height} image", self.canonical()))),
        }
    }

    fn canonical(self) -> String {
        format!("{};{};{};{}", self.top, self.right, self.bottom, self.left)
    }
}

/// Which of the source's EXIF the output keeps (`metadata`). Only JPEG output carries any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Metadata {
    /// Only the Copyright and Artist tags. The default (as Cloudflare's).
    #[default]
    Copyright,
    /// All of it, with the Orientation reset to 1 since the pixels are already turned.
    Keep,
    /// None.
    None,
}

impl Metadata {
    const NAMES: [(&'static str, Metadata); 3] =
        [("copyright", Metadata::Copyright), ("keep", Metadata::Keep), ("none", Metadata::None)];
}

/// `anim`'s values: whether animation is kept.
const ANIM_NAMES: [(&str, bool); 2] = [("true", true), ("false", false)];

/// What to favour when choosing the output format (`compression`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// The smallest output `format=auto` allows. The default.
    #[default]
    Smallest,
    /// `fast`: the quickest format to encode.
    Fast,
}

impl Compression {
    const NAMES: [(&'static str, Compression); 1] = [("fast", Compression::Fast)];
}

/// What a failure to fetch or transform the image answers (`onerror`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// A problem document. The default.
    #[default]
    Problem,
    /// `redirect`: 302 to the source itself.
    Redirect,
}

impl OnError {
    const NAMES: [(&'static str, OnError); 1] = [("redirect", OnError::Redirect)];
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

/// What `cover` and `crop` keep when they cut the image (`gravity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gravity {
    /// A focal point in thousandths of the source's width and height from its left and top
    /// (the source as displayed, before `rotate` and `flip`). The crop is centred on it as far
    /// as the edges allow, so `left` (0, 500) keeps the left edge.
    Point {
        /// 0 (left edge) to 1000 (right edge).
        x: u16,
        /// 0 (top edge) to 1000 (bottom edge).
        y: u16,
    },
    /// The region with the most detail, found from the decoded pixels.
    Auto,
}

impl Default for Gravity {
    fn default() -> Self {
        Gravity::CENTER
    }
}

impl Gravity {
    /// The middle of the image. The default.
    pub const CENTER: Gravity = Gravity::Point { x: 500, y: 500 };
    const SIDES: [(&'static str, Gravity); 5] = [
        ("center", Gravity::CENTER),
        ("left", Gravity::Point { x: 0, y: 500 }),
        ("right", Gravity::Point { x: 1000, y: 500 }),
        ("top", Gravity::Point { x: 500, y: 0 }),
        ("bottom", Gravity::Point { x: 500, y: 1000 }),
    ];

    fn parse(value: &str) -> Result<Gravity, ProxyError> {
        if value == "auto" {
            return Ok(Gravity::Auto);
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

    fn canonical(self) -> String {
        match self {
            Gravity::Auto => "auto".into(),
            Gravity::Point { x, y } => match Gravity::SIDES.iter().find(|(_, side)| *side == self) {
                Some((name, _)) => (*name).into(),
                None => format!("{}x{}", f64::from(x) / 1000.0, f64::from(y) / 1000.0),
            },
        }
    }
}

/// An sRGB colour with straight alpha (`background`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    /// Opaque white: what `fit=pad` fills with and JPEG flattens onto when no `background`
    /// is given.
    pub const WHITE: Rgba = Rgba([255, 255, 255, 255]);

    fn parse(value: &str) -> Result<Rgba, ProxyError> {
        csscolorparser::parse(value.trim()).map(|colour| Rgba(colour.to_rgba8())).map_err(|_| {
            bad(format!("background must be a CSS colour (red, #f80, rgb(255 136 0)), not {value:?}"))
        })
    }
}

/// Validated transformation options. `width` and `height` already include `dpr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Default: [`Gravity::CENTER`].
    pub gravity: Gravity,
    /// Default: none, which pads with and flattens onto [`Rgba::WHITE`].
    pub background: Option<Rgba>,
    /// Blur radius in output pixels, 1..=250. Default: none.
    pub blur: Option<u8>,
    /// Sharpening strength in tenths, 1..=100 (0 is the same as none). Default: none.
    pub sharpen: Option<u8>,
    /// Default: none (an all-zero trim is none).
    pub trim: Option<Trim>,
    /// Default: [`Metadata::Copyright`].
    pub metadata: Metadata,
    /// Whether animation is kept. Default: true. An animated GIF stays an animated GIF when
    /// the format is left to the proxy (see `transform::animation`); otherwise, and with
    /// `false`, the first frame is sent.
    pub anim: bool,
    /// Default: [`Compression::Smallest`].
    pub compression: Compression,
    /// Default: [`OnError::Problem`].
    pub onerror: OnError,
}

impl Default for TransformOptions {
    fn default() -> Self {
        TransformOptions {
            width: None,
            height: None,
            fit: Fit::default(),
            quality: None,
            format: FormatChoice::default(),
            rotate: Rotation::default(),
            flip: Flip::default(),
            gravity: Gravity::default(),
            background: None,
            blur: None,
            sharpen: None,
            trim: None,
            metadata: Metadata::default(),
            anim: true,
            compression: Compression::default(),
            onerror: OnError::default(),
        }
    }
}

impl TransformOptions {
    /// Whether the source's own bytes would be a wrong answer rather than merely a larger
    /// one: a client that named a format may not be able to read another, and a rotation or
    /// flip changes what the image shows. When memory is short, requests for which this is
    /// false get the source untouched instead of waiting their turn.
    pub fn must_transform(&self) -> bool {
        !matches!(self.format, FormatChoice::Original | FormatChoice::Auto)
            || self.rotate != Rotation::None
            || self.flip != Flip::None
    }

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
                OptionKey::Width => width = Some(whole(key, value, (1, MAX_DIMENSION))?),
                OptionKey::Height => height = Some(whole(key, value, (1, MAX_DIMENSION))?),
                OptionKey::Fit => options.fit = named(key, value, &Fit::NAMES)?,
                OptionKey::Quality => options.quality = Some(whole(key, value, QUALITY_RANGE)?),
                OptionKey::Format => options.format = named(key, value, &FormatChoice::NAMES)?,
                OptionKey::Dpr => dpr = decimal(key, value, DPR_RANGE)?,
                OptionKey::Rotate => options.rotate = named(key, value, &Rotation::NAMES)?,
                OptionKey::Flip => options.flip = named(key, value, &Flip::NAMES)?,
                OptionKey::Gravity => options.gravity = Gravity::parse(value)?,
                OptionKey::Background => options.background = Some(Rgba::parse(value)?),
                OptionKey::Blur => options.blur = Some(whole(key, value, BLUR_RANGE)?),
                OptionKey::Sharpen => options.sharpen = sharpen(value)?,
                OptionKey::Trim => options.trim = Trim::parse(value)?,
                OptionKey::Metadata => options.metadata = named(key, value, &Metadata::NAMES)?,
                OptionKey::Anim => options.anim = named(key, value, &ANIM_NAMES)?,
                OptionKey::Compression => options.compression = named(key, value, &Compression::NAMES)?,
                OptionKey::OnError => options.onerror = named(key, value, &OnError::NAMES)?,
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
        if self.gravity != Gravity::default() {
            push(OptionKey::Gravity, &self.gravity.canonical());
        }
        if let Some(Rgba([r, g, b, a])) = self.background {
            push(OptionKey::Background, &format!("#{r:02x}{g:02x}{b:02x}{a:02x}"));
        }
        if let Some(blur) = self.blur {
            push(OptionKey::Blur, &blur);
        }
        if let Some(tenths) = self.sharpen {
            push(OptionKey::Sharpen, &(f64::from(tenths) / 10.0));
        }
        if let Some(trim) = self.trim {
            push(OptionKey::Trim, &trim.canonical());
        }
        if let Some((name, _)) =
            Metadata::NAMES.iter().find(|(_, m)| *m == self.metadata && *m != Metadata::default())
        {
            push(OptionKey::Metadata, name);
        }
        if !self.anim {
            push(OptionKey::Anim, &false);
        }
        if let Some((name, _)) = Compression::NAMES.iter().find(|(_, c)| *c == self.compression) {
            push(OptionKey::Compression, name);
        }
        if let Some((name, _)) = OnError::NAMES.iter().find(|(_, o)| *o == self.onerror) {
            push(OptionKey::OnError, name);
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

/// Sharpening in tenths; 0 means none, so it is dropped and shares the unsharpened cache entry.
fn sharpen(value: &str) -> Result<Option<u8>, ProxyError> {
    let strength = decimal(OptionKey::Sharpen, value, SHARPEN_RANGE)?;
    // In 0..=100 after the range check.
    Ok(Some((strength * 10.0).round() as u8).filter(|tenths| *tenths > 0))
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
            (vec![("gravity", "middle")], "gravity must be"),
            (vec![("g", "1.5x0.5")], "gravity must be"),
            (vec![("g", "0.5")], "gravity must be"),
            (vec![("background", "notacolour")], "background must be"),
            (vec![("blur", "0")], "blur must be"),
            (vec![("blur", "251")], "blur must be"),
            (vec![("sharpen", "10.5")], "sharpen must be"),
        ] {
            match parse(&pairs) {
                Err(ProxyError::BadOptions(why)) => assert!(why.contains(needle), "{pairs:?}: {why}"),
                other => panic!("{pairs:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn gravity_background_blur_and_sharpen_have_one_spelling() {
        let a =
            parse(&[("g", "left"), ("background", "red"), ("blur", "5"), ("sharpen", "1.5")]).expect("valid");
        let b = parse(&[("gravity", "0x0.5"), ("background", "#f00"), ("blur", "5"), ("sharpen", "1.50")])
            .expect("valid");
        assert_eq!(a, b);
        assert_eq!(a.canonical(), "gravity=left,background=#ff0000ff,blur=5,sharpen=1.5");
        let point = parse(&[("g", "0.25x0.8")]).expect("valid");
        assert_eq!(point.gravity, Gravity::Point { x: 250, y: 800 });
        assert_eq!(point.canonical(), "gravity=0.25x0.8");
        assert_eq!(parse(&[("g", "center")]).expect("valid").canonical(), "", "the default");
        assert_eq!(parse(&[("sharpen", "0")]).expect("valid").canonical(), "", "no sharpening");
        let translucent = parse(&[("background", "rgba(0,0,0,0.5)")]).expect("valid");
        assert_eq!(translucent.background, Some(Rgba([0, 0, 0, 128])));
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

    #[test]
    fn only_a_named_format_or_a_turn_must_be_transformed() {
        let must = |pairs: &[(&str, &str)]| parse(pairs).expect("valid").must_transform();
        assert!(!must(&[("width", "100"), ("quality", "50"), ("blur", "5")]), "only smaller or softer");
        assert!(!must(&[("format", "auto")]));
        assert!(must(&[("format", "png")]));
        assert!(must(&[("rotate", "90")]));
        assert!(must(&[("flip", "h")]));
    }
}
