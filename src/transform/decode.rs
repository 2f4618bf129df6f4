//! Reading images: the format from magic bytes, the header alone for dimensions, and then the
//! pixels under decoder limits.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::geometry::Geometry;
use super::jpeg_segments::FrameKind;
use super::Pixels;
use crate::error::ProxyError;
use crate::format::SourceFormat;

/// What the header of an image says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// The format, from magic bytes.
    pub format: SourceFormat,
    /// Width in pixels as displayed, after the EXIF orientation.
    pub width: u32,
    /// Height in pixels as displayed, after the EXIF orientation.
    pub height: u32,
    /// Whether the pixels carry an alpha channel.
    pub has_alpha: bool,
    /// The EXIF orientation, 1 (as stored) to 8; decoding applies it, since re-encoded images
    /// carry no EXIF for a viewer to apply.
    pub orientation: u8,
    /// Bytes a pixel takes in the decoder's own output (1 for greyscale up to 8 for 16-bit
    /// RGBA), before conversion to the engine's 8-bit RGB or RGBA.
    pub decoded_bytes_per_pixel: u8,
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
        super::read_only::sniff(bytes)
            .or_else(|| super::avif_source::sniff(bytes))
            .or_else(|| super::svg::sniff(bytes))
    }
}

/// The `image` crate's name for a format it decodes; `None` for the formats never decoded.
pub(super) fn image_format(format: SourceFormat) -> Option<ImageFormat> {
    match format {
        SourceFormat::Jpeg => Some(ImageFormat::Jpeg),
        SourceFormat::Png => Some(ImageFormat::Png),
        SourceFormat::Gif => Some(ImageFormat::Gif),
        SourceFormat::Webp => Some(ImageFormat::WebP),
        SourceFormat::Bmp => Some(ImageFormat::Bmp),
        SourceFormat::Ico => Some(ImageFormat::Ico),
        SourceFormat::Tiff => Some(ImageFormat::Tiff),
        SourceFormat::Avif | SourceFormat::Svg => None,
    }
}

/// Refuses to decode a format that is never decoded.
fn decoded_format(format: SourceFormat) -> Result<ImageFormat, ProxyError> {
    image_format(format).ok_or_else(|| {
        ProxyError::NotTransformable(format!("{} sources are never decoded", format.name().to_uppercase()))
    })
}

/// Reads the header only: format, dimensions and alpha. No pixel is decoded.
pub fn inspect(bytes: &[u8]) -> Result<ImageInfo, ProxyError> {
    let format = sniff(bytes).ok_or(ProxyError::NotAnImage)?;
    // A JPEG coded in a way neither decoder reads is named as such before either tries (they
    // would call it damaged).
    if let Some(kind) = (format == SourceFormat::Jpeg).then(|| FrameKind::of(bytes)).flatten() {
        if let Some(unsupported) = kind.unsupported() {
            return Err(ProxyError::UnsupportedImageKind(unsupported));
        }
    }
    if format == SourceFormat::Avif {
        let header = super::avif_source::header(bytes)?;
        return Ok(ImageInfo {
            format,
            width: header.width,
            height: header.height,
            has_alpha: header.has_alpha,
            orientation: 1,
            decoded_bytes_per_pixel: header.decoded_bytes_per_pixel,
        });
    }
    // A PNG declaring more than a decoder can hold is what its header says, read before any
    // decoder sees it (a decoder gives up on a cut-off one before telling its size), so that
    // it is judged against MAX_SOURCE_PIXELS (422 too-many-pixels) and described by JSON.
    if let Some(header) = png_header(bytes).filter(|info| decoded_bytes(info) > DECODER_MAX_BYTES) {
        return Ok(header);
    }
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), decoded_format(format)?)
        .into_decoder()
        .map_err(undecodable)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ProxyError::UndecodableImage(format!(
            "the image header declares {width}x{height} pixels"
        )));
    }
    // Damaged EXIF is ignored rather than fatal: the pixels are what matter.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let (width, height) = if swaps_axes(orientation) { (height, width) } else { (width, height) };
    Ok(ImageInfo {
        format,
        width,
        height,
        has_alpha: decoder.color_type().has_alpha(),
        orientation: orientation.to_exif(),
        decoded_bytes_per_pixel: decoder.color_type().bytes_per_pixel(),
    })
}

/// The `image` crate's default allocation limit: no decoder is asked for more.
const DECODER_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// The bytes a decoder's output would take.
fn decoded_bytes(info: &ImageInfo) -> u64 {
    // Saturating: a header may declare up to (2^32 - 1)² pixels of 8 bytes, past u64.
    u64::from(info.width)
        .saturating_mul(u64::from(info.height))
        .saturating_mul(u64::from(info.decoded_bytes_per_pixel))
}

/// What a PNG's `IHDR` chunk declares, read without a decoder: its dimensions, and the
/// channels and depth its pixels decode to (a palette expands to RGB, or RGBA with `tRNS`,
/// which is counted as alpha, as the decoder would give it).
fn png_header(bytes: &[u8]) -> Option<ImageInfo> {
    let word = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    if bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let (width, height) = (word(16)?, word(20)?);
    let (depth, colour) = (*bytes.get(24)?, *bytes.get(25)?);
    let has_trns = bytes.windows(4).any(|window| window == b"tRNS");
    let (channels, has_alpha) = match colour {
        0 => (1 + u8::from(has_trns), has_trns),
        2 | 3 => (3 + u8::from(has_trns), has_trns),
        4 => (2, true),
        6 => (4, true),
        _ => return None,
    };
    let bytes_per_channel = if depth == 16 { 2 } else { 1 };
    (width > 0 && height > 0).then_some(ImageInfo {
        format: SourceFormat::Png,
        width,
        height,
        has_alpha,
        orientation: 1,
        decoded_bytes_per_pixel: channels * bytes_per_channel,
    })
}

fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// How an image is decoded, and how much smaller than its full size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shrink {
    /// Full size, by the `image` crate's decoder for the format.
    None,
    /// A greyscale or colour JPEG decoded by jpeg-decoder at 1/`n` scale (n = 1, 2, 4 or 8).
    /// Scaling happens in the DCT domain, which skips most of the inverse DCT work and never
    /// holds the full-size pixels. Even at full size jpeg-decoder is used: zune-jpeg 0.5
    /// misdecodes valid JPEGs with optimised Huffman tables such as `jpeg-encoder` writes
    /// (every pixel comes out as (0, 135, 0); libjpeg-turbo and jpeg-decoder agree on them).
    Jpeg(u32),
}

impl Shrink {
    /// The size the image is decoded at, in displayed orientation (rounded up, as the
    /// decoder does).
    pub fn loaded_size(self, info: &ImageInfo) -> (u32, u32) {
        match self {
            Shrink::None => (info.width, info.height),
            Shrink::Jpeg(n) => (info.width.div_ceil(n), info.height.div_ceil(n)),
        }
    }
}

/// For JPEG, the largest shrink-on-load that still leaves at least as many pixels as the
/// geometry resizes to, so quality is that of a full decode followed by the same resize.
pub fn shrink_on_load(bytes: &[u8], info: &ImageInfo, geometry: &Geometry) -> Shrink {
    if info.format != SourceFormat::Jpeg || !scalable_jpeg(bytes) {
        return Shrink::None;
    }
    let scale_x = f64::from(geometry.resized.0) / geometry.crop.width;
    let scale_y = f64::from(geometry.resized.1) / geometry.crop.height;
    let scale = scale_x.max(scale_y);
    Shrink::Jpeg([8, 4, 2].into_iter().find(|n| scale * f64::from(*n) <= 1.0).unwrap_or(1))
}

/// Whether jpeg-decoder takes this JPEG: 8-bit greyscale or colour. CMYK and YCCK take the
/// `image` crate's path, whose decoder converts their colours.
fn scalable_jpeg(bytes: &[u8]) -> bool {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().is_ok()
        && decoder.info().is_some_and(|i| {
            matches!(i.pixel_format, jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::RGB24)
        })
}

/// What a JPEG decoder keeps of the whole image at full size while decoding: a progressive
/// JPEG's coefficients (2 bytes each, one per pixel per component, before chroma
/// subsampling, which is not known here: counted at its worst); nothing for other images.
pub(super) fn coefficient_bytes(bytes: &[u8], info: &ImageInfo) -> u64 {
    if info.format != SourceFormat::Jpeg {
        return 0;
    }
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let Some(header) = decoder.read_info().ok().and_then(|()| decoder.info()) else { return 0 };
    if header.coding_process != jpeg_decoder::CodingProcess::DctProgressive {
        return 0;
    }
    let components: u64 = match header.pixel_format {
        jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::L16 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    u64::from(header.width) * u64::from(header.height) * components * 2
}

/// Decodes the pixels of an image already inspected, refusing to allocate more than its
/// header justified (a frame larger than the declared canvas is a bomb, not an image).
pub(super) fn decode(bytes: &[u8], info: &ImageInfo, shrink: Shrink) -> Result<Pixels, ProxyError> {
    let image = match shrink {
        Shrink::None => decode_full(bytes, info)?,
        Shrink::Jpeg(n) => decode_jpeg_scaled(bytes, info, n)?,
    };
    Ok(into_pixels(oriented(image, info)))
}

fn oriented(mut image: DynamicImage, info: &ImageInfo) -> DynamicImage {
    image.apply_orientation(Orientation::from_exif(info.orientation).unwrap_or(Orientation::NoTransforms));
    image
}

/// The pixels of a JPEG that jpeg-decoder reads whole at the planned scale, oriented; `None`
/// when it fails, or when it had to make part of the picture up (data that ends before its
/// blocks do, a restart interval with data left over: what `jpeg_damage` walks for), or when
/// the JPEG is not decoded by jpeg-decoder (`Shrink::None`).
pub(super) fn decode_if_intact(bytes: &[u8], info: &ImageInfo, shrink: Shrink) -> Option<Pixels> {
    let Shrink::Jpeg(n) = shrink else { return None };
    match decode_jpeg_scaled_checked(bytes, info, n) {
        Ok((image, false)) => Some(into_pixels(oriented(image, info))),
        Ok((_, true)) | Err(_) => None,
    }
}

fn decode_jpeg_scaled(bytes: &[u8], info: &ImageInfo, n: u32) -> Result<DynamicImage, ProxyError> {
    decode_jpeg_scaled_checked(bytes, info, n).map(|(image, _damaged)| image)
}

/// The image at 1/`n` scale, and whether jpeg-decoder made part of it up
/// ([`jpeg_decoder::Decoder::entropy_data_damaged`], a patch of ours in vendor/).
fn decode_jpeg_scaled_checked(
    bytes: &[u8],
    info: &ImageInfo,
    n: u32,
) -> Result<(DynamicImage, bool), ProxyError> {
    let damaged =
        |e: jpeg_decoder::Error| ProxyError::UndecodableImage(format!("the image data is damaged: {e}"));
    // The decoder works in stored orientation.
    let (want_w, want_h) = Shrink::Jpeg(n).loaded_size(info);
    let (want_w, want_h) = if info.orientation >= 5 { (want_h, want_w) } else { (want_w, want_h) };
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let request = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
    let (width, height) = decoder.scale(request(want_w), request(want_h)).map_err(damaged)?;
    let data = decoder.decode().map_err(damaged)?;
    let (width, height) = (u32::from(width), u32::from(height));
    let pixel_format = decoder.info().map(|i| i.pixel_format);
    let image = match pixel_format {
        Some(jpeg_decoder::PixelFormat::RGB24) => {
            image::RgbImage::from_raw(width, height, data).map(DynamicImage::ImageRgb8)
        }
        Some(jpeg_decoder::PixelFormat::L8) => {
            image::GrayImage::from_raw(width, height, data).map(DynamicImage::ImageLuma8)
        }
        _ => None,
    };
    let image = image
        .ok_or_else(|| ProxyError::UndecodableImage("the scaled JPEG decode gave too few pixels".into()))?;
    Ok((image, decoder.entropy_data_damaged()))
}

fn decode_full(bytes: &[u8], info: &ImageInfo) -> Result<DynamicImage, ProxyError> {
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), decoded_format(info.format)?)
        .into_decoder()
        .map_err(undecodable)?;
    decoder.set_limits(limits(info)).map_err(undecodable)?;
    DynamicImage::from_decoder(decoder).map_err(undecodable)
}

/// What a decoder may allocate for this image: what its header justifies, and no more.
pub(super) fn limits(info: &ImageInfo) -> Limits {
    // 8 bytes a pixel covers 16-bit RGBA; a TIFF of 32-bit floats decodes wider still, as
    // its header said.
    limits_for(info, u64::from(info.decoded_bytes_per_pixel).max(8))
}

/// What a decoder that counts `bytes_per_pixel` of the canvas against its limit may
/// allocate; the slack covers decoders' own tables and row buffers.
pub(super) fn limits_for(info: &ImageInfo, bytes_per_pixel: u64) -> Limits {
    const SLACK: u64 = 8 * 1024 * 1024;
    let mut limits = Limits::default();
    // Either side may be the stored width: the orientation may have swapped them.
    let longest = info.width.max(info.height);
    limits.max_image_width = Some(longest);
    limits.max_image_height = Some(longest);
    limits.max_alloc = Some(u64::from(info.width) * u64::from(info.height) * bytes_per_pixel + SLACK);
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

/// A decoder's error, told as what is wrong with the image.
pub(super) fn undecodable(err: ImageError) -> ProxyError {
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

/// Refuses an image of more than `max_pixels` pixels, before anything is allocated for it.
pub(super) fn check_pixels((width, height): (u32, u32), max_pixels: u64) -> Result<(), ProxyError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(ProxyError::TooManyPixels { pixels, limit: max_pixels });
    }
    Ok(())
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
        assert_eq!(sniff(b"<svg xmlns="), Some(SourceFormat::Svg));
        assert_eq!(sniff(b"<html><svg xmlns="), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_png_declaring_the_largest_dimensions_is_described_by_its_header() {
        // What the decode fuzz target found: an IHDR of 4,294,967,263² pixels, 16-bit RGBA,
        // whose decoded size overflowed u64 (a panic in a build with overflow checks).
        let side = 0xFFFF_FFDF_u32;
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&side.to_be_bytes());
        png.extend_from_slice(&side.to_be_bytes());
        png.extend_from_slice(&[16, 6, 0, 0, 0, 0, 0, 0, 0]);
        let info = inspect(&png).expect("described by its header");
        assert_eq!((info.width, info.height, info.decoded_bytes_per_pixel), (side, side, 8));
        assert_eq!(decoded_bytes(&info), u64::MAX);
    }

    #[test]
    fn text_is_not_an_image() {
        assert_eq!(inspect(b"<html>hello</html>"), Err(ProxyError::NotAnImage));
    }
}
