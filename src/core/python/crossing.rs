//! The big picture lab's crossing program: a payload to a process and back
//! (pickled through a pipe, or only a shared block's name), or to a thread
//! (the same object). Written for this page after the opening of chapter 19
//! ("The Big Picture": processes share nothing, threads share memory); the
//! book has no such script. It prints the lab's transcript line
//! (`crossing::crossing_line`). The text is `crossing.py` beside this file,
//! a Python file as it is (its step markers are comments).

use super::program::Program;

pub const CROSSING_FILE: &str = "crossing.py";

/// The listing: one program for the three ways.
pub fn crossing_program() -> Program {
    Program {
        file: CROSSING_FILE,
        text: include_str!("crossing.py").to_string(),
    }
}
