//! Writes the sources `bench/formats.sh` times: one photo-like 1000×1000 picture as BMP,
//! TIFF (uncompressed, and LZW), PNG and JPEG, and its 256×256 crop as an ICO (an icon's
//! largest size) and as a PNG to compare it with. Deterministic:
//! `cargo run --release --example format_sources -- <dir>`.

use std::path::PathBuf;

use image::codecs::ico::{IcoEncoder, IcoFrame};
use image::{ExtendedColorType, ImageFormat, Rgb, RgbImage};

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
    Ok(())
}
