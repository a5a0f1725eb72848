//! A relay in front of the wasm test runner's server.
//!
//! `wasm-bindgen-test-runner` serves the wasm tests' page with rouille on
//! tiny_http 0.12, whose connection pool can lose a wake-up when two
//! connections arrive together: the second then waits until a busy pool
//! thread is free, and a browser's kept-alive connection keeps a thread
//! busy until the browser closes it, 30 s or more later. A test that starts
//! workers (each a burst of script requests) then timed out now and then
//! (2 of 8 wasm layers in four clean-clone runs; the server this project
//! serves the page with had the same trouble and was replaced, see
//! `server.rs`).
//!
//! Measured against the runner's own server (`NO_HEADLESS=1
//! wasm-bindgen-test-runner`, 2026-11-30): a burst of 40 kept-alive
//! connections right after one to four others had ended (so that a few of
//! its pool threads sat idle) left 3 to 37 of the 40 unanswered after 10 s
//! in each of 12 rounds; the same bursts through this relay were answered
//! in full every time, in 16–125 ms.
//!
//! The runner cannot be given another server, but the browser can be given
//! a proxy: this one. It takes one request a connection from the browser,
//! passes it on over a new connection that asks to be closed
//! (`Connection: close`), and passes the answer back. Every connection the
//! runner sees then ends after one request, so a connection left waiting in
//! its queue waits for one request, not for a browser to let go.
//!
//! Only loopback origins are relayed (the runner's own address): anything
//! else is refused.

use std::io::{self, BufWriter, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::server::{self, Follows, Handle, Request};

/// A running relay on the loopback address.
pub struct Relay {
    handle: Handle,
    relayed: Arc<AtomicUsize>,
}

impl Relay {
    pub fn addr(&self) -> SocketAddr {
        self.handle.addr
    }

    /// How many requests were passed on and answered.
    pub fn relayed(&self) -> usize {
        self.relayed.load(Ordering::SeqCst)
    }
}

/// Starts a relay on a free loopback port.
pub fn start() -> io::Result<Relay> {
    let relayed = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&relayed);
    let listener = server::listen("127.0.0.1:0".parse().expect("an address"))?;
    let handle = server::accept(listener, "spinlab relay", move |stream| {
        relay(stream, &count)
    })?;
    Ok(Relay { handle, relayed })
}

/// How long the relay waits for the runner to connect or answer.
const UPSTREAM: Duration = Duration::from_secs(30);

/// Relays the one request of `client`'s connection, counting it in
/// `relayed` once answered (before the connection ends).
fn relay(mut client: TcpStream, relayed: &AtomicUsize) {
    let _ = client.set_read_timeout(Some(server::IDLE));
    let _ = client.set_write_timeout(Some(server::IDLE));
    let _ = client.set_nodelay(true);
    let mut buf = Vec::new();
    let request = match server::read_request(&mut client, &mut buf) {
        Ok(Some(request)) => request,
        Ok(None) => return,
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            refuse(&mut client, 400, "a malformed request");
            server::close_after_answer(&mut client);
            return;
        }
        Err(_) => return,
    };
    match pass_on(&mut client, &buf, &request) {
        Ok(runner) => {
            if pass_back(runner, &mut client).is_ok() {
                relayed.fetch_add(1, Ordering::SeqCst);
            }
        }
        Err(Refusal(status, why)) => refuse(&mut client, status, &why),
    }
    server::close_after_answer(&mut client);
}

/// Why a request was not passed on: the status and reason to answer with.
struct Refusal(u16, String);

/// Sends `request` (and its body) to its origin over a new connection that
/// ends after the answer; that connection, to read the answer from.
fn pass_on(client: &mut TcpStream, buf: &[u8], request: &Request) -> Result<TcpStream, Refusal> {
    let (authority, path) = origin_form(&request.target)
        .ok_or_else(|| Refusal(400, format!("not an http:// URL: {}", request.target)))?;
    let upstream = loopback(authority).ok_or_else(|| {
        Refusal(
            403,
            format!("only loopback origins with a port are relayed: {authority}"),
        )
    })?;
    let body = match request.follows {
        Follows::Nothing => 0,
        Follows::Bytes(n) => n,
        Follows::Unknown => {
            return Err(Refusal(501, "a body of unknown length".into()));
        }
    };
    let unreachable = |e: io::Error| Refusal(502, format!("{authority}: {e}"));
    // Each address the name resolves to, in turn (`localhost`: ::1, then 127.0.0.1).
    let mut tried = Err(io::Error::from(io::ErrorKind::AddrNotAvailable));
    for addr in &upstream {
        tried = TcpStream::connect_timeout(addr, UPSTREAM);
        if tried.is_ok() {
            break;
        }
    }
    let mut runner = tried.map_err(unreachable)?;
    let _ = runner.set_read_timeout(Some(UPSTREAM));
    let _ = runner.set_write_timeout(Some(UPSTREAM));
    let _ = runner.set_nodelay(true);
    let mut head = format!("{} {path} HTTP/1.1\r\n", request.method);
    for (name, value) in request.headers.iter().filter(|(n, _)| !hop_by_hop(n)) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    let sent = (|| {
        runner.write_all(head.as_bytes())?;
        let held = buf.len().min(body as usize);
        runner.write_all(&buf[..held])?;
        let rest = body - held as u64;
        if io::copy(&mut (&mut *client).take(rest), &mut runner)? != rest {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        runner.flush()
    })();
    sent.map_err(unreachable)?;
    Ok(runner)
}

/// Passes the runner's answer back to the client: its head with
/// `Connection: close` (the relay ends the client's connection too), then
/// its body, to the end of the runner's connection.
fn pass_back(mut runner: TcpStream, client: &mut TcpStream) -> io::Result<()> {
    let mut buf = Vec::new();
    let (head, len) = loop {
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut slots);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let mut head = format!(
                    "HTTP/1.1 {} {}\r\n",
                    parsed.code.unwrap_or(502),
                    parsed.reason.unwrap_or("")
                );
                for h in parsed.headers.iter().filter(|h| !hop_by_hop(h.name)) {
                    head.push_str(h.name);
                    head.push_str(": ");
                    head.push_str(&String::from_utf8_lossy(h.value));
                    head.push_str("\r\n");
                }
                head.push_str("Connection: close\r\n\r\n");
                break (head, len);
            }
            Ok(httparse::Status::Partial) if buf.len() < server::MAX_HEAD => {}
            Ok(httparse::Status::Partial) | Err(_) => {
                refuse(client, 502, "the runner's answer was malformed");
                return Err(io::ErrorKind::InvalidData.into());
            }
        }
        let mut chunk = [0u8; 8192];
        match runner.read(&mut chunk) {
            Ok(0) | Err(_) => {
                refuse(client, 502, "the runner closed without an answer");
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let mut out = BufWriter::new(&mut *client);
    out.write_all(head.as_bytes())?;
    out.write_all(&buf[len..])?;
    io::copy(&mut runner, &mut out)?;
    out.flush()
}

/// Headers that describe one connection, not the request: not passed on.
fn hop_by_hop(name: &str) -> bool {
    [
        "Connection",
        "Keep-Alive",
        "Proxy-Connection",
        "Proxy-Authorization",
        "TE",
        "Upgrade",
    ]
    .iter()
    .any(|h| h.eq_ignore_ascii_case(name))
}

/// `http://host:port/path?query` → (`host:port`, `/path?query`).
fn origin_form(target: &str) -> Option<(&str, &str)> {
    let rest = target.strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    (!authority.is_empty()).then_some((authority, path))
}

/// The addresses of `authority` if it names a port on this machine's
/// loopback, and only there.
fn loopback(authority: &str) -> Option<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = authority.to_socket_addrs().ok()?.collect();
    (!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback())).then_some(addrs)
}

/// Answers `client` with a status and a one-line reason.
fn refuse(client: &mut TcpStream, status: u16, why: &str) {
    let body = format!("{status} spinlab relay: {why}\n");
    let _ = write!(
        client,
        "HTTP/1.1 {status} Relay\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::sync::Mutex;
    use std::thread;

    #[test]
    fn targets_become_origin_form_and_only_loopback_is_relayed() {
        assert_eq!(
            origin_form("http://127.0.0.1:8000/a/b?c=1"),
            Some(("127.0.0.1:8000", "/a/b?c=1"))
        );
        assert_eq!(
            origin_form("http://127.0.0.1:8000"),
            Some(("127.0.0.1:8000", "/"))
        );
        assert_eq!(origin_form("/a"), None);
        assert_eq!(origin_form("https://127.0.0.1:1/"), None);
        assert_eq!(origin_form("http:///a"), None);
        assert!(loopback("127.0.0.1:8000").is_some());
        assert!(loopback("[::1]:8000").is_some());
        assert!(loopback("10.1.2.3:80").is_none());
        // No port: not an address to connect to.
        assert!(loopback("127.0.0.1").is_none());
    }

    /// A stand-in for the runner: answers each connection's first request
    /// with what it received, then keeps the connection open unless the
    /// request asked it to close (as tiny_http does).
    fn echo_runner() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                let record = Arc::clone(&record);
                thread::spawn(move || {
                    let mut buf = Vec::new();
                    let Ok(Some(request)) = server::read_request(&mut stream, &mut buf) else {
                        return;
                    };
                    let mut body = vec![0u8; 0];
                    if let Follows::Bytes(n) = request.follows {
                        body = buf.clone();
                        let mut rest = vec![0u8; n as usize - body.len()];
                        stream.read_exact(&mut rest).unwrap();
                        body.extend(rest);
                    }
                    let said = format!(
                        "{} {} close={} body={}",
                        request.method,
                        request.target,
                        !request.keep_alive,
                        String::from_utf8_lossy(&body)
                    );
                    record.lock().unwrap().push(said.clone());
                    write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nCross-Origin-Opener-Policy: same-origin\r\nConnection: keep-alive\r\nContent-Length: {}\r\n\r\n{said}",
                        said.len()
                    )
                    .unwrap();
                    if request.keep_alive {
                        // A kept-alive connection the runner would hold.
                        thread::sleep(Duration::from_secs(60));
                    }
                });
            }
        });
        (addr, seen)
    }

    fn through(relay: &Relay, request: &str) -> String {
        let mut stream = TcpStream::connect(relay.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .expect("the relay closes after the answer");
        answer
    }

    #[test]
    fn a_request_reaches_the_runner_asking_to_close_and_its_answer_comes_back() {
        let (runner, seen) = echo_runner();
        let relay = start().unwrap();
        let answer = through(
            &relay,
            &format!(
                "POST http://{runner}/run?x=1 HTTP/1.1\r\nHost: {runner}\r\nProxy-Connection: keep-alive\r\nContent-Length: 5\r\n\r\nhello"
            ),
        );
        let said = "POST /run?x=1 close=true body=hello";
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with(said), "{answer}");
        // The runner's headers pass; its keep-alive is the relay's close.
        assert!(answer.contains("\r\nCross-Origin-Opener-Policy: same-origin\r\n"));
        assert!(answer.contains("\r\nConnection: close\r\n"));
        assert!(!answer.contains("keep-alive"), "{answer}");
        assert_eq!(*seen.lock().unwrap(), vec![said.to_string()]);
        assert_eq!(relay.relayed(), 1);
    }

    #[test]
    fn other_origins_and_bad_requests_are_refused_and_not_counted() {
        let relay = start().unwrap();
        let elsewhere = through(
            &relay,
            "GET http://10.1.2.3:80/ HTTP/1.1\r\nHost: 10.1.2.3\r\n\r\n",
        );
        assert!(elsewhere.starts_with("HTTP/1.1 403 "), "{elsewhere}");
        let origin_form = through(&relay, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(origin_form.starts_with("HTTP/1.1 400 "), "{origin_form}");
        // A port nobody listens on: a 502 that names it.
        let closed = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let gone = through(
            &relay,
            &format!("GET http://{closed}/ HTTP/1.1\r\nHost: {closed}\r\n\r\n"),
        );
        assert!(gone.starts_with("HTTP/1.1 502 "), "{gone}");
        assert!(gone.contains(&closed.to_string()), "{gone}");
        assert_eq!(relay.relayed(), 0);
    }

    /// What a page starting workers does: a burst of requests at once, each
    /// answered although the runner would keep every connection it is
    /// allowed to keep (it is asked to close each one).
    #[test]
    fn a_burst_through_the_relay_is_answered_in_full() {
        const CLIENTS: usize = 40;
        let (runner, seen) = echo_runner();
        let relay = Arc::new(start().unwrap());
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let relay = Arc::clone(&relay);
                thread::spawn(move || {
                    through(
                        &relay,
                        &format!("GET http://{runner}/w{i}.js HTTP/1.1\r\nHost: {runner}\r\n\r\n"),
                    )
                })
            })
            .collect();
        for (i, client) in clients.into_iter().enumerate() {
            let answer = client.join().unwrap();
            assert!(
                answer.ends_with(&format!("GET /w{i}.js close=true body=")),
                "{answer}"
            );
        }
        assert_eq!(seen.lock().unwrap().len(), CLIENTS);
        assert_eq!(relay.relayed(), CLIENTS);
    }
}
