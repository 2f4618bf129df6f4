//! Strong `ETag`s for the images the proxy sends, and `If-None-Match` matching.

use sha2::{Digest, Sha256};

use crate::cache_key::hex;

/// A strong validator for a body: the first 128 bits of its SHA-256, quoted.
pub fn strong_etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex(digest.get(..16).unwrap_or(&digest)))
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

    #[test]
    fn the_etag_depends_on_every_byte() {
        let a = strong_etag(b"image bytes");
        assert_eq!(a.len(), 34, "32 hex digits in quotes");
        assert!(a.starts_with('"') && a.ends_with('"'));
        assert_ne!(a, strong_etag(b"image bytez"));
        assert_eq!(a, strong_etag(b"image bytes"));
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
