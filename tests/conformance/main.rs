//! The conformance suite: one set of behavioural tests (`behaviours`), written once and run
//! against every adapter through its fake (`platforms`), each on real sockets where the
//! adapter has a network. `cargo test --test conformance unkey::` runs one platform's.
//!
//! A new adapter joins with one `Platform` implementation in `platforms/` and one line in
//! the list at the end of this file.

#[path = "../support/mod.rs"]
mod support;

mod behaviours;
mod platform;
mod platforms;

/// Every behaviour as a test of the platform `$platform`, in a module `$name`. A behaviour
/// named after the type (`behaviour = "reason"`) is ignored with that reason, so a known
/// gap stays visible in every run.
macro_rules! conformance {
    ($name:ident: $platform:ty $(, $ignored:ident = $why:literal)* $(,)?) => {
        conformance!(@with ($) $name: $platform [$($ignored = $why),*]);
    };
    (@with ($d:tt) $name:ident: $platform:ty [$($ignored:ident = $why:literal),*]) => {
        mod $name {
            macro_rules! behaviour {
                $(($ignored) => {
                    #[tokio::test]
                    #[ignore = $why]
                    async fn $ignored() {
                        crate::behaviours::$ignored::<$platform>().await;
                    }
                };)*
                ($d behaviour:ident) => {
                    #[tokio::test]
                    async fn $d behaviour() {
                        crate::behaviours::$d behaviour::<$platform>().await;
                    }
                };
            }
            behaviour!(listing_is_newest_first_and_complete_across_pages);
            behaviour!(the_live_deployment_is_listed_and_reads_alike);
            behaviour!(every_refused_action_says_why);
            behaviour!(rollback_completes_and_is_followed_to_the_end);
            behaviour!(a_refused_rollback_changes_nothing);
            behaviour!(a_stale_expected_live_is_a_conflict_naming_who_moved_it);
            behaviour!(after_a_conflict_the_new_live_is_read);
            behaviour!(a_replayed_idempotency_key_is_carried_out_once);
            behaviour!(a_read_only_token_may_look_but_not_act);
            behaviour!(a_redeploy_answered_too_late_is_carried_out_once);
            behaviour!(the_redeploy_command_answered_too_late_creates_one);
        }
    };
}

conformance!(demo: crate::platforms::demo::DemoPlatform);
conformance!(http: crate::platforms::http::HttpPlatform);
conformance!(unkey: crate::platforms::unkey::UnkeyPlatform);
conformance!(kubernetes: crate::platforms::kubernetes::KubernetesPlatform);
conformance!(temps: crate::platforms::temps::TempsPlatform);
conformance!(vercel: crate::platforms::vercel::VercelPlatform);
conformance!(fly: crate::platforms::fly::FlyPlatform);
