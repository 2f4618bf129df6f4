//! Where the output's pixels come from: which part of the source, scaled to what size, on
//! what canvas. Pure arithmetic on dimensions, following Cloudflare's `fit` modes.

use crate::error::ProxyError;
use crate::options::{Fit, TransformOptions, TrimSides};

/// A region of the source in (fractional) source pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CropBox {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// The geometry of one transformation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// The part of the source that is used.
    pub crop: CropBox,
    /// The size that part is resized to.
    pub resized: (u32, u32),
    /// The size of the output; larger than `resized` only for `fit=pad`.
    pub canvas: (u32, u32),
    /// Where the resized image sits on the canvas.
    pub offset: (u32, u32),
}

impl Geometry {
    /// Whether the output is the source, unchanged.
    pub fn is_identity(&self, source: (u32, u32)) -> bool {
        self.keeps_pixels(source) && self.canvas == source
    }

    /// Whether cropping and resizing leave the source's pixels as they are (padding aside).
    pub fn keeps_pixels(&self, source: (u32, u32)) -> bool {
        self.resized == source && self.crop == full(source)
    }
}

impl Geometry {
    /// This geometry, worked out for the rotated image, as it applies to the unrotated
    /// source: the crop box and resized size trade axes when the rotation swaps them, and
    /// padding is left for after the rotation. Transposing the box is exact because every
    /// `fit` crops around the centre, which rotations and flips keep in place.
    pub fn before_rotation(&self, swaps_axes: bool) -> Geometry {
        let (crop, resized) = if swaps_axes {
            let c = self.crop;
            (
                CropBox { left: c.top, top: c.left, width: c.height, height: c.width },
                (self.resized.1, self.resized.0),
            )
        } else {
            (self.crop, self.resized)
        };
        Geometry { crop, resized, canvas: resized, offset: (0, 0) }
    }

    /// The same geometry for a source that was loaded at `loaded` pixels instead of its full
    /// `original` size (shrink-on-load): the crop box scales with it.
    pub fn for_loaded_source(&self, original: (u32, u32), loaded: (u32, u32)) -> Geometry {
        Geometry { crop: self.crop.for_loaded_source(original, loaded), ..*self }
    }

    /// This geometry, planned on `region` of the source (what `trim` leaves) as if it were
    /// the whole image, as it applies to the whole source: the crop moves by the region's
    /// top-left corner.
    pub fn inside(&self, region: CropBox) -> Geometry {
        let crop =
            CropBox { left: self.crop.left + region.left, top: self.crop.top + region.top, ..self.crop };
        Geometry { crop, ..*self }
    }

    /// The same crop, moved so that its centre is at `focus` (fractions of `region`'s width
    /// and height from its top left) as far as the region's edges allow. A crop as large as
    /// the region on an axis cannot move along it.
    pub fn focused_on(&self, region: CropBox, focus: (f64, f64)) -> Geometry {
        let place = |start: f64, length: f64, size: f64, at: f64| {
            start + (at * length - size / 2.0).clamp(0.0, (length - size).max(0.0))
        };
        let crop = CropBox {
            left: place(region.left, region.width, self.crop.width, focus.0),
            top: place(region.top, region.height, self.crop.height, focus.1),
            ..self.crop
        };
        Geometry { crop, ..*self }
    }
}

impl CropBox {
    /// The whole of a `width` × `height` image.
    pub fn full(size: (u32, u32)) -> CropBox {
        full(size)
    }

    /// The same box on a source loaded at `loaded` pixels instead of its `original` size.
    pub fn for_loaded_source(&self, original: (u32, u32), loaded: (u32, u32)) -> CropBox {
        if original == loaded {
            return *self;
        }
        let sx = f64::from(loaded.0) / f64::from(original.0.max(1));
        let sy = f64::from(loaded.1) / f64::from(original.1.max(1));
        CropBox {
            left: self.left * sx,
            top: self.top * sy,
            width: (self.width * sx).min(f64::from(loaded.0)),
            height: (self.height * sy).min(f64::from(loaded.1)),
        }
    }
}

fn full((width, height): (u32, u32)) -> CropBox {
    CropBox { left: 0.0, top: 0.0, width: f64::from(width), height: f64::from(height) }
}

/// The part of a source of `displayed` pixels (its size after the EXIF orientation) that
/// `trim` leaves (the trim worked out in pixels for this source), and the output's geometry
/// planned on it in the requested (rotated) axes, where width and height name the axes of the
/// rotated image.
pub(super) fn plan_output(
    displayed: (u32, u32),
    trim: Option<TrimSides>,
    options: &TransformOptions,
) -> Result<(CropBox, Geometry), ProxyError> {
    let region = match trim {
        None => CropBox::full(displayed),
        Some(trim) => {
            let (width, height) = trim.remaining(displayed)?;
            let region = CropBox::full((width, height));
            CropBox { left: f64::from(trim.left), top: f64::from(trim.top), ..region }
        }
    };
    // Exact: the region's sides are whole pixels.
    let trimmed = (region.width as u32, region.height as u32);
    let rotated = if options.rotate.swaps_axes() { (trimmed.1, trimmed.0) } else { trimmed };
    Ok((region, geometry(rotated, options.width, options.height, options.fit)))
}

/// Computes the geometry for a source of `source` pixels asked to fit `width` × `height`.
pub fn geometry(source: (u32, u32), width: Option<u32>, height: Option<u32>, fit: Fit) -> Geometry {
    let (sw, sh) = (f64::from(source.0.max(1)), f64::from(source.1.max(1)));
    // A missing dimension follows from the other through the aspect ratio; the scale then
    // comes from the given dimension alone, so rounding the other cannot shrink it.
    let (bw, bh, fit_scale, fill_scale) = match (width, height) {
        (None, None) => return identity(source),
        (Some(w), Some(h)) => {
            let (bw, bh) = (f64::from(w), f64::from(h));
            (bw, bh, (bw / sw).min(bh / sh), (bw / sw).max(bh / sh))
        }
        (Some(w), None) => {
            let scale = f64::from(w) / sw;
            (f64::from(w), (sh * scale).round().max(1.0), scale, scale)
        }
        (None, Some(h)) => {
            let scale = f64::from(h) / sh;
            ((sw * scale).round().max(1.0), f64::from(h), scale, scale)
        }
    };
    match fit {
        Fit::ScaleDown => scaled(source, fit_scale.min(1.0)),
        Fit::Contain => scaled(source, fit_scale),
        Fit::ScaleUp => scaled(source, fit_scale.max(1.0)),
        // An image that fills the box is covered into it; a smaller one keeps its size and
        // loses what lies outside the largest centred part in the box's shape.
        Fit::AspectCrop if fill_scale <= 1.0 => cropped(source, fill_scale, (bw, bh)),
        Fit::AspectCrop => {
            let aspect = bw / bh;
            let part = if sw / sh > aspect { (sh * aspect, sh) } else { (sw, sw / aspect) };
            cropped(source, 1.0, part)
        }
        Fit::Cover => cropped(source, fill_scale, (bw, bh)),
        Fit::Crop => {
            let scale = fill_scale.min(1.0);
            cropped(source, scale, (bw.min(sw * scale), bh.min(sh * scale)))
        }
        // With one dimension, the box already has the source's aspect ratio.
        Fit::Squeeze => {
            let resized = (to_pixels(bw), to_pixels(bh));
            Geometry { crop: full(source), resized, canvas: resized, offset: (0, 0) }
        }
        Fit::Pad => {
            let inner = scaled(source, fit_scale);
            let canvas = (to_pixels(bw), to_pixels(bh));
            let offset = ((canvas.0 - inner.resized.0) / 2, (canvas.1 - inner.resized.1) / 2);
            Geometry { canvas, offset, ..inner }
        }
    }
}

fn identity(source: (u32, u32)) -> Geometry {
    Geometry { crop: full(source), resized: source, canvas: source, offset: (0, 0) }
}

/// The whole source, scaled.
fn scaled(source: (u32, u32), scale: f64) -> Geometry {
    let resized = (to_pixels(f64::from(source.0) * scale), to_pixels(f64::from(source.1) * scale));
    Geometry { crop: full(source), resized, canvas: resized, offset: (0, 0) }
}

/// The centre of the source that, scaled by `scale`, exactly fills `out`.
fn cropped(source: (u32, u32), scale: f64, out: (f64, f64)) -> Geometry {
    let resized = (to_pixels(out.0), to_pixels(out.1));
    let (sw, sh) = (f64::from(source.0), f64::from(source.1));
    let width = (f64::from(resized.0) / scale).min(sw);
    let height = (f64::from(resized.1) / scale).min(sh);
    let crop = CropBox { left: (sw - width) / 2.0, top: (sh - height) / 2.0, width, height };
    Geometry { crop, resized, canvas: resized, offset: (0, 0) }
}

/// Rounds a length to whole pixels, at least one.
fn to_pixels(length: f64) -> u32 {
    // Lengths here are bounded by MAX_DIMENSION times a scale of at most MAX_DIMENSION, far
    // inside u32; `as` saturates regardless.
    length.round().max(1.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(source: (u32, u32), w: Option<u32>, h: Option<u32>, fit: Fit) -> Geometry {
        geometry(source, w, h, fit)
    }

    #[test]
    fn no_dimensions_is_identity() {
        let geo = g((640, 480), None, None, Fit::Cover);
        assert!(geo.is_identity((640, 480)));
    }

    #[test]
    fn one_dimension_keeps_the_aspect_ratio() {
        assert_eq!(g((2000, 1000), Some(200), None, Fit::ScaleDown).canvas, (200, 100));
        assert_eq!(g((2000, 1000), None, Some(50), Fit::ScaleDown).canvas, (100, 50));
        assert_eq!(g((2000, 1000), Some(200), None, Fit::Cover).canvas, (200, 100));
        assert_eq!(g((3, 1000), Some(1), None, Fit::ScaleDown).canvas, (1, 333));
        assert_eq!(g((1000, 1), Some(10), None, Fit::ScaleDown).canvas, (10, 1), "never zero");
        assert_eq!(
            g((2048, 396), Some(32), None, Fit::ScaleDown).canvas,
            (32, 6),
            "rounding the height does not shrink the width"
        );
    }

    #[test]
    fn scale_down_never_enlarges_but_contain_does() {
        assert!(g((100, 50), Some(400), Some(400), Fit::ScaleDown).is_identity((100, 50)));
        assert_eq!(g((100, 50), Some(400), Some(400), Fit::Contain).canvas, (400, 200));
        assert_eq!(g((1000, 500), Some(400), Some(400), Fit::ScaleDown).canvas, (400, 200));
    }

    #[test]
    fn cover_fills_the_box_from_the_centre() {
        let geo = g((1000, 500), Some(200), Some(200), Fit::Cover);
        assert_eq!(geo.canvas, (200, 200));
        assert_eq!(geo.crop, CropBox { left: 250.0, top: 0.0, width: 500.0, height: 500.0 });
        assert_eq!(g((100, 50), Some(400), Some(400), Fit::Cover).canvas, (400, 400), "enlarges");
    }

    #[test]
    fn a_focus_moves_the_crop_within_the_edges() {
        let geo = g((1000, 500), Some(200), Some(200), Fit::Cover);
        let at = |x, y| geo.focused_on(full((1000, 500)), (x, y)).crop;
        assert_eq!(at(0.0, 0.5).left, 0.0, "left keeps the left edge");
        assert_eq!(at(1.0, 0.5).left, 500.0, "right keeps the right edge");
        assert_eq!(at(0.5, 0.5), geo.crop, "centre is the default");
        assert_eq!(at(0.3, 0.5).left, 50.0, "a point is centred when the edges allow");
        assert_eq!(at(0.3, 0.0).top, 0.0, "the full height cannot move");
        assert_eq!(at(0.3, 1.0).top, 0.0);
    }

    #[test]
    fn a_trimmed_region_bounds_the_crop_and_the_focus() {
        // 1000x500 with 100 px trimmed off the left and 300 off the right: 600x500 remain.
        let region = CropBox { left: 100.0, top: 0.0, width: 600.0, height: 500.0 };
        let geo = g((600, 500), Some(100), Some(100), Fit::Cover).inside(region);
        assert_eq!(geo.crop, CropBox { left: 150.0, top: 0.0, width: 500.0, height: 500.0 });
        assert_eq!(geo.focused_on(region, (0.0, 0.5)).crop.left, 100.0, "left stops at the trim");
        assert_eq!(geo.focused_on(region, (1.0, 0.5)).crop.left, 200.0, "right stops at the trim");
    }

    #[test]
    fn crop_is_cover_that_never_enlarges() {
        assert_eq!(g((1000, 500), Some(200), Some(200), Fit::Crop).canvas, (200, 200));
        assert!(g((100, 50), Some(400), Some(400), Fit::Crop).is_identity((100, 50)));
        let wide = g((1000, 100), Some(200), Some(200), Fit::Crop);
        assert_eq!(wide.canvas, (200, 100), "cropped to the box, not enlarged");
        assert_eq!(wide.crop, CropBox { left: 400.0, top: 0.0, width: 200.0, height: 100.0 });
    }

    #[test]
    fn a_shrunk_source_scales_the_crop_box() {
        let geo = g((1000, 500), Some(200), Some(200), Fit::Cover);
        let shrunk = geo.for_loaded_source((1000, 500), (250, 125));
        assert_eq!(shrunk.crop, CropBox { left: 62.5, top: 0.0, width: 125.0, height: 125.0 });
        assert_eq!(shrunk.resized, (200, 200));
        assert_eq!(geo.for_loaded_source((1000, 500), (1000, 500)), geo);
    }

    #[test]
    fn rotated_geometry_maps_back_to_the_source() {
        // A 1000x500 source turned 90 degrees is 500x1000; cover it into 200x100.
        let rotated = g((500, 1000), Some(200), Some(100), Fit::Cover);
        assert_eq!(rotated.crop, CropBox { left: 0.0, top: 375.0, width: 500.0, height: 250.0 });
        let source = rotated.before_rotation(true);
        assert_eq!(source.crop, CropBox { left: 375.0, top: 0.0, width: 250.0, height: 500.0 });
        assert_eq!(source.resized, (100, 200));
        assert_eq!(rotated.before_rotation(false).crop, rotated.crop);
        let padded = g((500, 1000), Some(300), Some(300), Fit::Pad).before_rotation(true);
        assert_eq!((padded.canvas, padded.offset), (padded.resized, (0, 0)), "padding comes later");
    }

    #[test]
    fn scale_up_enlarges_and_never_shrinks() {
        assert_eq!(g((100, 50), Some(400), Some(400), Fit::ScaleUp).resized, (400, 200));
        assert_eq!(g((1000, 500), Some(400), Some(400), Fit::ScaleUp).resized, (1000, 500), "kept");
        assert_eq!(g((100, 50), Some(300), None, Fit::ScaleUp).resized, (300, 150));
    }

    #[test]
    fn aspect_crop_keeps_the_box_shape_and_never_enlarges() {
        // Cloudflare's example: 612×613 asked for 1920×1120 stays at its size, cut to 612×357.
        let small = g((612, 613), Some(1920), Some(1120), Fit::AspectCrop);
        assert_eq!(small.resized, (612, 357));
        assert!((small.crop.height - 357.0).abs() < 0.5 && small.crop.width == 612.0);
        assert!((small.crop.top - 128.0).abs() < 0.5, "centred: {:?}", small.crop);
        // A large one is covered into the box, as `cover` does.
        let large = g((2000, 1000), Some(400), Some(400), Fit::AspectCrop);
        assert_eq!(large, g((2000, 1000), Some(400), Some(400), Fit::Cover));
        // Wider than tall but smaller than the box: full height, the width cut.
        assert_eq!(g((300, 100), Some(500), Some(500), Fit::AspectCrop).resized, (100, 100));
    }

    #[test]
    fn squeeze_stretches_the_whole_source_to_the_box() {
        let geo = g((1000, 500), Some(300), Some(300), Fit::Squeeze);
        assert_eq!((geo.resized, geo.canvas), ((300, 300), (300, 300)));
        assert_eq!(geo.crop, full((1000, 500)), "nothing is cut");
        assert_eq!(g((100, 50), Some(400), Some(10), Fit::Squeeze).canvas, (400, 10), "enlarges too");
        assert_eq!(
            g((1000, 500), Some(200), None, Fit::Squeeze),
            g((1000, 500), Some(200), None, Fit::Contain)
        );
        assert_eq!(g((100, 50), None, Some(100), Fit::Squeeze).canvas, (200, 100), "like contain");
    }

    #[test]
    fn pad_centres_the_image_on_the_box() {
        let geo = g((1000, 500), Some(300), Some(300), Fit::Pad);
        assert_eq!(geo.resized, (300, 150));
        assert_eq!(geo.canvas, (300, 300));
        assert_eq!(geo.offset, (0, 75));
    }
}
