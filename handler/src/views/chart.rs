//! Charts as inline SVG: no script, no third-party content, readable by screen readers.

use theme::escape_html;

/// One bar: its label, its value and the cap it counts against, where known.
pub type Bar = (String, usize, Option<u32>);

/// A horizontal bar chart as inline SVG (no script): one bar per item, the value against `cap`
/// where a cap is known (a pale bar behind), labelled with both.
pub fn bar_chart(id: &str, title: &str, items: &[Bar]) -> String {
    // Labels are Chinese: about one 13px em per character.
    let label_w = items.iter().map(|(l, _, _)| l.chars().count()).max().unwrap_or(4) as f64 * 13.5 + 12.0;
    let width = label_w + 420.0;
    let bar_h = 18.0;
    let gap = 8.0;
    let top = 8.0;
    let scale_max = items.iter().map(|(_, v, c)| (*v).max(c.unwrap_or(0) as usize)).max().unwrap_or(0).max(1) as f64;
    let plot_w = width - label_w - 90.0;
    let height = top * 2.0 + items.len() as f64 * (bar_h + gap);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"chart-{id}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-{id}\">{t}</title>",
        id = escape_html(id),
        t = escape_html(title)
    );
    for (i, (label, value, cap)) in items.iter().enumerate() {
        let y = top + i as f64 * (bar_h + gap);
        let text_y = y + bar_h * 0.75;
        svg.push_str(&format!(
            "<text x=\"{x}\" y=\"{text_y}\" text-anchor=\"end\" font-size=\"13\" fill=\"#1b1b1b\">{}</text>",
            escape_html(label),
            x = label_w - 8.0
        ));
        if let Some(cap) = cap {
            let w = plot_w * f64::from(*cap) / scale_max;
            svg.push_str(&format!(
                "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"#dfe7f2\" stroke=\"#5b6b82\"/>"
            ));
        }
        let w = plot_w * *value as f64 / scale_max;
        svg.push_str(&format!(
            "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"#1d4f91\"/>"
        ));
        let text = match cap {
            Some(cap) => format!("{value} / {cap}"),
            None => value.to_string(),
        };
        let x = label_w + plot_w * (*value as f64).max(f64::from(cap.unwrap_or(0))) / scale_max + 6.0;
        svg.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{text_y}\" font-size=\"13\" fill=\"#1b1b1b\">{}</text>",
            escape_html(&text)
        ));
    }
    svg.push_str("</svg>");
    svg
}
