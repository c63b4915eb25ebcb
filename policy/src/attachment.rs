//! Proof documents: what a file really is (by its first bytes), the limits, and which kinds an
//! applicant must upload.

use crate::programme::{Programme, Required};

/// A file type recognised by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    /// `%PDF-`.
    Pdf,
    /// `FF D8 FF`.
    Jpeg,
    /// `89 50 4E 47 0D 0A 1A 0A`.
    Png,
}

impl FileType {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }

    /// The file name extension used for stored keys.
    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
        }
    }
}

/// Recognises a file by its first bytes (a renamed `.exe` is not a PDF).
pub fn sniff(head: &[u8]) -> Option<FileType> {
    if head.starts_with(b"%PDF-") {
        Some(FileType::Pdf)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileType::Jpeg)
    } else if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(FileType::Png)
    } else {
        None
    }
}

/// Why a file was refused. Messages are for the applicant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// Empty file.
    #[error("文件是空的，请重新选择")]
    Empty,
    /// Over the size limit.
    #[error("文件不能超过{limit_mb}MB（这个文件约{size_mb}MB）")]
    TooLarge {
        /// Limit in MB.
        limit_mb: u64,
        /// Size in MB, rounded up.
        size_mb: u64,
    },
    /// Not PDF, JPEG or PNG by content.
    #[error("只能上传PDF、JPEG或PNG文件（按文件内容判断，改扩展名无效）")]
    Type,
    /// Declared type and content disagree.
    #[error("文件内容与声明的类型不符")]
    Mismatch,
    /// Too many files.
    #[error("每份申报最多上传{0}个文件")]
    TooMany(usize),
    /// Unknown kind.
    #[error("材料类别不在可选范围内")]
    Kind,
}

impl Programme {
    /// Checks one file: its size against the limit and its first bytes against the accepted types
    /// (and, if given, against the type the browser declared).
    pub fn check_upload(&self, size: u64, head: &[u8], declared: Option<&str>) -> Result<FileType, UploadError> {
        if size == 0 {
            return Err(UploadError::Empty);
        }
        let limit = self.attachments.max_bytes;
        if size > limit {
            let mb = |b: u64| b.div_ceil(1024 * 1024);
            return Err(UploadError::TooLarge { limit_mb: mb(limit), size_mb: mb(size) });
        }
        let kind =
            sniff(head).filter(|t| self.attachments.types.iter().any(|m| m == t.mime())).ok_or(UploadError::Type)?;
        match declared {
            Some(d) if !d.is_empty() && d != kind.mime() && !(d == "image/jpg" && kind == FileType::Jpeg) => {
                Err(UploadError::Mismatch)
            }
            _ => Ok(kind),
        }
    }

    /// The kind by code.
    pub fn attachment_kind(&self, code: &str) -> Result<&crate::programme::AttachmentKind, UploadError> {
        self.attachment_kinds.iter().find(|k| k.code == code).ok_or(UploadError::Kind)
    }

    /// Whether the applicant's title alone meets the stream's qualification.
    pub fn qualifies_by_title(&self, stream_key: &str, title_level: &str) -> bool {
        let stream = self.streams.iter().find(|s| s.key() == stream_key);
        let needed = stream.and_then(|s| s.qualification.as_ref()).and_then(|q| self.title(&q.or_title_at_least));
        match (needed, self.title(title_level)) {
            (Some(needed), Some(have)) => have.rank >= needed.rank,
            _ => false,
        }
    }

    /// The kinds an applicant must upload, given the stream and which branch of the qualification
    /// they meet (`by_title`: the title alone qualifies them).
    pub fn required_kinds(&self, stream_key: &str, by_title: bool) -> Vec<&crate::programme::AttachmentKind> {
        let stream = self.streams.iter().find(|s| s.key() == stream_key);
        let minority = stream.is_some_and(|s| s.minority_required);
        let has_qualification = stream.is_some_and(|s| s.qualification.is_some());
        self.attachment_kinds
            .iter()
            .filter(|k| match k.required {
                Required::Always => true,
                Required::Minority => minority,
                Required::ByEducation => has_qualification && !by_title,
                Required::ByTitle => has_qualification && by_title,
                Required::Never => false,
            })
            .collect()
    }

    /// The kinds the application's answers call for. The stream comes from the answers; when
    /// they do not route to one, only the kinds every applicant needs.
    pub fn documents_required(&self, form: &crate::ApplicationForm) -> Vec<&crate::programme::AttachmentKind> {
        let verdict = crate::eligibility(&crate::Profile::parse(&form.profile(), self), self);
        match (verdict.programme, verdict.track) {
            (Some(programme), Some(track)) => {
                let stream = format!("{programme}-{}", track.code());
                let by_title = self.qualifies_by_title(&stream, form.title_level.as_deref().unwrap_or("").trim());
                self.required_kinds(&stream, by_title)
            }
            _ => self.attachment_kinds.iter().filter(|k| k.required == Required::Always).collect(),
        }
    }

    /// The [required](Self::documents_required) kinds not among `held`, one reason each on the
    /// field `attachments`.
    pub fn missing_documents<'a>(
        &self,
        form: &crate::ApplicationForm,
        held: impl IntoIterator<Item = &'a str>,
    ) -> Vec<crate::Reason> {
        let held: Vec<&str> = held.into_iter().collect();
        self.documents_required(form)
            .into_iter()
            .filter(|k| !held.contains(&k.code.as_str()))
            .map(|k| crate::Reason::new("attachments", format!("请上传{}{}", k.name, self.required_mark())))
            .collect()
    }

    /// What follows a kind the site requires: that requiring it is this site's setting, with the
    /// notice's own words beside it.
    pub fn required_mark(&self) -> String {
        format!("{REQUIRED}；通知只要求“{}”）", self.attachments.notice_words)
    }
}

/// How a refusal for a missing kind begins its mark ([`Programme::required_mark`]).
const REQUIRED: &str = "（必须上传，本站设置";

/// Whether a refusal on `attachments` only says a required kind is missing (the files already
/// chosen stay with the form), rather than that a file itself was refused.
pub fn only_missing_documents(reasons: &[crate::Reason]) -> bool {
    reasons.iter().filter(|r| r.field == "attachments").all(|r| r.message.contains(REQUIRED))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Programme {
        Programme::embedded().expect("programme")
    }

    #[test]
    fn files_are_recognised_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(FileType::Pdf));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileType::Jpeg));
        assert_eq!(sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]), Some(FileType::Png));
        assert_eq!(sniff(b"MZ\x90\x00 renamed.exe"), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn limits_and_declared_types() {
        let p = p();
        assert_eq!(p.check_upload(1000, b"%PDF-1.4", Some("application/pdf")), Ok(FileType::Pdf));
        assert_eq!(p.check_upload(1000, b"%PDF-1.4", None), Ok(FileType::Pdf));
        assert_eq!(p.check_upload(0, b"", None), Err(UploadError::Empty));
        let too_big = p.check_upload(10 * 1024 * 1024 + 1, b"%PDF-", None).expect_err("big");
        assert_eq!(too_big, UploadError::TooLarge { limit_mb: 10, size_mb: 11 });
        assert!(too_big.to_string().contains("10MB"));
        assert_eq!(p.check_upload(10 * 1024 * 1024, b"%PDF-", None), Ok(FileType::Pdf));
        assert_eq!(p.check_upload(100, b"MZ\x90\x00", Some("application/pdf")), Err(UploadError::Type));
        assert_eq!(p.check_upload(100, b"%PDF-", Some("image/png")), Err(UploadError::Mismatch));
        assert_eq!(p.check_upload(100, &[0xFF, 0xD8, 0xFF], Some("image/jpg")), Ok(FileType::Jpeg));
    }

    #[test]
    fn missing_documents_name_each_required_kind_not_held() {
        let p = p();
        let form: crate::ApplicationForm = serde_json::from_value(serde_json::json!({
            "track": "out", "unit_level": "league", "league": "hohhot", "ethnicity": "蒙古族",
            "education": "master", "title_level": "intermediate", "profession_start": "2015-07",
            "health_ok": true, "pledge": true
        }))
        .expect("form");
        let messages = |held: &[&str]| {
            p.missing_documents(&form, held.iter().copied()).into_iter().map(|r| r.message).collect::<Vec<_>>()
        };
        assert_eq!(
            messages(&["education_certificate", "other"]),
            [
                "请上传身份证（必须上传，本站设置；通知只要求“上传相关附件证明材料”）",
                "请上传民族证明（户口簿等）（必须上传，本站设置；通知只要求“上传相关附件证明材料”）"
            ]
        );
        // The notice asks for 学历, not 学位: the degree certificate is never required.
        assert!(messages(&["id_card", "education_certificate", "ethnicity_proof"]).is_empty());
        assert!(p.missing_documents(&form, []).iter().all(|r| r.field == "attachments"));
        // Answers that route nowhere still need what everyone needs.
        let unrouted = crate::ApplicationForm::default();
        assert_eq!(p.missing_documents(&unrouted, ["id_card"]).len(), 1);
        assert!(only_missing_documents(&p.missing_documents(&unrouted, [])));
        assert!(!only_missing_documents(&[crate::Reason::new("attachments", "文件不能超过10MB")]));
    }

    #[test]
    fn required_kinds_follow_the_stream_and_the_qualifying_branch() {
        let p = p();
        let codes =
            |v: Vec<&crate::programme::AttachmentKind>| v.into_iter().map(|k| k.code.clone()).collect::<Vec<_>>();
        assert_eq!(
            codes(p.required_kinds("region-out", false)),
            ["id_card", "education_certificate", "ethnicity_proof"]
        );
        assert_eq!(
            codes(p.required_kinds("region-out", true)),
            ["id_card", "education_certificate", "title_certificate", "ethnicity_proof"]
        );
        assert_eq!(
            codes(p.required_kinds("region-in", true)),
            ["id_card", "education_certificate", "title_certificate"]
        );
        assert_eq!(
            codes(p.required_kinds("northeast-out", false)),
            ["id_card", "education_certificate", "ethnicity_proof"]
        );
        assert!(p.attachment_kind("other").is_ok());
        assert_eq!(p.attachment_kind("passport").err(), Some(UploadError::Kind));
    }
}
