//! `/dashboard/{token}/send`: the 汇总表 mailed to the centre, after a confirmation page.

use super::link::{audience, back_to};
use crate::AppState;
use crate::http::extract::{Linked, SameSite};
use crate::http::{AppError, Page};
use crate::workflow::dashboard::{self, Audience, Row, Sent};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use policy::{Actor, DashboardClaims, Status};
use serde::Serialize;

/// What the send confirmation shows: the rows that will go, and what is still under review.
#[derive(Serialize)]
struct SendPage<'a> {
    base: String,
    centre_email: &'a str,
    rows: Vec<Row>,
    /// Against the last send, if there was one.
    since: Option<dashboard::SinceLast>,
    /// Nothing changed since the last send.
    unchanged: bool,
    /// Something to send: a change since the last, or a first table with rows.
    can_send: bool,
    /// The applications still in review, by status (those with none left out).
    in_review: Vec<InReview>,
}

/// How many applications wait in one status that is still in review.
#[derive(Serialize, Debug, PartialEq, Eq)]
struct InReview {
    words: &'static str,
    count: usize,
}

/// The applications in each status still in review ([`Status::in_review`], in the order of
/// [`Status::ALL`]), as the send page words them for `audience`: its own stage is "待您审核".
fn in_review(statuses: impl Iterator<Item = Status> + Clone, audience: Actor) -> Vec<InReview> {
    let words = |s: Status| match s {
        _ if policy::reviewer_for(s) == Some(audience) => "待您审核",
        Status::Returned => "退回修改中",
        _ => s.label(),
    };
    Status::ALL
        .iter()
        .filter(|s| s.in_review())
        .map(|&s| InReview { words: words(s), count: statuses.clone().filter(|r| *r == s).count() })
        .filter(|c| c.count > 0)
        .collect()
}

/// `GET /dashboard/{token}/send`: before anything is mailed, the rows the 汇总表 holds and the
/// applications still in review, with the button that sends it. The centre mails
/// nobody: its link goes back to its dashboard.
pub async fn confirm_send(State(state): State<AppState>, link: Linked<DashboardClaims>) -> Result<Response, AppError> {
    let audience = audience(&state, &link)?;
    let base = format!("/dashboard/{}", link.token);
    if audience == Audience::Centre {
        return Ok(Redirect::to(&base).into_response());
    }
    let (all, plan) = dashboard::send_plan(&state, &audience).await?;
    let unchanged = plan.since.as_ref().is_some_and(dashboard::SinceLast::is_empty);
    let placed: Vec<_> = all.iter().filter(|r| r.status.holds_place()).cloned().collect();
    let same = dashboard::same_numbers(&state, &audience, &placed).await?;
    let page = SendPage {
        centre_email: &state.programme.centre.email,
        rows: placed.iter().map(|r| dashboard::row(&state, &audience, r, &same)).collect(),
        can_send: !unchanged && (plan.since.is_some() || !plan.rows.is_empty()),
        unchanged,
        since: plan.since,
        in_review: in_review(all.iter().map(|r| r.status), audience.actor()),
        base,
    };
    Ok(Page::typed("send.html", "通过本站发送汇总表（本站设置）", &page)?.into_response())
}

/// `POST /dashboard/{token}/send`: mails the scope's 汇总表 (recommended applications, XLSX) to
/// the centre's address in programme.toml, once per change, then back to the dashboard. The
/// centre's link sends nothing.
pub async fn send_summary(
    State(state): State<AppState>,
    _: SameSite,
    link: Linked<DashboardClaims>,
) -> Result<Response, AppError> {
    let audience = audience(&state, &link)?;
    let base = format!("/dashboard/{}", link.token);
    if audience == Audience::Centre {
        return Ok(Redirect::to(&base).into_response());
    }
    let refused = |code: &'static str, title: &'static str, message: String| {
        AppError::new(StatusCode::CONFLICT, code, title, message).offer(back_to(&base))
    };
    match dashboard::send_summary(&state, &audience).await? {
        Sent::Sent => Ok(Redirect::to(&format!("{base}?sent=1")).into_response()),
        Sent::Unchanged(at) => Err(refused(
            "unchanged",
            "汇总表没有变化",
            format!("汇总表已于{at}发送，此后没有变化，不再重复发送。有新的推荐或变化后，可以再次发送。"),
        )),
        Sent::Empty => Err(refused("empty", "没有可发送的内容", "目前没有已推荐的申报，无需发送汇总表。".into())),
        Sent::Meanwhile => Err(refused(
            "sent_meanwhile",
            "刚刚已发送",
            "汇总表刚刚已由本单位其他人员发送。请返回审核工作台查看。".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{InReview, in_review};
    use policy::{Actor, Status};

    #[test]
    fn every_status_in_review_is_counted_and_the_audiences_own_is_theirs() {
        let all = Status::ALL.iter().copied().flat_map(|s| [s, s]);
        let counted = in_review(all.clone(), Actor::Hr);
        assert_eq!(counted.len(), Status::ALL.iter().filter(|s| s.in_review()).count());
        assert!(counted.iter().all(|c| c.count == 2 && !c.words.is_empty()));
        let some = [Status::UnitReview, Status::HrReview, Status::HrReview, Status::Returned, Status::Recommended];
        let words = |words, count| InReview { words, count };
        assert_eq!(
            in_review(some.into_iter(), Actor::Hr),
            [words("单位审核中", 1), words("待您审核", 2), words("退回修改中", 1)]
        );
        assert_eq!(in_review([Status::Recommended, Status::Selected].into_iter(), Actor::Hr), []);
    }
}
