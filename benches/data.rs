//! Data paths behind the screen: the diff of a deployment against live, and decoding a page
//! of 10k deployments in the HTTP contract's JSON (the serde shapes of `src/domain`).

mod support;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use switchback::backend::{Backend, Page};
use switchback::domain::Deployment;

fn diff(c: &mut Criterion) {
    let backend = support::backend(10_000);
    let env = support::env();
    let rt = support::runtime();
    let items = rt.block_on(support::all_deployments(&backend, &env));
    let live = items
        .iter()
        .position(|d| d.is_live)
        .expect("a live deployment");
    let target = items[live + 5].id.clone();
    let diff = rt.block_on(backend.diff(&env, &target)).expect("diff");
    assert!(diff.commits_back > 0, "the target is older than live");
    c.bench_function("diff_against_live", |b| {
        b.iter(|| {
            rt.block_on(backend.diff(&env, black_box(&target)))
                .expect("diff")
        })
    });
}

fn decode(c: &mut Criterion) {
    let backend = support::backend(10_000);
    let env = support::env();
    let items = support::runtime().block_on(support::all_deployments(&backend, &env));
    let json = serde_json::to_vec(&Page {
        items,
        next: Some("10000".to_owned()),
    })
    .expect("encode");
    let mut group = c.benchmark_group("decode_page");
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.sample_size(20);
    group.bench_function("10k_deployments", |b| {
        b.iter(|| {
            let page: Page<Deployment> = serde_json::from_slice(black_box(&json)).expect("decode");
            assert_eq!(page.items.len(), 10_000);
            page
        })
    });
    group.finish();
}

criterion_group!(benches, diff, decode);
criterion_main!(benches);
