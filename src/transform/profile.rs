//! Embedded ICC colour profiles: kept, not converted.
//!
//! A photo from a recent phone or a design tool is often in a wider gamut than sRGB (Display
//! P3, Adobe RGB) and says so in an ICC profile; dropped, its colours look washed out. The
//! proxy copies the source's profile into its output, unchanged: the pixels are never
//! converted, so the profile still describes them, every browser colour-manages tagged
//! images, and it costs no CPU and no colour-management library in the bundle. Converting to
//! sRGB instead would clip the wide gamut that P3 screens can show.
//!
//! Kept is only what is worth its bytes and true of the output: an RGB profile (the output is
//! RGB: a CMYK or grey profile would describe other pixels than ours) that is not sRGB's (an
//! untagged image is sRGB already, and the usual sRGB profile adds 3 KB to a thumbnail), of at
//! most [`MAX_PROFILE_BYTES`].

use std::io::Cursor;

use image::{ImageDecoder, ImageReader};

use crate::format::SourceFormat;

/// The largest profile copied into an output. Display P3 and Adobe RGB profiles take 0.5 to
/// 4 KB; profiles of hundreds of KB carry lookup tables for print, which a browser does not
/// need to show the image on a screen and which would outweigh a thumbnail many times over.
pub const MAX_PROFILE_BYTES: usize = 64 * 1024;

/// The source's ICC profile when the output should carry it (see the module's comment).
pub(super) fn to_keep(bytes: &[u8], format: SourceFormat) -> Option<Vec<u8>> {
    let profile = embedded(bytes, format)?;
    let keep = profile.len() <= MAX_PROFILE_BYTES && is_rgb(&profile) && !is_srgb(&profile);
    keep.then_some(profile)
}

/// The profile embedded in the source, read from its header by the format's decoder. GIF
/// has none; BMP's and ICO's decoders read none; TIFF's reads its ICC tag.
fn embedded(bytes: &[u8], format: SourceFormat) -> Option<Vec<u8>> {
    let image_format = match format {
        SourceFormat::Jpeg => image::ImageFormat::Jpeg,
        SourceFormat::Png => image::ImageFormat::Png,
        SourceFormat::Webp => image::ImageFormat::WebP,
        SourceFormat::Tiff => image::ImageFormat::Tiff,
        // An AVIF is served as it is, profile and all.
        SourceFormat::Gif
        | SourceFormat::Bmp
        | SourceFormat::Ico
        | SourceFormat::Avif
        | SourceFormat::Svg => return None,
    };
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), image_format).into_decoder().ok()?;
    decoder.icc_profile().ok().flatten()
}

/// Whether the profile's colour space (header bytes 16 to 20) is RGB.
fn is_rgb(profile: &[u8]) -> bool {
    profile.get(16..20) == Some(b"RGB ")
}

/// Whether the profile describes itself as sRGB ("sRGB IEC61966-2.1", "sRGB built-in", ...)
/// in its `desc` tag.
fn is_srgb(profile: &[u8]) -> bool {
    description(profile).is_some_and(|text| text.contains("sRGB"))
}

/// The text of the profile's `desc` tag: ICC v2's `desc` type (ASCII) or v4's `mluc` (the
/// first record, UTF-16BE).
fn description(profile: &[u8]) -> Option<String> {
    let u32_at = |at: usize| -> Option<usize> {
        let bytes: [u8; 4] = profile.get(at..at + 4)?.try_into().ok()?;
        usize::try_from(u32::from_be_bytes(bytes)).ok()
    };
    // The tag table follows the 128-byte header: a count, then 12-byte entries of signature,
    // offset and size.
    let count = u32_at(128)?.min(1024);
    let (offset, size) = (0..count).find_map(|index| {
        let entry = 132 + index * 12;
        (profile.get(entry..entry + 4)? == b"desc").then(|| Some((u32_at(entry + 4)?, u32_at(entry + 8)?)))?
    })?;
    let tag = profile.get(offset..offset.checked_add(size)?)?;
    match tag.get(0..4)? {
        b"desc" => {
            let length = u32_at(offset + 8)?;
            let text = tag.get(12..12 + length.min(tag.len().saturating_sub(12)))?;
            Some(text.iter().take_while(|b| **b != 0).map(|b| char::from(*b)).collect())
        }
        b"mluc" => {
            let (length, start) = (u32_at(offset + 20)?, u32_at(offset + 24)?);
            let utf16: Vec<u16> = tag
                .get(start..start.checked_add(length)?)?
                .chunks_exact(2)
                .map(|pair| <[u8; 2]>::try_from(pair).ok().map(u16::from_be_bytes))
                .collect::<Option<Vec<u16>>>()?;
            Some(String::from_utf16_lossy(&utf16))
        }
        _ => None,
    }
}
