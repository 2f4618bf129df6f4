//! The gates a request passes before anything is fetched.
//!
//! [`check_request`]: is the URL signed (when `SIGNING_KEY` is set), unexpired, and within
//! `ALLOWED_WIDTHS` / `ALLOWED_QUALITIES`? [`SourcePolicy`] (from `ALLOWED_SOURCES`): may the
//! proxy fetch this URL? The upstream fetcher asks it on the first URL and again on every
//! redirect hop.

mod private_net;
mod signature;
mod source;

pub use private_net::is_public;
pub use signature::{payload, sign, sign_url, SigningKeys, MIN_KEY_BYTES};
pub use source::{HostPattern, SourcePolicy};

use url::Url;

use crate::error::ProxyError;
use crate::route::ImageRequest;

/// What the gate enforces, parsed from the configuration once (`crate::config::Config`
/// holds it); each field names its variable and default.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Hosts that absolute source URLs may name (`ALLOWED_SOURCES`). Default: none.
    pub allowed_sources: SourcePolicy,
    /// Where relative sources are fetched from (`ORIGIN_URL`). Default: the Worker's own
    /// static assets.
    pub origin_url: Option<Url>,
    /// Keys URLs must be signed with (`SIGNING_KEY`, and `SIGNING_KEYS` for rotation; both
    /// secrets). Default: none, and URLs need no signature.
    pub signing_keys: SigningKeys,
    /// The largest output width or height, after `dpr` (`MAX_OUTPUT_DIMENSION`, at most the
    /// parser's ceiling of 12,000). Default: 12,000, as Cloudflare's.
    pub max_output_dimension: u32,
    /// The largest `dpr` served, in thousandths (`MAX_DPR`, a decimal from 1 to 4).
    /// Default: 4, the parser's ceiling.
    pub max_dpr_thousandths: u16,
    /// The only output widths served to unsigned URLs (`ALLOWED_WIDTHS`, after `dpr`).
    /// Default: any.
    pub allowed_widths: Option<Vec<u32>>,
    /// The only `quality` values served to unsigned URLs (`ALLOWED_QUALITIES`). Default: any.
    pub allowed_qualities: Option<Vec<u8>>,
    /// The largest source passed through; a larger one is refused, or cut when it has no
    /// declared length (`PASSTHROUGH_MAX_BYTES`). Default: no limit.
    pub passthrough_max_bytes: Option<u64>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allowed_sources: SourcePolicy::default(),
            origin_url: None,
            signing_keys: SigningKeys::default(),
            max_output_dimension: crate::options::MAX_DIMENSION,
            max_dpr_thousandths: 4000,
            allowed_widths: None,
            allowed_qualities: None,
            passthrough_max_bytes: None,
        }
    }
}

/// How many redirects an upstream fetch follows before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// Checks what the request URL itself may ask for, at `now` (Unix seconds).
pub fn check_request(request: &ImageRequest, config: &Policy, now: u64) -> Result<(), ProxyError> {
    let max = config.max_output_dimension;
    for (name, value) in [("width", request.options.width), ("height", request.options.height)] {
        if let Some(pixels) = value.filter(|pixels| *pixels > max) {
            return Err(ProxyError::BadOptions(format!(
                "{name} {pixels} (after dpr) is more than MAX_OUTPUT_DIMENSION ({max})"
            )));
        }
    }
    if request.dpr_thousandths > config.max_dpr_thousandths {
        let shown = |thousandths: u16| f64::from(thousandths) / 1000.0;
        return Err(ProxyError::BadOptions(format!(
            "dpr {} is more than MAX_DPR ({})",
            shown(request.dpr_thousandths),
            shown(config.max_dpr_thousandths)
        )));
    }
    let refuse = |why: String| Err(ProxyError::BadSignature(why));
    if let Some(at) = request.signed.expires {
        if now > at {
            return refuse(format!("the URL expired at {at} (Unix time)"));
        }
    }
    if config.signing_keys.required() {
        let Some(signature) = request.signed.signature.as_deref() else {
            return refuse("this proxy serves signed URLs only, and s= is missing".into());
        };
        let signed = payload(&request.options, request.signed.expires, &request.source);
        if !config.signing_keys.verify(&signed, signature) {
            return refuse("the signature does not match the URL".into());
        }
        // A signed URL was vouched for by the key holder: the allowlists below are for
        // deployments that do not sign.
        return Ok(());
    }
    let options = &request.options;
    if let (Some(allowed), Some(width)) = (&config.allowed_widths, options.width) {
        if !allowed.contains(&width) {
            return Err(ProxyError::BadOptions(format!("width {width} is not in ALLOWED_WIDTHS")));
        }
    }
    if let (Some(allowed), Some(quality)) = (&config.allowed_qualities, options.quality) {
        if !allowed.contains(&quality) {
            return Err(ProxyError::BadOptions(format!("quality {quality} is not in ALLOWED_QUALITIES")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::route::{route, Route};

    const KEY: &str = "0123456789abcdef-test-key";

    fn image(path: &str) -> ImageRequest {
        match route(path, None) {
            Ok(Route::Image(image)) => image,
            other => panic!("{other:?}"),
        }
    }

    fn signing() -> Config {
        let vars = |name: &str| (name == "SIGNING_KEY").then(|| KEY.to_string());
        Config::from_vars(vars).expect("valid")
    }

    fn signed_path(options: &str, source: &str) -> String {
        sign_url(&format!("/cdn-cgi/image/{options}/{source}"), KEY.as_bytes(), None).expect("signable")
    }

    #[test]
    fn signed_query_form_urls_pass_too() {
        let signed = sign_url("/image?url=/a.jpg&w=200", KEY.as_bytes(), Some(50)).expect("signable");
        assert!(signed.starts_with("/image?url=/a.jpg&w=200&expires=50&s="), "{signed}");
        let (path, query) = signed.split_once('?').expect("query");
        let Ok(Route::Image(request)) = route(path, Some(query)) else { panic!("{signed}") };
        assert_eq!(check_request(&request, &signing().security, 50), Ok(()));
        assert!(sign_url("/samples/a.jpg", KEY.as_bytes(), None).is_err(), "not an image URL");
    }

    #[test]
    fn with_a_key_only_signed_urls_pass() {
        let config = signing();
        let good = signed_path("width=200", "a.jpg");
        assert_eq!(check_request(&image(&good), &config.security, 0), Ok(()));
        let tampered = good.replace("width=200", "width=2000");
        assert!(matches!(
            check_request(&image(&tampered), &config.security, 0),
            Err(ProxyError::BadSignature(_))
        ));
        let unsigned = image("/cdn-cgi/image/width=200/a.jpg");
        assert!(matches!(check_request(&unsigned, &config.security, 0), Err(ProxyError::BadSignature(_))));
        assert_eq!(
            check_request(&unsigned, &Config::default().security, 0),
            Ok(()),
            "no key, no signature needed"
        );
    }

    #[test]
    fn expiry_is_signed_and_enforced() {
        let config = signing();
        let path = signed_path("width=200,expires=1000", "a.jpg");
        assert_eq!(check_request(&image(&path), &config.security, 1000), Ok(()));
        match check_request(&image(&path), &config.security, 1001) {
            Err(ProxyError::BadSignature(why)) => assert!(why.contains("expired"), "{why}"),
            other => panic!("{other:?}"),
        }
        let extended = path.replace("expires=1000", "expires=9999");
        assert!(
            check_request(&image(&extended), &config.security, 1001).is_err(),
            "the expiry cannot be moved"
        );
    }

    #[test]
    fn the_output_limit_names_itself() {
        let vars = |name: &str| (name == "MAX_OUTPUT_DIMENSION").then(|| "2000".to_string());
        let config = Config::from_vars(vars).expect("valid");
        assert_eq!(check_request(&image("/cdn-cgi/image/w=1000,dpr=2/a.jpg"), &config.security, 0), Ok(()));
        match check_request(&image("/cdn-cgi/image/h=1001,dpr=2/a.jpg"), &config.security, 0) {
            Err(ProxyError::BadOptions(why)) => {
                assert_eq!(why, "height 2002 (after dpr) is more than MAX_OUTPUT_DIMENSION (2000)")
            }
            other => panic!("{other:?}"),
        }
        assert!(Config::from_vars(|n: &str| (n == "MAX_OUTPUT_DIMENSION").then(|| "12001".into())).is_err());
        let two = Config::from_vars(|n: &str| (n == "MAX_DPR").then(|| "2".into())).expect("valid");
        assert_eq!(check_request(&image("/cdn-cgi/image/w=10,dpr=2/a.jpg"), &two.security, 0), Ok(()));
        match check_request(&image("/cdn-cgi/image/w=10,dpr=2.5/a.jpg"), &two.security, 0) {
            Err(ProxyError::BadOptions(why)) => assert_eq!(why, "dpr 2.5 is more than MAX_DPR (2)"),
            other => panic!("{other:?}"),
        }
        assert!(Config::from_vars(|n: &str| (n == "MAX_DPR").then(|| "5".into())).is_err());
    }

    #[test]
    fn allowlists_name_themselves() {
        let vars = |name: &str| match name {
            "ALLOWED_WIDTHS" => Some("320, 640".to_string()),
            "ALLOWED_QUALITIES" => Some("75,85".to_string()),
            _ => None,
        };
        let config = Config::from_vars(vars).expect("valid");
        assert_eq!(check_request(&image("/cdn-cgi/image/w=320,q=75/a.jpg"), &config.security, 0), Ok(()));
        assert_eq!(
            check_request(&image("/cdn-cgi/image/w=160,dpr=2/a.jpg"), &config.security, 0),
            Ok(()),
            "after dpr"
        );
        match check_request(&image("/cdn-cgi/image/w=500/a.jpg"), &config.security, 0) {
            Err(ProxyError::BadOptions(why)) => assert_eq!(why, "width 500 is not in ALLOWED_WIDTHS"),
            other => panic!("{other:?}"),
        }
        match check_request(&image("/cdn-cgi/image/q=10/a.jpg"), &config.security, 0) {
            Err(ProxyError::BadOptions(why)) => assert_eq!(why, "quality 10 is not in ALLOWED_QUALITIES"),
            other => panic!("{other:?}"),
        }
    }
}
