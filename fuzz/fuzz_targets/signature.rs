//! Any signature and URL: verification never panics, accepts only what the key signed, and
//! a URL signed by `sign_url` always verifies.
#![no_main]

use edge_image_proxy::config::Config;
use edge_image_proxy::route::{route, Route};
use edge_image_proxy::security::{check_request, sign_url};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "fuzzing-key-0123456789abcdef";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let vars = |name: &str| (name == "SIGNING_KEY").then(|| KEY.to_string());
    let Ok(config) = Config::from_vars(vars) else { panic!("the fixed config parses") };
    let image = |url: &str| {
        let (path, query) = url.split_once('?').map_or((url, None), |(p, q)| (p, Some(q)));
        match route(path, query) {
            Ok(Route::Image(request)) => Some(request),
            _ => None,
        }
    };
    // Whatever the fuzzer wrote as a URL: checking never panics, and any signature it
    // carries that verifies must be the real one.
    let url = format!("/cdn-cgi/image/{text}");
    if let Some(request) = image(&url) {
        assert!(check_request(&request, &config.security, 0).is_err(), "a forged signature verified: {url}");
    }
    // A URL the signer signs verifies.
    let plain = format!("/cdn-cgi/image/w=10/{}", text.replace(['s', ','], ""));
    if let Ok(signed) = sign_url(&plain, KEY.as_bytes(), None) {
        let request = image(&signed).expect("a signed URL still routes");
        assert_eq!(check_request(&request, &config.security, 0), Ok(()), "{signed}");
    }
});
