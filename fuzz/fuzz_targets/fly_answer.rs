#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| switchback::fuzzing::fly_answer(bytes));
