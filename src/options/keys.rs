//! The table of options: the one place the parser, the cache key and the published reference
//! take their names, aliases and meanings from.

/// An option the proxy understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKey {
    /// `width`, `w`
    Width,
    /// `height`, `h`
    Height,
    /// `fit`
    Fit,
    /// `quality`, `q`
    Quality,
    /// `format`, `f`
    Format,
    /// `dpr`
    Dpr,
    /// `rotate`
    Rotate,
    /// `flip`
    Flip,
    /// `gravity`, `g`
    Gravity,
    /// `background`
    Background,
    /// `blur`
    Blur,
    /// `sharpen`
    Sharpen,
    /// `trim`
    Trim,
    /// `metadata`
    Metadata,
    /// `anim`
    Anim,
    /// `compression`
    Compression,
    /// `onerror`
    OnError,
}

/// One row of [`OPTION_KEYS`].
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The option.
    pub key: OptionKey,
    /// Its canonical name first, then its aliases.
    pub names: &'static [&'static str],
    /// What happens when the option is not given.
    pub default: &'static str,
    /// What the option does, in a sentence.
    pub about: &'static str,
}

/// Every option, in the order the canonical form writes them.
pub const OPTION_KEYS: [OptionSpec; 17] = [
    OptionSpec {
        key: OptionKey::Width,
        names: &["width", "w"],
        default: "from height and the aspect ratio, or the source's",
        about: "Output width in pixels (before dpr).",
    },
    OptionSpec {
        key: OptionKey::Height,
        names: &["height", "h"],
        default: "from width and the aspect ratio, or the source's",
        about: "Output height in pixels (before dpr).",
    },
    OptionSpec {
        key: OptionKey::Fit,
        names: &["fit"],
        default: "scale-down",
        about: "How the image fits width × height: scale-down (inside, never enlarge), contain \
                (inside), cover (fill, crop the centre), crop (cover without enlarging), pad \
                (inside, padded with white), squeeze (exactly width × height, stretched; with \
                one dimension, like contain).",
    },
    OptionSpec {
        key: OptionKey::Quality,
        names: &["quality", "q"],
        default: "85",
        about: "Quality of lossy encoders (JPEG, lossy WebP, AVIF).",
    },
    OptionSpec {
        key: OptionKey::Format,
        names: &["format", "f"],
        default: "the source's format (GIF becomes PNG)",
        about: "Output format. auto: AVIF when Accept lists image/avif and image/webp and the \
                output has at most 100,000 pixels, else WebP when Accept lists image/webp, else JPEG, \
                or PNG for images with alpha (compression=fast: JPEG or PNG); answers carry Vary: \
                Accept. jpeg is progressive, baseline-jpeg sequential. webp is lossy at quality with \
                alpha kept, or lossless when smaller. avif is lossy at quality for outputs of at most \
                100,000 pixels and WebP above (AVIF encodes too slowly for more). json: the source's dimensions, format, frames and size, \
                read from its header, and the output's dimensions, as application/json.",
    },
    OptionSpec {
        key: OptionKey::Dpr,
        names: &["dpr"],
        default: "1",
        about: "Device pixel ratio: multiplies width and height.",
    },
    OptionSpec {
        key: OptionKey::Rotate,
        names: &["rotate"],
        default: "no rotation",
        about: "Clockwise rotation; width and height name the rotated axes.",
    },
    OptionSpec {
        key: OptionKey::Flip,
        names: &["flip"],
        default: "no mirroring",
        about: "Mirroring after the rotation: h (left-right), v (top-bottom), hv (both).",
    },
    OptionSpec {
        key: OptionKey::Gravity,
        names: &["gravity", "g"],
        default: "center",
        about: "What cover and crop keep: a side, a focal point XxY (0 to 1 from the left and \
                top of the source, e.g. 0.5x0.2), or auto (the busiest region).",
    },
    OptionSpec {
        key: OptionKey::Background,
        names: &["background"],
        default: "white",
        about: "A CSS colour (red, #f80, #ff8800, rgb(255 136 0), rgba(0,0,0,0.5)) for fit=pad \
                and under transparent pixels.",
    },
    OptionSpec {
        key: OptionKey::Blur,
        names: &["blur"],
        default: "no blur",
        about: "Gaussian blur radius in output pixels.",
    },
    OptionSpec {
        key: OptionKey::Sharpen,
        names: &["sharpen"],
        default: "0",
        about: "Unsharp-mask strength; 1 suits downscaled photos.",
    },
    OptionSpec {
        key: OptionKey::Trim,
        names: &["trim"],
        default: "nothing trimmed",
        about: "top;right;bottom;left: source pixels cut off the image's edges (as displayed, \
                before rotate) before anything else; a trim that leaves nothing answers 400.",
    },
    OptionSpec {
        key: OptionKey::Metadata,
        names: &["metadata"],
        default: "copyright",
        about: "EXIF kept in JPEG output: copyright (the source's Copyright and Artist only), \
                keep (all of it, Orientation reset to 1), none. PNG and WebP output carry none.",
    },
    OptionSpec {
        key: OptionKey::Anim,
        names: &["anim"],
        default: "true",
        about: "Whether animation is kept. true: an animated GIF stays an animated GIF, every \
                frame resized with its delay and loop count, when format is not given or is auto, \
                and when the animation has at most 500 frames, 50 million source pixels and 8 \
                million output pixels over all its frames (else its first frame). false, or a \
                still format (jpeg, png, webp, avif): the first frame.",
    },
    OptionSpec {
        key: OptionKey::Compression,
        names: &["compression"],
        default: "the smallest output format auto allows",
        about: "fast: with format=auto, the quickest format to encode (JPEG, PNG for alpha) \
                whatever Accept lists, at the cost of size.",
    },
    OptionSpec {
        key: OptionKey::OnError,
        names: &["onerror"],
        default: "an error document",
        about: "redirect: when the image cannot be fetched or transformed, answer 302 to the \
                source instead; never for a refused source, signature or option.",
    },
];

impl OptionKey {
    /// The key a name or alias stands for.
    pub fn from_name(name: &str) -> Option<OptionKey> {
        OPTION_KEYS.iter().find(|spec| spec.names.contains(&name)).map(|spec| spec.key)
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        OPTION_KEYS
            .iter()
            .find(|spec| spec.key == self)
            .and_then(|spec| spec.names.first())
            .copied()
            .unwrap_or("?")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_maps_back_to_its_key() {
        for spec in OPTION_KEYS {
            assert_eq!(spec.key.name(), spec.names[0]);
            for name in spec.names {
                assert_eq!(OptionKey::from_name(name), Some(spec.key));
            }
        }
        assert_eq!(OptionKey::from_name("WIDTH"), None, "names are case-sensitive");
    }
}
