//! The values options take, as types, with the names the URL spells them by. What each value
//! does for the client is the option table's to say ([`super::OPTION_KEYS`]); the docs here
//! say what the code needs.

/// How the image is fitted into `width` × `height` (`fit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fit {
    /// Inside the box, never enlarged. The default.
    #[default]
    ScaleDown,
    /// Inside the box, enlarged if needed.
    Contain,
    /// Fills the box, cropped where it overflows (where `gravity` says), enlarged if needed.
    Cover,
    /// `Cover` for images larger than the box, `ScaleDown` for smaller ones.
    Crop,
    /// `Contain`, then padded to exactly the box with `background`.
    Pad,
    /// Stretched to exactly the box; with one dimension, the same as `Contain`.
    Squeeze,
    /// Inside the box, never shrunk: `Contain` for images smaller than the box, their own
    /// size otherwise.
    ScaleUp,
    /// The box's aspect ratio, never enlarged: `Cover` for images that fill the box, else
    /// the largest centred part in the box's shape, at its own size.
    AspectCrop,
}

impl Fit {
    pub(super) const NAMES: [(&'static str, Fit); 8] = [
        ("scale-down", Fit::ScaleDown),
        ("contain", Fit::Contain),
        ("cover", Fit::Cover),
        ("crop", Fit::Crop),
        ("pad", Fit::Pad),
        ("squeeze", Fit::Squeeze),
        ("scale-up", Fit::ScaleUp),
        ("aspect-crop", Fit::AspectCrop),
    ];

    /// The option value naming this fit.
    pub fn name(self) -> &'static str {
        Fit::NAMES.iter().find(|(_, fit)| *fit == self).map_or("scale-down", |(name, _)| name)
    }
}

/// The output format asked for (`format`); `negotiate` turns it into the format sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FormatChoice {
    /// Not given: the source's format, where the output can be written in it.
    #[default]
    Original,
    /// `auto`: decided by the client's `Accept`.
    Auto,
    /// `jpeg`: progressive JPEG.
    Jpeg,
    /// `baseline-jpeg`: sequential JPEG.
    BaselineJpeg,
    /// `png`
    Png,
    /// `webp`
    Webp,
    /// `avif`: AVIF within its limits, WebP beyond them.
    Avif,
    /// `json`: the source described, instead of an image.
    Json,
}

impl FormatChoice {
    pub(super) const NAMES: [(&'static str, FormatChoice); 7] = [
        ("auto", FormatChoice::Auto),
        ("jpeg", FormatChoice::Jpeg),
        ("baseline-jpeg", FormatChoice::BaselineJpeg),
        ("png", FormatChoice::Png),
        ("webp", FormatChoice::Webp),
        ("avif", FormatChoice::Avif),
        ("json", FormatChoice::Json),
    ];
}

/// A colour adjustment's factor (`brightness`, `contrast`, `gamma`, `saturation`), in
/// hundredths: 100 is 1.0. An option that changes nothing is `None` instead, so that it shares
/// the unadjusted cache entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Factor(pub u16);

impl Factor {
    /// The factor as a number: 1.0 for 100.
    pub fn get(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

/// The shortest decimal that parses back to the same factor: `1.5`, `0.25`, `2`.
impl std::fmt::Display for Factor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.get())
    }
}

/// Which of the source's EXIF the output keeps (`metadata`); `transform::metadata` applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Metadata {
    /// Only the Copyright and Artist tags. The default.
    #[default]
    Copyright,
    /// All of it, with the Orientation reset to 1.
    Keep,
    /// None, which also means the source is never served untouched.
    None,
}

impl Metadata {
    pub(super) const NAMES: [(&'static str, Metadata); 3] =
        [("copyright", Metadata::Copyright), ("keep", Metadata::Keep), ("none", Metadata::None)];
}

/// `upscale`'s values: how an image is enlarged. Only the default is carried out, and it is
/// how the proxy enlarges anyway, so the option keeps nothing.
pub(super) const UPSCALE_NAMES: [(&str, ()); 1] = [("interpolate", ())];

/// `anim`'s values: whether animation is kept.
pub(super) const ANIM_NAMES: [(&str, bool); 2] = [("true", true), ("false", false)];

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
    pub(super) const NAMES: [(&'static str, Compression); 1] = [("fast", Compression::Fast)];
}

/// What a failure to fetch or transform the image answers (`onerror`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// A problem document. The default.
    #[default]
    Problem,
    /// `redirect`: a redirect to the source, for the failures that allow it
    /// ([`crate::error::ProxyError::may_redirect`]).
    Redirect,
}

impl OnError {
    pub(super) const NAMES: [(&'static str, OnError); 1] = [("redirect", OnError::Redirect)];
}

/// A clockwise rotation (`rotate`), applied before `width`/`height`, which name the axes
/// of the rotated image.
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
    pub(super) const NAMES: [(&'static str, Rotation); 4] = [
        ("0", Rotation::None),
        ("90", Rotation::Quarter),
        ("180", Rotation::Half),
        ("270", Rotation::ThreeQuarters),
    ];

    /// Whether width and height trade places.
    pub fn swaps_axes(self) -> bool {
        matches!(self, Rotation::Quarter | Rotation::ThreeQuarters)
    }
}

/// Mirroring (`flip`), applied before the rotation, as Cloudflare does.
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
    pub(super) const NAMES: [(&'static str, Flip); 3] =
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

    /// The points that have a name.
    pub(super) const SIDES: [(&'static str, Gravity); 5] = [
        ("center", Gravity::CENTER),
        ("left", Gravity::Point { x: 0, y: 500 }),
        ("right", Gravity::Point { x: 1000, y: 500 }),
        ("top", Gravity::Point { x: 500, y: 0 }),
        ("bottom", Gravity::Point { x: 500, y: 1000 }),
    ];
}

/// An sRGB colour with straight alpha (`background`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    /// Opaque white: what `fit=pad` fills with and JPEG flattens onto when no `background`
    /// is given.
    pub const WHITE: Rgba = Rgba([255, 255, 255, 255]);
}
