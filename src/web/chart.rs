//! Small bar charts drawn on the server as inline SVG: no script and no chart library in the
//! browser, and no request of their own. The size is in the markup (`width`, `height` and a
//! fixed `viewBox`), so the page does not shift when the stylesheet arrives; colours come from
//! the stylesheet's `.chart` rules (no `style` attributes, which the CSP forbids).

use maud::{Markup, html};

/// Width of one bar and the gap after it, in the `viewBox`'s units.
const BAR_WIDTH: i64 = 3;
const BAR_STEP: i64 = 4;
/// Height of the tallest bar; the base line sits just below it.
const BARS_HEIGHT: i64 = 19;
/// The whole drawing's height: the bars and the base line.
const HEIGHT: i64 = BARS_HEIGHT + 1;

/// One bar per value, left to right, scaled to the largest; a value above zero is at least one
/// unit tall so that a quiet day with one hit still shows. `description` is the chart's
/// accessible name (its `title` and `aria-label`), which should give the totals a reader
/// cannot see.
pub fn bar_chart(description: &str, values: &[i64]) -> Markup {
    let width = i64::try_from(values.len()).unwrap_or(i64::MAX / BAR_STEP) * BAR_STEP;
    let tallest = values.iter().copied().max().unwrap_or(0).max(1);
    let base = format!("{}.5", BARS_HEIGHT);
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(description)
            width=(width) height=(HEIGHT) viewBox={ "0 0 " (width) " " (HEIGHT) }
            preserveAspectRatio="none" {
            title { (description) }
            @for (i, &value) in values.iter().enumerate() {
                @let height = bar_height(value, tallest);
                rect x=(i64::try_from(i).unwrap_or(0) * BAR_STEP) y=(BARS_HEIGHT - height)
                    width=(BAR_WIDTH) height=(height) {}
            }
            line.base x1="0" y1=(base) x2=(width) y2=(base) {}
        }
    }
}

/// The height of a bar of `value` when the tallest is `tallest` (at least 1): rounded up, so
/// that no value above zero disappears; negative values (never written) draw nothing.
fn bar_height(value: i64, tallest: i64) -> i64 {
    if value <= 0 {
        return 0;
    }
    let scaled = (i128::from(value) * i128::from(BARS_HEIGHT) + i128::from(tallest) - 1)
        / i128::from(tallest);
    i64::try_from(scaled)
        .unwrap_or(BARS_HEIGHT)
        .min(BARS_HEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value has its bar, scaled to the tallest, the smallest non-zero one still
    /// visible; the size is fixed in the markup and the description is there for screen
    /// readers, escaped.
    #[test]
    fn chart_has_one_bar_per_value_and_a_fixed_size() {
        let svg = bar_chart("3 hits <in> 4 days", &[0, 1, 100, 2]).into_string();
        assert_eq!(svg.matches("<rect").count(), 4);
        for expected in [
            r#"width="16" height="20" viewBox="0 0 16 20""#,
            r#"x="0" y="19" width="3" height="0""#,
            r#"x="4" y="18" width="3" height="1""#,
            r#"x="8" y="0" width="3" height="19""#,
            "<title>3 hits &lt;in&gt; 4 days</title>",
            r#"aria-label="3 hits &lt;in&gt; 4 days""#,
        ] {
            assert!(svg.contains(expected), "{expected} in {svg}");
        }
        assert!(!svg.contains("style="), "{svg}");
    }

    /// Heights never leave the drawing, whatever the database holds.
    #[test]
    fn bar_heights_stay_inside_the_chart() {
        assert_eq!(bar_height(-5, 10), 0);
        assert_eq!(bar_height(i64::MAX, 1), BARS_HEIGHT);
        assert_eq!(bar_height(i64::MAX, i64::MAX), BARS_HEIGHT);
        assert_eq!(bar_height(1, i64::MAX), 1);
    }
}
