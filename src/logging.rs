//! Logging goes to a file in the data directory, never to the terminal (the console owns
//! the screen, and scripts own stdout). `SWITCHBACK_LOG` sets the filter.

use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// The environment variable holding the filter, e.g. `debug` or `switchback=trace,info`.
pub const FILTER_VAR: &str = "SWITCHBACK_LOG";
const DEFAULT_FILTER: &str = "info";

#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    #[error("cannot create the log directory {}: {source}", dir.display())]
    CreateDir {
        dir: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the log file {}: {message}", file.display())]
    Open {
        file: std::path::PathBuf,
        message: String,
    },
    #[error("{FILTER_VAR} is not a valid filter ({value:?}): {message}")]
    BadFilter { value: String, message: String },
    #[error("a logger is already installed")]
    AlreadyInstalled,
}

/// The filter from `SWITCHBACK_LOG`, or `info`.
pub fn filter_from(value: Option<&str>) -> Result<EnvFilter, LoggingError> {
    let value = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or(DEFAULT_FILTER);
    EnvFilter::try_new(value).map_err(|error| LoggingError::BadFilter {
        value: value.to_owned(),
        message: error.to_string(),
    })
}

/// Appends log lines to `log_file` until the returned guard is dropped (drop it last: it
/// flushes what is still buffered).
pub fn init(log_file: &Path) -> Result<WorkerGuard, LoggingError> {
    let filter = filter_from(std::env::var(FILTER_VAR).ok().as_deref())?;
    let dir = log_file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| LoggingError::CreateDir {
        dir: dir.to_owned(),
        source,
    })?;
    let name = log_file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(crate::paths::LOG_FILE_NAME);
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::NEVER)
        .filename_prefix(name)
        .build(dir)
        .map_err(|error| LoggingError::Open {
            file: log_file.to_owned(),
            message: error.to_string(),
        })?;
    // The default queue holds 128,000 lines and its slots are written when it is made (4 MB
    // resident for a log that mostly stays empty); a console logs a few lines a second.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(appender);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Redacting(writer))
        .with_ansi(false)
        .try_init()
        .map_err(|_| LoggingError::AlreadyInstalled)?;
    Ok(guard)
}

/// Logs to stderr (for `serve`) through the same writer as the log file: credentials hidden,
/// platform text inert. Without colours: the writer would make their escapes inert too.
pub fn init_stderr() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Redacting(std::io::stderr))
        .with_ansi(false)
        .try_init();
}

/// A log writer that hides the credentials this process sends (`net::secrets`): a platform
/// may quote a token in an answer that gets logged. It also makes platform text inert, line
/// by line, so a log read with `cat` or `tail -f` in a terminal obeys no escape sequence.
/// Each event arrives whole in one write.
struct Redacting<W>(W);

impl<'a, W: tracing_subscriber::fmt::MakeWriter<'a>> tracing_subscriber::fmt::MakeWriter<'a>
    for Redacting<W>
{
    type Writer = RedactingWriter<W::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

struct RedactingWriter<W>(W);

impl<W: std::io::Write> std::io::Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let redacted = crate::net::secrets::redact(&text);
        let clean = crate::text::inert_lines(&redacted);
        self.0.write_all(clean.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Lines waiting for the log writer thread; more are dropped (and counted) rather than block.
const LOG_QUEUE_LINES: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_platform_text_is_inert_and_keeps_its_line_ends() {
        use std::io::Write;
        let mut log = RedactingWriter(Vec::new());
        log.write_all(b"label=v42\x1b]0;owned\x07 detail=\xc2\x9b2J\n")
            .unwrap();
        let written = String::from_utf8(log.0).unwrap();
        assert_eq!(
            written,
            "label=v42\u{241b}]0;owned\u{2407} detail=\u{2426}2J\n"
        );
    }

    #[test]
    fn the_filter_defaults_to_info_and_refuses_nonsense() {
        assert_eq!(filter_from(None).unwrap().to_string(), "info");
        assert_eq!(filter_from(Some("  ")).unwrap().to_string(), "info");
        assert_eq!(filter_from(Some("debug")).unwrap().to_string(), "debug");
        assert!(matches!(
            filter_from(Some("[[[")),
            Err(LoggingError::BadFilter { .. })
        ));
    }
}
