//! Blue-green: new Machines beside the old, held out of traffic until all are healthy.

use super::*;
use switchback::domain::OperationStatus;

#[tokio::test]
async fn blue_green_raises_new_machines_out_of_traffic_then_lets_them_in_and_removes_the_old() {
    let h = standard().await;
    let handle = h
        .backend
        .rollback(with_strategy(
            request(29, Some(30), "bg-1"),
            Strategy::BlueGreen,
        ))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(
        op.status,
        OperationStatus::Completed,
        "{:?} {:?}",
        op.error,
        op.log
    );
    let requests = h.fake.requests();
    let at = |route: &str| -> Vec<usize> {
        requests
            .iter()
            .enumerate()
            .filter(|(_, r)| r.route == route)
            .map(|(i, _)| i)
            .collect()
    };
    let (creates, cordons, uncordons, destroys) = (
        at(CREATE_MACHINE),
        at("POST /apps/{app_name}/machines/{machine_id}/cordon"),
        at("POST /apps/{app_name}/machines/{machine_id}/uncordon"),
        at(DESTROY_MACHINE),
    );
    assert_eq!(
        (
            creates.len(),
            cordons.len(),
            uncordons.len(),
            destroys.len()
        ),
        (6, 6, 6, 6)
    );
    // Every new Machine is held out, started and checked before any is let in; every one is
    // let in before an old one goes.
    let last_check = at(GET_MACHINE).into_iter().max().unwrap();
    assert!(cordons.iter().max() < uncordons.iter().min());
    assert!(last_check < *uncordons.iter().min().unwrap());
    assert!(uncordons.iter().max() < destroys.iter().min());
    assert_eq!(
        h.fake.calls(UPDATE),
        0,
        "the old Machines are never changed"
    );
    // Six new Machines on v29's image serve; the old ones are gone.
    let (serving, old_left) = h.fake.with(|s| {
        let live: Vec<_> = s
            .machines
            .iter()
            .filter(|m| m.app == APP && m.state != "destroyed")
            .collect();
        (
            live.iter()
                .filter(|m| !m.cordoned && m.config["image"] == image(29))
                .count(),
            live.iter().filter(|m| m.id.starts_with("148e")).count(),
        )
    });
    assert_eq!((serving, old_left), (6, 0));
    assert_eq!(h.fake.with(|s| s.live(APP)), Some(29));
    assert_eq!(
        h.fake.with(|s| s.newest_release(APP).strategy.clone()),
        "BLUEGREEN"
    );
    assert_clean(&h);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_blue_green_whose_new_machines_fail_their_checks_leaves_the_old_ones_serving() {
    let h = standard().await;
    h.fake.with(|s| s.sick_regions.insert("ord".to_owned()));
    let handle = h
        .backend
        .rollback(with_strategy(
            request(29, Some(30), "bg-2"),
            Strategy::BlueGreen,
        ))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Exception);
    assert!(
        op.error.as_deref().unwrap().contains("checks not passing"),
        "{:?}",
        op.error
    );
    let (new_left, old_left) = h.fake.with(|s| {
        let live: Vec<_> = s
            .machines
            .iter()
            .filter(|m| m.app == APP && m.state != "destroyed")
            .collect();
        (
            live.iter().filter(|m| !m.id.starts_with("148e")).count(),
            live.iter().filter(|m| m.id.starts_with("148e")).count(),
        )
    });
    assert_eq!((new_left, old_left), (0, 6));
    assert_eq!(h.fake.with(|s| s.live(APP)), Some(30));
    assert_eq!(statuses(&h), ["pending", "running", "failed"]);
    assert_clean(&h);
    h.fake.assert_conforms();
}
