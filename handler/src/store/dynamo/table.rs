//! Creating the tables from their definitions in infra/template.yaml (tests, benchmarks, `serve`).

use super::{DynamoStore, sdk};
use crate::store::{StoreError, TableSpec};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType,
};

impl DynamoStore {
    /// Creates the table as `spec` (from `infra/template.yaml`) defines it, and the counters'
    /// table as the template defines it, each unless it is there: tests, benchmarks and local runs; on AWS the template
    /// itself creates them.
    pub async fn create_table(&self, spec: &TableSpec) -> Result<(), StoreError> {
        self.create(&self.table, spec).await?;
        self.create(&self.limits, &TableSpec::embedded_limits().map_err(StoreError::internal)?).await
    }

    /// Creates `name` unless it is there (a local table from before the counters had their own).
    async fn create(&self, name: &str, spec: &TableSpec) -> Result<(), StoreError> {
        if self.client.describe_table().table_name(name).send().await.is_ok() {
            return Ok(());
        }
        let internal = |e: aws_sdk_dynamodb::error::BuildError| StoreError::internal(e);
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder().attribute_name(name).key_type(kind).build().map_err(internal)
        };
        let mut create = self.client.create_table().table_name(name).billing_mode(BillingMode::PayPerRequest);
        for (name, kind) in &spec.attributes {
            create = create.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(ScalarAttributeType::from(kind.as_str()))
                    .build()
                    .map_err(internal)?,
            );
        }
        create = create.key_schema(key(&spec.hash, KeyType::Hash)?).key_schema(key(&spec.range, KeyType::Range)?);
        for index in &spec.indexes {
            create = create.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&index.name)
                    .key_schema(key(&index.hash, KeyType::Hash)?)
                    .key_schema(key(&index.range, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::Include)
                            .set_non_key_attributes(Some(index.include.clone()))
                            .build(),
                    )
                    .build()
                    .map_err(internal)?,
            );
        }
        create.send().await.map_err(sdk)?;
        if let Some(attribute) = &spec.ttl {
            let ttl = aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                .attribute_name(attribute)
                .enabled(true)
                .build()
                .map_err(internal)?;
            self.client
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(ttl)
                .send()
                .await
                .map_err(sdk)?;
        }
        Ok(())
    }
}
