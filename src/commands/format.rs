//! Small formatting helpers shared by the commands' human output.

use crate::domain::{Deployment, Timestamp};

/// `42s`, `5m`, `3h`, `2d`: how long ago, as the deployments list shows it.
pub fn age(now: Timestamp, then: Timestamp) -> String {
    let secs = (now - then).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3_600 => format!("{}m", secs / 60),
        3_600..172_800 => format!("{}h", secs / 3_600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// A percentage with one decimal, or `n/a` without traffic.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "n/a".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// Left-aligned columns, two spaces apart; the last column is not padded.
pub fn table(rows: &[Vec<String>]) -> Vec<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(widths[c] - cell.chars().count() + 2));
                }
            }
            line.trim_end().to_owned()
        })
        .collect()
}

/// The label of the deployment with `id` among `deployments`, else the id itself.
pub fn label_of(deployments: &[Deployment], id: &crate::domain::DeploymentId) -> String {
    deployments
        .iter()
        .find(|d| &d.id == id)
        .map_or_else(|| id.to_string(), |d| d.label.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages_pick_a_readable_unit() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 1, 10, 12, 0, 0).unwrap();
        let ago = |secs: i64| age(now, now - chrono::Duration::seconds(secs));
        assert_eq!(ago(5), "5s");
        assert_eq!(ago(300), "5m");
        assert_eq!(ago(7_200), "2h");
        assert_eq!(ago(2 * 86_400), "2d");
        assert_eq!(ago(-30), "0s");
    }

    #[test]
    fn tables_align_columns() {
        let rows = vec![
            vec!["a".to_owned(), "bb".to_owned(), "c".to_owned()],
            vec!["aaa".to_owned(), "b".to_owned(), "".to_owned()],
        ];
        assert_eq!(table(&rows), vec!["a    bb  c", "aaa  b"]);
        assert_eq!(percent(Some(0.081)), "8.1%");
        assert_eq!(percent(None), "n/a");
    }
}
