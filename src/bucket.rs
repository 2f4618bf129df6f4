//! An R2 bucket read as if it were an origin: the HTTP conditions a fetch would carry become
//! R2's options ([`Read`]: a byte range, `onlyIf` with the stored `ETag`), and what R2 finds
//! becomes the status and headers an origin would have sent ([`answer`]), so that the rest of
//! the request path (the plan, the guard, the pass-through rules, revalidation) treats an R2
//! source exactly as any other.
//!
//! Also the keys: a relative source's path as an object key ([`source_key`]).

use percent_encoding::percent_decode_str;

use crate::error::ProxyError;

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A byte range of an object, as R2 takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `length` bytes from `offset` (`bytes=first-last`).
    Span {
        /// The first byte.
        offset: u64,
        /// How many bytes.
        length: u64,
    },
    /// From `offset` to the end (`bytes=first-`).
    From {
        /// The first byte.
        offset: u64,
    },
    /// The last `length` bytes (`bytes=-length`).
    Suffix {
        /// How many bytes.
        length: u64,
    },
}

impl ByteRange {
    /// Reads a `Range` header. Only a single byte range is taken; anything else (several
    /// ranges, another unit, a malformed one) is `None`, and the whole object is answered,
    /// as RFC 9110 (14.2) lets a server do.
    pub fn parse(header: &str) -> Option<ByteRange> {
        let spec = header.trim().strip_prefix("bytes=")?.trim();
        if spec.contains(',') {
            return None;
        }
        let (first, last) = spec.split_once('-')?;
        // Positions JavaScript holds exactly (R2's API takes numbers); none is near this.
        let number = |text: &str| -> Option<u64> {
            let text = text.trim();
            let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| text.parse().ok()).flatten().filter(|n| *n <= MAX_SAFE_INTEGER)
        };
        match (first.trim().is_empty(), last.trim().is_empty()) {
            (true, false) => {
                number(last).filter(|length| *length > 0).map(|length| ByteRange::Suffix { length })
            }
            (false, true) => number(first).map(|offset| ByteRange::From { offset }),
            (false, false) => {
                let (offset, end) = (number(first)?, number(last)?);
                (end >= offset).then(|| ByteRange::Span { offset, length: end - offset + 1 })
            }
            (true, true) => None,
        }
    }

    /// The first and last byte this range covers in an object of `size` bytes; `None` when it
    /// covers none (R2 refuses such a read before it gets here).
    pub fn resolve(self, size: u64) -> Option<(u64, u64)> {
        let (first, last) = match self {
            ByteRange::Span { offset, length } => {
                (offset, offset.saturating_add(length).min(size).checked_sub(1)?)
            }
            ByteRange::From { offset } => (offset, size.checked_sub(1)?),
            ByteRange::Suffix { length } => (size.saturating_sub(length), size.checked_sub(1)?),
        };
        (first <= last).then_some((first, last))
    }
}

/// What one read of an object asks R2 for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Read {
    /// Only these bytes (a client's `Range`).
    pub range: Option<ByteRange>,
    /// The body only if the object's `ETag` is no longer this one (`If-None-Match` when a
    /// stored answer is revalidated), unquoted, as R2's `onlyIf.etagDoesNotMatch` wants it.
    pub etag_does_not_match: Option<String>,
}

impl Read {
    /// The read a fetch with these request headers (`range`, `if-none-match`) stands for.
    /// `If-Modified-Since` is not passed on: every R2 object has an `ETag`, which a
    /// revalidation always carries, and which RFC 9110 (13.1.3) lets win over the date.
    pub fn new(conditions: &[(&str, String)]) -> Read {
        let header = |wanted: &str| {
            conditions
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.trim())
        };
        Read {
            range: header("range").and_then(ByteRange::parse),
            etag_does_not_match: header("if-none-match").and_then(single_etag),
        }
    }
}

/// The one entity tag of an `If-None-Match` value, without `W/` and quotes; `None` for a list
/// or `*`, which R2's single-tag condition cannot say (the object is then read whole, which is
/// never wrong).
fn single_etag(value: &str) -> Option<String> {
    let tag = value.trim();
    if tag.contains(',') || tag == "*" {
        return None;
    }
    let tag = tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"');
    (!tag.is_empty()).then(|| tag.to_string())
}

/// What R2 found for a read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The whole object's size.
    pub size: u64,
    /// Its `ETag` as HTTP quotes it (`httpEtag`).
    pub http_etag: String,
    /// When it was uploaded, as an HTTP date (`Last-Modified`).
    pub uploaded: String,
    /// The `Content-Type` it was stored with, if any.
    pub content_type: Option<String>,
    /// The `Cache-Control` it was stored with, if any: the object's own word on caching, as an
    /// origin's header would be.
    pub cache_control: Option<String>,
    /// Whether R2 sent the body: it does not when `onlyIf` failed (the `ETag` still matches).
    pub has_body: bool,
}

/// The status and headers an origin would have answered `read` with, given what R2 `found`:
/// `304` when the stored version is still the object's, `206` with `Content-Range` for a
/// range, else `200`; the object's type, length, validators and `Cache-Control`.
pub fn answer(found: &Found, read: &Read) -> (u16, Vec<(&'static str, String)>) {
    let mut headers = vec![("etag", found.http_etag.clone()), ("last-modified", found.uploaded.clone())];
    if let Some(cache_control) = &found.cache_control {
        headers.push(("cache-control", cache_control.clone()));
    }
    if !found.has_body {
        return (304, headers);
    }
    if let Some(content_type) = &found.content_type {
        headers.push(("content-type", content_type.clone()));
    }
    headers.push(("accept-ranges", "bytes".into()));
    match read.range.and_then(|range| range.resolve(found.size)) {
        Some((first, last)) => {
            headers.push(("content-length", (last - first + 1).to_string()));
            headers.push(("content-range", format!("bytes {first}-{last}/{}", found.size)));
            (206, headers)
        }
        None => {
            headers.push(("content-length", found.size.to_string()));
            (200, headers)
        }
    }
}

/// The failure an R2 read's error stands for: a range past the object's end (R2's error
/// 10039) is the client's `416`, as an origin would answer it; anything else is the
/// upstream failing.
pub fn read_failed(message: &str) -> ProxyError {
    if message.contains("(10039)") {
        ProxyError::UpstreamRefused(416)
    } else {
        ProxyError::UpstreamFailed(format!("R2 read failed: {message}"))
    }
}

/// The object key of a relative source: its path without the leading `/`, percent-decoded,
/// and without its query (kept in the cache key, where it can still tell versions apart).
pub fn source_key(path: &str) -> Result<String, ProxyError> {
    let path = path.split_once('?').map_or(path, |(path, _)| path);
    let key = percent_decode_str(path.trim_start_matches('/'))
        .decode_utf8()
        .map_err(|_| ProxyError::BadSource(format!("{path:?} does not decode to UTF-8")))?;
    if key.is_empty() {
        return Err(ProxyError::BadSource("an R2 source needs an object key".into()));
    }
    Ok(key.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(has_body: bool) -> Found {
        Found {
            size: 1000,
            http_etag: "\"abc\"".into(),
            uploaded: "Thu, 03 Dec 2026 10:05:51 GMT".into(),
            content_type: Some("image/jpeg".into()),
            cache_control: None,
            has_body,
        }
    }

    fn get<'a>(headers: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
        headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn single_byte_ranges_are_read_and_others_ignored() {
        assert_eq!(ByteRange::parse("bytes=0-99"), Some(ByteRange::Span { offset: 0, length: 100 }));
        assert_eq!(ByteRange::parse("bytes=500-"), Some(ByteRange::From { offset: 500 }));
        assert_eq!(ByteRange::parse("bytes=-20"), Some(ByteRange::Suffix { length: 20 }));
        let huge = "bytes=0-99999999999999999999";
        for ignored in
            ["bytes=0-1,5-9", "items=0-1", "bytes=9-1", "bytes=-", "bytes=a-b", "bytes=-0", "0-1", huge]
        {
            assert_eq!(ByteRange::parse(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn ranges_resolve_within_the_object() {
        assert_eq!(ByteRange::Span { offset: 0, length: 100 }.resolve(1000), Some((0, 99)));
        assert_eq!(
            ByteRange::Span { offset: 900, length: 500 }.resolve(1000),
            Some((900, 999)),
            "cut at the end"
        );
        assert_eq!(ByteRange::From { offset: 10 }.resolve(1000), Some((10, 999)));
        assert_eq!(ByteRange::Suffix { length: 20 }.resolve(1000), Some((980, 999)));
        assert_eq!(
            ByteRange::Suffix { length: 5000 }.resolve(1000),
            Some((0, 999)),
            "longer than the object"
        );
        assert_eq!(ByteRange::From { offset: 1000 }.resolve(1000), None);
        assert_eq!(ByteRange::From { offset: 0 }.resolve(0), None);
    }

    #[test]
    fn conditions_become_r2_options() {
        let read = Read::new(&[("range", "bytes=0-9".into()), ("if-none-match", "W/\"abc\"".into())]);
        assert_eq!(read.range, Some(ByteRange::Span { offset: 0, length: 10 }));
        assert_eq!(read.etag_does_not_match.as_deref(), Some("abc"), "R2 wants it unquoted");
        let revalidation = Read::new(&[
            ("if-none-match", "\"abc\"".into()),
            ("if-modified-since", "Thu, 03 Dec 2026 10:05:51 GMT".into()),
        ]);
        assert_eq!(revalidation, Read { range: None, etag_does_not_match: Some("abc".into()) });
        assert_eq!(Read::new(&[("if-none-match", "\"a\", \"b\"".into())]).etag_does_not_match, None);
        assert_eq!(Read::new(&[("if-none-match", "*".into())]).etag_does_not_match, None);
        assert_eq!(Read::new(&[]), Read::default());
    }

    #[test]
    fn r2_answers_as_an_origin_would() {
        let (status, headers) = answer(&found(true), &Read::default());
        assert_eq!(status, 200);
        assert_eq!(get(&headers, "content-length"), Some("1000"));
        assert_eq!(get(&headers, "content-type"), Some("image/jpeg"));
        assert_eq!(get(&headers, "etag"), Some("\"abc\""));
        assert_eq!(get(&headers, "last-modified"), Some("Thu, 03 Dec 2026 10:05:51 GMT"));
        assert_eq!(get(&headers, "cache-control"), None, "no caching stored, none claimed");

        let ranged = Read { range: Some(ByteRange::Suffix { length: 10 }), ..Read::default() };
        let (status, headers) = answer(&found(true), &ranged);
        assert_eq!(status, 206);
        assert_eq!(get(&headers, "content-range"), Some("bytes 990-999/1000"));
        assert_eq!(get(&headers, "content-length"), Some("10"));

        let kept = Found { cache_control: Some("max-age=60".into()), ..found(false) };
        let (status, headers) = answer(&kept, &Read::default());
        assert_eq!(status, 304, "onlyIf failed: the stored version stands");
        assert_eq!(get(&headers, "cache-control"), Some("max-age=60"));
        assert_eq!(get(&headers, "content-length"), None, "a 304 has no body to describe");
    }

    #[test]
    fn a_range_past_the_end_is_the_clients_416() {
        assert_eq!(
            read_failed("get: The requested range is not satisfiable (10039)"),
            ProxyError::UpstreamRefused(416)
        );
        assert!(matches!(read_failed("network down"), ProxyError::UpstreamFailed(_)));
    }

    #[test]
    fn a_path_becomes_a_key() {
        assert_eq!(source_key("/photos/cat.jpg"), Ok("photos/cat.jpg".into()));
        assert_eq!(source_key("/photos/my%20cat.jpg?v=2"), Ok("photos/my cat.jpg".into()));
        assert!(matches!(source_key("/"), Err(ProxyError::BadSource(_))));
        assert!(matches!(source_key("/%FF.jpg"), Err(ProxyError::BadSource(_))));
    }
}
