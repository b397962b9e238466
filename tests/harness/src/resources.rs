//! Resources the tests arrange in moto: clusters, the default network, secrets.

use anyhow::{Context, anyhow};

use crate::{Moto, REGION};

impl Moto {
    /// Creates an ECS cluster and returns its ARN.
    pub async fn create_cluster(&self, name: &str) -> anyhow::Result<String> {
        let ecs = aws_sdk_ecs::Client::new(&self.sdk_config());
        let output = ecs
            .create_cluster()
            .cluster_name(name)
            .send()
            .await
            .with_context(|| format!("creating ECS cluster {name}"))?;
        output
            .cluster
            .and_then(|cluster| cluster.cluster_arn)
            .ok_or_else(|| anyhow!("CreateCluster returned no cluster ARN"))
    }

    /// A subnet of moto's default VPC, for `awsvpc` tasks.
    ///
    /// moto 5.2.5 answers RunTask with a 500 (`private_dns_name`) for subnets of a
    /// VPC without `EnableDnsHostnames`; its default VPC has it.
    pub async fn default_subnet(&self) -> anyhow::Result<String> {
        let vpc = self.default_vpc().await?;
        let xml = self
            .ec2_query(&[
                ("Action", "DescribeSubnets"),
                ("Filter.1.Name", "vpc-id"),
                ("Filter.1.Value.1", &vpc),
            ])
            .await?;
        first_element(&xml, "subnetId").context("moto's default VPC has no subnet")
    }

    /// The `default` security group of moto's default VPC. moto 5.2.5 needs one
    /// in every `awsvpcConfiguration` (a 500 KeyError otherwise).
    pub async fn default_security_group(&self) -> anyhow::Result<String> {
        let vpc = self.default_vpc().await?;
        let xml = self
            .ec2_query(&[
                ("Action", "DescribeSecurityGroups"),
                ("Filter.1.Name", "vpc-id"),
                ("Filter.1.Value.1", &vpc),
                ("Filter.2.Name", "group-name"),
                ("Filter.2.Value.1", "default"),
            ])
            .await?;
        first_element(&xml, "groupId").context("moto's default VPC has no default security group")
    }

    /// Stores a string secret in Secrets Manager and returns its ARN.
    pub async fn create_secret(&self, name: &str, value: &str) -> anyhow::Result<String> {
        let secrets = aws_sdk_secretsmanager::Client::new(&self.sdk_config());
        let output = secrets
            .create_secret()
            .name(name)
            .secret_string(value)
            .send()
            .await
            .with_context(|| format!("creating secret {name}"))?;
        output
            .arn
            .ok_or_else(|| anyhow!("CreateSecret returned no ARN"))
    }

    /// An S3 client on moto (path-style: moto has no per-bucket host names).
    fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk_config())
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// Creates an S3 bucket.
    pub async fn create_bucket(&self, name: &str) -> anyhow::Result<()> {
        self.s3()
            .create_bucket()
            .bucket(name)
            .send()
            .await
            .with_context(|| format!("creating bucket {name}"))?;
        Ok(())
    }

    /// The keys in `bucket` under `prefix`, in order.
    pub async fn object_keys(&self, bucket: &str, prefix: &str) -> anyhow::Result<Vec<String>> {
        let listed = self
            .s3()
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .send()
            .await
            .with_context(|| format!("listing {bucket}/{prefix}"))?;
        Ok(listed
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect())
    }

    /// An object's contents as text, `None` if there is no such object.
    pub async fn object_text(&self, bucket: &str, key: &str) -> anyhow::Result<Option<String>> {
        let got = self.s3().get_object().bucket(bucket).key(key).send().await;
        match got {
            Ok(object) => {
                let bytes = object.body.collect().await?.into_bytes();
                Ok(Some(String::from_utf8(bytes.to_vec())?))
            }
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(error) => Err(error).with_context(|| format!("reading {bucket}/{key}")),
        }
    }

    /// Stores a String parameter in SSM Parameter Store and returns its ARN.
    pub async fn put_parameter(&self, name: &str, value: &str) -> anyhow::Result<String> {
        let ssm = aws_sdk_ssm::Client::new(&self.sdk_config());
        ssm.put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send()
            .await
            .with_context(|| format!("creating parameter {name}"))?;
        // A parameter's ARN has its name without the leading slash after `parameter/`.
        let path = name.trim_start_matches('/');
        Ok(format!(
            "arn:aws:ssm:{REGION}:{}:parameter/{path}",
            crate::ACCOUNT_ID
        ))
    }

    async fn default_vpc(&self) -> anyhow::Result<String> {
        let xml = self
            .ec2_query(&[
                ("Action", "DescribeVpcs"),
                ("Filter.1.Name", "is-default"),
                ("Filter.1.Value.1", "true"),
            ])
            .await?;
        first_element(&xml, "vpcId").context("moto has no default VPC")
    }

    /// Calls the EC2 query API directly: two read-only calls do not justify
    /// compiling aws-sdk-ec2.
    async fn ec2_query(&self, params: &[(&str, &str)]) -> anyhow::Result<String> {
        let mut form = vec![("Version", "2016-11-15")];
        form.extend_from_slice(params);
        let response = self
            .http
            .post(self.endpoint())
            .header("Authorization", fake_authorization("ec2"))
            .form(&form)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("EC2 {params:?}"))?;
        Ok(response.text().await?)
    }
}

/// A SigV4 header moto accepts: it checks no signature, but routes a request
/// to a service by the credential scope (without one it answers as S3).
pub(crate) fn fake_authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20240101/{REGION}/{service}/aws4_request, \
         SignedHeaders=host, Signature=0"
    )
}

/// The text of the first `<tag>` element; enough for moto's flat EC2 answers.
fn first_element(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::first_element;

    #[test]
    fn first_element_reads_the_first_matching_tag() {
        let xml = "<a><subnetId>subnet-1</subnetId><subnetId>subnet-2</subnetId></a>";

        assert_eq!(first_element(xml, "subnetId").as_deref(), Some("subnet-1"));
        assert_eq!(first_element(xml, "vpcId"), None);
    }
}
