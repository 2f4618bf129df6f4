//! Failures end to end: every upstream failure and bad request answers its status with a
//! problem document, and `onerror=redirect` sends the failures of an allowed source to it but
//! never turns a refusal into a redirect.

use crate::harness::worker::{corpus, get, origin_url, request, UPSTREAM_TIMEOUT_MS};

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn upstream_failures_have_their_statuses() {
    for (path, status, kind) in [
        ("/status/404", 404, "upstream-refused"),
        ("/status/500", 502, "upstream-failed"),
        ("/broken.jpg", 502, "upstream-failed"),
        ("/page.html", 415, "not-an-image"),
        ("/slow.jpg", 504, "upstream-timeout"),
    ] {
        let reply = get(&format!("/cdn-cgi/image/width=40/{}", origin_url(path)));
        assert_eq!(reply.status, status, "{path}");
        let problem = reply.problem();
        assert_eq!(problem["type"], format!("/reference#{kind}"), "{path}");
        assert_eq!(problem["status"], status);
        assert!(problem["title"].is_string() && problem["detail"].is_string());
    }
    let slow = get(&format!("/cdn-cgi/image/width=40/{}", origin_url("/slow.jpg")));
    assert!(slow.problem()["detail"].as_str().unwrap_or("").contains(&UPSTREAM_TIMEOUT_MS.to_string()));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn bad_requests_get_400_problem_json() {
    for path in [
        "/cdn-cgi/image/width=abc/samples/landscape.jpg",
        "/cdn-cgi/image/width=0/samples/landscape.jpg",
        "/cdn-cgi/image/fit=stretch/samples/landscape.jpg",
        "/cdn-cgi/image/colour=red/samples/landscape.jpg",
        "/image?url=//evil.example/x.jpg&w=10",
        "/image?url=/%2F%2Fevil.example/x.jpg&w=10",
        "/image?w=10",
    ] {
        let reply = get(path);
        assert_eq!(reply.status, 400, "{path}");
        assert_eq!(reply.problem()["status"], 400, "{path}");
    }
    let post = request("POST", "/cdn-cgi/image/width=10/samples/landscape.jpg", &[]);
    assert_eq!(post.status, 405);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn onerror_redirect_sends_failures_to_the_source_but_never_refusals() {
    // Failures of an allowed source: its 4xx, its 5xx, a body cut short, too many pixels,
    // not an image.
    for path in ["/status/404", "/status/500", "/broken.jpg", "/generated/png-bomb.png", "/page.html"] {
        let source = origin_url(path);
        let plain = get(&format!("/cdn-cgi/image/width=100/{source}"));
        assert!(plain.status >= 400, "{path} fails without onerror: {}", plain.status);
        let reply = get(&format!("/cdn-cgi/image/width=100,onerror=redirect/{source}"));
        assert_eq!(reply.status, 302, "{path}");
        assert_eq!(reply.header("location"), Some(source.as_str()), "{path}");
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
        let query = get(&format!("/image?url={source}&w=100&onerror=redirect"));
        assert_eq!((query.status, query.header("location")), (302, Some(source.as_str())), "{path}");
    }
    // A working image is still transformed.
    let fine = get(&corpus("width=50,onerror=redirect", "photos/flower_cropped.jpg"));
    assert_eq!((fine.status, fine.image().width()), (200, 50));
    // Refusals keep their status and never name a location: no open redirect.
    for (path, status) in [
        (
            "/cdn-cgi/image/width=100,onerror=redirect/http://169.254.169.254/latest/meta-data/".to_string(),
            403,
        ),
        ("/cdn-cgi/image/width=100,onerror=redirect/https://evil.example.com/a.jpg".to_string(), 403),
        (format!("/cdn-cgi/image/width=100,onerror=redirect/{}", origin_url("/redirect-to-metadata")), 403),
        (format!("/cdn-cgi/image/width=0,onerror=redirect/{}", origin_url("/status/404")), 400),
    ] {
        let reply = get(&path);
        assert_eq!(reply.status, status, "{path}");
        assert_eq!(reply.header("location"), None, "{path}");
    }
}
