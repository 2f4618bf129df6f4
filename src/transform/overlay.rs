//! Overlays (`draw`, and the configured watermark) drawn on the output: after resizing, the
//! effects and the pad, before encoding, on every frame of an animation alike.
//!
//! Each overlay is decoded with the engine's own decoder, turned by its `rotate`, sized by
//! its `width`, `height` and `fit` with the same geometry and resizer as the main image, laid
//! on its `background`, then composited "over" the output (Porter-Duff) in premultiplied
//! alpha, its alpha scaled by `opacity`, once or tiled (`repeat`). Its decoded pixels are in
//! the work's memory estimate ([`overlay_bytes`]) and CPU estimate, known from its header.

use super::decode::{self, check_pixels, inspect, ImageInfo, Shrink};
use super::geometry::{geometry, CropBox, Geometry};
use super::{effects, orient, resize, Pixels};
use crate::error::ProxyError;
use crate::format::SourceFormat;
use crate::options::{Anchor, Flip, Gravity, Placement, Repeat, Rgba};

/// An overlay to draw: its source's bytes and where it goes.
#[derive(Debug, Clone, Copy)]
pub struct Overlay<'a> {
    /// The overlay's source, whole.
    pub bytes: &'a [u8],
    /// Where and how it is drawn.
    pub place: Placement,
    /// Outputs narrower than this are left without it (`WATERMARK_MIN_WIDTH`; 0 for `draw`).
    pub min_output_width: u32,
}

/// An overlay whose header has been read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layer<'a> {
    pub(super) overlay: Overlay<'a>,
    pub(super) info: ImageInfo,
}

/// Reads each overlay's header: only images the engine decodes can be drawn (not SVG, not
/// AVIF), each within `max_pixels`.
pub(super) fn layers<'a>(overlays: &[Overlay<'a>], max_pixels: u64) -> Result<Vec<Layer<'a>>, ProxyError> {
    overlays
        .iter()
        .map(|overlay| {
            let info = inspect(overlay.bytes)?;
            if matches!(info.format, SourceFormat::Svg | SourceFormat::Avif) {
                return Err(ProxyError::NotTransformable(format!(
                    "an overlay must be a JPEG, PNG, GIF, WebP, BMP, ICO or TIFF image, not {}",
                    info.format.name()
                )));
            }
            check_pixels((info.width, info.height), max_pixels)?;
            Ok(Layer { overlay: *overlay, info })
        })
        .collect()
}

impl Layer<'_> {
    /// Whether the overlay is drawn on an output `canvas` wide.
    pub(super) fn applies(&self, canvas: (u32, u32)) -> bool {
        canvas.0 >= self.overlay.min_output_width
    }

    /// Its own size, turned by its `rotate`.
    fn turned(&self) -> (u32, u32) {
        let (width, height) = (self.info.width, self.info.height);
        if self.overlay.place.rotate.swaps_axes() {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// How it is sized on an output `canvas` large: its `width`, `height` and `fit`.
    pub(super) fn sizing(&self, canvas: (u32, u32)) -> Geometry {
        let place = &self.overlay.place;
        let width = place.width.map(|size| size.pixels(canvas.0));
        let height = place.height.map(|size| size.pixels(canvas.0));
        geometry(self.turned(), width, height, place.fit)
    }
}

/// What the estimates count for one overlay on a `canvas`: pixels decoded and placed.
pub(super) fn sizes(layer: &Layer, canvas: (u32, u32)) -> ((u32, u32), (u32, u32)) {
    ((layer.info.width, layer.info.height), layer.sizing(canvas).canvas)
}

/// Bytes an overlay holds beside the output's canvas: its file, its decoded pixels in the
/// decoder's layout and as RGBA, a turned copy, then the resize's input, intermediate and
/// output, the pad and the background, each RGBA.
pub(super) fn overlay_bytes(layer: &Layer, canvas: (u32, u32)) -> u64 {
    let (decoded, placed) = sizes(layer, canvas);
    let area = |(w, h): (u32, u32)| u64::from(w) * u64::from(h);
    let file = layer.overlay.bytes.len() as u64;
    file + area(decoded) * (u64::from(layer.info.decoded_bytes_per_pixel) + 4 * 3) + area(placed) * 4 * 3
}

/// An overlay ready to draw: straight-alpha RGBA at its placed size, where its copies go on
/// the output, and its opacity.
pub(super) struct Prepared {
    size: (u32, u32),
    rgba: Vec<u8>,
    origins: Vec<(i64, i64)>,
    opacity: f32,
}

/// Decodes, turns, sizes and places every overlay that applies to a `canvas` this large.
pub(super) fn prepare(layers: &[Layer], canvas: (u32, u32)) -> Result<Vec<Prepared>, ProxyError> {
    layers.iter().filter(|layer| layer.applies(canvas)).map(|layer| prepare_one(layer, canvas)).collect()
}

fn prepare_one(layer: &Layer, canvas: (u32, u32)) -> Result<Prepared, ProxyError> {
    let place = &layer.overlay.place;
    let pixels = decode::decode(layer.overlay.bytes, &layer.info, Shrink::None)?;
    let pixels = orient::flip_and_rotate(pixels, Flip::None, place.rotate)?;
    let plan = layer.sizing(canvas);
    let pixels = resize::apply(pixels, &plan, CropBox::full(layer.turned()))?;
    let pixels = with_alpha(pixels);
    let pixels =
        if plan.canvas == plan.resized { pixels } else { resize::pad(pixels, &plan, Rgba([0, 0, 0, 0])) };
    let pixels = match place.background {
        Some(background) => with_alpha(effects::onto_background(pixels, background)),
        None => pixels,
    };
    let (size, rgba) = match pixels {
        Pixels::Rgba8 { width, height, data } => ((width, height), data),
        Pixels::Rgb8 { .. } => return Err(ProxyError::Internal("an overlay without alpha".into())),
    };
    let origins = origins(place, size, canvas);
    Ok(Prepared { size, rgba, origins, opacity: f32::from(place.opacity) / 1000.0 })
}

/// RGBA, opaque where the pixels had no alpha.
fn with_alpha(pixels: Pixels) -> Pixels {
    match pixels {
        Pixels::Rgb8 { width, height, .. } => Pixels::Rgba8 { width, height, data: pixels.into_rgba() },
        rgba => rgba,
    }
}

/// The top-left corner of each copy of an overlay `size` large on a `canvas`: one, or every
/// tile that reaches the canvas along the repeated axes, on the grid through the placed one.
fn origins(place: &Placement, size: (u32, u32), canvas: (u32, u32)) -> Vec<(i64, i64)> {
    let (x, y) = position(place.anchor, size, canvas);
    let along = |at: i64, length: u32, extent: u32, repeated: bool| -> Vec<i64> {
        let length = i64::from(length.max(1));
        if !repeated {
            return vec![at];
        }
        let first = at.rem_euclid(length) - if at.rem_euclid(length) > 0 { length } else { 0 };
        (0..).map(|n| first + n * length).take_while(|start| *start < i64::from(extent)).collect()
    };
    let xs = along(x, size.0, canvas.0, matches!(place.repeat, Repeat::Both | Repeat::X));
    let ys = along(y, size.1, canvas.1, matches!(place.repeat, Repeat::Both | Repeat::Y));
    ys.iter().flat_map(|y| xs.iter().map(move |x| (*x, *y))).collect()
}

/// Where the (first) copy's top-left corner goes: from the named edges (an axis with neither
/// edge centred), or at the gravity's point of the canvas less its margins.
fn position(anchor: Anchor, (width, height): (u32, u32), (canvas_w, canvas_h): (u32, u32)) -> (i64, i64) {
    let (w, h, cw, ch) = (i64::from(width), i64::from(height), i64::from(canvas_w), i64::from(canvas_h));
    match anchor {
        Anchor::Edges { top, left, bottom, right } => {
            let x = match (left, right) {
                (Some(left), _) => i64::from(left),
                (None, Some(right)) => cw - w - i64::from(right),
                (None, None) => (cw - w) / 2,
            };
            let y = match (top, bottom) {
                (Some(top), _) => i64::from(top),
                (None, Some(bottom)) => ch - h - i64::from(bottom),
                (None, None) => (ch - h) / 2,
            };
            (x, y)
        }
        Anchor::Gravity { gravity, margin } => {
            let (gx, gy) = match gravity {
                Gravity::Point { x, y } => (i64::from(x), i64::from(y)),
                // Refused by the parser; the centre, should one come.
                Gravity::Auto => (500, 500),
            };
            let margin = i64::from(margin);
            let at = |free: i64, g: i64| margin + (free - 2 * margin) * g / 1000;
            (at(cw - w, gx), at(ch - h, gy))
        }
    }
}

/// Draws every prepared overlay over `pixels`, in order.
pub(super) fn draw(pixels: Pixels, prepared: &[Prepared]) -> Pixels {
    if prepared.is_empty() {
        return pixels;
    }
    let (width, height) = pixels.dimensions();
    let (channels, mut data) = match pixels {
        Pixels::Rgb8 { data, .. } => (3, data),
        Pixels::Rgba8 { data, .. } => (4, data),
    };
    for overlay in prepared {
        for origin in &overlay.origins {
            over(&mut data, (width, height), channels, overlay, *origin);
        }
    }
    match channels {
        3 => Pixels::Rgb8 { width, height, data },
        _ => Pixels::Rgba8 { width, height, data },
    }
}

/// One copy of `overlay` at `origin` composited over `canvas` (of `channels` 3 or 4), the
/// parts outside it clipped: in premultiplied terms, out = src × αs + dst × αd × (1 − αs),
/// αout = αs + αd × (1 − αs), with αs the overlay's alpha times its opacity.
fn over(
    canvas: &mut [u8],
    (width, height): (u32, u32),
    channels: usize,
    overlay: &Prepared,
    origin: (i64, i64),
) {
    let (ow, oh) = (i64::from(overlay.size.0), i64::from(overlay.size.1));
    let (x0, x1) = (origin.0.max(0), (origin.0 + ow).min(i64::from(width)));
    let (y0, y1) = (origin.1.max(0), (origin.1 + oh).min(i64::from(height)));
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    // Inside the canvas and the overlay after the clipping above, so every index is in range
    // and non-negative; `get` keeps it so without a panic path.
    let count = (x1 - x0) as usize;
    for y in y0..y1 {
        let row = (y as usize * width as usize + x0 as usize) * channels;
        let src = (((y - origin.1) * ow + (x0 - origin.0)) * 4) as usize;
        let (Some(dst), Some(src)) =
            (canvas.get_mut(row..row + count * channels), overlay.rgba.get(src..src + count * 4))
        else {
            continue;
        };
        for (d, s) in dst.chunks_exact_mut(channels).zip(src.chunks_exact(4)) {
            blend(d, s, overlay.opacity);
        }
    }
}

/// One pixel: `s` (straight RGBA) over `d` (RGB, opaque, or straight RGBA).
fn blend(d: &mut [u8], s: &[u8], opacity: f32) {
    let (Some(&sa), Some(dst_alpha)) = (s.get(3), Some(d.get(3).copied().unwrap_or(255))) else { return };
    let a = f32::from(sa) / 255.0 * opacity;
    if a <= 0.0 {
        return;
    }
    let da = f32::from(dst_alpha) / 255.0;
    let out_a = a + da * (1.0 - a);
    for (dc, sc) in d.iter_mut().zip(s).take(3) {
        let premultiplied = f32::from(*sc) * a + f32::from(*dc) * da * (1.0 - a);
        *dc = to_byte(premultiplied / out_a);
    }
    if let Some(alpha) = d.get_mut(3) {
        *alpha = to_byte(out_a * 255.0);
    }
}

/// Rounded and clamped to a byte.
fn to_byte(value: f32) -> u8 {
    // Clamped to 0..=255 first, so the cast is exact.
    (value + 0.5).clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Size;

    /// A PNG of `size` filled with `rgba`.
    fn png(size: (u32, u32), rgba: [u8; 4]) -> Vec<u8> {
        let image = image::RgbaImage::from_pixel(size.0, size.1, image::Rgba(rgba));
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Png).expect("encodes");
        out.into_inner()
    }

    /// A PNG of `size` whose left half is opaque `colour` and whose right half is transparent.
    fn left_half_png((width, height): (u32, u32), [r, g, b]: [u8; 3]) -> Vec<u8> {
        let image = image::RgbaImage::from_fn(width, height, |x, _| {
            image::Rgba(if x < width / 2 { [r, g, b, 255] } else { [0, 0, 0, 0] })
        });
        let mut bytes = std::io::Cursor::new(Vec::new());
        image.write_to(&mut bytes, image::ImageFormat::Png).expect("encodes");
        bytes.into_inner()
    }

    fn white(size: (u32, u32)) -> Pixels {
        Pixels::Rgb8 { width: size.0, height: size.1, data: vec![255; (size.0 * size.1 * 3) as usize] }
    }

    fn drawn(canvas: Pixels, bytes: &[u8], place: Placement) -> Pixels {
        let overlay = Overlay { bytes, place, min_output_width: 0 };
        let layers = layers(&[overlay], u64::MAX).expect("decodable");
        let prepared = prepare(&layers, canvas.dimensions()).expect("prepared");
        draw(canvas, &prepared)
    }

    fn at(pixels: &Pixels, (x, y): (u32, u32)) -> Vec<u8> {
        let (width, channels, data) = match pixels {
            Pixels::Rgb8 { width, data, .. } => (*width, 3, data),
            Pixels::Rgba8 { width, data, .. } => (*width, 4, data),
        };
        let start = ((y * width + x) * channels) as usize;
        data[start..start + channels as usize].to_vec()
    }

    fn edges(top: Option<u32>, left: Option<u32>, bottom: Option<u32>, right: Option<u32>) -> Anchor {
        Anchor::Edges { top, left, bottom, right }
    }

    #[test]
    fn a_half_opaque_red_square_on_white_is_pink_where_it_lies_and_nowhere_else() {
        let red = png((10, 10), [255, 0, 0, 255]);
        let place =
            Placement { opacity: 500, anchor: edges(None, None, Some(5), Some(5)), ..Placement::default() };
        let out = drawn(white((40, 30)), &red, place);
        assert_eq!(at(&out, (30, 20)), vec![255, 128, 128], "inside: 25..35 x 15..25");
        assert_eq!(at(&out, (25, 15)), vec![255, 128, 128], "its top-left corner");
        assert_eq!(at(&out, (24, 15)), vec![255, 255, 255], "left of it");
        assert_eq!(at(&out, (35, 25)), vec![255, 255, 255], "past its bottom-right corner");
    }

    #[test]
    fn alpha_and_opacity_multiply_and_a_transparent_canvas_takes_the_overlay_over_it() {
        let half = png((4, 4), [0, 0, 255, 128]);
        let out = drawn(white((4, 4)), &half, Placement { opacity: 500, ..Placement::default() });
        // αs = 128/255 × 0.5 ≈ 0.251: 255 × 0.749 ≈ 191.
        assert_eq!(at(&out, (1, 1)), vec![191, 191, 255]);
        let clear = Pixels::Rgba8 { width: 4, height: 4, data: vec![0; 64] };
        let out =
            drawn(clear, &png((4, 4), [0, 255, 0, 255]), Placement { opacity: 500, ..Placement::default() });
        assert_eq!(at(&out, (0, 0)), vec![0, 255, 0, 128], "its colour, at its alpha");
    }

    #[test]
    fn gravity_with_a_margin_puts_the_overlay_in_a_corner() {
        let black = png((10, 5), [0, 0, 0, 255]);
        let corner = Anchor::Gravity { gravity: Gravity::Point { x: 1000, y: 1000 }, margin: 3 };
        let out = drawn(white((50, 40)), &black, Placement { anchor: corner, ..Placement::default() });
        assert_eq!(at(&out, (46, 36)), vec![0, 0, 0], "the last pixel inside the margin");
        assert_eq!(at(&out, (47, 36)), vec![255, 255, 255], "the margin");
        assert_eq!(at(&out, (37, 32)), vec![0, 0, 0], "its top-left: 50-3-10, 40-3-5");
        assert_eq!(at(&out, (36, 32)), vec![255, 255, 255]);
        let centred = drawn(white((50, 40)), &black, Placement::default());
        assert_eq!((at(&centred, (20, 17)), at(&centred, (19, 17))), (vec![0, 0, 0], vec![255, 255, 255]));
    }

    #[test]
    fn repeat_tiles_along_the_axes_asked_through_the_placed_copy() {
        // A 4×4 tile: its left half black, its right half transparent.
        let bytes = left_half_png((4, 4), [0, 0, 0]);
        let place = |repeat| Placement {
            repeat,
            anchor: edges(Some(1), Some(1), None, None),
            ..Placement::default()
        };
        let x = drawn(white((20, 12)), &bytes, place(Repeat::X));
        assert_eq!(at(&x, (1, 1)), vec![0, 0, 0]);
        assert_eq!(at(&x, (3, 1)), vec![255, 255, 255], "the transparent half");
        assert_eq!(at(&x, (17, 2)), vec![0, 0, 0], "the fifth tile along the row");
        assert_eq!(
            at(&x, (0, 4)),
            vec![255, 255, 255],
            "the tile before the first reaches x=0 only at x -3..1"
        );
        assert_eq!(at(&x, (1, 6)), vec![255, 255, 255], "not tiled down");
        let both = drawn(white((20, 12)), &bytes, place(Repeat::Both));
        assert_eq!(at(&both, (17, 10)), vec![0, 0, 0], "tiled both ways");
        assert_eq!(at(&both, (1, 0)), vec![0, 0, 0], "the row of tiles above reaches y=0");
        let y = drawn(white((20, 12)), &bytes, place(Repeat::Y));
        assert_eq!((at(&y, (1, 10)), at(&y, (5, 1))), (vec![0, 0, 0], vec![255, 255, 255]));
    }

    #[test]
    fn width_fit_rotate_and_background_size_and_turn_the_overlay() {
        // 40×20, its left half red, its right half transparent.
        let bytes = left_half_png((40, 20), [255, 0, 0]);
        let top_left = edges(Some(0), Some(0), None, None);
        let white_px = vec![255, 255, 255];
        // Halved: 20×10, red on 0..10.
        let half = Placement { width: Some(Size::Pixels(20)), anchor: top_left, ..Placement::default() };
        let out = drawn(white((60, 60)), &bytes, half);
        assert_eq!(at(&out, (2, 2)), vec![255, 0, 0]);
        assert_eq!((at(&out, (16, 2)), at(&out, (2, 12))), (white_px.clone(), white_px.clone()));
        // Turned 90° clockwise: 20×40, red on top; on a blue background.
        let turned = Placement {
            rotate: crate::options::Rotation::Quarter,
            background: Some(Rgba([0, 0, 255, 255])),
            anchor: top_left,
            ..Placement::default()
        };
        let out = drawn(white((60, 60)), &bytes, turned);
        assert_eq!((at(&out, (5, 3)), at(&out, (5, 30))), (vec![255, 0, 0], vec![0, 0, 255]));
        assert_eq!(at(&out, (25, 3)), white_px);
        // fit=pad in 40×40: the 40×20 image centred on rows 10..30, transparent around it.
        let padded = Placement {
            width: Some(Size::Pixels(40)),
            height: Some(Size::Pixels(40)),
            fit: crate::options::Fit::Pad,
            anchor: top_left,
            ..Placement::default()
        };
        let out = drawn(white((60, 60)), &bytes, padded);
        assert_eq!((at(&out, (2, 5)), at(&out, (2, 15))), (white_px, vec![255, 0, 0]));
    }

    #[test]
    fn a_watermark_leaves_outputs_under_its_minimum_width_clean() {
        let red = png((2, 2), [255, 0, 0, 255]);
        let overlay = Overlay { bytes: &red, place: Placement::default(), min_output_width: 100 };
        let layers = layers(&[overlay], u64::MAX).expect("decodable");
        assert!(prepare(&layers, (99, 50)).expect("prepared").is_empty());
        assert_eq!(prepare(&layers, (100, 50)).expect("prepared").len(), 1);
    }

    #[test]
    fn an_svg_or_a_too_large_overlay_is_refused() {
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"></svg>";
        let overlay = Overlay { bytes: svg, place: Placement::default(), min_output_width: 0 };
        assert!(matches!(layers(&[overlay], u64::MAX), Err(ProxyError::NotTransformable(_))));
        let big = png((10, 10), [0, 0, 0, 255]);
        let overlay = Overlay { bytes: &big, place: Placement::default(), min_output_width: 0 };
        assert!(matches!(layers(&[overlay], 99), Err(ProxyError::TooManyPixels { .. })));
    }
}
