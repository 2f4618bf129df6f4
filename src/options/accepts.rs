//! What each option accepts: the ranges the parser checks, and [`Values`], the summary of
//! them `/reference.json` publishes, built from the same constants and name tables so that
//! it cannot drift from the parser.

use super::keys::OptionKey;
use super::values::{
    Compression, Fit, Flip, FormatChoice, Metadata, OnError, Rotation, ANIM_NAMES, UPSCALE_NAMES,
};

/// The largest output width or height, after `dpr` (Cloudflare's limit too).
pub const MAX_DIMENSION: u32 = 12_000;

/// Quality used when `quality` is not given.
pub const DEFAULT_QUALITY: u8 = 85;

/// The qualities an encoder accepts.
pub const QUALITY_RANGE: (u8, u8) = (1, 100);

/// Cloudflare's perceptual quality levels, accepted wherever a quality is, and the number
/// each stands for here (the canonical form, so the cache key, has only the number).
/// Cloudflare names the levels without publishing numbers for them; these keep its default,
/// 85, between `high` and `medium-high`.
pub const QUALITY_WORDS: [(&str, u8); 4] =
    [("high", 90), ("medium-high", 80), ("medium-low", 65), ("low", 50)];

/// The device pixel ratios accepted; 4 covers every shipping screen.
pub const DPR_RANGE: (f64, f64) = (1.0, 4.0);

/// Blur radii accepted, in output pixels (Cloudflare's range).
pub const BLUR_RANGE: (u8, u8) = (0, 250);

/// Sharpening strengths accepted (Cloudflare's range).
pub const SHARPEN_RANGE: (f64, f64) = (0.0, 10.0);

/// Colour adjustment factors accepted (`brightness`, `contrast`, `gamma`, `saturation`).
/// Cloudflare documents no bounds; 10 already turns any photo into flat colour.
pub const FACTOR_RANGE: (f64, f64) = (0.0, 10.0);

/// The values an option accepts, as the parser checks them; published as JSON by
/// `/reference.json` (`{"kind": "integer", "min": 1, "max": 12000}` and so on).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Values {
    /// A whole number in `min..=max`, or one of `words`.
    Integer {
        /// Smallest accepted.
        min: u32,
        /// Largest accepted.
        max: u32,
        /// Words accepted beside the numbers (`quality=high`); left out of the JSON when
        /// there are none.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        words: Vec<&'static str>,
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
    /// Nothing: a Cloudflare option the proxy refuses, whatever its value.
    Unsupported,
}

impl OptionKey {
    /// What this option accepts: taken from the same constants and name tables the parser
    /// uses, so the published reference cannot drift from it.
    pub fn values(self) -> Values {
        fn words<T>(names: &[(&'static str, T)]) -> Values {
            Values::OneOf { values: names.iter().map(|(name, _)| *name).collect() }
        }
        match self {
            OptionKey::Width => Values::Integer { min: 1, max: MAX_DIMENSION, words: vec!["auto"] },
            OptionKey::WBreakpoints => Values::Text { examples: vec!["320;768;960;1200", "300;600"] },
            OptionKey::Height | OptionKey::WMobile | OptionKey::WDesktop => {
                Values::Integer { min: 1, max: MAX_DIMENSION, words: vec![] }
            }
            OptionKey::Quality | OptionKey::SlowConnectionQuality => Values::Integer {
                min: QUALITY_RANGE.0.into(),
                max: QUALITY_RANGE.1.into(),
                words: QUALITY_WORDS.iter().map(|(word, _)| *word).collect(),
            },
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
            OptionKey::Blur => {
                Values::Integer { min: BLUR_RANGE.0.into(), max: BLUR_RANGE.1.into(), words: vec![] }
            }
            OptionKey::Sharpen => Values::Number { min: SHARPEN_RANGE.0, max: SHARPEN_RANGE.1 },
            OptionKey::Brightness | OptionKey::Contrast | OptionKey::Gamma | OptionKey::Saturation => {
                Values::Number { min: FACTOR_RANGE.0, max: FACTOR_RANGE.1 }
            }
            OptionKey::Trim => Values::Text { examples: vec!["10;0;10;0", "0;0.25;0;0.25", "border"] },
            OptionKey::TrimTop | OptionKey::TrimLeft | OptionKey::TrimWidth | OptionKey::TrimHeight => {
                Values::Text { examples: vec!["10", "0.25"] }
            }
            OptionKey::TrimBorderColor => Values::Text { examples: vec!["white", "#000", "rgb(255 255 0)"] },
            OptionKey::TrimBorderTolerance => Values::Integer { min: 0, max: 255, words: vec![] },
            OptionKey::TrimBorderKeep => Values::Integer { min: 0, max: MAX_DIMENSION, words: vec![] },
            OptionKey::Metadata => words(&Metadata::NAMES),
            OptionKey::Anim => words(&ANIM_NAMES),
            OptionKey::Compression => words(&Compression::NAMES),
            OptionKey::OnError => words(&OnError::NAMES),
            OptionKey::Upscale => words(&UPSCALE_NAMES),
            OptionKey::Draw => Values::Text {
                examples: vec![
                    "/samples/overlay.png;opacity=0.5;bottom=10;right=10",
                    "/samples/overlay.png;gravity=1x1;margin=16;width=120",
                    "/samples/overlay.png;repeat=true;opacity=0.2",
                ],
            },
        }
    }
}
