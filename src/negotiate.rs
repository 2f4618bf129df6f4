//! The output format, from the `format` option, the client's `Accept`, and the source.
//!
//! Negotiation happens in two steps because the cache is looked up before the source is
//! fetched: [`FormatRequest::new`] reduces `Accept` to the little the output depends on (so
//! cache keys do not fragment per browser), and [`FormatRequest::resolve`] picks the format
//! once the source's format and alpha are known.

use crate::format::{OutputFormat, SourceFormat};
use crate::options::{Compression, FormatChoice, TransformOptions};

/// The largest output, in pixels, encoded as AVIF; larger ones asking for AVIF get WebP, as
/// Cloudflare does when AVIF would take too long. rav1e (through ravif, at its fastest
/// speed) encodes about 2.5 µs a pixel in Wasm, against WebP's 0.65 and JPEG's 0.03 (flower
/// photo, tests/wasm.rs and bench/encoders): 100,000 pixels (a 400×250 thumbnail, a
/// 316×316 avatar) cost about a quarter of a second of CPU once, then come from the cache.
pub const AVIF_MAX_PIXELS: u64 = 100_000;

/// The format decision as far as it can be made before the source is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatRequest {
    /// Keep the source's format (GIF becomes PNG).
    Original,
    /// This format, whatever the source.
    Exactly(OutputFormat),
    /// `format=auto` for a client that accepts AVIF and WebP: AVIF for outputs of at most
    /// [`AVIF_MAX_PIXELS`], WebP for larger ones.
    AutoAvif,
    /// `format=auto` for a client that accepts WebP (and not AVIF): WebP, lossy at the requested quality
    /// (smaller than JPEG at the same SSIM, and it keeps alpha, which JPEG cannot).
    AutoWebp,
    /// `format=auto` for a client that does not: JPEG, or PNG for images with alpha.
    AutoLegacy,
    /// `format=auto,compression=fast`: JPEG, or PNG for images with alpha, whatever `Accept`
    /// lists, since those encode quickest (the WebP encoder is lossless and slower than
    /// JPEG; PNG at its fast setting keeps the alpha).
    AutoFast,
    /// `format=json`: no image at all, but the source's metadata read from its header.
    Json,
}

impl FormatRequest {
    /// Reduces the `format` and `compression` options and the `Accept` header to what the
    /// output depends on.
    pub fn new(options: &TransformOptions, accept: Option<&str>) -> FormatRequest {
        let accept = accept.unwrap_or("");
        match options.format {
            FormatChoice::Auto if options.compression == Compression::Fast => FormatRequest::AutoFast,
            FormatChoice::Json => FormatRequest::Json,
            FormatChoice::Original => FormatRequest::Original,
            FormatChoice::Jpeg => FormatRequest::Exactly(OutputFormat::Jpeg),
            FormatChoice::BaselineJpeg => FormatRequest::Exactly(OutputFormat::BaselineJpeg),
            FormatChoice::Png => FormatRequest::Exactly(OutputFormat::Png),
            FormatChoice::Webp => FormatRequest::Exactly(OutputFormat::Webp),
            FormatChoice::Avif => FormatRequest::Exactly(OutputFormat::Avif),
            FormatChoice::Auto if accepts(accept, "image/avif") && accepts(accept, "image/webp") => {
                FormatRequest::AutoAvif
            }
            FormatChoice::Auto if accepts(accept, "image/webp") => FormatRequest::AutoWebp,
            FormatChoice::Auto => FormatRequest::AutoLegacy,
        }
    }

    /// The output format for a source of this format and alpha, and an output of `pixels`
    /// pixels; `keeps_profile` says the output must carry the source's ICC profile, which the
    /// AVIF encoder cannot write (WebP can). A `json` request is answered from the header
    /// before any encoding; were it encoded, it would keep the source's format, as when
    /// `format` is not given.
    pub fn resolve(
        self,
        source: SourceFormat,
        has_alpha: bool,
        pixels: u64,
        keeps_profile: bool,
    ) -> OutputFormat {
        match self {
            FormatRequest::Exactly(OutputFormat::Avif) | FormatRequest::AutoAvif => {
                if pixels <= AVIF_MAX_PIXELS && !keeps_profile {
                    OutputFormat::Avif
                } else {
                    OutputFormat::Webp
                }
            }
            FormatRequest::Exactly(format) => format,
            FormatRequest::AutoWebp => OutputFormat::Webp,
            FormatRequest::Original | FormatRequest::Json => source.as_output().unwrap_or(OutputFormat::Png),
            FormatRequest::AutoLegacy | FormatRequest::AutoFast if has_alpha => OutputFormat::Png,
            FormatRequest::AutoLegacy | FormatRequest::AutoFast => OutputFormat::Jpeg,
        }
    }

    /// Whether the response depends on `Accept` (and so must say `Vary: Accept`).
    pub fn varies_on_accept(self) -> bool {
        matches!(self, FormatRequest::AutoAvif | FormatRequest::AutoWebp | FormatRequest::AutoLegacy)
    }

    /// A short token naming this decision, for cache keys.
    pub fn token(self) -> &'static str {
        match self {
            FormatRequest::Original => "original",
            FormatRequest::Exactly(format) => format.name(),
            FormatRequest::AutoAvif => "auto-avif",
            FormatRequest::AutoWebp => "auto-webp",
            FormatRequest::AutoLegacy => "auto-legacy",
            FormatRequest::AutoFast => "auto-fast",
            FormatRequest::Json => "json",
        }
    }
}

/// Whether an `Accept` header lists `mime` explicitly with a non-zero q-value. Wildcards do
/// not count: browsers send `*/*` while not all of them decode every format.
fn accepts(accept: &str, mime: &str) -> bool {
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let listed = parts.next().is_some_and(|m| m.eq_ignore_ascii_case(mime));
        let refused = parts.any(|param| {
            param.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
        });
        listed && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
    const WEBP_ONLY: &str = "image/webp,*/*";
    /// An output small enough for AVIF.
    const SMALL: u64 = 320 * 213;

    fn request(format: FormatChoice, accept: Option<&str>) -> FormatRequest {
        FormatRequest::new(&TransformOptions { format, ..TransformOptions::default() }, accept)
    }

    #[test]
    fn auto_picks_avif_for_small_outputs_and_webp_for_large_ones() {
        let request = self::request(FormatChoice::Auto, Some(CHROME));
        assert_eq!(request, FormatRequest::AutoAvif);
        assert!(request.varies_on_accept());
        for (source, alpha) in [(SourceFormat::Jpeg, false), (SourceFormat::Png, true)] {
            assert_eq!(request.resolve(source, alpha, AVIF_MAX_PIXELS, false), OutputFormat::Avif);
            assert_eq!(request.resolve(source, alpha, AVIF_MAX_PIXELS + 1, false), OutputFormat::Webp);
        }
        // AVIF alone is not enough: the fallback for large outputs must be acceptable too.
        assert_eq!(self::request(FormatChoice::Auto, Some("image/avif,*/*")), FormatRequest::AutoLegacy);
        assert_eq!(
            self::request(FormatChoice::Auto, Some("image/avif;q=0,image/webp")),
            FormatRequest::AutoWebp
        );
    }

    #[test]
    fn avif_gives_way_to_webp_for_a_source_whose_profile_must_be_kept() {
        for format in [FormatChoice::Avif, FormatChoice::Auto] {
            let request = self::request(format, Some(CHROME));
            assert_eq!(request.resolve(SourceFormat::Jpeg, false, SMALL, false), OutputFormat::Avif);
            assert_eq!(request.resolve(SourceFormat::Jpeg, false, SMALL, true), OutputFormat::Webp);
        }
    }

    #[test]
    fn explicit_avif_falls_back_to_webp_above_the_limit_whatever_accept_says() {
        for accept in [None, Some(CHROME)] {
            let request = self::request(FormatChoice::Avif, accept);
            assert_eq!(request, FormatRequest::Exactly(OutputFormat::Avif));
            assert!(!request.varies_on_accept());
            assert_eq!(request.resolve(SourceFormat::Png, false, SMALL, false), OutputFormat::Avif);
            assert_eq!(request.resolve(SourceFormat::Png, false, 1920 * 1080, false), OutputFormat::Webp);
        }
        assert_eq!(OutputFormat::Avif.mime(), "image/avif");
        assert_eq!(FormatRequest::Exactly(OutputFormat::Avif).token(), "avif");
    }

    #[test]
    fn auto_picks_webp_when_accepted() {
        let request = self::request(FormatChoice::Auto, Some(WEBP_ONLY));
        assert_eq!(request, FormatRequest::AutoWebp);
        assert_eq!(request.resolve(SourceFormat::Png, true, SMALL, false), OutputFormat::Webp);
        assert_eq!(request.resolve(SourceFormat::Gif, true, SMALL, false), OutputFormat::Webp);
        assert!(request.varies_on_accept());
    }

    #[test]
    fn auto_sends_opaque_photos_as_lossy_webp_too() {
        let request = self::request(FormatChoice::Auto, Some(WEBP_ONLY));
        assert_eq!(request.resolve(SourceFormat::Jpeg, false, SMALL, false), OutputFormat::Webp);
        assert_eq!(request.resolve(SourceFormat::Webp, false, SMALL, false), OutputFormat::Webp);
    }

    #[test]
    fn auto_falls_back_to_jpeg_or_png() {
        for accept in [None, Some("image/*,*/*"), Some("image/webp;q=0")] {
            let request = self::request(FormatChoice::Auto, accept);
            assert_eq!(request, FormatRequest::AutoLegacy, "{accept:?}");
            assert_eq!(request.resolve(SourceFormat::Webp, false, SMALL, false), OutputFormat::Jpeg);
            assert_eq!(request.resolve(SourceFormat::Webp, true, SMALL, false), OutputFormat::Png);
        }
    }

    #[test]
    fn baseline_jpeg_is_its_own_output_with_the_jpeg_type() {
        let request = self::request(FormatChoice::BaselineJpeg, Some(CHROME));
        assert_eq!(request.resolve(SourceFormat::Png, true, SMALL, false), OutputFormat::BaselineJpeg);
        assert_eq!(request.token(), "baseline-jpeg", "its own cache entry");
        assert_eq!(OutputFormat::BaselineJpeg.mime(), "image/jpeg");
        assert!(!request.varies_on_accept());
        let jpeg = self::request(FormatChoice::Jpeg, None);
        assert_eq!(jpeg.resolve(SourceFormat::Png, false, SMALL, false), OutputFormat::Jpeg);
    }

    #[test]
    fn explicit_and_original_formats_ignore_accept() {
        let request = self::request(FormatChoice::Png, Some(CHROME));
        assert_eq!(request.resolve(SourceFormat::Jpeg, false, SMALL, false), OutputFormat::Png);
        assert!(!request.varies_on_accept());
        let original = self::request(FormatChoice::Original, Some(CHROME));
        assert_eq!(original.resolve(SourceFormat::Jpeg, true, SMALL, false), OutputFormat::Jpeg);
        assert_eq!(original.resolve(SourceFormat::Gif, false, SMALL, false), OutputFormat::Png);
        assert!(!original.varies_on_accept());
    }

    #[test]
    fn fast_compression_picks_jpeg_or_png_whatever_accept_says() {
        let options = TransformOptions {
            format: FormatChoice::Auto,
            compression: Compression::Fast,
            ..TransformOptions::default()
        };
        let fast = FormatRequest::new(&options, Some(CHROME));
        assert_eq!(fast, FormatRequest::new(&options, None), "Accept does not matter");
        assert!(!fast.varies_on_accept());
        assert_eq!(fast.resolve(SourceFormat::Webp, false, SMALL, false), OutputFormat::Jpeg);
        assert_eq!(
            fast.resolve(SourceFormat::Webp, true, SMALL, false),
            OutputFormat::Png,
            "not WebP for alpha"
        );
        assert_eq!(
            self::request(FormatChoice::Auto, Some(WEBP_ONLY)).resolve(SourceFormat::Png, true, SMALL, false),
            OutputFormat::Webp
        );
        let png = TransformOptions { format: FormatChoice::Png, ..options };
        assert_eq!(
            FormatRequest::new(&png, Some(CHROME)),
            FormatRequest::Exactly(OutputFormat::Png),
            "only auto"
        );
    }
}
