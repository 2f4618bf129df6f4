//! Image options: both URL forms become one validated [`TransformOptions`].
//!
//! `/cdn-cgi/image/width=200,fit=cover/<source>` and `/image?url=<source>&w=200&fit=cover`
//! give the same `(key, value)` pairs; [`TransformOptions::from_pairs`] folds aliases,
//! rejects unknown keys and out-of-range values, and applies `dpr` to the dimensions, so a
//! `TransformOptions` cannot hold a value the pipeline would have to check again.
//!
//! - `keys`: the option table (names, aliases, and what each option means, as README and
//!   `/reference.json` say it)
//! - `values`: the types option values become, with the names the URL spells them by
//! - `trim`: what `trim` and `trim.*` ask to cut off
//! - `auto_width`: `width=auto` and its `wbreakpoints`, `wmobile` and `wdesktop`
//! - `accepts`: the ranges the parser checks and the [`Values`] the reference publishes
//! - `parse`: pairs into [`TransformOptions`]
//! - `draw`: where and how an overlay goes ([`Placement`]), from `draw`'s fields
//! - `canonical`: [`TransformOptions`] back into one fixed spelling, for cache keys

mod accepts;
mod auto_width;
mod canonical;
mod draw;
mod keys;
mod parse;
mod trim;
mod values;

pub use accepts::{
    Values, BLUR_RANGE, DEFAULT_QUALITY, DPR_RANGE, FACTOR_RANGE, MAX_DIMENSION, QUALITY_RANGE,
    QUALITY_WORDS, SHARPEN_RANGE,
};
pub use auto_width::{AutoWidth, Breakpoints, MAX_BREAKPOINTS};
pub use draw::{overlay_gravity, Anchor, Placement, Repeat, Size, MAX_DRAWS};
pub use keys::{unsupported, OptionKey, OptionSpec, Unsupported, OPTION_KEYS, UNSUPPORTED_OPTIONS};
pub use trim::{BorderTrim, Length, Trim, TrimSides};
pub use values::{Compression, Factor, Fit, Flip, FormatChoice, Gravity, Metadata, OnError, Rgba, Rotation};

/// Validated transformation options, one field per option of [`OPTION_KEYS`], whose rows say
/// what each means. `width` and `height` already include `dpr`. A field that is `None` or
/// holds its type's default was not given (or was given its default, which is the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransformOptions {
    /// Pixels, 1..=[`MAX_DIMENSION`]. `None` with [`TransformOptions::auto_width`] until
    /// the client's hints give it (`crate::hints::resolve`).
    pub width: Option<u32>,
    /// `width=auto` with its sub-parameters: the width comes from the client's hints, in
    /// device pixels, so `dpr` does not multiply it. Default: `None`, a width given or none.
    /// `wbreakpoints`, `wmobile` and `wdesktop` without `width=auto` do nothing, and are not
    /// kept.
    pub auto_width: Option<AutoWidth>,
    /// Pixels, 1..=[`MAX_DIMENSION`].
    pub height: Option<u32>,
    /// Default: [`Fit::ScaleDown`].
    pub fit: Fit,
    /// Encoder quality in [`QUALITY_RANGE`]. `None` means [`DEFAULT_QUALITY`], and unlike an
    /// explicit quality lets an unresized image be served as it is.
    pub quality: Option<u8>,
    /// `slow-connection-quality`: the quality for clients whose hints say the connection is
    /// slow, in [`QUALITY_RANGE`]. `crate::hints::resolve` puts it in place of `quality` for
    /// such a client, and leaves `None` here either way.
    pub slow_connection_quality: Option<u8>,
    /// Default: [`FormatChoice::Original`].
    pub format: FormatChoice,
    /// Default: [`Rotation::None`].
    pub rotate: Rotation,
    /// Default: [`Flip::None`].
    pub flip: Flip,
    /// Default: [`Gravity::CENTER`].
    pub gravity: Gravity,
    /// `None` pads with and flattens onto [`Rgba::WHITE`], and keeps transparency otherwise.
    pub background: Option<Rgba>,
    /// Radius in output pixels, in [`BLUR_RANGE`].
    pub blur: Option<u8>,
    /// Strength in tenths, 1..=100 (0 is parsed as `None`).
    pub sharpen: Option<u8>,
    /// `None` for 1 (and 0, which Cloudflare ignores).
    pub brightness: Option<Factor>,
    /// `None` for 1 (and 0, which Cloudflare ignores).
    pub contrast: Option<Factor>,
    /// `None` for 1 (and 0, which Cloudflare ignores).
    pub gamma: Option<Factor>,
    /// `None` for 1; `Some(Factor(0))` is greyscale.
    pub saturation: Option<Factor>,
    /// `trim` and `trim.*`; `None` also for a trim of nothing.
    pub trim: Option<Trim>,
    /// Default: [`Metadata::Copyright`].
    pub metadata: Metadata,
    /// `anim`: whether an animation may stay animated; default true. The container and the
    /// limits are `transform::animation`'s.
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
            auto_width: None,
            height: None,
            fit: Fit::default(),
            quality: None,
            slow_connection_quality: None,
            format: FormatChoice::default(),
            rotate: Rotation::default(),
            flip: Flip::default(),
            gravity: Gravity::default(),
            background: None,
            blur: None,
            sharpen: None,
            brightness: None,
            contrast: None,
            gamma: None,
            saturation: None,
            trim: None,
            metadata: Metadata::default(),
            anim: true,
            compression: Compression::default(),
            onerror: OnError::default(),
        }
    }
}

impl TransformOptions {
    /// Whether any colour adjustment (`brightness`, `contrast`, `gamma`, `saturation`)
    /// changes the pixels.
    pub fn adjusts_colour(&self) -> bool {
        self.brightness.is_some()
            || self.contrast.is_some()
            || self.gamma.is_some()
            || self.saturation.is_some()
    }

    /// The quality lossy encoders use.
    pub fn effective_quality(&self) -> u8 {
        self.quality.unwrap_or(DEFAULT_QUALITY)
    }
}
