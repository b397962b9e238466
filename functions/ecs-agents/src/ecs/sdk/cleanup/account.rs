//! A mocked account for the sweep's tests: ACTIVE revisions with or
//! without our tags, answering the four calls a sweep makes, listings paged.

use std::sync::Arc;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::operation::deregister_task_definition::DeregisterTaskDefinitionOutput;
use aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput;
use aws_sdk_ecs::operation::list_task_definition_families::ListTaskDefinitionFamiliesOutput;
use aws_sdk_ecs::operation::list_task_definitions::ListTaskDefinitionsOutput;
use aws_sdk_ecs::types as sdk;
use aws_smithy_mocks::{Rule, mock};

use super::super::EcsAgentTasks;
use super::super::testing::{Wire, adapter};
use super::CLOUD_TAG;
use crate::taskdef::HASH_TAG;

/// The cloud of the agents file `testing::template` loads.
pub(super) const CLOUD: &str = "ecs";

/// Results per page of the mocked listings, so that every test pages.
const PAGE: usize = 2;

/// An ACTIVE revision in the mocked account and the tags it carries.
#[derive(Debug, Clone, Copy)]
pub(super) struct Revision {
    pub(super) family: &'static str,
    pub(super) number: u32,
    pub(super) cloud: Option<&'static str>,
    pub(super) hash: Option<&'static str>,
}

impl Revision {
    pub(super) fn arn(&self) -> String {
        format!(
            "arn:aws:ecs:eu-west-1:123456789012:task-definition/{}:{}",
            self.family, self.number
        )
    }
}

/// A revision this cloud registered from `hash`.
pub(super) fn ours(family: &'static str, number: u32, hash: &'static str) -> Revision {
    Revision {
        family,
        number,
        cloud: Some(CLOUD),
        hash: Some(hash),
    }
}

/// A revision someone registered by hand: no tags of ours.
pub(super) fn untagged(family: &'static str, number: u32) -> Revision {
    Revision {
        family,
        number,
        cloud: None,
        hash: None,
    }
}

/// The page of `items` starting at the offset in `token`, and the next token.
fn page<T: Clone>(items: &[T], token: Option<&str>) -> (Vec<T>, Option<String>) {
    let start = token.map_or(0, |t| t.parse().unwrap());
    let end = (start + PAGE).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    (items[start..end].to_vec(), next)
}

/// ECS holding `revisions`, answering the sweep's four operations.
pub(super) struct Account {
    pub(super) families: Rule,
    pub(super) listing: Rule,
    pub(super) describe: Rule,
    pub(super) deregister: Rule,
}

impl Account {
    pub(super) fn new(revisions: &[Revision]) -> Self {
        let all = Arc::new(revisions.to_vec());
        let held = Arc::clone(&all);
        let families = mock!(Client::list_task_definition_families)
            .match_requests(|r| {
                r.family_prefix() == Some("ecs-")
                    && r.status() == Some(&sdk::TaskDefinitionFamilyStatus::Active)
            })
            .then_compute_output(move |r| {
                let mut names: Vec<String> = held.iter().map(|d| d.family.to_owned()).collect();
                names.sort();
                names.dedup();
                let (names, next) = page(&names, r.next_token());
                ListTaskDefinitionFamiliesOutput::builder()
                    .set_families(Some(names))
                    .set_next_token(next)
                    .build()
            });
        let held = Arc::clone(&all);
        let listing = mock!(Client::list_task_definitions)
            .match_requests(|r| {
                r.status() == Some(&sdk::TaskDefinitionStatus::Active)
                    && r.sort() == Some(&sdk::SortOrder::Asc)
            })
            .then_compute_output(move |r| {
                let mut family: Vec<&Revision> = held
                    .iter()
                    .filter(|d| r.family_prefix() == Some(d.family))
                    .collect();
                family.sort_by_key(|d| d.number);
                let arns: Vec<String> = family.iter().map(|d| d.arn()).collect();
                let (arns, next) = page(&arns, r.next_token());
                ListTaskDefinitionsOutput::builder()
                    .set_task_definition_arns(Some(arns))
                    .set_next_token(next)
                    .build()
            });
        let describe = mock!(Client::describe_task_definition)
            .match_requests(|r| r.include() == [sdk::TaskDefinitionField::Tags])
            .then_compute_output(move |r| described(&all, r.task_definition().unwrap()));
        let deregister = mock!(Client::deregister_task_definition).then_compute_output(|r| {
            DeregisterTaskDefinitionOutput::builder()
                .task_definition(
                    sdk::TaskDefinition::builder()
                        .set_task_definition_arn(r.task_definition().map(str::to_owned))
                        .status(sdk::TaskDefinitionStatus::Inactive)
                        .build(),
                )
                .build()
        });
        Self {
            families,
            listing,
            describe,
            deregister,
        }
    }

    /// An adapter on this account, `first` matched before its own rules.
    pub(super) fn adapter(&self, first: &[&Rule]) -> (EcsAgentTasks, Wire) {
        let own = [
            &self.families,
            &self.listing,
            &self.describe,
            &self.deregister,
        ];
        adapter(&[first, &own[..]].concat())
    }
}

pub(super) fn described(revisions: &[Revision], arn: &str) -> DescribeTaskDefinitionOutput {
    let revision = revisions.iter().find(|d| d.arn() == arn).expect("listed");
    let tag = |key: &str, value: Option<&str>| {
        value.map(|v| sdk::Tag::builder().key(key).value(v).build())
    };
    let tags = [
        tag(CLOUD_TAG, revision.cloud),
        tag("ecs-agents:template", revision.cloud.map(|_| "linux")),
        tag(HASH_TAG, revision.hash),
    ];
    DescribeTaskDefinitionOutput::builder()
        .task_definition(
            sdk::TaskDefinition::builder()
                .task_definition_arn(arn)
                .status(sdk::TaskDefinitionStatus::Active)
                .build(),
        )
        .set_tags(Some(tags.into_iter().flatten().collect()))
        .build()
}
