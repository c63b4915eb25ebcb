//! Every AWS call the function makes, read from its source (`calls`), checked against what its
//! role in `infra/template.yaml` allows, on the resource the call touches: the table named by
//! `TABLE_NAME` and its indexes, the counters' table named by `LIMITS_TABLE_NAME`, the objects and the bucket named by `UPLOAD_BUCKET`, the
//! secrets named by `*_SECRET_ID`. The template is evaluated as CloudFormation would (`!Ref`,
//! `!GetAtt`, `!Sub`, `!If` with every parameter set), in `aws-cn`/cn-north-1 and in
//! `aws`/us-east-1, and each statement as IAM does: its actions and resources with `*`/`?`,
//! its condition against the request's context, an explicit Deny (the buckets' TLS-only
//! statement) before any Allow. A call the mapping does not know fails; so does an action the
//! role grants that no call needs.
//!
//! What AWS authorises each operation as (AWS documentation, read for this test):
//! - DynamoDB: an item or table operation is authorised as the action of its name (Service
//!   Authorization Reference, "Actions, resources, and condition keys for Amazon DynamoDB").
//!   `Query` with an index name is checked against the index's ARN, `…:table/NAME/index/INDEX`
//!   (Developer Guide, "IAM policy to grant access to a specific DynamoDB table and its
//!   indexes"). `TransactWriteItems`: "Permissions for Put, Update, Delete, and Get actions are
//!   governed by the permissions used for the underlying PutItem, UpdateItem, DeleteItem, and
//!   GetItem operations. For the ConditionCheck action, you can use the
//!   dynamodb:ConditionCheckItem permission" (Developer Guide, "Using IAM with DynamoDB
//!   transactions"); the transaction itself needs no action of its own.
//! - S3: `GetObject` and `HeadObject` need `s3:GetObject`, `PutObject` `s3:PutObject`,
//!   `DeleteObject` `s3:DeleteObject`, `ListObjectsV2` `s3:ListBucket` on the bucket (API
//!   Reference, each operation's "Permissions"); `CopyObject` needs `s3:GetObject` on the source
//!   and `s3:PutObject` on the target (Service Authorization Reference, "API operations defined
//!   by Amazon S3"). A presigned GET or POST acts with "the credentials of the IAM principal who
//!   generated the URL" (User Guide, "Download and upload objects with presigned URLs"); a POST
//!   upload writes an object, `s3:PutObject` (API Reference, "Browser-Based Uploads Using POST").
//!   A missing key is 404 `NoSuchKey`/`NotFound` only "if you have the s3:ListBucket permission
//!   on the bucket", else 403 (API Reference, GetObject and HeadObject, "Permissions"); and "if
//!   the key that you specify in a policy condition is not present in the request context, the
//!   values do not match and the condition is false" (IAM User Guide, "Condition operators"),
//!   so a `ListBucket` allowed only for an `s3:prefix` does not cover a read of one key, which
//!   carries no prefix.
//! - Secrets Manager: `GetSecretValue` needs `secretsmanager:GetSecretValue` on the secret, and
//!   `kms:Decrypt` only for a customer managed key (API Reference, GetSecretValue, "Required
//!   permissions"); the template's secrets use the AWS managed key. A secret named by name is
//!   still authorised on its ARN, the name and `-` and six random characters.

use super::calls::{Call, function_calls, lambda_features};
use serde_yaml_ng::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What a call touches.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// The table (`TABLE_NAME`).
    Table,
    /// The counters' table (`LIMITS_TABLE_NAME`).
    Limits,
    /// Each global secondary index of that table.
    Indexes,
    /// Any object the function names: an upload, a record's file and an exported 汇总表.
    Objects,
    /// An upload (`uploads/…`): where a presigned POST writes.
    Uploads,
    /// The bucket, listed under a record's folder (`s3:prefix` = `records/{reference}/`).
    BucketListed,
    /// The bucket, for a request without a prefix (a read that finds no key).
    Bucket,
    /// Every secret the environment names.
    Secrets,
}

use Target::*;

/// The IAM actions each SDK operation the function makes needs, and on what. `None`: an
/// operation this test does not know yet.
fn needs(call: &Call) -> Option<Vec<(&'static str, Target)>> {
    let table = if call.on_limits { Limits } else { Table };
    let found = match (call.service.as_str(), call.op.as_str()) {
        ("dynamodb", "get_item") => vec![("dynamodb:GetItem", table)],
        ("dynamodb", "put_item") => vec![("dynamodb:PutItem", table)],
        ("dynamodb", "update_item") => vec![("dynamodb:UpdateItem", table)],
        ("dynamodb", "delete_item") => vec![("dynamodb:DeleteItem", table)],
        ("dynamodb", "query") if call.on_index => vec![("dynamodb:Query", Indexes)],
        ("dynamodb", "query") => vec![("dynamodb:Query", table)],
        ("dynamodb", "describe_table") => vec![("dynamodb:DescribeTable", table)],
        // Authorised part by part (below).
        ("dynamodb", "transact_write_items") => vec![],
        ("dynamodb", "transact:put") => vec![("dynamodb:PutItem", table)],
        ("dynamodb", "transact:update") => vec![("dynamodb:UpdateItem", table)],
        ("dynamodb", "transact:delete") => vec![("dynamodb:DeleteItem", table)],
        ("dynamodb", "transact:condition_check") => vec![("dynamodb:ConditionCheckItem", table)],
        ("s3", "get_object" | "head_object") => vec![("s3:GetObject", Objects)],
        ("s3", "put_object") => vec![("s3:PutObject", Objects)],
        ("s3", "copy_object") => vec![("s3:GetObject", Objects), ("s3:PutObject", Objects)],
        ("s3", "delete_object") => vec![("s3:DeleteObject", Objects)],
        ("s3", "list_objects_v2") => vec![("s3:ListBucket", BucketListed)],
        ("s3", "presigned_post") => vec![("s3:PutObject", Uploads)],
        ("s3", "missing_key_told_apart") => vec![("s3:ListBucket", Bucket)],
        ("secretsmanager", "get_secret_value") => vec![("secretsmanager:GetSecretValue", Secrets)],
        _ => return None,
    };
    Some(found)
}

/// Operations only tests and setup may make: on AWS the template creates what they create.
const SETUP_ONLY: [&str; 5] = ["create_table", "update_time_to_live", "delete_table", "create_bucket", "delete_bucket"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("root").to_owned()
}

/// The template as deployed in one partition and region, every parameter set.
struct Deploy {
    doc: Value,
    partition: &'static str,
    region: &'static str,
    params: BTreeMap<String, String>,
}

const ACCOUNT: &str = "123456789012";

impl Deploy {
    fn new(text: &str, partition: &'static str, region: &'static str) -> Self {
        let doc: Value = serde_yaml_ng::from_str(text).expect("infra/template.yaml parses");
        let mut params = BTreeMap::new();
        for (name, p) in doc["Parameters"].as_mapping().expect("parameters") {
            let name = name.as_str().expect("name").to_owned();
            let default = match &p["Default"] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            // Every optional parameter set, so what it switches on is checked too.
            let value = if default.is_empty() { format!("sample-{}", name.to_lowercase()) } else { default };
            params.insert(name, value);
        }
        Self { doc, partition, region, params }
    }

    fn kind(&self, logical: &str) -> Option<&str> {
        self.doc["Resources"][logical]["Type"].as_str()
    }

    /// `!Ref name`; `None` for `AWS::NoValue`.
    fn reference(&self, name: &str) -> Option<String> {
        let (p, r) = (self.partition, self.region);
        Some(match name {
            "AWS::NoValue" => return None,
            "AWS::Partition" => p.to_owned(),
            "AWS::Region" => r.to_owned(),
            "AWS::AccountId" => ACCOUNT.to_owned(),
            "AWS::StackName" => "tepei-2025".to_owned(),
            "AWS::URLSuffix" => if p == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" }.to_owned(),
            _ if self.params.contains_key(name) => self.params[name].clone(),
            _ => match self.kind(name) {
                Some("AWS::DynamoDB::Table") => format!("tepei-2025-{name}-1A2B3C4D"),
                Some("AWS::S3::Bucket") => format!("tepei-2025-{}-1a2b3c4d", name.to_lowercase()),
                Some("AWS::SecretsManager::Secret") => {
                    format!("arn:{p}:secretsmanager:{r}:{ACCOUNT}:secret:{name}-AbC123")
                }
                Some(_) => name.to_owned(),
                None => panic!("!Ref {name} names nothing"),
            },
        })
    }

    fn get_att(&self, target: &str) -> String {
        let (name, attribute) = target.split_once('.').expect("Name.Attribute");
        assert_eq!(attribute, "Arn", "teach this test !GetAtt {target}");
        let (p, r, id) = (self.partition, self.region, self.reference(name).expect("a value"));
        match self.kind(name) {
            Some("AWS::DynamoDB::Table") => format!("arn:{p}:dynamodb:{r}:{ACCOUNT}:table/{id}"),
            Some("AWS::S3::Bucket") => format!("arn:{p}:s3:::{id}"),
            Some("AWS::Logs::LogGroup") => format!("arn:{p}:logs:{r}:{ACCOUNT}:log-group:{id}:*"),
            Some("AWS::IAM::Role") => format!("arn:{p}:iam::{ACCOUNT}:role/{id}"),
            other => panic!("teach this test the ARN of {other:?}"),
        }
    }

    fn sub(&self, text: &str) -> String {
        regex::Regex::new(r"\$\{([^}!]+)\}")
            .expect("regex")
            .replace_all(text, |c: &regex::Captures| {
                let name = &c[1];
                if name.contains('.') { self.get_att(name) } else { self.reference(name).expect("a value") }
            })
            .into_owned()
    }

    /// Whether a condition (`!Not`, `!Equals`, `!And`, `!Or`, a condition's name) holds.
    fn holds(&self, v: &Value) -> bool {
        match v {
            Value::String(name) => self.holds(&self.doc["Conditions"][name.as_str()]),
            Value::Tagged(t) => {
                let items = t.value.as_sequence().cloned().unwrap_or_default();
                match t.tag.to_string().as_str() {
                    "!Not" => !self.holds(&items[0]),
                    "!And" => items.iter().all(|i| self.holds(i)),
                    "!Or" => items.iter().any(|i| self.holds(i)),
                    "!Equals" => self.render(&items[0]) == self.render(&items[1]),
                    "!Condition" => self.holds(&t.value),
                    other => panic!("teach this test the condition {other}"),
                }
            }
            other => panic!("not a condition: {other:?}"),
        }
    }

    /// A value as deployed: each string of it (none for `AWS::NoValue`).
    fn render(&self, v: &Value) -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Number(n) => vec![n.to_string()],
            Value::Bool(b) => vec![b.to_string()],
            Value::Sequence(items) => items.iter().flat_map(|i| self.render(i)).collect(),
            Value::Tagged(t) => match (t.tag.to_string().as_str(), &t.value) {
                ("!Ref", Value::String(name)) => self.reference(name).into_iter().collect(),
                ("!GetAtt", Value::String(target)) => vec![self.get_att(target)],
                ("!Sub", Value::String(text)) => vec![self.sub(text)],
                ("!If", Value::Sequence(items)) => {
                    let branch = if self.holds(&items[0]) { &items[1] } else { &items[2] };
                    self.render(branch)
                }
                (tag, value) => panic!("teach this test {tag} {value:?}"),
            },
            other => panic!("teach this test to render {other:?}"),
        }
    }

    /// A mapping as deployed: `!If` chosen, `None` for `AWS::NoValue`.
    fn chosen<'a>(&self, v: &'a Value) -> Option<&'a Value> {
        match v {
            Value::Tagged(t) if t.tag == "!If" => {
                let items = t.value.as_sequence().expect("!If [condition, a, b]");
                let branch = if self.holds(&items[0]) { &items[1] } else { &items[2] };
                self.chosen(branch)
            }
            Value::Tagged(t) if t.tag == "!Ref" && t.value.as_str() == Some("AWS::NoValue") => None,
            other => Some(other),
        }
    }

    fn statements(&self, list: &Value) -> Vec<Statement> {
        let items = list.as_sequence().expect("statements");
        items
            .iter()
            .filter_map(|s| self.chosen(s))
            .map(|s| {
                assert!(
                    s["NotAction"].is_null() && s["NotResource"].is_null(),
                    "teach this test NotAction/NotResource"
                );
                Statement {
                    sid: s["Sid"].as_str().unwrap_or("(no Sid)").to_owned(),
                    allow: s["Effect"].as_str() == Some("Allow"),
                    everyone: s["Principal"].as_str() == Some("*"),
                    actions: self.render(&s["Action"]),
                    resources: self.render(&s["Resource"]),
                    condition: s["Condition"].clone(),
                }
            })
            .collect()
    }
}

/// One statement as deployed.
#[derive(Debug)]
struct Statement {
    sid: String,
    allow: bool,
    /// `Principal: "*"` (in a bucket policy).
    everyone: bool,
    actions: Vec<String>,
    resources: Vec<String>,
    condition: Value,
}

/// IAM's matching: `*` any run of characters, `?` one.
fn wildcard(pattern: &str, text: &str) -> bool {
    let regex = format!("^{}$", regex::escape(pattern).replace("\\*", ".*").replace("\\?", "."));
    regex::Regex::new(&regex).expect("pattern").is_match(text)
}

/// A condition block against a request's context; a key the request does not carry fails.
fn condition_holds(condition: &Value, context: &BTreeMap<&str, String>) -> bool {
    let Some(block) = condition.as_mapping() else { return condition.is_null() };
    block.iter().all(|(operator, tests)| {
        let operator = operator.as_str().expect("operator");
        tests.as_mapping().expect("key: values").iter().all(|(key, values)| {
            let wanted: Vec<String> = match values {
                Value::Sequence(v) => v.iter().map(|x| x.as_str().expect("text").to_owned()).collect(),
                other => vec![other.as_str().map(str::to_owned).unwrap_or_else(|| format!("{other:?}"))],
            };
            let Some(actual) = context.get(key.as_str().expect("key")) else { return false };
            match operator {
                "StringLike" => wanted.iter().any(|w| wildcard(w, actual)),
                "StringEquals" => wanted.iter().any(|w| w == actual),
                "Bool" => wanted.iter().any(|w| w.eq_ignore_ascii_case(actual)),
                other => panic!("teach this test the condition operator {other}"),
            }
        })
    })
}

impl Statement {
    fn applies(&self, action: &str, arn: &str, context: &BTreeMap<&str, String>) -> bool {
        self.actions.iter().any(|a| wildcard(&a.to_ascii_lowercase(), &action.to_ascii_lowercase()))
            && self.resources.iter().any(|r| wildcard(r, arn))
            && condition_holds(&self.condition, context)
    }
}

/// The resources the function's environment names, as ARNs, with the context of each request.
struct Touched {
    table: String,
    limits: String,
    indexes: Vec<String>,
    bucket: String,
    bucket_policy: Vec<Statement>,
    secrets: Vec<String>,
    /// A key of each kind the function names: an upload, and a record's copy of it.
    upload: String,
    record: String,
}

const REFERENCE: &str = "TP2025-ABCDEF";

impl Touched {
    fn of(d: &Deploy) -> Self {
        let (p, r) = (d.partition, d.region);
        let env = &d.doc["Resources"]["Handler"]["Properties"]["Environment"]["Variables"];
        let logical = |var: &str| match &env[var] {
            Value::Tagged(t) if t.tag == "!Ref" => t.value.as_str().expect("name").to_owned(),
            other => panic!("{var} is {other:?}: teach this test"),
        };
        let one = |var: &str| d.render(&env[var]).pop().unwrap_or_else(|| panic!("{var} is set"));
        let table_logical = logical("TABLE_NAME");
        assert_eq!(d.kind(&table_logical), Some("AWS::DynamoDB::Table"));
        let table = format!("arn:{p}:dynamodb:{r}:{ACCOUNT}:table/{}", one("TABLE_NAME"));
        assert_eq!(d.kind(&logical("LIMITS_TABLE_NAME")), Some("AWS::DynamoDB::Table"));
        let limits = format!("arn:{p}:dynamodb:{r}:{ACCOUNT}:table/{}", one("LIMITS_TABLE_NAME"));
        let gsis = d.doc["Resources"][table_logical.as_str()]["Properties"]["GlobalSecondaryIndexes"].as_sequence();
        let indexes = gsis
            .expect("indexes")
            .iter()
            .map(|i| format!("{table}/index/{}", i["IndexName"].as_str().expect("name")))
            .collect();
        let bucket = format!("arn:{p}:s3:::{}", one("UPLOAD_BUCKET"));
        // Its bucket policy: only statements for everyone bind the function's role (a Deny).
        let resources = d.doc["Resources"].as_mapping().expect("resources");
        let bucket_policy = resources
            .values()
            .filter(|v| v["Type"].as_str() == Some("AWS::S3::BucketPolicy"))
            .filter(|v| d.render(&v["Properties"]["Bucket"]) == d.render(&env["UPLOAD_BUCKET"]))
            .flat_map(|v| d.statements(&v["Properties"]["PolicyDocument"]["Statement"]))
            .filter(|s| s.everyone)
            .collect();
        let mut secrets = Vec::new();
        for setting in handler::config::SECRET_SETTINGS {
            let Some(id) = d.render(&env[format!("{setting}_SECRET_ID").as_str()]).pop() else { continue };
            let arn = if id.starts_with("arn:") {
                id
            } else {
                format!("arn:{p}:secretsmanager:{r}:{ACCOUNT}:secret:{id}-XyZ789")
            };
            secrets.push(arn);
        }
        assert_eq!(
            secrets.len(),
            handler::config::SECRET_SETTINGS.len(),
            "every secret setting is named, optional ones set"
        );
        let upload = handler::ids::new_upload_key(b"a key for this test only, 32 bytes", "submission-1");
        let record = handler::ids::record_file_key(REFERENCE, &upload);
        Self { table, limits, indexes, bucket, bucket_policy, secrets, upload, record }
    }

    /// The ARNs (and their requests' context) one target stands for.
    fn arns(&self, target: Target) -> Vec<(String, BTreeMap<&'static str, String>)> {
        let tls = BTreeMap::from([("aws:SecureTransport", "true".to_owned())]);
        let (upload, record) = (&self.upload, &self.record);
        let object = |key: &str| (format!("{}/{key}", self.bucket), tls.clone());
        match target {
            Table => vec![(self.table.clone(), tls)],
            Limits => vec![(self.limits.clone(), tls)],
            Indexes => self.indexes.iter().map(|i| (i.clone(), tls.clone())).collect(),
            Objects => vec![object(upload), object(record), object(&handler::ids::new_export_key())],
            Uploads => vec![object(upload)],
            BucketListed => {
                let mut context = tls;
                context.insert("s3:prefix", handler::blobs::record_folder(REFERENCE).expect("a folder"));
                vec![(self.bucket.clone(), context)]
            }
            Bucket => vec![(self.bucket.clone(), tls)],
            Secrets => self.secrets.iter().map(|s| (s.clone(), tls.clone())).collect(),
        }
    }
}

/// What each call needs, and every way the template fails it (empty: every call is allowed and
/// every action granted is needed), in one partition and region.
fn check(template: &str, calls: &[Call], partition: &'static str, region: &'static str) -> (Vec<String>, Vec<String>) {
    let d = Deploy::new(template, partition, region);
    let role = &d.doc["Resources"]["HandlerRole"]["Properties"]["Policies"];
    let statements: Vec<Statement> = role
        .as_sequence()
        .expect("policies")
        .iter()
        .flat_map(|p| d.statements(&p["PolicyDocument"]["Statement"]))
        .collect();
    let touched = Touched::of(&d);
    let (mut granted, mut failures, mut used) = (Vec::new(), Vec::new(), BTreeSet::new());
    for call in calls {
        let what = format!("{} {} `{}`", call.at, call.service, call.op);
        if SETUP_ONLY.contains(&call.op.as_str()) {
            failures.push(format!(
                "{what}: only tests and setup may call it (the template creates what it creates); keep it behind the \
                 `table-spec` feature, which scripts/package-lambda leaves out"
            ));
            continue;
        }
        let Some(needed) = needs(call) else {
            failures.push(format!(
                "{what}: an SDK call this test does not know. Add it to `needs` in handler/tests/api/lambda/iam.rs with the \
                 IAM action(s) and resource AWS documents for it, and grant them to HandlerRole in infra/template.yaml"
            ));
            continue;
        };
        for (action, target) in needed {
            for (arn, context) in touched.arns(target) {
                let denied = touched.bucket_policy.iter().find(|s| !s.allow && s.applies(action, &arn, &context));
                match (denied, statements.iter().find(|s| s.allow && s.applies(action, &arn, &context))) {
                    (Some(deny), _) => failures.push(format!("{what} needs {action} on {arn}: denied by {}", deny.sid)),
                    (None, Some(allow)) => {
                        used.insert((allow.sid.clone(), action.to_ascii_lowercase()));
                        granted.push(format!("{what}{}: {action} on {arn} ({})", presigned(call), allow.sid));
                    }
                    (None, None) => failures.push(format!(
                        "{what} needs {action} on {arn}{}: no statement of HandlerRole allows it",
                        context.get("s3:prefix").map(|p| format!(" (s3:prefix {p})")).unwrap_or_default()
                    )),
                }
            }
        }
    }
    // Least privilege: every action granted is one a call needs (logs are the runtime's).
    for s in statements.iter().filter(|s| s.allow) {
        for action in s.actions.iter().filter(|a| !a.starts_with("logs:")) {
            if !used.contains(&(s.sid.clone(), action.to_ascii_lowercase())) {
                failures.push(format!("HandlerRole's {} grants {action}, which no call of the function needs", s.sid));
            }
        }
    }
    (granted, failures)
}

fn presigned(call: &Call) -> &'static str {
    if call.presigned { " (presigned)" } else { "" }
}

const PLACES: [(&str, &str); 2] = [("aws-cn", "cn-north-1"), ("aws", "us-east-1")];

#[test]
fn every_aws_call_of_the_function_is_allowed_by_its_role() {
    let features = lambda_features(&root());
    assert!(
        features.contains("aws") && !features.contains("table-spec") && !features.contains("sqlite"),
        "{features:?}"
    );
    let (calls, left_out) = function_calls(&root());
    for service in ["dynamodb", "s3", "secretsmanager"] {
        assert!(calls.iter().any(|c| c.service == service), "no {service} call found: is the scan reading the source?");
    }
    for op in ["transact_write_items", "transact:put", "transact:update", "transact:delete", "presigned_post"] {
        assert!(calls.iter().any(|c| c.op == op), "{op} not found: is the scan reading the source?");
    }
    // The counters, counted alone and in a submission's transaction, on their own table.
    for op in ["update_item", "transact:update"] {
        assert!(calls.iter().any(|c| c.op == op && c.on_limits), "{op} on the counters' table not found");
        assert!(calls.iter().any(|c| c.op == op && !c.on_limits), "{op} on the applications' table not found");
    }
    // Creating the table and the test bucket: compiled only with `table-spec`, not in the Lambda.
    for op in ["create_table", "create_bucket"] {
        assert!(left_out.iter().any(|c| c.op == op), "{op} is the setup's: {left_out:?}");
    }
    for c in &left_out {
        println!("not the function's (a cfg the Lambda's build leaves out): {} {} `{}`", c.at, c.service, c.op);
    }
    for (partition, region) in PLACES {
        let (granted, failures) = check(handler::store::TEMPLATE, &calls, partition, region);
        for line in &granted {
            println!("{partition}: {line}");
        }
        assert!(failures.is_empty(), "{partition}/{region}:\n{}", failures.join("\n"));
    }
}

/// The check itself: a template without `dynamodb:DeleteItem` fails it (the withdrawals,
/// voids, erasures and purges whose transactions delete an item would fail on AWS), and so
/// does a call the mapping does not know.
#[test]
fn a_missing_action_or_an_unknown_call_fails_the_check() {
    let (calls, _) = function_calls(&root());
    let without: String = handler::store::TEMPLATE
        .lines()
        .filter(|l| l.trim() != "- dynamodb:DeleteItem")
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without.len(), handler::store::TEMPLATE.len(), "the line was there");
    let (_, failures) = check(&without, &calls, "aws-cn", "cn-north-1");
    let deletes: Vec<&String> = failures.iter().filter(|f| f.contains("needs dynamodb:DeleteItem")).collect();
    assert!(deletes.iter().any(|f| f.contains("`transact:delete`")), "{failures:?}");
    assert!(deletes.iter().any(|f| f.contains("`delete_item`")), "{failures:?}");
    let mut unknown = calls[0].clone();
    unknown.op = "batch_write_item".into();
    let (_, failures) = check(handler::store::TEMPLATE, &[unknown], "aws-cn", "cn-north-1");
    assert!(
        failures.iter().any(|f| f.contains("`batch_write_item`: an SDK call this test does not know")),
        "{failures:?}"
    );
}
