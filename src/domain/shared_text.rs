//! Shared text (`Option<Arc<str>>`) reads and writes as a plain string, or null: the same
//! author or actor on thousands of deployments and live changes is one copy.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::Arc;

pub fn serialize<S: Serializer>(
    value: &Option<Arc<str>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    value.as_deref().serialize(serializer)
}

pub fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Arc<str>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(|value| value.map(Arc::from))
}

#[cfg(test)]
mod tests {
    use crate::domain::{LiveCause, LiveChange};

    #[test]
    fn shared_text_reads_and_writes_as_a_plain_string_or_null() {
        let change = LiveChange {
            scope: Default::default(),
            at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            deployment: "dep_1".into(),
            cause: LiveCause::Rollback,
            actor: Some("dana".into()),
        };
        let json = serde_json::to_value(&change).unwrap();
        assert_eq!(json["actor"], "dana");
        assert_eq!(serde_json::from_value::<LiveChange>(json).unwrap(), change);
        let unknown = LiveChange {
            actor: None,
            ..change
        };
        let mut json = serde_json::to_value(&unknown).unwrap();
        assert!(json["actor"].is_null());
        json.as_object_mut().unwrap().remove("actor");
        assert_eq!(serde_json::from_value::<LiveChange>(json).unwrap(), unknown);
    }
}
