//! `hudson.Util.getTimeSpanString`, for "In the quiet period. Expires in …" (English only).

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const MONTH: i64 = 30 * DAY;
const YEAR: i64 = 365 * DAY;

/// Formats a duration in milliseconds the way Jenkins does: the two largest units when the
/// larger is below 10 (`1 min 3 sec`), one unit otherwise (`12 min`), tenths of a second
/// below 10 seconds (`4.9 sec`), hundredths below 1 second (`0.23 sec`), else `N ms`.
pub fn time_span(duration_ms: i64) -> String {
    let mut rest = duration_ms.max(0);
    let mut take = |unit: i64| {
        let n = rest / unit;
        rest %= unit;
        n
    };
    let units = [
        take(YEAR),
        take(MONTH),
        take(DAY),
        take(HOUR),
        take(MINUTE),
        take(SECOND),
    ];
    let millis = rest;
    let labels: [fn(i64) -> String; 6] = [year, month, day, hour, minute, second];
    if let Some(i) = units[..5].iter().position(|&n| n > 0) {
        let big = labels[i](units[i]);
        return if units[i] < 10 {
            format!("{big} {}", labels[i + 1](units[i + 1]))
        } else {
            big
        };
    }
    let seconds = units[5];
    if seconds >= 10 {
        second(seconds)
    } else if seconds >= 1 {
        format!(
            "{} sec",
            decimal(seconds as f64 + (millis / 100) as f64 / 10.0)
        )
    } else if millis >= 100 {
        format!("{} sec", decimal((millis / 10) as f64 / 100.0))
    } else {
        format!("{millis} ms")
    }
}

fn year(n: i64) -> String {
    format!("{n} yr")
}

fn month(n: i64) -> String {
    format!("{n} mo")
}

fn day(n: i64) -> String {
    format!("{n} {}", if n == 1 { "day" } else { "days" })
}

fn hour(n: i64) -> String {
    format!("{n} hr")
}

fn minute(n: i64) -> String {
    format!("{n} min")
}

fn second(n: i64) -> String {
    format!("{n} sec")
}

/// Java's default `NumberFormat`: at most three fraction digits, no trailing zeros.
fn decimal(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::time_span;

    #[test]
    fn short_durations_show_milliseconds() {
        assert_eq!(time_span(0), "0 ms");
        assert_eq!(time_span(99), "99 ms");
    }

    #[test]
    fn sub_second_durations_show_hundredths() {
        assert_eq!(time_span(234), "0.23 sec");
    }

    #[test]
    fn single_digit_seconds_show_tenths() {
        assert_eq!(time_span(4_950), "4.9 sec");
        assert_eq!(time_span(1_000), "1 sec");
    }

    #[test]
    fn small_big_units_show_the_next_unit_too() {
        assert_eq!(time_span(63_000), "1 min 3 sec");
        assert_eq!(time_span(12 * 60_000 + 5_000), "12 min");
        assert_eq!(time_span(26 * 3_600_000), "1 day 2 hr");
    }
}
