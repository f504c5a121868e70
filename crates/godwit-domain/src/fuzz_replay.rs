//! The fuzz targets' checks as ordinary tests (docs/fuzzing.md, "In CI").
//!
//! CI cannot afford to build libFuzzer, so every target's check (a `pub fn`
//! in a `fuzz_checks` module of the crate it exercises) is also run by a
//! `#[test]` through [`replay`]: over the committed seeds, the local corpus
//! when a fuzzing run left one, and a fixed set of inputs made from the seeds
//! by a deterministic mutator, so a failure found once is found every time.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Mutated inputs per target: enough to reach the parsers' error paths, and a
/// few seconds at most in a debug build.
pub const MUTANTS: u32 = 2_000;

/// What the mutator inserts: the delimiters and escapes of the formats fuzzed
/// (EDIFACT, MRZ, CSV, XLSX, JSON, Markdown and HTML), invalid UTF-8 and
/// numbers at the edges.
const TOKENS: &[&[u8]] = &[
    b"'",
    b"+",
    b":",
    b"?",
    b"\"",
    b",",
    b"\n",
    b"\r\n",
    b";",
    b"<",
    b">",
    b"{",
    b"}",
    b"[",
    b"]",
    b"*",
    b"_",
    b"`",
    b"#",
    b"-",
    b"|",
    b"\\",
    b"0",
    b"9",
    b"\x00",
    b"\xff",
    b"\xc3\xa9",
    b"\xe2\x80\xae",
    b"UNH+",
    b"NAD+",
    b"P<",
    b"<<<",
    b"null",
    b"-1",
    b"99999999999999999999",
    b"1e999",
    b"PK\x03\x04",
    b"<script>",
    b"](javascript:",
    b"&#",
    b"    ",
    b"> ",
    b"1. ",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: Index,
        bit: u8,
    },
    Insert {
        at: Index,
        token: Index,
    },
    Delete {
        at: Index,
        len: u8,
    },
    /// Copies `len` bytes from seed `from` at `start` into the input at `at`;
    /// `from` may be the input's own seed, which repeats a part of it.
    Splice {
        from: Index,
        start: Index,
        len: u8,
        at: Index,
    },
    Truncate {
        at: Index,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0..8u8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (any::<Index>(), any::<Index>()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (any::<Index>(), 1..64u8).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<Index>(), any::<Index>(), any::<u8>(), any::<Index>())
            .prop_map(|(from, start, len, at)| Mutation::Splice { from, start, len, at }),
        any::<Index>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

/// `seed` with `mutations` applied in turn; `seeds` are the sources of splices.
fn mutate(seeds: &[Vec<u8>], seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for m in mutations {
        // Positions are taken modulo the current length (plus one where the
        // end is a valid place), so every mutation applies to any input.
        match m {
            Mutation::Flip { at, bit } if !data.is_empty() => {
                let i = at.index(data.len());
                data[i] ^= 1 << bit;
            }
            Mutation::Insert { at, token } => {
                let i = at.index(data.len() + 1);
                data.splice(i..i, TOKENS[token.index(TOKENS.len())].iter().copied());
            }
            Mutation::Delete { at, len } if !data.is_empty() => {
                let i = at.index(data.len());
                let end = (i + usize::from(*len)).min(data.len());
                data.drain(i..end);
            }
            Mutation::Splice { from, start, len, at } => {
                let source = &seeds[from.index(seeds.len())];
                if source.is_empty() {
                    continue;
                }
                let s = start.index(source.len());
                let part = source[s..(s + usize::from(*len)).min(source.len())].to_vec();
                let i = at.index(data.len() + 1);
                data.splice(i..i, part);
            }
            Mutation::Truncate { at } => data.truncate(at.index(data.len() + 1)),
            Mutation::Flip { .. } | Mutation::Delete { .. } => {}
        }
    }
    data
}

/// The fuzzing directory of the repository.
fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

/// Runs `check` (a fuzz target's body) over `fuzz/seeds/TARGET/*`, then
/// `fuzz/corpus/TARGET/*` when present, then [`MUTANTS`] mutations of the
/// seeds; panics naming the input that failed.
pub fn replay(target: &str, check: fn(&[u8])) {
    let seeds = files(&fuzz_dir().join("seeds").join(target));
    assert!(!seeds.is_empty(), "fuzz/seeds/{target}/ holds no seed");
    for (path, bytes) in seeds.iter().chain(&files(&fuzz_dir().join("corpus").join(target))) {
        if std::panic::catch_unwind(|| check(bytes)).is_err() {
            panic!("fuzz check {target} failed on {}", path.display());
        }
    }

    let seeds: Vec<Vec<u8>> = seeds.into_iter().map(|(_, bytes)| bytes).collect();
    let inputs = (any::<Index>(), proptest::collection::vec(mutation(), 1..8)).prop_map({
        let seeds = seeds.clone();
        move |(seed, mutations)| mutate(&seeds, &seeds[seed.index(seeds.len())], &mutations)
    });
    let config = Config { cases: MUTANTS, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    if let Err(failure) = runner.run(&inputs, |input| {
        check(&input);
        Ok(())
    }) {
        panic!("fuzz check {target} failed: {failure}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest! {
        // Every mutation applies to any input, the empty one included, and
        // makes it at most one token or one splice longer per mutation.
        #[test]
        fn mutations_apply_to_any_input(
            seeds in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..16), 1..3),
            seed in any::<Index>(),
            mutations in proptest::collection::vec(mutation(), 0..8),
        ) {
            let seed = &seeds[seed.index(seeds.len())];
            let out = mutate(&seeds, seed, &mutations);
            prop_assert!(out.len() <= seed.len() + mutations.len() * 255);
        }
    }
}
