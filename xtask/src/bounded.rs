//! Commands with a time bound. A child runs in a process group of its own,
//! its output is echoed as it comes and kept, and when the bound passes the
//! whole group is killed (cargo and its test binaries, node and its
//! browsers): a hang fails, naming what hung, instead of running until CI
//! gives up.
//!
//! A group of its own is out of the terminal's reach: Ctrl-C interrupts
//! xtask's group only. So xtask passes SIGINT, SIGTERM and SIGHUP on to the
//! running command's group before ending as the signal would have ended it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Once;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crate::Result;

/// How many of its last lines a bounded command keeps to quote.
const TAIL_LINES: usize = 25;

/// Between SIGTERM and SIGKILL: time for node to close its browsers (which
/// playwright starts in groups of their own) and remove their profiles.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// The process group of the command running now (0: none), for
/// `pass_on`. Commands run one at a time.
static RUNNING: AtomicI32 = AtomicI32::new(0);

/// How a bounded command ended.
pub struct Ran {
    /// Its exit status; `None` when it ran out of time and its group was killed.
    pub status: Option<ExitStatus>,
    /// Its standard output, where the test runners print their counts.
    pub stdout: String,
    /// Its last lines, standard output and error as they came.
    tail: VecDeque<String>,
}

impl Ran {
    /// Its last lines, indented, to quote in a message.
    pub fn last_lines(&self) -> String {
        self.tail
            .iter()
            .map(|line| format!("    {line}\n"))
            .collect()
    }

    fn take(&mut self, stream: Stream, line: String) {
        match stream {
            Stream::Out => {
                println!("{line}");
                self.stdout.push_str(&line);
                self.stdout.push('\n');
            }
            Stream::Err => eprintln!("{line}"),
        }
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(line);
    }
}

#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
}

/// Runs `cmd` until it exits or `deadline` passes, echoing its standard
/// output and error line by line; at the deadline its whole process group
/// is killed. Fails only if it cannot be started.
pub fn run(cmd: &mut Command, what: &str, deadline: Instant) -> Result<Ran> {
    pass_signals_on();
    let mut child = cmd
        // Out of the terminal's foreground group, a read from it would stop
        // the command until its bound.
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("{what}: could not run {:?}: {e}", cmd.get_program()))?;
    RUNNING.store(group_of(&child), Ordering::SeqCst);
    let ran = watch(&mut child, what, deadline);
    RUNNING.store(0, Ordering::SeqCst);
    ran
}

/// Echoes and keeps `child`'s output until it exits or `deadline` passes.
fn watch(child: &mut Child, what: &str, deadline: Instant) -> Result<Ran> {
    let (lines, received) = mpsc::channel();
    forward(
        child.stdout.take().expect("piped"),
        Stream::Out,
        lines.clone(),
    );
    forward(child.stderr.take().expect("piped"), Stream::Err, lines);
    let mut ran = Ran {
        status: None,
        stdout: String::new(),
        tail: VecDeque::new(),
    };
    loop {
        match received.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((stream, line)) => ran.take(stream, line),
            // Both pipes closed: the command is done.
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                eprintln!("\n{what}: out of time; stopping it and every process it started");
                kill_group(child);
                // The group is gone, so its pipes close: keep its last words,
                // but never wait on a process that left the group.
                let grace = Instant::now() + KILL_GRACE;
                while let Ok((stream, line)) =
                    received.recv_timeout(grace.saturating_duration_since(Instant::now()))
                {
                    ran.take(stream, line);
                }
                let _ = child.wait();
                return Ok(ran);
            }
        }
    }
    ran.status = Some(child.wait().map_err(|e| format!("{what}: {e}"))?);
    Ok(ran)
}

/// Runs `cmd` within `bound`; fails, quoting its last lines, if it fails or
/// runs out of time.
pub fn run_checked(cmd: &mut Command, what: &str, bound: Duration) -> Result<()> {
    let ran = run(cmd, what, Instant::now() + bound)?;
    match ran.status {
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(format!(
            "{what} failed ({status}); its last lines:\n{}",
            ran.last_lines()
        )),
        None => Err(format!(
            "{what} ran out of its bound of {} and was killed; its last lines:\n{}",
            crate::span(bound),
            ran.last_lines()
        )),
    }
}

/// Sends each line of `from` to `to` until it closes. Invalid UTF-8 is
/// replaced rather than ending the stream.
fn forward(from: impl Read + Send + 'static, stream: Stream, to: Sender<(Stream, String)>) {
    thread::spawn(move || {
        let mut reader = BufReader::new(from);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
            let text = String::from_utf8_lossy(&line);
            if to
                .send((stream, text.trim_end_matches(['\n', '\r']).to_string()))
                .is_err()
            {
                break;
            }
            line.clear();
        }
    });
}

/// The id of the group `child` leads (`process_group(0)`).
fn group_of(child: &Child) -> libc::pid_t {
    libc::pid_t::try_from(child.id()).expect("a process id is a pid_t")
}

/// Ends `child`'s process group: SIGTERM, a grace to clean up, then SIGKILL.
/// The leader is not reaped before the SIGKILL, so the group's id cannot be
/// reused meanwhile.
fn kill_group(child: &Child) {
    let group = group_of(child);
    // SAFETY: killpg only sends a signal, to the group this child leads.
    unsafe { libc::killpg(group, libc::SIGTERM) };
    thread::sleep(KILL_GRACE);
    // SAFETY: as above.
    unsafe { libc::killpg(group, libc::SIGKILL) };
}

/// Installs `pass_on` for SIGINT, SIGTERM and SIGHUP, once.
fn pass_signals_on() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let handler = pass_on as extern "C" fn(libc::c_int);
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: the handler calls only async-signal-safe functions.
            unsafe { libc::signal(signal, handler as libc::sighandler_t) };
        }
    });
}

/// Sends `signal` on to the running command's group, then ends xtask as
/// `signal` would have, had it not been caught.
extern "C" fn pass_on(signal: libc::c_int) {
    let group = RUNNING.load(Ordering::SeqCst);
    // SAFETY: killpg, signal and raise are async-signal-safe.
    unsafe {
        if group > 0 {
            libc::killpg(group, signal);
        }
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        cmd
    }

    #[test]
    fn keeps_standard_output_and_quotes_both_streams() {
        let ran = run(
            &mut sh("echo one; echo two >&2; echo three"),
            "sh",
            Instant::now() + Duration::from_secs(60),
        )
        .unwrap();
        assert!(ran.status.is_some_and(|s| s.success()));
        assert_eq!(ran.stdout, "one\nthree\n");
        let quoted = ran.last_lines();
        for line in ["    one\n", "    two\n", "    three\n"] {
            assert!(quoted.contains(line), "{line:?} missing from {quoted:?}");
        }
    }

    #[test]
    fn keeps_only_the_last_lines() {
        let ran = run(
            &mut sh("seq 1 100"),
            "seq",
            Instant::now() + Duration::from_secs(60),
        )
        .unwrap();
        assert_eq!(ran.tail.len(), TAIL_LINES);
        assert_eq!(ran.tail.front().map(String::as_str), Some("76"));
        assert_eq!(ran.tail.back().map(String::as_str), Some("100"));
    }

    #[test]
    fn reports_a_failing_exit() {
        let ran = run(
            &mut sh("echo why >&2; exit 3"),
            "sh",
            Instant::now() + Duration::from_secs(60),
        )
        .unwrap();
        assert_eq!(ran.status.and_then(|s| s.code()), Some(3));
        let err = run_checked(
            &mut sh("echo why >&2; exit 3"),
            "sh",
            Duration::from_secs(60),
        )
        .unwrap_err();
        assert!(err.starts_with("sh failed (exit status: 3)"), "{err}");
        assert!(err.contains("    why\n"), "{err}");
    }

    /// A hung command and the process it started are both killed at the
    /// bound, and its output up to then is kept.
    #[test]
    fn kills_a_hung_command_and_its_children_at_the_deadline() {
        let t0 = Instant::now();
        let ran = run(
            &mut sh("sleep 600 & echo $!; echo waiting >&2; wait"),
            "sh",
            t0 + Duration::from_millis(500),
        )
        .unwrap();
        assert!(ran.status.is_none(), "it ran out of time");
        assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", t0.elapsed());
        assert!(ran.last_lines().contains("    waiting\n"));
        let sleeper = ran.stdout.trim();
        // Gone, or a zombie left for init to reap: not running.
        let state = fs::read_to_string(format!("/proc/{sleeper}/stat")).unwrap_or_default();
        let running = state
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'));
        assert!(!running, "the child sleep {sleeper} survived: {state}");
    }

    #[test]
    fn a_timeout_names_the_command_and_its_bound() {
        let err = run_checked(
            &mut sh("echo stuck here; sleep 600"),
            "the sleeper",
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(
            err.starts_with("the sleeper ran out of its bound of 0.3 s and was killed"),
            "{err}"
        );
        assert!(err.contains("    stuck here\n"), "{err}");
    }
}
