//! [`Work::run`]: the pixels' way through the engine, decode → aim → shape → encode, for a
//! still image or every frame of an animation, with the [`Report`] of what each stage did.

use super::animation::{self, Animation, Container, Decision, FirstOnly};
use super::decode::{self, Shrink};
use super::encode::{self, Output};
use super::metadata;
use super::shape::{aim, shape};
use super::work::{check_pixels, Work};
use super::{Encoded, Pixels, Report};
use crate::error::ProxyError;
use crate::format::OutputFormat;

impl Work<'_> {
    /// Decodes, resizes and encodes. `more_room` is asked for extra bytes before anything
    /// beyond [`Work::memory_bytes`] is allocated (a full-size decode when a scaled one fails);
    /// when it says no, that failure is the answer.
    pub fn run(self, more_room: impl FnMut(u64) -> bool) -> Result<Encoded, ProxyError> {
        match self.animation {
            Decision::Animated(animation) => self.run_animated(animation),
            Decision::Still | Decision::FirstFrame { .. } => self.run_still(more_room),
        }
    }

    /// One image: decoded, aimed on the pixels as decoded, shaped and encoded.
    fn run_still(&self, more_room: impl FnMut(u64) -> bool) -> Result<Encoded, ProxyError> {
        let pixels = self.decode_source(more_room)?;
        let decoded = pixels.dimensions();
        let (source_plan, region) = aim(&pixels, &self.info, self.options, self.source_plan, self.region);
        let pixels = shape(pixels, self.options, &self.plan, &source_plan, region)?;
        let quality = self.options.effective_quality();
        let output =
            encode::encode(&pixels, self.output_format, quality, self.exif(), self.profile.as_deref())?;
        let (width, height) = pixels.dimensions();
        let report = Report {
            decode: self.decode_report(decoded),
            resize: resize_report(decoded, source_plan.resized),
            encode: self.encode_report(&output, quality),
        };
        Ok(Encoded { bytes: output.bytes, format: self.output_format, width, height, report })
    }

    /// The source's pixels, shrunk on load as planned. jpeg-decoder, which decodes a JPEG at
    /// every [`Shrink::Jpeg`] scale, is stricter than zune-jpeg (the `image` crate's) about
    /// some damaged streams that zune-jpeg conceals: when it fails, the `image` crate's
    /// full-size decode is the fallback, if it fits the limit and `more_room` grants what it
    /// takes beyond the estimate.
    fn decode_source(&self, mut more_room: impl FnMut(u64) -> bool) -> Result<Pixels, ProxyError> {
        match decode::decode(self.bytes, &self.info, self.shrink) {
            Err(scaled_failed) if self.shrink != Shrink::None => {
                check_pixels((self.info.width, self.info.height), self.max_pixels)?;
                if !more_room(self.full_size_extra()) {
                    return Err(scaled_failed);
                }
                decode::decode(self.bytes, &self.info, Shrink::None)
            }
            decoded => decoded,
        }
    }

    /// The EXIF segment written into a JPEG output, as `metadata` asks; other formats carry
    /// none.
    fn exif(&self) -> Option<Vec<u8>> {
        match self.output_format {
            OutputFormat::Jpeg | OutputFormat::BaselineJpeg => {
                metadata::exif_segment(self.bytes, self.info.format, self.options.metadata)
            }
            OutputFormat::Png | OutputFormat::Webp | OutputFormat::Avif | OutputFormat::Gif => None,
        }
    }

    /// `jpeg 1/4 scale -> 1000x750`, `png 800x600`; and whether this is the first frame of an
    /// animation, and why.
    fn decode_report(&self, decoded: (u32, u32)) -> String {
        let mut report = match self.shrink {
            Shrink::Jpeg(n) if n > 1 => format!("jpeg 1/{n} scale -> {}x{}", decoded.0, decoded.1),
            _ => format!("{} {}x{}", self.info.format.name(), decoded.0, decoded.1),
        };
        if let Decision::FirstFrame { frames, why } = self.animation {
            report.push_str(&format!(", first of {frames} frames"));
            report.push_str(match why {
                FirstOnly::Asked => "",
                FirstOnly::OverLimit => " (the animation is over the limits)",
                FirstOnly::Unsupported => " (16-bit APNG frames are not decoded as an animation)",
            });
        }
        report
    }

    /// What the encoder wrote, and the ICC profile it carries.
    fn encode_report(&self, output: &Output, quality: u8) -> String {
        let mut report = output.describe(self.output_format, quality);
        if let Some(profile) = &self.profile {
            report.push_str(&format!(", ICC profile kept ({} bytes)", profile.len()));
        }
        report
    }

    /// Every frame through the same crop, resize and effects, aimed once on the first frame
    /// (so that `gravity=auto` does not make the crop jump between frames).
    fn run_animated(&self, animation: Animation) -> Result<Encoded, ProxyError> {
        let quality = self.options.effective_quality();
        let mut aimed = None;
        let encoded = animation::encode(self.bytes, &self.info, animation, quality, |pixels| {
            let (source_plan, region) = *aimed
                .get_or_insert_with(|| aim(&pixels, &self.info, self.options, self.source_plan, self.region));
            shape(pixels, self.options, &self.plan, &source_plan, region)
        })?;
        let report = self.animated_report(animation, quality, &encoded);
        let (width, height) = encoded.written.size;
        let format = animation.container.output();
        Ok(Encoded { bytes: encoded.written.bytes, format, width, height, report })
    }

    /// What an animation's decoding, resizing and encoding did.
    fn animated_report(&self, animation: Animation, quality: u8, encoded: &animation::Encoded) -> Report {
        let (info, written) = (&self.info, &encoded.written);
        let how = match animation.container {
            Container::Gif => "written as changes".to_string(),
            Container::Webp => format!("each whole, q{quality} or lossless"),
            Container::Apng => "written as changes, lossless".to_string(),
        };
        let resized = resize_report((info.width, info.height), self.source_plan.resized);
        Report {
            decode: format!(
                "{} {}x{}, {} frames{}",
                info.format.name(),
                info.width,
                info.height,
                encoded.frames_read,
                dropped_report(animation, encoded.frames_read)
            ),
            resize: format!("{resized}, every frame"),
            encode: format!(
                "{} animated, {} frames {how}, {} bytes",
                animation.container.output().name(),
                written.frames_written,
                written.bytes.len()
            ),
        }
    }
}

/// What was dropped of an animation whose end is damaged: `, frames 5 to 7 do not decode,
/// dropped`, `, a cut-off frame 8 dropped`, or nothing.
fn dropped_report(animation: Animation, frames_read: u32) -> String {
    let mut report = String::new();
    let first = frames_read + 1;
    match animation.frames.saturating_sub(frames_read) {
        0 => {}
        1 => report.push_str(&format!(", frame {first} does not decode, dropped")),
        n => report.push_str(&format!(", frames {first} to {} do not decode, dropped", frames_read + n)),
    }
    if animation.cut_off {
        report.push_str(&format!(", a cut-off frame {} dropped", animation.frames + 1));
    }
    report
}

/// `1000x750 -> 480x360 lanczos3`, or `none`.
fn resize_report(decoded: (u32, u32), resized: (u32, u32)) -> String {
    if resized == decoded {
        "none".to_string()
    } else {
        format!("{}x{} -> {}x{} lanczos3", decoded.0, decoded.1, resized.0, resized.1)
    }
}
