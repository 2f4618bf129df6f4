//! Draws the sample images in `www/samples/` that the playground and `make dev` serve.
//! They are generated rather than copied so that their origin is plain: run
//! `cargo run --release --example make_samples` to draw them again (the output is
//! deterministic).

use std::f64::consts::PI;

use image::codecs::gif::{GifEncoder, Repeat};
use image::{ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/samples");
    std::fs::create_dir_all(&out)?;

    // A smooth, colourful 1600x1067 "landscape": JPEG is the everyday case.
    let landscape = RgbImage::from_fn(1600, 1067, |x, y| {
        let (fx, fy) = (f64::from(x) / 1600.0, f64::from(y) / 1067.0);
        let sky = (fy < 0.55 + 0.05 * (fx * 7.0 * PI).sin()) as u8 as f64;
        let wave = ((fx * 23.0 + fy * 11.0).sin() * 0.5 + 0.5) * 40.0;
        let r = sky * (90.0 + 120.0 * fy) + (1.0 - sky) * (40.0 + wave);
        let g = sky * (150.0 + 60.0 * fy) + (1.0 - sky) * (110.0 + wave * 1.5);
        let b = sky * (235.0 - 40.0 * fx) + (1.0 - sky) * (50.0 + wave * 0.5);
        Rgb([r as u8, g as u8, b as u8])
    });
    landscape.save_with_format(out.join("landscape.jpg"), ImageFormat::Jpeg)?;

    // A 800x800 disc with a soft transparent edge: alpha must survive resizing.
    let disc = RgbaImage::from_fn(800, 800, |x, y| {
        let (dx, dy) = (f64::from(x) - 400.0, f64::from(y) - 400.0);
        let r = (dx * dx + dy * dy).sqrt();
        let alpha = ((380.0 - r) / 20.0).clamp(0.0, 1.0);
        let hue = (dy.atan2(dx) / PI + 1.0) * 0.5;
        Rgba([(255.0 * hue) as u8, (255.0 * (1.0 - hue)) as u8, 180, (alpha * 255.0) as u8])
    });
    disc.save_with_format(out.join("disc.png"), ImageFormat::Png)?;

    // A 640x480 portrait-style checkerboard with a diagonal, as WebP (lossless).
    let board = RgbImage::from_fn(480, 640, |x, y| {
        let square = ((x / 40) + (y / 40)) % 2 == 0;
        let on_diagonal = (i64::from(x) * 4 / 3 - i64::from(y)).abs() < 6;
        match (on_diagonal, square) {
            (true, _) => Rgb([220, 30, 30]),
            (false, true) => Rgb([240, 240, 240]),
            (false, false) => Rgb([30, 30, 60]),
        }
    });
    board.save_with_format(out.join("board.webp"), ImageFormat::WebP)?;

    // A small GIF: GIF sources come out as PNG.
    let stripes =
        RgbImage::from_fn(
            300,
            200,
            |x, _| if (x / 20) % 2 == 0 { Rgb([250, 200, 0]) } else { Rgb([0, 90, 160]) },
        );
    stripes.save_with_format(out.join("stripes.gif"), ImageFormat::Gif)?;

    // An animated GIF of 8 frames, a dot going round on a transparent ground: animations
    // stay animated, as GIF or as WebP.
    let frames = (0..8).map(|step| {
        let angle = f64::from(step) * PI / 4.0;
        let (cx, cy) = (120.0 + 80.0 * angle.cos(), 120.0 + 80.0 * angle.sin());
        let picture = RgbaImage::from_fn(240, 240, |x, y| {
            let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
            if dx * dx + dy * dy < 30.0 * 30.0 {
                Rgba([(40 + 25 * step) as u8, 120, (240 - 25 * step) as u8, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        image::Frame::from_parts(picture, 0, 0, image::Delay::from_numer_denom_ms(100, 1))
    });
    let mut encoder = GifEncoder::new(std::fs::File::create(out.join("spinner.gif"))?);
    encoder.set_repeat(Repeat::Infinite)?;
    encoder.encode_frames(frames)?;
    drop(encoder);

    // A 200x50 watermark with alpha, for `draw` and `WATERMARK_SOURCE`: a translucent dark
    // bar with rounded ends and an opaque white chevron band, so that opacity and placement
    // show on any picture.
    let overlay = RgbaImage::from_fn(200, 50, |x, y| {
        let (fx, fy) = (f64::from(x), f64::from(y));
        let end = if fx < 25.0 {
            25.0 - fx
        } else if fx > 175.0 {
            fx - 175.0
        } else {
            0.0
        };
        let inside = end * end + (fy - 25.0) * (fy - 25.0) < 25.0 * 25.0;
        let chevron = ((fx + (fy - 25.0).abs()) as u32 / 12).is_multiple_of(2) && (12.0..38.0).contains(&fy);
        match (inside, chevron && (30.0..170.0).contains(&fx)) {
            (false, _) => Rgba([0, 0, 0, 0]),
            (true, true) => Rgba([255, 255, 255, 255]),
            (true, false) => Rgba([20, 20, 30, 150]),
        }
    });
    overlay.save_with_format(out.join("overlay.png"), ImageFormat::Png)?;
    Ok(())
}
