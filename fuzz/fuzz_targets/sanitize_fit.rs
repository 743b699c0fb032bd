#![no_main]

//! The sanitizer and `fit` together: whatever the platform sends and whatever the budget,
//! the fitted text is never wider than the budget and holds no control or bidi character.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &str)| {
    let (budget, text) = input;
    let budget = usize::from(budget);
    let clean = switchback::text::inert(text);
    let fitted = switchback::text::fit(&clean, budget);
    let width = switchback::text::width(&fitted);
    assert!(width <= budget, "{text:?} fitted to {budget} is {width} wide: {fitted:?}");
    for c in fitted.chars() {
        assert!(
            !c.is_control() && !is_bidi_control(c),
            "{text:?} fitted to {budget} keeps {c:?}: {fitted:?}"
        );
    }
});

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}
