//! `trim=border`: the uniform border around decoded pixels, worked out as the trim that cuts
//! it off the source. The pixels may be a JPEG shrunk on load: the border is found on them
//! and scaled to source pixels, rounding towards keeping more, so the trim never cuts into
//! what the border surrounds.

use super::Pixels;
use crate::options::{BorderTrim, Rgba, TrimSides};

/// The trim that cuts `border` off `pixels`, in the pixels of the source they were decoded
/// from (`source`, as displayed), less `border.keep` on each side. An image that is all
/// border is not trimmed.
pub(super) fn find(pixels: &Pixels, source: (u32, u32), border: BorderTrim) -> TrimSides {
    let (width, height) = pixels.dimensions();
    let (channels, data) = match pixels {
        Pixels::Rgb8 { data, .. } => (3, data),
        Pixels::Rgba8 { data, .. } => (4, data),
    };
    let stride = width as usize * channels;
    let rows = || data.chunks_exact(stride);
    let Some(colour) = border.color.or_else(|| rows().next().and_then(|row| rgba(row, channels))) else {
        return TrimSides::default();
    };
    let is_border = |pixel: &[u8]| matches(pixel, colour, border.tolerance);
    let row_is_border = |row: &&[u8]| row.chunks_exact(channels).all(is_border);
    let top = rows().take_while(row_is_border).count();
    if top == rows().len() {
        return TrimSides::default();
    }
    let bottom = rows().rev().take_while(row_is_border).count();
    // Rows below the top border and above the bottom one; the first of them holds a pixel
    // that is not border, so the columns' scans stop before they meet.
    let middle = rows().len().saturating_sub(top + bottom);
    let column_is_border = |x: &usize| {
        rows()
            .skip(top)
            .take(middle)
            .all(|row| row.get(x * channels..(x + 1) * channels).is_none_or(is_border))
    };
    let left = (0..width as usize).take_while(column_is_border).count();
    let right = (left..width as usize).rev().take_while(column_is_border).count();
    // Decoded pixels to source pixels, rounded down: a decoded row that is border stands for
    // at least this many source rows of border.
    let scale = |count: usize, decoded: u32, full: u32| {
        let source_pixels = count as f64 * f64::from(full) / f64::from(decoded.max(1));
        // At most `full`: `count` is at most `decoded`.
        (source_pixels.floor() as u32).saturating_sub(border.keep)
    };
    TrimSides {
        top: scale(top, height, source.1),
        right: scale(right, width, source.0),
        bottom: scale(bottom, height, source.1),
        left: scale(left, width, source.0),
    }
}

/// The first pixel of `row` as RGBA.
fn rgba(row: &[u8], channels: usize) -> Option<Rgba> {
    match row.get(..channels)? {
        [r, g, b] => Some(Rgba([*r, *g, *b, 255])),
        [r, g, b, a] => Some(Rgba([*r, *g, *b, *a])),
        _ => None,
    }
}

/// Whether `pixel` (RGB or RGBA) is `colour` within `tolerance`, on Cloudflare's scale: no
/// channel, alpha included, differs by more than 255 − `tolerance`. Two fully transparent
/// pixels match whatever colour they hide.
fn matches(pixel: &[u8], Rgba(colour): Rgba, tolerance: u8) -> bool {
    let alpha = pixel.get(3).copied().unwrap_or(255);
    if alpha == 0 && colour[3] == 0 {
        return true;
    }
    let most = 255 - tolerance;
    pixel.iter().chain((pixel.len() == 3).then_some(&255)).zip(colour).all(|(a, b)| a.abs_diff(b) <= most)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: [u8; 3] = [255, 255, 255];

    /// A `width` × `height` RGB image of `border`, with a rectangle of `inside` from
    /// (left, top) to (right, bottom), exclusive.
    fn framed(size: (u32, u32), inside: (u32, u32, u32, u32), border: [u8; 3], fill: [u8; 3]) -> Pixels {
        let (left, top, right, bottom) = inside;
        let data = (0..size.1)
            .flat_map(|y| {
                (0..size.0).flat_map(move |x| {
                    if (left..right).contains(&x) && (top..bottom).contains(&y) {
                        fill
                    } else {
                        border
                    }
                })
            })
            .collect();
        Pixels::Rgb8 { width: size.0, height: size.1, data }
    }

    #[test]
    fn a_white_frame_is_found_on_each_side() {
        let image = framed((20, 10), (3, 1, 15, 8), WHITE, [10, 20, 30]);
        let sides = find(&image, (20, 10), BorderTrim::default());
        assert_eq!(sides, TrimSides { top: 1, right: 5, bottom: 2, left: 3 });
    }

    #[test]
    fn keep_leaves_some_of_the_border() {
        let image = framed((20, 10), (3, 1, 15, 8), WHITE, [10, 20, 30]);
        let sides = find(&image, (20, 10), BorderTrim { keep: 2, ..BorderTrim::default() });
        assert_eq!(sides, TrimSides { top: 0, right: 3, bottom: 0, left: 1 });
    }

    #[test]
    fn the_colour_given_wins_over_the_corner() {
        // A black frame around white: with white named, nothing is border.
        let image = framed((10, 10), (2, 2, 8, 8), [0, 0, 0], WHITE);
        let white = BorderTrim { color: Some(Rgba([255, 255, 255, 255])), ..BorderTrim::default() };
        assert_eq!(find(&image, (10, 10), white), TrimSides::default());
        assert_eq!(
            find(&image, (10, 10), BorderTrim::default()),
            TrimSides { top: 2, right: 2, bottom: 2, left: 2 }
        );
    }

    #[test]
    fn tolerance_is_how_close_a_colour_must_be() {
        // A border of near-white (250) around dark: the default (within 10) takes it in, an
        // exact match against white does not.
        let image = framed((10, 10), (2, 2, 8, 8), [250, 250, 250], [0, 0, 0]);
        let white = Some(Rgba([255, 255, 255, 255]));
        let within_10 = BorderTrim { color: white, ..BorderTrim::default() };
        assert_eq!(find(&image, (10, 10), within_10), TrimSides { top: 2, right: 2, bottom: 2, left: 2 });
        let exact = BorderTrim { color: white, tolerance: 255, keep: 0 };
        assert_eq!(find(&image, (10, 10), exact), TrimSides::default());
        let anything = BorderTrim { color: white, tolerance: 0, keep: 0 };
        assert_eq!(find(&image, (10, 10), anything), TrimSides::default(), "all border: left whole");
    }

    #[test]
    fn a_border_found_on_a_shrunk_decode_is_scaled_down_to_whole_source_pixels() {
        // Decoded at 1/8 of 160×80: a border of 2 decoded rows is 16 source rows.
        let image = framed((20, 10), (3, 2, 15, 8), WHITE, [10, 20, 30]);
        let sides = find(&image, (160, 80), BorderTrim::default());
        assert_eq!(sides, TrimSides { top: 16, right: 40, bottom: 16, left: 24 });
        // 157 × 79 decoded at 1/8 rounds up to 20 × 10: a decoded row is 7.9 source rows.
        let odd = find(&image, (157, 79), BorderTrim::default());
        assert_eq!(odd, TrimSides { top: 15, right: 39, bottom: 15, left: 23 });
    }

    #[test]
    fn transparent_borders_match_whatever_colour_they_hide() {
        let data: Vec<u8> = (0..4)
            .flat_map(|x| match x {
                0 => [9, 9, 9, 0],
                1 => [200, 0, 0, 0],
                _ => [0, 0, 255, 255],
            })
            .collect();
        let image = Pixels::Rgba8 { width: 4, height: 1, data };
        assert_eq!(
            find(&image, (4, 1), BorderTrim::default()),
            TrimSides { left: 2, ..TrimSides::default() }
        );
    }
}
