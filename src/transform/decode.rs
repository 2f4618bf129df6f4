//! Reading images: the format from magic bytes, the header alone for dimensions, and then the
//! pixels under decoder limits.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::Pixels;
use crate::error::ProxyError;
use crate::negotiate::SourceFormat;

/// What the header of an image says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// The format, from magic bytes.
    pub format: SourceFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Whether the pixels carry an alpha channel.
    pub has_alpha: bool,
}

/// The format of an image from its first bytes; `Content-Type` is never trusted for this.
pub fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(SourceFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(SourceFormat::Png)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(SourceFormat::Gif)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(SourceFormat::Webp)
    } else {
        None
    }
}

fn image_format(format: SourceFormat) -> ImageFormat {
    match format {
        SourceFormat::Jpeg => ImageFormat::Jpeg,
        SourceFormat::Png => ImageFormat::Png,
        SourceFormat::Gif => ImageFormat::Gif,
        SourceFormat::Webp => ImageFormat::WebP,
    }
}

/// Reads the header only: format, dimensions and alpha. No pixel is decoded.
pub fn inspect(bytes: &[u8]) -> Result<ImageInfo, ProxyError> {
    let format = sniff(bytes).ok_or(ProxyError::NotAnImage)?;
    let decoder = ImageReader::with_format(Cursor::new(bytes), image_format(format))
        .into_decoder()
        .map_err(undecodable)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ProxyError::UndecodableImage(format!(
            "the image header declares {width}x{height} pixels"
        )));
    }
    Ok(ImageInfo { format, width, height, has_alpha: decoder.color_type().has_alpha() })
}

/// Decodes the pixels of an image already inspected, refusing to allocate more than its
/// header justified (a frame larger than the declared canvas is a bomb, not an image).
pub(super) fn decode(bytes: &[u8], info: &ImageInfo) -> Result<Pixels, ProxyError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format(info.format));
    reader.limits(limits(info));
    let image = reader.decode().map_err(undecodable)?;
    Ok(into_pixels(image))
}

fn limits(info: &ImageInfo) -> Limits {
    // 8 bytes a pixel covers 16-bit RGBA, the widest layout a decoder produces; the slack
    // covers decoders' own tables and row buffers.
    const SLACK: u64 = 8 * 1024 * 1024;
    let mut limits = Limits::default();
    limits.max_image_width = Some(info.width);
    limits.max_image_height = Some(info.height);
    limits.max_alloc = Some(u64::from(info.width) * u64::from(info.height) * 8 + SLACK);
    limits
}

fn into_pixels(image: DynamicImage) -> Pixels {
    let (width, height) = (image.width(), image.height());
    if image.color().has_alpha() {
        Pixels::Rgba8 { width, height, data: image.into_rgba8().into_raw() }
    } else {
        Pixels::Rgb8 { width, height, data: image.into_rgb8().into_raw() }
    }
}

fn undecodable(err: ImageError) -> ProxyError {
    let why = match &err {
        ImageError::Limits(_) => {
            "decoding the image would take more memory than its header declares".to_string()
        }
        ImageError::Unsupported(e) => format!("the image uses an unsupported feature: {e}"),
        ImageError::IoError(_) => "the image data ends too early".to_string(),
        other => format!("the image data is damaged: {other}"),
    };
    ProxyError::UndecodableImage(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_magic_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some(SourceFormat::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(SourceFormat::Png));
        assert_eq!(sniff(b"GIF89a..."), Some(SourceFormat::Gif));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(SourceFormat::Webp));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(sniff(b"<svg xmlns="), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn text_is_not_an_image() {
        assert_eq!(inspect(b"<html>hello</html>"), Err(ProxyError::NotAnImage));
    }
}
