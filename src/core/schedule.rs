//! You are the scheduler: the lock lab's `counter += 1` cut into the steps
//! CPython's bytecode runs it in (read the counter into a local, add one,
//! write the local back), for 2–4 units, each step taken when the learner
//! (or a test's `order`) gives a unit the turn. Without the lock, two units
//! that read the same value both write the same sum and one update vanishes;
//! each write records exactly which earlier writes it overwrote. With the
//! lock, an increment is acquire, read, add, write, release, and a unit that
//! asks for a held lock waits: a turn given to it is refused, naming the step.
//!
//! Pure: `spinlab.schedule` and the lab's buttons drive this, and the native
//! tests replay hand-written orders whose loss is known.

use std::fmt;

use crate::core::report::Value;

/// The fewest and most units a schedule takes.
pub const UNITS: std::ops::RangeInclusive<usize> = 2..=4;
/// The most increments a unit takes (a schedule is stepped by hand).
pub const MAX_INCREMENTS: u32 = 50;

/// One step of `counter += 1`, or of the lock around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Acquire,
    Read,
    Add,
    Write,
    Release,
}

impl Op {
    pub fn key(self) -> &'static str {
        match self {
            Op::Acquire => "acquire",
            Op::Read => "read",
            Op::Add => "add",
            Op::Write => "write",
            Op::Release => "release",
        }
    }

    /// The step as the Python line it stands for.
    pub fn python(self) -> &'static str {
        match self {
            Op::Acquire => "lock.acquire()",
            Op::Read => "local = counter",
            Op::Add => "local = local + 1",
            Op::Write => "counter = local",
            Op::Release => "lock.release()",
        }
    }
}

/// What a schedule is of: how many units, how many increments each, and
/// whether a lock guards the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub units: usize,
    pub increments: u32,
    pub lock: bool,
}

impl Plan {
    /// The plan, checked: 2–4 units, 1–50 increments.
    pub fn new(units: usize, increments: u32, lock: bool) -> Result<Plan, String> {
        if !UNITS.contains(&units) {
            return Err(format!(
                "units must be from {} to {}, not {units}",
                UNITS.start(),
                UNITS.end()
            ));
        }
        if !(1..=MAX_INCREMENTS).contains(&increments) {
            return Err(format!(
                "increments must be from 1 to {MAX_INCREMENTS}, not {increments}"
            ));
        }
        Ok(Plan {
            units,
            increments,
            lock,
        })
    }

    /// One increment's steps, in order.
    pub fn program(&self) -> &'static [Op] {
        if self.lock {
            &[Op::Acquire, Op::Read, Op::Add, Op::Write, Op::Release]
        } else {
            &[Op::Read, Op::Add, Op::Write]
        }
    }

    /// The counter's value if no update is lost.
    pub fn expected(&self) -> u64 {
        self.units as u64 * u64::from(self.increments)
    }

    /// Every step of the run, all units together.
    pub fn total_steps(&self) -> usize {
        self.expected() as usize * self.program().len()
    }
}

/// One step taken: who, what, the unit's local and the shared counter after
/// it, and, for a write that puts the counter back (it read `r`, the
/// counter holds more than `r` when it writes `r + 1`), the latest earlier
/// writes (their indices in the steps) whose updates it erased, one per
/// update lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub unit: usize,
    pub op: Op,
    pub local: u64,
    pub counter: u64,
    pub overwrote: Vec<usize>,
}

/// Why a unit may not take the turn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    NoSuchUnit { unit: usize, units: usize },
    Finished { unit: usize },
    Waits { unit: usize, holder: usize },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoSuchUnit { unit, units } => {
                write!(
                    f,
                    "there is no unit {unit}: the units are 0 to {}",
                    units - 1
                )
            }
            Refusal::Finished { unit } => write!(f, "unit {unit} has finished its increments"),
            Refusal::Waits { unit, holder } => write!(
                f,
                "unit {unit} waits for the lock, which unit {holder} holds: it cannot take a step"
            ),
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Unit {
    /// Increments finished.
    done: u32,
    /// The next step's place in the program.
    at: usize,
    local: u64,
    /// How many writes had been made when this unit last read the counter.
    seen_writes: usize,
}

/// A schedule in progress: the counter, the lock, each unit's place.
#[derive(Clone, Debug)]
pub struct Scheduler {
    plan: Plan,
    counter: u64,
    holder: Option<usize>,
    units: Vec<Unit>,
    /// The indices (in `steps`) of every write so far.
    writes: Vec<usize>,
    steps: Vec<Step>,
}

impl Scheduler {
    pub fn new(plan: Plan) -> Scheduler {
        Scheduler {
            plan,
            counter: 0,
            holder: None,
            units: vec![Unit::default(); plan.units],
            writes: Vec::new(),
            steps: Vec::new(),
        }
    }

    pub fn plan(&self) -> Plan {
        self.plan
    }

    pub fn counter(&self) -> u64 {
        self.counter
    }

    /// Who holds the lock, if anyone.
    pub fn holder(&self) -> Option<usize> {
        self.holder
    }

    /// A unit's local value (its last read, plus one once it added).
    pub fn local(&self, unit: usize) -> Option<u64> {
        self.units.get(unit).map(|u| u.local)
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The step `unit` takes when it next gets the turn, or `None` once it
    /// has finished.
    pub fn next_op(&self, unit: usize) -> Option<Op> {
        let u = self.units.get(unit)?;
        (u.done < self.plan.increments).then(|| self.plan.program()[u.at])
    }

    /// Whether `unit` may take the turn now, and if not, why.
    pub fn can_step(&self, unit: usize) -> Result<Op, Refusal> {
        let units = self.plan.units;
        if unit >= units {
            return Err(Refusal::NoSuchUnit { unit, units });
        }
        let op = self.next_op(unit).ok_or(Refusal::Finished { unit })?;
        match self.holder {
            Some(holder) if op == Op::Acquire && holder != unit => {
                Err(Refusal::Waits { unit, holder })
            }
            _ => Ok(op),
        }
    }

    /// The units that may take the turn now.
    pub fn runnable(&self) -> Vec<usize> {
        (0..self.plan.units)
            .filter(|&u| self.can_step(u).is_ok())
            .collect()
    }

    pub fn finished(&self) -> bool {
        self.units.iter().all(|u| u.done == self.plan.increments)
    }

    /// `unit` takes its next step; the step, or why it may not.
    pub fn step(&mut self, unit: usize) -> Result<&Step, Refusal> {
        let op = self.can_step(unit)?;
        let index = self.steps.len();
        let mut overwrote = Vec::new();
        let u = &mut self.units[unit];
        match op {
            Op::Acquire => self.holder = Some(unit),
            Op::Read => {
                u.local = self.counter;
                u.seen_writes = self.writes.len();
            }
            Op::Add => u.local += 1,
            Op::Write => {
                // It read `local - 1`; the counter went past that since:
                // those updates vanish, the latest writes it never saw.
                let erased = (self.counter + 1).saturating_sub(u.local) as usize;
                let unseen = &self.writes[u.seen_writes..];
                overwrote = unseen[unseen.len().saturating_sub(erased)..].to_vec();
                self.counter = u.local;
                self.writes.push(index);
            }
            Op::Release => self.holder = None,
        }
        u.at += 1;
        if u.at == self.plan.program().len() {
            u.at = 0;
            u.done += 1;
        }
        self.steps.push(Step {
            unit,
            op,
            local: u.local,
            counter: self.counter,
            overwrote,
        });
        Ok(&self.steps[index])
    }

    /// "Auto": the turn stays with a unit for `switch_every` steps (the
    /// switch interval) or until it waits or finishes, then passes to the
    /// next unit that can move, round the units, until every unit is done.
    pub fn auto(&mut self, switch_every: usize) {
        let switch_every = switch_every.max(1);
        let mut turn = self.steps.last().map_or(0, |s| s.unit);
        let mut taken = 0;
        while !self.finished() {
            if taken == switch_every || self.can_step(turn).is_err() {
                let units = self.plan.units;
                match (1..=units)
                    .map(|k| (turn + k) % units)
                    .find(|&u| self.can_step(u).is_ok())
                {
                    Some(next) => turn = next,
                    None => return, // cannot happen: a holder can always move
                }
                taken = 0;
            }
            if self.step(turn).is_err() {
                return;
            }
            taken += 1;
        }
    }

    /// The run so far, as its report.
    pub fn outcome(&self) -> Outcome {
        let expected = self.plan.expected();
        Outcome {
            plan: self.plan,
            expected,
            got: self.counter,
            // Every write made is one update; the counter keeps the rest.
            lost: (self.writes.len() as u64).saturating_sub(self.counter),
            steps: self.steps.clone(),
        }
    }
}

/// A schedule's report (`spinlab.schedule`).
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub plan: Plan,
    pub expected: u64,
    pub got: u64,
    /// Updates lost so far (writes made minus the counter): `expected - got`
    /// once the run is over.
    pub lost: u64,
    pub steps: Vec<Step>,
}

/// Runs `plan` in `order` (the unit that takes each step): the whole run,
/// or a message naming the first step that cannot be taken, or saying what
/// is left when the order ends first.
pub fn run(plan: Plan, order: &[usize]) -> Result<Outcome, String> {
    let mut scheduler = Scheduler::new(plan);
    for (i, &unit) in order.iter().enumerate() {
        if scheduler.finished() {
            return Err(format!(
                "the run is over after {i} steps, but the order names {}",
                order.len()
            ));
        }
        scheduler
            .step(unit)
            .map_err(|refusal| format!("step {}: {refusal}", i + 1))?;
    }
    if !scheduler.finished() {
        let left = plan.total_steps() - scheduler.steps().len();
        return Err(format!(
            "the order ends after {} steps with {left} still to take; \
             it must name a unit for every step ({} in all)",
            order.len(),
            plan.total_steps()
        ));
    }
    Ok(scheduler.outcome())
}

/// A step in words, for the lab's log and the replay's cursor.
pub fn describe(steps: &[Step], index: usize) -> String {
    let Some(step) = steps.get(index) else {
        return String::new();
    };
    let unit = step.unit;
    match step.op {
        Op::Acquire => format!("unit {unit} takes the lock"),
        Op::Release => format!("unit {unit} releases the lock"),
        Op::Read => format!("unit {unit} reads the counter: {}", step.local),
        Op::Add => format!("unit {unit} adds one to its local: {}", step.local),
        Op::Write if step.overwrote.is_empty() => {
            format!("unit {unit} writes {}", step.counter)
        }
        Op::Write => {
            let lost: Vec<String> = step
                .overwrote
                .iter()
                .map(|&w| format!("unit {}'s write of {}", steps[w].unit, steps[w].counter))
                .collect();
            format!(
                "unit {unit} writes {} over {}: {} lost",
                step.counter,
                lost.join(" and "),
                if lost.len() == 1 {
                    "one update".to_string()
                } else {
                    format!("{} updates", lost.len())
                }
            )
        }
    }
}

impl From<&Outcome> for Value {
    fn from(o: &Outcome) -> Value {
        let steps = o
            .steps
            .iter()
            .map(|s| {
                Value::Obj(vec![
                    ("unit", s.unit.into()),
                    ("op", Value::Str(s.op.key().into())),
                    ("local", Value::Num(s.local as f64)),
                    ("counter", Value::Num(s.counter as f64)),
                    (
                        "overwrote",
                        Value::List(s.overwrote.iter().map(|&w| w.into()).collect()),
                    ),
                ])
            })
            .collect();
        Value::Obj(vec![
            ("experiment", Value::Str("schedule".into())),
            ("units", o.plan.units.into()),
            ("increments", o.plan.increments.into()),
            ("lock", o.plan.lock.into()),
            ("expected", Value::Num(o.expected as f64)),
            ("got", Value::Num(o.got as f64)),
            ("lost", Value::Num(o.lost as f64)),
            ("steps", Value::List(steps)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(units: usize, increments: u32, lock: bool) -> Plan {
        Plan::new(units, increments, lock).unwrap()
    }

    #[test]
    fn both_read_zero_both_write_one_one_update_lost() {
        // unit 0 reads 0, unit 1 reads 0, both add and write 1.
        let o = run(plan(2, 1, false), &[0, 1, 0, 0, 1, 1]).unwrap();
        assert_eq!((o.expected, o.got, o.lost), (2, 1, 1));
        let ops: Vec<(usize, &str, u64, u64)> = o
            .steps
            .iter()
            .map(|s| (s.unit, s.op.key(), s.local, s.counter))
            .collect();
        assert_eq!(
            ops,
            [
                (0, "read", 0, 0),
                (1, "read", 0, 0),
                (0, "add", 1, 0),
                (0, "write", 1, 1),
                (1, "add", 1, 1),
                (1, "write", 1, 1),
            ]
        );
        // The last write overwrote the fourth step's, unit 0's.
        assert_eq!(o.steps[5].overwrote, [3]);
        assert_eq!(
            describe(&o.steps, 5),
            "unit 1 writes 1 over unit 0's write of 1: one update lost"
        );
    }

    #[test]
    fn one_unit_at_a_time_loses_nothing() {
        let o = run(plan(2, 2, false), &[0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]).unwrap();
        assert_eq!((o.expected, o.got, o.lost), (4, 4, 0));
        assert!(o.steps.iter().all(|s| s.overwrote.is_empty()));
    }

    #[test]
    fn a_slow_writer_can_wipe_out_several_updates() {
        // Unit 0 reads 0 and stalls; unit 1 counts to 3; unit 0 writes 1.
        let mut order = vec![0];
        order.extend([1; 9]);
        order.extend([0, 0]);
        order.extend([0; 6]); // unit 0's two other increments, alone
        let o = run(plan(2, 3, false), &order).unwrap();
        assert_eq!((o.expected, o.got, o.lost), (6, 3, 3));
        assert_eq!(o.steps[11].overwrote, [3, 6, 9]);
        assert_eq!(o.lost, o.expected - o.got);
    }

    #[test]
    fn with_the_lock_a_waiting_unit_is_refused_and_nothing_is_lost() {
        let p = plan(2, 1, true);
        let err = run(p, &[0, 1]).unwrap_err();
        assert_eq!(
            err,
            "step 2: unit 1 waits for the lock, which unit 0 holds: it cannot take a step"
        );
        let o = run(p, &[0, 0, 0, 0, 0, 1, 1, 1, 1, 1]).unwrap();
        assert_eq!((o.expected, o.got, o.lost), (2, 2, 0));
        assert_eq!(o.steps[0].op, Op::Acquire);
        assert_eq!(o.steps[4].op, Op::Release);
    }

    #[test]
    fn the_order_must_be_whole_and_name_real_units() {
        let p = plan(2, 1, false);
        assert!(
            run(p, &[0, 1])
                .unwrap_err()
                .starts_with("the order ends after 2 steps with 4 still to take")
        );
        assert_eq!(
            run(p, &[0, 2]).unwrap_err(),
            "step 2: there is no unit 2: the units are 0 to 1"
        );
        assert_eq!(
            run(p, &[0, 0, 0, 0]).unwrap_err(),
            "step 4: unit 0 has finished its increments"
        );
        assert!(
            run(p, &[0, 0, 0, 1, 1, 1, 1])
                .unwrap_err()
                .starts_with("the run is over after 6 steps")
        );
        assert!(Plan::new(1, 1, false).is_err());
        assert!(Plan::new(5, 1, false).is_err());
        assert!(Plan::new(2, 0, false).is_err());
        assert!(Plan::new(2, MAX_INCREMENTS + 1, false).is_err());
    }

    #[test]
    fn auto_finishes_every_run_and_the_loss_is_what_the_writes_say() {
        for units in UNITS {
            for lock in [false, true] {
                for every in [1, 2, 3, 5, 100] {
                    let mut s = Scheduler::new(plan(units, 7, lock));
                    s.auto(every);
                    assert!(s.finished());
                    let o = s.outcome();
                    assert_eq!(o.steps.len(), o.plan.total_steps());
                    assert_eq!(o.lost, o.expected - o.got, "{units} {lock} {every}");
                    if lock {
                        assert_eq!(o.lost, 0);
                    }
                }
            }
        }
        // Switching every 2 steps: a write that only repeats the value a unit
        // read erases nothing, and the loss is still what the counter says.
        let mut s = Scheduler::new(plan(2, 2, false));
        s.auto(2);
        let o = s.outcome();
        let writes: Vec<(usize, u64, usize)> = o
            .steps
            .iter()
            .filter(|s| s.op == Op::Write)
            .map(|s| (s.unit, s.counter, s.overwrote.len()))
            .collect();
        assert_eq!(writes, [(0, 1, 0), (1, 1, 1), (0, 2, 0), (1, 2, 1)]);
        assert_eq!((o.got, o.lost), (2, 2));
        // Switching every step, two units always read the same value.
        let mut s = Scheduler::new(plan(2, 4, false));
        s.auto(1);
        assert_eq!(s.outcome().got, 4);
        // Switching after a whole increment, nothing is lost.
        let mut s = Scheduler::new(plan(3, 4, false));
        s.auto(3);
        assert_eq!(s.outcome().lost, 0);
    }

    #[test]
    fn the_report_carries_every_step() {
        let o = run(plan(2, 1, false), &[0, 1, 0, 0, 1, 1]).unwrap();
        let v = Value::from(&o);
        assert_eq!(v.get("lost"), Some(&Value::Num(1.0)));
        match v.get("steps") {
            Some(Value::List(steps)) => {
                assert_eq!(steps.len(), 6);
                assert_eq!(steps[5].get("op"), Some(&Value::Str("write".into())));
                assert_eq!(
                    steps[5].get("overwrote"),
                    Some(&Value::List(vec![Value::Num(3.0)]))
                );
            }
            other => panic!("steps: {other:?}"),
        }
    }
}
