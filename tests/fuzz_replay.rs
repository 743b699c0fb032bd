//! The fuzz targets' corpora replayed without cargo-fuzz: every input kept under
//! `fuzz/corpus/<target>/` (the seeds, and locally whatever a fuzzing run added) and every
//! crash kept under `fuzz/artifacts/<target>/` goes through the same decoders the target
//! feeds (`switchback::fuzzing`), which must not panic. A crash once found and fixed stays
//! fixed.

use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_and_crash_input_decodes_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (target, decode) in switchback::fuzzing::TARGETS {
        let corpus = root.join("corpus").join(target);
        assert!(
            corpus.is_dir(),
            "the corpus of fuzz target `{target}` is missing: {} (its seeds are committed)",
            corpus.display()
        );
        let seeds = inputs(&corpus);
        assert!(
            seeds.iter().any(|p| p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("seed-"))),
            "{} holds no seed",
            corpus.display()
        );
        let crashes = inputs(&root.join("artifacts").join(target));
        for input in seeds.iter().chain(&crashes) {
            // A fuzzing run beside this test may drop an input it has reduced.
            let Ok(bytes) = std::fs::read(input) else {
                continue;
            };
            let outcome = std::panic::catch_unwind(|| decode(&bytes));
            assert!(
                outcome.is_ok(),
                "`{target}` panics on {} (replay: cargo fuzz run {target} {})",
                input.display(),
                input.display()
            );
        }
    }
}

#[test]
fn each_target_has_its_fuzz_target_file() {
    let targets = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    for (target, _) in switchback::fuzzing::TARGETS {
        let file = targets.join(format!("{target}.rs"));
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{} is missing: {e}", file.display()));
        assert!(
            text.contains(&format!("switchback::fuzzing::{target}")),
            "{} feeds `switchback::fuzzing::{target}`",
            file.display()
        );
    }
}
