//! Extractors of a request's parts: the client's address, the browser a draft was made in, the
//! same-site guard, and a verified signed link (a review link also checked against its record:
//! [`ReviewLink`]). Bodies are read in `body`.

use crate::AppState;
use crate::http::body::accepts_json;
use crate::http::{AppError, Offer};
use crate::store::{Event, Record};
use crate::workflow::links::{self, Refused, Standing};
use crate::{views, workflow};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use policy::{ConfirmClaims, DashboardClaims, LinkClaims, Purpose, ReviewClaims, TokenError, UploadClaims};
use std::collections::HashMap;
use std::convert::Infallible;

/// The client's address, for keyed audit hashes and rate limits: the socket peer under `serve`,
/// API Gateway's source IP on the Lambda, or, behind a CDN (`FORWARDED_HOPS` = n ≥ 1), the n-th
/// address from the right of `X-Forwarded-For`: the one the CDN itself appended, which a client
/// cannot choose.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        use axum::extract::ConnectInfo;
        if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>() {
            return Ok(Self(addr.ip().to_string()));
        }
        let hops = state.settings.forwarded_hops;
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        let addresses: Vec<&str> =
            forwarded.flat_map(|v| v.split(',')).map(str::trim).filter(|a| !a.is_empty()).collect();
        #[cfg(feature = "aws")]
        let source = match parts.extensions.get::<lambda_http::request::RequestContext>() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
            _ => None,
        };
        #[cfg(not(feature = "aws"))]
        let source: Option<String> = None;
        log_forwarded(&addresses, source.as_deref(), hops);
        if hops > 0
            && let Some(address) = addresses.len().checked_sub(hops).and_then(|i| addresses.get(i))
        {
            return Ok(Self((*address).to_owned()));
        }
        Ok(Self(source.unwrap_or_default()))
    }
}

/// Requests whose `X-Forwarded-For` is described in the log after a process starts.
const FORWARDED_LOGGED: usize = 20;

/// On a process's first requests, what `X-Forwarded-For` holds, as shapes only (never an address:
/// each entry public or private, and whether the last is the address API Gateway saw), so an
/// operator can set `CdnForwardedHops` from it (docs/deploy.md, "Rate limits behind the CDN").
fn log_forwarded(addresses: &[&str], source: Option<&str>, hops: usize) {
    static SEEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    if SEEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= FORWARDED_LOGGED {
        return;
    }
    let kind = |a: &str| match a.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) if ip.is_private() || ip.is_loopback() || ip.is_link_local() => "private",
        Ok(std::net::IpAddr::V6(ip)) if ip.is_loopback() || (ip.segments()[0] & 0xfe00) == 0xfc00 => "private",
        Ok(_) => "public",
        Err(_) => "unreadable",
    };
    let entries: Vec<&str> = addresses.iter().map(|a| kind(a)).collect();
    let source_is_last = source.is_some_and(|s| addresses.last() == Some(&s));
    tracing::info!(
        entries = entries.len(),
        kinds = %entries.join(","),
        source_is_last,
        forwarded_hops = hops,
        "X-Forwarded-For as received (first requests after start)"
    );
}

/// The browser a draft (核对信息) was made in: a random value kept in a cookie only `/apply/`
/// reads (HttpOnly, SameSite=Lax, Secure where the site is https, gone with the draft's time), so
/// that a draft string seen elsewhere (a shared screen, a log) opens in no other browser.
pub struct Browser(Option<String>);

impl Browser {
    const COOKIE: &'static str = "tepei_browser";

    /// This browser's value, as its cookie holds it (a value of another shape is none).
    pub fn value(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// This browser's value, or a fresh one for a browser that has none yet.
    pub fn or_new(&self) -> String {
        self.0.clone().unwrap_or_else(crate::ids::random_id)
    }

    /// The `Set-Cookie` that keeps `value` in this browser, for as long as a draft lasts.
    pub fn cookie(value: &str, settings: &crate::Settings) -> HeaderValue {
        let ttl = workflow::draft::DRAFT_TTL.whole_seconds();
        let secure = if settings.https() { "; Secure" } else { "" };
        let cookie = format!("{}={value}; Path=/apply; Max-Age={ttl}; HttpOnly; SameSite=Lax{secure}", Self::COOKIE);
        HeaderValue::from_str(&cookie).unwrap_or(HeaderValue::from_static("tepei_browser=; Path=/apply; Max-Age=0"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Browser {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let cookies = parts.headers.get_all(header::COOKIE).into_iter().filter_map(|v| v.to_str().ok());
        let value = cookies
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(name, _)| *name == Self::COOKIE)
            .map(|(_, value)| value.to_owned())
            .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
        Ok(Self(value))
    }
}

/// Passes only a form posted from this site: no foreign `Origin`, no `Sec-Fetch-Site:
/// cross-site`. (`Origin: null` is what browsers send under `Referrer-Policy: no-referrer`; the
/// link token, a secret in the path, is the main guard.)
pub struct SameSite;

impl FromRequestParts<AppState> for SameSite {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let origin_ok = match parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            None | Some("null") => true,
            Some(origin) => origin == state.settings.origin(),
        };
        let fetch_ok = parts.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) != Some("cross-site");
        if origin_ok && fetch_ok { Ok(Self) } else { Err(AppError::cross_site()) }
    }
}

/// A signed link of `C`'s purpose from the path's `{token}`, verified: its claims and the token.
/// Refusals are pages (JSON for `Accept: application/json`): 403 invalid or for another page,
/// 410 expired or signed with a retired key, offering a fresh link where one can be had.
pub struct Linked<C> {
    /// The verified claims.
    pub claims: C,
    /// The token as it came.
    pub token: String,
}

/// Claims whose link needs no check beyond its signature. Review links are not among them: a
/// route takes a review link only as a [`ReviewLink`] or a [`CurrentReview`], which check it
/// against the record, so no route can forget to; nor status links, checked against the
/// applicant's proven mailbox in [`crate::http::status_link`].
pub trait SignatureEnough: LinkClaims + Send {}
impl SignatureEnough for ConfirmClaims {}
impl SignatureEnough for DashboardClaims {}
impl SignatureEnough for UploadClaims {}

impl<C: SignatureEnough> FromRequestParts<AppState> for Linked<C> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (claims, token) = verified::<C>(parts, state).await?;
        Ok(Self { claims, token })
    }
}

/// The path's `{token}`, verified as a link of `C`'s purpose.
pub(super) async fn verified<C: LinkClaims>(parts: &mut Parts, state: &AppState) -> Result<(C, String), AppError> {
    let json = accepts_json(&parts.headers);
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::no_such_page().json_if(json))?;
    let token = params.get("token").cloned().unwrap_or_default();
    match links::verify::<C>(state, &token) {
        Ok(claims) => Ok((claims, token)),
        Err(e) => Err(refusal(&e, C::PURPOSE, &token).json_if(json)),
    }
}

/// A review link, verified and checked against its record ([`links::review_standing`]): still
/// for the record's audience at its stage and sent to the stage's reviewer as they are now.
/// Refused otherwise (403; a link signed before links named their audience: 410, with a fresh
/// link offered). Current, or passed (then it may show only who decided and when).
pub struct ReviewLink {
    /// The verified claims.
    pub claims: ReviewClaims,
    /// The token as it came.
    pub token: String,
    /// The application as it is now.
    pub record: Record,
    /// Its events.
    pub events: Vec<Event>,
    /// Whether the link is for the record's version.
    pub standing: Standing,
}

impl FromRequestParts<AppState> for ReviewLink {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let json = accepts_json(&parts.headers);
        let (claims, token) = verified::<ReviewClaims>(parts, state).await?;
        let (record, events) =
            workflow::load(state, &claims.reference).await.map_err(|e| AppError::from(e).json_if(json))?;
        match links::review_standing(state, &claims, &record) {
            Ok(standing) => Ok(Self { claims, token, record, events, standing }),
            Err(refused) => Err(review_refusal(refused, &token).json_if(json)),
        }
    }
}

/// A [`ReviewLink`] for the record's version: what reads the application's content (its files,
/// its print) takes this. A passed link is answered 410 with who decided and when.
pub struct CurrentReview(pub ReviewLink);

impl FromRequestParts<AppState> for CurrentReview {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let link = ReviewLink::from_request_parts(parts, state).await?;
        match link.standing {
            Standing::Current => Ok(Self(link)),
            Standing::Passed => Err(AppError::new(
                StatusCode::GONE,
                "stale",
                "已处理",
                format!("{}此链接不再显示申报内容。", views::version_passed(&link.events)),
            )
            .json_if(accepts_json(&parts.headers))),
        }
    }
}

/// The answer to a genuine review link that is no longer its reviewer's.
pub fn review_refusal(refused: Refused, token: &str) -> AppError {
    let error = match refused {
        Refused::Outdated => AppError::new(
            StatusCode::GONE,
            "outdated",
            "链接已失效",
            "这个链接是系统更新前发出的，已失效。可以申请新的审核链接，新链接只发送到本环节审核人的邮箱。",
        )
        .offer(Offer::Renew(format!("/review/{token}/renew"))),
        Refused::Reassigned => AppError::new(
            StatusCode::FORBIDDEN,
            "reassigned",
            "链接已失效",
            "这份申报已改由其他盟市（厅局）审核，这个链接已失效，不能再查看或审核这份申报。",
        ),
        Refused::ReviewerChanged => AppError::new(
            StatusCode::FORBIDDEN,
            "reviewer_changed",
            "链接已失效",
            "这个链接发给的审核人已更换，链接已失效，不能再查看或审核这份申报。",
        ),
    };
    tracing::info!(refusal = error.code(), "review link refused");
    error
}

/// The answer to a link that does not verify.
pub fn refusal(e: &TokenError, purpose: Purpose, token: &str) -> AppError {
    let error = match e {
        TokenError::Expired(_) => {
            AppError::new(StatusCode::GONE, "expired", "链接已过期", "这个链接已过期。请使用最新邮件中的链接。")
        }
        TokenError::WrongPurpose => {
            AppError::new(StatusCode::FORBIDDEN, "wrong_purpose", "链接无效", "这个链接不能用于此页面。")
        }
        TokenError::UnknownKey => {
            AppError::new(StatusCode::GONE, "key_rotated", "链接已失效", "这个链接已失效。请使用最新邮件中的链接。")
        }
        TokenError::Malformed | TokenError::BadSignature => AppError::new(
            StatusCode::FORBIDDEN,
            "invalid",
            "链接无效",
            "这个链接无效，可能复制不完整。请直接点击邮件中的链接。",
        ),
    };
    tracing::info!(refusal = error.code(), "link refused");
    // An expired link offers a fresh one, sent only to the address already on file.
    match (e, purpose) {
        (TokenError::Expired(_), Purpose::Review) => error.offer(Offer::Renew(format!("/review/{token}/renew"))),
        (TokenError::Expired(_), Purpose::Confirm) => AppError::new(
            StatusCode::GONE,
            "expired",
            "验证码页面已过期",
            "这份申报未在规定时间内输入邮箱验证码，已失效。如仍需申报，请在申报截止前重新填写提交。",
        )
        .offer(Offer::Back { url: "/apply/".into(), title: "重新填写申报".into() }),
        (TokenError::Expired(_), Purpose::Status) => error.offer(Offer::Back {
            url: "/status/#lookup-title".into(),
            title: "凭申报编号（或身份证号）和邮箱重新获取查询链接".into(),
        }),
        _ => error,
    }
}
