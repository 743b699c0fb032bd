//! Asking before an operation: typed environment name for protected environments, `y`
//! elsewhere; refused outright when nobody can answer.

use super::CommandError;
use std::io::{BufRead, IsTerminal, Write};

/// How the engineer confirms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ask {
    /// Type this word (the environment's id, e.g. `production`).
    TypeName(String),
    YesNo,
}

/// Whether `answer` confirms under `ask`.
pub fn confirms(ask: &Ask, answer: &str) -> bool {
    let answer = answer.trim();
    match ask {
        Ask::TypeName(name) => answer == name,
        Ask::YesNo => matches!(answer, "y" | "Y" | "yes" | "Yes" | "YES"),
    }
}

/// Confirms with `--yes`, else at the terminal; without a terminal, refuses with a usage
/// error (a script must say `--yes`).
pub fn confirm(yes: bool, what: &str, ask: &Ask) -> Result<(), CommandError> {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CommandError::usage(format!(
            "refusing to {what} without confirmation: stdin is not a terminal; pass --yes to confirm"
        )));
    }
    let mut stderr = std::io::stderr();
    let prompt = match ask {
        Ask::TypeName(name) => format!("Type `{name}` to confirm: "),
        Ask::YesNo => "Type `y` to confirm [y/N]: ".to_owned(),
    };
    let _ = write!(stderr, "{prompt}");
    let _ = stderr.flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CommandError::Setup(format!("cannot read the confirmation: {e}")))?;
    if confirms(ask, &answer) {
        Ok(())
    } else {
        Err(CommandError::NotConfirmed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_environments_need_their_name_typed() {
        let ask = Ask::TypeName("production".into());
        assert!(confirms(&ask, "production\n"));
        assert!(!confirms(&ask, "y\n"));
        assert!(!confirms(&ask, "prod\n"));
        assert!(confirms(&Ask::YesNo, "y\n"));
        assert!(!confirms(&Ask::YesNo, "\n"));
        assert!(!confirms(&Ask::YesNo, "production\n"));
    }
}
