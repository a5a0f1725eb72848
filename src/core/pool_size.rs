//! How many threads the page's pool gets. A browser's
//! `navigator.hardwareConcurrency` is not always the machine's: WebKit
//! reported 4 on a 2-core machine (browsers may round or cap it against
//! fingerprinting). The learner can choose the size in the capabilities
//! panel, which reloads the page with `?threads=N`.

/// The most threads a learner may ask for (Python's threads may exceed the
/// cores; a pool here is built once and kept).
pub const MAX_THREADS: usize = 32;

/// Where the pool's size came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolSize {
    /// `navigator.hardwareConcurrency`, at least 2.
    FromBrowser(usize),
    /// The learner's `?threads=N`.
    Chosen(usize),
    /// A `?threads=` that is not a whole number in range: the browser's
    /// figure is used, and the reason is shown.
    Refused { size: usize, reason: String },
}

impl PoolSize {
    /// `threads`: the address's `threads` parameter, if any.
    pub fn choose(threads: Option<&str>, hardware_concurrency: u32) -> PoolSize {
        let browser = (hardware_concurrency as usize).max(2);
        let Some(text) = threads else {
            return PoolSize::FromBrowser(browser);
        };
        match text.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_THREADS).contains(&n) => PoolSize::Chosen(n),
            _ => PoolSize::Refused {
                size: browser,
                reason: format!(
                    "?threads={text} is not a whole number from 1 to {MAX_THREADS}, so the pool has \
                     the browser's {browser}"
                ),
            },
        }
    }

    pub fn size(&self) -> usize {
        match self {
            PoolSize::FromBrowser(n) | PoolSize::Chosen(n) => *n,
            PoolSize::Refused { size, .. } => *size,
        }
    }

    /// The capabilities panel's words for where the size came from.
    pub fn source(&self, hardware_concurrency: u32) -> String {
        match self {
            PoolSize::FromBrowser(_) => format!(
                "from the browser's hardwareConcurrency ({hardware_concurrency}), which may not be \
                 this machine's cores: choose another size here"
            ),
            PoolSize::Chosen(_) => {
                format!("chosen here (the browser says {hardware_concurrency})")
            }
            PoolSize::Refused { reason, .. } => format!("{reason}."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browsers_figure_with_at_least_two_threads() {
        assert_eq!(PoolSize::choose(None, 4), PoolSize::FromBrowser(4));
        assert_eq!(PoolSize::choose(None, 1), PoolSize::FromBrowser(2));
        assert_eq!(PoolSize::choose(None, 0), PoolSize::FromBrowser(2));
    }

    #[test]
    fn the_learners_choice_in_range() {
        assert_eq!(PoolSize::choose(Some("2"), 4), PoolSize::Chosen(2));
        assert_eq!(PoolSize::choose(Some("1"), 4).size(), 1);
        assert_eq!(PoolSize::choose(Some("32"), 4).size(), 32);
        assert!(
            PoolSize::choose(Some("2"), 4)
                .source(4)
                .contains("the browser says 4")
        );
    }

    #[test]
    fn a_bad_choice_is_refused_with_its_reason_and_the_browsers_figure_used() {
        for bad in ["0", "33", "-1", "two", "", "2.5", "18446744073709551616"] {
            let size = PoolSize::choose(Some(bad), 4);
            assert_eq!(size.size(), 4, "{bad}");
            let said = size.source(4);
            assert!(
                said.contains(&format!(
                    "?threads={bad} is not a whole number from 1 to 32"
                )),
                "{said}"
            );
            assert!(said.ends_with("the browser's 4."), "{said}");
        }
    }
}
