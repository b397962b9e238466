//! The region an agents file is written for. Its subnets, security groups, secrets and log
//! groups are regional, and the stack's IAM policies, secrets and task-event rule live in the
//! stack's region (docs/aws.md §18), so the functions serve a cluster in their own region only.
//! A file may say which region it is for (`cloud.region`, or a cluster ARN); the functions then
//! refuse to start anywhere else, instead of failing on every call.

use super::Cloud;

/// The agents file names another region than the one the functions run in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cloud.{field} is in {named}, but the functions run in {functions} (AWS_REGION): a stack \
     serves a cluster in its own region only; deploy the stack in {named}, or one stack per \
     region (docs/deploy.md)"
)]
pub struct RegionMismatch {
    /// The field naming the region: `region` or `cluster`.
    pub field: &'static str,
    /// The region the file names.
    pub named: String,
    /// The functions' region.
    pub functions: String,
}

impl Cloud {
    /// Checks that every region the cloud section names is `functions`, the functions' own.
    pub fn check_region(&self, functions: &str) -> Result<(), RegionMismatch> {
        let cluster = cluster_region(&self.cluster);
        let named = [("region", self.region.as_deref()), ("cluster", cluster)];
        match named
            .into_iter()
            .find_map(|(field, region)| Some((field, region?)).filter(|(_, r)| *r != functions))
        {
            Some((field, named)) => Err(RegionMismatch {
                field,
                named: named.to_owned(),
                functions: functions.to_owned(),
            }),
            None => Ok(()),
        }
    }
}

/// The region of a cluster ARN (`arn:PARTITION:ecs:REGION:ACCOUNT:cluster/NAME`); a plain
/// name has none.
fn cluster_region(cluster: &str) -> Option<&str> {
    let mut parts = cluster.split(':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("arn"), Some(_), Some("ecs"), Some(region)) if !region.is_empty() => Some(region),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud(region: Option<&str>, cluster: &str) -> Cloud {
        Cloud {
            region: region.map(str::to_owned),
            cluster: cluster.to_owned(),
            ..Cloud::stand_in()
        }
    }

    #[test]
    fn a_file_that_names_no_region_serves_any_region() {
        assert_eq!(cloud(None, "agents").check_region("ap-southeast-2"), Ok(()));
    }

    #[test]
    fn a_file_for_the_functions_region_is_accepted() {
        let arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/agents";
        assert_eq!(
            cloud(Some("eu-west-1"), arn).check_region("eu-west-1"),
            Ok(())
        );
    }

    #[test]
    fn a_cloud_region_other_than_the_functions_names_both() {
        let error = cloud(Some("eu-west-1"), "agents")
            .check_region("us-east-1")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "cloud.region is in eu-west-1, but the functions run in us-east-1 (AWS_REGION): a \
             stack serves a cluster in its own region only; deploy the stack in eu-west-1, or \
             one stack per region (docs/deploy.md)"
        );
    }

    #[test]
    fn a_cluster_arn_in_another_region_is_refused_too() {
        let arn = "arn:aws:ecs:eu-central-1:123456789012:cluster/agents";
        let error = cloud(None, arn).check_region("us-east-1").unwrap_err();
        assert_eq!(
            (error.field, error.named.as_str()),
            ("cluster", "eu-central-1")
        );
    }
}
