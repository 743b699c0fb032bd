//! Platform text that tries to break the screen: escape sequences, C1 and bidi controls,
//! emoji sequences and flags whose width terminals dispute, combining marks with nothing to
//! sit on, halfwidth sound marks, and a megabyte of commit message. Every view draws it
//! inert, in agreed widths, and inside its box.

use super::*;

/// Strings a hostile platform sends, each one trouble of its own.
fn hostile(n: usize) -> String {
    [
        "v41\u{1b}[2J\u{1b}]0;owned\u{7}",
        "\u{202e}14v\u{9b}31m",
        "👨\u{200d}👩\u{200d}👧\u{200d}👦🇫🇷🇩🇪",
        "\u{301}\u{301}ｶﾞｷﾞ\u{2764}\u{fe0f}👍🏽",
        "x\r\ny\u{2028}z\u{7f}\u{85}",
    ][n % 5]
        .to_owned()
}

fn hostile_deployments() -> Vec<Deployment> {
    let mut all = deployments();
    for (i, d) in all.iter_mut().enumerate() {
        d.label = format!("{}{}", d.label, hostile(i));
        d.author = Some(hostile(i + 1).repeat(3).into());
        let commit = std::sync::Arc::make_mut(d.commit.as_mut().unwrap());
        commit.subject = format!("{}{}", hostile(i + 2), "é\u{301}".repeat(500_000));
        commit.sha = format!("\u{1b}[1m{}", hostile(i + 3));
    }
    all
}

/// The bad-deploy picture with every platform string hostile.
fn hostile_state() -> State {
    let mut state = bad_deploy();
    let env = env_ref();
    poll(
        &mut state,
        Resource::Deployments(env.clone()),
        Ok(Fetched::Deployments {
            env: env.clone(),
            items: hostile_deployments(),
            complete: true,
        }),
    );
    let mut staging = staging();
    staging.name = format!("staging{}", hostile(2).repeat(20));
    let project = ProjectId::new("acme/storefront");
    poll(
        &mut state,
        Resource::Environments(project.clone()),
        Ok(Fetched::Environments(
            project,
            vec![environment(EnvMode::Normal, "dep_042"), staging],
        )),
    );
    state
}

/// Box corners and vertical lines: where the screen's frames are.
fn frame_cells(buffer: &Buffer) -> Vec<(u16, u16, String)> {
    let area = buffer.area;
    let mut cells = Vec::new();
    for y in 0..area.height {
        for x in 0..area.width {
            let symbol = buffer[(x, y)].symbol();
            if ["│", "┌", "┐", "└", "┘", "┬", "┴"].contains(&symbol) {
                cells.push((x, y, symbol.to_owned()));
            }
        }
    }
    cells
}

/// Every cell holds a clean cluster, drawn as itself in the width it is given.
fn assert_clean(buffer: &Buffer, what: &str) {
    for cell in &buffer.content {
        let symbol = cell.symbol();
        assert!(
            !symbol.chars().any(switchback::text::is_unsafe),
            "{what}: {symbol:?} reached the screen"
        );
        let (drawn, width) = switchback::text::settle(symbol);
        assert_eq!(drawn, symbol, "{what}: a disputed cluster was drawn");
        assert_eq!(
            width,
            unicode_width::UnicodeWidthStr::width(symbol).max(1),
            "{what}: {symbol:?}"
        );
    }
}

/// Draws `make` with plain and with hostile platform text: the hostile one is clean and
/// its frames are where the plain one's are.
fn check(what: &str, open: impl Fn(&mut State)) {
    let theme = Theme::default();
    for (w, h) in [(80, 24), (120, 40), (60, 16)] {
        let mut plain = bad_deploy();
        open(&mut plain);
        let plain = draw(&mut plain, w, h, &theme);
        let mut hostile = hostile_state();
        open(&mut hostile);
        let drawn = draw(&mut hostile, w, h, &theme);
        let what = format!("{what} at {w}x{h}");
        assert_clean(&drawn, &what);
        assert_eq!(
            frame_cells(&plain),
            frame_cells(&drawn),
            "{what}: a frame moved\n{}",
            text(&drawn)
        );
    }
}

#[test]
fn the_list_header_and_detail_pane_stay_in_their_boxes() {
    check("the main screen", |_| {});
    check("the list on the hostile row", |s| {
        key(s, KeyPress::char('j'));
        key(s, KeyPress::char('j'));
    });
}

#[test]
fn overlays_and_pickers_stay_in_their_boxes() {
    check("the details overlay", |s| {
        key(s, KeyPress::plain(KeyCode::Enter))
    });
    check("the environment picker", |s| key(s, KeyPress::char('e')));
    check("the operations log", |s| {
        s.push_log(
            switchback::app::state::Level::Error,
            format!("rollback to {} refused", hostile(0)),
        );
        key(s, KeyPress::char('l'));
    });
}

#[test]
fn the_confirmation_modal_and_toasts_stay_in_their_boxes() {
    check("the confirmation modal", |s| {
        let target = s.view.list.row(1).unwrap().clone();
        super::open(s, Action::Rollback, target);
    });
    check("a toast", |s| {
        s.say(
            switchback::app::state::Level::Error,
            format!("{} refused: {}", hostile(2), hostile(3).repeat(40)),
            ": redeploy it with d",
            None,
        );
    });
}

#[test]
fn hostile_text_shows_as_its_stand_ins() {
    let theme = Theme::default();
    let mut state = hostile_state();
    let screen = text(&draw(&mut state, 120, 40, &theme));
    assert!(screen.contains("v41␛[2J"), "{screen}");
    assert!(!screen.contains('\u{1b}'), "{screen}");
    key(&mut state, KeyPress::char('e'));
    let screen = text(&draw(&mut state, 80, 24, &theme));
    let picked = screen.lines().find(|l| l.contains("staging")).unwrap();
    assert!(picked.contains("staging👨FRDE"), "{screen}");
    assert!(
        picked.contains("…│"),
        "a long name is cut with `…`:\n{screen}"
    );
    let mut state = hostile_state();
    state.say(
        switchback::app::state::Level::Error,
        format!("v41\u{1b}[2J refused: {}", "\u{9b}".repeat(300)),
        ": redeploy it with d",
        None,
    );
    let screen = text(&draw(&mut state, 80, 24, &theme));
    assert!(screen.contains("v41␛[2J refused"), "{screen}");
    assert!(screen.contains("…: redeploy it with d"), "{screen}");
}
