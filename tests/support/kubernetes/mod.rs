//! A fake Kubernetes API server on loopback (plain HTTP), written after the documented API:
//! discovery, apps/v1 Deployments and ReplicaSets, events, Services, Ingresses, HTTPRoutes,
//! Argo Rollouts, patches, RBAC 403s and a minimal deployment controller. It runs on its
//! own thread so blocking `kubectl` calls and async clients can share it.

pub mod controller;
mod discovery;
mod selector;
mod server;
pub mod store;

use serde_json::{Value, json};
use server::Shared;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use store::{Key, Recorded, Store};
use switchback::backend::kubernetes::{KubernetesBackend, KubernetesBackendConfig};

pub const NS: &str = "shop";
/// The field manager of writes made by "someone else" in tests (as `kubectl set image`).
pub const COLLEAGUE: &str = "kubectl-set";

#[derive(Clone, Copy, Default)]
pub struct Options {
    pub argo: bool,
    pub gateway: bool,
}

/// One revision to seed: the image, a literal env var, and the change-cause.
#[derive(Clone)]
pub struct Rev {
    pub image: &'static str,
    pub mode: &'static str,
    pub cause: &'static str,
}

pub struct FakeCluster {
    shared: Arc<Shared>,
    pub kubeconfig: PathBuf,
    dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeCluster {
    pub fn start(options: Options) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::default()),
            served: discovery::served(options.argo, options.gateway),
            server: url.clone(),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app_state = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = axum::Router::new().fallback(move |method, uri, headers, body| {
                    server::handle(app_state.clone(), method, uri, headers, body)
                });
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("config");
        std::fs::write(&kubeconfig, kubeconfig_text(&url)).unwrap();
        Self {
            shared,
            kubeconfig,
            dir,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.shared.store.lock().unwrap())
    }

    /// A Deployment with 3 replicas whose history is `revs`, oldest first, each rolled out
    /// by the controller as if applied one after the other.
    pub fn seed_deployment(&self, name: &str, revs: &[Rev]) {
        let first = &revs[0];
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name},
                         "annotations": {"kubernetes.io/change-cause": first.cause,
                                         "team": "web"}},
            "spec": {"replicas": 3, "revisionHistoryLimit": 10,
                     "progressDeadlineSeconds": 600,
                     "selector": {"matchLabels": {"app": name}},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                     "template": template(name, first)},
        });
        self.with_store(|s| {
            s.create(Key::deployment(NS, name), deployment, chrono::Utc::now());
            controller::reconcile(s, NS, name);
        });
        for rev in &revs[1..] {
            self.change(name, |d| {
                d["spec"]["template"] = template(name, rev);
                d["metadata"]["annotations"]["kubernetes.io/change-cause"] = json!(rev.cause);
            });
        }
        // The history happened before the test: its events are an hour old.
        self.with_store(|s| s.age_events(chrono::Duration::hours(1)));
    }

    /// Someone else writes the Deployment (as `kubectl set image` would); the controller
    /// reacts.
    pub fn change(&self, name: &str, f: impl FnOnce(&mut Value)) {
        self.with_store(|s| {
            let key = Key::deployment(NS, name);
            let mut d = s.get(&key).cloned().expect("deployment exists");
            f(&mut d);
            Store::write_by(&mut d, COLLEAGUE);
            s.replace(&key, d);
            controller::reconcile(s, NS, name);
        });
    }

    /// Someone else changes the Deployment just before the next PATCH reaches the server:
    /// the narrowest race, between a client's read and its write.
    pub fn change_before_next_patch(
        &self,
        name: &str,
        f: impl FnOnce(&mut Value) + Send + 'static,
    ) {
        let name = name.to_owned();
        self.with_store(|s| {
            s.before_next_patch = Some(Box::new(move |s: &mut Store| {
                let key = Key::deployment(NS, &name);
                let mut d = s.get(&key).cloned().expect("deployment exists");
                f(&mut d);
                Store::write_by(&mut d, COLLEAGUE);
                s.replace(&key, d);
                controller::reconcile(s, NS, &name);
            }));
        });
    }

    pub fn put(&self, group: &str, plural: &str, name: &str, obj: Value) {
        self.with_store(|s| {
            s.create(Key::new(group, plural, NS, name), obj, chrono::Utc::now());
        });
    }

    pub fn deployment(&self, name: &str) -> Value {
        self.with_store(|s| {
            s.get(&Key::deployment(NS, name))
                .cloned()
                .expect("deployment")
        })
    }

    pub fn object(&self, group: &str, plural: &str, name: &str) -> Value {
        self.with_store(|s| {
            s.get(&Key::new(group, plural, NS, name))
                .cloned()
                .expect("object")
        })
    }

    /// ReplicaSets of the Deployment `name`, by revision, oldest first.
    pub fn replicasets(&self, name: &str) -> Vec<Value> {
        let mut list: Vec<Value> = self
            .with_store(|s| s.list("apps", "replicasets", NS))
            .into_iter()
            .filter(|rs| rs["metadata"]["ownerReferences"][0]["name"] == name)
            .collect();
        list.sort_by_key(|rs| {
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                .as_str()
                .and_then(|r| r.parse::<i64>().ok())
                .unwrap_or(0)
        });
        list
    }

    /// The ReplicaSet serving `image`.
    pub fn rs_with_image(&self, name: &str, image: &str) -> String {
        self.replicasets(name)
            .into_iter()
            .find(|rs| rs["spec"]["template"]["spec"]["containers"][0]["image"] == image)
            .map(|rs| rs["metadata"]["name"].as_str().unwrap().to_owned())
            .expect("a ReplicaSet with that image")
    }

    pub fn forbid(&self, verb: &str, resource: &str) {
        self.with_store(|s| s.forbidden.insert((verb.into(), resource.into())));
    }

    /// The next PATCH is applied at once and answered only after `wait`: an answer slower
    /// than the client's patience.
    #[allow(dead_code)] // the conformance suite's
    pub fn answer_next_patch_after(&self, wait: std::time::Duration) {
        self.with_store(|s| s.answer_next_patch_after = Some(wait));
    }

    pub fn manual_rollouts(&self, on: bool) {
        self.with_store(|s| s.manual_rollouts = on);
    }

    /// One controller step on `name`; false when its rollout is complete.
    pub fn tick(&self, name: &str) -> bool {
        self.with_store(|s| controller::step(s, NS, name))
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.with_store(|s| s.requests.clone())
    }

    pub fn config(&self) -> KubernetesBackendConfig {
        KubernetesBackendConfig {
            name: "fake".into(),
            kubeconfig: Some(self.kubeconfig.display().to_string()),
            context: None,
            namespaces: vec![],
            environment: Some("production".into()),
            selector: None,
        }
    }

    pub async fn backend(&self) -> KubernetesBackend {
        self.backend_with_clock(Arc::new(switchback::clock::SystemClock))
            .await
    }

    pub async fn backend_with_clock(
        &self,
        clock: switchback::clock::SharedClock,
    ) -> KubernetesBackend {
        KubernetesBackend::connect(&self.config(), clock)
            .await
            .expect("connect to the fake cluster")
    }

    /// Runs the real kubectl against this cluster, with its caches in a temp dir.
    pub fn kubectl(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(kubectl_path())
            .args(args)
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", self.dir.path())
            .output()
            .expect("run kubectl")
    }
}

impl Drop for FakeCluster {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `$KUBECTL`, else Debian's `/usr/bin/kubectl`, else whatever `kubectl` is on the PATH.
pub fn kubectl_path() -> PathBuf {
    if let Some(p) = std::env::var_os("KUBECTL") {
        return PathBuf::from(p);
    }
    let debian = Path::new("/usr/bin/kubectl");
    if debian.exists() {
        debian.to_path_buf()
    } else {
        PathBuf::from("kubectl")
    }
}

pub fn template(name: &str, rev: &Rev) -> Value {
    json!({
        "metadata": {"labels": {"app": name}},
        "spec": {"containers": [{"name": "web", "image": rev.image,
                    "args": ["--port=8080"],
                    "env": [{"name": "MODE", "value": rev.mode},
                            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}]}],
                 "restartPolicy": "Always", "terminationGracePeriodSeconds": 30}
    })
}

fn kubeconfig_text(url: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: {url}
users:
- name: oncall
  user:
    token: fake-token
contexts:
- name: fake-prod
  context:
    cluster: fake
    user: oncall
    namespace: {NS}
current-context: fake-prod
"
    )
}

/// The history most tests use: three revisions of `web`, rev3 live.
pub fn three_revisions() -> Vec<Rev> {
    vec![
        Rev {
            image: "registry.example.com/web:1.0",
            mode: "a",
            cause: "release 1.0",
        },
        Rev {
            image: "registry.example.com/web:1.1",
            mode: "b",
            cause: "release 1.1",
        },
        Rev {
            image: "registry.example.com/web:1.2",
            mode: "c",
            cause: "release 1.2",
        },
    ]
}
