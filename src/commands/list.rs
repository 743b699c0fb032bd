//! `switchback list`: an environment's deployments, newest first, in the console's columns
//! (markers, ages, commit subject). Streamed page by page: only the page in hand is held,
//! so `--all` lists 10,000 deployments in bounded memory, and a bounded list says how many
//! more there are.

use super::args::{ListArgs, Output};
use super::out::say;
use super::{CommandError, Context, Exit};
use crate::domain::{BuildStatus, Deployment, Timestamp};
use crate::operation::{pages, target};
use crate::text;
use serde_json::{Value, json};
use std::borrow::Cow;

/// The most columns of a commit subject a row shows: the rest of a long message is cut.
const SUBJECT_COLUMNS: usize = 120;

pub async fn run(ctx: &Context, args: &ListArgs) -> Result<Exit, CommandError> {
    if !args.all && args.limit == 0 {
        return Err(CommandError::usage(
            "--limit 0 would list nothing: give --limit N (1 or more), or --all for every deployment",
        ));
    }
    let backend = ctx.backend.as_ref();
    let project = target::project(backend, args.at.project.as_deref()).await?;
    let env = target::environment(backend, &project, args.at.env.as_deref()).await?;
    let env_ref = env.env_ref();
    let live = match &env.live {
        Some(id) => Some(super::operation::label(backend, &env_ref, id).await),
        None => None,
    };
    let now = backend.now();
    let output = args.at.output();
    let shown_at_most = if args.all { usize::MAX } else { args.limit };
    let mut printer = Printer::new(output, now, ctx.origin());
    printer.head(&json!({
        "backend": ctx.backend_name,
        "project": project.id,
        "environment": env.id,
        "live": live,
        "mode": env.mode.as_str(),
    }));
    if output == Output::Text {
        say!(
            "{} · {} · live {} · {}",
            project.id,
            env.name,
            live.as_deref().unwrap_or("none"),
            env.mode.as_str().replace('_', " ")
        );
    }
    let mut pager = pages::Pager::new(
        backend.platform(),
        "deployments",
        pages::PAGE_SIZE,
        |page| backend.list_deployments(&env_ref, page),
    );
    let (mut shown, mut more) = (0_usize, 0_usize);
    let mut counted_all = true;
    loop {
        let items = match pager.next().await {
            Ok(Some(items)) => items,
            Ok(None) => break,
            // Past the paging bound while only counting the rest: what was shown stands,
            // and the count is a floor.
            Err(pages::PagingError::Unbounded { .. }) if shown >= shown_at_most => {
                counted_all = false;
                break;
            }
            Err(error) => return printer.abort(error.into()),
        };
        for d in items {
            if shown < shown_at_most {
                printer.row(&d);
                shown += 1;
            } else {
                // Counted, not kept: the rest of the list is only a number.
                more += 1;
            }
        }
    }
    printer.end(shown, more, counted_all, args.limit);
    Ok(Exit::Completed)
}

/// Writes rows as they come, in the chosen output.
struct Printer {
    output: Output,
    /// Named in an error the platform causes.
    origin: super::Origin,
    now: Timestamp,
    rows: usize,
}

impl Printer {
    fn new(output: Output, now: Timestamp, origin: super::Origin) -> Self {
        Self {
            output,
            origin,
            now,
            rows: 0,
        }
    }

    /// One JSON document is written in pieces: its fields, then each deployment as it is
    /// read, then the counts. Each piece is serialized (and made inert) whole.
    fn head(&mut self, fields: &Value) {
        match self.output {
            Output::Json => {
                let text = pretty(fields);
                // The fields without the closing brace, then the list opens.
                let open = text
                    .trim_end()
                    .strip_suffix('}')
                    .unwrap_or(&text)
                    .trim_end();
                print!("{open},\n  \"deployments\": [");
            }
            Output::Jsonl => super::print_json_line(&super::event("list", fields.clone())),
            Output::Text => {}
        }
    }

    fn row(&mut self, d: &Deployment) {
        match self.output {
            Output::Text => {
                if self.rows == 0 {
                    say!(
                        "  {:<10} {:<7}  {:<12} {:>3}  {:<9}  {:<9}  SUBJECT",
                        "LABEL",
                        "COMMIT",
                        "AUTHOR",
                        "AGE",
                        "STATE",
                        "MARKS"
                    );
                }
                say!("{}", line(d, self.now));
            }
            Output::Json => {
                let sep = if self.rows == 0 { "" } else { "," };
                print!("{sep}\n    {}", compact(&deployment_json(d, self.now)));
            }
            Output::Jsonl => {
                super::print_json_line(&super::event("deployment", deployment_json(d, self.now)))
            }
        }
        self.rows += 1;
    }

    /// The list broke off: a JSON document already begun is closed with the error, so
    /// stdout still holds one document; otherwise the error is reported as usual.
    fn abort(&mut self, error: CommandError) -> Result<Exit, CommandError> {
        if self.output != Output::Json {
            return Err(error);
        }
        super::out::tell!("switchback: {}", error.said(Some(&self.origin)));
        println!(
            "\n  ],\n  \"error\": {}\n}}",
            compact(&error.to_json_from(Some(&self.origin))["error"])
        );
        Ok(error.exit())
    }

    fn end(&mut self, shown: usize, more: usize, counted_all: bool, limit: usize) {
        match self.output {
            Output::Text => {
                if shown == 0 {
                    say!("(no deployments)");
                }
                if more > 0 {
                    say!(
                        "… {}{} more (newest {} shown): --limit {} or --all lists them",
                        if counted_all { "" } else { "at least " },
                        thousands(more),
                        thousands(shown),
                        shown + more
                    );
                }
            }
            Output::Json => {
                let counts = pretty(&json!({
                    "shown": shown,
                    "more": more,
                    "more_counted_all": counted_all,
                    "limit": limit,
                }));
                let inner = counts.trim().trim_start_matches('{').trim_end_matches('}');
                println!("\n  ],{}\n}}", inner.trim_end());
            }
            Output::Jsonl => super::print_json_line(&super::event(
                "end",
                json!({ "shown": shown, "more": more, "more_counted_all": counted_all }),
            )),
        }
    }
}

/// Serialized over lines (two-space indent), made inert as `print_json` does.
fn pretty(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    super::escape_unsafe(&text).into_owned()
}

/// Serialized on one line, made inert as `print_json` does.
fn compact(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    super::escape_unsafe(&text).into_owned()
}

/// A row as the console draws it: `●` on the live one, label, short commit, author, age,
/// runtime (or the build status when not ready), marks, commit subject.
fn line(d: &Deployment, now: Timestamp) -> String {
    let state = if d.build_status == BuildStatus::Ready {
        d.runtime_state.as_str()
    } else {
        d.build_status.as_str()
    };
    let mut marks = Vec::new();
    if d.is_live {
        marks.push("live");
    }
    if d.is_rollback {
        marks.push("↶rollback");
    }
    if d.artifact.pruned {
        marks.push("✗pruned");
    }
    let subject = d.commit.as_ref().map_or(Cow::Borrowed(""), |c| {
        text::fit(&c.subject, SUBJECT_COLUMNS)
    });
    let line = format!(
        "{} {} {}  {} {:>3}  {:<9}  {}  {subject}",
        if d.is_live { "●" } else { " " },
        cell(&d.label, 10),
        cell(&d.short_commit(), 7),
        cell(d.author.as_deref().unwrap_or("-"), 12),
        crate::text::age(now, d.created_at),
        state,
        cell(&marks.join(" "), 9),
    );
    line.trim_end().to_owned()
}

/// `text` in exactly `width` columns: cut with `…`, or padded; made inert.
fn cell(text: &str, width: usize) -> String {
    let fitted = text::fit(text, width);
    let pad = width.saturating_sub(text::width(&fitted));
    format!("{fitted}{}", " ".repeat(pad))
}

/// `9,950`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn deployment_json(d: &Deployment, now: Timestamp) -> Value {
    json!({
        "id": d.id,
        "label": d.label,
        "commit": d.commit.as_ref().map(|c| &c.sha),
        "commit_subject": d.commit.as_ref().map(|c| &c.subject),
        "author": d.author.as_deref(),
        "created_at": d.created_at,
        "age_seconds": (now - d.created_at).num_seconds().max(0),
        "age": crate::text::age(now, d.created_at),
        "build_status": d.build_status,
        "runtime_state": d.runtime_state,
        "live": d.is_live,
        "is_rollback": d.is_rollback,
        "rolled_back_from": d.rolled_back_from,
        "artifact_pruned": d.artifact.pruned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cut_and_pad_to_their_width() {
        assert_eq!(cell("v42", 5), "v42  ");
        assert_eq!(cell("alexandra.kim", 8), "alexand…");
        assert_eq!(cell("日本語のラベル", 6), "日本… ");
        assert_eq!(cell("a\u{1b}[2J👨\u{200d}👩", 8), "a␛[2J👨 ");
        assert_eq!(thousands(9_950), "9,950");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(7), "7");
    }

    proptest::proptest! {
        #[test]
        fn rows_are_inert_and_their_columns_line_up(
            label in text::props::text(),
            author in text::props::text(),
            sha in text::props::text(),
            subject in text::props::text(),
        ) {
            let d = crate::domain::deployment::tests::with_text(&label, &author, &sha, &subject);
            let now = d.created_at;
            let row = line(&d, now);
            proptest::prop_assert!(!row.chars().any(text::is_unsafe), "{row:?}");
            // Everything before the subject takes the same columns whatever the platform said.
            let plain = crate::domain::deployment::tests::with_text("v1", "a", "abc", "s");
            let columns = text::width(&line(&plain, now)) - 1;
            let subject = text::fit(&subject, SUBJECT_COLUMNS);
            let fixed = text::width(row.trim_end()) - text::width(subject.trim_end());
            proptest::prop_assert!(
                subject.trim_end().is_empty() || fixed == columns,
                "{row:?}"
            );
            proptest::prop_assert!(text::width(&row) <= columns + SUBJECT_COLUMNS);
        }
    }
}
