//! Hostnames that reach a workload: Ingress rules and Gateway API HTTPRoutes whose backend
//! is a Service selecting the workload's pods. A rollout never moves them: the Service keeps
//! selecting pods by label while the pods behind it change.

use serde_json::Value;

/// What the confirmation can say about these hosts (they are listed with `moves: false`).
pub const HOSTS_STAY: &str = "These hosts keep pointing at the same Service; the pods behind it change to the target revision.";
use std::collections::BTreeSet;

/// Names of the Services whose selector matches the pod template's labels.
pub fn selecting_services<'a>(services: &'a [Value], pod_labels: &Value) -> Vec<&'a str> {
    services
        .iter()
        .filter(|svc| {
            let Some(selector) = svc.pointer("/spec/selector").and_then(Value::as_object) else {
                return false;
            };
            !selector.is_empty()
                && selector
                    .iter()
                    .all(|(k, v)| pod_labels.get(k).is_some_and(|l| l == v))
        })
        .filter_map(|svc| svc.pointer("/metadata/name").and_then(Value::as_str))
        .collect()
}

/// Hosts of Ingress rules with a path (or default backend) on one of `services`.
pub fn ingress_hosts(ingresses: &[Value], services: &[&str]) -> BTreeSet<String> {
    let backend_hits = |b: Option<&Value>| {
        b.and_then(|b| b.pointer("/service/name"))
            .and_then(Value::as_str)
            .is_some_and(|n| services.contains(&n))
    };
    let mut hosts = BTreeSet::new();
    for ing in ingresses {
        let default_hit = backend_hits(ing.pointer("/spec/defaultBackend"));
        for rule in ing
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(host) = rule.get("host").and_then(Value::as_str) else {
                continue;
            };
            let paths = rule
                .pointer("/http/paths")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            let hit = paths.clone().any(|p| backend_hits(p.get("backend")))
                || (default_hit && paths.count() == 0);
            if hit {
                hosts.insert(host.to_owned());
            }
        }
    }
    hosts
}

/// Hostnames of HTTPRoutes with a backendRef to one of `services` (kind Service, the
/// default, in the route's namespace).
pub fn route_hosts(routes: &[Value], services: &[&str]) -> BTreeSet<String> {
    let mut hosts = BTreeSet::new();
    for route in routes {
        let refs_service = route
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|r| {
                r.get("backendRefs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .any(|b| {
                let kind = b.get("kind").and_then(Value::as_str).unwrap_or("Service");
                let same_ns = b.get("namespace").is_none();
                kind == "Service"
                    && same_ns
                    && b.get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| services.contains(&n))
            });
        if refs_service {
            hosts.extend(
                route
                    .pointer("/spec/hostnames")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned),
            );
        }
    }
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hosts_follow_services_that_select_the_pods() {
        let services = vec![
            json!({"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}}}),
            json!({"metadata": {"name": "api"}, "spec": {"selector": {"app": "api"}}}),
        ];
        let labels = json!({"app": "web", "tier": "front"});
        let selected = selecting_services(&services, &labels);
        assert_eq!(selected, vec!["web"]);
        let ingresses = vec![json!({"spec": {"rules": [
            {"host": "shop.example.com", "http": {"paths": [{"backend": {"service": {"name": "web"}}}]}},
            {"host": "api.example.com", "http": {"paths": [{"backend": {"service": {"name": "api"}}}]}}]}})];
        assert_eq!(
            ingress_hosts(&ingresses, &selected)
                .into_iter()
                .collect::<Vec<_>>(),
            vec!["shop.example.com"]
        );
        let routes = vec![json!({"spec": {"hostnames": ["www.example.com"],
            "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}})];
        assert_eq!(
            route_hosts(&routes, &selected)
                .into_iter()
                .collect::<Vec<_>>(),
            vec!["www.example.com"]
        );
    }
}
