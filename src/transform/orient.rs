//! `flip` and `rotate`, applied to the resized image (small, so the copies are cheap), in
//! Cloudflare's order: mirrored first, then turned (`flip=h,rotate=90` mirrors left and right,
//! then turns the mirror image clockwise).

use image::{DynamicImage, RgbImage, RgbaImage};

use super::Pixels;
use crate::error::ProxyError;
use crate::options::{Flip, Rotation};

/// Mirrors, then rotates clockwise.
pub(super) fn flip_and_rotate(pixels: Pixels, flip: Flip, rotation: Rotation) -> Result<Pixels, ProxyError> {
    if rotation == Rotation::None && flip == Flip::None {
        return Ok(pixels);
    }
    let image = to_image(pixels)
        .ok_or_else(|| ProxyError::Internal("pixel buffer does not match its size".into()))?;
    let image = match flip {
        Flip::None => image,
        Flip::Horizontal => image.fliph(),
        Flip::Vertical => image.flipv(),
        Flip::Both => image.fliph().flipv(),
    };
    let image = match rotation {
        Rotation::None => image,
        Rotation::Quarter => image.rotate90(),
        Rotation::Half => image.rotate180(),
        Rotation::ThreeQuarters => image.rotate270(),
    };
    Ok(from_image(image))
}

/// `None` only if the buffer is smaller than its dimensions say, which no decoder or resize
/// here produces.
fn to_image(pixels: Pixels) -> Option<DynamicImage> {
    match pixels {
        Pixels::Rgb8 { width, height, data } => {
            RgbImage::from_raw(width, height, data).map(DynamicImage::ImageRgb8)
        }
        Pixels::Rgba8 { width, height, data } => {
            RgbaImage::from_raw(width, height, data).map(DynamicImage::ImageRgba8)
        }
    }
}

fn from_image(image: DynamicImage) -> Pixels {
    let (width, height) = (image.width(), image.height());
    match image {
        DynamicImage::ImageRgba8(rgba) => Pixels::Rgba8 { width, height, data: rgba.into_raw() },
        other => Pixels::Rgb8 { width, height, data: other.into_rgb8().into_raw() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x1 image: red, then blue.
    fn red_blue() -> Pixels {
        Pixels::Rgb8 { width: 2, height: 1, data: vec![255, 0, 0, 0, 0, 255] }
    }

    #[test]
    fn a_quarter_turn_stands_the_row_up() {
        let turned = flip_and_rotate(red_blue(), Flip::None, Rotation::Quarter).expect("sized");
        assert_eq!(turned, Pixels::Rgb8 { width: 1, height: 2, data: vec![255, 0, 0, 0, 0, 255] });
        let back = flip_and_rotate(red_blue(), Flip::None, Rotation::ThreeQuarters).expect("sized");
        assert_eq!(back, Pixels::Rgb8 { width: 1, height: 2, data: vec![0, 0, 255, 255, 0, 0] });
    }

    #[test]
    fn flips_and_half_turns_mirror() {
        let mirrored = Pixels::Rgb8 { width: 2, height: 1, data: vec![0, 0, 255, 255, 0, 0] };
        let run = |flip, rotation| flip_and_rotate(red_blue(), flip, rotation).expect("sized");
        assert_eq!(run(Flip::Horizontal, Rotation::None), mirrored);
        assert_eq!(run(Flip::None, Rotation::Half), mirrored);
        assert_eq!(run(Flip::Vertical, Rotation::None), red_blue());
        assert_eq!(run(Flip::Both, Rotation::Half), red_blue());
    }

    #[test]
    fn the_mirror_comes_before_the_turn() {
        // Mirrored, red-blue becomes blue-red; turned clockwise, blue ends on top.
        let turned = flip_and_rotate(red_blue(), Flip::Horizontal, Rotation::Quarter).expect("sized");
        assert_eq!(turned, Pixels::Rgb8 { width: 1, height: 2, data: vec![0, 0, 255, 255, 0, 0] });
    }
}
