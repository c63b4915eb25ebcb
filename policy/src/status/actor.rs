//! `Actor`: who acts on an application, and a reviewer's decision form.

use serde::{Deserialize, Serialize};

/// Who acts on an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The applicant, through the status link.
    Applicant,
    /// The employer unit's reviewer.
    Unit,
    /// League/city HR, or the department for 区直 units.
    Hr,
    /// The regional centre's account. The notice has the centre receive the 汇总表 and the
    /// stamped 申报表 (六(一)5), nothing else: what this account records (入选 or 未入选, a void,
    /// an answer to an erasure request) is this site's arrangement on the issuer's behalf, and is
    /// labelled so wherever it is shown.
    Centre,
}

impl Actor {
    /// Every actor, in the order an application meets them: the applicant, then each review
    /// stage. Lists of actors (the stages' closes, the codes, the tests) iterate this; a new stage
    /// fails to compile in [`Actor::position`] until it has its place here.
    pub const ALL: [Actor; 4] = [Actor::Applicant, Actor::Unit, Actor::Hr, Actor::Centre];

    /// Its place in [`Actor::ALL`].
    pub const fn position(self) -> usize {
        match self {
            Actor::Applicant => 0,
            Actor::Unit => 1,
            Actor::Hr => 2,
            Actor::Centre => 3,
        }
    }

    /// The actor before this one (the stage that passed the application on).
    pub fn previous(self) -> Option<Actor> {
        self.position().checked_sub(1).map(|i| Self::ALL[i])
    }

    /// The API code (also the link stage).
    pub fn code(self) -> &'static str {
        match self {
            Actor::Applicant => "applicant",
            Actor::Unit => "unit",
            Actor::Hr => "hr",
            Actor::Centre => "centre",
        }
    }

    /// Parses a code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// What the reviewer is asked to do, in mail subjects (`请审核…`, `请审核推荐…`).
    pub fn asked_to(self) -> &'static str {
        match self {
            Actor::Hr => "审核推荐",
            Actor::Centre => "登记入选结果（本站设置）",
            Actor::Applicant | Actor::Unit => "审核",
        }
    }

    /// The decision form of a reviewer: its heading, choices and comment label.
    pub fn decision_form(self) -> DecisionForm {
        const RETURN_NEEDS_COMMENT: &str = "意见（退回时必填，不超过1000字）";
        let (legend, choices, comment_label): (_, &'static [_], _) = match self {
            Actor::Unit => {
                ("所在单位审核", &[("approve", "审核通过"), ("return", "退回申报人修改")], RETURN_NEEDS_COMMENT)
            }
            Actor::Hr => (
                "审核推荐（占用推荐名额，本站口径）",
                &[("approve", "审核通过并推荐"), ("return", "退回申报人修改")],
                RETURN_NEEDS_COMMENT,
            ),
            Actor::Centre => (
                "登记入选结果（本站设置：由中心的账号代自治区人力资源和社会保障厅登记，入选名单以该厅公布为准）",
                &[("select", "登记为入选"), ("reject", "登记为未入选")],
                "意见（选填，不超过1000字）",
            ),
            Actor::Applicant => ("", &[], ""),
        };
        DecisionForm { legend, choices, comment_label, checklist: self.checklist() }
    }

    /// What this reviewer checks before deciding, in a line (above the decision form).
    fn checklist(self) -> &'static str {
        match self {
            Actor::Unit => {
                "请核对：申报人是否为本单位在职专业技术人员，所填信息和证明材料是否属实，是否符合下面列出的申报条件。审核通过后，申报人将打印申报表交单位盖章。"
            }
            Actor::Hr => {
                "请核对：单位盖章的纸质申报表已收到且与系统内容一致（在下方登记核验码），申报条件是否符合，名额是否足够。审核通过即推荐，占用本项目推荐名额（本站口径）。"
            }
            Actor::Centre => {
                "通知规定中心接收各盟市、厅局（高校）报送的汇总表和盖章的申报表。入选名单由自治区人力资源和社会保障厅公布；本站由中心的账号代为登记入选或未入选（本站设置），请按该厅的决定登记。"
            }
            Actor::Applicant => "",
        }
    }

    /// Whether this reviewer is mailed a link as each application reaches them (the centre works
    /// from its dashboard instead).
    pub fn mailed_on_arrival(self) -> bool {
        matches!(self, Actor::Unit | Actor::Hr)
    }

    /// Whether the applicant chose this reviewer's address (the unit's, typed on the form): such
    /// a reviewer is shown nothing beyond the application itself, since whatever their page
    /// shows the applicant can read.
    pub fn address_chosen_by_applicant(self) -> bool {
        matches!(self, Actor::Unit)
    }

    /// Whether this reviewer records the stamped paper 申报表 (by its printed 核验码): the
    /// league/city HR or department the unit sends it to. Recording it keeps their link acting.
    pub fn records_paper(self) -> bool {
        matches!(self, Actor::Hr)
    }

    /// This actor's stage in words, for its deadline.
    pub fn stage_name(self) -> &'static str {
        match self {
            Actor::Applicant => "申报人提交、修改申报",
            Actor::Unit => "所在单位审核",
            Actor::Hr => "盟市人力资源社会保障部门、厅局（高校）审核推荐",
            Actor::Centre => "自治区人事人才公共服务中心的账号登记入选结果（本站设置）",
        }
    }

    /// The role in words, as pages and mail name it.
    pub fn label(self) -> &'static str {
        match self {
            Actor::Applicant => "申报人",
            Actor::Unit => "所在单位",
            Actor::Hr => "盟市人社部门或厅局（高校）",
            Actor::Centre => "自治区人事人才公共服务中心",
        }
    }
}

/// A reviewer's decision form, as [`Actor::decision_form`] gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecisionForm {
    /// The heading.
    pub legend: &'static str,
    /// The choices: decision code, words.
    pub choices: &'static [(&'static str, &'static str)],
    /// The comment box's label (whether it is needed, and how long it may be).
    pub comment_label: &'static str,
    /// What the reviewer checks before deciding.
    pub checklist: &'static str,
}

/// Compares by code, as stored and as the API shows it.
impl PartialEq<&str> for Actor {
    fn eq(&self, code: &&str) -> bool {
        self.code() == *code
    }
}
