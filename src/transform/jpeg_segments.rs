//! A JPEG's marker segments, read without a decoder: what kind of frame it codes (so that a
//! kind no decoder here reads is refused as unsupported before decoding starts), and each
//! scan's entropy-coded data with the restart markers in it, for [`super::jpeg_restart`].
//!
//! ITU T.81 annex B: a segment is `FF xx`, then (except for the standalone markers SOI, EOI,
//! RST0–7 and TEM) a 2-byte big-endian length counting itself and the body. A scan header
//! (SOS) is followed by entropy-coded data, in which `FF 00` stands for a data byte `FF` and
//! `FF D0`–`FF D7` are restart markers; any other marker ends it, except one that no JPEG
//! defines (`FF 01`–`FF BF`, left by damage, for instance to a restart marker), which
//! libjpeg discards when it looks for the next restart marker: it is kept in the data.

/// One marker segment, or one scan's entropy-coded data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment<'a> {
    /// The marker's second byte (`0xC0` for SOF0, `0xDA` for SOS, …).
    pub marker: u8,
    /// The body after the length field; for SOS, the scan header.
    pub body: &'a [u8],
    /// For SOS, the entropy-coded data after the header, restart markers included, up to the
    /// next other marker or the end of the file; empty for other segments.
    pub data: &'a [u8],
    /// Where `data` starts in the file.
    pub data_at: usize,
}

/// The segments of a JPEG after SOI, in order, up to EOI or the first one that does not fit
/// in the file. Bytes between segments that are not a marker (which libjpeg skips with a
/// warning) are skipped.
pub(super) fn segments(bytes: &[u8]) -> impl Iterator<Item = Segment<'_>> {
    let mut at = 2;
    std::iter::from_fn(move || loop {
        // The next marker: FF followed by anything but FF (fill) and 00 (not a marker).
        let found = (at..bytes.len().saturating_sub(1))
            .find(|&i| bytes.get(i) == Some(&0xFF) && !matches!(bytes.get(i + 1), Some(0xFF) | Some(0x00)))?;
        let marker = *bytes.get(found + 1)?;
        at = found + 2;
        match marker {
            0xD9 => return None,
            0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let length = usize::from(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
        let body = bytes.get(at + 2..at + length.max(2))?;
        at += length.max(2);
        let data_at = at;
        if marker == 0xDA {
            at = entropy_coded_end(bytes, at);
        }
        let data = bytes.get(data_at..at).unwrap_or_default();
        return Some(Segment { marker, body, data, data_at });
    })
}

/// Where entropy-coded data starting at `from` ends: at the first marker other than a
/// restart marker, or at the end of the file.
fn entropy_coded_end(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(offset) = bytes.get(at..).and_then(|rest| rest.iter().position(|&b| b == 0xFF)) {
        let ff = at + offset;
        match bytes.get(ff + 1) {
            // Stuffing, a restart marker, a marker no JPEG defines, or fill before a marker.
            Some(0x00..=0xBF | 0xD0..=0xD7) => at = ff + 2,
            Some(0xFF) => at = ff + 1,
            Some(_) => return ff,
            None => return bytes.len(),
        }
    }
    bytes.len()
}

/// The coding a JPEG's frame header (SOFn) declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameKind {
    /// n of SOFn, 0 to 15 (4, 8 and 12 are other markers: DHT, JPG and DAC).
    pub sof: u8,
}

impl FrameKind {
    /// The frame of a JPEG: the first SOFn segment, if any.
    pub fn of(bytes: &[u8]) -> Option<FrameKind> {
        segments(bytes)
            .find(|segment| {
                matches!(segment.marker, 0xC0..=0xCF) && !matches!(segment.marker, 0xC4 | 0xC8 | 0xCC)
            })
            .filter(|frame| is_frame_header(frame.body))
            .map(|frame| FrameKind { sof: frame.marker - 0xC0 })
    }

    /// What no decoder here reads, named for the client: lossless, hierarchical and
    /// arithmetic-coded JPEG (both jpeg-decoder and zune-jpeg read Huffman-coded
    /// sequential and progressive frames only; jpeg-decoder's lossless support stops at
    /// 8-bit predictors, and its errors on real lossless files say "damaged").
    pub fn unsupported(self) -> Option<String> {
        let kind = match self.sof {
            0..=2 => return None,
            3 => "lossless JPEG",
            5 | 6 => "hierarchical JPEG",
            7 => "hierarchical lossless JPEG",
            9 | 10 => "arithmetic-coded JPEG",
            11 => "arithmetic-coded lossless JPEG",
            13 | 14 => "arithmetic-coded hierarchical JPEG",
            _ => "arithmetic-coded hierarchical lossless JPEG",
        };
        Some(format!("{kind} (SOF{}) is not supported", self.sof))
    }
}

/// Whether `body` reads as a frame header (ITU T.81, B.2.2): a precision of 2 to 16 bits, a
/// width, and one to four components of three bytes each. Bytes that only happen to hold a
/// SOF marker (a damaged file, noise after a JPEG signature) are not a frame of some
/// unsupported kind: they are left to the decoder, which calls them damaged.
fn is_frame_header(body: &[u8]) -> bool {
    match body {
        [precision, _, _, width_high, width_low, components, rest @ ..] => {
            (2..=16).contains(precision)
                && (*width_high, *width_low) != (0, 0)
                && (1..=4).contains(components)
                && rest.len() == 3 * usize::from(*components)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_after_a_jpeg_signature_is_no_frame_of_any_kind() {
        // The e2e origin's large file: a JPEG signature, then xorshift noise.
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        while bytes.len() < 1 << 20 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.extend_from_slice(&state.to_le_bytes());
        }
        assert_eq!(FrameKind::of(&bytes), None);
        assert!(!is_frame_header(&[16, 0, 1, 0, 0, 1, 1, 0x11, 0]), "no width");
        assert!(!is_frame_header(&[8, 0, 1, 0, 1, 2, 1, 0x11, 0]), "two components in three bytes");
        assert!(is_frame_header(&[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    }

    /// SOI, a segment with marker `marker` and body `body`, then `rest`.
    fn jpeg(marker: u8, body: &[u8], rest: &[u8]) -> Vec<u8> {
        let length = u16::try_from(body.len() + 2).unwrap_or(u16::MAX).to_be_bytes();
        [&[0xFF, 0xD8, 0xFF, marker], &length[..], body, rest].concat()
    }

    #[test]
    fn the_frame_kind_is_the_first_sof_segment() {
        let app0 = jpeg(0xE0, b"JFIF\0", &[]);
        let sof3 = jpeg(0xC3, &[16, 0, 1, 0, 1, 1, 1, 0x11, 0], &[0xFF, 0xD9]);
        assert_eq!(
            FrameKind::of(&[app0, sof3.get(2..).unwrap_or_default().to_vec()].concat()),
            Some(FrameKind { sof: 3 })
        );
        assert_eq!(
            FrameKind::of(&jpeg(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0], &[])),
            Some(FrameKind { sof: 0 })
        );
        // DHT (C4), JPG (C8) and DAC (CC) are not frames.
        assert_eq!(FrameKind::of(&jpeg(0xCC, &[0, 0], &[])), None);
        assert_eq!(FrameKind::of(&jpeg(0xC4, &[0; 17], &[])), None);
        assert_eq!(FrameKind::of(&[0xFF, 0xD8, 0xFF, 0xD9]), None);
        assert_eq!(FrameKind::of(&[0xFF, 0xD8, 0xFF, 0xC3, 0x00]), None, "cut off in the length");
    }

    #[test]
    fn unsupported_kinds_are_named() {
        let named = |sof| FrameKind { sof }.unsupported();
        assert_eq!(named(0), None);
        assert_eq!(named(1), None);
        assert_eq!(named(2), None);
        assert_eq!(named(3).as_deref(), Some("lossless JPEG (SOF3) is not supported"));
        assert_eq!(named(9).as_deref(), Some("arithmetic-coded JPEG (SOF9) is not supported"));
        assert_eq!(named(10).as_deref(), Some("arithmetic-coded JPEG (SOF10) is not supported"));
        assert_eq!(named(11).as_deref(), Some("arithmetic-coded lossless JPEG (SOF11) is not supported"));
        assert_eq!(
            named(15).as_deref(),
            Some("arithmetic-coded hierarchical lossless JPEG (SOF15) is not supported")
        );
    }

    #[test]
    fn a_scan_runs_past_stuffing_and_restart_markers_to_the_next_marker() {
        let sos =
            jpeg(0xDA, &[1, 1, 0, 0, 63, 0], &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD9]);
        let scan = segments(&sos).find(|s| s.marker == 0xDA);
        assert_eq!(scan.map(|s| s.data), Some(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF][..]));
        // Cut off inside the data: it runs to the end.
        let cut = jpeg(0xDA, &[1, 1, 0, 0, 63, 0], &[0x12, 0xFF]);
        assert_eq!(segments(&cut).find(|s| s.marker == 0xDA).map(|s| s.data), Some(&[0x12, 0xFF][..]));
    }
}
