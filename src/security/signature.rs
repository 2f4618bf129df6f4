//! Signed URLs: when `SIGNING_KEY` is set, an image URL must carry `s=<signature>`, the
//! base64url (unpadded) HMAC-SHA256 of the request's canonical form:
//!
//! ```text
//! <canonical options>[,expires=<unix seconds>]/<canonical source>
//! width=400,fit=cover,expires=1767225600//photos/cat.jpg
//! ```
//!
//! (Canonical options never contain `/`, so the first one ends them.)
//!
//! Signing the canonical form (aliases folded, order fixed, defaults dropped, `dpr` applied)
//! means that every spelling of the same request carries the same signature, and that no
//! spelling can change what a signature allows. `examples/sign_url.rs` signs URLs with this
//! module, so the signer and the checker cannot disagree.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::options::TransformOptions;
use crate::route::{drawn, route, with_drawn, Draw, Route, Source};

/// Shorter secrets are refused at start-up: they could be guessed offline from one URL.
pub const MIN_KEY_BYTES: usize = 16;

/// The keys a signature may be made with: `SIGNING_KEY` first, then each of `SIGNING_KEYS`
/// (comma-separated), so a new key can be added before the old one is retired.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SigningKeys(Vec<Vec<u8>>);

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a secret, not even in a debug log.
        write!(f, "SigningKeys({} keys)", self.0.len())
    }
}

impl SigningKeys {
    /// Parses the two variables; `Err` names what is wrong (never the key itself).
    pub fn parse(primary: Option<&str>, more: Option<&str>) -> Result<SigningKeys, String> {
        let keys: Vec<Vec<u8>> = primary
            .into_iter()
            .chain(more.into_iter().flat_map(|list| list.split(',')))
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .map(|key| key.as_bytes().to_vec())
            .collect();
        if let Some(index) = keys.iter().position(|key| key.len() < MIN_KEY_BYTES) {
            return Err(format!("key {} is shorter than {MIN_KEY_BYTES} bytes", index + 1));
        }
        Ok(SigningKeys(keys))
    }

    /// Whether URLs must be signed.
    pub fn required(&self) -> bool {
        !self.0.is_empty()
    }

    /// Whether `signature` was made with one of the keys over `payload`. Each comparison
    /// runs in constant time (`Mac::verify_slice`).
    pub fn verify(&self, payload: &str, signature: &str) -> bool {
        let Ok(claimed) = URL_SAFE_NO_PAD.decode(signature) else { return false };
        self.0.iter().any(|key| mac(key, payload).is_some_and(|mac| mac.verify_slice(&claimed).is_ok()))
    }
}

/// What is signed for a request: its options and overlays (`draw`), its expiry and its
/// source, each in its canonical spelling.
pub fn payload(options: &TransformOptions, draws: &[Draw], expires: Option<u64>, source: &Source) -> String {
    let mut signed_options = with_drawn(options.canonical(), &drawn(draws, None));
    if let Some(at) = expires {
        if !signed_options.is_empty() {
            signed_options.push(',');
        }
        signed_options.push_str(&format!("expires={at}"));
    }
    format!("{signed_options}/{}", source.canonical())
}

/// The signature of `payload` with `key`, as it goes in `s=`.
pub fn sign(key: &[u8], payload: &str) -> String {
    mac(key, payload).map(|mac| URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())).unwrap_or_default()
}

/// Signs a proxy URL in either form (`/cdn-cgi/image/…` or `/image?url=…`), adding `expires`
/// first when given. `Err` says why the URL cannot be signed.
pub fn sign_url(url: &str, key: &[u8], expires: Option<u64>) -> Result<String, String> {
    let url = match expires {
        Some(at) => add_parameter(url, &format!("expires={at}")),
        None => url.to_string(),
    };
    let (path, query) = match url.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (url.as_str(), None),
    };
    let request = match route(path, query) {
        Ok(Route::Image(request)) => request,
        Ok(_) => return Err(format!("{url:?} is not a proxy image URL")),
        Err(err) => return Err(format!("{url:?}: {}", err.public_detail())),
    };
    if request.signed.signature.is_some() {
        return Err("the URL is already signed".into());
    }
    let signature =
        sign(key, &payload(&request.options, &request.draws, request.signed.expires, &request.source));
    Ok(add_parameter(&url, &format!("s={signature}")))
}

/// Adds `name=value` as an option in whichever URL form `url` uses.
fn add_parameter(url: &str, parameter: &str) -> String {
    const PREFIX: &str = "/cdn-cgi/image/";
    match url.strip_prefix(PREFIX) {
        Some(rest) => format!("{PREFIX}{parameter},{rest}"),
        None => format!("{url}&{parameter}"),
    }
}

fn mac(key: &[u8], payload: &str) -> Option<Hmac<Sha256>> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(payload.as_bytes());
    Some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "a-test-key-of-32-bytes-0123456789";

    fn request(options: &[(&str, &str)]) -> (TransformOptions, Source) {
        let options = TransformOptions::from_pairs(options.iter().copied()).expect("valid");
        (options, Source::parse("/photos/cat.jpg").expect("valid"))
    }

    #[test]
    fn every_spelling_of_a_request_shares_its_signature() {
        let (a, source) = request(&[("width", "400"), ("fit", "cover")]);
        let (b, _) = request(&[("fit", "cover"), ("w", "200"), ("dpr", "2")]);
        assert_eq!(payload(&a, &[], None, &source), "width=400,fit=cover//photos/cat.jpg");
        assert_eq!(payload(&a, &[], None, &source), payload(&b, &[], None, &source));
        assert_eq!(payload(&a, &[], Some(99), &source), "width=400,fit=cover,expires=99//photos/cat.jpg");
    }

    #[test]
    fn only_the_right_key_and_payload_verify() {
        let keys = SigningKeys::parse(Some(KEY), Some("another-key-for-rotation-0000")).expect("keys");
        let (options, source) = request(&[("width", "200")]);
        let good = payload(&options, &[], None, &source);
        let signature = sign(KEY.as_bytes(), &good);
        assert_eq!(signature.len(), 43, "32 bytes, base64url without padding");
        assert!(keys.verify(&good, &signature));
        let rotated = sign(b"another-key-for-rotation-0000", &good);
        assert!(keys.verify(&good, &rotated), "any listed key signs");
        let (wider, _) = request(&[("width", "201")]);
        assert!(!keys.verify(&payload(&wider, &[], None, &source), &signature), "options are covered");
        assert!(!keys.verify(&payload(&options, &[], Some(1), &source), &signature), "expiry is covered");
        assert!(!keys.verify(&good, &sign(b"not-one-of-our-keys-at-all", &good)));
        assert!(!keys.verify(&good, "not base64!"));
        assert!(!keys.verify(&good, ""));
    }

    #[test]
    fn overlays_are_signed_with_the_options() {
        let key = KEY.as_bytes();
        let signed = sign_url("/cdn-cgi/image/width=200,draw=%2Flogo.png;opacity=0.5/a.jpg", key, None)
            .expect("signable");
        let request = |url: &str| match route(url.split_once('?').map_or(url, |(p, _)| p), None) {
            Ok(Route::Image(request)) => request,
            other => panic!("{other:?}"),
        };
        let image = request(&signed);
        let payload = payload(&image.options, &image.draws, None, &image.source);
        assert_eq!(payload, "width=200,draw=/logo.png;opacity=0.5//a.jpg");
        let signature = image.signed.signature.clone().expect("signed");
        let keys = SigningKeys::parse(Some(KEY), None).expect("keys");
        assert!(keys.verify(&payload, &signature));
        for tampered in [
            signed.replace("opacity=0.5", "opacity=0.1"),
            signed.replace(",draw=%2Flogo.png;opacity=0.5", ""),
            signed.replace("%2Flogo.png", "%2Fother.png"),
        ] {
            let other = request(&tampered);
            let other = super::payload(&other.options, &other.draws, None, &other.source);
            assert!(!keys.verify(&other, &signature), "{tampered}");
        }
    }

    #[test]
    fn weak_keys_are_refused_and_never_printed() {
        assert!(SigningKeys::parse(Some("short"), None).is_err());
        assert!(!SigningKeys::parse(None, Some(" , ")).expect("empty").required());
        let keys = SigningKeys::parse(Some(KEY), None).expect("keys");
        assert!(!format!("{keys:?}").contains(KEY));
    }
}
