//! A figure of the reference run (`pkg/reference.json`, the last full
//! `./x bench` on the machine that built the page) as the page's prose
//! quotes it: no figure in the page's words is typed by hand, and each
//! says where it was measured.

/// What the reference run says of one figure, as the prose needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Quoted<'a> {
    /// The figure as the tables show it (`20.4×`).
    pub shown: &'a str,
    /// What it was computed from (`CPython 2.34 s, spinlab 114.9 ms`).
    pub detail: &'a str,
    /// The machine's processor and the run's date.
    pub machine: &'a str,
    pub date: &'a str,
}

/// The words that stand in a sentence for a reference figure; `None`: the
/// page shipped no reference run, or one without that figure.
pub fn quote(figure: Option<Quoted<'_>>) -> String {
    match figure {
        Some(Quoted {
            shown,
            detail,
            machine,
            date,
        }) => {
            let detail = if detail.is_empty() {
                String::new()
            } else {
                format!(" ({detail})")
            };
            format!(
                "{shown}{detail}, measured by ./x bench on the machine that built this page \
                 ({machine}, {date}), not in your browser"
            )
        }
        None => "not known here: this page shipped without a reference run of ./x bench \
                 that measured it"
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_figure_names_its_source() {
        let figure = Quoted {
            shown: "20.4×",
            detail: "CPython 2.34 s, spinlab 114.9 ms",
            machine: "Intel(R) Xeon(R) Processor @ 2.80GHz",
            date: "2026-11-30 05:55 UTC",
        };
        assert_eq!(
            quote(Some(figure.clone())),
            "20.4× (CPython 2.34 s, spinlab 114.9 ms), measured by ./x bench on the machine \
             that built this page (Intel(R) Xeon(R) Processor @ 2.80GHz, 2026-11-30 05:55 UTC), \
             not in your browser"
        );
        let bare = Quoted {
            detail: "",
            ..figure
        };
        assert!(quote(Some(bare)).starts_with("20.4×, measured by ./x bench"));
    }

    #[test]
    fn a_missing_figure_says_so_and_invents_none() {
        let words = quote(None);
        assert!(words.starts_with("not known here"), "{words}");
        assert!(!words.chars().any(|c| c.is_ascii_digit()), "{words}");
    }
}
