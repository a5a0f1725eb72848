//! The `rayon` mode (the numbers with `par_iter` on the whole pool) and
//! rayon's split of one number, beyond the book.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_channel::mpsc;

use crate::core::clock::{epoch_ms, now_seconds};
use crate::core::primes::PrimeResult;
use crate::core::protocol::{Message, check_cancellable};

/// Rayon: the numbers with `par_iter` on the whole pool. Each pool thread is
/// a "worker" of the report; each says done when the iteration is over.
pub(super) fn rayon_fixture(
    numbers: Arc<[u64]>,
    lanes: usize,
    taken: Arc<AtomicUsize>,
    no_more: Arc<AtomicBool>,
    cancel: Arc<AtomicBool>,
    tx: mpsc::UnboundedSender<Message>,
) -> impl FnOnce() + Send + 'static {
    use rayon::prelude::*;
    // tag::pool-rayon[]
    move || {
        // step: start
        for id in 0..lanes {
            let _ = tx.unbounded_send(Message::Started {
                worker: id,
                at_ms: epoch_ms(),
                // rayon's threads were up before the run: no start to time.
                boot: None,
            });
        }
        // step: work
        numbers.par_iter().with_max_len(1).for_each(|&n| {
            if no_more.load(Ordering::SeqCst) {
                return;
            }
            taken.fetch_add(1, Ordering::SeqCst);
            let id = rayon::current_thread_index().unwrap_or(0);
            let start_ms = epoch_ms();
            let message =
                match check_cancellable(n, &|| cancel.load(Ordering::Relaxed), now_seconds) {
                    Some(result) => Message::Result {
                        result,
                        worker: id,
                        start_ms,
                        end_ms: epoch_ms(),
                    },
                    None => Message::Cancelled { n, worker: id },
                };
            let _ = tx.unbounded_send(message);
        });
        for id in 0..lanes {
            let _ = tx.unbounded_send(Message::Done { worker: id });
        }
    }
    // end::pool-rayon[]
}

/// Rayon's data parallelism, beyond the book: one number's trial division
/// split into `parts` ranges checked in parallel on the pool, so that one
/// huge prime also uses every core. The same divisions as `is_prime`; the
/// first range to find a divisor stops the others. Run it on a pool thread.
pub fn split_check(n: u64, parts: usize) -> PrimeResult {
    use crate::core::primes::{divisor_ranges, has_divisor_in};
    use rayon::prelude::*;
    let t0 = now_seconds();
    let found = AtomicBool::new(false);
    let prime = match n {
        0 | 1 => false,
        2 => true,
        _ if n.is_multiple_of(2) => false,
        _ => !divisor_ranges(n, parts).par_iter().any(|&(lo, hi)| {
            let hit = has_divisor_in(n, lo, hi, &found);
            if hit {
                found.store(true, Ordering::Relaxed);
            }
            hit
        }),
    };
    PrimeResult {
        n,
        prime,
        elapsed: now_seconds() - t0,
    }
}
