//! SVG sources, served sanitised and never rasterised, as Cloudflare serves them: through
//! Cloudflare's own sanitiser, svg-hush, which keeps an allowlist of SVG elements and
//! attributes (no script, no event handler, no `foreignObject`) and of URLs (same-origin
//! paths, and `data:` URLs of JPEG, PNG and GIF only). Every answer also carries a
//! `Content-Security-Policy` with no script (`answer::for_browsers`): the sanitiser is the
//! defence for where that header is lost.
//!
//! An SVG scales itself, so the size options leave it as it is (Cloudflare does not resize
//! SVGs either); what needs pixels (a raster `format`, a rotation, an effect) is refused with
//! the reason, 415. The source was read under the same cap as any other
//! (`TRANSFORM_MAX_BYTES`); the sanitised copy is capped at [`max_output_bytes`], since its
//! indentation grows with the nesting.

use std::io::{self, Write};

use crate::error::ProxyError;
use crate::format::SourceFormat;
use crate::negotiate::FormatRequest;
use crate::options::{Fit, Flip, Rotation, TransformOptions};

/// Whether the file is an SVG document: after a byte-order mark, whitespace, the XML
/// declaration, comments and a doctype, its root element is `<svg`.
pub(super) fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    let mut rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    loop {
        rest = rest.trim_ascii_start();
        let skip_past = |end: &[u8]| rest.windows(end.len()).position(|w| w == end).map(|at| at + end.len());
        let past = if rest.starts_with(b"<?") {
            skip_past(b"?>")
        } else if rest.starts_with(b"<!--") {
            skip_past(b"-->")
        } else if rest.get(..9).is_some_and(|start| start.eq_ignore_ascii_case(b"<!doctype")) {
            // An internal subset in brackets may hold `>`.
            let subset = rest
                .iter()
                .position(|&b| b == b'[')
                .filter(|&open| rest.iter().position(|&b| b == b'>').is_none_or(|close| open < close));
            match subset {
                Some(_) => skip_past(b"]>").or_else(|| skip_past(b"]\n>")),
                None => skip_past(b">"),
            }
        } else {
            break;
        };
        rest = rest.get(past?..)?;
    }
    let after = rest.strip_prefix(b"<svg")?;
    matches!(after.first(), Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')).then_some(SourceFormat::Svg)
}

/// The most bytes the sanitised copy of a `source_len`-byte SVG may take: twice the source
/// and a little, for indentation; a copy that would be larger is refused.
pub fn max_output_bytes(source_len: usize) -> usize {
    source_len.saturating_mul(2).saturating_add(64 * 1024)
}

/// What sanitising holds beside the source, at most: the copy ([`max_output_bytes`]) and
/// the parser's element stack, names and attributes, bounded by the source (counted once
/// more, with the parser's own buffers).
pub fn memory_bytes(source_len: usize) -> u64 {
    let source = u64::try_from(source_len).unwrap_or(u64::MAX);
    let copy = u64::try_from(max_output_bytes(source_len)).unwrap_or(u64::MAX);
    copy.saturating_add(source).saturating_add(256 * 1024)
}

/// The SVG sanitised, when the request asks nothing of it that needs pixels.
pub fn sanitised(
    source: &[u8],
    options: &TransformOptions,
    format: FormatRequest,
) -> Result<Vec<u8>, ProxyError> {
    if let Some(what) = needs_pixels(options, format) {
        return Err(ProxyError::NotTransformable(format!(
            "an SVG is served sanitised as it is, never rasterised: {what} needs pixels"
        )));
    }
    let mut filter = svg_hush::Filter::new();
    filter.set_data_url_filter(svg_hush::data_url_filter::allow_standard_images);
    let mut out = Capped { bytes: Vec::new(), cap: max_output_bytes(source.len()) };
    // The reason goes to the log only: the client learns that the SVG is not one we serve.
    filter.filter(source, &mut out).map_err(|_| ProxyError::NotAnImage)?;
    Ok(out.bytes)
}

/// The first thing the request asks that only pixels could give, by its option's name.
fn needs_pixels(options: &TransformOptions, format: FormatRequest) -> Option<&'static str> {
    match format {
        FormatRequest::Exactly(_) => return Some("format"),
        FormatRequest::Json => return Some("format=json"),
        FormatRequest::Original
        | FormatRequest::AutoAvif
        | FormatRequest::AutoWebp
        | FormatRequest::AutoLegacy
        | FormatRequest::AutoFast => {}
    }
    [
        (options.rotate != Rotation::None, "rotate"),
        (options.flip != Flip::None, "flip"),
        (options.fit == Fit::Pad, "fit=pad"),
        (options.background.is_some(), "background"),
        (options.blur.is_some(), "blur"),
        (options.sharpen.is_some(), "sharpen"),
        (options.trim.is_some(), "trim"),
        (options.adjusts_colour(), "a colour adjustment"),
    ]
    .into_iter()
    .find_map(|(asked, name)| asked.then_some(name))
}

/// A writer that refuses to grow past its cap.
struct Capped {
    bytes: Vec<u8>,
    cap: usize,
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.bytes.len().saturating_add(data.len()) > self.cap {
            return Err(io::Error::other("the sanitised SVG would exceed its cap"));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &[u8] = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>"#;

    #[test]
    fn svg_is_told_by_its_root_element() {
        assert_eq!(sniff(SVG), Some(SourceFormat::Svg));
        let prolog = b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- by hand -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\">\n<svg>";
        assert_eq!(sniff(prolog), Some(SourceFormat::Svg));
        let subset = b"<!DOCTYPE svg [ <!ENTITY a \"<b>\"> ]><svg/>";
        assert_eq!(sniff(subset), Some(SourceFormat::Svg));
        for not in
            [&b"<html><svg>"[..], b"<svgfoo>", b"<?xml version=\"1.0\"?><feed>", b"<!-- <svg> -->", b"svg"]
        {
            assert_eq!(sniff(not), None, "{}", String::from_utf8_lossy(not));
        }
    }

    #[test]
    fn scripts_handlers_and_external_references_are_removed() {
        let hostile = br#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)"><script>alert(2)</script><image xlink:href="https://tracker.example/p.png"/><a href="javascript:alert(3)"><rect width="5" height="5" onclick="alert(4)"/></a></svg>"#;
        let clean = sanitised(hostile, &TransformOptions::default(), FormatRequest::Original).unwrap();
        let text = String::from_utf8(clean).unwrap();
        for gone in ["script", "onload", "onclick", "alert", "tracker.example", "javascript"] {
            assert!(!text.contains(gone), "{gone} left in {text}");
        }
        assert!(text.contains("<rect"), "{text}");
    }

    #[test]
    fn size_options_leave_it_alone_and_pixel_options_are_refused() {
        let sized = TransformOptions { width: Some(100), quality: Some(50), ..TransformOptions::default() };
        assert!(sanitised(SVG, &sized, FormatRequest::AutoAvif).is_ok());
        let turned = TransformOptions { rotate: Rotation::Quarter, ..TransformOptions::default() };
        let refused = sanitised(SVG, &turned, FormatRequest::Original);
        assert!(
            matches!(&refused, Err(ProxyError::NotTransformable(why)) if why.contains("rotate")),
            "{refused:?}"
        );
        let png = sanitised(
            SVG,
            &TransformOptions::default(),
            FormatRequest::Exactly(crate::format::OutputFormat::Png),
        );
        assert!(matches!(png, Err(ProxyError::NotTransformable(_))));
    }

    #[test]
    fn broken_or_bloated_svg_is_not_an_image() {
        let broken = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><rect></svg>";
        assert_eq!(
            sanitised(broken, &TransformOptions::default(), FormatRequest::Original),
            Err(ProxyError::NotAnImage)
        );
        // Deep nesting: the copy's indentation grows with the square of the depth.
        let depth = 3000;
        let deep = [
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\">"[..],
            &b"<g>".repeat(depth),
            &b"</g>".repeat(depth),
            b"</svg>",
        ]
        .concat();
        assert_eq!(
            sanitised(&deep, &TransformOptions::default(), FormatRequest::Original),
            Err(ProxyError::NotAnImage)
        );
    }
}
