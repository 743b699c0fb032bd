//! One entry point per decoder of platform answers, for the fuzz targets in `fuzz/` and
//! for the corpus replay of the test suite: each takes the bytes of an answer, runs every
//! decoder (and mapping) the adapter applies to such an answer, and must never panic,
//! whatever the bytes.

/// Feeds one answer's bytes to every decoder of an adapter.
pub type Decoder = fn(&[u8]);

/// The answer decoders, by the name of their fuzz target and corpus folder.
pub const TARGETS: [(&str, Decoder); 5] = [
    ("http_answer", http_answer),
    ("unkey_answer", unkey_answer),
    ("kubernetes_answer", kubernetes_answer),
    ("temps_answer", temps_answer),
    ("vercel_answer", vercel_answer),
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
