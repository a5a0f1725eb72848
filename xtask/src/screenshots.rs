//! `./x screenshots`: the documentation's screenshots
//! (`tests/e2e/screenshots`), taken by `tests/e2e/screenshots.mjs` in
//! Chromium against the built page.

use std::process::Command;
use std::time::Duration;

use crate::build::build;
use crate::serve::serve_on_loopback;
use crate::tools::{CHROMIUM, ensure_chromium, ensure_node_packages};
use crate::{Result, bounded, root, server, step};

/// How long the screenshots may take, the page's build aside, before node
/// and its browser are killed.
const SCREENSHOTS_BOUND: Duration = Duration::from_secs(15 * 60);

/// Refreshes the documentation's screenshots: `tests/e2e/screenshots.mjs` against
/// the built page, writing into `tests/e2e/screenshots`. The tests write
/// theirs under `target/e2e-artifacts`, never over these.
pub fn screenshots() -> Result<()> {
    let e2e = root().join("tests/e2e");
    ensure_chromium()?;
    ensure_node_packages(&e2e)?;
    build()?;
    let server = serve_on_loopback(server::Isolation::On)?;
    let url = format!("http://{}/", server.addr);
    let out = e2e.join("screenshots");
    step(&format!(
        "the documentation's screenshots (node screenshots.mjs against {url})"
    ));
    bounded::run_checked(
        Command::new("node")
            .current_dir(&e2e)
            .arg("screenshots.mjs")
            .env("SPINLAB_URL", &url)
            .env("CHROMIUM", CHROMIUM)
            .env("SPINLAB_SCREENSHOTS", &out),
        "node screenshots.mjs",
        SCREENSHOTS_BOUND,
    )?;
    println!(
        "the documentation's screenshots are refreshed in {}",
        out.display()
    );
    Ok(())
}
