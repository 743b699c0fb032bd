//! One entry point per decoder of platform answers, for the fuzz targets in `fuzz/` and
//! for the corpus replay of the test suite: each takes the bytes of an answer, runs every
//! decoder (and mapping) the adapter applies to such an answer, and must never panic,
//! whatever the bytes.

/// Feeds one answer's bytes to every decoder of an adapter.
pub type Decoder = fn(&[u8]);

/// The answer decoders, by the name of their fuzz target and corpus folder.
pub const TARGETS: [(&str, Decoder); 7] = [
    ("http_answer", http_answer),
    ("unkey_answer", unkey_answer),
    ("kubernetes_answer", kubernetes_answer),
    ("temps_answer", temps_answer),
    ("vercel_answer", vercel_answer),
    ("fly_answer", fly_answer),
    ("sanitize_fit", sanitize_fit),
];

/// An answer of a server speaking the HTTP contract (`docs/openapi.yaml`).
pub fn http_answer(bytes: &[u8]) {
    crate::backend::http::fuzz_answer(bytes);
}

/// An answer of Unkey's API.
pub fn unkey_answer(bytes: &[u8]) {
    crate::backend::unkey::fuzz_answer(bytes);
}

/// Objects of a Kubernetes API server (a workload, its ReplicaSets, services, ingresses).
pub fn kubernetes_answer(bytes: &[u8]) {
    crate::backend::kubernetes::fuzz_answer(bytes);
}

/// An answer of Temps' API.
pub fn temps_answer(bytes: &[u8]) {
    crate::backend::temps::fuzz_answer(bytes);
}

/// An answer of Vercel's API.
pub fn vercel_answer(bytes: &[u8]) {
    crate::backend::vercel::fuzz_answer(bytes);
}

/// An answer of Fly's Machines API, GraphQL API or managed Prometheus.
pub fn fly_answer(bytes: &[u8]) {
    crate::backend::fly::fuzz_answer(bytes);
}

/// The sanitizer and `fit` over raw bytes, for the corpus replay: the first byte is the
/// budget, the rest the text (read as UTF-8, invalid bytes replaced).
pub fn sanitize_fit(bytes: &[u8]) {
    let (budget, text) = bytes.split_first().unwrap_or((&0, &[]));
    fit_holds(*budget, &String::from_utf8_lossy(text));
}

/// Whatever the platform sends and whatever the budget, the fitted text is never wider than
/// the budget and holds no control or bidi character. Panics otherwise.
fn fit_holds(budget: u8, text: &str) {
    let budget = usize::from(budget);
    let clean = crate::text::inert(text);
    let fitted = crate::text::fit(&clean, budget);
    let width = crate::text::width(&fitted);
    assert!(
        width <= budget,
        "{text:?} fitted to {budget} is {width} wide: {fitted:?}"
    );
    if let Some(c) = fitted.chars().find(|&c| crate::text::is_unsafe(c)) {
        panic!("{text:?} fitted to {budget} keeps {c:?}: {fitted:?}");
    }
}
