//! What browsers need to use the proxy's answers from any page: CORS (`CORS_ALLOW_ORIGINS`),
//! `Timing-Allow-Origin` so that page scripts can read `Server-Timing`,
//! `Cross-Origin-Resource-Policy` so that images embed under COEP, and a file name for
//! `Content-Disposition`.

use crate::route::Source;

/// Which page origins may read the proxy's answers (`CORS_ALLOW_ORIGINS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// `*`: any page. The default: images are public, and no answer depends on cookies.
    #[default]
    Any,
    /// Only these origins (`scheme://host[:port]`, compared exactly).
    List(Vec<String>),
}

impl CorsOrigins {
    /// Parses `*` or a comma-separated list of origins.
    pub fn parse(text: &str) -> Result<CorsOrigins, String> {
        let entries: Vec<&str> = text.split(',').map(str::trim).filter(|e| !e.is_empty()).collect();
        if entries.is_empty() || entries == ["*"] {
            return Ok(CorsOrigins::Any);
        }
        let mut origins = Vec::new();
        for entry in entries {
            let url = url::Url::parse(entry).map_err(|e| format!("{entry:?} is not an origin: {e}"))?;
            let origin = url.origin().ascii_serialization();
            if origin == "null" || url.path() != "/" || entry.ends_with('/') {
                return Err(format!("{entry:?} is not an origin (scheme://host[:port])"));
            }
            origins.push(origin);
        }
        Ok(CorsOrigins::List(origins))
    }

    /// The `Access-Control-Allow-Origin` (and `Timing-Allow-Origin`) value for a request from
    /// `origin`, if it may read the answer.
    pub fn allow(&self, origin: Option<&str>) -> Option<String> {
        match self {
            CorsOrigins::Any => Some("*".into()),
            CorsOrigins::List(list) => {
                origin.filter(|o| list.iter().any(|allowed| allowed == o)).map(String::from)
            }
        }
    }

    /// Whether the answer depends on the request's `Origin` (and so must say `Vary: Origin`).
    pub fn varies_on_origin(&self) -> bool {
        matches!(self, CorsOrigins::List(_))
    }
}

/// The `Content-Disposition` of an image answer: shown inline, saved under the source's name
/// with the extension of the format actually sent.
pub fn content_disposition(source: &Source, extension: &str) -> String {
    let path = match source {
        Source::Absolute(url) => url.path(),
        Source::Relative(path) => path.split('?').next().unwrap_or(""),
    };
    let file =
        percent_encoding::percent_decode_str(path.rsplit('/').next().unwrap_or("")).decode_utf8_lossy();
    let stem = file.rsplit_once('.').map_or(file.as_ref(), |(stem, _)| stem);
    // Only characters that need no quoting or encoding in a header parameter.
    let safe: String = stem
        .chars()
        .map(|c| if c == ' ' { '_' } else { c })
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(100)
        .collect();
    let stem = if safe.is_empty() { "image" } else { safe.as_str() };
    format!("inline; filename=\"{stem}.{extension}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_origin_by_default() {
        let cors = CorsOrigins::parse("").expect("valid");
        assert_eq!(cors, CorsOrigins::Any);
        assert_eq!(cors.allow(None).as_deref(), Some("*"));
        assert!(!cors.varies_on_origin());
    }

    #[test]
    fn a_list_echoes_only_listed_origins() {
        let cors = CorsOrigins::parse("https://app.example.com, http://localhost:3000").expect("valid");
        assert_eq!(cors.allow(Some("https://app.example.com")).as_deref(), Some("https://app.example.com"));
        assert_eq!(cors.allow(Some("http://localhost:3000")).as_deref(), Some("http://localhost:3000"));
        assert_eq!(cors.allow(Some("https://evil.example.com")), None);
        assert_eq!(cors.allow(None), None);
        assert!(cors.varies_on_origin());
    }

    #[test]
    fn bad_origins_are_reported() {
        assert!(CorsOrigins::parse("app.example.com").is_err());
        assert!(CorsOrigins::parse("https://app.example.com/path").is_err());
        assert!(CorsOrigins::parse("https://app.example.com/").is_err());
    }

    #[test]
    fn file_names_follow_the_source_and_the_format() {
        let relative = Source::parse("/samples/landscape.jpg?v=2").expect("valid");
        assert_eq!(content_disposition(&relative, "webp"), "inline; filename=\"landscape.webp\"");
        let absolute = Source::parse("https://img.example.com/a/b/photo%20one.final.png").expect("valid");
        assert_eq!(content_disposition(&absolute, "jpg"), "inline; filename=\"photo_one.final.jpg\"");
        let bare = Source::parse("https://img.example.com/").expect("valid");
        assert_eq!(content_disposition(&bare, "png"), "inline; filename=\"image.png\"");
        let hostile = Source::parse("/a/\"x\";y=z.gif").expect("valid");
        assert_eq!(content_disposition(&hostile, "png"), "inline; filename=\"xyz.png\"");
    }
}
