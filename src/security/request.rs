//! The request URL's own gate: its signature and expiry (when `SIGNING_KEY` is set), and the
//! sizes it may ask for (`MAX_OUTPUT_DIMENSION`, `MAX_DPR`, and for unsigned URLs
//! `ALLOWED_WIDTHS` / `ALLOWED_QUALITIES`, which also bound `slow-connection-quality`).

use super::signature::payload;
use super::Policy;
use crate::error::ProxyError;
use crate::route::ImageRequest;

/// Checks what the request URL itself may ask for, at `now` (Unix seconds): its sizes, its
/// expiry and signature, and for unsigned URLs the allowlists.
pub fn check_request(request: &ImageRequest, policy: &Policy, now: u64) -> Result<(), ProxyError> {
    check_sizes(request, policy)?;
    if check_signature(request, policy, now)? == Signed::Yes {
        // A signed URL was vouched for by the key holder: the allowlists are for deployments
        // that do not sign.
        return Ok(());
    }
    check_allowlists(request, policy)
}

/// `MAX_OUTPUT_DIMENSION` and `MAX_DPR`, which bind signed URLs too.
pub(super) fn check_sizes(request: &ImageRequest, policy: &Policy) -> Result<(), ProxyError> {
    let max = policy.max_output_dimension;
    for (name, value) in [("width", request.options.width), ("height", request.options.height)] {
        if let Some(pixels) = value.filter(|pixels| *pixels > max) {
            return Err(ProxyError::BadOptions(format!(
                "{name} {pixels} (after dpr) is more than MAX_OUTPUT_DIMENSION ({max})"
            )));
        }
    }
    if let Some((name, pixels)) = auto_widths(request).find(|(_, pixels)| *pixels > max) {
        return Err(ProxyError::BadOptions(format!(
            "{name} {pixels} is more than MAX_OUTPUT_DIMENSION ({max})"
        )));
    }
    if request.dpr_thousandths > policy.max_dpr_thousandths {
        let shown = |thousandths: u16| f64::from(thousandths) / 1000.0;
        return Err(ProxyError::BadOptions(format!(
            "dpr {} is more than MAX_DPR ({})",
            shown(request.dpr_thousandths),
            shown(policy.max_dpr_thousandths)
        )));
    }
    Ok(())
}

/// Whether the URL was vouched for by a key holder.
#[derive(Debug, PartialEq, Eq)]
enum Signed {
    Yes,
    NotNeeded,
}

/// `expires=` (whenever given) and, with `SIGNING_KEY` set, `s=`.
fn check_signature(request: &ImageRequest, policy: &Policy, now: u64) -> Result<Signed, ProxyError> {
    let refuse = |why: String| Err(ProxyError::BadSignature(why));
    if let Some(at) = request.signed.expires.filter(|at| now > *at) {
        return refuse(format!("the URL expired at {at} (Unix time)"));
    }
    if !policy.signing_keys.required() {
        return Ok(Signed::NotNeeded);
    }
    let Some(signature) = request.signed.signature.as_deref() else {
        return refuse("this proxy serves signed URLs only, and s= is missing".into());
    };
    let signed = payload(&request.options, &request.draws, request.signed.expires, &request.source);
    if !policy.signing_keys.verify(&signed, signature) {
        return refuse("the signature does not match the URL".into());
    }
    Ok(Signed::Yes)
}

/// `ALLOWED_WIDTHS` and `ALLOWED_QUALITIES`, for unsigned URLs.
fn check_allowlists(request: &ImageRequest, policy: &Policy) -> Result<(), ProxyError> {
    let options = &request.options;
    if let (Some(allowed), Some(width)) = (&policy.allowed_widths, options.width) {
        if !allowed.contains(&width) {
            return Err(ProxyError::BadOptions(format!("width {width} is not in ALLOWED_WIDTHS")));
        }
    }
    if let Some(allowed) = &policy.allowed_widths {
        if let Some((name, width)) = auto_widths(request).find(|(_, width)| !allowed.contains(width)) {
            return Err(ProxyError::BadOptions(format!("{name} {width} is not in ALLOWED_WIDTHS")));
        }
    }
    let qualities =
        [("quality", options.quality), ("slow-connection-quality", options.slow_connection_quality)];
    for (name, quality) in qualities {
        if let (Some(allowed), Some(quality)) = (&policy.allowed_qualities, quality) {
            if !allowed.contains(&quality) {
                return Err(ProxyError::BadOptions(format!("{name} {quality} is not in ALLOWED_QUALITIES")));
            }
        }
    }
    Ok(())
}

/// Every width `width=auto`'s sub-parameters name, with the option naming it.
fn auto_widths(request: &ImageRequest) -> impl Iterator<Item = (&'static str, u32)> + '_ {
    request.options.auto_width.into_iter().flat_map(|auto| {
        let breakpoints = auto.breakpoints.map(|b| b.widths().to_vec()).unwrap_or_default();
        let fallbacks = [("wmobile", auto.mobile), ("wdesktop", auto.desktop)];
        breakpoints
            .into_iter()
            .map(|width| ("wbreakpoints", width))
            .chain(fallbacks.into_iter().filter_map(|(name, width)| width.map(|width| (name, width))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::route::{route, Route};
    use crate::security::sign_url;

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
        match check_request(&image("/cdn-cgi/image/q=85,scq=low/a.jpg"), &config.security, 0) {
            Err(ProxyError::BadOptions(why)) => {
                assert_eq!(why, "slow-connection-quality 50 is not in ALLOWED_QUALITIES")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn width_autos_widths_are_bound_by_the_output_limit_and_the_allowlist() {
        let vars = |name: &str| match name {
            "ALLOWED_WIDTHS" => Some("320,640,1000".to_string()),
            "MAX_OUTPUT_DIMENSION" => Some("1000".to_string()),
            _ => None,
        };
        let config = Config::from_vars(vars).expect("valid");
        let check = |options: &str| match check_request(
            &image(&format!("/cdn-cgi/image/{options}/a.jpg")),
            &config.security,
            0,
        ) {
            Ok(()) => "ok".to_string(),
            Err(ProxyError::BadOptions(why)) => why,
            Err(other) => panic!("{other:?}"),
        };
        assert_eq!(check("w=auto,wbreakpoints=320;640,wmobile=640,wdesktop=1000"), "ok");
        assert_eq!(check("w=auto,wbreakpoints=320;500"), "wbreakpoints 500 is not in ALLOWED_WIDTHS");
        assert_eq!(check("w=auto,wmobile=500"), "wmobile 500 is not in ALLOWED_WIDTHS");
        assert_eq!(check("w=auto,wdesktop=1200"), "wdesktop 1200 is more than MAX_OUTPUT_DIMENSION (1000)");
        assert_eq!(check("wdesktop=1200,w=320"), "ok", "without width=auto they are not kept");
    }
}
