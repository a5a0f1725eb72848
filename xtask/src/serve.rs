//! `./x serve [--port N] [--host H]`, and the page served for the tests,
//! the screenshots and the benchmark: `www/` on a free loopback port
//! (isolated or not), the deployable site as a host that applies its
//! `_headers` would serve it, and the same site by a plain static server
//! (`python3 -m http.server`) that sends no headers of ours. The HTTP
//! server itself is `server.rs`.

use std::fs;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::build::build;
use crate::{Result, dist, root, server};

/// Builds the page and serves `www/` at `addr` until Ctrl-C.
pub fn serve(addr: SocketAddr) -> Result<()> {
    build()?;
    let handle = server::start(&root().join("www"), addr, server::Isolation::On)
        .map_err(|e| e.to_string())?;
    println!(
        "\nspinlab is served at http://{}/  (Ctrl-C stops it)",
        handle.addr
    );
    if !handle.addr.ip().is_loopback() {
        println!(
            "note: listening beyond loopback; browsers only isolate http:// pages on localhost, use https elsewhere"
        );
    }
    handle.wait();
    Ok(())
}

/// Serves `www/` on a free loopback port, for the browsers of the tests, the
/// screenshots and the benchmark.
pub fn serve_on_loopback(isolation: server::Isolation) -> Result<server::Handle> {
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    server::start(&root().join("www"), loopback, isolation).map_err(|e| e.to_string())
}

/// Writes the deployable site (the built page) to `site` and serves it on a
/// free loopback port as a host that applies its `_headers` would: isolated,
/// the hashed assets `immutable`. For the tests and the benchmark.
pub fn serve_dist(site: &Path) -> Result<(server::Handle, dist::Written)> {
    let written = dist::write(&root().join("www"), site)?;
    let headers = fs::read_to_string(site.join("_headers"))
        .map_err(|e| format!("reading {}/_headers: {e}", site.display()))?;
    let server = server::start(
        site,
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        server::Isolation::Rules(std::sync::Arc::new(dist::parse_headers(&headers)?)),
    )
    .map_err(|e| e.to_string())?;
    Ok((server, written))
}

/// `python3 -m http.server` serving `dir`: a plain static server that sends
/// no headers of ours, as a host that cannot send them (GitHub Pages, say).
/// Stopped when dropped.
pub struct PlainServer {
    child: std::process::Child,
    pub url: String,
}

impl Drop for PlainServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn python_http_server(python: &Path, dir: &Path) -> Result<PlainServer> {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(python)
        .args([
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("starting python3 -m http.server: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let mut server = PlainServer {
        child,
        url: String::new(),
    };
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "python3 -m http.server said nothing in 30 s".to_string())?;
    let url = line
        .split_once("(http://")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(addr, _)| format!("http://{addr}"))
        .ok_or_else(|| format!("python3 -m http.server did not say where it serves: {line:?}"))?;
    server.url = url;
    Ok(server)
}
