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

/// A duration to the second, for what ticks and for estimates: `45s`, `2m05s`, `3m`,
/// `1h02m`.
pub fn clock_span(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3_600 if secs.is_multiple_of(60) => format!("{}m", secs / 60),
        60..3_600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ if secs % 3_600 / 60 == 0 => format!("{}h", secs / 3_600),
        _ => format!("{}h{:02}m", secs / 3_600, secs % 3_600 / 60),
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
    // One form per value: 0.0999 rounds to `0.1%`, as 0.1 does, never `0.10%`.
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_have_one_form_per_value() {
        assert_eq!(percent(0.000999), "0.1%");
        assert_eq!(percent(0.001), "0.1%");
        assert_eq!(percent(0.0004), "0.04%");
        assert_eq!(percent(0.081), "8.1%");
        assert_eq!(percent(0.08), "8%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.12), "12%");
    }

    #[test]
    fn clock_spans_count_seconds() {
        assert_eq!(clock_span(5), "5s");
        assert_eq!(clock_span(65), "1m05s");
        assert_eq!(clock_span(165), "2m45s");
        assert_eq!(clock_span(180), "3m");
        assert_eq!(clock_span(3_720), "1h02m");
        assert_eq!(clock_span(7_200), "2h");
    }
}
