//! Request bodies into forms: the one place JSON and urlencoded text are read, so the handler
//! and the fuzz targets run the same code. Each body is parsed once: JSON straight into the
//! type, a form into its fields, and the type built from those fields.

use serde::de::value::MapDeserializer;
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor};

/// Reads a JSON object (never an array, which serde would read positionally) into `T`.
pub fn json_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        // Only a refusal reads the body again, to say which refusal.
        return Err(match serde_json::from_slice::<de::IgnoredAny>(body) {
            Ok(_) => "请求内容应为JSON对象".to_owned(),
            Err(e) => format!("请求内容不是有效的JSON：{e}"),
        });
    }
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => format!("JSON字段类型不正确：{e}"),
        _ => format!("请求内容不是有效的JSON：{e}"),
    })
}

/// The fields of an `application/x-www-form-urlencoded` body, in order, as sent.
pub fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    // Decoding is lossy (bad percent escapes and UTF-8 are kept as replacement text), so reading
    // pairs never fails.
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// Reads an `application/x-www-form-urlencoded` body into `T`.
pub fn form_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    from_fields(&form_fields(body))
}

/// Builds `T` from form fields already read (a urlencoded body's, or a multipart form's text
/// parts): each value is text, an absent field is `None`, a repeated one is refused.
pub fn from_fields<T: DeserializeOwned>(fields: &[(String, String)]) -> Result<T, String> {
    let map = MapDeserializer::<_, de::value::Error>::new(fields.iter().map(|(k, v)| (k.as_str(), Text(v))));
    T::deserialize(map).map_err(|e| format!("表单内容无法读取：{e}"))
}

/// Numbers and `true`/`false` read from a form value's text, as serde_urlencoded reads them.
macro_rules! parsed {
    ($($method:ident => $visit:ident: $ty:ty,)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                match self.0.trim().parse::<$ty>() {
                    Ok(value) => visitor.$visit(value),
                    Err(_) => Err(de::Error::invalid_value(de::Unexpected::Str(self.0), &visitor)),
                }
            }
        )*
    };
}

/// One form value: text, read as whatever the field asks for (`Some` text for an option).
struct Text<'a>(&'a str);

impl<'de, 'a> IntoDeserializer<'de, de::value::Error> for Text<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de, 'a> Deserializer<'de> for Text<'a> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_str(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.into_deserializer().deserialize_enum(name, variants, visitor)
    }

    parsed! {
        deserialize_bool => visit_bool: bool,
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_f32 => visit_f32: f32,
        deserialize_f64 => visit_f64: f64,
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
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
        let broken = super::json_object::<ApplicationForm>(b"{\"name\":").expect_err("cut short");
        assert!(broken.starts_with("请求内容不是有效的JSON"), "{broken}");
    }

    #[test]
    fn form_fields_read_like_serde_urlencoded() {
        let body = b"name=%E5%BC%A0+%E4%B8%89&grassroots=on&health_ok=&league=150100&unknown=x";
        let form: ApplicationForm = super::form_object(body).expect("form");
        assert_eq!(form.name.as_deref(), Some("张 三"));
        assert!(form.grassroots);
        assert!(!form.health_ok);
        assert_eq!(form.league.as_deref(), Some("150100"));
        assert_eq!(form, serde_urlencoded::from_bytes::<ApplicationForm>(body).expect("the same as serde_urlencoded"));
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Numbers {
            version: Option<u64>,
            index: i32,
            confirm: Option<String>,
        }
        let numbers: Numbers = super::form_object(b"version=7&index=-2").expect("numbers");
        assert_eq!(numbers, Numbers { version: Some(7), index: -2, confirm: None });
        assert!(super::form_object::<Numbers>(b"version=x&index=1").is_err(), "not a number");
        let twice = super::form_object::<ApplicationForm>(b"name=a&name=b").expect_err("a field twice");
        assert!(twice.starts_with("表单内容无法读取"), "{twice}");
    }
}
