//! From a checked scenario to the platform's starting state: settings, projects and their
//! commits (written out, then generated), environments (see `build_env`), scripted events.

use super::build_env::{CommitOf, build_env};
use super::generate::{AUTHORS, BRANCH, History};
use super::spec::{ProjectSpec, ScenarioSpec};
use crate::backend::demo::world::{CommitRecord, ProjectState, ScriptedEvent, Settings, World};
use crate::domain::{Commit, Project, Timestamp};
use std::collections::HashMap;
use std::sync::Arc;

pub(super) fn duration(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// The platform at `start`, with its whole past.
pub(crate) fn build_world(spec: &ScenarioSpec, start: Timestamp) -> World {
    let s = spec.settings.clone().unwrap_or_default();
    let settings = Settings {
        production_keepalive: duration(s.production_keepalive),
        preview_idle: duration(s.preview_idle),
        cold_start: duration(s.cold_start),
        health_check: duration(s.health_check),
        queue: duration(s.queue),
        build: duration(s.build),
        deploy: duration(s.deploy),
        machines_per_region: s.machines_per_region,
    };
    let mut world = World::new(spec.scenario.seed, start, settings);
    let deployments: usize = spec.projects.iter().map(deployment_count).sum();
    world.reserve_deployments(deployments);
    for (p, project) in spec.projects.iter().enumerate() {
        let history = History::of(project);
        world.projects.push(ProjectState {
            project: Project {
                id: project.id.as_str().into(),
                name: project.name.clone().unwrap_or_else(|| project.id.clone()),
                components: project.components.clone(),
            },
            image: project.image.clone(),
            regions: project.regions.clone(),
            commits: commits(project, history.as_ref()),
            envs: Vec::with_capacity(project.environments.len()),
        });
        let commit_of = CommitOf {
            written: project
                .commits
                .iter()
                .enumerate()
                .map(|(c, commit)| (commit.sha.as_str(), c))
                .collect::<HashMap<_, _>>(),
            history,
        };
        for (e, env) in project.environments.iter().enumerate() {
            let generated = history.filter(|h| h.env == e);
            build_env(&mut world, project, p, e, env, &commit_of, generated);
        }
    }
    world.events = spec
        .events
        .iter()
        .map(|ev| ScriptedEvent {
            at: start + duration(ev.after),
            spec: ev.clone(),
        })
        .collect();
    world.events.sort_by_key(|ev| ev.at);
    world
}

fn deployment_count(project: &ProjectSpec) -> usize {
    let written: usize = project
        .environments
        .iter()
        .map(|e| e.deployments.len())
        .sum();
    written + History::of(project).map_or(0, |h| h.len())
}

/// The written-out commits, oldest first, then the generated ones.
fn commits(project: &ProjectSpec, history: Option<&History>) -> Vec<CommitRecord> {
    let generated = history.map_or(0, |h| h.len());
    let mut commits = Vec::with_capacity(project.commits.len() + generated);
    commits.extend(project.commits.iter().map(|c| CommitRecord {
        commit: Arc::new(Commit {
            sha: c.sha.clone(),
            subject: c.subject.clone(),
            branch: c.branch.clone(),
        }),
        author: c.author.as_str().into(),
        build_fails: c.build_fails,
    }));
    if let Some(history) = history {
        let authors: Vec<Arc<str>> = AUTHORS.iter().map(|&a| a.into()).collect();
        commits.extend(history.numbers().map(|i| CommitRecord {
            commit: Arc::new(Commit {
                sha: history.sha(i),
                subject: history.subject(i),
                branch: Some(BRANCH.to_owned()),
            }),
            author: Arc::clone(&authors[history.author(i)]),
            build_fails: false,
        }));
    }
    commits
}
