//! A local origin server that the end-to-end tests control: corpus files with and without
//! `Content-Length`, a large file, slow answers, bodies that break off, redirects and error
//! statuses. Plain HTTP/1.1 over `std::net`, one request per connection, so that every fault
//! is exactly the one a test asks for.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

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

/// Caching headers the `/cache/<name>.jpg` paths answer with, around the same photo.
const CACHING: [(&str, &str); 4] = [
    ("no-store", "Cache-Control: no-store\r\n"),
    ("private", "Cache-Control: private, max-age=300\r\n"),
    ("cookie", "Cache-Control: public, max-age=600\r\nSet-Cookie: session=secret\r\n"),
    ("max-age", "Cache-Control: public, max-age=600\r\n"),
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
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
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
    // Skip the request headers.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
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

    if let Some(file) = path.strip_prefix("/corpus/") {
        return match std::fs::read(corpus_dir().join(file)) {
            Ok(body) => fixed(&mut stream, 200, content_type(file), &body),
            Err(_) => fixed(&mut stream, 404, "text/plain", b"no such file"),
        };
    }
    if let Some(file) = path.strip_prefix("/chunked/") {
        let body = std::fs::read(corpus_dir().join(file))?;
        return chunked(&mut stream, content_type(file), &body);
    }
    match path {
        "/big.jpg" => fixed(&mut stream, 200, "image/jpeg", big),
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
        _ => "application/octet-stream",
    }
}

fn fixed(stream: &mut TcpStream, status: u16, content_type: &str, body: &[u8]) -> std::io::Result<()> {
    respond(stream, status, content_type, "", body)
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
