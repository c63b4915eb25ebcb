//! The Lambda's start-up check of its two tables.

use super::{DynamoStore, sdk};
use crate::store::StoreError;
use aws_sdk_dynamodb::types::{KeyType, TableDescription, TableStatus};

/// What is wrong with `table` for an adapter that needs keys `pk`, `sk` and `indexes`.
fn wrong_with(table: &TableDescription, indexes: &[&str]) -> Vec<String> {
    let mut wrong = Vec::new();
    if !matches!(table.table_status(), Some(TableStatus::Active | TableStatus::Updating)) {
        wrong.push(format!("its status is {:?}", table.table_status()));
    }
    let key = |kind: KeyType| {
        table.key_schema().iter().find(|k| k.key_type() == &kind).map(|k| k.attribute_name().to_owned())
    };
    if (key(KeyType::Hash).as_deref(), key(KeyType::Range).as_deref()) != (Some("pk"), Some("sk")) {
        wrong.push("its keys are not pk and sk".to_owned());
    }
    let has: Vec<&str> = table.global_secondary_indexes().iter().filter_map(|i| i.index_name()).collect();
    for index in indexes {
        if !has.contains(index) {
            wrong.push(format!("it has no index {index}"));
        }
    }
    wrong
}

impl DynamoStore {
    /// Whether both tables are there, in use, and the ones this adapter writes: keys `pk`, `sk`,
    /// and on the applications' table the indexes `gsi1` and `gsi2` (the Lambda checks them at
    /// start and never creates a table). The applications' table's ARN and creation time, for
    /// the start-up log.
    pub async fn check_table(&self) -> Result<(String, String), StoreError> {
        let (table, limits) = tokio::join!(
            self.client.describe_table().table_name(&self.table).send(),
            self.client.describe_table().table_name(&self.limits).send()
        );
        let mut found = Vec::new();
        for (name, out, indexes) in [(&self.table, table, &["gsi1", "gsi2"][..]), (&self.limits, limits, &[][..])] {
            let described =
                out.map_err(sdk)?.table.ok_or_else(|| StoreError::internal(format!("no description of {name}")))?;
            let wrong = wrong_with(&described, indexes);
            if !wrong.is_empty() {
                return Err(StoreError::internal(format!(
                    "DynamoDB table {name} is not tepei's table: {}",
                    wrong.join("; ")
                )));
            }
            found.push(described);
        }
        let table = found.first().ok_or_else(|| StoreError::internal("no table described"))?;
        let created = table.creation_date_time().map(ToString::to_string).unwrap_or_default();
        Ok((table.table_arn().unwrap_or_default().to_owned(), created))
    }
}
