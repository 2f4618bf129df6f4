//! `metadata`: which of the source's EXIF goes into the output. Only JPEG output carries
//! any (an `APP1` segment); every other format is written without EXIF. (The ICC profile is
//! not EXIF: [`super::profile`] decides whether it is kept.)
//!
//! EXIF is a TIFF structure. `copyright` builds a new one holding only the source's
//! Copyright and Artist tags; `keep` copies the source's whole, with its Orientation set to 1
//! because the pixels are already turned. A source whose EXIF cannot be read gets none.

use std::io::Cursor;

use image::{ImageDecoder, ImageReader};

use super::decode::image_format;
use crate::format::SourceFormat;
use crate::options::Metadata;

const ARTIST: u16 = 0x013B;
const COPYRIGHT: u16 = 0x8298;
const ORIENTATION: u16 = 0x0112;
const ASCII: u16 = 2;
const SHORT: u16 = 3;

/// What `APP1` must start with to hold EXIF.
const EXIF_HEADER: &[u8] = b"Exif\0\0";

/// The most an `APP1` segment holds after its marker and length.
const MAX_SEGMENT_BYTES: usize = 65_533;

/// The `APP1` payload (`Exif\0\0` and the TIFF structure) the output carries, if any.
pub(super) fn exif_segment(bytes: &[u8], format: SourceFormat, metadata: Metadata) -> Option<Vec<u8>> {
    let tiff = match metadata {
        Metadata::None => return None,
        Metadata::Copyright => copyright_only(&source_exif(bytes, format)?)?,
        Metadata::Keep => upright(source_exif(bytes, format)?)?,
    };
    let segment = [EXIF_HEADER, &tiff].concat();
    // A larger EXIF would need several segments, which readers do not join: it is left out.
    (segment.len() <= MAX_SEGMENT_BYTES).then_some(segment)
}

/// The source's EXIF as a TIFF structure, from the decoder's header reading.
fn source_exif(bytes: &[u8], format: SourceFormat) -> Option<Vec<u8>> {
    let mut decoder =
        ImageReader::with_format(Cursor::new(bytes), image_format(format)?).into_decoder().ok()?;
    let exif = decoder.exif_metadata().ok()??;
    // Some WebP writers keep the JPEG prefix in their EXIF chunk.
    Some(exif.strip_prefix(EXIF_HEADER).map_or(exif.clone(), <[u8]>::to_vec))
}

/// A TIFF structure's byte order and first directory.
struct Tiff<'a> {
    bytes: &'a [u8],
    little_endian: bool,
    ifd0: usize,
}

/// One directory entry: its tag, type, count and the offset of its 4-byte value field.
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    value_at: usize,
}

impl<'a> Tiff<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Tiff<'a>> {
        let little_endian = match bytes.get(..4)? {
            b"II*\0" => true,
            b"MM\0*" => false,
            _ => return None,
        };
        let mut tiff = Tiff { bytes, little_endian, ifd0: 0 };
        tiff.ifd0 = usize::try_from(tiff.u32_at(4)?).ok()?;
        Some(tiff)
    }

    fn u16_at(&self, at: usize) -> Option<u16> {
        let raw: [u8; 2] = self.bytes.get(at..at + 2)?.try_into().ok()?;
        Some(if self.little_endian { u16::from_le_bytes(raw) } else { u16::from_be_bytes(raw) })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let raw: [u8; 4] = self.bytes.get(at..at + 4)?.try_into().ok()?;
        Some(if self.little_endian { u32::from_le_bytes(raw) } else { u32::from_be_bytes(raw) })
    }

    /// The entries of the first directory.
    fn entries(&self) -> Option<Vec<Entry>> {
        let count = usize::from(self.u16_at(self.ifd0)?);
        (0..count)
            .map(|i| {
                let at = self.ifd0 + 2 + 12 * i;
                Some(Entry {
                    tag: self.u16_at(at)?,
                    kind: self.u16_at(at + 2)?,
                    count: self.u32_at(at + 4)?,
                    value_at: at + 8,
                })
            })
            .collect()
    }

    /// The bytes of an ASCII entry: in its value field when they fit there, else at the
    /// offset it holds.
    fn ascii(&self, entry: &Entry) -> Option<&'a [u8]> {
        let length = usize::try_from(entry.count).ok()?;
        let at =
            if length <= 4 { entry.value_at } else { usize::try_from(self.u32_at(entry.value_at)?).ok()? };
        self.bytes.get(at..at.checked_add(length)?)
    }
}

/// A new little-endian TIFF structure with only the source's Artist and Copyright; `None`
/// when it has neither.
fn copyright_only(source: &[u8]) -> Option<Vec<u8>> {
    let tiff = Tiff::parse(source)?;
    let mut kept: Vec<(u16, &[u8])> = tiff
        .entries()?
        .iter()
        .filter(|entry| matches!(entry.tag, ARTIST | COPYRIGHT) && entry.kind == ASCII)
        .filter_map(|entry| Some((entry.tag, tiff.ascii(entry)?)))
        .collect();
    if kept.is_empty() {
        return None;
    }
    // Directory entries are sorted by tag.
    kept.sort_by_key(|(tag, _)| *tag);
    Some(write_ascii_tiff(&kept))
}

/// `II*\0`, the directory at 8, its entries, no next directory, then the values too long for
/// their entry.
fn write_ascii_tiff(entries: &[(u16, &[u8])]) -> Vec<u8> {
    let directory_bytes = 2 + 12 * entries.len() + 4;
    let mut values_at = 8 + directory_bytes;
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    let mut values = Vec::new();
    for (tag, text) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&ASCII.to_le_bytes());
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        if text.len() <= 4 {
            let mut field = [0u8; 4];
            field.iter_mut().zip(text.iter()).for_each(|(slot, byte)| *slot = *byte);
            out.extend_from_slice(&field);
        } else {
            out.extend_from_slice(&(values_at as u32).to_le_bytes());
            values.extend_from_slice(text);
            // Values start on word boundaries.
            if text.len() % 2 == 1 {
                values.push(0);
            }
            values_at = 8 + directory_bytes + values.len();
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&values);
    out
}

/// The source's EXIF with its Orientation set to 1 (the tag's value field is rewritten in
/// place, in the structure's byte order); `None` when it cannot be read, since a copy whose
/// orientation could not be reset would turn the pixels a second time.
fn upright(mut source: Vec<u8>) -> Option<Vec<u8>> {
    let tiff = Tiff::parse(&source)?;
    let field = tiff
        .entries()?
        .iter()
        .find(|entry| entry.tag == ORIENTATION)
        .map(|entry| (entry.value_at, entry.kind));
    let one = if tiff.little_endian { 1u16.to_le_bytes() } else { 1u16.to_be_bytes() };
    match field {
        Some((at, SHORT)) => source.get_mut(at..at + 2)?.copy_from_slice(&one),
        Some(_) => return None,
        None => {}
    }
    Some(source)
}

// Test-only `expect`s: the input is this module's own fixed EXIF, never an upstream's; a
// failure here is the test failing.
#[cfg(test)]
mod tests {
    use super::*;

    /// A big-endian TIFF whose directory holds Orientation 6 and a Copyright, as cameras
    /// write them.
    fn camera_exif() -> Vec<u8> {
        let mut tiff = b"MM\0*\0\0\0\x08\0\x02".to_vec();
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
        tiff.extend_from_slice(&[0x82, 0x98, 0, 2, 0, 0, 0, 10, 0, 0, 0, 38]);
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        tiff.extend_from_slice(b"(c) Jane\0\0");
        tiff
    }

    #[test]
    fn copyright_keeps_only_the_copyright() {
        let kept = copyright_only(&camera_exif()).expect("has a copyright");
        let tiff = Tiff::parse(&kept).expect("valid TIFF");
        let entries = tiff.entries().expect("a directory");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].tag, COPYRIGHT);
        assert_eq!(tiff.ascii(&entries[0]), Some(&b"(c) Jane\0\0"[..]));
    }

    #[test]
    fn keep_resets_the_orientation_in_the_source_byte_order() {
        let kept = upright(camera_exif()).expect("readable");
        let tiff = Tiff::parse(&kept).expect("valid TIFF");
        let orientation =
            tiff.entries().expect("entries").into_iter().find(|e| e.tag == ORIENTATION).expect("kept");
        assert_eq!(tiff.u16_at(orientation.value_at), Some(1));
        assert_eq!(kept.len(), camera_exif().len(), "nothing else changes");
    }

    #[test]
    fn unreadable_exif_gives_none() {
        assert_eq!(copyright_only(b"not a tiff"), None);
        assert_eq!(upright(b"II*\0\xff\xff\xff\xff".to_vec()), None);
    }
}
