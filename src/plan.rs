//! What happens to an image request once the edge cache has missed: pure decisions from what
//! is known at each point, which the edge carries out and never makes itself.
//!
//! 1. [`plan`], once the upstream's headers are in and before a byte of the body is read: the
//!    client already has this version; pass the body through (a range of a large source, a
//!    declared or remembered length over `TRANSFORM_MAX_BYTES`); read it to transform or
//!    describe it; fetch it whole instead of a range; or refuse.
//! 2. [`without_room`], when the memory budget has no room for the body or its pixels: the
//!    source untouched, or 503 for a request that would be wrong without a transform.
//! 3. [`after_spill`], when a body being read turned out too large, or found no room.
//! 4. [`nothing_to_do`], once the image's header is read: whether its own bytes are the
//!    answer; [`untouched`] adds the refusal of a source that is never decoded (AVIF) when
//!    they are not.
//! 5. [`over_cpu`], when even the cheapest path of the transform is over the CPU budget: the
//!    source untouched, or 503 for a request that would be wrong without a transform.

use crate::budget::RETRY_AFTER_SECONDS;
use crate::error::ProxyError;
use crate::format::SourceFormat;
use crate::options::{Fit, Flip, FormatChoice, Metadata, Rotation, TransformOptions};
use crate::transform::{CpuNote, ImageInfo, Work};

/// What is known of a source once its upstream's headers have arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// The body's declared length (`Content-Length`).
    pub declared: Option<u64>,
    /// An earlier request found this source too large to transform (the mark in the cache).
    pub known_large: bool,
    /// The upstream answered the client's forwarded `Range` with `206 Partial Content`.
    pub partial: Option<Partial>,
    /// The client's `If-None-Match` names the answer this version of the source gives.
    pub client_has_it: bool,
    /// `format=json`: the source is described, not transformed.
    pub describe: bool,
    /// The source's own bytes would be a wrong answer (see [`must_transform`]).
    pub must_transform: bool,
}

/// A `206 Partial Content` answer's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partial {
    /// The whole source's length, from `Content-Range` (`None` for `*`).
    pub total: Option<u64>,
}

impl Partial {
    /// Reads `Content-Range`: `bytes 0-99/1234` or `bytes 0-99/*`.
    pub fn parse(content_range: &str) -> Partial {
        Partial { total: content_range.rsplit('/').next().and_then(|total| total.trim().parse().ok()) }
    }
}

/// What to do with the upstream's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The client has this version already: `304`, the body left unread.
    NotModified,
    /// A range of a source small enough to transform: fetch it whole, without the range,
    /// since transforming needs all of it.
    FetchWhole,
    /// Stream the body to the client untouched; it never enters Wasm memory.
    PassThrough(Why),
    /// Read the body into memory, then make the answer.
    Read(Reading),
    /// Answer with this error.
    Refuse(ProxyError),
}

/// How a body is read, and what is made of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The most bytes read before the body spills into a pass-through.
    pub cap: u64,
    /// Bytes to hold in the memory budget before reading: the declared length (a body of
    /// unknown length reserves as it arrives).
    pub reserve: Option<u64>,
    /// What is made of it.
    pub then: Then,
}

/// What a body read whole is made into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// An image, transformed (or the source itself when nothing needs doing).
    Make,
    /// `format=json`: a description of the source, from its header.
    Describe,
}

/// Why a body passes through untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The upstream answered the client's range, of a source too large to transform.
    RangeOfLargeSource,
    /// Its declared length is over `TRANSFORM_MAX_BYTES`.
    DeclaredTooLarge,
    /// An earlier request found it too large.
    KnownTooLarge,
    /// Reading it showed it larger than `TRANSFORM_MAX_BYTES` (it declared no length).
    FoundTooLarge,
    /// The memory budget had no room for it.
    NoRoom,
}

impl Why {
    /// Whether the edge cache should remember the source as too large, so that the next
    /// request passes it through at once: when this request was the one to find out.
    pub fn remember_large(self) -> bool {
        matches!(self, Why::DeclaredTooLarge | Why::FoundTooLarge)
    }

    /// The `Server-Timing` entry telling why, where the headers alone would not show it.
    pub fn server_timing(self) -> Option<&'static str> {
        match self {
            Why::KnownTooLarge => Some("plan;desc=\"known too large\""),
            Why::NoRoom => Some("plan;desc=\"no room in the memory budget\""),
            Why::RangeOfLargeSource | Why::DeclaredTooLarge | Why::FoundTooLarge => None,
        }
    }
}

/// Why reading a body stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spill {
    /// It grew past the cap.
    TooLarge,
    /// The budget had no room for more of it.
    NoRoom,
}

/// Decides from the upstream's headers, before the body is read.
pub fn plan(known: &Known, transform_max_bytes: u64) -> Plan {
    if let Some(partial) = known.partial {
        return match partial.total {
            Some(total) if total <= transform_max_bytes => Plan::FetchWhole,
            _ => Plan::PassThrough(Why::RangeOfLargeSource),
        };
    }
    if known.client_has_it {
        return Plan::NotModified;
    }
    let too_large = match known.declared {
        Some(length) => length > transform_max_bytes,
        // Not read up to the cap again just to learn what an earlier request learned.
        None => known.known_large,
    };
    match (too_large, known.describe) {
        // The client asked for JSON, which is made from the whole source only.
        (true, true) => Plan::Refuse(ProxyError::SourceTooLarge { limit: transform_max_bytes }),
        (true, false) if known.known_large => Plan::PassThrough(Why::KnownTooLarge),
        (true, false) => Plan::PassThrough(Why::DeclaredTooLarge),
        (false, describe) => Plan::Read(Reading {
            cap: transform_max_bytes,
            reserve: known.declared,
            then: if describe { Then::Describe } else { Then::Make },
        }),
    }
}

/// When the memory budget has no room for a body or its pixels within the wait: the source
/// untouched (`Ok`), unless the request would be wrong without a transform (503).
pub fn without_room(known: &Known) -> Result<(), ProxyError> {
    if known.must_transform {
        return Err(ProxyError::Busy { retry_after_seconds: RETRY_AFTER_SECONDS });
    }
    Ok(())
}

/// When even the cheapest path of a transform is over the CPU budget (`cpu`): the source
/// untouched (`Ok`), unless the request would be wrong without a transform (503, which
/// `onerror=redirect` turns into a redirect to the source).
pub fn over_cpu(known: &Known, cpu: &CpuNote) -> Result<(), ProxyError> {
    if known.must_transform {
        return Err(ProxyError::OverCpuBudget {
            estimate_ms: cpu.cheaper_ms.unwrap_or(cpu.estimate_ms),
            budget_ms: cpu.budget_ms,
            retry_after_seconds: RETRY_AFTER_SECONDS,
            unforeseen: None,
        });
    }
    Ok(())
}

/// When reading a body stopped early: what was read is sent, then the rest, untouched; or,
/// for a description or a request that must be transformed, a refusal.
pub fn after_spill(spill: Spill, known: &Known, transform_max_bytes: u64) -> Plan {
    match spill {
        Spill::TooLarge if known.describe => {
            Plan::Refuse(ProxyError::SourceTooLarge { limit: transform_max_bytes })
        }
        Spill::TooLarge => Plan::PassThrough(Why::FoundTooLarge),
        Spill::NoRoom => match without_room(known) {
            Ok(()) => Plan::PassThrough(Why::NoRoom),
            Err(busy) => Plan::Refuse(busy),
        },
    }
}

/// Whether the source's own bytes would be a wrong answer rather than merely a larger one: a
/// client that named a format may not be able to read another, and a rotation or flip
/// changes what the image shows. When memory is short, requests for which this is false get
/// the source untouched instead of waiting their turn.
pub fn must_transform(options: &TransformOptions) -> bool {
    !matches!(options.format, FormatChoice::Original | FormatChoice::Auto)
        || options.rotate != Rotation::None
        || options.flip != Flip::None
}

/// Whether serving the source's own bytes gives exactly what was asked for: the output in
/// the source's format (`keeps_format`) at its own size (`canvas`), no rotation, flip, trim,
/// padding, effect or colour adjustment, and no quality requested. An untouched source keeps its own metadata,
/// so `metadata=none` always re-encodes.
pub fn nothing_to_do(
    options: &TransformOptions,
    info: &ImageInfo,
    keeps_format: bool,
    canvas: (u32, u32),
) -> bool {
    keeps_format
        && options.quality.is_none()
        && options.rotate == Rotation::None
        && options.flip == Flip::None
        && canvas == (info.width, info.height)
        && options.fit != Fit::Pad
        && options.blur.is_none()
        && options.sharpen.is_none()
        && options.background.is_none()
        && options.trim.is_none()
        && !options.adjusts_colour()
        && options.metadata != Metadata::None
}

/// Whether the source's own bytes are the answer to the work planned on its header
/// ([`nothing_to_do`]); when they are not and the source is never decoded (an AVIF), the
/// refusal with what the client could ask instead.
pub fn untouched(options: &TransformOptions, work: &Work) -> Result<bool, ProxyError> {
    let info = work.info();
    if nothing_to_do(options, info, work.keeps_format(), work.canvas()) {
        return Ok(true);
    }
    if info.format == SourceFormat::Avif {
        let why = if work.keeps_format() { "other pixels" } else { "another format" };
        return Err(ProxyError::NotTransformable(format!(
            "an AVIF source is served only as it is (no AVIF decoder runs in this Worker), and this \
             request asks for {why}: ask for its own size, no effect, and a format that allows AVIF"
        )));
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::SourceFormat;

    const CAP: u64 = 5 * 1024 * 1024;

    /// A plain GET of an image with nothing known yet.
    fn known() -> Known {
        Known {
            declared: None,
            known_large: false,
            partial: None,
            client_has_it: false,
            describe: false,
            must_transform: false,
        }
    }

    fn read(reserve: Option<u64>, then: Then) -> Plan {
        Plan::Read(Reading { cap: CAP, reserve, then })
    }

    #[test]
    fn the_declared_length_decides() {
        let declared = |length| Known { declared: Some(length), ..known() };
        assert_eq!(plan(&declared(CAP), CAP), read(Some(CAP), Then::Make));
        assert_eq!(plan(&declared(0), CAP), read(Some(0), Then::Make));
        assert_eq!(plan(&declared(CAP + 1), CAP), Plan::PassThrough(Why::DeclaredTooLarge));
        let marked_small = Known { known_large: true, ..declared(10) };
        assert_eq!(plan(&marked_small, CAP), read(Some(10), Then::Make), "a declared small length wins");
        let marked_large = Known { known_large: true, ..declared(CAP + 1) };
        assert_eq!(plan(&marked_large, CAP), Plan::PassThrough(Why::KnownTooLarge), "not remembered twice");
    }

    #[test]
    fn an_unknown_length_is_read_up_to_the_cap_unless_remembered_as_too_large() {
        assert_eq!(plan(&known(), CAP), read(None, Then::Make));
        let marked = Known { known_large: true, ..known() };
        assert_eq!(plan(&marked, CAP), Plan::PassThrough(Why::KnownTooLarge));
    }

    #[test]
    fn a_description_is_read_whole_or_refused() {
        let json = Known { describe: true, ..known() };
        assert_eq!(plan(&json, CAP), read(None, Then::Describe));
        let too_large = Plan::Refuse(ProxyError::SourceTooLarge { limit: CAP });
        assert_eq!(plan(&Known { declared: Some(CAP + 1), ..json }, CAP), too_large);
        assert_eq!(plan(&Known { known_large: true, ..json }, CAP), too_large);
        assert_eq!(after_spill(Spill::TooLarge, &json, CAP), too_large);
    }

    #[test]
    fn a_range_passes_through_only_for_a_large_source() {
        let range = |total| Known { partial: Some(Partial { total }), declared: Some(100), ..known() };
        assert_eq!(plan(&range(Some(CAP)), CAP), Plan::FetchWhole);
        assert_eq!(plan(&range(Some(CAP + 1)), CAP), Plan::PassThrough(Why::RangeOfLargeSource));
        assert_eq!(plan(&range(None), CAP), Plan::PassThrough(Why::RangeOfLargeSource), "length unknown");
        let known_version = Known { client_has_it: true, ..range(Some(CAP + 1)) };
        assert_eq!(plan(&known_version, CAP), Plan::PassThrough(Why::RangeOfLargeSource), "a range is bytes");
    }

    #[test]
    fn content_range_gives_the_whole_length() {
        assert_eq!(Partial::parse("bytes 0-99/1234"), Partial { total: Some(1234) });
        assert_eq!(Partial::parse("bytes 0-99/*"), Partial { total: None });
        assert_eq!(Partial::parse(""), Partial { total: None });
    }

    #[test]
    fn a_client_with_this_version_is_answered_before_anything_is_read() {
        let has_it = Known { client_has_it: true, declared: Some(CAP * 10), describe: true, ..known() };
        assert_eq!(plan(&has_it, CAP), Plan::NotModified);
    }

    #[test]
    fn without_room_only_a_request_that_must_be_transformed_is_refused() {
        assert_eq!(without_room(&known()), Ok(()));
        let must = Known { must_transform: true, ..known() };
        assert_eq!(without_room(&must), Err(ProxyError::Busy { retry_after_seconds: RETRY_AFTER_SECONDS }));
        assert_eq!(after_spill(Spill::NoRoom, &known(), CAP), Plan::PassThrough(Why::NoRoom));
        assert!(matches!(after_spill(Spill::NoRoom, &must, CAP), Plan::Refuse(ProxyError::Busy { .. })));
        assert_eq!(after_spill(Spill::TooLarge, &must, CAP), Plan::PassThrough(Why::FoundTooLarge));
    }

    #[test]
    fn over_the_cpu_budget_only_a_request_that_must_be_transformed_is_refused() {
        let note =
            CpuNote { estimate_ms: 80, budget_ms: 10, cheaper_ms: Some(40), steps: Vec::new(), over: true };
        assert_eq!(over_cpu(&known(), &note), Ok(()), "the source untouched");
        let must = Known { must_transform: true, ..known() };
        let refused = ProxyError::OverCpuBudget {
            estimate_ms: 40,
            budget_ms: 10,
            retry_after_seconds: RETRY_AFTER_SECONDS,
            unforeseen: None,
        };
        assert_eq!(over_cpu(&must, &note), Err(refused.clone()), "the cheapest path's estimate");
        assert_eq!((refused.status(), refused.retry_after_seconds()), (503, Some(RETRY_AFTER_SECONDS)));
        assert!(refused.may_redirect(), "onerror=redirect sends the client to the source");
    }

    #[test]
    fn only_the_request_that_finds_a_source_too_large_remembers_it() {
        let remembered: Vec<Why> = [
            Why::RangeOfLargeSource,
            Why::DeclaredTooLarge,
            Why::KnownTooLarge,
            Why::FoundTooLarge,
            Why::NoRoom,
        ]
        .into_iter()
        .filter(|why| why.remember_large())
        .collect();
        assert_eq!(remembered, [Why::DeclaredTooLarge, Why::FoundTooLarge]);
    }

    #[test]
    fn a_named_format_rotation_or_flip_must_be_transformed() {
        let options =
            |text: &str| TransformOptions::from_pairs(text.split(',').filter_map(|p| p.split_once('=')));
        for (text, must) in [
            ("width=10", false),
            ("format=auto", false),
            ("format=webp", true),
            ("format=json", true),
            ("rotate=90", true),
            ("flip=h", true),
        ] {
            assert_eq!(must_transform(&options(text).expect("valid")), must, "{text}");
        }
    }

    #[test]
    fn only_an_untouched_image_is_nothing_to_do() {
        let info = ImageInfo {
            format: SourceFormat::Jpeg,
            width: 100,
            height: 50,
            has_alpha: false,
            orientation: 1,
            decoded_bytes_per_pixel: 3,
        };
        let none = TransformOptions::default();
        assert!(nothing_to_do(&none, &info, true, (100, 50)));
        assert!(!nothing_to_do(&none, &info, false, (100, 50)), "format changes");
        assert!(!nothing_to_do(&none, &info, true, (50, 25)), "size changes");
        let q = TransformOptions { quality: Some(50), ..none };
        assert!(!nothing_to_do(&q, &info, true, (100, 50)), "quality asked for");
        let flipped = TransformOptions { flip: Flip::Horizontal, ..none };
        assert!(!nothing_to_do(&flipped, &info, true, (100, 50)), "flip asked for");
        let turned = TransformOptions { rotate: Rotation::Half, ..none };
        assert!(!nothing_to_do(&turned, &info, true, (100, 50)), "rotation asked for");
        let grey = TransformOptions::from_pairs([("saturation", "0")]).expect("valid");
        assert!(!nothing_to_do(&grey, &info, true, (100, 50)), "a colour adjustment asked for");
        let stripped = TransformOptions { metadata: Metadata::None, ..none };
        assert!(!nothing_to_do(&stripped, &info, true, (100, 50)), "metadata=none re-encodes");
    }
}
