//! A program the page shows: its file name, its text with the step
//! markers the code panel reads, and the runnable file without them.

/// One downloadable program: its file name and its text, step markers
/// included (the panel reads them; [`runnable`] is what a learner runs).
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub file: &'static str,
    pub text: String,
}

impl Program {
    /// The file as a learner downloads it: no step markers.
    pub fn runnable(&self) -> String {
        runnable(&self.text)
    }
}

/// The line marking the start of a step.
pub const STEP_MARKER: &str = "# step:";

/// `text` without its step markers.
pub fn runnable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if !line.trim_start().starts_with(STEP_MARKER) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The 1-based line of the runnable text that starts with `prefix` (after
/// its indentation): where Python says a function is, as in
/// `coro=<spin() running at spinner_async.py:21>`.
pub fn line_of(runnable: &str, prefix: &str) -> Option<usize> {
    runnable
        .lines()
        .position(|line| line.trim_start().starts_with(prefix))
        .map(|i| i + 1)
}
