//! A layer of `./x test` and its verdict: the counts read from its runners'
//! closing lines (cargo's and the wasm-bindgen test runner's `test result:`,
//! node's TAP `# pass N`), what went wrong that the counts do not show, and
//! the summary that prints every layer and fails naming the failed ones.

use std::time::Duration;

use crate::{Result, bounded, span};

/// A layer's tally, summed over its runners' closing lines.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counts {
    pub passed: u32,
    pub failed: u32,
    /// Skipped, todo, cancelled or ignored: tests that did not run.
    pub skipped: u32,
}

/// The counts in cargo's and the wasm-bindgen test runner's
/// `test result: … N passed; M failed; K ignored …` lines, and in node's
/// closing `# pass N`, `# fail N`, `# skipped N`, `# todo N`,
/// `# cancelled N` (TAP reporter; `ℹ pass N` and so on from the spec reporter).
fn count_results(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines().map(str::trim) {
        if line.starts_with("test result:") {
            counts.passed += number_before(line, "passed");
            counts.failed += number_before(line, "failed");
            counts.skipped += number_before(line, "ignored");
        } else if let Some((key, n)) = node_count(line) {
            match key {
                "pass" => counts.passed += n,
                "fail" => counts.failed += n,
                "skipped" | "todo" | "cancelled" => counts.skipped += n,
                _ => {}
            }
        }
    }
    counts
}

/// In `test result: ok. 16 passed; 0 failed; …`, the number before `word`.
fn number_before(line: &str, word: &str) -> u32 {
    let words: Vec<&str> = line
        .split([' ', ';', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .find(|w| w[1] == word)
        .and_then(|w| w[0].parse().ok())
        .unwrap_or(0)
}

/// One of node's closing counts: `# pass 4` (TAP) or `ℹ pass 4` (spec).
fn node_count(line: &str) -> Option<(&str, u32)> {
    let (key, n) = line
        .strip_prefix("# ")
        .or_else(|| line.strip_prefix("ℹ "))?
        .split_once(' ')?;
    Some((key, n.trim().parse().ok()?))
}

/// One layer of `./x test`: what its runners counted, the fewest passed
/// tests it must reach, and what went wrong that the counts do not show.
pub struct Layer {
    pub name: &'static str,
    pub counts: Counts,
    minimum: u32,
    /// Tests this layer declares it skips (a browser without a feature the
    /// test needs, each saying why in the test); any other skip fails it.
    pub declared_skips: u32,
    /// A command that failed with no failing test counted, or ran out of time.
    pub trouble: Vec<String>,
    /// How long its commands ran (the summary prints it).
    pub took: Duration,
}

impl Layer {
    pub fn new(name: &'static str, minimum: u32) -> Layer {
        Layer {
            name,
            counts: Counts::default(),
            minimum,
            declared_skips: 0,
            trouble: Vec::new(),
            took: Duration::ZERO,
        }
    }

    /// A layer run by one bounded command, counted from its output.
    pub fn of_run(
        name: &'static str,
        minimum: u32,
        what: &str,
        bound: Duration,
        ran: &bounded::Ran,
    ) -> Layer {
        let mut layer = Layer::new(name, minimum);
        layer.counts = count_results(&ran.stdout);
        layer.took = ran.took;
        match ran.status {
            None => layer.ran_out(what, bound, ran),
            Some(status) if !status.success() && layer.counts.failed == 0 => {
                layer.trouble.push(format!(
                    "{what} failed ({status}) with no failing test counted; its last lines:\n{}",
                    ran.last_lines()
                ))
            }
            Some(_) => {}
        }
        layer
    }

    /// Records that `what` ran out of the layer's bound and was killed. Its
    /// last lines show where it stood: libtest prints "test X has been
    /// running for over 60 seconds", node each test as it ends.
    pub fn ran_out(&mut self, what: &str, bound: Duration, ran: &bounded::Ran) {
        self.trouble.push(format!(
            "the {} layer ran out of its bound of {} in {what}, which was killed with its process group; its last lines:\n{}",
            self.name,
            span(bound),
            ran.last_lines()
        ));
    }

    /// Why the layer failed; empty when it passed. A test that did not run
    /// fails it too, and so do fewer tests than its minimum, unless trouble
    /// already explains the missing ones.
    fn problems(&self) -> Vec<String> {
        let Counts {
            passed,
            failed,
            skipped,
        } = self.counts;
        let mut why = self.trouble.clone();
        if failed > 0 {
            why.push(format!("{failed} failed"));
        }
        if skipped != self.declared_skips {
            why.push(format!(
                "{skipped} skipped, todo, cancelled or ignored ({} declared for this browser): \
                 every other test must run, so the layer fails",
                self.declared_skips
            ));
        }
        if self.trouble.is_empty() && passed + failed + skipped < self.minimum {
            why.push(format!(
                "{passed} passed, expected at least {}: a test file was lost or renamed?",
                self.minimum
            ));
        }
        why
    }
}

/// Prints each layer's counts and verdict, with the reasons of a failure
/// under it; fails naming the layers that failed.
pub fn summarize(layers: &[Layer], took: Duration) -> Result<()> {
    println!("\n==> summary ({:.0} s)", took.as_secs_f64());
    let mut total = Counts::default();
    let mut bad = Vec::new();
    for layer in layers {
        let Counts {
            passed,
            failed,
            skipped,
        } = layer.counts;
        let problems = layer.problems();
        let verdict = if problems.is_empty() { "ok" } else { "FAILED" };
        println!(
            "  {:<42} {passed:>4} passed {failed:>3} failed {skipped:>3} skipped  {:>7}  {verdict}",
            layer.name,
            span(layer.took)
        );
        for problem in &problems {
            println!("      {}", problem.trim_end().replace('\n', "\n      "));
        }
        if !problems.is_empty() {
            bad.push(layer.name);
        }
        total.passed += passed;
        total.failed += failed;
        total.skipped += skipped;
    }
    println!(
        "total: {} passed, {} failed, {} skipped",
        total.passed, total.failed, total.skipped
    );
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("tests failed in: {}", bad.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;
    use std::time::Instant;

    use super::*;
    use crate::test::NATIVE_BOUND;

    #[test]
    fn counts_cargo_results_with_ignored_tests() {
        let cargo = "\
     Running unittests src/lib.rs (target/debug/deps/spinlab-0f3c)

running 16 tests
test primes::tests::fixture ... ok
test primes::tests::slow ... ignored
test result: ok. 15 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 2.00s

     Running tests/bench.rs (target/debug/deps/bench-9a1e)

running 5 tests
test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

   Doc-tests spinlab

running 0 tests

test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";
        assert_eq!(
            count_results(cargo),
            Counts {
                passed: 18,
                failed: 2,
                skipped: 1
            }
        );
    }

    #[test]
    fn counts_wasm_bindgen_test_runner_results() {
        let wasm = "\
Running headless tests in Chrome on `http://127.0.0.1:41207/`
Try find `webdriver.json` for configure browser's capabilities:
Load from `tests/webdriver.json`
running 14 tests
test web::pool_runs_in_parallel ... ok
test web::needs_a_second_core ... ignored

test result: ok. 13 passed; 0 failed; 1 ignored; 0 filtered out; finished in 6.51s
";
        assert_eq!(
            count_results(wasm),
            Counts {
                passed: 13,
                failed: 0,
                skipped: 1
            }
        );
    }

    #[test]
    fn counts_node_tap_results_with_skips_todos_and_cancelled() {
        let tap = "\
TAP version 13
# Subtest: the smoke experiment
ok 1 - the smoke experiment
  ---
  duration_ms: 812.5
  ...
# Subtest: scales onto two cores
ok 2 - scales onto two cores # SKIP only 1 core here
not ok 3 - stops at once # TODO
1..3
# tests 57
# suites 4
# pass 50
# fail 1
# cancelled 2
# skipped 3
# todo 1
# duration_ms 93412.7
";
        assert_eq!(
            count_results(tap),
            Counts {
                passed: 50,
                failed: 1,
                skipped: 6
            }
        );
        let spec = "ℹ tests 5\nℹ pass 3\nℹ fail 0\nℹ cancelled 0\nℹ skipped 1\nℹ todo 1\n";
        assert_eq!(
            count_results(spec),
            Counts {
                passed: 3,
                failed: 0,
                skipped: 2
            }
        );
        assert_eq!(count_results("nothing here"), Counts::default());
    }

    fn layer(passed: u32, failed: u32, skipped: u32) -> Layer {
        Layer {
            counts: Counts {
                passed,
                failed,
                skipped,
            },
            ..Layer::new("native (cargo test)", 68)
        }
    }

    #[test]
    fn a_layer_passes_with_every_test_run_and_enough_of_them() {
        assert!(layer(68, 0, 0).problems().is_empty());
        assert!(layer(70, 0, 0).problems().is_empty());
    }

    #[test]
    fn a_skipped_test_fails_the_layer_saying_how_many() {
        assert_eq!(
            layer(70, 0, 2).problems(),
            [
                "2 skipped, todo, cancelled or ignored (0 declared for this browser): every \
                 other test must run, so the layer fails"
            ]
        );
        // A layer may skip what it declares, and no more.
        let mut declared = layer(70, 0, 2);
        declared.declared_skips = 2;
        assert!(declared.problems().is_empty());
        declared.declared_skips = 1;
        assert_eq!(declared.problems().len(), 1);
        declared.declared_skips = 3;
        assert_eq!(
            declared.problems().len(),
            1,
            "fewer skips than declared: a cancelled test hides there"
        );
    }

    #[test]
    fn fewer_tests_than_the_minimum_fail_the_layer() {
        assert_eq!(
            layer(60, 0, 0).problems(),
            ["60 passed, expected at least 68: a test file was lost or renamed?"]
        );
        // Failures account for tests that did not pass: nothing was lost.
        assert_eq!(layer(66, 2, 0).problems(), ["2 failed"]);
    }

    #[test]
    fn trouble_fails_the_layer_without_blaming_lost_tests() {
        let mut hung = layer(12, 0, 0);
        hung.ran_out("cargo test --workspace", NATIVE_BOUND, &hung_run());
        let problems = hung.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with(
                "the native (cargo test) layer ran out of its bound of 15 min in cargo test --workspace"
            ),
            "{}",
            problems[0]
        );
        assert!(
            problems[0].contains("test slow has been running for over 60 seconds"),
            "{}",
            problems[0]
        );
        let summary = summarize(&[hung, layer(68, 0, 0)], Duration::ZERO);
        assert_eq!(summary, Err("tests failed in: native (cargo test)".into()));
    }

    /// A command that hung after printing libtest's warning, cut short.
    fn hung_run() -> bounded::Ran {
        bounded::run(
            Command::new("sh").args([
                "-c",
                "echo 'test slow has been running for over 60 seconds'; sleep 600",
            ]),
            "sh",
            Instant::now() + Duration::from_millis(300),
        )
        .unwrap()
    }
}
