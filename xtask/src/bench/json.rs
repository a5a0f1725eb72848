//! The JSON `./x bench` reads back, by serde's derive and strictly: an
//! unknown key (a misspelling, or a key a writer added and this reader
//! lacks), a missing key or a value of the wrong type is an error naming
//! it, never a zero or an empty series. It reads the page's measurements
//! (`page.json` from `tests/e2e/bench.mjs`, and the `measurements` of
//! `bench/results.json`: what `Measurements::to_json` writes), what the
//! native reference (`bench/native.rs`) and CPython (`bench/is_prime.py`)
//! print, and, in the tests, the whole of `bench/results.json`.
//!
//! Two habits of serde's derive to keep in mind here: a key added later,
//! which results written before it lack, is `#[serde(default)]` (missing
//! reads as empty, misspelt is still refused); and an `Option` that must be
//! there, `null` when there is nothing, is read `with = "present"`, for
//! serde reads a missing `Option` as `None` otherwise.

use std::fmt;

use serde::{Deserialize, Deserializer, de};
use spinlab::core::bench::{Kernel, Measurements, Pitfall, PoolSeries, QueueSeries, Sizes, Split};

use crate::Result;

/// `page.json`: what `tests/e2e/bench.mjs` measured in headless Chromium.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageRun {
    /// The browser's user agent.
    pub browser: String,
    pub measurements: MeasurementsJson,
}

/// [`Measurements`] as `Measurements::to_json` writes them (with
/// `bench.mjs`'s start-up samples), read back by [`Measurements::try_from`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeasurementsJson {
    runs: usize,
    cores: usize,
    kernels: Vec<KernelJson>,
    sequential_ms: Vec<f64>,
    sequential_costs_ms: Vec<Vec<f64>>,
    cpython_fixture_ms: Vec<f64>,
    pools: Vec<PoolJson>,
    queues: Vec<QueueJson>,
    #[serde(deserialize_with = "present")]
    split: Option<SplitJson>,
    #[serde(deserialize_with = "present")]
    pitfall: Option<PitfallJson>,
    startup_cold_ms: Vec<f64>,
    startup_warm_ms: Vec<f64>,
    #[serde(default)]
    startup_cold_stages_ms: Vec<Vec<f64>>,
    #[serde(default)]
    startup_warm_stages_ms: Vec<Vec<f64>>,
    #[serde(default)]
    bare_workers_ms: Vec<f64>,
    #[serde(default)]
    glue_workers_ms: Vec<f64>,
    /// The page cannot measure its own files (`null` in `page.json`): the
    /// sizes are read after the build.
    #[serde(deserialize_with = "present")]
    sizes: Option<SizesJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KernelJson {
    #[serde(deserialize_with = "decimal")]
    n: u64,
    variant: String,
    wasm_ms: Vec<f64>,
    native_ms: Vec<f64>,
    cpython_ms: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PoolJson {
    mode: String,
    workers: usize,
    total_ms: Vec<f64>,
    gap_ms: Vec<f64>,
    #[serde(default)]
    startup_ms: Vec<f64>,
    #[serde(default)]
    boot_ms: Vec<Vec<f64>>,
    #[serde(default)]
    costs_ms: Vec<Vec<f64>>,
    #[serde(default)]
    tail_ms: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct QueueJson {
    via: String,
    shared: bool,
    jobs: usize,
    us_per_job: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SplitJson {
    #[serde(deserialize_with = "decimal")]
    n: u64,
    parts: usize,
    one_ms: Vec<f64>,
    parts_ms: Vec<f64>,
    #[serde(default)]
    native_one_ms: Vec<f64>,
    #[serde(default)]
    native_parts_ms: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PitfallJson {
    #[serde(deserialize_with = "decimal")]
    n: u64,
    compute_ms: Vec<f64>,
    gap_ms: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SizesJson {
    wasm_bytes: u64,
    #[serde(deserialize_with = "present")]
    wasm_gzip_bytes: Option<u64>,
    js_bytes: u64,
    #[serde(deserialize_with = "present")]
    js_gzip_bytes: Option<u64>,
    /// Out of the module since 2026-11-30: older runs have none.
    #[serde(default)]
    listings_bytes: Option<u64>,
    #[serde(default)]
    listings_gzip_bytes: Option<u64>,
}

impl TryFrom<MeasurementsJson> for Measurements {
    type Error = String;

    /// The measurements, refused when they cannot make a figure.
    fn try_from(m: MeasurementsJson) -> Result<Measurements> {
        if m.runs == 0 || m.cores == 0 {
            return Err(format!(
                "the page's measurements are incomplete: {} runs, {} cores",
                m.runs, m.cores
            ));
        }
        Ok(Measurements {
            runs: m.runs,
            cores: m.cores,
            kernels: m.kernels.into_iter().map(Kernel::from).collect(),
            sequential_ms: m.sequential_ms,
            sequential_costs_ms: m.sequential_costs_ms,
            cpython_fixture_ms: m.cpython_fixture_ms,
            pools: m.pools.into_iter().map(PoolSeries::from).collect(),
            queues: m.queues.into_iter().map(QueueSeries::from).collect(),
            split: m.split.map(Split::from),
            pitfall: m.pitfall.map(Pitfall::from),
            startup_cold_ms: m.startup_cold_ms,
            startup_warm_ms: m.startup_warm_ms,
            startup_cold_stages_ms: m.startup_cold_stages_ms,
            startup_warm_stages_ms: m.startup_warm_stages_ms,
            bare_workers_ms: m.bare_workers_ms,
            glue_workers_ms: m.glue_workers_ms,
            sizes: m.sizes.map(Sizes::from),
        })
    }
}

impl From<KernelJson> for Kernel {
    fn from(k: KernelJson) -> Kernel {
        Kernel {
            n: k.n,
            variant: k.variant,
            wasm_ms: k.wasm_ms,
            native_ms: k.native_ms,
            cpython_ms: k.cpython_ms,
        }
    }
}

impl From<PoolJson> for PoolSeries {
    fn from(p: PoolJson) -> PoolSeries {
        PoolSeries {
            mode: p.mode,
            workers: p.workers,
            total_ms: p.total_ms,
            gap_ms: p.gap_ms,
            startup_ms: p.startup_ms,
            boot_ms: p.boot_ms,
            costs_ms: p.costs_ms,
            tail_ms: p.tail_ms,
        }
    }
}

impl From<QueueJson> for QueueSeries {
    fn from(q: QueueJson) -> QueueSeries {
        QueueSeries {
            via: q.via,
            shared: q.shared,
            jobs: q.jobs,
            us_per_job: q.us_per_job,
        }
    }
}

impl From<SplitJson> for Split {
    fn from(s: SplitJson) -> Split {
        Split {
            n: s.n,
            parts: s.parts,
            one_ms: s.one_ms,
            parts_ms: s.parts_ms,
            native_one_ms: s.native_one_ms,
            native_parts_ms: s.native_parts_ms,
        }
    }
}

impl From<PitfallJson> for Pitfall {
    fn from(p: PitfallJson) -> Pitfall {
        Pitfall {
            n: p.n,
            compute_ms: p.compute_ms,
            gap_ms: p.gap_ms,
        }
    }
}

impl From<SizesJson> for Sizes {
    fn from(s: SizesJson) -> Sizes {
        Sizes {
            wasm_bytes: s.wasm_bytes,
            wasm_gzip_bytes: s.wasm_gzip_bytes,
            js_bytes: s.js_bytes,
            js_gzip_bytes: s.js_gzip_bytes,
            listings_bytes: s.listings_bytes,
            listings_gzip_bytes: s.listings_gzip_bytes,
        }
    }
}

/// The `kernel` output of the native reference and of CPython: each
/// number it was given, timed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kernels<K> {
    pub kernels: Vec<K>,
}

/// One number timed by the native reference, with `is_prime` and with
/// `is_prime_unrolled`.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NativeKernel {
    #[serde(deserialize_with = "decimal")]
    pub n: u64,
    pub ms: Vec<f64>,
    pub unrolled_ms: Vec<f64>,
}

/// One number timed by CPython's `is_prime`.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CPythonKernel {
    #[serde(deserialize_with = "decimal")]
    pub n: u64,
    pub ms: Vec<f64>,
}

/// The native reference's `fixture` output: its pools (the sequential
/// total is the page's own figure, so it is not read).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NativeFixture {
    #[serde(rename = "sequentialMs")]
    _sequential_ms: de::IgnoredAny,
    pub pools: Vec<PoolTotals>,
}

/// A pool's totals on the fixture, as a reference times it: the native
/// reference's threads (`fixture`), or one of the book's designs in
/// CPython (`is_prime.py pool`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PoolTotals {
    pub mode: String,
    pub workers: usize,
    pub total_ms: Vec<f64>,
}

impl From<PoolTotals> for PoolSeries {
    fn from(p: PoolTotals) -> PoolSeries {
        PoolSeries {
            mode: p.mode,
            workers: p.workers,
            total_ms: p.total_ms,
            ..PoolSeries::default()
        }
    }
}

/// The native reference's `split` output: one number checked in one part,
/// then in `parts`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NativeSplit {
    #[serde(deserialize_with = "decimal")]
    pub n: u64,
    pub parts: usize,
    pub one_ms: Vec<f64>,
    pub parts_ms: Vec<f64>,
}

/// CPython's `fixture` output: the book's fixture checked sequentially.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CPythonFixture {
    pub fixture_ms: Vec<f64>,
}

/// A number beyond 2^53, which a JSON number (a double) cannot hold
/// exactly: written as a decimal string.
fn decimal<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
    struct Decimal;
    impl de::Visitor<'_> for Decimal {
        type Value = u64;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number as a decimal string")
        }

        fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<u64, E> {
            s.parse()
                .map_err(|_| E::invalid_value(de::Unexpected::Str(s), &self))
        }
    }
    d.deserialize_str(Decimal)
}

/// An `Option` that must be present, `null` for none: read `with` this,
/// a missing key is an error (serde's derive would read it as `None`).
fn present<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::deserialize(d)
}

/// The whole of `bench/results.json`, as `bench.rs` writes it: read only
/// by the tests, which hold the committed file (the page's reference run)
/// and what the writer writes to this reader.
#[cfg(test)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Results {
    pub date: String,
    pub command: String,
    pub quick: bool,
    pub seconds: f64,
    pub machine: super::Machine,
    pub versions: Versions,
    pub figures: Vec<FigureJson>,
    pub measurements: MeasurementsJson,
}

/// What measured: the commit, the compiler, the browser, the interpreters.
#[cfg(test)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Versions {
    pub spinlab: String,
    pub rustc: String,
    pub chromium: String,
    pub user_agent: String,
    pub python: String,
    pub node: String,
}

/// One row of the table, as `figures_json` writes it (a median, min or
/// max that was not finite is `null`).
#[cfg(test)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureJson {
    pub group: String,
    pub label: String,
    #[serde(deserialize_with = "present")]
    pub median: Option<f64>,
    #[serde(deserialize_with = "present")]
    pub min: Option<f64>,
    #[serde(deserialize_with = "present")]
    pub max: Option<f64>,
    pub runs: usize,
    pub shown: String,
    pub range: String,
    pub target: String,
    pub verdict: String,
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use std::fs;

    use spinlab::core::primes::BOOK_PRIME;

    use super::*;
    use crate::root;

    /// The page's measurements as `bench.mjs` writes them, small.
    const PAGE: &str = r#"{"runs":2,"cores":2,
        "kernels":[{"n":"5000111000222021","variant":"is_prime","wasmMs":[3300.5,3310],"nativeMs":[],"cpythonMs":[]}],
        "sequentialMs":[600,610.25],"sequentialCostsMs":[[1.5,2],[1.25,2.5]],"cpythonFixtureMs":[],
        "pools":[{"mode":"processes","workers":2,"totalMs":[320,330],"gapMs":[4,5],"startupMs":[60,70],"bootMs":[[1,12,14,30,2,1],[1,13,15,35,5,1]],"costsMs":[[150,140],[151,139]],"tailMs":[3,4]}],
        "queues":[{"via":"messages","shared":false,"jobs":1000,"usPerJob":[12.5,13]}],
        "split":{"n":"9007199254740997","parts":4,"oneMs":[100,101],"partsMs":[52,53],"nativeOneMs":[99,99.5],"nativePartsMs":[50,51]},
        "pitfall":null,"startupColdMs":[536,627],"startupWarmMs":[281,378],"startupColdStagesMs":[[40,150,100,90]],"bareWorkersMs":[21,23.5],"glueWorkersMs":[40,41.5],"sizes":null}"#;

    fn read(json: &str) -> Result<Measurements> {
        let m: MeasurementsJson = serde_json::from_str(json).map_err(|e| e.to_string())?;
        Measurements::try_from(m)
    }

    #[test]
    fn reads_the_page_measurements() {
        let m = read(PAGE).unwrap();
        assert_eq!(
            m,
            Measurements {
                runs: 2,
                cores: 2,
                kernels: vec![Kernel {
                    n: 5_000_111_000_222_021,
                    variant: "is_prime".into(),
                    wasm_ms: vec![3300.5, 3310.0],
                    native_ms: vec![],
                    cpython_ms: vec![],
                }],
                sequential_ms: vec![600.0, 610.25],
                sequential_costs_ms: vec![vec![1.5, 2.0], vec![1.25, 2.5]],
                cpython_fixture_ms: vec![],
                pools: vec![PoolSeries {
                    mode: "processes".into(),
                    workers: 2,
                    total_ms: vec![320.0, 330.0],
                    gap_ms: vec![4.0, 5.0],
                    startup_ms: vec![60.0, 70.0],
                    boot_ms: vec![
                        vec![1.0, 12.0, 14.0, 30.0, 2.0, 1.0],
                        vec![1.0, 13.0, 15.0, 35.0, 5.0, 1.0]
                    ],
                    costs_ms: vec![vec![150.0, 140.0], vec![151.0, 139.0]],
                    tail_ms: vec![3.0, 4.0],
                }],
                queues: vec![QueueSeries {
                    via: "messages".into(),
                    shared: false,
                    jobs: 1000,
                    us_per_job: vec![12.5, 13.0],
                }],
                split: Some(Split {
                    n: 9_007_199_254_740_997,
                    parts: 4,
                    one_ms: vec![100.0, 101.0],
                    parts_ms: vec![52.0, 53.0],
                    native_one_ms: vec![99.0, 99.5],
                    native_parts_ms: vec![50.0, 51.0],
                }),
                pitfall: None,
                startup_cold_ms: vec![536.0, 627.0],
                startup_warm_ms: vec![281.0, 378.0],
                startup_cold_stages_ms: vec![vec![40.0, 150.0, 100.0, 90.0]],
                startup_warm_stages_ms: Vec::new(),
                bare_workers_ms: vec![21.0, 23.5],
                glue_workers_ms: vec![40.0, 41.5],
                sizes: None,
            }
        );
    }

    #[test]
    fn results_written_before_a_key_was_added_read_without_it() {
        let older = PAGE
            .replace(
                r#","startupMs":[60,70],"bootMs":[[1,12,14,30,2,1],[1,13,15,35,5,1]],"costsMs":[[150,140],[151,139]],"tailMs":[3,4]"#,
                "",
            )
            .replace(r#","bareWorkersMs":[21,23.5],"glueWorkersMs":[40,41.5]"#, "")
            .replace(r#","nativeOneMs":[99,99.5],"nativePartsMs":[50,51]"#, "");
        let m = read(&older).unwrap();
        assert!(m.pools[0].startup_ms.is_empty());
        assert!(m.pools[0].boot_ms.is_empty());
        assert!(m.pools[0].costs_ms.is_empty() && m.pools[0].tail_ms.is_empty());
        assert!(m.bare_workers_ms.is_empty() && m.glue_workers_ms.is_empty());
        assert!(m.split.unwrap().native_one_ms.is_empty());
        // Added, not optional: a misspelling is still refused.
        let misspelt = PAGE.replace("startupMs", "startUpMs");
        let err = read(&misspelt).unwrap_err();
        assert!(err.contains("unknown field `startUpMs`"), "{err}");
    }

    #[test]
    fn reads_back_what_the_page_writes() {
        let mut m = read(PAGE).unwrap();
        m.pitfall = Some(Pitfall {
            n: BOOK_PRIME,
            compute_ms: vec![3000.0],
            gap_ms: vec![2999.5],
        });
        m.sizes = Some(Sizes {
            wasm_bytes: 617_473,
            wasm_gzip_bytes: Some(267_907),
            js_bytes: 78_722,
            js_gzip_bytes: None,
            listings_bytes: Some(40_000),
            listings_gzip_bytes: Some(9_000),
        });
        assert_eq!(read(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn refuses_a_misspelled_key_naming_it() {
        let err = read(&PAGE.replace("\"wasmMs\"", "\"wasmMS\"")).unwrap_err();
        assert!(
            err.starts_with("unknown field `wasmMS`, expected one of"),
            "{err}"
        );
        let err = read(&PAGE.replace("\"runs\"", "\"rusn\"")).unwrap_err();
        assert!(err.starts_with("unknown field `rusn`"), "{err}");
    }

    #[test]
    fn refuses_a_missing_key_naming_it() {
        let err = read(&PAGE.replace(",\"gapMs\":[4,5]", "")).unwrap_err();
        assert!(err.starts_with("missing field `gapMs`"), "{err}");
        // `null` when there is none, but never missing.
        let err = read(&PAGE.replace("\"pitfall\":null,", "")).unwrap_err();
        assert!(err.starts_with("missing field `pitfall`"), "{err}");
        let err = read(&PAGE.replace(",\"sizes\":null", "")).unwrap_err();
        assert!(err.starts_with("missing field `sizes`"), "{err}");
    }

    #[test]
    fn refuses_a_value_of_the_wrong_type_naming_it() {
        let err = read(&PAGE.replace("\"runs\":2", "\"runs\":\"2\"")).unwrap_err();
        assert!(
            err.starts_with("invalid type: string \"2\", expected usize"),
            "{err}"
        );
        let err = read(&PAGE.replace("[600,610.25]", "[600,null]")).unwrap_err();
        assert!(err.starts_with("invalid type: null, expected f64"), "{err}");
        let err = read(&PAGE.replace("[[1.5,2]", "[[1.5,\"2\"]")).unwrap_err();
        assert!(
            err.starts_with("invalid type: string \"2\", expected f64"),
            "{err}"
        );
        let err = read(&PAGE.replace("\"9007199254740997\"", "9007199254740997")).unwrap_err();
        assert!(
            err.starts_with(
                "invalid type: integer `9007199254740997`, expected a number as a decimal string"
            ),
            "{err}"
        );
        let err = read(&PAGE.replace("\"9007199254740997\"", "\"9e15\"")).unwrap_err();
        assert!(
            err.starts_with(
                "invalid value: string \"9e15\", expected a number as a decimal string"
            ),
            "{err}"
        );
    }

    #[test]
    fn refuses_measurements_without_runs_or_cores() {
        let err = read(&PAGE.replace("\"cores\":2", "\"cores\":0")).unwrap_err();
        assert_eq!(
            err,
            "the page's measurements are incomplete: 2 runs, 0 cores"
        );
    }

    #[test]
    fn reads_the_references_output_strictly() {
        let native: Kernels<NativeKernel> = serde_json::from_str(
            r#"{"kernels":[{"n":"5000111000222021","ms":[40.5,41],"unrolledMs":[30,31.5]}]}"#,
        )
        .unwrap();
        assert_eq!(
            native.kernels,
            [NativeKernel {
                n: 5_000_111_000_222_021,
                ms: vec![40.5, 41.0],
                unrolled_ms: vec![30.0, 31.5],
            }]
        );
        let fixture: NativeFixture = serde_json::from_str(
            r#"{"sequentialMs":[500],"pools":[{"mode":"native-threads","workers":2,"totalMs":[260,270]}]}"#,
        )
        .unwrap();
        let pools: Vec<PoolSeries> = fixture.pools.into_iter().map(PoolSeries::from).collect();
        assert_eq!(
            pools,
            [PoolSeries {
                mode: "native-threads".into(),
                workers: 2,
                total_ms: vec![260.0, 270.0],
                ..PoolSeries::default()
            }]
        );
        let misspelled = serde_json::from_str::<NativeFixture>(
            r#"{"sequentialMs":[500],"pools":[{"mode":"native-threads","worker":2,"totalMs":[260]}]}"#,
        );
        let err = misspelled.err().expect("refused").to_string();
        assert!(err.starts_with("unknown field `worker`"), "{err}");
        let cpython: Kernels<CPythonKernel> =
            serde_json::from_str(r#"{"kernels":[{"n":"5000111000222021","ms":[3300]}]}"#).unwrap();
        assert_eq!(
            cpython.kernels,
            [CPythonKernel {
                n: 5_000_111_000_222_021,
                ms: vec![3300.0],
            }]
        );
        let split: NativeSplit = serde_json::from_str(
            r#"{"n":"9007199254740997","parts":2,"oneMs":[99],"partsMs":[50]}"#,
        )
        .unwrap();
        assert_eq!((split.n, split.parts), (9_007_199_254_740_997, 2));
        assert_eq!((split.one_ms, split.parts_ms), (vec![99.0], vec![50.0]));
        let fixture: CPythonFixture = serde_json::from_str(r#"{"fixtureMs":[27480]}"#).unwrap();
        assert_eq!(fixture.fixture_ms, [27480.0]);
        assert!(serde_json::from_str::<CPythonFixture>(r#"{"fixtureMS":[1]}"#).is_err());
    }

    /// `bench/results.json`, the last full run, is what the page shows as
    /// its reference: all of it must read back, so that a key added to or
    /// renamed in the writer without this reader fails here.
    #[test]
    fn the_last_full_run_reads_back() {
        let path = root().join("bench/results.json");
        let text = fs::read_to_string(&path).expect("bench/results.json");
        let results: Results = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} does not read back: {e}", path.display()));
        let Results {
            date,
            command,
            quick,
            seconds,
            machine,
            versions,
            figures,
            measurements,
        } = results;
        // The page's reference is a full run.
        assert_eq!((command.as_str(), quick), ("./x bench", false));
        assert!(!date.is_empty() && seconds > 0.0);
        assert!(machine.cores > 0 && !machine.cpu.is_empty());
        let Versions {
            spinlab,
            rustc,
            chromium,
            user_agent,
            python,
            node,
        } = versions;
        for version in [spinlab, rustc, chromium, user_agent, python, node] {
            assert!(!version.is_empty());
        }
        assert!(!figures.is_empty());
        for FigureJson {
            group,
            label,
            median,
            min,
            max,
            runs,
            shown,
            range,
            target,
            verdict,
            detail,
        } in figures
        {
            assert!(!group.is_empty() && !label.is_empty(), "{label}");
            assert!(
                runs > 0 && !shown.is_empty() && !range.is_empty(),
                "{label}"
            );
            assert!(
                !target.is_empty() && !verdict.is_empty(),
                "{label}: {detail}"
            );
            if let (Some(median), Some(min), Some(max)) = (median, min, max) {
                assert!(min <= median && median <= max, "{label}");
            }
        }
        let m = Measurements::try_from(measurements).unwrap();
        assert!(m.runs > 0 && !m.kernels.is_empty() && !m.pools.is_empty());
        assert!(m.sizes.is_some(), "a full run measures the sizes");
    }

    /// A key added to any object of `bench/results.json`, or renamed,
    /// without this reader is refused, naming it.
    #[test]
    fn a_key_the_reader_lacks_is_refused_anywhere_in_the_results() {
        let text = fs::read_to_string(root().join("bench/results.json")).unwrap();
        for object in [
            "{",
            "\"machine\":{",
            "\"versions\":{",
            "\"figures\":[{",
            "\"measurements\":{",
            "\"kernels\":[{",
            "\"pools\":[{",
            "\"queues\":[{",
            "\"split\":{",
            "\"pitfall\":{",
            "\"sizes\":{",
        ] {
            assert!(text.contains(object), "{object} not in bench/results.json");
            let added = text.replacen(object, &format!("{object}\"added\":1,"), 1);
            let err = serde_json::from_str::<Results>(&added).err();
            let err = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(err.starts_with("unknown field `added`"), "{object}: {err}");
        }
        let renamed = text.replacen("\"memoryGiB\"", "\"memoryGib\"", 1);
        let err = serde_json::from_str::<Results>(&renamed).err();
        let err = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("unknown field `memoryGib`"), "{err}");
    }
}
