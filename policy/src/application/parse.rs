//! Every field checked at once, against the programme's rules.

use super::{Application, ApplicationForm};
use crate::contact::{Email, Phone};
use crate::eligibility::{Profile, Reason, eligibility};
use crate::held::Held;
use crate::id_number::IdNumber;
use crate::programme::Programme;
use crate::types::{Field, Gender, Sector, UnitLevel};

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
        self.0.sort_by_key(|r| crate::fields::rank(&r.field));
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
            Ok(r) if email.as_ref().is_some_and(|e| e.same_mailbox(&r)) => {
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
}
