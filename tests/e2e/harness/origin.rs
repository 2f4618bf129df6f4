//! A local origin server that the end-to-end tests control: corpus files with and without
//! `Content-Length`, a large file, slow answers, bodies that break off, stall or lie about
//! their length, ranges, redirects and error statuses. Plain HTTP/1.1 over `std::net`, one request per connection, so that every fault
//! is exactly the one a test asks for.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use super::animations;
use super::fixtures::synthetic_jpeg;
use super::manifest::corpus_dir;

/// Size of the generated large file: over the 5 MiB transform cap.
pub const BIG_LEN: usize = 6 * 1024 * 1024 + 12_345;

/// Requests the origin has answered, by path, for tests that count upstream hits.
static HITS: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());

/// How many times the origin has answered `path`.
pub fn hits(path: &str) -> u64 {
    let hits = HITS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    hits.iter().find(|(p, _)| p == path).map_or(0, |(_, n)| *n)
}

fn count(path: &str) {
    let mut hits = HITS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match hits.iter_mut().find(|(p, _)| p == path) {
        Some((_, n)) => *n += 1,
        None => hits.push((path.to_string(), 1)),
    }
}

/// Images a test generates with known content and publishes, served at `/published/<name>`.
static PUBLISHED: Mutex<Vec<(String, Vec<u8>)>> = Mutex::new(Vec::new());

/// Serves `bytes` at `/published/<name>` (the type from the name's extension) and returns
/// that path. Publishing a name again replaces its bytes.
pub fn publish(name: &str, bytes: Vec<u8>) -> String {
    let mut published = PUBLISHED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    published.retain(|(n, _)| n != name);
    published.push((name.to_string(), bytes));
    format!("/published/{name}")
}

/// Caching headers the `/cache/<name>.jpg` paths answer with, around the same photo.
const CACHING: [(&str, &str); 5] = [
    ("no-store", "Cache-Control: no-store\r\n"),
    ("private", "Cache-Control: private, max-age=300\r\n"),
    ("cookie", "Cache-Control: public, max-age=600\r\nSet-Cookie: session=secret\r\n"),
    ("max-age", "Cache-Control: public, max-age=600\r\n"),
    ("huge-max-age", "Cache-Control: public, max-age=999999999999\r\n"),
];

/// The large file's bytes: a JPEG signature, then a deterministic pseudo-random sequence
/// (xorshift), so any corruption or reordering changes its hash.
pub fn big_file() -> Vec<u8> {
    let mut bytes = Vec::with_capacity(BIG_LEN);
    bytes.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    while bytes.len() < BIG_LEN {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(BIG_LEN);
    bytes
}

/// Starts the server on a free loopback port and returns the port.
pub fn start() -> u16 {
    start_at(0)
}

/// Starts the server on loopback port `port` (0: any free one) and returns the port.
pub fn start_at(port: u16) -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("the test origin cannot listen on 127.0.0.1:{port}: {e}"));
    let port = listener.local_addr().expect("bound").port();
    let big = std::sync::Arc::new(big_file());
    // Encoding 24 Mpx takes seconds: start now, while wrangler starts, so that the request
    // for it is not cut by the Worker's upstream timeout.
    thread::spawn(twenty_four_megapixels);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let big = big.clone();
            thread::spawn(move || {
                // A client that hangs up early is not the origin's problem.
                let _ = serve(stream, port, &big);
            });
        }
    });
    port
}

fn serve(mut stream: TcpStream, port: u16, big: &[u8]) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Only Range and If-None-Match are of interest among the request headers.
    let mut range = None;
    let mut if_none_match = None;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("range") {
                range = parse_range(value.trim());
            } else if name.eq_ignore_ascii_case("if-none-match") {
                if_none_match = Some(value.trim().to_string());
            }
        }
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let path = path.split('?').next().unwrap_or("/");
    count(path);

    if let Some(name) = path.strip_prefix("/cache/").and_then(|p| p.strip_suffix(".jpg")) {
        let photo = std::fs::read(corpus_dir().join("photos/flower_cropped.jpg"))?;
        return match CACHING.iter().find(|(n, _)| *n == name) {
            Some((_, headers)) => respond(&mut stream, 200, "image/jpeg", headers, &photo),
            None => fixed(&mut stream, 404, "text/plain", b"no such caching case"),
        };
    }

    if let Some(name) = path.strip_prefix("/published/") {
        let body = {
            let published = PUBLISHED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            published.iter().find(|(n, _)| n == name).map(|(_, bytes)| bytes.clone())
        };
        return match body {
            Some(body) => fixed(&mut stream, 200, content_type(name), &body),
            None => fixed(&mut stream, 404, "text/plain", b"nothing published under that name"),
        };
    }
    if let Some(file) = path.strip_prefix("/corpus/") {
        return match std::fs::read(corpus_dir().join(file)) {
            Ok(body) => fixed(&mut stream, 200, content_type(file), &body),
            Err(_) => fixed(&mut stream, 404, "text/plain", b"no such file"),
        };
    }
    if let Some(name) = path.strip_prefix("/generated/animations/") {
        return match generated_animation(name) {
            Some(body) => fixed(&mut stream, 200, content_type(name), &body),
            None => fixed(&mut stream, 404, "text/plain", b"no such animation"),
        };
    }
    if let Some(file) = path.strip_prefix("/chunked/") {
        let body = std::fs::read(corpus_dir().join(file))?;
        return chunked(&mut stream, content_type(file), &body);
    }
    if let Some(rest) = path.strip_prefix("/slow-body/").and_then(|p| p.strip_suffix(".jpg")) {
        // /slow-body/<bytes>/<millis>.jpg: <bytes> of the big file, declared, spread over
        // <millis> in 16 pieces.
        let mut numbers = rest.split('/').map(|n| n.parse::<usize>().unwrap_or(0));
        let (len, millis) = (numbers.next().unwrap_or(0).min(big.len()), numbers.next().unwrap_or(0));
        return paced(&mut stream, &big[..len], len.div_ceil(16).max(1), millis as u64 / 16);
    }
    if let Some(name) = path.strip_prefix("/paced/") {
        // The big file three times over (18 MiB) at about 6 MiB a second, without a declared
        // length when the name starts with "chunked"; whether it was all sent is recorded,
        // for tests of clients that go away.
        let body = big.repeat(3);
        let sent = if name.starts_with("chunked") {
            paced_chunked(&mut stream, &body, 64 * 1024, 10)
        } else {
            paced(&mut stream, &body, 64 * 1024, 10)
        };
        record_paced(path, sent.is_ok());
        return sent;
    }
    if let Some(name) = path.strip_prefix("/huge/") {
        // 200 MiB, the big file over and over: as fast as the reader takes it, or no faster
        // than HUGE_PACED_BYTES_PER_SECOND when the name starts with "paced-".
        let rate = name.starts_with("paced-").then_some(HUGE_PACED_BYTES_PER_SECOND);
        return huge(&mut stream, big, name.contains("chunked"), rate);
    }
    match path {
        "/big.jpg" => fixed(&mut stream, 200, "image/jpeg", big),
        "/ranged-big.jpg" => ranged(&mut stream, big, range),
        "/ranged-small.jpg" => {
            ranged(&mut stream, &std::fs::read(corpus_dir().join("photos/flower_cropped.jpg"))?, range)
        }
        "/stall.jpg" => stall(&mut stream, 100_000, &big[..1000]),
        "/stall-big.jpg" => stall(&mut stream, big.len(), &big[..1024 * 1024]),
        "/broken-big.jpg" => {
            // Declares the big file, sends 1 MiB of it, and hangs up.
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                big.len()
            );
            stream.write_all(head.as_bytes())?;
            stream.write_all(&big[..1024 * 1024])?;
            stream.flush()
        }
        "/broken-chunked.jpg" => {
            // Chunks past the transform cap, then a hang-up with no final chunk.
            let head = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            stream.write_all(head.as_bytes())?;
            for chunk in big[..5 * 1024 * 1024 + 512 * 1024].chunks(64 * 1024) {
                stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())?;
                stream.write_all(chunk)?;
                stream.write_all(b"\r\n")?;
            }
            stream.flush()
        }
        "/short-length-big.jpg" => {
            // Declares less than it sends: whoever reads it gets the declared bytes.
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                SHORT_LENGTH_BIG
            );
            stream.write_all(head.as_bytes())?;
            stream.write_all(big)?;
            stream.flush()
        }
        // Fresh for 2 s, and says 304 to a request that has its ETag.
        "/validated.jpg" => validated(&mut stream, path, "\"v1\"", "max-age=2", if_none_match.as_deref()),
        // As /validated.jpg, for the tier's tests alone (the counts are per path).
        "/tier-validated.jpg" => {
            validated(&mut stream, path, "\"tv1\"", "max-age=2", if_none_match.as_deref())
        }
        // May be stored, but must be revalidated before every use; 304 to its ETag.
        "/no-cache.jpg" => validated(&mut stream, path, "\"nc1\"", "no-cache", if_none_match.as_deref()),
        "/versioned.jpg" => {
            // One version for good, named by a strong ETag.
            let photo = std::fs::read(corpus_dir().join("photos/flower_cropped.jpg"))?;
            respond(&mut stream, 200, "image/jpeg", "ETag: \"v7\"\r\nCache-Control: max-age=3600\r\n", &photo)
        }
        "/changing.jpg" => {
            // A new version every time, whatever the client has.
            let version = hits("/changing.jpg");
            let photo = std::fs::read(corpus_dir().join("photos/flower_cropped.jpg"))?;
            let extra = format!("ETag: \"v{version}\"\r\nCache-Control: max-age=2\r\n");
            respond(&mut stream, 200, "image/jpeg", &extra, &photo)
        }
        "/slow-photo.jpg" => {
            // A photo that takes a while: long enough for identical requests to pile up.
            thread::sleep(Duration::from_millis(700));
            let photo = std::fs::read(corpus_dir().join("photos/flower_cropped.jpg"))?;
            fixed(&mut stream, 200, "image/jpeg", &photo)
        }
        "/first-1000.jpg" => {
            let photo = std::fs::read(corpus_dir().join("photos/flower_cropped.jpg"))?;
            fixed(&mut stream, 200, "image/jpeg", &photo[..1000])
        }
        "/short-length-small.jpg" => {
            let photo = std::fs::read(corpus_dir().join("photos/flower_cropped.jpg"))?;
            let head = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n";
            stream.write_all(head.as_bytes())?;
            stream.write_all(&photo)?;
            stream.flush()
        }
        "/big-chunked.jpg" => chunked(&mut stream, "image/jpeg", big),
        "/generated/24mp.jpg" => fixed(&mut stream, 200, "image/jpeg", twenty_four_megapixels()),
        "/slow.jpg" => {
            thread::sleep(Duration::from_secs(5));
            fixed(&mut stream, 200, "image/jpeg", b"too late")
        }
        "/broken.jpg" => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n";
            stream.write_all(head.as_bytes())?;
            stream.write_all(&big[..1000])?;
            stream.flush()
            // Dropping the stream closes the connection 99,000 bytes early.
        }
        "/page.html" => fixed(&mut stream, 200, "text/html", b"<html><body>not an image</body></html>"),
        "/drawing.svg" => fixed(&mut stream, 200, "image/svg+xml", SVG),
        "/big-drawing.svg" => {
            let mut svg = SVG.to_vec();
            svg.resize(6 * 1024 * 1024, b' ');
            fixed(&mut stream, 200, "image/svg+xml", &svg)
        }
        "/generated/png-bomb.png" => fixed(&mut stream, 200, "image/png", png_bomb()),
        "/generated/gigapixel-header.png" => {
            fixed(&mut stream, 200, "image/png", &super::fixtures::png_declaring(1 << 15))
        }
        "/redirect-to-metadata" => redirect(&mut stream, "http://169.254.169.254/latest/meta-data/"),
        "/redirect-to-photo" => redirect(&mut stream, "/corpus/photos/flower_cropped.jpg"),
        "/redirect-loop" => redirect(&mut stream, "/redirect-loop"),
        "/redirect-elsewhere" => {
            redirect(&mut stream, &format!("http://127.0.0.2:{port}/corpus/photos/flower_cropped.jpg"))
        }
        "/status/404" => fixed(&mut stream, 404, "text/plain", b"not found"),
        "/status/500" => fixed(&mut stream, 500, "text/plain", b"origin failed"),
        _ => fixed(&mut stream, 404, "text/plain", b"unknown test path"),
    }
}

/// The length of the `/huge/` files.
pub const HUGE_LEN: usize = 200 * 1024 * 1024;

/// How fast the `/huge/paced-` files are sent: 100 MiB a second (about 840 Mbit/s), a fast
/// origin on a real network rather than a loopback that moves gigabytes a second.
pub const HUGE_PACED_BYTES_PER_SECOND: u64 = 100 * 1024 * 1024;

/// [`HUGE_LEN`] bytes of `pattern` repeated, with a declared length or chunked, and no
/// faster than `rate` bytes a second if given.
fn huge(stream: &mut TcpStream, pattern: &[u8], chunked: bool, rate: Option<u64>) -> std::io::Result<()> {
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {HUGE_LEN}")
    };
    let head =
        format!("HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n{framing}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes())?;
    let mut stream = std::io::BufWriter::with_capacity(256 * 1024, stream);
    let started = std::time::Instant::now();
    let mut left = HUGE_LEN;
    for piece in pattern.chunks(256 * 1024).cycle() {
        if let Some(rate) = rate {
            // Each piece waits until the bytes before it are due at `rate`.
            let due = Duration::from_secs_f64((HUGE_LEN - left) as f64 / rate as f64);
            if let Some(early) = due.checked_sub(started.elapsed()) {
                stream.flush()?;
                thread::sleep(early);
            }
        }
        if left == 0 {
            break;
        }
        let piece = &piece[..piece.len().min(left)];
        if chunked {
            stream.write_all(format!("{:x}\r\n", piece.len()).as_bytes())?;
        }
        stream.write_all(piece)?;
        if chunked {
            stream.write_all(b"\r\n")?;
        }
        left -= piece.len();
    }
    if chunked {
        stream.write_all(b"0\r\n\r\n")?;
    }
    stream.flush()
}

/// What `/short-length-big.jpg` declares: less than the big file it sends.
pub const SHORT_LENGTH_BIG: usize = 5 * 1024 * 1024 + 777_777;

/// How each `/paced/` answer ended: `true` if the whole body was written.
static PACED: Mutex<Vec<(String, bool)>> = Mutex::new(Vec::new());

fn record_paced(path: &str, completed: bool) {
    PACED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((path.to_string(), completed));
}

/// How the answers to `path` ended so far: `true` for each that was written whole.
pub fn paced_outcomes(path: &str) -> Vec<bool> {
    let paced = PACED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    paced.iter().filter(|(p, _)| p == path).map(|(_, completed)| *completed).collect()
}

/// `bytes=a-b` or `bytes=a-` as a half-open range; other forms are ignored.
fn parse_range(value: &str) -> Option<(usize, Option<usize>)> {
    let (start, end) = value.strip_prefix("bytes=")?.split_once('-')?;
    Some((start.trim().parse().ok()?, end.trim().parse::<usize>().ok().map(|e| e + 1)))
}

/// 206 with the asked range of `body`, or 200 with all of it.
fn ranged(stream: &mut TcpStream, body: &[u8], range: Option<(usize, Option<usize>)>) -> std::io::Result<()> {
    let Some((start, end)) = range else {
        return respond(stream, 200, "image/jpeg", "Accept-Ranges: bytes\r\n", body);
    };
    let end = end.unwrap_or(body.len()).min(body.len());
    let part = body.get(start..end).unwrap_or_default();
    let extra =
        format!("Accept-Ranges: bytes\r\nContent-Range: bytes {start}-{}/{}\r\n", end - 1, body.len());
    respond(stream, 206, "image/jpeg", &extra, part)
}

/// Declares `declared` bytes, sends `first`, then goes quiet for longer than any test waits.
fn stall(stream: &mut TcpStream, declared: usize, first: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(first)?;
    stream.flush()?;
    thread::sleep(Duration::from_secs(30));
    Ok(())
}

/// `body` with its length declared, `piece` bytes at a time, `pause_ms` apart.
fn paced(stream: &mut TcpStream, body: &[u8], piece: usize, pause_ms: u64) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    for part in body.chunks(piece) {
        stream.write_all(part)?;
        stream.flush()?;
        thread::sleep(Duration::from_millis(pause_ms));
    }
    Ok(())
}

/// The same without a declared length.
fn paced_chunked(stream: &mut TcpStream, body: &[u8], piece: usize, pause_ms: u64) -> std::io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    stream.write_all(head.as_bytes())?;
    for part in body.chunks(piece) {
        stream.write_all(format!("{:x}\r\n", part.len()).as_bytes())?;
        stream.write_all(part)?;
        stream.write_all(b"\r\n")?;
        stream.flush()?;
        thread::sleep(Duration::from_millis(pause_ms));
    }
    stream.write_all(b"0\r\n\r\n")?;
    stream.flush()
}

/// The animations `imperfect_animations` asks for: five frames of 40×30 as a GIF without its
/// trailer byte, or cut off halfway through its last frame's LZW data; six frames of 60×40
/// as an APNG that plays three times.
fn generated_animation(name: &str) -> Option<Vec<u8>> {
    let gif = || animations::gif(40, 30, 5);
    match name {
        "no-trailer.gif" => {
            let mut gif = gif();
            gif.pop();
            Some(gif)
        }
        "cut-in-last-frame.gif" => {
            let gif = gif();
            let (_, data, end) = *animations::gif_frame_spans(&gif).last()?;
            gif.get(..(data + end) / 2).map(<[u8]>::to_vec)
        }
        "apng.png" => Some(animations::apng(60, 40, 6, 3, png::BitDepth::Eight)),
        _ => None,
    }
}

/// A 6000x4000 JPEG, made once.
fn twenty_four_megapixels() -> &'static [u8] {
    static JPEG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    JPEG.get_or_init(|| synthetic_jpeg(6000, 4000))
}

fn content_type(file: &str) -> &'static str {
    match file.rsplit('.').next().unwrap_or("") {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "ico" => "image/x-icon",
        "tif" | "tiff" => "image/tiff",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn fixed(stream: &mut TcpStream, status: u16, content_type: &str, body: &[u8]) -> std::io::Result<()> {
    respond(stream, status, content_type, "", body)
}

/// The photo with `etag` and `cache_control`, or `304 Not Modified` to a request that has
/// that ETag (counted as `"<path> 304"`).
fn validated(
    stream: &mut TcpStream,
    path: &str,
    etag: &str,
    cache_control: &str,
    if_none_match: Option<&str>,
) -> std::io::Result<()> {
    if if_none_match == Some(etag) {
        count(&format!("{path} 304"));
        let head = format!(
            "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nCache-Control: {cache_control}\r\nConnection: close\r\n\r\n"
        );
        return stream.write_all(head.as_bytes());
    }
    let photo = std::fs::read(corpus_dir().join("photos/flower_cropped.jpg"))?;
    respond(stream, 200, "image/jpeg", &format!("ETag: {etag}\r\nCache-Control: {cache_control}\r\n"), &photo)
}

/// A response with a `Content-Length`; `extra` is more header lines, each ending in CRLF.
fn respond(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

/// The body in 64 KiB chunks with no `Content-Length`.
fn chunked(stream: &mut TcpStream, content_type: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes())?;
    for chunk in body.chunks(64 * 1024) {
        stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())?;
        stream.write_all(chunk)?;
        stream.write_all(b"\r\n")?;
    }
    stream.write_all(b"0\r\n\r\n")?;
    stream.flush()
}

fn redirect(stream: &mut TcpStream, location: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes())?;
    stream.flush()
}

/// An SVG with a script: what must never be served as active content from the proxy's origin.
const SVG: &[u8] =
    br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#;

/// A valid 1-bit PNG of 40000 x 40000 pixels (1.6 Gpx) whose zero rows deflate to about
/// 200 KB: decoded as RGBA it would need 6.4 GB. Made once, streamed row by row.
fn png_bomb() -> &'static [u8] {
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BOMB.get_or_init(|| {
        const SIDE: u32 = 40_000;
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, SIDE, SIDE);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::Fast);
        {
            let mut writer = encoder.write_header().expect("header");
            let mut rows = writer.stream_writer().expect("stream");
            let row = vec![0u8; (SIDE as usize).div_ceil(8)];
            for _ in 0..SIDE {
                std::io::Write::write_all(&mut rows, &row).expect("row");
            }
            rows.finish().expect("finish");
        }
        out
    })
}
