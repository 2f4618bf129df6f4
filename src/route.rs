//! Which handler a request path goes to, and for image requests the source and options.
//!
//! - `/cdn-cgi/image/<options>/<source>`: Cloudflare's form, options comma-separated.
//! - `/image?url=<source>&<options>`: the same options as query parameters.
//! - `/debug/memory-stats`: the isolate's counters.
//! - `/reference.json`: every option and error, for `www/reference.html`.
//! - anything else: a static file from `www/`.

use percent_encoding::percent_decode_str;
use url::Url;

use crate::error::ProxyError;
use crate::options::TransformOptions;

/// Where the image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An absolute `http(s)` URL, checked against `ALLOWED_SOURCES` before it is fetched.
    Absolute(Url),
    /// A path (and query) starting with a single `/`, read from the Worker's static assets or
    /// resolved against `ORIGIN_URL`. It can never name another host.
    Relative(String),
}

impl Source {
    /// Parses a source as written in either URL form.
    pub fn parse(raw: &str) -> Result<Source, ProxyError> {
        let bad = |why: &str| Err(ProxyError::BadSource(format!("{why}: {raw:?}")));
        if raw.is_empty() {
            return bad("the source is empty");
        }
        if let Some(absolute) = absolute_form(raw) {
            return match Url::parse(&absolute) {
                Ok(url) if url.host().is_some() => Ok(Source::Absolute(url)),
                _ => bad("the source is not a valid URL"),
            };
        }
        if raw.contains("://") {
            return bad("only http and https sources are supported");
        }
        let path = if raw.starts_with('/') { raw.to_string() } else { format!("/{raw}") };
        // Judge the path as the upstream will see it, after percent-decoding: `/%2F%2Fhost`
        // must not become `//host`.
        let decoded = percent_decode_str(&path).decode_utf8_lossy();
        if decoded.starts_with("//") || decoded.contains('\\') {
            return bad("a relative source cannot name a host");
        }
        if decoded.split(['/', '?']).any(|segment| segment == "..") {
            return bad("a relative source cannot contain '..'");
        }
        if decoded.chars().any(char::is_control) {
            return bad("the source contains control characters");
        }
        Ok(Source::Relative(path))
    }

    /// The source in one fixed spelling, for cache keys, signatures and logs. The URL parser
    /// already lower-cases scheme and host and drops a default port; percent-escapes are
    /// normalised here (RFC 3986, 6.2.2.2): those of unreserved characters decoded, the rest
    /// in upper-case hex. Nothing else changes: `/A.png` and `/a.png` stay two sources.
    pub fn canonical(&self) -> String {
        match self {
            Source::Absolute(url) => normalise_escapes(url.as_str()),
            Source::Relative(path) => normalise_escapes(path),
        }
    }
}

/// Decodes `%XX` escapes of unreserved characters and upper-cases the hex of the others.
fn normalise_escapes(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let escape = (byte == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escape {
            Some(decoded) if decoded.is_ascii_alphanumeric() || b"-._~".contains(&decoded) => {
                out.push(char::from(decoded));
                index += 3;
            }
            Some(decoded) => {
                out.push_str(&format!("%{decoded:02X}"));
                index += 3;
            }
            None => {
                // `text` is valid UTF-8 and this is not inside an escape: copy the character.
                let rest = text.get(index..).unwrap_or_default();
                let character = rest.chars().next().unwrap_or('\u{FFFD}');
                out.push(character);
                index += character.len_utf8().max(1);
            }
        }
    }
    out
}

/// `http://…` and `https://…`, also when a client or proxy merged the double slash.
fn absolute_form(raw: &str) -> Option<String> {
    let lower = raw.get(..8).unwrap_or(raw).to_ascii_lowercase();
    for scheme in ["http:", "https:"] {
        if let Some(rest) = lower.starts_with(scheme).then(|| &raw[scheme.len()..]) {
            let rest = rest.trim_start_matches('/');
            return Some(format!("{scheme}//{rest}"));
        }
    }
    None
}

/// An image request: what to fetch and what to do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRequest {
    /// Where the image comes from.
    pub source: Source,
    /// What to do with it.
    pub options: TransformOptions,
    /// The signature and expiry the URL carries (`s=`, `expires=`), checked by
    /// [`crate::security::check_request`].
    pub signed: Signed,
    /// The `dpr` asked for, in thousandths (1000 when not given). It is already folded into
    /// the options' dimensions; it is kept so that `MAX_DPR` can be checked.
    pub dpr_thousandths: u16,
}

/// The `dpr` among already validated pairs, in thousandths.
fn dpr_thousandths(pairs: &[(String, String)]) -> u16 {
    let dpr = pairs.iter().find(|(key, _)| key == "dpr").and_then(|(_, value)| value.parse::<f64>().ok());
    // The parser accepted it, so it lies in 1..=4 and the product in 1000..=4000.
    dpr.map_or(1000, |dpr| (dpr * 1000.0).round() as u16)
}

/// The URL's own signature parameters, kept apart from the image options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signed {
    /// `s` (alias `sig`): base64url HMAC-SHA256 of the canonical request.
    pub signature: Option<String>,
    /// `expires`: Unix time in seconds after which the URL is refused.
    pub expires: Option<u64>,
}

impl Signed {
    /// Takes `s`/`sig` and `expires` out of `pairs`, leaving the image options.
    fn split_from(pairs: Vec<(String, String)>) -> Result<(Signed, Vec<(String, String)>), ProxyError> {
        let mut signed = Signed::default();
        let mut rest = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            match key.as_str() {
                "s" | "sig" if signed.signature.is_none() => signed.signature = Some(value),
                "expires" if signed.expires.is_none() => {
                    let at = value.parse().map_err(|_| {
                        ProxyError::BadOptions(format!(
                            "expires must be a Unix time in seconds, not {value:?}"
                        ))
                    })?;
                    signed.expires = Some(at);
                }
                "s" | "sig" | "expires" => {
                    return Err(ProxyError::BadOptions(format!("option {key:?} is given twice")));
                }
                _ => rest.push((key, value)),
            }
        }
        Ok((signed, rest))
    }
}

/// What a request path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Transform (or pass through) an image.
    Image(ImageRequest),
    /// The isolate's counters as JSON.
    MemoryStats,
    /// The URL reference as JSON ([`crate::reference`]).
    Reference,
    /// Delete stored answers (`POST`, see [`crate::purge`]).
    Purge,
    /// A file from the static assets.
    Static,
    /// Panics on purpose (only in builds with the `panic-route` feature, for the e2e test
    /// that proves the Worker recovers from a panic).
    #[cfg(feature = "panic-route")]
    Panic,
}

const CDN_CGI_PREFIX: &str = "/cdn-cgi/image/";

/// Routes a request by its path and raw query string (without the `?`).
pub fn route(path: &str, query: Option<&str>) -> Result<Route, ProxyError> {
    if let Some(rest) = path.strip_prefix(CDN_CGI_PREFIX) {
        return cdn_cgi(rest, query).map(Route::Image);
    }
    match path {
        "/image" => query_form(query.unwrap_or("")).map(Route::Image),
        "/debug/memory-stats" => Ok(Route::MemoryStats),
        "/reference.json" => Ok(Route::Reference),
        "/purge" => Ok(Route::Purge),
        #[cfg(feature = "panic-route")]
        "/debug/panic" => Ok(Route::Panic),
        _ => Ok(Route::Static),
    }
}

/// `<options>/<source>`; the source keeps the request's query string.
fn cdn_cgi(rest: &str, query: Option<&str>) -> Result<ImageRequest, ProxyError> {
    let Some((options, source)) = rest.split_once('/') else {
        return Err(ProxyError::BadSource("expected /cdn-cgi/image/<options>/<source>".into()));
    };
    let decoded: Vec<(String, String)> = split_options(options)
        .into_iter()
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect();
    let (signed, decoded) = Signed::split_from(decoded)?;
    let options = TransformOptions::from_pairs(decoded.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let source = match query {
        Some(query) => format!("{source}?{query}"),
        None => source.to_string(),
    };
    let dpr_thousandths = dpr_thousandths(&decoded);
    Ok(ImageRequest { source: Source::parse(&source)?, options, signed, dpr_thousandths })
}

/// Splits `a=1,b=rgb(1,2,3)` at the commas that are not inside parentheses, so CSS colour
/// functions keep theirs.
fn split_options(options: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (index, c) in options.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(options.get(start..index).unwrap_or(""));
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(options.get(start..).unwrap_or(""));
    parts
}

/// `url=<source>&<options>`.
fn query_form(query: &str) -> Result<ImageRequest, ProxyError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let mut sources = pairs.iter().filter(|(key, _)| key == "url");
    let source = match (sources.next(), sources.next()) {
        (Some((_, source)), None) => Source::parse(source)?,
        (None, _) => return Err(ProxyError::BadSource("the url parameter is missing".into())),
        (Some(_), Some(_)) => return Err(ProxyError::BadSource("the url parameter is given twice".into())),
    };
    let (signed, pairs) = Signed::split_from(pairs.into_iter().filter(|(key, _)| key != "url").collect())?;
    let options = TransformOptions::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Ok(ImageRequest { source, options, signed, dpr_thousandths: dpr_thousandths(&pairs) })
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(path: &str, query: Option<&str>) -> ImageRequest {
        match route(path, query) {
            Ok(Route::Image(request)) => request,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn both_forms_give_the_same_request() {
        let a = image("/cdn-cgi/image/width=200,fit=cover/samples/cat.jpg", None);
        let b = image("/image", Some("url=/samples/cat.jpg&w=200&fit=cover"));
        assert_eq!(a, b);
        assert_eq!(a.source, Source::Relative("/samples/cat.jpg".into()));
        assert_eq!(a.options.width, Some(200));
    }

    #[test]
    fn absolute_sources_keep_their_query() {
        let r = image("/cdn-cgi/image/w=10/https://img.example.com/a.jpg", Some("v=3&x=y"));
        assert_eq!(r.source.canonical(), "https://img.example.com/a.jpg?v=3&x=y");
        let escaped = route("/cdn-cgi/image/w=1/https://img.example.com/%61%2d%2f%c3%a9.jpg", None).unwrap();
        let Route::Image(escaped) = escaped else { panic!("image") };
        assert_eq!(escaped.source.canonical(), "https://img.example.com/a-%2F%C3%A9.jpg");
        let relative = Source::Relative("/caf%c3%a9/%7euser.png".into());
        assert_eq!(relative.canonical(), "/caf%C3%A9/~user.png");
        let merged = image("/cdn-cgi/image/w=10/https:/img.example.com/a.jpg", None);
        assert_eq!(merged.source.canonical(), "https://img.example.com/a.jpg");
        let q = image("/image", Some("url=https%3A%2F%2Fimg.example.com%2Fa.jpg%3Fv%3D1&w=5"));
        assert_eq!(q.source.canonical(), "https://img.example.com/a.jpg?v=1");
    }

    #[test]
    fn relative_sources_cannot_escape() {
        for raw in [
            "//evil.com/x",
            "/\\evil.com",
            "/%2F%2Fevil.com/x",
            "/%5Cevil.com",
            "/a/../../etc",
            "/a/%2e%2e/b",
        ] {
            assert!(matches!(Source::parse(raw), Err(ProxyError::BadSource(_))), "{raw}");
        }
        assert!(matches!(Source::parse("ftp://x/y"), Err(ProxyError::BadSource(_))));
        assert!(matches!(Source::parse(""), Err(ProxyError::BadSource(_))));
    }

    #[test]
    fn signature_parameters_are_not_image_options() {
        let a = image("/cdn-cgi/image/s=abc,width=200,expires=1700000000/a.jpg", None);
        let b = image("/image", Some("url=/a.jpg&w=200&sig=abc&expires=1700000000"));
        assert_eq!(a, b);
        assert_eq!(a.signed, Signed { signature: Some("abc".into()), expires: Some(1_700_000_000) });
        assert_eq!(a.options.canonical(), "width=200");
        assert!(matches!(route("/cdn-cgi/image/s=a,s=b/a.jpg", None), Err(ProxyError::BadOptions(_))));
        assert!(matches!(route("/cdn-cgi/image/expires=soon/a.jpg", None), Err(ProxyError::BadOptions(_))));
    }

    #[test]
    fn the_asked_dpr_is_kept_for_the_limit_check() {
        assert_eq!(image("/cdn-cgi/image/w=10,dpr=2.5/a.jpg", None).dpr_thousandths, 2500);
        assert_eq!(image("/image", Some("url=/a.jpg&w=10&dpr=1.25")).dpr_thousandths, 1250);
        assert_eq!(image("/cdn-cgi/image/w=10/a.jpg", None).dpr_thousandths, 1000);
    }

    #[test]
    fn colour_functions_keep_their_commas() {
        let request = image("/cdn-cgi/image/background=rgba(0,0,255,0.5),fit=pad,w=10,h=10/a.png", None);
        assert_eq!(request.options.background, Some(crate::options::Rgba([0, 0, 255, 128])));
        assert_eq!(request.options.width, Some(10));
        let hex = image("/cdn-cgi/image/background=%23ff0000,w=10/a.png", None);
        assert_eq!(hex.options.background, Some(crate::options::Rgba([255, 0, 0, 255])));
    }

    #[test]
    fn other_paths() {
        assert_eq!(route("/debug/memory-stats", None), Ok(Route::MemoryStats));
        assert_eq!(route("/reference.json", None), Ok(Route::Reference));
        assert_eq!(route("/purge", None), Ok(Route::Purge));
        assert_eq!(route("/", None), Ok(Route::Static));
        assert_eq!(route("/samples/cat.jpg", None), Ok(Route::Static));
        assert!(matches!(route("/image", Some("w=1")), Err(ProxyError::BadSource(_))));
        assert!(matches!(route("/cdn-cgi/image/w=1", None), Err(ProxyError::BadSource(_))));
        assert!(matches!(route("/cdn-cgi/image/w=x/a.jpg", None), Err(ProxyError::BadOptions(_))));
        assert!(matches!(route("/image", Some("url=/a.jpg&url=/b.jpg")), Err(ProxyError::BadSource(_))));
    }
}
