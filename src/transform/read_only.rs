//! BMP, ICO and TIFF: formats the proxy reads, through the `image` crate's decoders, and
//! never writes (a resized one is written as negotiation decides, PNG when the format is left
//! to the proxy). What each needs beyond the decoders shared with the other formats is how
//! it is told apart, here. Their headers are read like every other format's, by the decoder
//! before any pixel (`decode::inspect`): a BMP's info header, an ICO's directory and its
//! chosen entry's header, a TIFF's first image file directory.
//!
//! - ICO: the decoder picks the entry of most bits a pixel, then of most pixels: in practice
//!   the largest, since an icon's sizes share one depth.
//! - TIFF: the first page; later pages are never read.

use crate::format::SourceFormat;

/// The format of a BMP, ICO or TIFF from its first bytes.
pub(super) fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    // "BM" and a 14-byte file header followed by an info header of one of the sizes its
    // versions have (OS/2's 12 and 16 to V5's 124): the two letters alone start too much text.
    const INFO_HEADER_SIZES: [u32; 8] = [12, 16, 40, 52, 56, 64, 108, 124];
    let info_header = bytes.get(14..18).and_then(|size| size.try_into().ok()).map(u32::from_le_bytes);
    if bytes.starts_with(b"BM") && info_header.is_some_and(|size| INFO_HEADER_SIZES.contains(&size)) {
        return Some(SourceFormat::Bmp);
    }
    // Reserved 0, type 1 (an icon; 2 would be a cursor), and at least one entry.
    if bytes.starts_with(&[0, 0, 1, 0]) && bytes.get(4..6).is_some_and(|count| count != [0, 0]) {
        return Some(SourceFormat::Ico);
    }
    // Byte order, then 42 (classic TIFF) or 43 (BigTIFF) in that order.
    const TIFF: [&[u8]; 4] = [b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"];
    if TIFF.iter().any(|magic| bytes.starts_with(magic)) {
        return Some(SourceFormat::Tiff);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmp_ico_and_tiff_are_told_by_magic_bytes() {
        assert_eq!(sniff(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0"), Some(SourceFormat::Bmp));
        assert_eq!(sniff(b"BM\x3a\0\0\0\0\0\0\0\x1a\0\0\0\x0c\0\0\0"), Some(SourceFormat::Bmp), "OS/2");
        assert_eq!(sniff(b"BMW is a car, not a bitmap"), None);
        assert_eq!(sniff(b"BM"), None);
        assert_eq!(sniff(b"\0\0\x01\0\x01\0\x10\x10"), Some(SourceFormat::Ico));
        assert_eq!(sniff(b"\0\0\x01\0\0\0"), None, "no entry");
        assert_eq!(sniff(b"\0\0\x02\0\x01\0"), None, "a cursor");
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), Some(SourceFormat::Tiff));
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), Some(SourceFormat::Tiff));
        assert_eq!(sniff(b"II+\0\x08\0\0\0"), Some(SourceFormat::Tiff), "BigTIFF");
        assert_eq!(sniff(b"II*"), None);
    }
}
