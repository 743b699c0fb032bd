use crate::domain::Timestamp;

/// A compact age: `<1m`, `5m`, `3h`, `2d`, `7w`.
pub fn age(now: Timestamp, then: Timestamp) -> String {
    let secs = (now - then).num_seconds().max(0);
    match secs {
        0..60 => "<1m".to_owned(),
        60..3_600 => format!("{}m", secs / 60),
        3_600..86_400 => format!("{}h", secs / 3_600),
        86_400..1_209_600 => format!("{}d", secs / 86_400),
        _ => format!("{}w", secs / 604_800),
    }
}

/// A duration in the same units, for `for 3h`.
pub fn span(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3_600 => format!("{}m", secs / 60),
        3_600..86_400 => format!("{}h", secs / 3_600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// A fraction as a percentage with sensible precision: `8.1%`, `0.1%`, `0.04%`, `12%`.
pub fn percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    let text = if p >= 10.0 {
        format!("{p:.0}")
    } else if p >= 0.1 || p == 0.0 {
        format!("{p:.1}")
    } else {
        format!("{p:.2}")
    };
    match text.strip_suffix(".0") {
        Some(whole) => format!("{whole}%"),
        None => format!("{text}%"),
    }
}
