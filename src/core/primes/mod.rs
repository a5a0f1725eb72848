//! The workload of chapter 19: the book's `is_prime`, its 20-number fixture,
//! `check(n) -> PrimeResult`, an independent Miller-Rabin oracle, `next_prime`,
//! the calibration; and, in `parse`, the parsing of what a learner types.
//!
//! Pure Rust: compiled natively for tests and to wasm for the page.

mod parse;

pub use self::parse::{MAX_NUMBERS, ParseError, echo, parse_number, parse_number_list};

use crate::core::clock;

/// The book's `is_prime`: trial division by odd numbers up to `isqrt(n)`.
///
/// This is the experiment, not a primality library: its cost grows with
/// `sqrt(n)`, which is what makes the spinner freeze. Do not "optimise" it.
/// ```python
/// def is_prime(n: int) -> bool:
///     if n < 2: return False
///     if n == 2: return True
///     if n % 2 == 0: return False
///     root = math.isqrt(n)
///     for i in range(3, root + 1, 2):
///         if n % i == 0: return False
///     return True
/// ```
// `n % i == 0` as the book writes it, in the hot loop as in the Python.
#[allow(clippy::manual_is_multiple_of)]
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n == 2 {
        return true;
    }
    if n % 2 == 0 {
        return false;
    }
    let root = n.isqrt();
    let mut i = 3;
    // `root` < 2^32, so `i + 2` never overflows.
    while i <= root {
        if n % i == 0 {
            return false;
        }
        i += 2;
    }
    true
}

/// The book's `PRIME_FIXTURE`: 20 numbers from 2 to 10^16 with their answers.
pub const PRIME_FIXTURE: [(u64, bool); 20] = [
    (2, true),
    (142702110479723, true),
    (299593572317531, true),
    (3333333333333301, true),
    (3333333333333333, false),
    (3333335652092209, false),
    (4444444444444423, true),
    (4444444444444444, false),
    (4444444488888889, false),
    (5555553133149889, false),
    (5555555555555503, true),
    (5555555555555555, false),
    (6666666666666666, false),
    (6666666666666719, true),
    (6666667141414921, false),
    (7777777536340681, false),
    (7777777777777753, true),
    (7777777777777777, false),
    (9999999999999917, true),
    (9999999999999999, false),
];

/// The book's `NUMBERS = [n for n, _ in PRIME_FIXTURE]`.
pub const NUMBERS: [u64; 20] = {
    let mut out = [0; 20];
    let mut i = 0;
    while i < 20 {
        out[i] = PRIME_FIXTURE[i].0;
        i += 1;
    }
    out
};

/// The number the book's spinner experiments check (≈3.3 s in CPython).
pub const BOOK_PRIME: u64 = 5_000_111_000_222_021;

/// The largest prime below 2^64.
pub const LARGEST_U64_PRIME: u64 = 18_446_744_073_709_551_557;

/// The book's `PrimeResult(n, prime, elapsed)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrimeResult {
    pub n: u64,
    pub prime: bool,
    /// Seconds, as the book's `perf_counter() - t0`.
    pub elapsed: f64,
}

/// Not the book's loop, and not the workload: a labelled variant, the
/// benchmark's control. The same divisions as [`is_prime`], in the same
/// order, two a turn of the loop. In wasm each turn of a loop pays for an
/// interrupt check, and each `i64.rem_u` for a divide-by-zero check, that
/// native code does not: measured in a build at opt-level 3 without
/// wasm-opt, this variant closed a 7% gap to native that `is_prime` had. The
/// shipped build no longer has that gap; `./x bench` shows both loops.
#[allow(clippy::manual_is_multiple_of)]
pub fn is_prime_unrolled(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n == 2 {
        return true;
    }
    if n % 2 == 0 {
        return false;
    }
    let root = n.isqrt();
    let mut i = 3;
    // `root` < 2^32, so `i + 4` never overflows.
    while i + 2 <= root {
        if n % i == 0 || n % (i + 2) == 0 {
            return false;
        }
        i += 4;
    }
    while i <= root {
        if n % i == 0 {
            return false;
        }
        i += 2;
    }
    true
}

/// The book's `check(n)`: `is_prime(n)` timed with the platform's monotonic clock.
pub fn check(n: u64) -> PrimeResult {
    check_with(n, is_prime)
}

/// `check(n)` with another primality test (the benchmark's labelled variant).
pub fn check_with(n: u64, is_prime: fn(u64) -> bool) -> PrimeResult {
    let t0 = clock::now_seconds();
    // `black_box`: a caller that only reads `elapsed` must still time the
    // work; without it the optimiser may drop the (pure) call altogether.
    let prime = std::hint::black_box(is_prime(std::hint::black_box(n)));
    PrimeResult {
        n,
        prime,
        elapsed: clock::now_seconds() - t0,
    }
}

/// `a * b mod m` without overflow.
fn mul_mod(a: u64, b: u64, m: u64) -> u64 {
    ((a as u128 * b as u128) % m as u128) as u64
}

fn pow_mod(mut base: u64, mut exp: u64, m: u64) -> u64 {
    let mut acc = 1 % m;
    base %= m;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul_mod(acc, base, m);
        }
        base = mul_mod(base, base, m);
        exp >>= 1;
    }
    acc
}

/// Deterministic Miller-Rabin for every `u64`: the first twelve primes as
/// bases are a proven witness set below 3.3 * 10^24. An independent oracle for
/// testing `is_prime`, and fast enough to find calibrated primes.
pub fn miller_rabin(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for p in BASES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    'witness: for a in BASES {
        let mut x = pow_mod(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul_mod(x, x, n);
            if x == n - 1 {
                continue 'witness;
            }
        }
        return false;
    }
    true
}

/// The smallest prime strictly greater than `from`, or `None` when there is
/// none below 2^64 (`from` ≥ [`LARGEST_U64_PRIME`]).
pub fn next_prime(from: u64) -> Option<u64> {
    let mut n = from.checked_add(1)?;
    loop {
        if miller_rabin(n) {
            return Some(n);
        }
        n = n.checked_add(1)?;
    }
}

/// One row of the book's reports, as `sequential.py` and `procs.py` print
/// it in the book's repository: `f'{n:16}  {label} {elapsed:9.6f}s'`.
pub fn report_line(result: &PrimeResult) -> String {
    let label = if result.prime { 'P' } else { ' ' };
    format!("{:16}  {label} {:9.6}s", result.n, result.elapsed)
}

/// `f'{n:,}'`: the digits grouped by threes with commas, as the book's
/// `main()` prints its closing line (`5,000,111,000,222,021 is prime`).
pub fn with_commas(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The book's trial division, resumable: the loop of [`is_prime`] cut into
/// slices of at most `max` divisions, for the coroutine that naps between
/// slices (the book's `if i % 100_000 == 1: await asyncio.sleep(0)`).
/// Same algorithm, same divisions, same answers.
#[derive(Clone, Debug)]
pub struct TrialDivision {
    n: u64,
    root: u64,
    next: u64,
    verdict: Option<bool>,
}

// `n % i == 0` as the book writes it, as in `is_prime`.
#[allow(clippy::manual_is_multiple_of)]
impl TrialDivision {
    pub fn new(n: u64) -> TrialDivision {
        let verdict = match n {
            0 | 1 => Some(false),
            2 => Some(true),
            _ if n % 2 == 0 => Some(false),
            _ => None,
        };
        TrialDivision {
            n,
            root: n.isqrt(),
            next: 3,
            verdict,
        }
    }

    /// Runs up to `max` more divisions; `Some(answer)` once it is known.
    pub fn step(&mut self, max: u64) -> Option<bool> {
        if self.verdict.is_some() {
            return self.verdict;
        }
        let last = self
            .next
            .saturating_add(max.saturating_sub(1).saturating_mul(2));
        let end = last.min(self.root);
        let mut i = self.next;
        while i <= end {
            if self.n % i == 0 {
                self.verdict = Some(false);
                return self.verdict;
            }
            i += 2;
        }
        self.next = i;
        if i > self.root {
            self.verdict = Some(true);
        }
        self.verdict
    }
}

/// Above this many seconds of checking, the page warns before it starts.
pub const SLOW_CHECK_SECS: f64 = 4.0;

/// A warning when `is_prime(n)` may take long at `divisions_per_sec`: up to
/// `divisions_for_prime(n)` divisions (a prime runs them all; a composite
/// stops at its smallest factor), with the way to use every core.
pub fn slow_check_note(n: u64, divisions_per_sec: f64) -> Option<String> {
    if n < 9 || n.is_multiple_of(2) {
        return None;
    }
    let divisions = divisions_for_prime(n);
    let secs = divisions as f64 / divisions_per_sec.max(1.0);
    (secs > SLOW_CHECK_SECS).then(|| {
        format!(
            "is_prime({n}) may need up to {divisions} divisions: about {secs:.0} s on one core here. \
             The pool lab's \"Split one big number\" checks it on every core at once."
        )
    })
}

/// The odd trial divisions `is_prime(p)` performs for a prime `p`.
pub fn divisions_for_prime(p: u64) -> u64 {
    p.isqrt().saturating_sub(1) / 2
}

/// A prime whose `is_prime` takes about `target_secs` on this machine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibration {
    pub prime: u64,
    /// Trial divisions a second, as measured.
    pub divisions_per_sec: f64,
    /// The predicted duration of `is_prime(prime)`.
    pub expected_secs: f64,
    /// True when even the largest `u64` prime is quicker than the target.
    pub capped: bool,
}

/// Picks the first prime whose check takes at least `target_secs` at the
/// measured rate: `is_prime(p)` makes `d` divisions (3, 5, … `2d + 1`) from
/// `p > (2d + 1)²` on. In integers: an `f64` square of a 10-digit root
/// rounds, and would start below it.
pub fn calibrate(divisions_per_sec: f64, target_secs: f64) -> Calibration {
    let divisions = (divisions_per_sec * target_secs).ceil().clamp(1.0, 1e18) as u128;
    let root = 2 * divisions + 1;
    let start = root * root;
    let (prime, capped) = if start >= u128::from(LARGEST_U64_PRIME) {
        (LARGEST_U64_PRIME, true)
    } else {
        match next_prime(start as u64) {
            Some(p) => (p, false),
            None => (LARGEST_U64_PRIME, true),
        }
    };
    Calibration {
        prime,
        divisions_per_sec,
        expected_secs: divisions_for_prime(prime) as f64 / divisions_per_sec,
        capped,
    }
}

/// The book's fixture, rescaled to this machine: 10 primes, 5 squares of
/// primes (as costly as primes of their size: trial division runs to the
/// root) and 5 trivial composites, sorted like the book's, with the costs
/// spread like the book's (its checks took 0.3 s to 3 s), summing to
/// `total_secs` of sequential checking at `divisions_per_sec`.
pub fn calibrated_fixture(divisions_per_sec: f64, total_secs: f64) -> Vec<(u64, bool)> {
    // Relative costs of the heavy checks, after the book's timings.
    const PRIMES: [f64; 10] = [0.32, 0.57, 1.75, 2.06, 2.36, 2.55, 2.74, 2.95, 3.0, 3.1];
    const SQUARES: [f64; 5] = [1.81, 1.88, 2.42, 2.57, 2.93];
    let sum: f64 = PRIMES.iter().chain(&SQUARES).sum();
    let divisions = |share: f64| (divisions_per_sec * total_secs * share / sum).max(1.0);
    let mut fixture = Vec::with_capacity(20);
    for share in PRIMES {
        let root = 2.0 * divisions(share) + 1.0;
        let p = next_prime((root * root).min(LARGEST_U64_PRIME as f64 - 1.0) as u64)
            .unwrap_or(LARGEST_U64_PRIME);
        fixture.push((p, true));
    }
    for share in SQUARES {
        let q = next_prime((2.0 * divisions(share)).min(4_294_967_290.0) as u64)
            .unwrap_or(4_294_967_291);
        fixture.push((q * q, false));
    }
    // Trivial composites beside the large ones, as in the book
    // (4444444444444444, 6666666666666666…): an even number, multiples of 5.
    let largest = fixture.iter().map(|(n, _)| *n).max().unwrap_or(10);
    for k in 1..=5u64 {
        let near = largest / 6 * k;
        let trivial = near - near % 10 + if k % 2 == 0 { 5 } else { 0 };
        fixture.push((trivial.max(4), false));
    }
    fixture.sort_unstable();
    fixture
}

/// The odd candidate divisors of `is_prime(n)` (3, 5, … up to `isqrt(n)`),
/// cut into `parts` contiguous ranges of about equal length: one big
/// number's trial division split across threads. Empty when `n` needs no
/// division (below 9, or even).
pub fn divisor_ranges(n: u64, parts: usize) -> Vec<(u64, u64)> {
    let root = n.isqrt();
    if n < 9 || n.is_multiple_of(2) || root < 3 {
        return Vec::new();
    }
    let count = (root - 1) / 2; // 3, 5, …, the last odd number ≤ root
    let parts = (parts.max(1) as u64).min(count);
    (0..parts)
        .map(|k| {
            let first = k * count / parts;
            let last = (k + 1) * count / parts;
            (3 + 2 * first, 3 + 2 * (last - 1))
        })
        .collect()
}

/// Whether any odd number in `lo..=hi` divides `n`, checking `stop` every
/// so often (another range found one).
#[allow(clippy::manual_is_multiple_of)]
pub fn has_divisor_in(n: u64, lo: u64, hi: u64, stop: &std::sync::atomic::AtomicBool) -> bool {
    let mut i = lo;
    while i <= hi {
        let end = hi.min(i.saturating_add(2 * 100_000));
        while i <= end {
            if n % i == 0 {
                return true;
            }
            i += 2;
        }
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return false;
        }
    }
    false
}

/// The share of `divisions_per_sec` at which these checks of primes ran:
/// `(n, elapsed seconds)` pairs, the quick ones (≤ 10 ms) left out. `None`
/// when too little was timed to tell.
pub fn speed_share(primes: &[(u64, f64)], divisions_per_sec: f64) -> Option<f64> {
    let (divisions, secs) = primes
        .iter()
        .filter(|(_, elapsed)| *elapsed > 0.01)
        .fold((0.0, 0.0), |(d, t), &(n, elapsed)| {
            (d + divisions_for_prime(n) as f64, t + elapsed)
        });
    (secs >= 0.05).then(|| divisions / secs / divisions_per_sec)
}
