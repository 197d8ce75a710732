//! Literal values with their own syntax: durations, percentages, globs and cron schedules.
//! Each validator reports its problem and returns `None`/`false` when the value is unusable.

use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

use super::Cx;

/// `30m`, `1h30m`, `90s`, `2d`: a sum of numbers with units, in seconds.
pub(super) fn duration(cx: &mut Cx, text: &str, span: Span) -> Option<u64> {
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(digits);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let seconds_per_unit = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => {
                let help = match unit {
                    "min" | "mins" | "minute" | "minutes" => {
                        "write minutes as `m`, e.g. `30m`".to_string()
                    }
                    "sec" | "secs" | "second" | "seconds" => {
                        "write seconds as `s`, e.g. `90s`".to_string()
                    }
                    "hr" | "hrs" | "hour" | "hours" => "write hours as `h`, e.g. `2h`".to_string(),
                    _ => "durations are numbers with the units `d`, `h`, `m` and `s`, e.g. `1h30m`"
                        .to_string(),
                };
                cx.report(
                    Diagnostic::new(
                        Code::InvalidDuration,
                        format!("`{text}` is not a duration"),
                        span,
                        format!("unknown unit `{unit}`"),
                    )
                    .with_help(help),
                );
                return None;
            }
        };
        let value = number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(seconds_per_unit));
        match value.and_then(|v| total.checked_add(v)) {
            Some(sum) => total = sum,
            None => {
                cx.report(
                    Diagnostic::new(
                        Code::InvalidDuration,
                        format!("`{text}` is too long"),
                        span,
                        "out of range",
                    )
                    .with_help("durations are at most a few days"),
                );
                return None;
            }
        }
        rest = next;
    }
    if total == 0 {
        cx.report(
            Diagnostic::new(
                Code::InvalidDuration,
                "a duration must be longer than zero",
                span,
                "zero",
            )
            .with_help("write a positive duration such as `10m`"),
        );
        return None;
    }
    Some(total)
}

/// `80%`: between 0% and 100%.
pub(super) fn percent(cx: &mut Cx, text: &str, span: Span) -> Option<()> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=100.0).contains(&value) => Some(()),
        _ => {
            cx.report(
                Diagnostic::new(
                    Code::InvalidPercentage,
                    format!("{text}% is not a percentage"),
                    span,
                    "outside 0% to 100%",
                )
                .with_help("percentages go from 0% to 100%"),
            );
            None
        }
    }
}

/// A GitHub filter glob (without a leading `!`).
///
/// `span` covers the string literal the pattern came from; when the literal is written
/// exactly as the pattern (no escapes), the label points at the offending character.
pub(super) fn glob(cx: &mut Cx, pattern: &str, span: Span) -> bool {
    match crate::glob::parse(pattern) {
        Ok(_) => true,
        Err(error) => {
            let literal = cx.slice(span);
            let body = literal
                .strip_prefix('"')
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or("");
            let label_span = match body.strip_suffix(pattern) {
                Some(prefix) if !pattern.is_empty() => {
                    let start = span.start as usize + 1 + prefix.len() + error.offset;
                    let width = pattern
                        .get(error.offset..)
                        .and_then(|r| r.chars().next())
                        .map_or(1, char::len_utf8);
                    Span::new(span.file, start..start + width)
                }
                _ => span,
            };
            cx.report(
                Diagnostic::new(Code::InvalidGlob, format!("invalid glob `{pattern}`"), label_span, error.message)
                    .with_help("globs use `*` (within a path segment), `**` (anything), `?`, `+` and `[a-z]`; see docs/language.md"),
            );
            false
        }
    }
}

/// Validates a five-field POSIX cron expression as GitHub runs it, including GitHub's limit
/// of one run every five minutes.
pub(super) fn cron(cx: &mut Cx, expression: &str, span: Span) -> bool {
    match cron_minutes(expression) {
        Ok(minutes) => {
            if let Some(gap) = shortest_gap(&minutes, expression)
                && gap < 5
            {
                cx.report(
                        Diagnostic::new(Code::InvalidCron, format!("`{expression}` runs every {gap} minute{}", if gap == 1 { "" } else { "s" }), span, "too often")
                            .with_help("GitHub runs schedules at most once every 5 minutes; use e.g. `*/5` in the minute field"),
                    );
                return false;
            }
            true
        }
        Err(message) => {
            cx.report(
                Diagnostic::new(Code::InvalidCron, format!("`{expression}` is not a valid cron schedule"), span, message)
                    .with_help("five fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12 or JAN-DEC) day-of-week (0-6 or SUN-SAT), e.g. `30 2 * * 1`"),
            );
            false
        }
    }
}

/// The minutes of the hour the expression fires at, after validating every field.
fn cron_minutes(expression: &str) -> Result<Vec<u32>, String> {
    let fields: Vec<&str> = expression.split_whitespace().collect();
    let [minute, hour, day, month, weekday] = fields.as_slice() else {
        return Err(format!(
            "{} field{} instead of 5",
            fields.len(),
            if fields.len() == 1 { "" } else { "s" }
        ));
    };
    const MONTHS: &[&str] = &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let minutes = cron_field(minute, "minute", 0, 59, &[])?;
    cron_field(hour, "hour", 0, 23, &[])?;
    cron_field(day, "day-of-month", 1, 31, &[])?;
    cron_field(month, "month", 1, 12, MONTHS)?;
    cron_field(weekday, "day-of-week", 0, 6, DAYS)?;
    Ok(minutes)
}

/// The values one field selects. Names (for months and weekdays) count from `min`.
fn cron_field(
    field: &str,
    what: &str,
    min: u32,
    max: u32,
    names: &[&str],
) -> Result<Vec<u32>, String> {
    let value = |text: &str| -> Result<u32, String> {
        if let Some(index) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return u32::try_from(index)
                .map(|i| i + min)
                .map_err(|_| format!("bad {what} `{text}`"));
        }
        match text.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            Ok(n) => Err(format!("{what} {n} is outside {min}-{max}")),
            Err(_) => Err(format!("`{text}` is not a valid {what}")),
        }
    };
    let mut selected = Vec::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => match step.parse::<u32>() {
                Ok(s) if s > 0 => (range, s),
                _ => return Err(format!("bad step `/{step}` in the {what} field")),
            },
            None => (part, 1),
        };
        let (start, end) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (value(a)?, value(b)?);
            if a > b {
                return Err(format!("the {what} range {range} runs backwards"));
            }
            (a, b)
        } else {
            let v = value(range)?;
            (v, if part.contains('/') { max } else { v })
        };
        selected.extend((start..=end).step_by(step as usize));
    }
    selected.sort_unstable();
    selected.dedup();
    Ok(selected)
}

/// The shortest gap in minutes between two runs within an hour, counting the wrap into the
/// next hour only when the hour field allows consecutive hours.
fn shortest_gap(minutes: &[u32], expression: &str) -> Option<u32> {
    let mut gaps: Vec<u32> = minutes
        .windows(2)
        .filter_map(|w| Some(w.get(1)? - w.first()?))
        .collect();
    let hour_field = expression.split_whitespace().nth(1).unwrap_or("*");
    let consecutive_hours =
        hour_field == "*" || hour_field.contains('-') || hour_field.starts_with("*/1");
    if consecutive_hours && let (Some(first), Some(last)) = (minutes.first(), minutes.last()) {
        gaps.push(60 - last + first);
    }
    gaps.into_iter().min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_fields_are_validated() {
        assert_eq!(cron_minutes("30 2 * * 1"), Ok(vec![30]));
        assert_eq!(cron_minutes("*/15 * * * MON-FRI").map(|m| m.len()), Ok(4));
        assert!(cron_minutes("0 2 * *").is_err());
        assert!(cron_minutes("61 2 * * *").is_err());
        assert!(cron_minutes("0 5-2 * * *").is_err());
        assert!(cron_minutes("0 2 * JANUARY *").is_err());
    }

    #[test]
    fn schedules_more_often_than_every_five_minutes_are_caught() {
        let gap = |e: &str| cron_minutes(e).ok().and_then(|m| shortest_gap(&m, e));
        assert_eq!(gap("* * * * *"), Some(1));
        assert_eq!(gap("*/5 * * * *"), Some(5));
        assert_eq!(gap("0 * * * *"), Some(60));
        assert_eq!(gap("0 3 * * *"), None);
        assert_eq!(gap("0,2 3 * * *"), Some(2));
    }
}
