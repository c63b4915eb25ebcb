//! The 申报表: raw form text in, a typed application (or every field error at once) out.

use crate::contact::{Email, Phone};
use crate::eligibility::{Profile, ProfileForm, Reason, bool_or_text, eligibility};
use crate::held::Held;
use crate::id_number::IdNumber;
use crate::programme::Programme;
use crate::types::{Field, Gender, Sector, Track, UnitLevel, YearMonth};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The form as submitted: every field as text (checkboxes as booleans). Unknown fields are ignored.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct ApplicationForm {
    pub name: Option<String>,
    pub gender: Option<String>,
    pub ethnicity: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub education: Option<String>,
    pub school: Option<String>,
    pub major: Option<String>,
    pub title_level: Option<String>,
    pub title_name: Option<String>,
    pub employer: Option<String>,
    pub unit_level: Option<String>,
    pub league: Option<String>,
    pub department: Option<String>,
    pub county: Option<String>,
    pub sector: Option<String>,
    #[serde(deserialize_with = "bool_or_text")]
    pub grassroots: bool,
    pub field: Option<String>,
    pub profession: Option<String>,
    pub profession_start: Option<String>,
    pub track: Option<String>,
    pub host_institution: Option<String>,
    pub plan: Option<String>,
    #[serde(deserialize_with = "bool_or_text")]
    pub health_ok: bool,
    #[serde(deserialize_with = "bool_or_text")]
    pub pledge: bool,
    /// Separate consent to processing the sensitive items (身份证号, 民族, the health declaration).
    #[serde(deserialize_with = "bool_or_text")]
    pub consent_sensitive: bool,
    pub unit_reviewer_email: Option<String>,
    /// Client-generated id that makes a retried submission idempotent.
    pub submission_id: Option<String>,
    /// Honeypot: people leave it empty.
    pub website: Option<String>,
    /// Files uploaded beforehand (`POST /api/uploads`), by key.
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
}

/// One uploaded file named in an application.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct AttachmentInput {
    /// The key `POST /api/uploads` gave.
    pub key: String,
    /// Kind code, e.g. `title_certificate`.
    pub kind: String,
    /// The file's name as the applicant had it.
    pub name: String,
}

/// Order of the fields on the form, for ordering error messages.
pub const FIELD_ORDER: &[&str] = &[
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "phone",
    "email",
    "education",
    "school",
    "major",
    "title_level",
    "title_name",
    "employer",
    "unit_level",
    "league",
    "department",
    "county",
    "sector",
    "grassroots",
    "field",
    "profession",
    "profession_start",
    "track",
    "host_institution",
    "plan",
    "unit_reviewer_email",
    "health_ok",
    "pledge",
    "consent_sensitive",
    "birth_date",
    "submission_id",
];

/// The form's label of a field (as the application form shows it), for pages that list fields;
/// the code itself for one it does not know.
pub fn field_label(code: &str) -> &str {
    match code {
        "name" => "姓名",
        "gender" => "性别",
        "ethnicity" => "民族",
        "id_number" => "居民身份证号码",
        "phone" => "手机号码",
        "email" => "电子邮箱",
        "education" => "最高学历",
        "school" => "毕业院校",
        "major" => "所学专业",
        "title_level" => "专业技术职称级别",
        "title_name" => "职称名称",
        "employer" => "工作单位全称",
        "unit_level" => "工作单位层级",
        "league" => "工作单位所在盟市",
        "department" => "主管厅局（高校）",
        "county" => "所在旗县（区）",
        "sector" => "单位性质",
        "grassroots" => "是否长期在基层一线工作",
        "field" => "所属领域",
        "profession" => "从事专业",
        "profession_start" => "从事本专业工作起始年月",
        "track" => "培养方式",
        "host_institution" => "意向培养单位",
        "plan" => "培养计划",
        "unit_reviewer_email" => "所在单位审核人电子邮箱",
        "health_ok" => "身心健康声明",
        "attachments" => "证明材料（上传的文件）",
        other => other,
    }
}

/// A checked application.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Application {
    pub name: String,
    pub gender: Gender,
    pub ethnicity: String,
    /// Sealed at rest by the handler; open only as just parsed or opened for a purpose.
    pub id_number: Held<IdNumber>,
    /// Sealed at rest like the 身份证号.
    pub phone: Held<Phone>,
    /// The date of birth the 身份证号 gives (`YYYY-MM-DD`), kept beside the sealed number for the
    /// age rules and 出生年月 (records from before read it from the number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_email")]
    pub email: Email,
    pub education: String,
    pub school: String,
    pub major: String,
    pub title_level: String,
    pub title_name: String,
    pub employer: String,
    pub unit_level: UnitLevel,
    pub league: Option<String>,
    pub department: Option<String>,
    pub county: String,
    pub sector: Sector,
    pub grassroots: bool,
    pub field: Field,
    pub profession: String,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_month")]
    pub profession_start: YearMonth,
    pub track: Track,
    /// The programme routing gave (`northeast` or `region`).
    pub programme: String,
    pub host_institution: String,
    pub plan: String,
    pub health_ok: bool,
    pub pledge: bool,
    /// The separate consent to processing sensitive personal information, given at submission
    /// (records from before it was asked read `false`).
    #[serde(default)]
    pub consent_sensitive: bool,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_email")]
    pub unit_reviewer_email: Email,
    /// Which 个人信息处理规则 the consents were given under, and when: recorded by the handler
    /// when it takes the application (`None` until then, and in records from before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consented: Option<Consented>,
}

/// The 个人信息处理规则 an applicant consented under.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Consented {
    /// `privacy.version` of programme.toml at the time.
    pub rules_version: String,
    /// When (RFC 3339).
    pub at: String,
}

fn ser_display<T: std::fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}
fn de_email<'de, D: Deserializer<'de>>(d: D) -> Result<Email, D::Error> {
    Email::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}
fn de_month<'de, D: Deserializer<'de>>(d: D) -> Result<YearMonth, D::Error> {
    YearMonth::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}

/// Collects field errors, one per field (the first wins), in form order.
#[derive(Default)]
struct Errors(Vec<Reason>);

impl Errors {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.0.iter().any(|r| r.field == field) {
            self.0.push(Reason::new(field, message));
        }
    }

    fn sorted(mut self) -> Vec<Reason> {
        let rank = |f: &str| FIELD_ORDER.iter().position(|x| *x == f).unwrap_or(usize::MAX);
        self.0.sort_by_key(|r| rank(&r.field));
        self.0
    }
}

/// Text with no control characters (line breaks allowed where `multiline`), trimmed, within
/// `min..=max` characters.
/// Longest training plan, in characters.
pub const PLAN_MAX_CHARS: usize = 2000;
/// Most lines (paragraphs) in a training plan.
pub const PLAN_MAX_LINES: usize = 20;

fn text(
    errors: &mut Errors,
    field: &str,
    label: &str,
    value: &Option<String>,
    (min, max): (usize, usize),
    multiline: bool,
) -> Option<String> {
    let v = value.as_deref().unwrap_or("").trim();
    let chars = v.chars().count();
    if v.is_empty() {
        if min > 0 {
            errors.add(field, format!("请填写{label}"));
            return None;
        }
        return Some(String::new());
    }
    if v.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) {
        errors.add(field, format!("{label}含有无法识别的字符"));
        return None;
    }
    if chars < min {
        errors.add(field, format!("{label}至少{min}个字"));
        return None;
    }
    if chars > max {
        errors.add(field, format!("{label}不能超过{max}个字（现为{chars}个字）"));
        return None;
    }
    Some(v.to_owned())
}

impl ApplicationForm {
    /// The part the eligibility rules read.
    pub fn profile(&self) -> ProfileForm {
        ProfileForm {
            ethnicity: self.ethnicity.clone(),
            id_number: self.id_number.clone(),
            birth_date: None,
            education: self.education.clone(),
            title_level: self.title_level.clone(),
            unit_level: self.unit_level.clone(),
            league: self.league.clone(),
            track: self.track.clone(),
            profession_start: self.profession_start.clone(),
            health_ok: self.health_ok,
            pledge: self.pledge,
        }
    }

    /// The answers as the form posts them, in the form's order: text as typed (absent: empty),
    /// codes, checkboxes `on` or empty. Files and request metadata are left out.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let on = |b: bool| if b { "on".to_owned() } else { String::new() };
        vec![
            ("name", text(&self.name)),
            ("gender", text(&self.gender)),
            ("ethnicity", text(&self.ethnicity)),
            ("id_number", text(&self.id_number)),
            ("phone", text(&self.phone)),
            ("email", text(&self.email)),
            ("education", text(&self.education)),
            ("school", text(&self.school)),
            ("major", text(&self.major)),
            ("title_level", text(&self.title_level)),
            ("title_name", text(&self.title_name)),
            ("employer", text(&self.employer)),
            ("unit_level", text(&self.unit_level)),
            ("league", text(&self.league)),
            ("department", text(&self.department)),
            ("county", text(&self.county)),
            ("sector", text(&self.sector)),
            ("grassroots", on(self.grassroots)),
            ("field", text(&self.field)),
            ("profession", text(&self.profession)),
            ("profession_start", text(&self.profession_start)),
            ("track", text(&self.track)),
            ("host_institution", text(&self.host_institution)),
            ("plan", text(&self.plan)),
            ("health_ok", on(self.health_ok)),
            ("pledge", on(self.pledge)),
            ("consent_sensitive", on(self.consent_sensitive)),
            ("unit_reviewer_email", text(&self.unit_reviewer_email)),
        ]
    }

    /// Whether the honeypot was filled (a bot).
    pub fn is_bot(&self) -> bool {
        self.website.as_deref().is_some_and(|w| !w.trim().is_empty())
    }

    /// A copy without the request metadata (submission id, honeypot): what idempotency compares.
    pub fn content(&self) -> ApplicationForm {
        ApplicationForm { submission_id: None, website: None, ..self.clone() }
    }
}

impl Application {
    /// Checks every field and the programme's rules; returns every problem at once.
    pub fn parse(form: &ApplicationForm, p: &Programme) -> Result<Self, Vec<Reason>> {
        let mut errors = Errors::default();
        let profile = Profile::parse(&form.profile(), p);
        let verdict = eligibility(&profile, p);
        for r in &verdict.reasons {
            // The application has no birth date field: the identity number gives it.
            if r.field == "birth_date" {
                errors.add("id_number", crate::IdNumberError::Empty.to_string());
            } else {
                errors.add(&r.field, r.message.clone());
            }
        }

        let name = text(&mut errors, "name", "姓名", &form.name, (2, 50), false);
        let id_number = IdNumber::parse(form.id_number.as_deref().unwrap_or("")).ok();
        // 性别 follows from the 身份证号: the form shows it rather than asks; when given (the
        // API), it must agree.
        let gender = match form.gender.as_deref().map(str::trim) {
            // Without a valid 身份证号 there is no 性别 to show: its own error says what to fix.
            None | Some("") => id_number.as_ref().map(IdNumber::gender),
            Some(g) => Gender::from_code(g).or_else(|| {
                errors.add("gender", "性别只能是男或女");
                None
            }),
        };
        if let (Some(id), Some(g)) = (&id_number, gender)
            && id.gender() != g
        {
            errors.add("gender", format!("性别与居民身份证号码不符（身份证号码显示为{}）", id.gender().label()));
        }
        let phone =
            Phone::parse(form.phone.as_deref().unwrap_or("")).map_err(|e| errors.add("phone", e.to_string())).ok();
        let email =
            Email::parse(form.email.as_deref().unwrap_or("")).map_err(|e| errors.add("email", e.to_string())).ok();
        let school = text(&mut errors, "school", "毕业院校", &form.school, (2, 100), false);
        let major = text(&mut errors, "major", "所学专业", &form.major, (1, 100), false);
        let title_name = text(&mut errors, "title_name", "职称名称", &form.title_name, (0, 50), false);
        let employer = text(&mut errors, "employer", "工作单位全称", &form.employer, (2, 100), false);
        let county = text(&mut errors, "county", "所在旗县（区）", &form.county, (0, 50), false);
        let profession = text(&mut errors, "profession", "从事专业", &form.profession, (1, 100), false);
        let host = text(&mut errors, "host_institution", "意向培养单位", &form.host_institution, (2, 100), false);
        let plan = text(&mut errors, "plan", "培养计划", &form.plan, (10, PLAN_MAX_CHARS), true).and_then(|plan| {
            // The printed 申报表 holds the plan on at most two A4 pages with the rest of the form.
            if plan.lines().count() > PLAN_MAX_LINES {
                errors.add("plan", format!("培养计划最多分{PLAN_MAX_LINES}段，请合并部分段落"));
                return None;
            }
            Some(plan)
        });

        let unit_level = form.unit_level.as_deref().and_then(|u| UnitLevel::from_code(u.trim()));
        let department = match (unit_level, form.department.as_deref().map(str::trim).filter(|d| !d.is_empty())) {
            (Some(UnitLevel::Region), None) => {
                errors.add("department", "区直单位请选择主管厅局（高校）");
                None
            }
            // One not on the site's list is taken by its full name and reviewed by the centre.
            (Some(UnitLevel::Region), Some(d))
                if (!p.departments.names.iter().any(|n| n == d) && !(2..=50).contains(&d.chars().count()))
                    || d.chars().any(char::is_control) =>
            {
                errors.add("department", "请填写主管厅局（高校）的全称（2至50个字）");
                None
            }
            (Some(UnitLevel::Region), Some(d)) => Some(d.to_owned()),
            _ => None,
        };
        let sector = match form.sector.as_deref().map(str::trim) {
            None | Some("") => {
                errors.add("sector", "请选择单位性质");
                None
            }
            Some(s) => Sector::from_code(s).or_else(|| {
                errors.add("sector", "单位性质不在可选范围内");
                None
            }),
        };
        let field = match form.field.as_deref().map(str::trim) {
            None | Some("") => {
                errors.add("field", "请选择所属领域");
                None
            }
            Some(f) => Field::from_code(f).or_else(|| {
                errors.add("field", "所属领域不在可选范围内");
                None
            }),
        };
        let reviewer = match Email::parse(form.unit_reviewer_email.as_deref().unwrap_or("")) {
            Err(crate::EmailError::Empty) => {
                errors.add("unit_reviewer_email", "请填写所在单位审核人的电子邮箱");
                None
            }
            Err(e) => {
                errors.add("unit_reviewer_email", e.to_string());
                None
            }
            Ok(r) if email.as_ref().is_some_and(|e| e.as_str().eq_ignore_ascii_case(r.as_str())) => {
                errors.add("unit_reviewer_email", "单位审核人邮箱不能与本人邮箱相同");
                None
            }
            Ok(r) => Some(r),
        };
        if let Some(id) = form.submission_id.as_deref().filter(|s| !s.is_empty())
            && (id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            errors.add("submission_id", "提交编号格式不正确，请刷新页面后重新提交");
        }

        // 个人信息保护法 arts. 28-29: sensitive personal information needs its own consent.
        if !form.consent_sensitive {
            errors.add(
                "consent_sensitive",
                "请阅读并单独同意本站处理您的敏感个人信息（居民身份证号码、民族、身心健康声明）",
            );
        }
        let reasons = errors.sorted();
        if !reasons.is_empty() {
            return Err(reasons);
        }
        let missing = || vec![Reason::new("form", "申报表不完整")];
        Ok(Self {
            name: name.ok_or_else(missing)?,
            gender: gender.ok_or_else(missing)?,
            ethnicity: profile.ethnicity.map(|(n, _)| n).ok_or_else(missing)?,
            birth_date: id_number.as_ref().map(|id| id.birth_date().to_string()),
            id_number: Held::open(id_number.ok_or_else(missing)?),
            phone: Held::open(phone.ok_or_else(missing)?),
            email: email.ok_or_else(missing)?,
            education: form.education.clone().unwrap_or_default().trim().to_owned(),
            school: school.ok_or_else(missing)?,
            major: major.ok_or_else(missing)?,
            title_level: form.title_level.clone().unwrap_or_default().trim().to_owned(),
            title_name: title_name.ok_or_else(missing)?,
            employer: employer.ok_or_else(missing)?,
            unit_level: unit_level.ok_or_else(missing)?,
            league: profile.league.map(|(code, _)| code),
            department,
            county: county.ok_or_else(missing)?,
            sector: sector.ok_or_else(missing)?,
            grassroots: form.grassroots,
            field: field.ok_or_else(missing)?,
            profession: profession.ok_or_else(missing)?,
            profession_start: profile.profession_start.ok_or_else(missing)?,
            track: verdict.track.ok_or_else(missing)?,
            programme: verdict.programme.ok_or_else(missing)?,
            host_institution: host.ok_or_else(missing)?,
            plan: plan.ok_or_else(missing)?,
            health_ok: form.health_ok,
            pledge: form.pledge,
            consent_sensitive: form.consent_sensitive,
            unit_reviewer_email: reviewer.ok_or_else(missing)?,
            consented: None,
        })
    }

    /// The form that would produce this application: to prefill an edit, or to check its rules
    /// again. The 身份证号 and phone are in it only while open.
    pub fn form(&self) -> ApplicationForm {
        let text = |s: &str| Some(s.to_owned());
        ApplicationForm {
            name: text(&self.name),
            gender: text(self.gender.code()),
            ethnicity: text(&self.ethnicity),
            id_number: self.id_number.opened().map(|id| id.expose().to_owned()),
            phone: self.phone.opened().map(ToString::to_string),
            email: Some(self.email.to_string()),
            education: text(&self.education),
            school: text(&self.school),
            major: text(&self.major),
            title_level: text(&self.title_level),
            title_name: text(&self.title_name),
            employer: text(&self.employer),
            unit_level: text(self.unit_level.code()),
            league: self.league.clone(),
            department: self.department.clone(),
            county: text(&self.county),
            sector: text(self.sector.code()),
            grassroots: self.grassroots,
            field: text(self.field.code()),
            profession: text(&self.profession),
            profession_start: Some(self.profession_start.to_string()),
            track: text(self.track.code()),
            host_institution: text(&self.host_institution),
            plan: text(&self.plan),
            health_ok: self.health_ok,
            pledge: self.pledge,
            consent_sensitive: self.consent_sensitive,
            unit_reviewer_email: Some(self.unit_reviewer_email.to_string()),
            submission_id: None,
            website: None,
            attachments: Vec::new(),
        }
    }

    /// The form fields that would produce this application, as the form posts them.
    pub fn form_values(&self) -> std::collections::BTreeMap<String, String> {
        self.form().pairs().into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// The date of birth: as stored beside the sealed 身份证号, else from the open number.
    pub fn birth(&self) -> Option<time::Date> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        self.birth_date
            .as_deref()
            .and_then(|d| time::Date::parse(d, &format).ok())
            .or_else(|| self.id_number.opened().map(IdNumber::birth_date))
    }

    /// The part the eligibility rules read, the date of birth standing in for a sealed 身份证号.
    pub fn profile(&self) -> ProfileForm {
        let mut profile = self.form().profile();
        if profile.id_number.is_none() {
            profile.birth_date = self.birth().map(|d| d.to_string());
        }
        profile
    }

    /// `programme-track`, e.g. `region-out`.
    pub fn stream_key(&self) -> String {
        format!("{}-{}", self.programme, self.track.code())
    }

    /// Who reviews after the unit: the department for 区直 units, else the league.
    pub fn hr_scope(&self) -> crate::HrScope {
        match (&self.department, &self.league) {
            (Some(d), _) => crate::HrScope::Department(d.clone()),
            (None, Some(l)) => crate::HrScope::League(l.clone()),
            (None, None) => crate::HrScope::League(String::new()),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A complete, eligible 区外 application from 呼和浩特市.
    pub fn valid_form() -> ApplicationForm {
        ApplicationForm {
            name: Some("乌力吉".into()),
            gender: Some("female".into()),
            ethnicity: Some("蒙古族".into()),
            id_number: Some("150102198506010028".into()),
            phone: Some("13812345678".into()),
            email: Some("wuliji@example.com".into()),
            education: Some("master".into()),
            school: Some("内蒙古大学".into()),
            major: Some("临床医学".into()),
            title_level: Some("intermediate".into()),
            title_name: Some("主治医师".into()),
            employer: Some("呼和浩特市第一医院".into()),
            unit_level: Some("league".into()),
            league: Some("hohhot".into()),
            county: Some(String::new()),
            sector: Some("public".into()),
            grassroots: false,
            field: Some("health".into()),
            profession: Some("内科".into()),
            profession_start: Some("2015-07".into()),
            track: Some("out".into()),
            host_institution: Some("北京协和医院".into()),
            plan: Some("学习心血管内科诊疗新技术，回院后开展新项目。".into()),
            health_ok: true,
            pledge: true,
            consent_sensitive: true,
            unit_reviewer_email: Some("renshi@example.gov.cn".into()),
            ..ApplicationForm::default()
        }
    }

    fn fields(r: &[Reason]) -> Vec<&str> {
        r.iter().map(|r| r.field.as_str()).collect()
    }

    fn programme() -> Programme {
        Programme::embedded().expect("parses")
    }

    #[test]
    fn an_application_gives_back_the_form_that_produces_it() {
        let p = programme();
        let parsed = Application::parse(&valid_form(), &p).expect("valid");
        let again = parsed.form();
        assert_eq!(Application::parse(&again, &p).expect("still valid"), parsed);
        let values = parsed.form_values();
        assert_eq!(values.len(), again.pairs().len());
        assert_eq!((values["track"].as_str(), values["pledge"].as_str()), ("out", "on"));
        assert_eq!((values["grassroots"].as_str(), values["department"].as_str()), ("", ""));
    }

    #[test]
    fn id_number_check_character_is_right_in_fixture() {
        assert_eq!(crate::check_character("15010219850601002"), Some('8'));
    }

    #[test]
    fn a_valid_form_parses_and_round_trips() {
        let app = Application::parse(&valid_form(), &programme()).expect("valid");
        assert_eq!(app.stream_key(), "region-out");
        assert_eq!(app.hr_scope().key(), "hohhot");
        assert_eq!(app.id_number.masked(), "1501**********0028");
        let json = serde_json::to_string(&app).expect("json");
        let back: Application = serde_json::from_str(&json).expect("back");
        assert_eq!(back, app);
    }

    #[test]
    fn every_problem_is_reported_at_once_in_form_order() {
        let form = ApplicationForm {
            name: Some("王".into()),
            gender: Some("male".into()),
            phone: Some("12345".into()),
            unit_reviewer_email: Some("WULIJI@example.com".into()),
            plan: Some("太短".into()),
            pledge: false,
            consent_sensitive: false,
            ..valid_form()
        };
        let errors = Application::parse(&form, &programme()).expect_err("invalid");
        assert_eq!(
            fields(&errors),
            ["name", "gender", "phone", "plan", "unit_reviewer_email", "pledge", "consent_sensitive"]
        );
        assert!(errors[1].message.contains("身份证号码显示为女"));
    }

    #[test]
    fn a_plan_is_at_most_2000_characters_in_20_lines() {
        let p = programme();
        let lines = |n: usize| ApplicationForm {
            plan: Some(vec!["学习新技术并回院推广"; n].join("\n")),
            ..valid_form()
        };
        assert!(Application::parse(&lines(20), &p).is_ok());
        let errors = Application::parse(&lines(21), &p).expect_err("too many lines");
        assert_eq!((fields(&errors), errors[0].message.as_str()), (vec!["plan"], "培养计划最多分20段，请合并部分段落"));
        let long = ApplicationForm { plan: Some("研".repeat(PLAN_MAX_CHARS)), ..valid_form() };
        assert!(Application::parse(&long, &p).is_ok());
        let longer = ApplicationForm { plan: Some("研".repeat(PLAN_MAX_CHARS + 1)), ..valid_form() };
        assert_eq!(fields(&Application::parse(&longer, &p).expect_err("too long")), ["plan"]);
    }

    #[test]
    fn empty_form_names_every_required_field() {
        let errors = Application::parse(&ApplicationForm::default(), &programme()).expect_err("invalid");
        let f = fields(&errors);
        for required in [
            "name",
            "ethnicity",
            "id_number",
            "phone",
            "email",
            "education",
            "school",
            "major",
            "title_level",
            "employer",
            "unit_level",
            "league",
            "sector",
            "field",
            "profession",
            "profession_start",
            "track",
            "host_institution",
            "plan",
            "unit_reviewer_email",
            "health_ok",
            "pledge",
            "consent_sensitive",
        ] {
            assert!(f.contains(&required), "{required} missing from {f:?}");
        }
        assert!(!f.contains(&"title_name") && !f.contains(&"county"));
        // 性别 follows from the 身份证号: a missing number is the one error to fix.
        assert!(!f.contains(&"gender"));
    }

    #[test]
    fn gender_follows_from_the_identity_number_and_must_agree_when_given() {
        let p = programme();
        let derived = Application::parse(&ApplicationForm { gender: None, ..valid_form() }, &p).expect("valid");
        assert_eq!(Some(derived.gender), derived.id_number.opened().map(IdNumber::gender));
        let other = if derived.gender == Gender::Male { "female" } else { "male" };
        let wrong = ApplicationForm { gender: Some(other.into()), ..valid_form() };
        assert_eq!(fields(&Application::parse(&wrong, &p).expect_err("disagrees")), ["gender"]);
    }

    #[test]
    fn region_units_need_a_department_listed_or_named_in_full() {
        let form = ApplicationForm { unit_level: Some("region".into()), league: None, ..valid_form() };
        assert_eq!(fields(&Application::parse(&form, &programme()).expect_err("no dept")), ["department"]);
        let listed = ApplicationForm { department: Some("内蒙古大学".into()), ..form.clone() };
        let app = Application::parse(&listed, &programme()).expect("valid");
        assert_eq!((app.hr_scope().key(), app.stream_key().as_str()), ("内蒙古大学", "region-out"));
        // The list is the site's sample: another 厅局（高校） is taken by its full name.
        let other = ApplicationForm { department: Some("内蒙古自治区林业和草原局".into()), ..form.clone() };
        assert_eq!(
            Application::parse(&other, &programme()).expect("valid").hr_scope().key(),
            "内蒙古自治区林业和草原局"
        );
        let short = ApplicationForm { department: Some("林".into()), ..form };
        let errors = Application::parse(&short, &programme()).expect_err("too short");
        assert_eq!(fields(&errors), ["department"]);
        assert!(errors[0].message.contains("全称"));
    }

    #[test]
    fn lengths_and_control_characters_are_bounded() {
        let form = ApplicationForm {
            employer: Some("单".repeat(101)),
            name: Some("a\u{0}b".into()),
            plan: Some("第一行\n第二行：学习内容很多。".into()),
            ..valid_form()
        };
        let errors = Application::parse(&form, &programme()).expect_err("invalid");
        assert_eq!(fields(&errors), ["name", "employer"]);
        assert!(errors[1].message.contains("101"));
    }

    #[test]
    fn form_values_parse_back_to_the_same_application() {
        let p = programme();
        let app = Application::parse(&valid_form(), &p).expect("valid");
        let pairs: Vec<(String, String)> = app.form_values().into_iter().collect();
        let encoded =
            serde_json::to_value(pairs.into_iter().collect::<std::collections::BTreeMap<_, _>>()).expect("json");
        let form: ApplicationForm = serde_json::from_value(encoded).expect("form");
        assert_eq!(Application::parse(&form, &p).expect("valid again"), app);
    }

    #[test]
    fn content_ignores_request_metadata() {
        let a = ApplicationForm { submission_id: Some("x".into()), ..valid_form() };
        let b = ApplicationForm { submission_id: Some("y".into()), website: Some(String::new()), ..valid_form() };
        assert_eq!(a.content(), b.content());
        assert!(!a.is_bot());
        assert!(ApplicationForm { website: Some("http://spam".into()), ..valid_form() }.is_bot());
    }
}
