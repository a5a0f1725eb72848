//! The errors run's programs, one per unit: the same work raises, and each
//! shows where the error goes. Written for this page after chapter 19's big
//! picture (results and errors come back only through a channel); the book
//! has no such script. Run as they are, each prints what the page's
//! transcript shows (`errors::traceback`), with the real paths.

use super::program::{Program, runnable};
use crate::core::errors::{ErrorsModel, SourceLines};

const WORK: &str = "\
def work() -> float:
    return 1 / 0
";

/// The listing for `model`.
pub fn errors_program(model: ErrorsModel) -> Program {
    let file = model.file();
    let (imports, main) = match model {
        ErrorsModel::Thread => (
            "from threading import Thread",
            "def main() -> None:
# step: start
    unit = Thread(target=work)
    unit.start()
# step: stop
    unit.join()  # returns normally: the error stayed in the thread
# step:
",
        ),
        ErrorsModel::Process => (
            "from multiprocessing import Process",
            "def main() -> None:
# step: start
    unit = Process(target=work)
    unit.start()
# step: stop
    unit.join()  # returns normally; the parent sees only unit.exitcode == 1
# step:
",
        ),
        ErrorsModel::Coroutine => (
            "import asyncio\nimport traceback",
            "async def main() -> None:
# step: start
    try:
        await work()  # the exception rises here, in the caller
# step: stop
    except ZeroDivisionError:
        traceback.print_exc()
# step:
",
        ),
    };
    let work = if model == ErrorsModel::Coroutine {
        format!("async {WORK}")
    } else {
        WORK.to_string()
    };
    let run = if model == ErrorsModel::Coroutine {
        "asyncio.run(main())"
    } else {
        "main()"
    };
    Program {
        file,
        text: format!(
            "\"\"\"{file}: written for spinlab after Fluent Python, 2nd ed., chapter 19,
\"The Big Picture\": a unit's result, and the error it meets, come back only
through a channel. Run it: python3 {file}\"\"\"

{imports}


# step: slow
{work}# step:


{main}

if __name__ == '__main__':
    {run}
"
        ),
    }
}

/// Where the listing's lines are, for its traceback.
pub fn errors_lines(model: ErrorsModel) -> SourceLines {
    let text = runnable(&errors_program(model).text);
    SourceLines {
        work: super::line_of(&text, "return 1 / 0").unwrap_or(0),
        await_work: super::line_of(&text, "await work()").unwrap_or(0),
    }
}
