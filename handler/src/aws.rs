//! One way to load AWS configuration for the SDK clients the adapters use.

use aws_credential_types::Credentials;

/// The region used when none is configured: data of this programme stays in mainland China.
pub const DEFAULT_REGION: &str = "cn-north-1";

/// The environment's AWS configuration (the Lambda's role and region) with timeouts of
/// `attempt` per attempt and `total` per operation. `endpoint` points the client at a local
/// server; `credentials`, when given, replace the environment's.
pub async fn load_config(
    endpoint: Option<&str>,
    credentials: Option<Credentials>,
    attempt: std::time::Duration,
    total: std::time::Duration,
) -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(1))
        .operation_attempt_timeout(attempt)
        .operation_timeout(total)
        .build();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(timeouts);
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(credentials) = credentials {
        loader = loader.credentials_provider(credentials);
    }
    if !crate::config::aws_region_set() {
        loader = loader.region(aws_config::Region::new(DEFAULT_REGION));
    }
    loader.load().await
}
