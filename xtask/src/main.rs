//! spinlab's build tool: `cargo xtask serve | build | test | bench | screenshots`
//! (via `./x`).
//!
//! One way to do each thing. It installs what a package manager can install
//! (wasm-bindgen-cli at the crate's pinned version, wasm-pack, the end-to-end
//! test's npm packages, and, as root on Debian, Chromium and its driver) and
//! otherwise stops with the exact command to run.
//!
//! This file holds the command line and the few helpers every command uses;
//! one module a command (`serve`, `build`, `test`, `bench`, `screenshots`),
//! and beside them what they share: `tools` (installing), `bounded`
//! (commands with a time bound), `server` (the HTTP server), `dist` (the
//! deployable folder), `relay` (the wasm tests' proxy).

mod bench;
mod bounded;
mod build;
mod dist;
mod relay;
mod screenshots;
mod serve;
mod server;
mod test;
mod tools;

use std::env;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::test::Only;

type Result<T> = std::result::Result<T, String>;

/// spinlab's build tool: `./x <command>` (or `cargo xtask <command>`)
// The usage lines spell out every flag, so that a refusal, which prints
// them, lists the valid ones: keep them in step with the flags.
#[derive(Debug, Parser)]
#[command(
    name = "./x",
    bin_name = "./x",
    override_usage = "./x serve [--port N] [--host H]\n       \
                      ./x build [--dist DIR]\n       \
                      ./x test [--only LAYER]\n       \
                      ./x bench [--quick]\n       \
                      ./x screenshots"
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, PartialEq, Subcommand)]
enum Task {
    /// Build the page and serve www/ (default 127.0.0.1:8000)
    #[command(override_usage = "./x serve [--port N] [--host H]")]
    Serve {
        /// The port to listen on
        #[arg(long, value_name = "N", env = "SPINLAB_PORT", default_value_t = 8000)]
        port: u16,
        /// The address to listen on (browsers isolate plain http:// on loopback only)
        #[arg(long, value_name = "H", default_value = "127.0.0.1")]
        host: IpAddr,
    },
    /// Build the wasm (release) and its bindings into www/pkg
    #[command(override_usage = "./x build [--dist DIR]")]
    Build {
        /// Also write the page as a folder any static host can serve:
        /// content-hashed assets, _headers, serve.json, the isolation shim on
        /// (docs/deploying.md)
        #[arg(long, value_name = "DIR")]
        dist: Option<PathBuf>,
    },
    /// Run every test: lint, native, wasm in headless Chrome, end-to-end
    #[command(override_usage = "./x test [--only LAYER] [--under-load]")]
    Test {
        /// Run one layer only (while working on it; CI runs them all).
        /// (e2e-webkit: the end-to-end layer in WebKitGTK alone)
        #[arg(long, value_enum, value_name = "LAYER")]
        only: Option<Only>,
        /// Keep one core busy with a process started and stopped here, to
        /// check that the suite holds on a busy machine
        #[arg(long)]
        under_load: bool,
    },
    /// Measure spinlab against native Rust and CPython (see docs/performance.md)
    #[command(override_usage = "./x bench [--quick]")]
    Bench {
        /// 3 runs a figure, a ≈1 s prime, no CPython fixture run; writes
        /// target/bench/results-quick.json only
        #[arg(long)]
        quick: bool,
    },
    /// Refresh the documentation's screenshots (tests/e2e/screenshots)
    #[command(override_usage = "./x screenshots")]
    Screenshots,
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Task::Serve { port, host } => serve::serve(SocketAddr::new(host, port)),
        Task::Build { dist: None } => build::build().map(drop),
        Task::Build { dist: Some(dir) } => build::build_dist(&invoked_from().join(dir)).map(drop),
        Task::Test { only, under_load } => test::test(only, under_load),
        Task::Bench { quick } => bench::bench(quick),
        Task::Screenshots => screenshots::screenshots(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(message),
    }
}

fn fail(message: String) -> ExitCode {
    eprintln!("\nerror: {message}");
    ExitCode::FAILURE
}

/// The repository root (this crate sits in `xtask/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the repository")
        .to_path_buf()
}

/// The folder `./x` was run from (it changes to the repository root first):
/// where a relative path on its command line starts.
fn invoked_from() -> PathBuf {
    env::var_os("SPINLAB_INVOKED_FROM")
        .map(PathBuf::from)
        .unwrap_or_else(|| env::current_dir().unwrap_or_else(|_| root()))
}

/// A step's heading in the output: `==> what`, after a blank line.
fn step(what: &str) {
    println!("\n==> {what}");
}

/// The cargo that runs xtask (`$CARGO`), else `cargo` on PATH.
fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// A duration as the messages say it: whole minutes, or seconds.
fn span(d: Duration) -> String {
    if d.as_secs() >= 60 && d.as_secs().is_multiple_of(60) {
        format!("{} min", d.as_secs() / 60)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> std::result::Result<Task, clap::Error> {
        Cli::try_parse_from(std::iter::once("./x").chain(args.iter().copied())).map(|c| c.command)
    }

    /// The error's text as printed, without its colours.
    fn refusal(args: &[&str]) -> String {
        parse(args).expect_err("refused").render().to_string()
    }

    #[test]
    fn an_unknown_flag_is_refused_by_name() {
        let message = refusal(&["build", "--bogus"]);
        assert!(message.contains("--bogus"), "{message}");
        assert!(message.contains("Usage: ./x build"), "{message}");
    }

    #[test]
    fn a_misspelled_flag_is_refused_with_the_right_one() {
        let message = refusal(&["serve", "--prot", "9000"]);
        assert!(message.contains("'--prot'"), "{message}");
        assert!(
            message.contains("Usage: ./x serve [--port N] [--host H]"),
            "{message}"
        );
    }

    #[test]
    fn serve_takes_a_port_and_a_host() {
        let Ok(Task::Serve { port, .. }) = parse(&["serve", "--port", "9000"]) else {
            panic!("serve --port 9000 parses");
        };
        assert_eq!(port, 9000);
        let Ok(Task::Serve { host, .. }) = parse(&["serve", "--host", "::1"]) else {
            panic!("serve --host ::1 parses");
        };
        assert_eq!(host, IpAddr::from(std::net::Ipv6Addr::LOCALHOST));
        assert!(refusal(&["serve", "--port", "70000"]).contains("70000"));
        assert!(refusal(&["serve", "--host", "localhost:1"]).contains("localhost:1"));
    }

    #[test]
    fn build_takes_a_dist_folder() {
        assert_eq!(parse(&["build"]).unwrap(), Task::Build { dist: None });
        assert_eq!(
            parse(&["build", "--dist", "site"]).unwrap(),
            Task::Build {
                dist: Some(PathBuf::from("site"))
            }
        );
        assert!(refusal(&["build", "--dist"]).contains("--dist"));
    }

    #[test]
    fn bench_takes_quick() {
        assert_eq!(
            parse(&["bench", "--quick"]).unwrap(),
            Task::Bench { quick: true }
        );
        assert_eq!(parse(&["bench"]).unwrap(), Task::Bench { quick: false });
        let message = refusal(&["bench", "--qiuck"]);
        assert!(message.contains("'--qiuck'"), "{message}");
        assert!(message.contains("Usage: ./x bench [--quick]"), "{message}");
    }

    #[test]
    fn test_runs_every_layer_or_the_one_named() {
        assert_eq!(
            parse(&["test"]).unwrap(),
            Task::Test {
                only: None,
                under_load: false
            }
        );
        assert_eq!(
            parse(&["test", "--only", "wasm"]).unwrap(),
            Task::Test {
                only: Some(Only::Wasm),
                under_load: false
            }
        );
        assert_eq!(
            parse(&["test", "--under-load"]).unwrap(),
            Task::Test {
                only: None,
                under_load: true
            }
        );
        assert_eq!(
            parse(&["test", "--only", "e2e-webkit"]).unwrap(),
            Task::Test {
                only: Some(Only::E2eWebkit),
                under_load: false
            }
        );
        let message = refusal(&["test", "--only", "browser"]);
        assert!(message.contains("'browser'"), "{message}");
        assert!(
            message.contains("lint, native, wasm, e2e, e2e-webkit"),
            "{message}"
        );
    }

    #[test]
    fn an_extra_argument_is_refused() {
        let message = refusal(&["test", "extra"]);
        assert!(message.contains("extra"), "{message}");
        assert_eq!(parse(&["screenshots"]).unwrap(), Task::Screenshots);
    }

    #[test]
    fn an_unknown_or_missing_command_is_refused_and_help_lists_them() {
        let message = refusal(&["tset"]);
        assert!(message.contains("'tset'"), "{message}");
        for usage in [
            "./x serve [--port N] [--host H]",
            "./x bench [--quick]",
            "./x screenshots",
        ] {
            assert!(message.contains(usage), "{usage} missing from {message}");
        }
        assert!(parse(&[]).is_err());
        let help = parse(&["--help"]).expect_err("help is printed, not run");
        assert_eq!(help.kind(), ErrorKind::DisplayHelp);
        let help = help.render().to_string();
        for command in ["serve", "build", "test", "bench", "screenshots"] {
            assert!(help.contains(command), "{command} missing from {help}");
        }
    }

    #[test]
    fn spans_read_in_minutes_or_seconds() {
        assert_eq!(span(Duration::from_secs(30 * 60)), "30 min");
        assert_eq!(span(Duration::from_millis(300)), "0.3 s");
        assert_eq!(span(Duration::from_secs(90)), "90.0 s");
    }
}
