//! The formats the proxy reads and writes: the vocabulary that negotiation, transforms and
//! answers share, with each format's name and `Content-Type`.

/// Formats the proxy can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// JPEG
    Jpeg,
    /// PNG
    Png,
    /// GIF (first frame)
    Gif,
    /// WebP
    Webp,
    /// BMP (read only)
    Bmp,
    /// ICO: the largest of its images, each a BMP or a PNG (read only)
    Ico,
    /// TIFF: its first page (read only)
    Tiff,
    /// AVIF: served as it is only, its header read for its size (no AVIF decoder runs in a
    /// Worker: see `bench/formats.md`)
    Avif,
    /// SVG: served sanitised only, never rasterised
    Svg,
}

/// Formats the proxy can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Progressive JPEG: what Cloudflare sends, and a little smaller than baseline.
    Jpeg,
    /// Baseline (sequential) JPEG.
    BaselineJpeg,
    /// PNG
    Png,
    /// WebP
    Webp,
    /// AVIF: the smallest at a given quality, and the slowest to encode by far, so only for
    /// outputs of at most [`crate::negotiate::AVIF_MAX_PIXELS`] (see there).
    Avif,
    /// Animated GIF: only for an animated GIF source kept animated (see
    /// `transform`); never chosen by `negotiate::FormatRequest::resolve`.
    Gif,
}

impl OutputFormat {
    /// Every format written.
    pub const ALL: [OutputFormat; 6] = [
        OutputFormat::Jpeg,
        OutputFormat::BaselineJpeg,
        OutputFormat::Png,
        OutputFormat::Webp,
        OutputFormat::Avif,
        OutputFormat::Gif,
    ];

    /// The `Content-Type` of this format.
    pub fn mime(self) -> &'static str {
        match self {
            OutputFormat::Jpeg | OutputFormat::BaselineJpeg => "image/jpeg",
            OutputFormat::Png => "image/png",
            OutputFormat::Webp => "image/webp",
            OutputFormat::Avif => "image/avif",
            OutputFormat::Gif => "image/gif",
        }
    }

    /// A short name, for cache keys and logs.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpeg",
            OutputFormat::BaselineJpeg => "baseline-jpeg",
            OutputFormat::Png => "png",
            OutputFormat::Webp => "webp",
            OutputFormat::Avif => "avif",
            OutputFormat::Gif => "gif",
        }
    }
}

impl SourceFormat {
    /// Every format read.
    pub const ALL: [SourceFormat; 9] = [
        SourceFormat::Jpeg,
        SourceFormat::Png,
        SourceFormat::Gif,
        SourceFormat::Webp,
        SourceFormat::Bmp,
        SourceFormat::Ico,
        SourceFormat::Tiff,
        SourceFormat::Avif,
        SourceFormat::Svg,
    ];

    /// A short name, for logs and `Server-Timing`.
    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::Jpeg => "jpeg",
            SourceFormat::Png => "png",
            SourceFormat::Gif => "gif",
            SourceFormat::Webp => "webp",
            SourceFormat::Bmp => "bmp",
            SourceFormat::Ico => "ico",
            SourceFormat::Tiff => "tiff",
            SourceFormat::Avif => "avif",
            SourceFormat::Svg => "svg",
        }
    }

    /// The `Content-Type` of this format. ICO's is the older `image/x-icon`, which every
    /// browser knows (IANA's `image/vnd.microsoft.icon` is what Windows never sent).
    pub fn mime(self) -> &'static str {
        match self {
            SourceFormat::Jpeg => "image/jpeg",
            SourceFormat::Png => "image/png",
            SourceFormat::Gif => "image/gif",
            SourceFormat::Webp => "image/webp",
            SourceFormat::Bmp => "image/bmp",
            SourceFormat::Ico => "image/x-icon",
            SourceFormat::Tiff => "image/tiff",
            SourceFormat::Avif => "image/avif",
            SourceFormat::Svg => "image/svg+xml",
        }
    }

    /// The same format as output, when the proxy can write it.
    pub fn as_output(self) -> Option<OutputFormat> {
        match self {
            SourceFormat::Jpeg => Some(OutputFormat::Jpeg),
            SourceFormat::Png => Some(OutputFormat::Png),
            SourceFormat::Webp => Some(OutputFormat::Webp),
            SourceFormat::Avif => Some(OutputFormat::Avif),
            SourceFormat::Gif
            | SourceFormat::Bmp
            | SourceFormat::Ico
            | SourceFormat::Tiff
            | SourceFormat::Svg => None,
        }
    }
}

/// The usual file extension of a `Content-Type` the proxy sends: an image format's, `json`
/// for `format=json`, and `img` for a type of no format the proxy knows.
pub fn extension(mime: &str) -> &'static str {
    let mime = mime.split(';').next().unwrap_or("").trim();
    match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/avif" => "avif",
        "image/bmp" => "bmp",
        "image/x-icon" | "image/vnd.microsoft.icon" => "ico",
        "image/tiff" => "tiff",
        "image/svg+xml" => "svg",
        "application/json" => "json",
        _ => "img",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_its_own_extension() {
        let types = OutputFormat::ALL
            .map(OutputFormat::mime)
            .into_iter()
            .chain(SourceFormat::ALL.map(SourceFormat::mime));
        for mime in types {
            let extension = extension(mime);
            assert_ne!(extension, "img", "{mime}");
            let named_otherwise = ["image/jpeg", "image/x-icon", "image/svg+xml"];
            assert!(mime.ends_with(extension) || named_otherwise.contains(&mime), "{mime} -> {extension}");
        }
        assert_eq!(extension("image/avif; q=1"), "avif");
        assert_eq!(extension("image/x-unknown"), "img");
        assert_eq!(extension("image/vnd.microsoft.icon"), "ico");
    }
}
