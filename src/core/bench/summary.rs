//! The arithmetic of samples: their median, min and max, ratios, and the bounds a pool's schedule meets.

/// The median, min and max of a figure's samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Summary {
    /// `None` without samples. NaNs are ignored.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|x| !x.is_nan()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let k = sorted.len();
        let median = if k % 2 == 1 {
            sorted[k / 2]
        } else {
            (sorted[k / 2 - 1] + sorted[k / 2]) / 2.0
        };
        Some(Summary {
            median,
            min: sorted[0],
            max: sorted[k - 1],
            runs: k,
        })
    }
}

/// `a[i] / b[i]` for the samples both have.
pub fn ratios(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x / y).collect()
}

/// The best any schedule of these checks on `workers` workers can do: no
/// worker finishes before the total work is shared out, nor before the
/// longest single check.
pub fn scheduling_bound(costs: &[f64], workers: usize) -> f64 {
    let sum: f64 = costs.iter().sum();
    let longest = costs.iter().copied().fold(0.0, f64::max);
    (sum / workers.max(1) as f64).max(longest)
}

/// What a FIFO queue fed in this order achieves at best: each check goes to
/// the first worker free (list scheduling), with no start-up or queue cost.
/// Above [`scheduling_bound`] when a long check comes last.
pub fn fifo_schedule(costs: &[f64], workers: usize) -> f64 {
    let mut free_at = vec![0.0f64; workers.max(1)];
    for &cost in costs {
        let first = free_at
            .iter_mut()
            .min_by(|a, b| a.total_cmp(b))
            .expect("at least one worker");
        *first += cost;
    }
    free_at.into_iter().fold(0.0, f64::max)
}

/// The median of each position across runs: `runs[r][i]` is number `i`'s
/// cost in run `r`.
pub fn median_costs(runs: &[Vec<f64>]) -> Vec<f64> {
    let len = runs.iter().map(Vec::len).min().unwrap_or(0);
    (0..len)
        .filter_map(|i| {
            let column: Vec<f64> = runs.iter().map(|r| r[i]).collect();
            Summary::of(&column).map(|s| s.median)
        })
        .collect()
}
