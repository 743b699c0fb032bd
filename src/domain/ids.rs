use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

// Ids are shared, not copied: the same deployment id sits in the list, its index, the live
// history and every answer about it, so a clone is a reference count, not an allocation.

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Arc<str>);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(Arc::from(value.into()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(Arc::from(value))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(Arc::from(value))
            }
        }
    };
}

string_id!(
    /// A project's id or slug, e.g. `acme/storefront`.
    ProjectId
);
string_id!(
    /// An environment's id or slug within a project, e.g. `production`.
    EnvironmentId
);
string_id!(
    /// A deployment's platform id (the label is separate).
    DeploymentId
);
string_id!(
    /// An operation's id at the platform.
    OperationId
);
