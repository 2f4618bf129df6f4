//! The colour adjustments, Cloudflare's `brightness`, `contrast`, `gamma` and `saturation`: one
//! pass over the output's pixels, after resizing, in place (so they need no memory beyond the
//! image they change). The first three act on each channel alone, so they are one 256-entry
//! lookup table, worked out once in floating point and rounded once; saturation mixes the
//! channels of a pixel, so it is worked out per pixel. Alpha is left as it is.

use super::Pixels;
use crate::options::{Factor, TransformOptions};

/// Rec. 709 luma weights: the grey a pixel keeps at `saturation=0`, for sRGB's primaries.
const LUMA: [f64; 3] = [0.2126, 0.7152, 0.0722];

/// Applies the colour adjustments `options` asks for, if any.
pub(super) fn adjust(pixels: &mut Pixels, options: &TransformOptions) {
    if !options.adjusts_colour() {
        return;
    }
    let (channels, data) = match pixels {
        Pixels::Rgb8 { data, .. } => (3, data),
        Pixels::Rgba8 { data, .. } => (4, data),
    };
    let table = options.brightness.is_some() || options.contrast.is_some() || options.gamma.is_some();
    let table = table.then(|| tone_table(options));
    let saturation = options.saturation.map(|factor| factor.get());
    for pixel in data.chunks_exact_mut(channels) {
        if let [r, g, b, ..] = pixel {
            if let Some(table) = &table {
                for c in [&mut *r, &mut *g, &mut *b] {
                    // A u8 indexes a 256-entry table.
                    *c = table.get(usize::from(*c)).copied().unwrap_or(*c);
                }
            }
            if let Some(factor) = saturation {
                [*r, *g, *b] = saturate([*r, *g, *b], factor);
            }
        }
    }
}

/// What `brightness`, then `contrast`, then `gamma` make of each 8-bit value.
fn tone_table(options: &TransformOptions) -> [u8; 256] {
    let factor = |f: Option<Factor>| f.map_or(1.0, Factor::get);
    let (brightness, contrast, gamma) =
        (factor(options.brightness), factor(options.contrast), factor(options.gamma));
    std::array::from_fn(|value| {
        // `value` is an index below 256: exact as f64.
        let mut x = value as f64 / 255.0;
        x = (x * brightness).clamp(0.0, 1.0);
        x = ((x - 0.5) * contrast + 0.5).clamp(0.0, 1.0);
        x = x.powf(gamma);
        to_byte(x * 255.0)
    })
}

/// The pixel moved away from (or towards) its own grey by `factor`.
fn saturate(rgb: [u8; 3], factor: f64) -> [u8; 3] {
    let grey: f64 = rgb.iter().zip(LUMA).map(|(c, w)| f64::from(*c) * w).sum();
    rgb.map(|c| to_byte(grey + (f64::from(c) - grey) * factor))
}

/// Rounded and clamped to a byte.
fn to_byte(value: f64) -> u8 {
    // Clamped to 0..=255 first, so the cast is exact; NaN (never made here) would become 0.
    value.round().clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(brightness: u16, contrast: u16, gamma: u16, saturation: u16) -> TransformOptions {
        let factor = |hundredths: u16| Some(Factor(hundredths)).filter(|f| f.0 != 100);
        TransformOptions {
            brightness: factor(brightness),
            contrast: factor(contrast),
            gamma: factor(gamma),
            saturation: factor(saturation),
            ..TransformOptions::default()
        }
    }

    fn adjusted(rgba: Vec<u8>, options: &TransformOptions) -> Vec<u8> {
        let width = (rgba.len() / 4) as u32;
        let mut pixels = Pixels::Rgba8 { width, height: 1, data: rgba };
        adjust(&mut pixels, options);
        match pixels {
            Pixels::Rgba8 { data, .. } | Pixels::Rgb8 { data, .. } => data,
        }
    }

    #[test]
    fn brightness_multiplies_every_channel_and_leaves_alpha() {
        let half = adjusted(vec![200, 100, 10, 77, 255, 255, 255, 255], &options(50, 100, 100, 100));
        assert_eq!(half, vec![100, 50, 5, 77, 128, 128, 128, 255]);
        let double = adjusted(vec![200, 100, 10, 0], &options(200, 100, 100, 100));
        assert_eq!(double, vec![255, 200, 20, 0], "clipped at white");
    }

    #[test]
    fn contrast_moves_values_from_mid_grey() {
        let flat = adjusted(vec![0, 255, 128, 255], &options(100, 50, 100, 100));
        assert_eq!(flat, vec![64, 191, 128, 255], "shadows lighter, highlights darker");
        // 1.5 × (v − 127.5) + 127.5: 32.25, 222.75, 86.25.
        let steep = adjusted(vec![64, 191, 100, 255], &options(100, 150, 100, 100));
        assert_eq!(steep, vec![32, 223, 86, 255]);
    }

    #[test]
    fn gamma_moves_the_midtones_and_keeps_black_and_white() {
        let lighter = adjusted(vec![0, 64, 255, 255], &options(100, 100, 50, 100));
        assert_eq!(lighter, vec![0, 128, 255, 255], "sqrt(0.25) = 0.5");
        let darker = adjusted(vec![0, 128, 255, 255], &options(100, 100, 200, 100));
        assert_eq!(darker, vec![0, 64, 255, 255]);
    }

    #[test]
    fn saturation_zero_is_the_luma_grey_and_two_doubles_the_distance() {
        let grey = adjusted(vec![255, 0, 0, 255, 0, 255, 0, 9], &options(100, 100, 100, 0));
        assert_eq!(grey, vec![54, 54, 54, 255, 182, 182, 182, 9]);
        let vivid = adjusted(vec![150, 100, 100, 255], &options(100, 100, 100, 200));
        // Grey is 110.6: red goes to 189.4, green and blue to 89.4.
        assert_eq!(vivid, vec![189, 89, 89, 255]);
    }

    #[test]
    fn the_table_applies_brightness_then_contrast_then_gamma() {
        // 0.4 → ×1.5 = 0.6 → contrast 2: 0.7 → gamma 2: 0.49.
        let out = adjusted(vec![102, 0, 0, 255], &options(150, 200, 200, 100));
        assert_eq!(out[0], 125);
    }

    #[test]
    fn nothing_asked_changes_nothing() {
        let pixels = vec![1, 2, 3, 4, 250, 251, 252, 253];
        assert_eq!(adjusted(pixels.clone(), &TransformOptions::default()), pixels);
    }
}
