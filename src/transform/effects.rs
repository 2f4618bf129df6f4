//! Pixel effects on the resized image: `blur`, `sharpen` and compositing onto `background`.
//!
//! They run after resizing, on output-sized pixels, so their cost follows the output and
//! not the source. Blur is three box-blur passes per axis, which approximate a Gaussian
//! within a few percent at a cost independent of the radius.

use super::Pixels;
use crate::options::Rgba;

/// Blurs with a Gaussian of standard deviation `radius / 2`, so the visible spread is about
/// `radius` pixels. Colour is blurred premultiplied by alpha, so transparent pixels' hidden
/// colour does not bleed into the edges.
pub(super) fn blur(pixels: Pixels, radius: u8) -> Pixels {
    gaussian(pixels, f64::from(radius) / 2.0)
}

/// Unsharp mask: each pixel moves away from its blurred neighbourhood by `tenths / 20` of
/// the difference (sharpen=1 adds half the detail again; 10 adds five times). Alpha is left
/// as it is.
pub(super) fn sharpen(pixels: Pixels, tenths: u8) -> Pixels {
    let amount = f64::from(tenths) / 20.0;
    let blurred = gaussian(pixels.clone(), 1.0);
    let channels = channels(&pixels);
    let (width, height) = pixels.dimensions();
    let mut data = into_data(pixels);
    for (index, (value, soft)) in data.iter_mut().zip(pixel_bytes(&blurred)).enumerate() {
        if channels == 4 && index % 4 == 3 {
            continue;
        }
        let detail = f64::from(*value) - f64::from(*soft);
        // Rounded and clamped to 0..=255 first, so the cast is exact.
        *value = (f64::from(*value) + amount * detail).round().clamp(0.0, 255.0) as u8;
    }
    with_data(channels, width, height, data)
}

/// Composites an image with alpha over `background`. An opaque background gives an opaque
/// (RGB) image; a translucent one keeps alpha, combined the usual "over" way.
pub(super) fn onto_background(pixels: Pixels, background: Rgba) -> Pixels {
    let Pixels::Rgba8 { width, height, data } = pixels else { return pixels };
    let Rgba([br, bg, bb, ba]) = background;
    if ba == 255 {
        let data = data
            .chunks_exact(4)
            .flat_map(|p| match *p {
                [r, g, b, a] => [mix(r, br, a), mix(g, bg, a), mix(b, bb, a)],
                _ => [br, bg, bb],
            })
            .collect();
        return Pixels::Rgb8 { width, height, data };
    }
    let data = data
        .chunks_exact(4)
        .flat_map(|p| match *p {
            [r, g, b, a] => over([r, g, b, a], [br, bg, bb, ba]),
            _ => [br, bg, bb, ba],
        })
        .collect();
    Pixels::Rgba8 { width, height, data }
}

/// `front` over `back` with coverage `alpha`, rounded.
fn mix(front: u8, back: u8, alpha: u8) -> u8 {
    let (f, b, a) = (u32::from(front), u32::from(back), u32::from(alpha));
    // A convex combination of two bytes: at most 255.
    ((f * a + b * (255 - a) + 127) / 255) as u8
}

/// Porter-Duff "over" for straight-alpha pixels.
fn over(front: [u8; 4], back: [u8; 4]) -> [u8; 4] {
    let fa = f64::from(front[3]) / 255.0;
    let ba = f64::from(back[3]) / 255.0;
    let out_a = fa + ba * (1.0 - fa);
    if out_a <= 0.0 {
        return [0, 0, 0, 0];
    }
    let channel = |f: u8, b: u8| {
        let c = (f64::from(f) * fa + f64::from(b) * ba * (1.0 - fa)) / out_a;
        // A weighted mean of two bytes, clamped: in 0..=255.
        c.round().clamp(0.0, 255.0) as u8
    };
    let alpha = (out_a * 255.0).round().clamp(0.0, 255.0) as u8;
    [channel(front[0], back[0]), channel(front[1], back[1]), channel(front[2], back[2]), alpha]
}

/// A Gaussian blur of standard deviation `sigma`, as three box blurs per axis.
fn gaussian(pixels: Pixels, sigma: f64) -> Pixels {
    let channels = channels(&pixels);
    let (width, height) = pixels.dimensions();
    let (w, h) = (width as usize, height as usize);
    let mut data = into_data(pixels);
    if channels == 4 {
        premultiply(&mut data);
    }
    for radius in box_radii(sigma) {
        data = box_rows(&data, w, channels, radius);
        let transposed = transpose(&data, w, h, channels);
        let blurred = box_rows(&transposed, h, channels, radius);
        data = transpose(&blurred, h, w, channels);
    }
    if channels == 4 {
        unpremultiply(&mut data);
    }
    with_data(channels, width, height, data)
}

/// Radii of three successive box blurs whose result approximates a Gaussian of `sigma`
/// (Kovesi, "Fast almost-Gaussian filtering", 2010).
fn box_radii(sigma: f64) -> [usize; 3] {
    let ideal = (4.0 * sigma * sigma + 1.0).sqrt(); // sqrt(12σ²/3 + 1): the ideal box width
                                                    // At least 1 and at most a few hundred for the sigmas used here.
    let mut lower = ideal.floor().max(1.0) as usize;
    if lower.is_multiple_of(2) {
        lower -= 1; // even means at least 2
    }
    let wl = lower as f64;
    // How many of the three boxes take the narrower width so the variances add up to σ².
    let narrow = ((12.0 * sigma * sigma - 3.0 * wl * wl - 12.0 * wl - 9.0) / (-4.0 * wl - 4.0)).round();
    let radius = |index: u8| if f64::from(index) < narrow { (lower - 1) / 2 } else { lower.div_ceil(2) };
    [radius(0), radius(1), radius(2)]
}

/// A box blur of `radius` along each row; the window shrinks at the edges.
fn box_rows(data: &[u8], width: usize, channels: usize, radius: usize) -> Vec<u8> {
    if radius == 0 || width == 0 {
        return data.to_vec();
    }
    let mut out = Vec::with_capacity(data.len());
    let mut prefix = vec![0u32; width + 1];
    let mut row_out = vec![0u8; width * channels];
    for row in data.chunks_exact(width * channels) {
        for channel in 0..channels {
            let mut sum = 0u32;
            for (slot, value) in prefix.iter_mut().skip(1).zip(row.iter().skip(channel).step_by(channels)) {
                sum += u32::from(*value);
                *slot = sum;
            }
            for (x, target) in row_out.iter_mut().skip(channel).step_by(channels).enumerate() {
                let lo = x.saturating_sub(radius);
                let hi = (x + radius + 1).min(width);
                // prefix is non-decreasing and hi > lo, so the difference cannot underflow.
                let total = prefix.get(hi).copied().unwrap_or(0) - prefix.get(lo).copied().unwrap_or(0);
                let count = (hi - lo) as u32;
                // A mean of bytes: at most 255.
                *target = ((total + count / 2) / count) as u8;
            }
        }
        out.extend_from_slice(&row_out);
    }
    out
}

/// Swaps rows and columns of a `width` × `height` image.
fn transpose(data: &[u8], width: usize, height: usize, channels: usize) -> Vec<u8> {
    let mut out = vec![0u8; data.len()];
    for (y, row) in data.chunks_exact(width * channels).enumerate() {
        for (x, pixel) in row.chunks_exact(channels).enumerate() {
            let start = (x * height + y) * channels;
            if let Some(target) = out.get_mut(start..start + channels) {
                target.copy_from_slice(pixel);
            }
        }
    }
    out
}

fn premultiply(data: &mut [u8]) {
    for pixel in data.chunks_exact_mut(4) {
        if let [r, g, b, a] = pixel {
            let alpha = *a;
            for c in [r, g, b] {
                *c = mix(*c, 0, alpha);
            }
        }
    }
}

fn unpremultiply(data: &mut [u8]) {
    for pixel in data.chunks_exact_mut(4) {
        if let [r, g, b, a] = pixel {
            let alpha = u32::from(*a);
            for c in [r, g, b] {
                // Premultiplied colour never exceeds its alpha, up to rounding; clamp the rest.
                let straight = (u32::from(*c) * 255 + alpha / 2).checked_div(alpha).unwrap_or(0);
                *c = straight.min(255) as u8;
            }
        }
    }
}

fn channels(pixels: &Pixels) -> usize {
    match pixels {
        Pixels::Rgb8 { .. } => 3,
        Pixels::Rgba8 { .. } => 4,
    }
}

fn into_data(pixels: Pixels) -> Vec<u8> {
    match pixels {
        Pixels::Rgb8 { data, .. } | Pixels::Rgba8 { data, .. } => data,
    }
}

/// The bytes of either layout, read-only.
fn pixel_bytes(pixels: &Pixels) -> &[u8] {
    match pixels {
        Pixels::Rgb8 { data, .. } | Pixels::Rgba8 { data, .. } => data,
    }
}

fn with_data(channels: usize, width: u32, height: u32, data: Vec<u8>) -> Pixels {
    if channels == 4 {
        Pixels::Rgba8 { width, height, data }
    } else {
        Pixels::Rgb8 { width, height, data }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Pixels {
        let f = &f;
        let data = (0..height).flat_map(|y| (0..width).flat_map(move |x| f(x, y))).collect::<Vec<_>>();
        Pixels::Rgb8 { width, height, data }
    }

    fn at(pixels: &Pixels, x: u32, y: u32) -> Vec<u8> {
        let (width, _) = pixels.dimensions();
        let c = channels(pixels);
        let start = (y * width + x) as usize * c;
        pixel_bytes(pixels)[start..start + c].to_vec()
    }

    #[test]
    fn blur_softens_an_edge_and_keeps_flat_areas() {
        let edge = rgb(64, 8, |x, _| if x < 32 { [0, 0, 0] } else { [255, 255, 255] });
        let soft = blur(edge.clone(), 8);
        assert_eq!(soft.dimensions(), (64, 8));
        assert_eq!(at(&soft, 0, 4), vec![0, 0, 0], "far from the edge: unchanged");
        assert_eq!(at(&soft, 63, 4), vec![255, 255, 255]);
        let near = at(&soft, 30, 4)[0];
        assert!(near > 40 && near < 128, "two pixels left of the edge is grey: {near}");
        assert!(at(&soft, 33, 4)[0] < 255);
        assert!(at(&blur(edge, 1), 28, 4)[0] < 5, "a small radius stays local");
    }

    #[test]
    fn sharpen_steepens_an_edge_and_leaves_flat_areas() {
        let ramp = rgb(32, 4, |x, _| if x < 16 { [100, 100, 100] } else { [150, 150, 150] });
        let sharp = sharpen(ramp, 20);
        assert_eq!(at(&sharp, 2, 1), vec![100, 100, 100]);
        assert!(at(&sharp, 15, 1)[0] < 100, "undershoot before the edge");
        assert!(at(&sharp, 16, 1)[0] > 150, "overshoot after it");
    }

    #[test]
    fn transparent_pixels_take_the_background() {
        let data = vec![255, 0, 0, 255, 255, 0, 0, 0, 255, 0, 0, 128, 0, 0, 0, 0];
        let image = Pixels::Rgba8 { width: 4, height: 1, data };
        let flat = onto_background(image.clone(), Rgba([0, 0, 255, 255]));
        assert_eq!(pixel_bytes(&flat), &[255, 0, 0, 0, 0, 255, 128, 0, 127, 0, 0, 255]);
        let glass = onto_background(image, Rgba([0, 0, 255, 128]));
        assert_eq!(at(&glass, 0, 0), vec![255, 0, 0, 255]);
        assert_eq!(at(&glass, 1, 0), vec![0, 0, 255, 128]);
    }

    #[test]
    fn blurring_alpha_does_not_bleed_hidden_colour() {
        // Left half: opaque white; right half: fully transparent but with black hidden colour.
        let data: Vec<u8> =
            (0..16).flat_map(|x| if x < 8 { [255, 255, 255, 255] } else { [0, 0, 0, 0] }).collect();
        let soft = blur(Pixels::Rgba8 { width: 16, height: 1, data }, 6);
        let edge = at(&soft, 8, 0);
        assert!(edge[3] > 0 && edge[3] < 255, "alpha is blurred: {edge:?}");
        assert_eq!(&edge[..3], &[255, 255, 255], "colour stays white where it shows");
    }
}
