//! The transform engine: pure Rust with no I/O, on a source already in memory.
//!
//! The data flows one way:
//!
//! 1. [`prepare`] ([`work`]) reads the header alone ([`decode::inspect`]), plans the output's
//!    geometry ([`geometry()`]), decides animation ([`animation`]), output format, ICC profile
//!    ([`profile`]) and JPEG shrink-on-load, and refuses what would decode or produce more
//!    than `max_pixels` (the `MAX_SOURCE_PIXELS` variable) before any pixel is allocated. The
//!    [`Work`] it returns knows its memory peak ([`memory`]) before anything is decoded.
//! 2. [`Work::run`] ([`run`]): decode → for `trim=border`, find the border ([`border`]) and
//!    plan again without it, asking for more memory first if that needs more → aim and shape
//!    ([`shape`]: crop and resize, flip and rotate, effects, colour [`adjust`]ments, pad) →
//!    draw the overlays ([`overlay`]) → encode ([`encode`], with [`metadata`] and the profile), every frame of an animation
//!    alike; it returns the [`Encoded`] image and a [`Report`] of what each stage did.
//!
//! [`describe()`] (`format=json`) stops after the header: it plans the geometry and decodes
//! nothing. This file holds the types the stages share and the module list.

mod adjust;
mod animated_gif;
mod animated_png;
mod animated_webp;
mod animation;
mod avif_source;
mod border;
mod cpu;
mod decode;
mod describe;
mod effects;
mod encode;
mod focus;
mod geometry;
mod jpeg_damage;
mod jpeg_segments;
mod memory;
mod metadata;
mod orient;
mod overlay;
pub mod profile;
mod read_only;
mod resize;
mod run;
mod shape;
pub mod svg;
mod work;

pub use cpu::{CpuFit, CpuNote};
pub use decode::{inspect, shrink_on_load, sniff, ImageInfo, Shrink};
pub use describe::{count_frames, describe, Description, Original};
pub use encode::lossy_webp;
pub use geometry::{geometry, CropBox, Geometry};
pub use jpeg_segments::FrameKind;
pub use overlay::Overlay;
pub use work::{prepare, Work};

use crate::format::OutputFormat;

/// Decoded pixels in one of the two layouts the engine works in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pixels {
    /// 8-bit RGB, 3 bytes a pixel.
    Rgb8 { width: u32, height: u32, data: Vec<u8> },
    /// 8-bit RGBA (straight alpha), 4 bytes a pixel.
    Rgba8 { width: u32, height: u32, data: Vec<u8> },
}

impl Pixels {
    /// Width and height in pixels.
    pub fn dimensions(&self) -> (u32, u32) {
        match self {
            Pixels::Rgb8 { width, height, .. } | Pixels::Rgba8 { width, height, .. } => (*width, *height),
        }
    }

    /// The pixels as RGBA, opaque where they had no alpha: what the animation writers
    /// compare frame to frame.
    fn into_rgba(self) -> Vec<u8> {
        match self {
            Pixels::Rgba8 { data, .. } => data,
            Pixels::Rgb8 { data, .. } => data
                .chunks_exact(3)
                .flat_map(|pixel| match *pixel {
                    [r, g, b] => [r, g, b, 255],
                    // chunks_exact yields whole pixels only.
                    _ => [0, 0, 0, 0],
                })
                .collect(),
        }
    }
}

/// An encoded image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its format.
    pub format: OutputFormat,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// What each CPU stage did, for `Server-Timing`.
    pub report: Report,
    /// Whether the source was decoded whole: a partial picture is answered, but never stored
    /// nor passed off as whole.
    pub completeness: Completeness,
}

/// How much of the source's picture the decoder could show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// All of it.
    Whole,
    /// Rows `first` to `last` (of the source as stored, at full size, counted from 0) are grey
    /// or garbage, from damaged data; rows between two damaged spans may be intact.
    RowsMissing { first: u32, last: u32 },
    /// A progressive JPEG cut off before its last scan: every row is there, with less detail
    /// than the source has.
    DetailMissing,
}

impl Completeness {
    /// Whether the whole picture was decoded.
    pub fn is_whole(self) -> bool {
        self == Completeness::Whole
    }

    /// What a partial decode missed, for `Server-Timing`'s decode description: `, rows 192
    /// to 239 not decoded`; nothing when whole.
    pub fn report(self) -> String {
        match self {
            Completeness::Whole => String::new(),
            Completeness::RowsMissing { first, last } => format!(", rows {first} to {last} not decoded"),
            Completeness::DetailMissing => ", cut off before its last scan: detail not decoded".to_string(),
        }
    }
}

/// What the CPU stages did, told as facts rather than durations: inside workerd the clock
/// stands still during computation, so a measured duration would always read 0. ASCII only,
/// because header values are byte strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `jpeg 1/4 scale -> 1000x750`, `png 800x600`, `gif 400x300, 12 frames`.
    pub decode: String,
    /// `1000x750 -> 480x360 lanczos3`, or `none` when the decoded size was already right.
    pub resize: String,
    /// `jpeg q85 progressive, 23456 bytes`, `webp q80 lossy, 13352 bytes`, `png lossless, 9120 bytes`.
    pub encode: String,
}

impl Report {
    /// `Server-Timing` entries: `decode;desc="…", resize;desc="…", encode;desc="…"`.
    pub fn server_timing(&self) -> String {
        let entry = |name: &str, desc: &str| format!("{name};desc=\"{}\"", desc.replace('"', "'"));
        [entry("decode", &self.decode), entry("resize", &self.resize), entry("encode", &self.encode)]
            .join(", ")
    }
}
