//! The core decision: transform a source in Wasm, or pass it through untouched.
//!
//! Small sources (at most `TRANSFORM_MAX_BYTES`) are read whole and transformed; larger ones
//! stream to the client byte for byte. The length is taken from `Content-Length` when the
//! upstream sends one, and otherwise learned by reading up to the cap.

use crate::options::{Fit, Flip, Metadata, Rotation, TransformOptions};
use crate::transform::ImageInfo;

/// What to do with an upstream body, decided from its declared length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Read the body, but never more than `cap` bytes (a body with no declared length may
    /// turn out larger, and then spills into a pass-through).
    Buffer {
        /// The most bytes to hold.
        cap: u64,
    },
    /// Stream the body to the client without reading it.
    PassThrough,
}

/// Decides from the declared length (if any), `TRANSFORM_MAX_BYTES`, and whether an earlier
/// request already found this source too large (so a source without a declared length is
/// not read up to the cap again just to learn the same).
pub fn plan(content_length: Option<u64>, transform_max_bytes: u64, known_large: bool) -> Plan {
    match content_length {
        Some(length) if length > transform_max_bytes => Plan::PassThrough,
        Some(_) => Plan::Buffer { cap: transform_max_bytes },
        None if known_large => Plan::PassThrough,
        None => Plan::Buffer { cap: transform_max_bytes },
    }
}

/// Whether serving the source's own bytes gives exactly what was asked for: no resize, no
/// rotation, flip or trim, the same format, and no quality requested. An untouched source
/// keeps its own metadata, so `metadata=none` always re-encodes.
pub fn is_noop(options: &TransformOptions, info: &ImageInfo, same_format: bool, out: (u32, u32)) -> bool {
    same_format
        && options.quality.is_none()
        && options.rotate == Rotation::None
        && options.flip == Flip::None
        && out == (info.width, info.height)
        && options.fit != Fit::Pad
        && options.blur.is_none()
        && options.sharpen.is_none()
        && options.background.is_none()
        && options.trim.is_none()
        && options.metadata != Metadata::None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::SourceFormat;

    const CAP: u64 = 5 * 1024 * 1024;

    #[test]
    fn the_declared_length_decides() {
        assert_eq!(plan(Some(CAP), CAP, false), Plan::Buffer { cap: CAP });
        assert_eq!(plan(Some(CAP + 1), CAP, false), Plan::PassThrough);
        assert_eq!(plan(Some(0), CAP, false), Plan::Buffer { cap: CAP });
        assert_eq!(plan(Some(10), CAP, true), Plan::Buffer { cap: CAP }, "a declared small length wins");
    }

    #[test]
    fn an_unknown_length_is_read_up_to_the_cap() {
        assert_eq!(plan(None, CAP, false), Plan::Buffer { cap: CAP });
        assert_eq!(plan(None, CAP, true), Plan::PassThrough, "remembered as too large");
    }

    #[test]
    fn only_an_untouched_image_is_a_noop() {
        let info = ImageInfo {
            format: SourceFormat::Jpeg,
            width: 100,
            height: 50,
            has_alpha: false,
            orientation: 1,
            decoded_bytes_per_pixel: 3,
        };
        let none = TransformOptions::default();
        assert!(is_noop(&none, &info, true, (100, 50)));
        assert!(!is_noop(&none, &info, false, (100, 50)), "format changes");
        assert!(!is_noop(&none, &info, true, (50, 25)), "size changes");
        let q = TransformOptions { quality: Some(50), ..none };
        assert!(!is_noop(&q, &info, true, (100, 50)), "quality asked for");
        let flipped = TransformOptions { flip: Flip::Horizontal, ..none };
        assert!(!is_noop(&flipped, &info, true, (100, 50)), "flip asked for");
        let turned = TransformOptions { rotate: Rotation::Half, ..none };
        assert!(!is_noop(&turned, &info, true, (100, 50)), "rotation asked for");
    }
}
