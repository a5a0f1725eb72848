//! A figure of the table, its unit, goal and verdict, and the table as a report's value, JSON or Markdown.

use std::fmt::Write;

use super::summary::Summary;
use crate::core::report::Value;

/// What a figure must reach.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Goal {
    AtMost(f64),
    AtLeast(f64),
    /// Reported, with no target.
    Report,
}

/// A figure's unit, which also says how to print it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Ratio,
    Ms,
    Us,
    Percent,
    Kb,
}

impl Unit {
    pub fn format(self, x: f64) -> String {
        match self {
            Unit::Ratio if x >= 10.0 => format!("{x:.1}×"),
            Unit::Ratio => format!("{x:.3}×"),
            Unit::Ms if x >= 1000.0 => format!("{:.2} s", x / 1000.0),
            Unit::Ms => format!("{x:.1} ms"),
            Unit::Us => format!("{x:.2} µs"),
            Unit::Percent => format!("{x:.1} %"),
            Unit::Kb => format!("{x:.0} KB"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    Reported,
}

impl Verdict {
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "MISSED",
            Verdict::Reported => "reported",
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub group: &'static str,
    pub label: String,
    pub unit: Unit,
    pub value: Summary,
    pub goal: Goal,
    /// Judged on the worst run (the max) rather than the median.
    pub worst_case: bool,
    /// The raw figures behind a ratio, in words.
    pub detail: String,
}

impl Figure {
    pub fn judged(&self) -> f64 {
        if self.worst_case {
            self.value.max
        } else {
            self.value.median
        }
    }

    pub fn verdict(&self) -> Verdict {
        let x = self.judged();
        match self.goal {
            Goal::AtMost(limit) if x <= limit => Verdict::Met,
            Goal::AtLeast(limit) if x >= limit => Verdict::Met,
            Goal::Report => Verdict::Reported,
            _ => Verdict::Missed,
        }
    }

    pub fn target(&self) -> String {
        let on = if self.worst_case { "max " } else { "" };
        match self.goal {
            Goal::AtMost(x) => format!("{on}≤ {}", self.unit.format(x)),
            Goal::AtLeast(x) => format!("{on}≥ {}", self.unit.format(x)),
            Goal::Report => "report".into(),
        }
    }

    pub fn range(&self) -> String {
        format!(
            "{} – {}",
            self.unit.format(self.value.min),
            self.unit.format(self.value.max)
        )
    }
}

/// The figures as a report's value: one row each, as the table shows it.
pub fn figures_value(figures: &[Figure]) -> Value {
    Value::List(
        figures
            .iter()
            .map(|f| {
                Value::Obj(vec![
                    ("group", f.group.into()),
                    ("label", f.label.as_str().into()),
                    ("median", f.value.median.into()),
                    ("min", f.value.min.into()),
                    ("max", f.value.max.into()),
                    ("runs", f.value.runs.into()),
                    ("shown", f.unit.format(f.judged()).into()),
                    ("range", f.range().into()),
                    ("target", f.target().into()),
                    ("verdict", f.verdict().key().into()),
                    ("detail", f.detail.as_str().into()),
                ])
            })
            .collect(),
    )
}

/// The figures as JSON, for `bench/results.json`.
pub fn figures_json(figures: &[Figure]) -> String {
    figures_value(figures).to_json()
}

/// The figures as a Markdown table.
pub fn markdown_table(figures: &[Figure]) -> String {
    let mut t = String::from(
        "| group | figure | median | min – max | runs | target | verdict |\n|---|---|---|---|---|---|---|\n",
    );
    for f in figures {
        let detail = if f.detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", f.detail)
        };
        let _ = writeln!(
            t,
            "| {} | {}{} | {} | {} | {} | {} | {} |",
            f.group,
            f.label,
            detail,
            f.unit.format(f.value.median),
            f.range(),
            f.value.runs,
            f.target(),
            if f.verdict() == Verdict::Missed {
                "**MISSED**"
            } else {
                f.verdict().key()
            }
        );
    }
    t
}
