//! Request bodies into forms: the one place JSON and urlencoded text are read, so the handler
//! and the fuzz targets run the same code.

/// Reads a JSON object (never an array, which serde would read positionally) into `T`.
pub fn json_object<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("请求内容不是有效的JSON：{e}"))?;
    if !value.is_object() {
        return Err("请求内容应为JSON对象".to_owned());
    }
    serde_json::from_value(value).map_err(|e| format!("JSON字段类型不正确：{e}"))
}

/// Reads an `application/x-www-form-urlencoded` body into `T`.
pub fn form_object<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_urlencoded::from_bytes(body).map_err(|e| format!("表单内容无法读取：{e}"))
}

#[cfg(test)]
mod tests {
    use crate::{Application, ApplicationForm, Programme};

    /// The fuzz targets start from these, so they must reach the accepted path.
    #[test]
    fn the_fuzz_seeds_are_valid_applications() {
        let p = Programme::embedded().expect("programme");
        let json: ApplicationForm =
            super::json_object(include_bytes!("../../fuzz/seeds/application_json/valid.json")).expect("json");
        let form: ApplicationForm =
            super::form_object(include_bytes!("../../fuzz/seeds/application_form/valid.txt")).expect("form");
        assert_eq!(json.content(), form.content());
        assert!(Application::parse(&json, &p).is_ok());
        assert!(crate::IdNumber::parse(include_str!("../../fuzz/seeds/id_number/valid.txt")).is_ok());
    }

    #[test]
    fn arrays_and_wrong_types_are_refused_with_a_message() {
        assert_eq!(super::json_object::<ApplicationForm>(b"[1]").err().as_deref(), Some("请求内容应为JSON对象"));
        let wrong = super::json_object::<ApplicationForm>(br#"{"name": 5}"#).expect_err("number for text");
        assert!(wrong.starts_with("JSON字段类型不正确"), "{wrong}");
        assert!(super::json_object::<ApplicationForm>(b"{\"name\":").is_err());
    }
}
