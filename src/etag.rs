//! Strong `ETag`s for the images the proxy sends, the source validators they derive from, and
//! `If-None-Match` matching.

use sha2::{Digest, Sha256};

use crate::cache_key::{hex, CacheKey};

/// A strong validator for a body: the first 128 bits of its SHA-256, quoted. Used when the
/// source names no version of itself, and for bodies that are not the keyed output.
pub fn strong_etag(body: &[u8]) -> String {
    quoted_digest(body)
}

/// The `ETag` of the output `key` describes, made from the source version `version`
/// ([`Validators::version`]). The key holds the source, the canonical options, the format
/// class and the engine version, so the same source version through the same engine always
/// gives the same bytes: the `ETag` is known as soon as the source's headers arrive, before
/// its body is read or a pixel decoded.
pub fn derived_etag(key: &CacheKey, version: &str) -> String {
    quoted_digest(format!("{}\n{version}", key.canonical()).as_bytes())
}

fn quoted_digest(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("\"{}\"", hex(digest.get(..16).unwrap_or(&digest)))
}

/// A source's `ETag` and `Last-Modified`, as its origin sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// `ETag`, as sent.
    pub etag: Option<String>,
    /// `Last-Modified`, as sent.
    pub last_modified: Option<String>,
}

impl Validators {
    /// What names this version of the source exactly enough to stand for its bytes: a strong
    /// `ETag`, else `Last-Modified` (the origin's word that the file has not changed since).
    /// A weak `ETag` alone promises only equivalence, not the same bytes: `None`.
    pub fn version(&self) -> Option<String> {
        let strong = self.etag.as_deref().map(str::trim).filter(|etag| !etag.starts_with("W/"));
        match (strong, self.last_modified.as_deref()) {
            (Some(etag), _) => Some(format!("etag {etag}")),
            (None, Some(date)) => Some(format!("last-modified {}", date.trim())),
            (None, None) => None,
        }
    }

    /// The request headers that ask the origin whether the source is still this version;
    /// empty when it sent no validator.
    pub fn conditions(&self) -> Vec<(&'static str, String)> {
        let mut conditions = Vec::new();
        if let Some(etag) = &self.etag {
            conditions.push(("if-none-match", etag.clone()));
        }
        if let Some(last_modified) = &self.last_modified {
            conditions.push(("if-modified-since", last_modified.clone()));
        }
        conditions
    }
}

/// Whether an `If-None-Match` header matches `etag`. The comparison is the weak one RFC 9110
/// prescribes for this header: `W/` prefixes are ignored, and `*` matches any current entity.
pub fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::negotiate::FormatRequest;
    use crate::route::{route, Route};

    fn key(path: &str) -> CacheKey {
        // Test-only: the paths are this module's own fixed examples, never request input.
        let Ok(Route::Image(request)) = route(path, None) else { panic!("{path}") };
        let format = FormatRequest::new(&request.options, None);
        CacheKey::new(&request.source, &request.options, "", format, crate::security::DEFAULT_CPU_BUDGET_MS)
    }

    fn validators(etag: Option<&str>, last_modified: Option<&str>) -> Validators {
        Validators { etag: etag.map(String::from), last_modified: last_modified.map(String::from) }
    }

    #[test]
    fn the_etag_depends_on_every_byte() {
        let a = strong_etag(b"image bytes");
        assert_eq!(a.len(), 34, "32 hex digits in quotes");
        assert!(a.starts_with('"') && a.ends_with('"'));
        assert_ne!(a, strong_etag(b"image bytez"));
        assert_eq!(a, strong_etag(b"image bytes"));
    }

    #[test]
    fn a_derived_etag_changes_with_the_source_version_and_the_options_only() {
        let small = key("/cdn-cgi/image/width=200/samples/a.jpg");
        let a = derived_etag(&small, "etag \"v1\"");
        assert_eq!(a.len(), 34);
        assert_eq!(a, derived_etag(&key("/cdn-cgi/image/w=100,dpr=2/samples/a.jpg"), "etag \"v1\""));
        assert_ne!(a, derived_etag(&small, "etag \"v2\""), "a new source version");
        assert_ne!(a, derived_etag(&key("/cdn-cgi/image/width=201/samples/a.jpg"), "etag \"v1\""));
        assert_ne!(a, derived_etag(&key("/cdn-cgi/image/width=200/samples/b.jpg"), "etag \"v1\""));
    }

    #[test]
    fn only_exact_validators_name_a_version() {
        assert_eq!(validators(Some("\"v1\""), None).version().as_deref(), Some("etag \"v1\""));
        let date = "Wed, 21 Oct 2026 07:28:00 GMT";
        assert_eq!(
            validators(Some("W/\"v1\""), Some(date)).version(),
            Some(format!("last-modified {date}")),
            "a weak ETag gives way to the date"
        );
        assert_eq!(validators(Some("W/\"v1\""), None).version(), None);
        assert_eq!(validators(None, None).version(), None);
    }

    #[test]
    fn conditions_carry_every_validator() {
        let date = "Wed, 21 Oct 2026 07:28:00 GMT";
        let both = validators(Some("W/\"v1\""), Some(date)).conditions();
        assert_eq!(both, vec![("if-none-match", "W/\"v1\"".to_string()), ("if-modified-since", date.into())]);
        assert!(validators(None, None).conditions().is_empty());
    }

    #[test]
    fn if_none_match_lists_and_wildcards() {
        let etag = strong_etag(b"x");
        assert!(etag_matches(&etag, &etag));
        assert!(etag_matches(&format!("\"other\", W/{etag}"), &etag));
        assert!(etag_matches("*", &etag));
        assert!(!etag_matches("\"other\"", &etag));
        assert!(!etag_matches("", &etag));
    }
}
