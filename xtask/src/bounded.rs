//! Commands with a time bound. A child runs in a process group of its own,
//! its output is echoed as it comes and kept, and when the bound passes the
//! whole group is killed (cargo and its test binaries, node): a hang fails,
//! naming what hung, instead of running until CI gives up. Playwright starts
//! its browsers in groups of their own, out of reach of that kill: node's
//! test runner closes the browsers it launched when it is terminated, which
//! is why the group gets SIGTERM and a grace before SIGKILL.
//!
//! The output is echoed by the threads that read it, so a slow or closed
//! standard output (`./x test | head`) holds up only the echo, never the
//! deadline; write errors are ignored. However `run` ends, a panic included,
//! a command still running has its group killed.
//!
//! A group of its own is out of the terminal's reach: Ctrl-C interrupts
//! xtask's group only. So xtask passes SIGINT, SIGTERM and SIGHUP on to the
//! running command's group, gives it a grace to end, kills the group, and
//! ends as the signal would have ended it. A signal ignored when xtask
//! started (`nohup ./x test`) stays ignored.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::thread;
use std::time::{Duration, Instant};
use std::{mem, ptr};

use crate::Result;

/// How many of its last lines a bounded command keeps to quote.
const TAIL_LINES: usize = 25;

/// Between SIGTERM and SIGKILL: time for node to close its browsers (which
/// playwright starts in groups of their own) and remove their profiles.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// How long the output may stay open once the command has exited or been
/// killed: a process that left the group, or outlived the command, may
/// hold it open for ever.
const PIPE_GRACE: Duration = Duration::from_secs(5);

/// How often the command's exit and the deadline are checked.
const POLL: Duration = Duration::from_millis(20);

/// Whether output is echoed as it comes, and xtask's notes on it printed.
/// Not in xtask's own tests: the test harness captures `print!`, not writes
/// to the standard output and error.
const ECHO: bool = !cfg!(test);

/// The process group of the command running now (0: none), for
/// `pass_on`. Commands run one at a time.
static RUNNING: AtomicI32 = AtomicI32::new(0);

/// Set by `pass_on`: xtask is ending, start nothing and reap nothing.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// How a bounded command ended.
#[derive(Default)]
pub struct Ran {
    /// Its exit status; `None` when it ran out of time and its group was killed.
    pub status: Option<ExitStatus>,
    /// Its standard output, where the test runners print their counts.
    pub stdout: String,
    /// Its last lines, standard output and error as they came.
    tail: VecDeque<String>,
    /// From its start to its end (or its kill).
    pub took: Duration,
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
        if let Stream::Out = stream {
            self.stdout.push_str(&line);
            self.stdout.push('\n');
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
/// is killed. Fails only if it cannot be started or waited for.
pub fn run(cmd: &mut Command, what: &str, deadline: Instant) -> Result<Ran> {
    pass_signals_on();
    halt_if_stopping();
    let child = cmd
        // Out of the terminal's foreground group, a read from it would stop
        // the command until its bound.
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("{what}: could not run {:?}: {e}", cmd.get_program()))?;
    let mut running = Running {
        child,
        reaped: false,
    };
    RUNNING.store(running.group(), Ordering::SeqCst);
    if STOPPING.load(Ordering::SeqCst) {
        // A signal came as it started, perhaps unseen by `pass_on`.
        running.signal(libc::SIGKILL);
        halt_if_stopping();
    }
    watch(&mut running, what, deadline)
}

/// Keeps `running`'s output, as threads echo it, until it exits or
/// `deadline` passes.
fn watch(running: &mut Running, what: &str, deadline: Instant) -> Result<Ran> {
    let started = Instant::now();
    let kept = Arc::new(Mutex::new(Ran::default()));
    // Never sent on: it disconnects when both pipes have closed.
    let (closing, closed) = mpsc::channel();
    let child = &mut running.child;
    echo(
        child.stdout.take().expect("piped"),
        Stream::Out,
        &kept,
        closing.clone(),
    );
    echo(
        child.stderr.take().expect("piped"),
        Stream::Err,
        &kept,
        closing,
    );
    let ran = |status| {
        let mut ran = mem::take(&mut *kept.lock().unwrap_or_else(PoisonError::into_inner));
        ran.status = status;
        ran.took = started.elapsed();
        ran
    };
    let mut pipes_open = true;
    let mut exited_at = None;
    loop {
        let wait = POLL.min(deadline.saturating_duration_since(Instant::now()));
        if pipes_open {
            pipes_open = closed.recv_timeout(wait) != Err(RecvTimeoutError::Disconnected);
        } else {
            thread::sleep(wait);
        }
        if exited_at.is_none() && running.has_exited() {
            exited_at = Some(Instant::now());
        }
        if let Some(at) = exited_at {
            if pipes_open && at.elapsed() < PIPE_GRACE {
                continue;
            }
            if pipes_open {
                say(&format!(
                    "{what} exited, but processes it started still hold its output: killing its process group"
                ));
                running.signal(libc::SIGKILL);
            }
            let status = running.reap().map_err(|e| format!("{what}: {e}"))?;
            return Ok(ran(Some(status)));
        }
        if Instant::now() >= deadline {
            running.signal(libc::SIGTERM);
            say(&format!("{what}: out of time; stopping its process group"));
            thread::sleep(KILL_GRACE);
            // Not reaped before this, so the group's id is still its own.
            running.signal(libc::SIGKILL);
            // Its last words, unless a process outside the group holds its output.
            let _ = closed.recv_timeout(PIPE_GRACE);
            let _ = running.reap();
            return Ok(ran(None));
        }
    }
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

/// A message of xtask's own on the standard error, which may be closed.
fn say(message: &str) {
    if ECHO {
        let _ = writeln!(io::stderr().lock(), "\n{message}");
    }
}

/// Echoes each line of `from` and keeps it in `kept`, until it closes; then
/// drops `closing`. Invalid UTF-8 is replaced rather than ending the stream.
fn echo(
    from: impl Read + Send + 'static,
    stream: Stream,
    kept: &Arc<Mutex<Ran>>,
    closing: Sender<()>,
) {
    let kept = Arc::clone(kept);
    thread::spawn(move || {
        let _closing = closing;
        let mut reader = BufReader::new(from);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
            let text = String::from_utf8_lossy(&line)
                .trim_end_matches(['\n', '\r'])
                .to_string();
            if ECHO {
                // A closed or full standard output must not end or stop xtask.
                let _ = match stream {
                    Stream::Out => writeln!(io::stdout().lock(), "{text}"),
                    Stream::Err => writeln!(io::stderr().lock(), "{text}"),
                };
            }
            kept.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(stream, text);
            line.clear();
        }
    });
}

/// The command running now. However `run` ends, a panic included, it is
/// reaped on the way out, and its group killed first if it was not yet.
struct Running {
    child: Child,
    reaped: bool,
}

impl Running {
    /// The id of the group it leads (`process_group(0)`).
    fn group(&self) -> libc::pid_t {
        libc::pid_t::try_from(self.child.id()).expect("a process id is a pid_t")
    }

    /// Whether it has exited. It is not reaped, so the group's id stays its own.
    fn has_exited(&self) -> bool {
        has_exited(self.group())
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: killpg only sends a signal, to the group this child leads.
        unsafe { libc::killpg(self.group(), signal) };
    }

    /// Reaps it, once it has exited or been killed; never while `pass_on`
    /// may still signal its group.
    fn reap(&mut self) -> io::Result<ExitStatus> {
        RUNNING.store(0, Ordering::SeqCst);
        halt_if_stopping();
        self.reaped = true;
        self.child.wait()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.reaped {
            self.signal(libc::SIGKILL);
            let _ = self.reap();
        }
    }
}

/// Whether the process `pid` has exited (or was reaped), leaving it unreaped.
/// Async-signal-safe.
fn has_exited(pid: libc::pid_t) -> bool {
    // SAFETY: waitid with WNOWAIT only reads the child's state into `info`.
    unsafe {
        let mut info: libc::siginfo_t = mem::zeroed();
        let id = libc::id_t::try_from(pid).unwrap_or(0);
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        libc::waitid(libc::P_PID, id, &mut info, flags) != 0 || info.si_pid() != 0
    }
}

/// Once a signal is being passed on, waits for `pass_on` to end xtask.
fn halt_if_stopping() {
    while STOPPING.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_secs(1));
    }
}

/// Installs `pass_on` for SIGINT, SIGTERM and SIGHUP, once.
fn pass_signals_on() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            pass_on_unless_ignored(signal);
        }
    });
}

/// Installs `pass_on` for `signal`, unless it is ignored (`nohup`, a
/// background job): then it stays ignored, for xtask and its commands.
fn pass_on_unless_ignored(signal: libc::c_int) {
    if disposition(signal) != libc::SIG_IGN {
        let handler = pass_on as extern "C" fn(libc::c_int);
        // SAFETY: the handler calls only async-signal-safe functions.
        unsafe { libc::signal(signal, handler as libc::sighandler_t) };
    }
}

/// What `signal` does now: `SIG_DFL`, `SIG_IGN` or a handler.
fn disposition(signal: libc::c_int) -> libc::sighandler_t {
    // SAFETY: sigaction with no new action only writes the current one into `now`.
    unsafe {
        let mut now: libc::sigaction = mem::zeroed();
        libc::sigaction(signal, ptr::null(), &mut now);
        now.sa_sigaction
    }
}

/// Sends `signal` on to the running command's group, waits up to
/// `KILL_GRACE` for the command to end, kills what is left of its group, then
/// ends xtask as `signal` would have, had it not been caught.
extern "C" fn pass_on(signal: libc::c_int) {
    STOPPING.store(true, Ordering::SeqCst);
    let group = RUNNING.load(Ordering::SeqCst);
    // SAFETY: killpg, waitid, poll, signal and raise are async-signal-safe.
    unsafe {
        if group > 0 {
            libc::killpg(group, signal);
            for _ in 0..KILL_GRACE.as_millis() / 100 {
                if has_exited(group) {
                    break;
                }
                // A sleep of 100 ms.
                libc::poll(ptr::null_mut(), 0, 100);
            }
            // Unreaped (`watch` halts first), so the group's id is still its own.
            libc::killpg(group, libc::SIGKILL);
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

    /// Whether process `pid` still runs, within a few seconds: gone, or a
    /// zombie left for init to reap, is not running.
    fn still_runs(pid: u32) -> bool {
        let runs = || {
            let state = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            state
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| !rest.starts_with('Z'))
        };
        let until = Instant::now() + Duration::from_secs(5);
        while runs() && Instant::now() < until {
            thread::sleep(Duration::from_millis(50));
        }
        runs()
    }

    /// The pid a command printed first.
    fn pid_in(ran: &Ran) -> u32 {
        let first = ran.stdout.lines().next().unwrap_or_default();
        first
            .parse()
            .unwrap_or_else(|e| panic!("no pid in {:?}: {e}", ran.stdout))
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
        // Hang detection, not a speed claim.
        assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", t0.elapsed());
        assert!(ran.last_lines().contains("    waiting\n"));
        let sleeper = pid_in(&ran);
        assert!(!still_runs(sleeper), "the child sleep {sleeper} survived");
    }

    /// A process that outlives the command and keeps its output open does
    /// not turn its exit into running out: after a grace the command's own
    /// status is reported, and the leftover killed.
    #[test]
    fn reports_the_exit_of_a_command_whose_child_holds_its_output() {
        let t0 = Instant::now();
        let ran = run(
            &mut sh("sleep 600 & echo $!; exit 4"),
            "sh",
            t0 + Duration::from_secs(120),
        )
        .unwrap();
        assert_eq!(ran.status.and_then(|s| s.code()), Some(4));
        // Hang detection, not a speed claim.
        assert!(t0.elapsed() < Duration::from_secs(60), "{:?}", t0.elapsed());
        let sleeper = pid_in(&ran);
        assert!(
            !still_runs(sleeper),
            "the left-over sleep {sleeper} survived"
        );
    }

    /// However `run` ends, a panic included, a command still running is
    /// killed with its group.
    #[test]
    fn a_command_still_running_is_killed_when_dropped() {
        let child = sh("sleep 600 & sleep 600")
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let pid = child.id();
        drop(Running {
            child,
            reaped: false,
        });
        assert!(!still_runs(pid), "sh {pid} survived");
    }

    /// `nohup`: a signal ignored at start stays ignored; others are passed on.
    #[test]
    fn a_signal_ignored_at_start_stays_ignored() {
        let handler = pass_on as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: SIGUSR1 and SIGUSR2 are sent to no test.
        unsafe { libc::signal(libc::SIGUSR2, libc::SIG_IGN) };
        pass_on_unless_ignored(libc::SIGUSR2);
        assert_eq!(disposition(libc::SIGUSR2), libc::SIG_IGN);
        pass_on_unless_ignored(libc::SIGUSR1);
        assert_eq!(disposition(libc::SIGUSR1), handler);
        // SAFETY: as above.
        unsafe {
            libc::signal(libc::SIGUSR1, libc::SIG_DFL);
            libc::signal(libc::SIGUSR2, libc::SIG_DFL);
        }
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
