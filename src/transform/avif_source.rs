//! AVIF sources, served only as they are. No AV1 decoder in Rust builds for
//! `wasm32-unknown-unknown` under a licence this project can ship (rav1d and re_rav1d need
//! libc's C types, dav1d and libaom are C, rav1d-safe is AGPL: `bench/formats.md` has the
//! measurements), so an AVIF is told by its `ftyp` box and sized from its container and its
//! AV1 sequence header (avif-parse, safe Rust), never decoded. When the request asks for
//! nothing its own bytes do not give, they are the answer; else `plan::untouched` refuses it
//! with a reason (415).

use crate::error::ProxyError;
use crate::format::SourceFormat;

/// Whether the file is AVIF: an `ftyp` box whose major brand, or one of whose compatible
/// brands, is `avif` (a still image) or `avis` (a sequence).
pub(super) fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    if bytes.get(4..8) != Some(b"ftyp") {
        return None;
    }
    let size = usize::try_from(u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?)).ok()?;
    // The major brand (8..12), the minor version (12..16), then the compatible brands.
    let brands = bytes.get(8..size.min(bytes.len()))?;
    let is_avif = |brand: &[u8]| brand == b"avif" || brand == b"avis";
    let major = brands.get(..4).is_some_and(is_avif);
    let compatible = brands.get(8..).is_some_and(|rest| rest.chunks_exact(4).any(is_avif));
    (major || compatible).then_some(SourceFormat::Avif)
}

/// What an AVIF's container says of its primary image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Header {
    /// The size its AV1 sequence header declares.
    pub width: u32,
    /// The height it declares.
    pub height: u32,
    /// Whether an alpha image comes with it.
    pub has_alpha: bool,
    /// Bytes a pixel would take decoded: 3 or 4 channels of 1 or 2 bytes.
    pub decoded_bytes_per_pixel: u8,
}

/// Reads an AVIF's container and its primary image's AV1 sequence header.
pub(super) fn header(bytes: &[u8]) -> Result<Header, ProxyError> {
    let unreadable = |e: avif_parse::Error| {
        ProxyError::UndecodableImage(format!("the AVIF container cannot be read: {e}"))
    };
    let avif = avif_parse::read_avif(&mut &bytes[..]).map_err(unreadable)?;
    let metadata = avif.primary_item_metadata().map_err(unreadable)?;
    let has_alpha = avif.alpha_item.is_some();
    let bytes_per_channel = if metadata.bit_depth > 8 { 2 } else { 1 };
    Ok(Header {
        width: metadata.max_frame_width.get(),
        height: metadata.max_frame_height.get(),
        has_alpha,
        decoded_bytes_per_pixel: (3 + u8::from(has_alpha)) * bytes_per_channel,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avif_is_told_by_its_brands() {
        assert_eq!(sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"), Some(SourceFormat::Avif));
        assert_eq!(sniff(b"\0\0\0\x18ftypmif1\0\0\0\0mif1avif"), Some(SourceFormat::Avif), "compatible");
        assert_eq!(sniff(b"\0\0\0\x14ftypavis\0\0\0\0avis"), Some(SourceFormat::Avif), "sequence");
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), None, "HEIC");
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42\0\0\0\0isommp42"), None, "a video");
        assert_eq!(sniff(b"\0\0\0\x10ftypmif1\0\0\0\0avif"), None, "a brand past the box's end");
        assert_eq!(sniff(b"\0\0\0\x1cftyp"), None);
    }

    #[test]
    fn a_broken_container_is_undecodable() {
        let broken = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf\0\0\0\x08meta";
        assert!(matches!(header(broken), Err(ProxyError::UndecodableImage(_))));
    }
}
