//! What a new version of the agents file may not change while the functions
//! run. The stack fixes the deployment's name and cluster (its IAM grants and
//! its task-event rule name both: infra/template.yaml), and a function fixes
//! at its cold start where it reaches Jenkins, its region and whether it has a
//! bucket for the agents' environment files. A version that moves any of them
//! would be obeyed by the templates and contradicted by everything else, so
//! the functions keep the version they have and say why; the CLI refuses to
//! publish the first two.

use super::{AgentsConfig, ConfigError, ConfigErrors, SecretDelivery};

/// What the running deployment fixed; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    name: String,
    cluster: String,
    jenkins_url: Option<String>,
    region: Option<String>,
    environment_bucket: bool,
}

impl Pinned {
    /// What `running` fixes by itself: the deployment's name and cluster.
    pub fn new(running: &AgentsConfig) -> Self {
        Self {
            name: running.cloud.name.clone(),
            cluster: running.cloud.cluster.clone(),
            jenkins_url: None,
            region: None,
            environment_bucket: true,
        }
    }

    /// Also `cloud.jenkinsUrl`: the functions reach Jenkins' API through it
    /// (no `JENKINS_API_URL`), and a version moving only the agents would
    /// split them from the functions.
    pub fn with_jenkins_url(mut self, url: impl Into<String>) -> Self {
        self.jenkins_url = Some(url.into());
        self
    }

    /// Also the functions' region (`AWS_REGION`), as at cold start.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Whether the functions have a bucket for agents' environment files
    /// (`AGENT_ENVIRONMENT_BUCKET`).
    pub fn with_environment_bucket(mut self, present: bool) -> Self {
        self.environment_bucket = present;
        self
    }

    /// Every way `candidate` moves what is fixed, as configuration errors.
    pub fn check(&self, candidate: &AgentsConfig) -> Result<(), ConfigErrors> {
        let cloud = &candidate.cloud;
        let mut errors = Vec::new();
        if cloud.name != self.name {
            errors.push(ConfigError::new(
                "cloud.name",
                format!(
                    "is `{}`, but this deployment is `{}` (the stack's DeploymentName, in its IAM \
                     policy and task-event rule): a new name is a new deployment (sam deploy)",
                    cloud.name, self.name
                ),
            ));
        }
        if cloud.cluster != self.cluster {
            errors.push(ConfigError::new(
                "cloud.cluster",
                format!(
                    "is `{}`, but this deployment runs in `{}` (the stack's ClusterName, in its IAM \
                     policy and task-event rule): change the stack (sam deploy)",
                    cloud.cluster, self.cluster
                ),
            ));
        }
        if let Some(url) = self
            .jenkins_url
            .as_ref()
            .filter(|u| **u != cloud.jenkins_url)
        {
            errors.push(ConfigError::new(
                "cloud.jenkinsUrl",
                format!(
                    "is `{}`, but the functions reach Jenkins at `{url}`, the URL they started \
                     with: set the stack's JenkinsApiUrl for the functions, or redeploy",
                    cloud.jenkins_url
                ),
            ));
        }
        if let Some(region) = &self.region
            && let Err(mismatch) = cloud.check_region(region)
        {
            errors.push(ConfigError::new("", mismatch.to_string()));
        }
        if !self.environment_bucket && cloud.secret_delivery == SecretDelivery::EnvironmentFile {
            errors.push(ConfigError::new(
                "cloud.secretDelivery",
                "is environmentFile (the default), but the functions have no \
                 AGENT_ENVIRONMENT_BUCKET to write agents' files to",
            ));
        }
        match errors.is_empty() {
            true => Ok(()),
            false => Err(ConfigErrors(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(cloud: &str) -> AgentsConfig {
        AgentsConfig::from_yaml(&format!(
            "cloud: {{{cloud}}}\n\
             templates: [{{name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}}]\n"
        ))
        .unwrap()
    }

    const RUNNING: &str = "name: ecs, cluster: agents, jenkinsUrl: 'https://ci.example.com'";

    #[test]
    fn templates_and_cloud_limits_may_change() {
        let pinned = Pinned::new(&config(RUNNING))
            .with_jenkins_url("https://ci.example.com")
            .with_region("eu-west-1");
        let next = config(&format!("{RUNNING}, maxAgents: 50, idleMinutes: 5"));
        assert_eq!(pinned.check(&next), Ok(()));
    }

    #[test]
    fn a_new_name_or_cluster_is_refused_naming_the_stack_parameter() {
        let pinned = Pinned::new(&config(RUNNING));
        let errors = pinned
            .check(&config(
                "name: ci, cluster: other, jenkinsUrl: 'https://ci.example.com'",
            ))
            .unwrap_err()
            .to_string();
        assert!(
            errors.contains("cloud.name: is `ci`, but this deployment is `ecs`"),
            "{errors}"
        );
        assert!(errors.contains("DeploymentName"), "{errors}");
        assert!(
            errors.contains("cloud.cluster: is `other`, but this deployment runs in `agents`"),
            "{errors}"
        );
    }

    #[test]
    fn the_jenkins_url_is_fixed_only_where_the_functions_reach_jenkins_through_it() {
        let moved = config("name: ecs, cluster: agents, jenkinsUrl: 'https://new.example.com'");
        assert_eq!(Pinned::new(&config(RUNNING)).check(&moved), Ok(()));
        let through_it = Pinned::new(&config(RUNNING)).with_jenkins_url("https://ci.example.com");
        let error = through_it.check(&moved).unwrap_err().to_string();
        assert!(error.contains("cloud.jenkinsUrl: is `https://new.example.com`, but the functions reach Jenkins at `https://ci.example.com`"), "{error}");
    }

    #[test]
    fn a_version_for_another_region_or_without_the_files_bucket_is_refused() {
        let pinned = Pinned::new(&config(RUNNING))
            .with_region("us-east-1")
            .with_environment_bucket(false);
        let errors = pinned
            .check(&config(&format!("{RUNNING}, region: eu-west-1")))
            .unwrap_err();
        assert_eq!(errors.errors().len(), 2, "{errors}");
        assert!(
            errors.errors()[0]
                .message
                .starts_with("cloud.region is in eu-west-1, but the functions run in us-east-1"),
            "{errors}"
        );
        assert_eq!(errors.errors()[1].path, "cloud.secretDelivery");
    }
}
