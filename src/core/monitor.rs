//! The event-loop monitor's bookkeeping: which samples saw the main thread's
//! heartbeat advance, and where it stalled for a long task (≥ 50 ms). Pure.

use std::collections::VecDeque;

/// A main-thread gap this long is a long task (the browser's own threshold).
pub const LONG_TASK_MS: f64 = 50.0;

/// How much history the strip shows.
pub const WINDOW_MS: f64 = 10_000.0;

/// The runs a stall can be named after: a run's code is its index here + 1
/// (0: no run was going on).
pub const RUNS: [&str; 8] = [
    "thread",
    "thread-gil",
    "process",
    "coroutine",
    "coroutine-nap",
    "coroutine-offload",
    "pool",
    "bench",
];

/// A run's code for [`RUNS`] (0 for a name not listed).
pub fn run_code(name: &str) -> u32 {
    RUNS.iter()
        .position(|r| *r == name)
        .map_or(0, |i| i as u32 + 1)
}

/// A stretch with no heartbeat: `end` is `None` while it lasts; `run` the
/// code of the run going on when it began.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stall {
    pub start: f64,
    pub end: Option<f64>,
    pub run: u32,
}

impl Stall {
    pub fn duration(&self, now: f64) -> f64 {
        self.end.unwrap_or(now) - self.start
    }

    /// Its label on the strip: the run's name, if any, and how long.
    pub fn label(&self, now: f64) -> String {
        let ms = self.duration(now);
        let length = if ms >= 1000.0 {
            format!("{:.1} s", ms / 1000.0)
        } else {
            format!("{ms:.0} ms")
        };
        let length = if self.end.is_none() {
            format!("frozen {length}")
        } else {
            length
        };
        match RUNS.get((self.run as usize).wrapping_sub(1)) {
            Some(run) => format!("{run}: {length}"),
            None => length,
        }
    }
}

/// Where labels go without overlapping: each wants to start at its `x` and
/// is `width` wide, within `0..limit`; the longest stalls are placed first
/// (`weight`), and a label that would overlap one placed is left out.
/// Returns each label's x, or `None`.
pub fn place_labels(wanted: &[(f64, f64, f64)], limit: f64, gap: f64) -> Vec<Option<f64>> {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by(|&a, &b| wanted[b].2.total_cmp(&wanted[a].2));
    let mut placed: Vec<(f64, f64)> = Vec::new();
    let mut out = vec![None; wanted.len()];
    for i in order {
        let (x, width, _) = wanted[i];
        let x = x.min(limit - width).max(0.0);
        if placed
            .iter()
            .all(|&(a, b)| x + width + gap <= a || x >= b + gap)
        {
            placed.push((x, x + width));
            out[i] = Some(x);
        }
    }
    out
}

/// The last [`WINDOW_MS`] of samples. Times are epoch milliseconds.
#[derive(Debug, Default)]
pub struct Strip {
    /// `(time, the heartbeat advanced since the previous sample)`.
    pub samples: VecDeque<(f64, bool)>,
    pub stalls: VecDeque<Stall>,
    last_beat: f64,
}

impl Strip {
    /// Records a sample taken at `now`, when the latest heartbeat was at
    /// `beat`, while the run coded `run` went on.
    pub fn sample(&mut self, now: f64, beat: f64, run: u32) {
        let advanced = beat > self.last_beat;
        if advanced {
            if self.last_beat > 0.0 && beat - self.last_beat >= LONG_TASK_MS {
                match self.stalls.back_mut() {
                    Some(open) if open.end.is_none() => open.end = Some(beat),
                    _ => self.stalls.push_back(Stall {
                        start: self.last_beat,
                        end: Some(beat),
                        run,
                    }),
                }
            }
            self.last_beat = beat;
        } else if self.last_beat > 0.0
            && now - self.last_beat >= LONG_TASK_MS
            && self.stalls.back().is_none_or(|s| s.end.is_some())
        {
            self.stalls.push_back(Stall {
                start: self.last_beat,
                end: None,
                run,
            });
        }
        self.samples.push_back((now, advanced));
        let horizon = now - WINDOW_MS;
        while self.samples.front().is_some_and(|(t, _)| *t < horizon) {
            self.samples.pop_front();
        }
        while self
            .stalls
            .front()
            .is_some_and(|s| s.end.is_some_and(|e| e < horizon))
        {
            self.stalls.pop_front();
        }
    }

    /// The stall going on now, if any.
    pub fn current_stall(&self) -> Option<&Stall> {
        self.stalls.back().filter(|s| s.end.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_heartbeat_has_no_stalls() {
        let mut strip = Strip::default();
        for i in 1..100 {
            let t = 1_000.0 + f64::from(i) * 16.7;
            strip.sample(t + 3.0, t, 0);
        }
        assert!(strip.stalls.is_empty());
        assert_eq!(strip.current_stall(), None);
        assert_eq!(strip.samples.len(), 99);
        assert!(strip.samples.iter().all(|(_, advanced)| *advanced));
    }

    #[test]
    fn a_frozen_main_thread_opens_a_stall_that_closes_on_the_next_beat() {
        let mut strip = Strip::default();
        strip.sample(1_000.0, 1_000.0, 0);
        strip.sample(1_033.0, 1_016.0, 0);
        // The main thread freezes after its beat at 1016.
        for t in [1_066.0, 1_100.0, 2_000.0, 3_000.0] {
            strip.sample(t, 1_016.0, 0);
        }
        let open = strip.current_stall().copied().expect("a stall is open");
        assert_eq!(open.start, 1_016.0);
        assert_eq!(open.duration(3_000.0), 1_984.0);
        // It beats again at 3010.
        strip.sample(3_020.0, 3_010.0, 0);
        assert_eq!(strip.current_stall(), None);
        assert_eq!(strip.stalls.len(), 1);
        assert_eq!(
            strip.stalls[0],
            Stall {
                start: 1_016.0,
                end: Some(3_010.0),
                run: 0
            }
        );
        assert_eq!(strip.samples.iter().filter(|(_, a)| !a).count(), 4);
    }

    #[test]
    fn a_long_task_between_samples_is_still_recorded() {
        let mut strip = Strip::default();
        strip.sample(1_000.0, 1_000.0, 0);
        strip.sample(1_200.0, 1_180.0, 0); // 180 ms between beats, seen in one sample
        assert_eq!(
            strip.stalls.back(),
            Some(&Stall {
                start: 1_000.0,
                end: Some(1_180.0),
                run: 0
            })
        );
        strip.sample(1_230.0, 1_215.0, 0); // 35 ms: not a long task
        assert_eq!(strip.stalls.len(), 1);
    }

    #[test]
    fn old_history_leaves_the_window() {
        let mut strip = Strip::default();
        strip.sample(1_000.0, 1_000.0, 0);
        strip.sample(1_500.0, 1_400.0, 0);
        strip.sample(20_000.0, 19_990.0, 0);
        // Only what ended within the last 10 s is left: the latest sample,
        // and the stall that ended at 19990 (it started before the window).
        assert_eq!(strip.samples, [(20_000.0, true)]);
        assert_eq!(
            strip.stalls,
            [Stall {
                start: 1_400.0,
                end: Some(19_990.0),
                run: 0
            }]
        );
    }

    #[test]
    fn a_stall_is_named_after_its_run() {
        let mut strip = Strip::default();
        strip.sample(1_000.0, 1_000.0, 0);
        strip.sample(1_100.0, 1_000.0, run_code("coroutine"));
        strip.sample(3_700.0, 3_640.0, 0);
        let stall = strip.stalls[0];
        assert_eq!(stall.run, 4);
        assert_eq!(stall.label(4_000.0), "coroutine: 2.6 s");
        assert_eq!(
            Stall {
                start: 0.0,
                end: None,
                run: 0
            }
            .label(52.0),
            "frozen 52 ms"
        );
        assert_eq!(run_code("no such run"), 0);
    }

    #[test]
    fn labels_never_overlap_and_the_longest_stall_keeps_its_label() {
        // A 52 ms stall's label would sit over the 2.6 s one's.
        let wanted = [
            (100.0, 60.0, 2_600.0),
            (130.0, 40.0, 52.0),
            (400.0, 40.0, 80.0),
        ];
        assert_eq!(
            place_labels(&wanted, 480.0, 6.0),
            [Some(100.0), None, Some(400.0)]
        );
        // Labels stay inside the strip.
        assert_eq!(
            place_labels(&[(470.0, 60.0, 1.0)], 480.0, 6.0),
            [Some(420.0)]
        );
    }
}
