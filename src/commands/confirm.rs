//! Asking before an operation, as the plan demands: the environment's name typed for a
//! protected environment, `y` elsewhere; refused outright when nobody can answer.

use super::CommandError;
use crate::operation::Confirmation;
use std::io::{BufRead, IsTerminal, Write};

/// Where the answer comes from.
pub trait Prompt {
    /// `None` when nobody can answer (no terminal).
    fn ask(&mut self, question: &str) -> Result<Option<String>, CommandError>;
}

/// The engineer at the terminal, on stderr and stdin.
pub struct Terminal;

impl Prompt for Terminal {
    fn ask(&mut self, question: &str) -> Result<Option<String>, CommandError> {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return Ok(None);
        }
        let mut stderr = std::io::stderr();
        let _ = write!(stderr, "{}", crate::text::inert_lines(question));
        let _ = stderr.flush();
        let mut answer = String::new();
        stdin
            .lock()
            .read_line(&mut answer)
            .map_err(|e| CommandError::Setup(format!("cannot read the confirmation: {e}")))?;
        Ok(Some(answer))
    }
}

/// Confirms with `--yes`, else through `prompt`; without anyone to answer, refuses with a
/// usage error (a script must say `--yes`). `what` is the plan's summary.
pub fn confirm(
    yes: bool,
    what: &str,
    confirmation: &Confirmation,
    prompt: &mut dyn Prompt,
) -> Result<(), CommandError> {
    if yes {
        return Ok(());
    }
    let question = match confirmation {
        Confirmation::TypeName(name) => format!("Type `{name}` to confirm: "),
        Confirmation::YesNo => "Type `y` to confirm [y/N]: ".to_owned(),
    };
    match prompt.ask(&question)? {
        None => Err(CommandError::usage(format!(
            "refusing to {what} without confirmation: stdin is not a terminal; pass --yes to confirm"
        ))),
        Some(answer) if confirmation.accepts(&answer) => Ok(()),
        Some(_) => Err(CommandError::NotConfirmed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Answer(Option<&'static str>, Vec<String>);

    impl Prompt for Answer {
        fn ask(&mut self, question: &str) -> Result<Option<String>, CommandError> {
            self.1.push(question.to_owned());
            Ok(self.0.map(str::to_owned))
        }
    }

    #[test]
    fn protected_environments_need_their_name_typed() {
        let typed = Confirmation::TypeName("production".into());
        let mut prompt = Answer(Some("production\n"), Vec::new());
        assert!(confirm(false, "roll back", &typed, &mut prompt).is_ok());
        assert_eq!(prompt.1, ["Type `production` to confirm: "]);
        for wrong in ["y\n", "prod\n", "PRODUCTION\n"] {
            let mut prompt = Answer(Some(wrong), Vec::new());
            assert!(matches!(
                confirm(false, "roll back", &typed, &mut prompt),
                Err(CommandError::NotConfirmed)
            ));
        }
        let mut prompt = Answer(Some("y\n"), Vec::new());
        assert!(confirm(false, "promote", &Confirmation::YesNo, &mut prompt).is_ok());
        let mut prompt = Answer(Some("\n"), Vec::new());
        assert!(confirm(false, "promote", &Confirmation::YesNo, &mut prompt).is_err());
    }

    #[test]
    fn nobody_to_answer_is_a_usage_error_and_yes_asks_nothing() {
        let mut prompt = Answer(None, Vec::new());
        let error = confirm(false, "roll back x", &Confirmation::YesNo, &mut prompt).unwrap_err();
        assert!(error.to_string().contains("pass --yes"), "{error}");
        let mut prompt = Answer(Some("no"), Vec::new());
        assert!(confirm(true, "x", &Confirmation::YesNo, &mut prompt).is_ok());
        assert!(prompt.1.is_empty());
    }
}
