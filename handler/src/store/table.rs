//! The DynamoDB tables as `infra/template.yaml` defines them (`Table`, the applications;
//! `LimitsTable`, the rate limits' counters): tests, benchmarks and `serve` create their tables
//! from this one definition, so they cannot drift from production.

use serde_yaml_ng::Value;

/// The infrastructure template, as built into this binary.
pub const TEMPLATE: &str = include_str!("../../../infra/template.yaml");

/// The attributes besides the keys that the adapter reads from its index queries: applications
/// are read whole from `record`; pending mail is found by its keys alone.
pub const PROJECTED: &[&str] = &["record"];

/// A global secondary index: its keys, and the attributes projected besides them (`INCLUDE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexSpec {
    /// Index name.
    pub name: String,
    /// Partition key attribute.
    pub hash: String,
    /// Sort key attribute.
    pub range: String,
    /// Non-key attributes projected.
    pub include: Vec<String>,
}

/// Keys, indexes and TTL of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSpec {
    /// `(name, type)` of every key attribute, e.g. `("pk", "S")`.
    pub attributes: Vec<(String, String)>,
    /// Partition key.
    pub hash: String,
    /// Sort key.
    pub range: String,
    /// Global secondary indexes.
    pub indexes: Vec<IndexSpec>,
    /// The TTL attribute, if enabled.
    pub ttl: Option<String>,
}

fn text(v: &Value, what: &str) -> Result<String, String> {
    v.as_str().map(str::to_owned).ok_or_else(|| format!("{what}: expected text"))
}

/// `(hash, range)` of a KeySchema list.
fn key_schema(v: &Value, what: &str) -> Result<(String, String), String> {
    let list = v.as_sequence().ok_or_else(|| format!("{what}.KeySchema: expected a list"))?;
    let find = |kind: &str| {
        list.iter()
            .find(|k| k["KeyType"].as_str() == Some(kind))
            .map(|k| text(&k["AttributeName"], what))
            .unwrap_or_else(|| Err(format!("{what}.KeySchema: no {kind} key")))
    };
    Ok((find("HASH")?, find("RANGE")?))
}

impl TableSpec {
    /// Reads the `Table` resource of a CloudFormation/SAM template.
    pub fn from_template(yaml: &str) -> Result<Self, String> {
        Self::resource(yaml, "Table")
    }

    /// Reads the table resource named `logical` of a CloudFormation/SAM template.
    pub fn resource(yaml: &str, logical: &str) -> Result<Self, String> {
        let doc: Value = serde_yaml_ng::from_str(yaml).map_err(|e| format!("infra/template.yaml: {e}"))?;
        let table = &doc["Resources"][logical];
        if table["Type"].as_str() != Some("AWS::DynamoDB::Table") {
            return Err(format!("infra/template.yaml: no AWS::DynamoDB::Table resource named {logical}"));
        }
        let p = &table["Properties"];
        let attributes = p["AttributeDefinitions"]
            .as_sequence()
            .ok_or("Table.AttributeDefinitions: expected a list")?
            .iter()
            .map(|a| Ok((text(&a["AttributeName"], "AttributeName")?, text(&a["AttributeType"], "AttributeType")?)))
            .collect::<Result<Vec<_>, String>>()?;
        let (hash, range) = key_schema(&p["KeySchema"], "Table")?;
        let indexes = p["GlobalSecondaryIndexes"]
            .as_sequence()
            .map(|list| {
                list.iter()
                    .map(|i| {
                        let name = text(&i["IndexName"], "IndexName")?;
                        let projection = &i["Projection"];
                        let include: Vec<String> = projection["NonKeyAttributes"]
                            .as_sequence()
                            .map(|l| l.iter().map(|a| text(a, "NonKeyAttributes")).collect::<Result<_, _>>())
                            .transpose()?
                            .unwrap_or_default();
                        if projection["ProjectionType"].as_str() != Some("INCLUDE") || include != PROJECTED {
                            return Err(format!(
                                "index {name}: the adapter reads {PROJECTED:?} besides the keys (ProjectionType INCLUDE, NonKeyAttributes {PROJECTED:?})"
                            ));
                        }
                        let (hash, range) = key_schema(&i["KeySchema"], &name)?;
                        Ok(IndexSpec { name, hash, range, include })
                    })
                    .collect::<Result<Vec<_>, String>>()
            })
            .transpose()?
            .unwrap_or_default();
        let ttl_spec = &p["TimeToLiveSpecification"];
        let ttl = (ttl_spec["Enabled"].as_bool() == Some(true))
            .then(|| text(&ttl_spec["AttributeName"], "TimeToLiveSpecification.AttributeName"))
            .transpose()?;
        Ok(Self { attributes, hash, range, indexes, ttl })
    }

    /// The applications' table of the template built into this binary.
    pub fn embedded() -> Result<Self, String> {
        Self::from_template(TEMPLATE)
    }

    /// The counters' table of the template built into this binary.
    pub fn embedded_limits() -> Result<Self, String> {
        Self::resource(TEMPLATE, "LimitsTable")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_defines_the_keys_and_indexes_the_adapter_uses() {
        let spec = TableSpec::embedded().expect("table");
        assert_eq!((spec.hash.as_str(), spec.range.as_str()), ("pk", "sk"));
        let names: Vec<(&str, &str, &str)> =
            spec.indexes.iter().map(|i| (i.name.as_str(), i.hash.as_str(), i.range.as_str())).collect();
        assert_eq!(names, [("gsi1", "gsi1pk", "gsi1sk"), ("gsi2", "gsi2pk", "gsi2sk")]);
        assert_eq!(spec.ttl.as_deref(), Some(super::super::dynamo::TTL_ATTRIBUTE));
        assert!(spec.attributes.iter().all(|(_, t)| t == "S"));
    }

    #[test]
    fn the_counters_table_has_the_same_keys_no_index_and_expires() {
        let spec = TableSpec::embedded_limits().expect("limits table");
        assert_eq!((spec.hash.as_str(), spec.range.as_str()), ("pk", "sk"));
        assert!(spec.indexes.is_empty(), "{:?}", spec.indexes);
        assert_eq!(spec.ttl.as_deref(), Some(super::super::dynamo::TTL_ATTRIBUTE));
    }

    #[test]
    fn a_template_without_the_table_is_refused() {
        let err = TableSpec::from_template("Resources: {}").expect_err("no table");
        assert!(err.contains("no AWS::DynamoDB::Table"), "{err}");
        let changed = TEMPLATE.replace("ProjectionType: INCLUDE", "ProjectionType: KEYS_ONLY");
        assert!(TableSpec::from_template(&changed).expect_err("projection").contains("ProjectionType INCLUDE"));
    }
}
