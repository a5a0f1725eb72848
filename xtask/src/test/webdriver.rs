//! The wasm layer's WebDriver capabilities: the project's
//! `tests/webdriver.json`, with the browser told to reach the test runner's
//! server through the relay (`relay.rs`), and for WebKitGTK, MiniBrowser
//! named as the browser.

use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::Result;
use crate::tools::MINIBROWSER;

/// `tests/webdriver.json` for WebKitGTK: MiniBrowser (its automation mode)
/// as the browser, and the W3C `proxy` capability pointing at `relay`.
pub fn webkit_capabilities(project: &str, relay: SocketAddr) -> Result<String> {
    let mut caps: Value = serde_json::from_str(project)
        .map_err(|e| format!("tests/webdriver.json is not JSON: {e}"))?;
    let object = caps
        .as_object_mut()
        .ok_or("tests/webdriver.json is not a JSON object")?;
    object.insert("browserName".into(), json!("MiniBrowser"));
    object.insert(
        "webkitgtk:browserOptions".into(),
        json!({ "binary": MINIBROWSER, "args": ["--automation"] }),
    );
    object.insert(
        "proxy".into(),
        json!({ "proxyType": "manual", "httpProxy": relay.to_string(), "noProxy": [] }),
    );
    Ok(serde_json::to_string_pretty(&caps).expect("JSON"))
}

/// `tests/webdriver.json` with the browsers told to reach every address,
/// loopback included, through the proxy at `relay`: Chrome by its
/// `--proxy-server` (`<-loopback>` takes loopback off its bypass list),
/// Firefox by its preferences (`allow_hijacking_localhost` likewise).
pub fn relayed_capabilities(project: &str, relay: SocketAddr) -> Result<String> {
    let mut caps: Value = serde_json::from_str(project)
        .map_err(|e| format!("tests/webdriver.json is not JSON: {e}"))?;
    let chrome = member(&mut caps, "goog:chromeOptions", json!({}))?;
    member(chrome, "args", json!([]))?
        .as_array_mut()
        .ok_or("tests/webdriver.json: goog:chromeOptions.args is not a list")?
        .extend([
            json!(format!("--proxy-server=http://{relay}")),
            json!("--proxy-bypass-list=<-loopback>"),
        ]);
    let firefox = member(&mut caps, "moz:firefoxOptions", json!({}))?;
    let prefs = member(firefox, "prefs", json!({}))?
        .as_object_mut()
        .ok_or("tests/webdriver.json: moz:firefoxOptions.prefs is not an object")?;
    for (name, value) in [
        ("network.proxy.type", json!(1)),
        ("network.proxy.http", json!(relay.ip().to_string())),
        ("network.proxy.http_port", json!(relay.port())),
        ("network.proxy.no_proxies_on", json!("")),
        ("network.proxy.allow_hijacking_localhost", json!(true)),
        // A `localhost` reached through a proxy stays a secure context.
        (
            "network.proxy.testing_localhost_is_secure_when_hijacked",
            json!(true),
        ),
    ] {
        prefs.insert(name.into(), value);
    }
    Ok(serde_json::to_string_pretty(&caps).expect("JSON"))
}

/// `parent[key]`, made `empty` if missing; `parent` must be an object.
fn member<'a>(parent: &'a mut Value, key: &str, empty: Value) -> Result<&'a mut Value> {
    Ok(parent
        .as_object_mut()
        .ok_or(format!(
            "tests/webdriver.json: what holds \"{key}\" is not an object"
        ))?
        .entry(key)
        .or_insert(empty))
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::root;
    use crate::tools::FIREFOX;

    #[test]
    fn the_wasm_layers_browsers_are_sent_through_the_relay() {
        let relay: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        let project = fs::read_to_string(root().join("tests/webdriver.json")).unwrap();
        let caps: serde_json::Value =
            serde_json::from_str(&relayed_capabilities(&project, relay).unwrap()).unwrap();
        let args = caps["goog:chromeOptions"]["args"].as_array().unwrap();
        // The project's own flags stay, the proxy's are added.
        assert!(args.contains(&"--disable-gpu".into()), "{args:?}");
        assert!(args.contains(&"--proxy-server=http://127.0.0.1:4321".into()));
        assert!(args.contains(&"--proxy-bypass-list=<-loopback>".into()));
        let firefox = &caps["moz:firefoxOptions"];
        assert_eq!(firefox["binary"], FIREFOX);
        assert_eq!(firefox["prefs"]["network.proxy.type"], 1);
        assert_eq!(firefox["prefs"]["network.proxy.http"], "127.0.0.1");
        assert_eq!(firefox["prefs"]["network.proxy.http_port"], 4321);
        assert_eq!(
            firefox["prefs"]["network.proxy.allow_hijacking_localhost"],
            true
        );
        // From nothing, the same settings; from what is not an object, a refusal.
        let bare: serde_json::Value =
            serde_json::from_str(&relayed_capabilities("{}", relay).unwrap()).unwrap();
        assert_eq!(
            bare["goog:chromeOptions"]["args"].as_array().unwrap().len(),
            2
        );
        assert!(relayed_capabilities("[]", relay).is_err());
        assert!(relayed_capabilities(r#"{"goog:chromeOptions": 1}"#, relay).is_err());
        assert!(relayed_capabilities(r#"{"moz:firefoxOptions": {"prefs": 1}}"#, relay).is_err());
    }

    #[test]
    fn webkit_is_told_its_browser_and_the_relay() {
        let relay: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        let project = fs::read_to_string(root().join("tests/webdriver.json")).unwrap();
        let caps: serde_json::Value =
            serde_json::from_str(&webkit_capabilities(&project, relay).unwrap()).unwrap();
        assert_eq!(caps["browserName"], "MiniBrowser");
        assert_eq!(caps["webkitgtk:browserOptions"]["binary"], MINIBROWSER);
        assert_eq!(caps["webkitgtk:browserOptions"]["args"][0], "--automation");
        assert_eq!(caps["proxy"]["proxyType"], "manual");
        assert_eq!(caps["proxy"]["httpProxy"], "127.0.0.1:4321");
        // The project's settings for the other two stay (WebKit ignores them).
        assert_eq!(caps["moz:firefoxOptions"]["binary"], FIREFOX);
        assert!(webkit_capabilities("[]", relay).is_err());
    }
}
