//! The transform engine against every image in `../shared/corpus/MANIFEST.tsv`: valid images
//! come out at the requested size and decodable; corrupt, bomb and unsupported files are
//! refused with a 4xx error, without panicking and without allocating for their claims.

use std::path::{Path, PathBuf};

use edge_image_proxy::error::ProxyError;
use edge_image_proxy::negotiate::{FormatRequest, OutputFormat};
use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::transform::{transform, Outcome};

/// The shared corpus lives beside the project root.
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

struct Entry {
    path: String,
    width: Option<u32>,
    expected: String,
}

fn manifest() -> Vec<Entry> {
    let text = std::fs::read_to_string(corpus_dir().join("MANIFEST.tsv")).expect("the shared corpus is beside the project");
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Some(Entry {
                path: cols.first()?.to_string(),
                width: cols.get(2).and_then(|w| w.parse().ok()),
                expected: cols.get(4)?.to_string(),
            })
        })
        .collect()
}

/// Valid files the engine refuses today, each for a stated reason. The test fails when this
/// list is wrong in either direction, so a fix or a regression is noticed.
const REFUSED_VALID: &[(&str, &str)] = &[
    ("gif/issue-209-extension-block-type.gif", "image-gif rejects the unknown extension label 0x2A"),
    ("gif/no_palette.gif", "image-gif has no default palette for frames without a colour table"),
    ("jpeg/testimgari.jpg", "zune-jpeg does not decode arithmetic-coded JPEG"),
    ("jpeg/truncated_app14.jpg", "zune-jpeg rejects a short APP14 segment"),
    ("large/bryce.webp", "24 Mpx is above MAX_SOURCE_PIXELS; WebP has no shrink-on-load"),
];

/// Hostile files that decode to an image within limits today. The first frame of a GIF is
/// all that is decoded (so frame-count and later-frame bombs cost nothing), PNG text chunks
/// are not inflated into memory we keep, and zune-jpeg conceals some entropy errors.
const ACCEPTED_HOSTILE: &[(&str, &str)] = &[
    ("bombs/decompression_bomb_extents.gif", "the giant canvas appears only on frame 2, never decoded"),
    ("bombs/png_decompression_dos.png", "zTXt metadata; the 1x1 image itself is fine"),
    ("bombs/uber.gif", "40,000 frames; only the first 1x1 frame is decoded"),
    ("jpeg-corrupt/dc-predictor-overflow.jpg", "libjpeg-turbo decodes it too; the predictor wraps"),
    ("jpeg-corrupt/oss-fuzz-36829.jpeg", "3 px wide, so width=32 needs no change: its header-checked bytes are served as they are"),
    ("jpeg-corrupt/truncated_jpeg.jpg", "a truncated progressive scan is shown as far as it goes"),
    ("png-misc/chunk_no_fdat.png", "APNG: the default image is intact; only animation frames are missing"),
    ("png-misc/sequence_gap.png", "APNG: the default image is intact; only animation frames are broken"),
];

fn listed(list: &[(&str, &str)], path: &str) -> bool {
    list.iter().any(|(p, _)| *p == path)
}

const MAX_PIXELS: u64 = edge_image_proxy::config::DEFAULT_MAX_SOURCE_PIXELS;

fn run(bytes: &[u8], width: u32, format: FormatRequest) -> Result<Outcome, ProxyError> {
    let options = TransformOptions { width: Some(width), ..TransformOptions::default() };
    transform(bytes, &options, format, MAX_PIXELS)
}

#[test]
fn every_valid_image_transforms_to_the_requested_width() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in manifest().iter().filter(|e| e.expected == "ok") {
        let bytes = std::fs::read(corpus_dir().join(&entry.path)).expect("readable");
        let want = entry.width.map_or(32, |w| w.min(32));
        let format = FormatRequest::Exactly(OutputFormat::Png);
        match run(&bytes, 32, format) {
            Ok(Outcome::Encoded(out)) => {
                let decoded = image::load_from_memory(&out.bytes).expect("our output decodes");
                if decoded.width() != want || out.width != want {
                    failures.push(format!("{}: width {} (want {want})", entry.path, decoded.width()));
                }
            }
            Ok(Outcome::Original(info)) => {
                if info.width != want {
                    failures.push(format!("{}: served unchanged at width {}", entry.path, info.width));
                }
            }
            Err(err) if listed(REFUSED_VALID, &entry.path) && (400..500).contains(&err.status()) => {}
            Err(err) => failures.push(format!("{}: {err}", entry.path)),
        }
        if listed(REFUSED_VALID, &entry.path) && run(&bytes, 32, FormatRequest::Original).is_ok() {
            failures.push(format!("{}: now transforms; take it off REFUSED_VALID", entry.path));
        }
        checked += 1;
    }
    assert!(checked > 300, "only {checked} valid images found");
    assert!(failures.is_empty(), "{} of {checked} failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_hostile_file_is_refused_with_a_4xx() {
    let mut failures = Vec::new();
    for entry in manifest().iter().filter(|e| matches!(e.expected.as_str(), "corrupt" | "bomb" | "unsupported")) {
        let bytes = std::fs::read(corpus_dir().join(&entry.path)).expect("readable");
        match run(&bytes, 32, FormatRequest::Exactly(OutputFormat::Jpeg)) {
            Err(err) if (400..500).contains(&err.status()) && !listed(ACCEPTED_HOSTILE, &entry.path) => {}
            Err(err) if (400..500).contains(&err.status()) => {
                failures.push(format!("{}: now refused ({err}); take it off ACCEPTED_HOSTILE", entry.path));
            }
            Err(err) => failures.push(format!("{} ({}): {err}", entry.path, entry.expected)),
            Ok(Outcome::Encoded(out)) if listed(ACCEPTED_HOSTILE, &entry.path) => {
                assert!(u64::from(out.width) * u64::from(out.height) <= MAX_PIXELS);
            }
            Ok(Outcome::Original(_)) if listed(ACCEPTED_HOSTILE, &entry.path) => {}
            Ok(_) => failures.push(format!("{} ({}): produced an image", entry.path, entry.expected)),
        }
    }
    assert!(failures.is_empty(), "{} failed:\n{}", failures.len(), failures.join("\n"));
}
