#![no_main]

//! The sanitizer and `fit` together: whatever the platform sends and whatever the budget,
//! the fitted text is never wider than the budget and holds no control or bidi character.
//! The first byte is the budget, the rest the text.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| switchback::fuzzing::sanitize_fit(data));
