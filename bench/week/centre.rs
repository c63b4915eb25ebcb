//! The centre's dashboard and its 全部申报 export at full size, through the Router, with the
//! process's peak memory for each (reset before each, as `/proc/self/clear_refs` allows).

use axum::body::Body;
use axum::http::Request;
use std::time::Instant;
use tower::ServiceExt;

/// The Lambda's response limit, bytes.
const LAMBDA_RESPONSE: usize = 6 * 1024 * 1024;

/// Resident memory now and its peak since the last reset (VmRSS, VmHWM), MiB.
fn memory() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Resets the peak (VmHWM) to the memory resident now.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Times the centre's dashboard page and its 全部申报 XLSX and CSV through `router`, printing
/// time, size and peak memory; `Err` naming what could not be measured.
pub async fn measure(router: axum::Router, path: &str, total: u32) -> Result<(), String> {
    for (label, url, base64) in [
        ("the centre's dashboard page", path.to_owned(), false),
        ("the centre's 汇总表 XLSX, every application", format!("{path}/summary.xlsx?all=1"), true),
        ("the centre's 汇总表 CSV, every application", format!("{path}/summary.csv?all=1"), false),
    ] {
        if !reset_peak() {
            return Err("cannot reset the peak memory (/proc/self/clear_refs)".into());
        }
        let (before, _) = memory().ok_or("cannot read /proc/self/status")?;
        let started = Instant::now();
        let request = Request::get(&url).body(Body::empty()).map_err(|e| e.to_string())?;
        let response = router.clone().oneshot(request).await.map_err(|e| e.to_string())?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 256 << 20).await.map_err(|e| e.to_string())?.len();
        let took = started.elapsed();
        let (_, peak) = memory().ok_or("cannot read /proc/self/status")?;
        if status != 200 {
            return Err(format!("{label}: {status}"));
        }
        let on_the_wire = if base64 { bytes.div_ceil(3) * 4 } else { bytes };
        println!(
            "{label} ({total} applications): {:.2} s, {:.2} MB ({:.2} MB as a Lambda body; {}), peak memory {peak:.0} MiB ({:.0} MiB above the {before:.0} MiB resident before)",
            took.as_secs_f64(),
            bytes as f64 / 1e6,
            on_the_wire as f64 / 1e6,
            if on_the_wire < LAMBDA_RESPONSE { "fits 6 MB" } else { "over 6 MB: on S3 it goes by exports/ and a link" },
            peak - before,
        );
    }
    Ok(())
}
