//! The calls the adapter makes, one method each: reads of Machines, releases, images and
//! certificates, and the writes of a rollout (release, leases, updates, Machines).

use super::api::{HISTORY, Image, Lease, Machine, NewRelease, PAGE, Release, ReleasePage};
use super::client::{Api, ApiClient, Call};
use super::errors::Doing;
use crate::backend::BackendError;
use reqwest::Method;
use serde_json::{Value, json};

const RELEASE_FIELDS: &str = "id version status imageRef createdAt user { email name }";

fn releases_query(with_config: bool) -> String {
    let config = if with_config { " configDefinition" } else { "" };
    format!(
        "query($app: String!, $first: Int!, $after: String) {{ app(name: $app) {{ releasesUnprocessed(first: $first, after: $after) {{ nodes {{ {RELEASE_FIELDS}{config} }} pageInfo {{ endCursor hasNextPage }} }} }} }}"
    )
}

fn app_path(app: &str, rest: &str) -> String {
    format!("/apps/{}{rest}", encode(app))
}

/// One path segment, percent-encoded.
pub fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The bound on one walk through an app's releases: its pages may be empty, so the
/// count of releases alone would not end it.
fn releases_guard(app: &str) -> crate::net::PageGuard {
    crate::net::PageGuard::new(
        crate::backend::platform_name("fly"),
        format!("the releases of {app}"),
    )
}

/// One page of releases from the `data` of the releases query.
pub fn release_page_of(app: &str, data: &Value) -> Result<ReleasePage, BackendError> {
    if data["app"].is_null() {
        return Err(BackendError::not_found(format!("Fly app {app}")));
    }
    let connection = &data["app"]["releasesUnprocessed"];
    let releases: Vec<Release> =
        serde_json::from_value(connection["nodes"].clone()).map_err(|e| BackendError::Decode {
            message: format!("the releases of {app}: {e}"),
            excerpt: None,
        })?;
    let next = (connection["pageInfo"]["hasNextPage"] == true)
        .then(|| {
            connection["pageInfo"]["endCursor"]
                .as_str()
                .map(str::to_owned)
        })
        .flatten();
    Ok(ReleasePage { releases, next })
}

/// The image of the `data` of the image query, `None` when the registry does not have it.
pub fn image_of(reference: &str, data: &Value) -> Result<Option<Image>, BackendError> {
    if data["app"]["image"].is_null() {
        return Ok(None);
    }
    serde_json::from_value(data["app"]["image"].clone())
        .map(Some)
        .map_err(|e| BackendError::Decode {
            message: format!("the image {reference}: {e}"),
            excerpt: None,
        })
}

/// The hostnames of the certificates answer.
pub fn hostnames_of(answer: &Value) -> Vec<String> {
    answer["certificates"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| c["hostname"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl ApiClient {
    pub async fn machines(&self, app: &str, fresh: bool) -> Result<Vec<Machine>, BackendError> {
        let call = Call::new(
            Api::Machines,
            Method::GET,
            app_path(app, "/machines"),
            Doing::read(format!("list the Machines of {app}"), app),
        );
        self.get(&call, fresh).await
    }

    pub async fn machine(&self, app: &str, id: &str) -> Result<Machine, BackendError> {
        let call = Call::new(
            Api::Machines,
            Method::GET,
            app_path(app, &format!("/machines/{}", encode(id))),
            Doing::read(format!("read Machine {id} of {app}"), app),
        );
        self.get(&call, true).await
    }

    pub async fn release_page(
        &self,
        app: &str,
        first: usize,
        after: Option<&str>,
        with_config: bool,
        fresh: bool,
    ) -> Result<ReleasePage, BackendError> {
        let data = self
            .graphql(
                Doing::read(format!("list the releases of {app}"), app),
                &releases_query(with_config),
                json!({ "app": app, "first": first, "after": after }),
                fresh,
            )
            .await?;
        release_page_of(app, &data)
    }

    /// The newest releases, up to [`HISTORY`].
    pub async fn history(&self, app: &str, fresh: bool) -> Result<Vec<Release>, BackendError> {
        self.history_with(app, fresh, false).await
    }

    /// [`history`](Self::history), with each release's definition when `with_config`.
    pub async fn history_with(
        &self,
        app: &str,
        fresh: bool,
        with_config: bool,
    ) -> Result<Vec<Release>, BackendError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        let mut guard = releases_guard(app);
        while out.len() < HISTORY {
            let page = self
                .release_page(app, PAGE, after.as_deref(), with_config, fresh)
                .await?;
            let read = page.releases.len();
            out.extend(page.releases);
            match page.next {
                Some(next) => {
                    guard.follow(read, &next)?;
                    after = Some(next);
                }
                None => break,
            }
        }
        Ok(out)
    }

    /// The definitions (fly.toml as JSON) of releases `versions`, read page by page.
    pub async fn definitions(
        &self,
        app: &str,
        versions: &[i64],
    ) -> Result<Vec<Release>, BackendError> {
        let mut found = Vec::new();
        let mut after: Option<String> = None;
        let mut read = 0;
        let mut guard = releases_guard(app);
        while read < HISTORY && found.len() < versions.len() {
            let page = self
                .release_page(app, PAGE, after.as_deref(), true, false)
                .await?;
            let on_page = page.releases.len();
            read += on_page;
            found.extend(
                page.releases
                    .into_iter()
                    .filter(|r| versions.contains(&r.version)),
            );
            match page.next {
                Some(next) => {
                    guard.follow(on_page, &next)?;
                    after = Some(next);
                }
                None => break,
            }
        }
        Ok(found)
    }

    /// The image behind `reference`, or `None` when the registry no longer has it.
    pub async fn image(&self, app: &str, reference: &str) -> Result<Option<Image>, BackendError> {
        let data = self
            .graphql(
                Doing::read(format!("look up the image {reference}"), app),
                "query($app: String!, $ref: String!) { app(name: $app) { image(ref: $ref) { digest } } }",
                json!({ "app": app, "ref": reference }),
                true,
            )
            .await?;
        image_of(reference, &data)
    }

    /// The app's certificates' hostnames.
    pub async fn hostnames(&self, app: &str) -> Result<Vec<String>, BackendError> {
        let call = Call::new(
            Api::Machines,
            Method::GET,
            app_path(app, "/certificates"),
            Doing::read(format!("list the certificates of {app}"), app),
        );
        let answer: Value = self.get(&call, false).await?;
        Ok(hostnames_of(&answer))
    }

    /// Whether the token may change `app` (Fly's own answer: `POST /tokens/authorize`):
    /// `Some(reason)` when it may not, `None` when it may or Fly does not say.
    pub async fn write_refusal(&self, app: &str) -> Result<Option<String>, BackendError> {
        let call = Call::new(
            Api::Machines,
            Method::POST,
            "/tokens/authorize",
            Doing::read(format!("ask Fly whether the token may deploy {app}"), app),
        )
        .body(json!({
            "header": self.authorization_for_check(),
            // Fly writes an action as its letters (`r`, `w`, `rw`…).
            "access": { "app_name": app, "action": "w" }
        }))
        .idempotent();
        match self.send::<Value>(&call).await {
            Ok(_) => Ok(None),
            Err(BackendError::Invalid { message })
            | Err(BackendError::Forbidden {
                reason: message, ..
            }) => Ok(Some(message)),
            Err(BackendError::Unauthorized { message }) => {
                Err(BackendError::Unauthorized { message })
            }
            // Fly did not say (an older API, an outage): the writes will tell.
            Err(_) => Ok(None),
        }
    }

    pub async fn create_release(
        &self,
        app: &str,
        image: &str,
        strategy: &str,
        definition: Value,
    ) -> Result<NewRelease, BackendError> {
        let call = Call::new(
            Api::Releases,
            Method::POST,
            "/releases",
            Doing::new(
                format!("create a release of {image}"),
                format!("deploy {app}"),
            ),
        )
        .body(json!({
            "app_name": app,
            "build_id": 0,
            "definition": definition,
            "image": image,
            "strategy": strategy,
        }));
        let answer: Value = self.send(&call).await?;
        serde_json::from_value(answer["release"].clone()).map_err(|e| BackendError::MayHaveHappened {
            message: format!(
                "the release of {image} may have been created (its answer cannot be read: {e}); look at {app}'s releases before trying again"
            ),
        })
    }

    /// Sets a release's status; idempotent, so repeated after a transient failure.
    pub async fn set_release_status(
        &self,
        app: &str,
        release: &str,
        status: &str,
        error: Option<&str>,
    ) -> Result<(), BackendError> {
        let metadata = match status {
            "running" => Value::Null,
            _ => json!({ "post_deployment_info": { "error": error.unwrap_or("") } }),
        };
        let call = Call::new(
            Api::Releases,
            Method::PATCH,
            format!("/releases/{}", encode(release)),
            Doing::new(
                format!("mark the release {status}"),
                format!("deploy {app}"),
            ),
        )
        .body(json!({ "status": status, "metadata": metadata }))
        .idempotent();
        self.send_ignoring_body(&call).await
    }

    /// Takes a Machine's lease, or refreshes it with `nonce`.
    pub async fn lease(
        &self,
        app: &str,
        machine: &str,
        ttl: u64,
        nonce: Option<&str>,
    ) -> Result<Lease, BackendError> {
        let call = Call::new(
            Api::Machines,
            Method::POST,
            app_path(app, &format!("/machines/{}/lease", encode(machine))),
            Doing::new(format!("lease Machine {machine}"), format!("deploy {app}")),
        )
        .query("ttl", ttl)
        .nonce(nonce);
        let answer: Value = self.send(&call).await?;
        if answer["status"] != "success" {
            return Err(BackendError::Decode {
                message: format!("the lease of Machine {machine} did not say success"),
                excerpt: None,
            });
        }
        serde_json::from_value(answer["data"].clone()).map_err(|e| BackendError::Decode {
            message: format!("the lease of Machine {machine}: {e}"),
            excerpt: None,
        })
    }

    /// Gives a lease back; repeated after a transient failure (the same end either way).
    pub async fn release_lease(
        &self,
        app: &str,
        machine: &str,
        nonce: &str,
    ) -> Result<(), BackendError> {
        let call = Call::new(
            Api::Machines,
            Method::DELETE,
            app_path(app, &format!("/machines/{}/lease", encode(machine))),
            Doing::new(
                format!("give back the lease of Machine {machine}"),
                format!("deploy {app}"),
            ),
        )
        .nonce(Some(nonce))
        .idempotent();
        self.send_ignoring_body(&call).await
    }

    /// Replaces a Machine's whole config; sent once.
    pub async fn update_machine(
        &self,
        app: &str,
        machine: &str,
        nonce: Option<&str>,
        body: Value,
    ) -> Result<Machine, BackendError> {
        let call = Call::new(
            Api::Machines,
            Method::POST,
            app_path(app, &format!("/machines/{}", encode(machine))),
            Doing::new(format!("update Machine {machine}"), format!("deploy {app}")),
        )
        .body(body)
        .nonce(nonce);
        self.send(&call).await
    }

    /// Waits (at Fly) until the Machine's `instance` is started; 408 at the deadline.
    pub async fn wait_started(
        &self,
        app: &str,
        machine: &str,
        instance: &str,
        timeout: u64,
    ) -> Result<(), BackendError> {
        let mut call = Call::new(
            Api::Machines,
            Method::GET,
            app_path(app, &format!("/machines/{}/wait", encode(machine))),
            Doing::read(format!("wait for Machine {machine} to start"), app),
        )
        .query("state", "started")
        .query("timeout", timeout);
        if !instance.is_empty() {
            call = call.query("instance_id", instance);
        }
        self.get::<Value>(&call, true).await.map(|_| ())
    }

    pub async fn create_machine(&self, app: &str, body: Value) -> Result<Machine, BackendError> {
        let call = Call::new(
            Api::Machines,
            Method::POST,
            app_path(app, "/machines"),
            Doing::new("create a Machine", format!("deploy {app}")),
        )
        .body(body);
        self.send(&call).await
    }

    /// Destroys a Machine, under its lease when one is held (fly-go sends `kill=true`; the
    /// spec names it `force`).
    pub async fn destroy_machine(
        &self,
        app: &str,
        machine: &str,
        nonce: Option<&str>,
    ) -> Result<(), BackendError> {
        let call = Call::new(
            Api::Machines,
            Method::DELETE,
            app_path(app, &format!("/machines/{}", encode(machine))),
            Doing::new(
                format!("destroy the canary Machine {machine}"),
                format!("deploy {app}"),
            ),
        )
        .query("kill", "true")
        .nonce(nonce)
        .idempotent();
        self.send_ignoring_body(&call).await
    }
}

impl ApiClient {
    /// Takes a Machine out of traffic (`cordon`) or lets it in (`uncordon`).
    pub async fn cordon(
        &self,
        app: &str,
        machine: &str,
        cordoned: bool,
    ) -> Result<(), BackendError> {
        let verb = if cordoned { "cordon" } else { "uncordon" };
        let call = Call::new(
            Api::Machines,
            Method::POST,
            app_path(app, &format!("/machines/{}/{verb}", encode(machine))),
            Doing::new(format!("{verb} Machine {machine}"), format!("deploy {app}")),
        )
        .idempotent();
        self.send_ignoring_body(&call).await
    }
}
