//! Writes the sources `bench/formats.sh` times: one photo-like 1000×1000 picture as BMP,
//! TIFF (uncompressed, and LZW), PNG and JPEG, and its 256×256 crop as an ICO (an icon's
//! largest size) and as a PNG to compare it with; the photo as AVIF (read for its header and
//! served as it is) and an SVG of 2,000 shapes over 1000×1000 (sanitised), timed beside the
//! JPEG served as it is. Deterministic:
//! `cargo run --release --example format_sources -- <dir>`.

use std::path::PathBuf;

use image::codecs::ico::{IcoEncoder, IcoFrame};
use image::{ExtendedColorType, ImageFormat, Rgb, RgbImage};
use rgb::FromSlice;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: format_sources <dir>")?);
    std::fs::create_dir_all(&out)?;
    let side = 1000;
    let photo = RgbImage::from_fn(side, side, |x, y| {
        let (fx, fy) = (f64::from(x) / f64::from(side), f64::from(y) / f64::from(side));
        let wave = ((fx * 9.0).sin() * (fy * 7.0).cos() * 0.5 + 0.5) * 255.0;
        Rgb([(fx * 255.0) as u8, wave as u8, (fy * 255.0) as u8])
    });
    photo.save_with_format(out.join("photo.bmp"), ImageFormat::Bmp)?;
    photo.save_with_format(out.join("photo.png"), ImageFormat::Png)?;
    photo.save_with_format(out.join("photo.jpg"), ImageFormat::Jpeg)?;
    photo.save_with_format(out.join("photo.tiff"), ImageFormat::Tiff)?;
    let mut lzw = std::fs::File::create(out.join("photo-lzw.tiff"))?;
    tiff::encoder::TiffEncoder::new(&mut lzw)?
        .with_compression(tiff::encoder::Compression::Lzw)
        .write_image::<tiff::encoder::colortype::RGB8>(side, side, photo.as_raw())?;
    let icon = image::imageops::crop_imm(&photo, 0, 0, 256, 256).to_image();
    icon.save_with_format(out.join("icon.png"), ImageFormat::Png)?;
    let frame = IcoFrame::as_png(icon.as_raw(), 256, 256, ExtendedColorType::Rgb8)?;
    IcoEncoder::new(std::fs::File::create(out.join("icon.ico"))?).encode_images(&[frame])?;
    let avif = ravif::Encoder::new().with_quality(80.0).with_speed(10).with_num_threads(Some(1));
    let side = side as usize;
    let encoded = avif.encode_rgb(ravif::Img::new(photo.as_raw().as_rgb(), side, side))?;
    std::fs::write(out.join("photo.avif"), encoded.avif_file)?;
    std::fs::write(out.join("shapes.svg"), shapes(2000))?;
    Ok(())
}

/// An SVG of `count` shapes with styles, gradients and links, as drawings exported from an
/// editor are: what the sanitiser reads, element by element.
fn shapes(count: u32) -> String {
    let mut svg = String::from(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         width=\"1000\" height=\"1000\" viewBox=\"0 0 1000 1000\">\n<defs><linearGradient id=\"g\">\
         <stop offset=\"0\" stop-color=\"#f80\"/><stop offset=\"1\" stop-color=\"#08f\"/>\
         </linearGradient></defs>\n",
    );
    for n in 0..count {
        let (x, y) = ((n * 37) % 1000, (n * 91) % 1000);
        svg.push_str(&format!(
            "<g transform=\"rotate({} {x} {y})\"><rect x=\"{x}\" y=\"{y}\" width=\"40\" height=\"25\" \
             fill=\"url(#g)\" stroke=\"#333\" stroke-width=\"1.5\" opacity=\"0.8\"/>\
             <path d=\"M{x} {y} l20 30 l-40 0 z\" style=\"fill:#{:06x}\"/></g>\n",
            n % 360,
            (n * 2_654_435) & 0xff_ffff
        ));
    }
    svg.push_str("</svg>\n");
    svg
}
