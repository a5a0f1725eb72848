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
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;

use tiny_http::{Header, Method, Request, Response, Server};

/// Threads answering requests. Each request is a small file read.
const WORKERS: usize = 8;

/// A running server; dropping it stops it.
pub struct Handle {
    server: Arc<Server>,
    pub addr: SocketAddr,
    workers: Vec<thread::JoinHandle<()>>,
}

impl Handle {
    /// Serves until the process ends.
    pub fn wait(mut self) {
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        for _ in 0..self.workers.len() {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
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

/// Starts serving `root` on `addr` (port 0 picks a free port).
pub fn start(root: &Path, addr: SocketAddr, isolation: Isolation) -> io::Result<Handle> {
    let root = root.canonicalize()?;
    let server = Arc::new(
        Server::from_listener(listen(addr)?, None)
            .map_err(|e| io::Error::other(format!("cannot listen on {addr}: {e}")))?,
    );
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| io::Error::other("the server is not on an IP address"))?;
    let workers = (0..WORKERS)
        .map(|_| {
            let server = Arc::clone(&server);
            let root = root.clone();
            let isolation = isolation.clone();
            thread::spawn(move || {
                for request in server.incoming_requests() {
                    respond(&root, request, &isolation);
                }
            })
        })
        .collect();
    Ok(Handle {
        server,
        addr,
        workers,
    })
}

/// Connections the kernel queues for `accept` before refusing more.
/// `std`'s listener asks for 128: measured, 1,000 clients at once then saw
/// 49–144 connections reset; with this many, none.
const BACKLOG: i32 = 1024;

fn listen(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}

/// Headers on every response to `path` (the request's), errors included.
fn common_headers(isolation: &Isolation, path: &str) -> Vec<Header> {
    let mut headers = Vec::new();
    if let Isolation::Rules(rules) = isolation {
        for rule in rules
            .iter()
            .filter(|r| crate::dist::matches(&r.pattern, path))
        {
            // A header tiny_http cannot send (not ASCII) is skipped, not a panic.
            headers.extend(
                rule.headers
                    .iter()
                    .filter_map(|(n, v)| Header::from_bytes(n.as_bytes(), v.as_bytes()).ok()),
            );
        }
        if !headers.iter().any(|h| h.field.equiv("Cache-Control")) {
            headers.push(header("Cache-Control", "no-cache"));
        }
        return headers;
    }
    headers.extend([
        header("Cache-Control", "no-cache"),
        header("X-Content-Type-Options", "nosniff"),
    ]);
    if *isolation == Isolation::On {
        headers.extend(
            crate::dist::ISOLATION_HEADERS
                .iter()
                .map(|(n, v)| header(n, v)),
        );
    }
    headers
}

fn respond(root: &Path, request: Request, isolation: &Isolation) {
    let path = request
        .url()
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_string();
    let mut response = match request.method() {
        Method::Get | Method::Head => match resolve(root, request.url()) {
            Some((path, file)) => {
                let tag = etag(&file);
                let unchanged = tag.as_deref().is_some_and(|tag| {
                    request
                        .headers()
                        .iter()
                        .any(|h| h.field.equiv("If-None-Match") && h.value.as_str() == tag)
                });
                let response = if unchanged {
                    Response::empty(304).boxed()
                } else {
                    Response::from_file(file)
                        .with_header(header("Content-Type", content_type(&path)))
                        .boxed()
                };
                match tag {
                    Some(tag) => response.with_header(header("ETag", &tag)),
                    None => response,
                }
            }
            None => text(404, "404 not found\n").boxed(),
        },
        _ => text(405, "405 method not allowed: GET and HEAD only\n")
            .with_header(header("Allow", "GET, HEAD"))
            .boxed(),
    };
    for h in common_headers(isolation, &path) {
        response.add_header(h);
    }
    // A client that hung up is not the server's problem.
    let _ = request.respond(response);
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

fn text(status: u16, body: &str) -> Response<io::Cursor<Vec<u8>>> {
    Response::from_string(body)
        .with_status_code(status)
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
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
        // A header tiny_http cannot send (not ASCII) is left out; the response is still sent.
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
        let r = raw(
            server.addr,
            "HEAD /main.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(status(&r), "200");
        assert!(r.ends_with("\r\n\r\n"), "HEAD must not carry a body: {r:?}");
    }
}
