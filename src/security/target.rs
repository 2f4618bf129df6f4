//! Where a source may be fetched from: the gate on the first URL, on `ORIGIN_URL`'s paths and
//! on every redirect hop, and on what a pass-through may hand on without looking at it.

use url::Url;

use super::Policy;
use crate::bucket::source_key;
use crate::error::ProxyError;
use crate::route::Source;

/// How many redirects an upstream fetch follows before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// The origin the static assets are asked under (the binding ignores the host); a redirect
/// the assets answer is resolved against it, and may not leave it.
pub const ASSETS_ORIGIN: &str = "https://assets.invalid";

/// Where a source is fetched from, once the gate allowed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A path in the Worker's own static assets.
    Assets(String),
    /// A URL on the network.
    Url(Url),
    /// An object key in the `SOURCE_BUCKET` R2 bucket.
    Bucket(String),
}

impl Target {
    /// Resolves a source: an absolute URL must be on an allowed host; a path is an object
    /// of `SOURCE_BUCKET` when the Worker has that binding, goes under `ORIGIN_URL` when it
    /// is set (and may not leave it), and is a static asset otherwise.
    pub fn resolve(source: &Source, policy: &Policy) -> Result<Target, ProxyError> {
        match source {
            Source::Absolute(url) => {
                policy.allowed_sources.check(url)?;
                Ok(Target::Url(url.clone()))
            }
            Source::Relative(path) if policy.source_bucket => source_key(path).map(Target::Bucket),
            Source::Relative(path) => match &policy.origin_url {
                None => Ok(Target::Assets(path.clone())),
                Some(origin) => origin_url(origin, path).map(Target::Url),
            },
        }
    }

    /// Where a client finds the source itself (`onerror=redirect`): its URL, or for a static
    /// asset its path on this Worker. An object of a private bucket has no address a client
    /// could use, so its failures keep their error.
    pub fn location(&self) -> Option<String> {
        match self {
            Target::Assets(path) => Some(path.clone()),
            Target::Url(url) => Some(url.to_string()),
            Target::Bucket(_) => None,
        }
    }
}

/// `path` under `ORIGIN_URL`, which it must not leave.
fn origin_url(origin: &Url, path: &str) -> Result<Url, ProxyError> {
    let base = origin.as_str().trim_end_matches('/');
    let url = Url::parse(&format!("{base}{path}"))
        .map_err(|_| ProxyError::BadSource(format!("{path:?} is not a valid path")))?;
    if url.origin() != origin.origin() {
        return Err(ProxyError::BadSource(format!("{path:?} leaves ORIGIN_URL")));
    }
    Ok(url)
}

/// Where a redirect from `from` (answered `status` with `location`) leads, when the gate
/// allows it. A hop to another host must be allowed like a first URL; a hop within
/// `ORIGIN_URL` is as trusted as `ORIGIN_URL` itself; the static assets may redirect only
/// within themselves (`/index.html` to `/`).
pub fn next_hop(
    from: &Target,
    status: u16,
    location: Option<&str>,
    policy: &Policy,
) -> Result<Target, ProxyError> {
    let location =
        location.ok_or_else(|| ProxyError::UpstreamFailed(format!("{status} without Location")))?;
    let bad_location =
        |e: url::ParseError| ProxyError::UpstreamFailed(format!("bad Location {location:?}: {e}"));
    match from {
        Target::Assets(path) => {
            let base = Url::parse(&format!("{ASSETS_ORIGIN}{path}")).map_err(bad_location)?;
            let url = base.join(location).map_err(bad_location)?;
            if url.origin() != base.origin() {
                return Err(ProxyError::UpstreamFailed(format!("the static assets redirected to {url}")));
            }
            let query = url.query().map(|query| format!("?{query}")).unwrap_or_default();
            Ok(Target::Assets(format!("{}{query}", url.path())))
        }
        Target::Url(from) => {
            let url = from.join(location).map_err(bad_location)?;
            let within_origin =
                policy.origin_url.as_ref().is_some_and(|origin| origin.origin() == url.origin());
            if !within_origin {
                policy.allowed_sources.check(&url)?;
            }
            Ok(Target::Url(url))
        }
        // R2 never answers with a redirect; one would be a fault of the adapter.
        Target::Bucket(key) => Err(ProxyError::UpstreamFailed(format!("R2 redirected a read of {key:?}"))),
    }
}

/// What a pass-through may hand on: its body is not inspected, so its declared type must at
/// least be an image (an image proxy is not a general-purpose relay; SVG is refused, since it
/// can carry scripts), and the whole source no larger than `PASSTHROUGH_MAX_BYTES` when its
/// length is known (`whole_length`: the declared length, or a range's total).
pub fn check_passthrough(
    content_type: Option<&str>,
    whole_length: Option<u64>,
    policy: &Policy,
) -> Result<(), ProxyError> {
    check_image_type(content_type)?;
    match (policy.passthrough_max_bytes, whole_length) {
        (Some(limit), Some(length)) if length > limit => Err(ProxyError::SourceTooLarge { limit }),
        _ => Ok(()),
    }
}

/// The content-type rule: `image/*`, but not SVG.
pub fn check_image_type(content_type: Option<&str>) -> Result<(), ProxyError> {
    let content_type = content_type.unwrap_or("").trim().to_ascii_lowercase();
    if content_type.starts_with("image/") && !content_type.starts_with("image/svg") {
        Ok(())
    } else {
        Err(ProxyError::NotAnImage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allowed: &str, origin: Option<&str>) -> Policy {
        Policy {
            allowed_sources: super::super::SourcePolicy::parse(allowed).expect("a valid list"),
            origin_url: origin.map(|o| Url::parse(o).expect("a URL")),
            ..Policy::default()
        }
    }

    fn absolute(url: &str) -> Source {
        Source::parse(url).expect("a source")
    }

    #[test]
    fn absolute_sources_need_an_allowed_host() {
        let policy = policy("images.example.com", None);
        let allowed = Target::resolve(&absolute("https://images.example.com/a.jpg"), &policy);
        assert_eq!(allowed.map(|t| t.location()), Ok(Some("https://images.example.com/a.jpg".into())));
        let other = Target::resolve(&absolute("https://evil.example/a.jpg"), &policy);
        assert!(matches!(other, Err(ProxyError::SourceNotAllowed(_))), "{other:?}");
        let private = Target::resolve(&absolute("http://10.0.0.1/a.jpg"), &policy);
        assert!(matches!(private, Err(ProxyError::SourceNotAllowed(_))), "{private:?}");
    }

    #[test]
    fn paths_go_to_the_assets_or_stay_under_the_origin() {
        let path = Source::parse("/photos/a.jpg").expect("a path");
        assert_eq!(Target::resolve(&path, &policy("", None)), Ok(Target::Assets("/photos/a.jpg".into())));
        let origin = policy("", Some("https://origin.example/base/"));
        let resolved = Target::resolve(&path, &origin).map(|t| t.location());
        assert_eq!(resolved, Ok(Some("https://origin.example/base/photos/a.jpg".into())));
        let escape = origin_url(&Url::parse("https://origin.example").expect("url"), "@evil.example/a.jpg");
        assert!(matches!(escape, Err(ProxyError::BadSource(_))), "{escape:?}");
    }

    #[test]
    fn every_redirect_hop_passes_the_gate_again() {
        let policy = policy("images.example.com", Some("http://127.0.0.1:9000"));
        let from = Target::Url(Url::parse("https://images.example.com/a.jpg").expect("url"));
        let hop = |location| next_hop(&from, 302, location, &policy).map(|target| target.location());
        assert_eq!(hop(Some("/b.jpg")), Ok(Some("https://images.example.com/b.jpg".into())));
        assert!(matches!(hop(Some("https://evil.example/")), Err(ProxyError::SourceNotAllowed(_))));
        assert!(matches!(hop(Some("http://169.254.169.254/")), Err(ProxyError::SourceNotAllowed(_))));
        assert!(matches!(hop(None), Err(ProxyError::UpstreamFailed(_))));
        // The origin is trusted as configured, private address and all.
        let within = hop(Some("http://127.0.0.1:9000/c.jpg"));
        assert_eq!(within, Ok(Some("http://127.0.0.1:9000/c.jpg".into())));
    }

    #[test]
    fn with_a_source_bucket_paths_are_its_keys_and_urls_still_need_an_allowed_host() {
        let bucket = Policy { source_bucket: true, ..policy("images.example.com", None) };
        let path = Source::parse("/photos/my%20cat.jpg?v=2").expect("a path");
        let target = Target::resolve(&path, &bucket);
        assert_eq!(target, Ok(Target::Bucket("photos/my cat.jpg".into())));
        assert_eq!(target.map(|t| t.location()), Ok(None), "a private object has no address to redirect to");
        let other = Target::resolve(&absolute("https://evil.example/a.jpg"), &bucket);
        assert!(matches!(other, Err(ProxyError::SourceNotAllowed(_))), "{other:?}");
        let from = Target::Bucket("a.jpg".into());
        assert!(matches!(next_hop(&from, 302, Some("/b.jpg"), &bucket), Err(ProxyError::UpstreamFailed(_))));
    }

    #[test]
    fn the_static_assets_may_redirect_only_within_themselves() {
        let policy = policy("images.example.com", None);
        let from = Target::Assets("/samples/index.html".into());
        let hop = |location| next_hop(&from, 307, Some(location), &policy);
        assert_eq!(hop("/samples/"), Ok(Target::Assets("/samples/".into())));
        assert_eq!(hop("a.png?v=2"), Ok(Target::Assets("/samples/a.png?v=2".into())));
        assert!(matches!(hop("https://images.example.com/x.jpg"), Err(ProxyError::UpstreamFailed(_))));
        assert!(matches!(hop("//evil.example/x.jpg"), Err(ProxyError::UpstreamFailed(_))));
    }

    #[test]
    fn a_pass_through_must_be_an_image_within_the_limit() {
        let open = Policy::default();
        assert_eq!(check_passthrough(Some("image/jpeg"), Some(u64::MAX), &open), Ok(()));
        assert_eq!(check_passthrough(Some(" Image/AVIF"), None, &open), Ok(()));
        for refused in [None, Some("text/html"), Some("image/svg+xml"), Some("application/octet-stream")] {
            assert_eq!(check_passthrough(refused, None, &open), Err(ProxyError::NotAnImage), "{refused:?}");
        }
        let limited = Policy { passthrough_max_bytes: Some(100), ..Policy::default() };
        assert_eq!(check_passthrough(Some("image/png"), Some(100), &limited), Ok(()));
        assert_eq!(check_passthrough(Some("image/png"), None, &limited), Ok(()), "cut while streaming");
        let over = check_passthrough(Some("image/png"), Some(101), &limited);
        assert_eq!(over, Err(ProxyError::SourceTooLarge { limit: 100 }));
    }
}
