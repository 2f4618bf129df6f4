//! Reading `../shared/corpus/MANIFEST.tsv` and its files, and the corpus files whose outcome
//! differs from what the manifest expects, each with its reason. Shared by the host corpus test
//! and the end-to-end test so that both hold the engine to the same list.

// Each test binary that includes this file uses a different part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The shared corpus lives beside the project root.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

/// A file of the shared corpus, `file` named as in the manifest (`photos/flower_cropped.jpg`).
pub fn corpus_file(file: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join(file)).unwrap_or_else(|e| panic!("corpus file {file}: {e}"))
}

/// One row of the manifest.
pub struct Entry {
    /// Path below the corpus directory.
    pub path: String,
    /// Declared width, if the header has one.
    pub width: Option<u32>,
    /// Declared height, if the header has one.
    pub height: Option<u32>,
    /// `ok`, `corrupt`, `bomb` or `unsupported`.
    pub expected: String,
    /// Free text; for EXIF-rotated files it says "displays WxH".
    pub notes: String,
}

impl Entry {
    /// The size a request for `width` (fit=scale-down) gives: never enlarged, the height
    /// following the aspect ratio, rounded to the nearest pixel and at least 1.
    pub fn scaled_to_width(&self, width: u32) -> Option<(u32, u32)> {
        let (w, h) = self.displayed()?;
        let out_w = w.min(width);
        let out_h = (f64::from(h) * f64::from(out_w) / f64::from(w)).round().max(1.0) as u32;
        Some((out_w, out_h))
    }

    /// The size as displayed: the header's, unless the notes say the EXIF orientation turns
    /// it ("displays 1800x1200").
    pub fn displayed(&self) -> Option<(u32, u32)> {
        let turned = self.notes.split("displays ").nth(1).and_then(|rest| {
            let size = rest.split_whitespace().next()?.trim_end_matches(',');
            let (w, h) = size.split_once('x')?;
            Some((w.parse().ok()?, h.parse().ok()?))
        });
        turned.or(Some((self.width?, self.height?)))
    }

    /// Whether the manifest expects a refusal.
    pub fn is_hostile(&self) -> bool {
        matches!(self.expected.as_str(), "corrupt" | "bomb" | "unsupported")
    }
}

/// Every row of the manifest.
pub fn manifest() -> Vec<Entry> {
    let text = std::fs::read_to_string(corpus_dir().join("MANIFEST.tsv"))
        .expect("the shared corpus is beside the project root");
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Some(Entry {
                path: cols.first()?.to_string(),
                width: cols.get(2).and_then(|w| w.parse().ok()),
                height: cols.get(3).and_then(|h| h.parse().ok()),
                expected: cols.get(4)?.to_string(),
                notes: cols.get(5).map_or_else(String::new, |n| n.to_string()),
            })
        })
        .collect()
}

/// Valid files the engine refuses today, each for a stated reason.
pub const REFUSED_VALID: &[(&str, &str)] = &[
    ("gif/issue-209-extension-block-type.gif", "image-gif rejects the unknown extension label 0x2A"),
    ("gif/no_palette.gif", "image-gif has no default palette for frames without a colour table"),
    ("jpeg/testimgari.jpg", "arithmetic-coded (SOF9): neither decoder reads it; 415, the kind named"),
    ("jpeg/truncated_app14.jpg", "zune-jpeg rejects a short APP14 segment"),
    ("large/bryce.webp", "24 Mpx is above MAX_SOURCE_PIXELS; WebP has no shrink-on-load"),
];

/// Valid files (by the manifest) whose picture is decoded only in part, each for a stated
/// reason: answered, but never stored.
pub const PARTIAL_VALID: &[(&str, &str)] = &[(
    "jpeg/hopper_bad_exif.jpg",
    "61 of its 63 restart intervals hold more data than their blocks: libjpeg-turbo (Pillow 12) shows \
     the same horizontal smears; the manifest calls its pixels fine",
)];

/// Hostile files that give an image within limits today, when asked for width=32. Only the
/// first frame of a GIF is decoded (so frame-count and later-frame bombs cost nothing), PNG
/// text chunks are not kept, and some damaged scans are concealed.
pub const ACCEPTED_HOSTILE: &[(&str, &str)] = &[
    ("bombs/decompression_bomb_extents.gif", "the giant canvas appears only on frame 2, never decoded"),
    ("bombs/png_decompression_dos.png", "zTXt metadata; the 1x1 image itself is fine"),
    ("bombs/uber.gif", "40,000 frames; only the first 1x1 frame is decoded"),
    ("jpeg-corrupt/dc-predictor-overflow.jpg", "libjpeg-turbo decodes it too; the predictor wraps"),
    (
        "jpeg-corrupt/oss-fuzz-36829.jpeg",
        "3 px wide, so width=32 needs no change: its header-checked bytes are served as they are",
    ),
    ("jpeg-corrupt/truncated_jpeg.jpg", "a truncated progressive scan is shown as far as it goes"),
    ("png-misc/chunk_no_fdat.png", "APNG: the default image is intact; only animation frames are missing"),
    ("png-misc/sequence_gap.png", "APNG: the default image is intact; only animation frames are broken"),
];

/// Whether `path` is on `list`.
pub fn listed(list: &[(&str, &str)], path: &str) -> bool {
    list.iter().any(|(p, _)| *p == path)
}
