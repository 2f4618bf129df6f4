//! [`Source`]: where an image comes from, parsed once from either URL form, and its one
//! canonical spelling for cache keys, signatures and logs.

use percent_encoding::percent_decode_str;
use url::Url;

use crate::error::ProxyError;

/// Where the image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An absolute `http(s)` URL, checked against `ALLOWED_SOURCES` and private addresses
    /// before it is fetched, and again at every redirect.
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
        if raw.contains("://") || scheme(raw).is_some() {
            // `data:`, `javascript:`, `ftp://` …: never a path of ours, whatever it holds.
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

/// The URI scheme `raw` starts with (RFC 3986, 3.1: a letter, then letters, digits, `+`,
/// `-` or `.`, then `:`), if it does.
fn scheme(raw: &str) -> Option<&str> {
    let (scheme, _) = raw.split_once(':')?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_allowed = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts_with_letter && rest_allowed).then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_of_other_schemes_are_refused_not_looked_up_as_paths() {
        for raw in [
            "data:image/png;base64,iVBORw0KGgo=",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "ftp://example.com/a.jpg",
            "blob:https://example.com/1",
            "file:///etc/passwd",
        ] {
            match Source::parse(raw) {
                Err(ProxyError::BadSource(why)) => {
                    assert!(why.contains("only http and https"), "{raw}: {why}")
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
        for path in ["photos/a.jpg", "/a/b:c.jpg", "/a.jpg?t=1:2", "2024:x.jpg"] {
            assert!(matches!(Source::parse(path), Ok(Source::Relative(_))), "{path}");
        }
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
    fn the_canonical_spelling_normalises_escapes_only() {
        let relative = Source::Relative("/caf%c3%a9/%7euser.png".into());
        assert_eq!(relative.canonical(), "/caf%C3%A9/~user.png");
    }
}
