//! The big picture's first point (results come back only through a channel),
//! with the chapter's terms, measured: processes share nothing, so data
//! crosses to them as bytes (Python pickles it through a pipe), while
//! threads share memory (nothing crosses). A payload goes to a worker and
//! back, three ways. Pure: the ways, the sizes, and the lines a run prints
//! and notes.

use crate::core::big_picture::duration;
use crate::core::primes::with_commas;

/// How a payload reaches the worker and comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// To a process, copied both ways (`postMessage`'s structured clone,
    /// the analogue of pickling through a pipe).
    Copy,
    /// To a process, moved both ways (a transferred `ArrayBuffer`: the
    /// sender loses it).
    Transfer,
    /// To a thread on the page's shared memory: only a reference moves.
    Share,
}

/// The largest payload a run sends: 64 MB.
pub const MAX_BYTES: usize = 64 << 20;

/// Round trips a run makes; its figure is their median.
pub const ROUNDS: usize = 5;

/// The sizes the lab's sweep runs and its table shows: 1 KB to 64 MB.
pub const SIZES: [usize; 5] = [1 << 10, 64 << 10, 1 << 20, 16 << 20, 64 << 20];

impl Via {
    pub const ALL: [Via; 3] = [Via::Copy, Via::Transfer, Via::Share];

    pub fn key(self) -> &'static str {
        match self {
            Via::Copy => "copy",
            Via::Transfer => "transfer",
            Via::Share => "share",
        }
    }

    pub fn parse(key: &str) -> Option<Via> {
        Via::ALL.into_iter().find(|v| v.key() == key)
    }

    /// What the payload goes to.
    pub fn unit(self) -> &'static str {
        match self {
            Via::Copy | Via::Transfer => "a process",
            Via::Share => "a thread",
        }
    }

    /// What happens to the payload here, in words.
    pub fn here(self) -> &'static str {
        match self {
            Via::Copy => {
                "copied to a process and copied back: postMessage clones the bytes \
                 (a structured clone), as pickle turns an object into bytes for a pipe"
            }
            Via::Transfer => {
                "moved to a process and moved back: a transferred ArrayBuffer changes \
                 owner without a copy, and the sender's buffer is left empty"
            }
            Via::Share => {
                "shared with a thread: the bytes stay where they are in the page's \
                 shared memory, and only a reference to them goes there and back"
            }
        }
    }

    /// What Python does instead.
    pub fn python(self) -> &'static str {
        match self {
            Via::Copy => {
                "Python: a multiprocessing Pipe pickles the object to bytes, writes them, \
                 and the other side unpickles a new object"
            }
            Via::Transfer => {
                "Python cannot move an object to another process; the nearest is \
                 multiprocessing.shared_memory, where the bytes stay in a block both \
                 processes map and only its name is pickled"
            }
            Via::Share => {
                "Python: threads share every object, so a queue passes a reference \
                 and nothing is copied"
            }
        }
    }
}

/// `bytes`, if a run may send that many.
pub fn check_bytes(bytes: usize) -> Result<usize, String> {
    if bytes == 0 || bytes > MAX_BYTES {
        return Err(format!(
            "bytes {} is out of range: send 1 to {} bytes (64 MB)",
            with_commas(bytes as u64),
            with_commas(MAX_BYTES as u64)
        ));
    }
    Ok(bytes)
}

/// A size in words: `64 MB`, `1 KB`, `1,500 bytes` (binary units, whole only).
pub fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MB", with_commas((bytes >> 20) as u64))
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KB", with_commas((bytes >> 10) as u64))
    } else {
        format!("{} bytes", with_commas(bytes as u64))
    }
}

/// A crossing run: [`ROUNDS`] round trips of `bytes` to one worker, started
/// before the first (its start-up is the other experiment's).
#[derive(Clone, Debug, PartialEq)]
pub struct Crossing {
    pub via: Via,
    pub bytes: usize,
    /// Each round trip, in order.
    pub round_trips_ms: Vec<f64>,
    /// Each round, the time the page's main thread spent sending (a copy
    /// is made there, in `postMessage`).
    pub send_ms: Vec<f64>,
    /// What the sender's buffer held after sending (0: it moved away).
    pub sender_left: usize,
}

/// The median of `values` (the upper one of an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

impl Crossing {
    /// The run's figure: the median round trip.
    pub fn round_trip_ms(&self) -> f64 {
        median(&self.round_trips_ms)
    }

    /// What `crossing.py` prints for this run.
    pub fn transcript(&self) -> Vec<String> {
        vec![crossing_line(
            self.via,
            self.bytes,
            self.round_trip_ms() / 1000.0,
            self.round_trips_ms.len(),
        )]
    }

    /// The page's own measurements, in words.
    pub fn notes(&self) -> Vec<String> {
        let mut sorted = self.round_trips_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let mut notes = vec![format!(
            "{} to {} and back: {} the median of {}, {} to {}",
            size(self.bytes),
            self.via.unit(),
            duration(self.round_trip_ms()),
            sorted.len(),
            duration(sorted.first().copied().unwrap_or(0.0)),
            duration(sorted.last().copied().unwrap_or(0.0)),
        )];
        if self.via != Via::Share {
            notes.push(format!(
                "sending took the page's main thread {} (the median round)",
                duration(median(&self.send_ms))
            ));
            notes.push(format!(
                "after sending, the page's buffer held {}",
                if self.sender_left == 0 {
                    "0 bytes: it had moved to the process".to_string()
                } else {
                    format!(
                        "all {} still: the process got a copy",
                        size(self.sender_left)
                    )
                }
            ));
        }
        notes.push(format!("here: {}", self.via.here()));
        notes.push(self.via.python().to_string());
        notes
    }
}

/// `crossing.py`'s line: `copy: 1,048,576 bytes there and back in
/// 0.000812s (median of 5)`.
pub fn crossing_line(via: Via, bytes: usize, seconds: f64, rounds: usize) -> String {
    format!(
        "{}: {} bytes there and back in {seconds:.6}s (median of {rounds})",
        via.key(),
        with_commas(bytes as u64)
    )
}

/// The plot's frame, in its SVG's user units (a 480 × 260 view box):
/// left, right, top, bottom.
pub const PLOT_FRAME: (f64, f64, f64, f64) = (58.0, 452.0, 12.0, 222.0);

/// The plot's scales, both logarithmic: bytes across (1 KB to 64 MB), a
/// round trip up (10 µs to 1 s); values beyond are drawn at the edge.
pub const PLOT_BYTES: (f64, f64) = (1024.0, 67_108_864.0);
pub const PLOT_MS: (f64, f64) = (0.01, 1000.0);

/// Where `value` falls between `lo` and `hi` on a log scale, 0 to 1.
fn log_share(value: f64, (lo, hi): (f64, f64)) -> f64 {
    ((value.max(lo).min(hi) / lo).ln() / (hi / lo).ln()).clamp(0.0, 1.0)
}

/// Where a round trip of `ms` with `bytes` is drawn.
pub fn plot_point(bytes: usize, ms: f64) -> (f64, f64) {
    let (left, right, top, bottom) = PLOT_FRAME;
    (
        left + (right - left) * log_share(bytes as f64, PLOT_BYTES),
        bottom - (bottom - top) * log_share(ms, PLOT_MS),
    )
}

/// Each way's latest round trip at each size measured, by size.
pub fn latest(measured: &[(Via, usize, f64)], via: Via) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> = Vec::new();
    for &(_, bytes, ms) in measured.iter().filter(|m| m.0 == via) {
        match out.iter_mut().find(|(b, _)| *b == bytes) {
            Some(point) => point.1 = ms,
            None => out.push((bytes, ms)),
        }
    }
    out.sort_by_key(|(b, _)| *b);
    out
}

/// What crossing costs, with this browser's figures, at the largest
/// payload measured so far; and its third (results and errors come back
/// only through a channel), with what the channel itself costs: 1 KB to a
/// process and back, once measured.
pub fn crossing_claim(measured: &[(Via, usize, f64)]) -> String {
    let Some(bytes) = measured.iter().map(|m| m.1).max() else {
        return "Send a payload each way to measure it in this browser.".into();
    };
    let at = |via: Via| {
        latest(measured, via)
            .into_iter()
            .find(|(b, _)| *b == bytes)
            .map(|(_, ms)| ms)
    };
    let parts: Vec<String> = Via::ALL
        .into_iter()
        .filter_map(|via| {
            at(via).map(|ms| {
                let how = match via {
                    Via::Copy => "copied to a process",
                    Via::Transfer => "moved to a process",
                    Via::Share => "shared with a thread",
                };
                format!("{how} in {}", duration(ms))
            })
        })
        .collect();
    let mut sentence = format!("{} there and back here: {}.", size(bytes), parts.join("; "));
    if let (Some(copy), Some(share)) = (at(Via::Copy), at(Via::Share))
        && copy > share
    {
        if share > 0.0 {
            sentence.push_str(&format!(
                " Copying cost {} × sharing.",
                with_commas((copy / share).round() as u64)
            ));
        } else {
            sentence.push_str(
                " Sharing was quicker than this browser's clock can time, so no ratio can \
                 be given.",
            );
        }
    }
    let channel = latest(measured, Via::Copy)
        .into_iter()
        .find(|(b, _)| *b == SIZES[0])
        .map(|(_, ms)| ms);
    if let Some(ms) = channel {
        sentence.push_str(&format!(
            " A result comes back from a process only through a channel: 1 KB there and \
             back through one took {}.",
            duration(ms)
        ));
    }
    sentence
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ways_parse_by_key_and_sizes_are_bounded() {
        for via in Via::ALL {
            assert_eq!(Via::parse(via.key()), Some(via));
        }
        assert_eq!(Via::parse("pickle"), None);
        assert_eq!(check_bytes(1), Ok(1));
        assert_eq!(check_bytes(MAX_BYTES), Ok(67_108_864));
        assert_eq!(
            check_bytes(MAX_BYTES + 1).unwrap_err(),
            "bytes 67,108,865 is out of range: send 1 to 67,108,864 bytes (64 MB)"
        );
        assert!(check_bytes(0).is_err());
        assert!(SIZES.iter().all(|&b| check_bytes(b).is_ok()));
        assert_eq!(SIZES.map(size), ["1 KB", "64 KB", "1 MB", "16 MB", "64 MB"]);
        assert_eq!(size(1_500), "1,500 bytes");
        assert_eq!(size(3 << 19), "1,536 KB");
    }

    #[test]
    fn a_run_prints_the_python_line_and_its_median() {
        let run = Crossing {
            via: Via::Copy,
            bytes: 1 << 20,
            round_trips_ms: vec![0.9, 0.7, 3.0, 0.8, 0.812],
            send_ms: vec![0.3, 0.2, 0.2, 0.4, 0.25],
            sender_left: 1 << 20,
        };
        assert_eq!(run.round_trip_ms(), 0.812);
        assert_eq!(
            run.transcript(),
            ["copy: 1,048,576 bytes there and back in 0.000812s (median of 5)"]
        );
        let notes = run.notes();
        assert_eq!(
            notes[0],
            "1 MB to a process and back: 812.00 µs the median of 5, 700.00 µs to 3.0 ms"
        );
        assert_eq!(
            notes[1],
            "sending took the page's main thread 250.00 µs (the median round)"
        );
        assert_eq!(
            notes[2],
            "after sending, the page's buffer held all 1 MB still: the process got a copy"
        );
        assert!(notes[4].contains("pickles"), "{}", notes[4]);
        let moved = Crossing {
            via: Via::Transfer,
            sender_left: 0,
            ..run.clone()
        };
        assert_eq!(
            moved.notes()[2],
            "after sending, the page's buffer held 0 bytes: it had moved to the process"
        );
        let shared = Crossing {
            via: Via::Share,
            ..run
        };
        // Nothing is sent: no sending time, no buffer left behind.
        assert_eq!(shared.notes().len(), 3);
        assert!(shared.notes()[2].contains("threads share every object"));
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[2.0, 1.0]), 2.0);
    }

    #[test]
    fn the_plot_puts_sizes_and_times_on_log_scales() {
        let (left, right, top, bottom) = PLOT_FRAME;
        assert_eq!(plot_point(1024, 0.01), (left, bottom));
        assert_eq!(plot_point(MAX_BYTES, 1000.0), (right, top));
        // 1 MB is 10 of the 16 doublings from 1 KB; 1 ms is 2 of the 5 decades from 10 µs.
        let (x, y) = plot_point(1 << 20, 1.0);
        assert!((x - (left + (right - left) * 10.0 / 16.0)).abs() < 1e-9);
        assert!((y - (bottom - (bottom - top) * 2.0 / 5.0)).abs() < 1e-9);
        // Beyond the scales: at the edge.
        assert_eq!(plot_point(1, 1e-6), (left, bottom));
    }

    #[test]
    fn the_claim_names_the_largest_payload_measured() {
        assert_eq!(
            crossing_claim(&[]),
            "Send a payload each way to measure it in this browser."
        );
        let measured = [
            (Via::Copy, 1 << 10, 0.3),
            (Via::Share, 64 << 20, 0.06),
            (Via::Copy, 64 << 20, 90.0),
            (Via::Copy, 64 << 20, 60.0),
            (Via::Transfer, 64 << 20, 0.4),
        ];
        assert_eq!(
            latest(&measured, Via::Copy),
            [(1 << 10, 0.3), (64 << 20, 60.0)]
        );
        assert_eq!(
            crossing_claim(&measured),
            "64 MB there and back here: copied to a process in 60.0 ms; moved to a process \
             in 400.00 µs; shared with a thread in 60.00 µs. Copying cost 1,000 × sharing. \
             A result comes back from a process only through a channel: 1 KB there and back \
             through one took 300.00 µs."
        );
        assert_eq!(
            crossing_claim(&measured[1..]),
            "64 MB there and back here: copied to a process in 60.0 ms; moved to a process \
             in 400.00 µs; shared with a thread in 60.00 µs. Copying cost 1,000 × sharing."
        );
        // A share quicker than the clock's grain reads 0: no ratio is made of it.
        let mut instant = measured[1..].to_vec();
        instant.push((Via::Share, 64 << 20, 0.0));
        assert_eq!(
            crossing_claim(&instant),
            "64 MB there and back here: copied to a process in 60.0 ms; moved to a process \
             in 400.00 µs; shared with a thread in 0 µs (below the clock's grain). Sharing was \
             quicker than this browser's clock can time, so no ratio can be given."
        );
        assert_eq!(
            crossing_claim(&measured[..1]),
            "1 KB there and back here: copied to a process in 300.00 µs. A result comes back \
             from a process only through a channel: 1 KB there and back through one took \
             300.00 µs."
        );
    }
}
