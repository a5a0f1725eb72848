//! The development server: `www/` over HTTP with the headers threads need.
//!
//! Every response carries `Cross-Origin-Opener-Policy: same-origin` and
//! `Cross-Origin-Embedder-Policy: require-corp` (without them the page is not
//! cross-origin isolated and the browser withholds `SharedArrayBuffer`), the
//! right MIME type (`application/wasm` for streaming compilation) and
//! `Cache-Control: no-cache` with an `ETag`: the browser asks every time, so
//! a rebuilt module is never served stale, and an unchanged file costs a
//! `304` instead of its bytes. (Measured: with `no-store`, every worker
//! refetched and recompiled the glue; a thread took 170 ms to start instead
//! of 120 ms.)
//! Nothing outside the served folder is reachable.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// How long a kept-alive connection may sit idle before it is closed.
pub(crate) const IDLE: Duration = Duration::from_secs(30);

/// The most a request's head may take (its line and headers).
pub(crate) const MAX_HEAD: usize = 64 * 1024;

/// A running server; dropping it stops accepting (connections already open
/// end on their own: closed by the client, or idle for [`IDLE`]).
pub struct Handle {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<thread::JoinHandle<()>>,
}

impl Handle {
    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees the flag (a server on every
        // address is reached on the loopback one). If that fails, the loop
        // is left to the process's end rather than waited for.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        if TcpStream::connect_timeout(&wake, Duration::from_secs(2)).is_ok()
            && let Some(accept) = self.accept.take()
        {
            let _ = accept.join();
        }
    }
}

/// Whether responses carry the cross-origin isolation headers.
#[derive(Clone, PartialEq)]
pub enum Isolation {
    /// COOP + COEP: `crossOriginIsolated` is true, threads work.
    On,
    /// No COOP/COEP, like `python3 -m http.server` or a plain static host: for
    /// testing how the page explains what is missing.
    Off,
    /// The served folder's own `_headers` rules (Netlify / Cloudflare Pages
    /// form, as `./x build --dist` writes them), applied the way such a host
    /// would: the headers of every matching rule, and nothing else of ours
    /// but `Cache-Control: no-cache` where no rule sets caching.
    Rules(Arc<Vec<crate::dist::Rule>>),
}

/// What is served, and how.
struct Site {
    root: PathBuf,
    isolation: Isolation,
}

/// Starts serving `root` on `addr` (port 0 picks a free port).
///
/// One thread a connection. A browser keeps several connections open
/// between requests, and a page that starts twenty workers at once opens
/// more: each waits in a thread of its own. (The server this replaced,
/// tiny_http 0.12, handed connections to a pool whose wake-up could be
/// lost when two arrived together; the second then waited until a kept-alive
/// connection closed. Firefox, starting 20 workers, saw one or two never
/// load their script, about one run in three.)
pub fn start(root: &Path, addr: SocketAddr, isolation: Isolation) -> io::Result<Handle> {
    let site = Site {
        root: root.canonicalize()?,
        isolation,
    };
    accept(listen(addr)?, "spinlab serve", move |stream| {
        serve(stream, &site)
    })
}

/// Accepts connections on `listener` until the handle is dropped, and
/// answers each in a thread of its own, named `name`, with `answer`.
pub(crate) fn accept<F>(listener: TcpListener, name: &str, answer: F) -> io::Result<Handle>
where
    F: Fn(TcpStream) + Send + Sync + 'static,
{
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let answer = Arc::new(answer);
    let name = name.to_string();
    let accept = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else {
                    // Out of file descriptors, say: let connections end first.
                    thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let answer = Arc::clone(&answer);
                let _ = thread::Builder::new()
                    .name(name.clone())
                    .stack_size(256 * 1024)
                    .spawn(move || answer(stream));
            }
        })
    };
    Ok(Handle {
        addr,
        stop,
        accept: Some(accept),
    })
}

/// Connections the kernel queues for `accept` before refusing more.
/// `std`'s listener asks for 128: measured, 1,000 clients at once then saw
/// 49–144 connections reset; with this many, none.
const BACKLOG: i32 = 1024;

pub(crate) fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// A request's head, as the server reads it.
pub(crate) struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// HTTP/1.1 and no `Connection: close` (or 1.0 with `keep-alive`).
    pub keep_alive: bool,
    /// What follows the head: a body the server drops, the relay passes on.
    pub follows: Follows,
}

/// What follows a request's head.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Follows {
    Nothing,
    /// A body of so many bytes (`Content-Length`).
    Bytes(u64),
    /// A body whose end cannot be told here (chunked, or a bad length).
    Unknown,
}

/// The largest body read and dropped to keep a connection open.
const MAX_DISCARD: u64 = 1 << 20;

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads the next request's head from `stream` (bytes already read are in
/// `buf`); `Ok(None)` when the client has closed, `Err` for a malformed one.
pub(crate) fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> io::Result<Option<Request>> {
    loop {
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut slots);
        match parsed.parse(buf) {
            Ok(httparse::Status::Complete(len)) => {
                let headers: Vec<(String, String)> = parsed
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_string(),
                            String::from_utf8_lossy(h.value).trim().to_string(),
                        )
                    })
                    .collect();
                let version = parsed.version.unwrap_or(1);
                let request = Request {
                    method: parsed.method.unwrap_or("").to_string(),
                    target: parsed.path.unwrap_or("/").to_string(),
                    keep_alive: false,
                    follows: Follows::Nothing,
                    headers,
                };
                buf.drain(..len);
                let connection = request
                    .header("Connection")
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let keep_alive = if version == 1 {
                    !connection.contains("close")
                } else {
                    connection.contains("keep-alive")
                };
                let follows = if request.header("Transfer-Encoding").is_some() {
                    Follows::Unknown
                } else {
                    match request.header("Content-Length").map(str::parse::<u64>) {
                        None | Some(Ok(0)) => Follows::Nothing,
                        Some(Ok(n)) => Follows::Bytes(n),
                        Some(Err(_)) => Follows::Unknown,
                    }
                };
                return Ok(Some(Request {
                    keep_alive,
                    follows,
                    ..request
                }));
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) | Err(_) => {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "bad request"));
            }
        }
        let mut chunk = [0u8; 8192];
        match stream.read(&mut chunk)? {
            0 => return Ok(None),
            n => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Answers the requests of one connection, in order, until it closes.
fn serve(mut stream: TcpStream, site: &Site) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let _ = stream.set_write_timeout(Some(IDLE));
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    loop {
        let request = match read_request(&mut stream, &mut buf) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                let response = text(400, "400 bad request\n");
                let _ = write_response(&mut stream, response, false, false);
                close_after_answer(&mut stream);
                return;
            }
            // Idle too long, or the client went away.
            Err(_) => return,
        };
        // A short body is read and dropped; after any other, the connection ends.
        let keep_alive = request.keep_alive
            && match request.follows {
                Follows::Nothing => true,
                Follows::Bytes(n) if n <= MAX_DISCARD => discard(&mut stream, &mut buf, n).is_ok(),
                Follows::Bytes(_) | Follows::Unknown => false,
            };
        let head_only = request.method == "HEAD";
        let response = respond(site, &request);
        if write_response(&mut stream, response, head_only, keep_alive).is_err() {
            return;
        }
        if !keep_alive {
            close_after_answer(&mut stream);
            return;
        }
    }
}

/// Reads and drops the `n` bytes of a body (those already read first).
fn discard(stream: &mut TcpStream, buf: &mut Vec<u8>, n: u64) -> io::Result<()> {
    let held = buf.len().min(n as usize);
    buf.drain(..held);
    let rest = n - held as u64;
    let copied = io::copy(&mut (&mut *stream).take(rest), &mut io::sink())?;
    if copied == rest {
        Ok(())
    } else {
        Err(io::ErrorKind::UnexpectedEof.into())
    }
}

/// Ends a connection whose answer is sent: says so (`FIN`), then reads what
/// the client may still be sending, briefly, so that closing with unread
/// bytes does not reset the connection before the client reads the answer.
pub(crate) fn close_after_answer(stream: &mut TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = io::copy(&mut (&mut *stream).take(MAX_DISCARD), &mut io::sink());
}

/// A response: its status, headers and body.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

enum Body {
    File(File, u64),
    Bytes(Vec<u8>),
    /// A `304`: no body, and no length.
    None,
}

impl Response {
    fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "",
    }
}

fn write_response(
    stream: &mut TcpStream,
    response: Response,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    let mut out = BufWriter::new(stream);
    write!(
        out,
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    )?;
    for (name, value) in &response.headers {
        write!(out, "{name}: {value}\r\n")?;
    }
    let length = match &response.body {
        Body::File(_, len) => Some(*len),
        Body::Bytes(bytes) => Some(bytes.len() as u64),
        Body::None => None,
    };
    if let Some(length) = length {
        write!(out, "Content-Length: {length}\r\n")?;
    }
    let connection = if keep_alive { "keep-alive" } else { "close" };
    write!(out, "Connection: {connection}\r\n\r\n")?;
    if !head_only {
        match response.body {
            Body::File(mut file, len) => {
                // A file cut short since its length was read (a rebuild):
                // the connection must end, its length was promised.
                if io::copy(&mut (&mut file).take(len), &mut out)? != len {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
            }
            Body::Bytes(bytes) => out.write_all(&bytes)?,
            Body::None => {}
        }
    }
    out.flush()
}

/// A header as it may be sent: visible ASCII, a name without separators.
fn sendable(name: &str, value: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
        && value
            .bytes()
            .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
}

/// Headers on every response to `path` (the request's), errors included.
fn common_headers(isolation: &Isolation, path: &str) -> Vec<(String, String)> {
    let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
    let mut headers = Vec::new();
    if let Isolation::Rules(rules) = isolation {
        for rule in rules
            .iter()
            .filter(|r| crate::dist::matches(&r.pattern, path))
        {
            // A header that cannot be sent (not ASCII) is skipped, not a panic.
            headers.extend(
                rule.headers
                    .iter()
                    .filter(|(n, v)| sendable(n, v))
                    .map(|(n, v)| pair(n, v)),
            );
        }
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("Cache-Control"))
        {
            headers.push(pair("Cache-Control", "no-cache"));
        }
        return headers;
    }
    let (policy, rules) = crate::dist::CONTENT_SECURITY_POLICY;
    headers.extend([
        pair("Cache-Control", "no-cache"),
        pair("X-Content-Type-Options", "nosniff"),
        pair(policy, rules),
    ]);
    if *isolation == Isolation::On {
        headers.extend(
            crate::dist::ISOLATION_HEADERS
                .iter()
                .map(|(n, v)| pair(n, v)),
        );
    }
    headers
}

fn respond(site: &Site, request: &Request) -> Response {
    let path = request
        .target
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_string();
    let mut response = match request.method.as_str() {
        "GET" | "HEAD" => match resolve(&site.root, &request.target) {
            Some((path, file)) => {
                let tag = etag(&file);
                let unchanged = tag
                    .as_deref()
                    .is_some_and(|tag| request.header("If-None-Match") == Some(tag));
                let response = if unchanged {
                    Response {
                        status: 304,
                        headers: Vec::new(),
                        body: Body::None,
                    }
                } else {
                    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
                    Response {
                        status: 200,
                        headers: Vec::new(),
                        body: Body::File(file, len),
                    }
                    .with_header("Content-Type", content_type(&path))
                };
                match tag {
                    Some(tag) => response.with_header("ETag", &tag),
                    None => response,
                }
            }
            None => text(404, "404 not found\n"),
        },
        _ => text(405, "405 method not allowed: GET and HEAD only\n")
            .with_header("Allow", "GET, HEAD"),
    };
    response
        .headers
        .extend(common_headers(&site.isolation, &path));
    response
}

/// A validator for the file as it is now: its size and modification time.
fn etag(file: &File) -> Option<String> {
    let meta = file.metadata().ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!("\"{:x}-{:x}\"", meta.len(), modified.as_nanos()))
}

fn text(status: u16, body: &str) -> Response {
    Response {
        status,
        headers: Vec::new(),
        body: Body::Bytes(body.as_bytes().to_vec()),
    }
    .with_header("Content-Type", "text/plain; charset=utf-8")
}

/// Maps a request target to a file under `root`, or `None` (a 404) for
/// anything that is not a plain path to an existing file inside it:
/// `..` or `.` segments (plain or percent-encoded), backslashes, NUL, bad
/// escapes, absolute-form targets, and symlinks that lead outside.
pub fn resolve(root: &Path, target: &str) -> Option<(PathBuf, File)> {
    let path = target.split(['?', '#']).next()?;
    let path = path.strip_prefix('/')?;
    let decoded = percent_decode(path)?;
    let mut file = root.to_path_buf();
    for segment in decoded.split('/') {
        if segment == ".." || segment == "." || segment.contains(['\\', '\0', ':']) {
            return None;
        }
        if !segment.is_empty() {
            file.push(segment);
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    // Symlinks may not lead out of the served folder.
    let real = file.canonicalize().ok()?;
    if !real.starts_with(root) || !real.is_file() {
        return None;
    }
    let opened = File::open(&real).ok()?;
    Some((real, opened))
}

/// Decodes `%XX` escapes once (a double-encoded `%252e` stays a literal
/// `%2e`); `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    /// A served folder `www/` with a secret beside it.
    fn fixture() -> (PathBuf, Handle) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir().join(format!(
            "spinlab-server-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let www = base.join("www");
        std::fs::create_dir_all(www.join("pkg")).unwrap();
        std::fs::write(www.join("index.html"), "<!doctype html>hello").unwrap();
        std::fs::write(www.join("main.js"), "export {}").unwrap();
        std::fs::write(www.join("pkg/app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(base.join("secret.txt"), "outside").unwrap();
        // A symlink inside the folder that leads out of it.
        #[cfg(unix)]
        std::os::unix::fs::symlink(&base, www.join("link")).unwrap();
        let handle = start(&www, "127.0.0.1:0".parse().unwrap(), Isolation::On).unwrap();
        (base, handle)
    }

    /// Sends `request` as raw bytes (no client-side path normalisation).
    fn raw(addr: SocketAddr, request: &str) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    fn get(addr: SocketAddr, target: &str) -> String {
        raw(
            addr,
            &format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
        )
    }

    fn status(response: &str) -> &str {
        response.split(' ').nth(1).unwrap_or("")
    }

    fn has_header(response: &str, line: &str) -> bool {
        let head = response.split("\r\n\r\n").next().unwrap();
        head.lines().any(|l| l.eq_ignore_ascii_case(line))
    }

    #[test]
    fn an_unchanged_file_is_a_304_and_a_changed_one_is_sent_again() {
        let (base, server) = fixture();
        let first = get(server.addr, "/main.js");
        let tag = first
            .lines()
            .find_map(|l| l.strip_prefix("ETag: "))
            .expect("an ETag")
            .to_string();
        let conditional = |tag: &str| {
            raw(
                server.addr,
                &format!(
                    "GET /main.js HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: {tag}\r\nConnection: close\r\n\r\n"
                ),
            )
        };
        let again = conditional(&tag);
        assert_eq!(status(&again), "304", "{again}");
        assert!(!again.ends_with("export {}"));
        assert!(has_header(
            &again,
            "Cross-Origin-Embedder-Policy: require-corp"
        ));
        assert_eq!(status(&conditional("\"stale\"")), "200");
        std::fs::write(base.join("www/main.js"), "export const rebuilt = 1;").unwrap();
        let changed = conditional(&tag);
        assert_eq!(status(&changed), "200", "{changed}");
        assert!(changed.ends_with("export const rebuilt = 1;"));
    }

    #[test]
    fn serves_files_with_isolation_headers_and_types() {
        let (_base, server) = fixture();
        for (target, content_type) in [
            ("/", "text/html; charset=utf-8"),
            ("/index.html", "text/html; charset=utf-8"),
            ("/main.js", "text/javascript; charset=utf-8"),
            ("/pkg/app_bg.wasm", "application/wasm"),
            ("/main.js?v=2", "text/javascript; charset=utf-8"),
        ] {
            let r = get(server.addr, target);
            assert_eq!(status(&r), "200", "{target}: {r}");
            assert!(
                has_header(&r, &format!("Content-Type: {content_type}")),
                "{target}: {r}"
            );
            assert!(
                has_header(&r, "Cross-Origin-Opener-Policy: same-origin"),
                "{target}"
            );
            assert!(
                has_header(&r, "Cross-Origin-Embedder-Policy: require-corp"),
                "{target}"
            );
            assert!(has_header(&r, "Cache-Control: no-cache"), "{target}");
        }
        assert!(get(server.addr, "/").ends_with("hello"));
    }

    #[test]
    fn nothing_outside_the_folder_is_reachable() {
        let (_base, server) = fixture();
        for target in [
            "/../secret.txt",
            "/pkg/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E/secret.txt",
            "/..%2fsecret.txt",
            "/%2e%2e%2fsecret.txt",
            "/%252e%252e/secret.txt",
            "/..%5csecret.txt",
            "/..\\secret.txt",
            "/pkg\\..\\..\\secret.txt",
            "/%5c..%5csecret.txt",
            "/pkg%2f..%2f..%2fsecret.txt",
            "/%252e%252e%252fsecret.txt",
            "/%c0%ae%c0%ae/secret.txt",
            "/.%2e/secret.txt",
            "/link/secret.txt",
            "/link",
            "//secret.txt",
            "/./index.html",
            "/%00",
            "/%zz",
            "/etc/passwd",
            "//etc/passwd",
            "/C:/secret.txt",
            "http://localhost/../secret.txt",
            "/missing.js",
        ] {
            let r = get(server.addr, target);
            assert_eq!(status(&r), "404", "{target} must be refused: {r}");
            assert!(!r.contains("outside"), "{target} leaked the secret");
            assert!(has_header(&r, "Cross-Origin-Embedder-Policy: require-corp"));
        }
    }

    /// 1,000 clients at once, each with its own connection, all released
    /// together: every one gets its file, whole.
    #[test]
    fn a_thousand_concurrent_requests_all_succeed() {
        use std::sync::{Arc, Barrier};
        const CLIENTS: usize = 1_000;
        let (_base, server) = fixture();
        let addr = server.addr;
        let start = Arc::new(Barrier::new(CLIENTS));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let start = Arc::clone(&start);
                thread::Builder::new()
                    .stack_size(64 * 1024)
                    .spawn(move || {
                        let target = ["/", "/main.js", "/pkg/app_bg.wasm"][i % 3];
                        start.wait();
                        let mut stream = TcpStream::connect(addr)?;
                        stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
                        write!(
                            stream,
                            "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                        )?;
                        let mut response = Vec::new();
                        stream.read_to_end(&mut response)?;
                        Ok::<_, io::Error>((
                            target,
                            String::from_utf8_lossy(&response).into_owned(),
                        ))
                    })
                    .unwrap()
            })
            .collect();
        let mut failures = Vec::new();
        for client in clients {
            match client.join().unwrap() {
                Ok((target, r)) => {
                    let body_ok = match target {
                        "/" => r.ends_with("hello"),
                        "/main.js" => r.ends_with("export {}"),
                        _ => r.ends_with("\0asm\u{1}\0\0\0"),
                    };
                    if status(&r) != "200" || !body_ok {
                        failures.push(format!("{target}: {}", r.lines().next().unwrap_or("")));
                    }
                }
                Err(e) => failures.push(format!("client error: {e}")),
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {CLIENTS} failed: {:?}",
            failures.len(),
            &failures[..failures.len().min(5)]
        );
    }

    /// What a browser does when a page starts twenty workers at once: a
    /// burst of new connections, each kept open after its answer. Every
    /// one is answered while the others stay open, and answers a second
    /// request too. (A bound for a hang, not a timing.)
    #[test]
    fn a_burst_of_kept_alive_connections_is_answered_in_full() {
        use std::sync::{Arc, Barrier};
        const CLIENTS: usize = 40;
        let (_base, server) = fixture();
        let addr = server.addr;
        let bound = Some(std::time::Duration::from_secs(10));
        /// One request on a kept-alive connection: its head and body.
        fn ask(stream: &mut TcpStream, target: &str) -> io::Result<String> {
            write!(stream, "GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n")?;
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                stream.read_exact(&mut byte)?;
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|l| l.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; len];
            stream.read_exact(&mut body)?;
            Ok(head + &String::from_utf8_lossy(&body))
        }
        let all_answered = Arc::new(Barrier::new(CLIENTS));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let all_answered = Arc::clone(&all_answered);
                thread::spawn(move || {
                    let mut stream = TcpStream::connect(addr).unwrap();
                    stream.set_read_timeout(bound).unwrap();
                    let first = ask(&mut stream, "/main.js");
                    // Every connection stays open until all were answered.
                    all_answered.wait();
                    let second = ask(&mut stream, "/");
                    (first, second)
                })
            })
            .collect();
        for client in clients {
            let (first, second) = client.join().unwrap();
            let first = first.expect("a new connection answered while the others stay open");
            assert!(first.ends_with("export {}"), "{first}");
            let second = second.expect("a kept-alive connection's second request answered");
            assert!(second.ends_with("hello"), "{second}");
        }
    }

    #[test]
    fn rules_apply_the_headers_of_every_matching_pattern_and_no_others() {
        let (base, _server) = fixture();
        let rules = crate::dist::parse_headers(
            "/*\n  Cross-Origin-Opener-Policy: same-origin\n  Kopfzeile-ä: x\n/pkg/*\n  Cache-Control: max-age=9\n",
        )
        .unwrap();
        let ruled = start(
            &base.join("www"),
            "127.0.0.1:0".parse().unwrap(),
            Isolation::Rules(Arc::new(rules)),
        )
        .unwrap();
        let wasm = get(ruled.addr, "/pkg/app_bg.wasm");
        assert_eq!(status(&wasm), "200");
        assert!(
            has_header(&wasm, "Cross-Origin-Opener-Policy: same-origin"),
            "{wasm}"
        );
        assert!(has_header(&wasm, "Cache-Control: max-age=9"), "{wasm}");
        assert!(!has_header(&wasm, "Cache-Control: no-cache"), "{wasm}");
        let page = get(ruled.addr, "/?lab=pool");
        assert!(
            has_header(&page, "Cross-Origin-Opener-Policy: same-origin"),
            "{page}"
        );
        assert!(has_header(&page, "Cache-Control: no-cache"), "{page}");
        assert!(
            !page.contains("Cross-Origin-Embedder-Policy"),
            "no rule sets it: {page}"
        );
        // A header that cannot be sent (not ASCII) is left out; the response is still sent.
        assert_eq!(status(&page), "200");
        assert!(!page.contains("Kopfzeile"), "{page}");
    }

    #[test]
    fn isolation_off_omits_only_the_isolation_headers() {
        let (base, _server) = fixture();
        let plain = start(
            &base.join("www"),
            "127.0.0.1:0".parse().unwrap(),
            Isolation::Off,
        )
        .unwrap();
        let r = get(plain.addr, "/main.js");
        assert_eq!(status(&r), "200");
        assert!(has_header(
            &r,
            "Content-Type: text/javascript; charset=utf-8"
        ));
        assert!(!r.contains("Cross-Origin-Opener-Policy"), "{r}");
        assert!(!r.contains("Cross-Origin-Embedder-Policy"), "{r}");
        assert_eq!(status(&get(plain.addr, "/../secret.txt")), "404");
    }

    #[test]
    fn every_response_carries_the_content_security_policy() {
        let (name, policy) = crate::dist::CONTENT_SECURITY_POLICY;
        let line = format!("{name}: {policy}");
        let (base, isolated) = fixture();
        let plain = start(
            &base.join("www"),
            "127.0.0.1:0".parse().unwrap(),
            Isolation::Off,
        )
        .unwrap();
        // The dist build's _headers, as a host that applies them.
        let rules = crate::dist::parse_headers(&crate::dist::headers_file()).unwrap();
        let ruled = start(
            &base.join("www"),
            "127.0.0.1:0".parse().unwrap(),
            Isolation::Rules(Arc::new(rules)),
        )
        .unwrap();
        for addr in [isolated.addr, plain.addr, ruled.addr] {
            for target in [
                "/",
                "/main.js",
                "/pkg/app_bg.wasm",
                "/missing.js",
                "/../secret.txt",
            ] {
                let r = get(addr, target);
                assert!(has_header(&r, &line), "{target}: {r}");
            }
            let refused = raw(
                addr,
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            assert_eq!(status(&refused), "405");
            assert!(has_header(&refused, &line), "{refused}");
        }
        // Only the page's own scripts and module; nothing inline, no eval.
        for directive in [
            "script-src 'self' 'wasm-unsafe-eval';",
            "object-src 'none';",
            "base-uri 'none';",
            "frame-ancestors 'none'",
            "style-src 'self';",
        ] {
            assert!(policy.contains(directive), "{directive}");
        }
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(!policy.contains("'unsafe-eval'"), "{policy}");
    }

    #[test]
    fn other_methods_are_refused_and_head_has_no_body() {
        let (_base, server) = fixture();
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"] {
            let r = raw(
                server.addr,
                &format!(
                    "{method} /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                ),
            );
            assert_eq!(status(&r), "405", "{method}: {r}");
            assert!(has_header(&r, "Allow: GET, HEAD"), "{method}");
            assert!(!r.contains("hello"), "{method} must not serve the file");
        }
        // A body is read and dropped: the answer arrives, whole, and a second
        // request on the same connection is answered too.
        let r = raw(
            server.addr,
            "POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\
             GET /main.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(status(&r), "405", "{r}");
        assert!(r.ends_with("export {}"), "the second answer follows: {r}");
        // A body of unknown length: answered, then the connection ends.
        let r = raw(
            server.addr,
            "PUT /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        );
        assert_eq!(status(&r), "405", "{r}");
        assert!(has_header(&r, "Connection: close"), "{r}");
        let r = raw(
            server.addr,
            "HEAD /main.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(status(&r), "200");
        assert!(r.ends_with("\r\n\r\n"), "HEAD must not carry a body: {r:?}");
    }
}
