//! `./x build --dist DIR`: the page as a folder any static host can serve.
//!
//! ```text
//! DIR/index.html            the page, pointing into v/<hash>/; the isolation shim on
//! DIR/isolation-shim.js     the service worker, at a fixed URL (browsers update it in place)
//! DIR/_headers              COOP/COEP/CORP and caching, Netlify / Cloudflare Pages form
//! DIR/serve.json            the same, for the `serve` package
//! DIR/.nojekyll             GitHub Pages: publish the folder as it is
//! DIR/v/<hash>/…            main.js, style.css, favicon.svg, pkg/ (glue, module, snippets, listings)
//! ```
//!
//! `<hash>` is the SHA-256 of everything under `v/<hash>/` (names and bytes),
//! so a redeploy that changes any of it changes every URL the page loads:
//! a browser holding the old `index.html` gets the old set or a 404, never
//! old glue with a new module. Inside the folder the files keep their
//! relative names, so wasm-bindgen's imports need no rewriting.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

type Result<T> = std::result::Result<T, String>;

/// Files that stay at the top: the page (its URL is the site's) and the
/// service worker (its URL must not change, or a new one is registered).
const TOP: [&str; 2] = ["index.html", "isolation-shim.js"];

/// Written into the folder so that a rebuild may clear it, and nothing else is.
const MARKER: &str = ".spinlab-dist";

/// What `index.html` links to, rewritten to the hashed folder.
const LINKS: [&str; 3] = [
    r#"href="favicon.svg""#,
    r#"href="style.css""#,
    r#"src="main.js""#,
];

/// Turns the isolation shim on: a header-less host gets threads after one reload.
const SHIM_ON: &str = r#"<meta name="spinlab-isolation-shim" content="auto">"#;

/// The headers that make a page cross-origin isolated (COOP, COEP) and let
/// its own files load under COEP (CORP): the dist build's `_headers` and
/// the development server's.
pub const ISOLATION_HEADERS: [(&str, &str); 3] = [
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Embedder-Policy", "require-corp"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
];

/// The page's content security policy: only its own scripts, workers, styles
/// and module. `'wasm-unsafe-eval'` lets it compile its wasm module (nothing
/// else is evaluated). Workers: `'self'` and `blob:`, because two
/// dependencies start theirs from a blob URL the page makes itself:
/// wasm-bindgen-rayon's `no-bundler` helpers (a fetch of their own script,
/// so that a script hosted elsewhere can start them) and
/// wasm-bindgen-futures' `Atomics.waitAsync` polyfill (a browser without
/// it); a blob URL is of the page's own origin, and only the page's own
/// scripts (`script-src 'self'`) can make one. No inline script, no
/// `style` attribute (the page sets widths through the CSSOM).
pub const CONTENT_SECURITY_POLICY: (&str, &str) = (
    "Content-Security-Policy",
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
);

/// The headers a host should send, as `(path pattern, [(name, value)])`.
/// Every response: cross-origin isolation. The hashed folder: cached for a
/// year (its names change with its bytes). The page: asked for every time.
pub fn header_rules() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "/*",
            [
                &ISOLATION_HEADERS[..],
                &[
                    ("X-Content-Type-Options", "nosniff"),
                    CONTENT_SECURITY_POLICY,
                ],
            ]
            .concat(),
        ),
        (
            "/v/*",
            vec![("Cache-Control", "public, max-age=31536000, immutable")],
        ),
        ("/", vec![("Cache-Control", "no-cache")]),
        ("/index.html", vec![("Cache-Control", "no-cache")]),
        ("/isolation-shim.js", vec![("Cache-Control", "no-cache")]),
    ]
}

/// `_headers` (Netlify, Cloudflare Pages): a path pattern, then its headers indented.
pub fn headers_file() -> String {
    let mut out = String::from(
        "# spinlab: the headers that make the page cross-origin isolated (wasm threads),\n\
         # its content security policy, and caching: v/<hash>/ changes name whenever\n\
         # its content changes.\n",
    );
    for (pattern, headers) in header_rules() {
        out.push_str(pattern);
        out.push('\n');
        for (name, value) in headers {
            out.push_str(&format!("  {name}: {value}\n"));
        }
    }
    out
}

/// `serve.json` (the `serve` package, `npx serve DIR`): globs relative to the folder.
fn serve_json() -> String {
    let rules: Vec<serde_json::Value> = header_rules()
        .into_iter()
        .map(|(pattern, headers)| {
            let source = match pattern {
                "/*" => "**".to_string(),
                "/" => "/".to_string(),
                p => p.trim_start_matches('/').replace('*', "**"),
            };
            let headers: Vec<serde_json::Value> = headers
                .into_iter()
                .map(|(key, value)| serde_json::json!({ "key": key, "value": value }))
                .collect();
            serde_json::json!({ "source": source, "headers": headers })
        })
        .collect();
    let json = serde_json::json!({ "cleanUrls": false, "headers": rules });
    serde_json::to_string_pretty(&json).expect("plain JSON") + "\n"
}

/// Every file under `dir`, as paths relative to it, sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let entries =
            fs::read_dir(dir.join(&rel)).map_err(|e| format!("reading {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
            let name = entry.file_name();
            let path = rel.join(&name);
            let kind = entry.file_type().map_err(|e| e.to_string())?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The SHA-256 of `files` under `dir` (each name, its length and its bytes),
/// as the first 16 hex digits.
fn content_hash(dir: &Path, files: &[PathBuf]) -> Result<String> {
    let mut hash = Sha256::new();
    for file in files {
        let bytes =
            fs::read(dir.join(file)).map_err(|e| format!("reading {}: {e}", file.display()))?;
        let name = file.to_string_lossy().replace('\\', "/");
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    let digest = hash.finalize();
    Ok(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

/// `index.html` pointing into `v/<hash>/`, with the isolation shim on.
fn rewrite_index(html: &str, hash: &str) -> Result<String> {
    let mut out = html.to_string();
    for link in LINKS {
        let (attr, target) = link.split_once('=').expect("attr=\"target\"");
        let hashed = format!(r#"{attr}="v/{hash}/{}"#, target.trim_start_matches('"'));
        match out.matches(link).count() {
            1 => out = out.replace(link, &hashed),
            n => {
                return Err(format!(
                    "www/index.html has {link} {n} times, not once: update LINKS in xtask/src/dist.rs"
                ));
            }
        }
    }
    if out.contains(r#"name="spinlab-isolation-shim""#) {
        return Err(
            "www/index.html already has a spinlab-isolation-shim meta: the dist build adds it"
                .into(),
        );
    }
    let charset = r#"<meta charset="utf-8">"#;
    if !out.contains(charset) {
        return Err(format!(
            "www/index.html has no {charset} to put the shim's meta after"
        ));
    }
    Ok(out.replacen(charset, &format!("{charset}\n  {SHIM_ON}"), 1))
}

/// Empties `dist` if it is a previous dist folder, creates it if missing,
/// refuses anything else that is not empty.
fn prepare(dist: &Path) -> Result<()> {
    if dist.exists() {
        let mut entries = fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))?;
        if entries.next().is_some() {
            if !dist.join(MARKER).is_file() {
                return Err(format!(
                    "{} is not empty and is not a folder ./x build --dist wrote: choose a new or empty folder",
                    dist.display()
                ));
            }
            fs::remove_dir_all(dist).map_err(|e| format!("clearing {}: {e}", dist.display()))?;
        }
    }
    fs::create_dir_all(dist).map_err(|e| format!("creating {}: {e}", dist.display()))
}

/// What [`write`] wrote.
pub struct Written {
    /// `v/<hash>`, the folder the page loads everything else from.
    pub bundle: String,
    pub files: usize,
    pub bytes: u64,
}

/// Writes the static site for `www` (already built) into `dist`.
pub fn write(www: &Path, dist: &Path) -> Result<Written> {
    let all = files_under(www)?;
    for top in TOP {
        if !all.iter().any(|f| f == Path::new(top)) {
            return Err(format!("{} has no {top}: build first", www.display()));
        }
    }
    let bundled: Vec<PathBuf> = all
        .into_iter()
        .filter(|f| !TOP.iter().any(|top| f == Path::new(top)))
        .collect();
    let hash = content_hash(www, &bundled)?;
    let html = fs::read_to_string(www.join("index.html"))
        .map_err(|e| format!("reading www/index.html: {e}"))?;
    let index = rewrite_index(&html, &hash)?;
    prepare(dist)?;

    let bundle = format!("v/{hash}");
    let mut bytes = 0;
    let mut copy = |from: &Path, to: &Path| -> Result<()> {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        bytes += fs::copy(from, to).map_err(|e| format!("copying {}: {e}", from.display()))?;
        Ok(())
    };
    for file in &bundled {
        copy(&www.join(file), &dist.join(&bundle).join(file))?;
    }
    copy(
        &www.join("isolation-shim.js"),
        &dist.join("isolation-shim.js"),
    )?;
    let written = [
        ("index.html", index),
        ("_headers", headers_file()),
        ("serve.json", serve_json()),
        (".nojekyll", String::new()),
        (
            MARKER,
            "Written by ./x build --dist: a rebuild clears this folder.\n".into(),
        ),
    ];
    for (name, text) in &written {
        fs::write(dist.join(name), text).map_err(|e| format!("writing {name}: {e}"))?;
        bytes += text.len() as u64;
    }
    Ok(Written {
        bundle,
        files: bundled.len() + 1 + written.len(),
        bytes,
    })
}

/// One `_headers` rule: a path pattern (`*` matches any run of characters)
/// and the headers it adds.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub pattern: String,
    pub headers: Vec<(String, String)>,
}

/// Reads a `_headers` file (Netlify / Cloudflare Pages form): a line at the
/// margin is a path pattern, indented `Name: value` lines are its headers,
/// `#` starts a comment.
pub fn parse_headers(text: &str) -> Result<Vec<Rule>> {
    let mut rules: Vec<Rule> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let content = line.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            rules.push(Rule {
                pattern: content.to_string(),
                headers: Vec::new(),
            });
            continue;
        }
        let (name, value) = content
            .split_once(':')
            .ok_or_else(|| format!("_headers line {}: expected `Name: value`", n + 1))?;
        let rule = rules
            .last_mut()
            .ok_or_else(|| format!("_headers line {}: a header before any path", n + 1))?;
        rule.headers
            .push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(rules)
}

/// Whether `path` (a URL's path) matches `pattern` (`*`: any run of characters).
pub fn matches(pattern: &str, path: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == path,
        Some((head, rest)) => {
            let Some(tail) = path.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| matches(rest, &tail[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("spinlab-dist-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A built `www/` in miniature.
    fn www(base: &Path, module: &[u8]) -> PathBuf {
        let www = base.join("www");
        fs::create_dir_all(www.join("pkg/snippets/x")).unwrap();
        fs::write(
            www.join("index.html"),
            "<head>\n  <meta charset=\"utf-8\">\n  <link rel=\"icon\" href=\"favicon.svg\">\n  \
             <link rel=\"stylesheet\" href=\"style.css\">\n  <script type=\"module\" src=\"main.js\"></script>\n\
             </head><a href=\"?lab=spinner\">x</a>",
        )
        .unwrap();
        for name in ["isolation-shim.js", "main.js", "style.css", "favicon.svg"] {
            fs::write(www.join(name), name).unwrap();
        }
        fs::write(www.join("pkg/spinlab.js"), "glue").unwrap();
        fs::write(www.join("pkg/spinlab_bg.wasm"), module).unwrap();
        fs::write(www.join("pkg/snippets/x/thread.js"), "thread").unwrap();
        www
    }

    #[test]
    fn the_page_loads_everything_from_a_folder_named_by_its_content() {
        let base = scratch("layout");
        let www = www(&base, b"module one");
        let dist = base.join("dist");
        let written = write(&www, &dist).unwrap();
        let index = fs::read_to_string(dist.join("index.html")).unwrap();
        let b = &written.bundle;
        assert!(b.starts_with("v/") && b.len() == 18, "{b}");
        for link in [
            format!("href=\"{b}/favicon.svg\""),
            format!("href=\"{b}/style.css\""),
            format!("src=\"{b}/main.js\""),
        ] {
            assert!(index.contains(&link), "{link} in {index}");
        }
        assert!(index.contains(SHIM_ON), "the shim is on in the dist build");
        assert!(
            index.contains("href=\"?lab=spinner\""),
            "links stay relative"
        );
        for file in [
            "main.js",
            "style.css",
            "favicon.svg",
            "pkg/spinlab.js",
            "pkg/spinlab_bg.wasm",
            "pkg/snippets/x/thread.js",
        ] {
            let copied = fs::read(dist.join(b).join(file)).unwrap();
            assert_eq!(copied, fs::read(www.join(file)).unwrap(), "{file}");
        }
        for top in ["isolation-shim.js", "_headers", "serve.json", ".nojekyll"] {
            assert!(dist.join(top).is_file(), "{top}");
        }
        assert!(!dist.join(b).join("index.html").exists());
        assert!(!dist.join(b).join("isolation-shim.js").exists());
        fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_changed_module_changes_the_folder_and_the_same_bytes_keep_it() {
        let base = scratch("hash");
        let one = write(&www(&base, b"module one"), &base.join("a"))
            .unwrap()
            .bundle;
        let again = write(&www(&base, b"module one"), &base.join("b"))
            .unwrap()
            .bundle;
        let two = write(&www(&base, b"module two"), &base.join("c"))
            .unwrap()
            .bundle;
        assert_eq!(one, again);
        assert_ne!(one, two);
        // The page is not in the bundle: its words may change without a new folder.
        let www = www(&base, b"module one");
        let html = fs::read_to_string(www.join("index.html")).unwrap();
        fs::write(www.join("index.html"), html + "<p>more</p>").unwrap();
        assert_eq!(write(&www, &base.join("d")).unwrap().bundle, one);
        fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_rebuild_clears_its_own_folder_and_refuses_any_other() {
        let base = scratch("clear");
        let dist = base.join("dist");
        let first = write(&www(&base, b"one"), &dist).unwrap().bundle;
        let second = write(&www(&base, b"two"), &dist).unwrap().bundle;
        assert!(!dist.join(first).exists(), "the old bundle is gone");
        assert!(dist.join(second).is_dir());
        let other = base.join("other");
        fs::create_dir_all(&other).unwrap();
        fs::write(other.join("notes.txt"), "mine").unwrap();
        let refused = write(&www(&base, b"two"), &other).err().unwrap();
        assert!(refused.contains("not empty"), "{refused}");
        assert_eq!(fs::read_to_string(other.join("notes.txt")).unwrap(), "mine");
        fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn an_index_of_another_shape_is_refused_naming_the_link() {
        let html = "<meta charset=\"utf-8\"><script src=\"main.js\"></script>";
        let refused = rewrite_index(html, "abc").err().unwrap();
        assert!(refused.contains("favicon.svg"), "{refused}");
    }

    #[test]
    fn the_headers_file_reads_back_as_the_rules_and_serve_json_says_the_same() {
        let rules = parse_headers(&headers_file()).unwrap();
        let expected: Vec<Rule> = header_rules()
            .into_iter()
            .map(|(pattern, headers)| Rule {
                pattern: pattern.into(),
                headers: headers
                    .into_iter()
                    .map(|(n, v)| (n.into(), v.into()))
                    .collect(),
            })
            .collect();
        assert_eq!(rules, expected);
        let json: serde_json::Value = serde_json::from_str(&serve_json()).unwrap();
        let all = &json["headers"][0];
        assert_eq!(all["source"], "**");
        assert_eq!(all["headers"][1]["key"], "Cross-Origin-Embedder-Policy");
        assert_eq!(all["headers"][1]["value"], "require-corp");
        assert_eq!(json["headers"][1]["source"], "v/**");
    }

    #[test]
    fn header_patterns_match_like_a_host() {
        assert!(matches("/*", "/"));
        assert!(matches("/*", "/v/abc/pkg/spinlab.js"));
        assert!(matches("/v/*", "/v/abc/main.js"));
        assert!(!matches("/v/*", "/index.html"));
        assert!(matches("/", "/"));
        assert!(!matches("/", "/index.html"));
        assert!(matches("/*.js", "/isolation-shim.js"));
        assert!(!matches("/*.js", "/style.css"));
    }

    #[test]
    fn a_header_without_a_path_or_a_colon_is_refused_with_its_line() {
        assert!(parse_headers("  X: y\n").err().unwrap().contains("line 1"));
        assert!(
            parse_headers("/*\n  nonsense\n")
                .err()
                .unwrap()
                .contains("line 2")
        );
    }
}
