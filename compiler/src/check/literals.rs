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
    let minutes = cron_field(minute, "minute", 0, 59, &[])?;
    cron_field(hour, "hour", 0, 23, &[])?;
    cron_field(day, "day-of-month", 1, 31, &[])?;
    cron_field(month, "month", 1, 12, MONTHS)?;
    cron_field(weekday, "day-of-week", 0, 6, DAYS)?;
    Ok(minutes)
}

/// Month and weekday names as cron takes them, January and Sunday first.
const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MONTH_WORDS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAY_WORDS: &[&str] = &[
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// A cron expression in words, as an editor shows it beside the schedule: `30 2 * * 1` is
/// "at 02:30 UTC, on Monday". Times are in `timezone`, UTC without one. A schedule with no
/// short phrasing has its values listed one by one: the words may get long, never wrong.
/// When both the day of the month and the weekday are restricted, cron runs on a day that
/// matches either, and the words say "or". `None` for an expression that is not valid cron.
pub fn cron_in_words(expression: &str, timezone: Option<&str>) -> Option<String> {
    let fields: Vec<&str> = expression.split_whitespace().collect();
    let [minute, hour, day, month, weekday] = fields.as_slice() else {
        return None;
    };
    let minutes = cron_field(minute, "minute", 0, 59, &[]).ok()?;
    let hours = cron_field(hour, "hour", 0, 23, &[]).ok()?;
    let days = cron_field(day, "day-of-month", 1, 31, &[]).ok()?;
    let months = cron_field(month, "month", 1, 12, MONTHS).ok()?;
    let weekdays = cron_field(weekday, "day-of-week", 0, 6, DAYS).ok()?;
    let zone = timezone.unwrap_or("UTC");
    let times = times_in_words(&minutes, &hours, zone)?;
    let on_days = match stepped(&days, 31) {
        Some((from, step)) => {
            format!(
                "on every {} day of the month from day {from}",
                ordinal(step)
            )
        }
        None => match days.as_slice() {
            [only] => format!("on day {only} of the month"),
            _ => format!(
                "on days {} of the month",
                runs_in_words(&days, |d| d.to_string())
            ),
        },
    };
    let word = |words: &'static [&'static str], first: u32| {
        move |value: u32| {
            let index = value.checked_sub(first).map_or(0, |i| i as usize);
            words.get(index).copied().unwrap_or_default().to_string()
        }
    };
    let on_weekdays = format!("on {}", runs_in_words(&weekdays, word(DAY_WORDS, 0)));
    let on_which_days = match (*day != "*", *weekday != "*") {
        (false, false) => None,
        (true, false) => Some(on_days),
        (false, true) => Some(on_weekdays),
        (true, true) => Some(format!("{on_days} or {on_weekdays}")),
    };
    let mut parts = vec![times.words];
    let dated = on_which_days.is_some() || *month != "*";
    match on_which_days {
        Some(on) => parts.push(on),
        // Only a schedule of a few fixed times reads as if it could run once.
        None if times.few && *month == "*" => parts.push("every day".into()),
        None => {}
    }
    if *month != "*" {
        parts.push(format!(
            "in {}",
            runs_in_words(&months, word(MONTH_WORDS, 1))
        ));
    }
    let mut words = parts.join(", ");
    // Days begin at midnight of the time zone, which the time of day may not have named.
    if dated && !times.name_zone {
        words.push_str(&format!(" ({zone})"));
    }
    Some(words)
}

/// The times of day of a schedule in words.
struct Times {
    words: String,
    /// An hourly or more frequent schedule through the whole day needs no time zone.
    name_zone: bool,
    /// A few times, listed.
    few: bool,
}

fn times_in_words(minutes: &[u32], hours: &[u32], zone: &str) -> Option<Times> {
    let times = |words: String, name_zone: bool, few: bool| {
        Some(Times {
            words,
            name_zone,
            few,
        })
    };
    let clock = |hour: u32, minute: u32| format!("{hour:02}:{minute:02}");
    let (first_minute, last_minute) = (*minutes.first()?, *minutes.last()?);
    let (first_hour, last_hour) = (*hours.first()?, *hours.last()?);
    if minutes.len() * hours.len() <= 6 {
        let listed = hours
            .iter()
            .flat_map(|h| minutes.iter().map(move |m| clock(*h, *m)))
            .collect();
        return times(format!("at {} {zone}", and_list(listed)), true, true);
    }
    let cadence = match stepped(minutes, 59) {
        _ if minutes.len() == 60 => "every minute".to_string(),
        // Steps that divide the hour keep their pace across the hour's end.
        Some((0, step)) if 60 % step == 0 => format!("every {step} minutes"),
        _ => match minutes {
            [_] => "every hour".to_string(),
            _ => format!(
                "at minutes {} of every hour",
                runs_in_words(minutes, |m| m.to_string())
            ),
        },
    };
    if hours.len() == 24 {
        if let [minute] = minutes {
            return times(format!("every hour at minute {minute}"), false, false);
        }
        return times(cadence, false, false);
    }
    let window = format!(
        "from {} to {} {zone}",
        clock(first_hour, first_minute),
        clock(last_hour, last_minute)
    );
    let phrase = if let [(_, _)] = runs(hours).as_slice() {
        format!("{cadence} {window}")
    } else if let (Some((_, step)), [_]) = (stepped(hours, 23), minutes) {
        format!("every {step} hours {window}")
    } else {
        let listed = runs_in_words(hours, |h| format!("{h:02}"));
        match minutes {
            [minute] => format!("at minute {minute} of hours {listed} {zone}"),
            _ => {
                let cadence = cadence.trim_end_matches(" of every hour");
                format!("{cadence} of hours {listed} {zone}")
            }
        }
    };
    times(phrase, true, false)
}

/// The start and step of values that go in equal steps of more than one up to the end of
/// their field (`*/15`, `5/10`): there are at least three, and the next would be past `max`.
fn stepped(values: &[u32], max: u32) -> Option<(u32, u32)> {
    let (&first, &second, &last) = (values.first()?, values.get(1)?, values.last()?);
    let step = second - first;
    let even = values
        .windows(2)
        .all(|w| matches!(w, [a, b] if b - a == step));
    (values.len() >= 3 && step > 1 && even && last + step > max).then_some((first, step))
}

/// Sorted values as runs of consecutive ones, each its first and last value.
fn runs(values: &[u32]) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &value in values {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == value => *last = value,
            _ => runs.push((value, value)),
        }
    }
    runs
}

/// Sorted values in words: a run of three or more as "first to last", the rest one by one.
fn runs_in_words(values: &[u32], name: impl Fn(u32) -> String) -> String {
    let mut items = Vec::new();
    for (first, last) in runs(values) {
        match last - first {
            0 => items.push(name(first)),
            1 => items.extend([name(first), name(last)]),
            _ => items.push(format!("{} to {}", name(first), name(last))),
        }
    }
    and_list(items)
}

/// "a", "a and b", "a, b and c".
fn and_list(mut items: Vec<String>) -> String {
    match items.pop() {
        Some(last) if items.is_empty() => last,
        Some(last) => format!("{} and {last}", items.join(", ")),
        None => String::new(),
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
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
    fn crons_in_words() {
        let cases = [
            // From the workflows in the corpus.
            ("0 0 * * *", "at 00:00 UTC, every day"),
            ("00 01 * * *", "at 01:00 UTC, every day"),
            ("50 1 * * *", "at 01:50 UTC, every day"),
            ("15 23 * * *", "at 23:15 UTC, every day"),
            ("26 14 * * 5", "at 14:26 UTC, on Friday"),
            ("21 1 * * 6", "at 01:21 UTC, on Saturday"),
            ("0 12 * * 1", "at 12:00 UTC, on Monday"),
            ("0 10 * * 2", "at 10:00 UTC, on Tuesday"),
            ("0 0 * * MON", "at 00:00 UTC, on Monday"),
            ("1 3 * * 3", "at 03:01 UTC, on Wednesday"),
            (
                "0 0 1,15 * *",
                "at 00:00 UTC, on days 1 and 15 of the month",
            ),
            // Times of day.
            ("30 2 * * 1", "at 02:30 UTC, on Monday"),
            ("0 9,17 * * *", "at 09:00 and 17:00 UTC, every day"),
            (
                "0,30 8-10 * * *",
                "at 08:00, 08:30, 09:00, 09:30, 10:00 and 10:30 UTC, every day",
            ),
            (
                "0 */6 * * *",
                "at 00:00, 06:00, 12:00 and 18:00 UTC, every day",
            ),
            ("0 */2 * * *", "every 2 hours from 00:00 to 22:00 UTC"),
            ("15 1/3 * * *", "every 3 hours from 01:15 to 22:15 UTC"),
            ("30 * * * *", "every hour at minute 30"),
            ("*/5 * * * *", "every 5 minutes"),
            ("* * * * *", "every minute"),
            (
                "*/15 9-17 * * MON-FRI",
                "every 15 minutes from 09:00 to 17:45 UTC, on Monday to Friday",
            ),
            ("0 9-17 * * *", "every hour from 09:00 to 17:00 UTC"),
            ("*/5 9 * * *", "every 5 minutes from 09:00 to 09:55 UTC"),
            // A step that does not divide the hour restarts at minute 0: no "every 7 minutes".
            (
                "*/7 * * * *",
                "at minutes 0, 7, 14, 21, 28, 35, 42, 49 and 56 of every hour",
            ),
            ("5/15 * * * *", "at minutes 5, 20, 35 and 50 of every hour"),
            ("0-10 * * * *", "at minutes 0 to 10 of every hour"),
            (
                "0,20,40 9-11 * * *",
                "every 20 minutes from 09:00 to 11:40 UTC",
            ),
            (
                "0,10,45 9-11 * * *",
                "at minutes 0, 10 and 45 of every hour from 09:00 to 11:45 UTC",
            ),
            (
                "0 1,3,5,7,9,11,13 * * *",
                "at minute 0 of hours 01, 03, 05, 07, 09, 11 and 13 UTC",
            ),
            (
                "0,30 1,3,7,9 * * *",
                "at minutes 0 and 30 of hours 01, 03, 07 and 09 UTC",
            ),
            // Days, months and weekdays.
            ("0 4 1 * *", "at 04:00 UTC, on day 1 of the month"),
            ("0 4 1-7 * *", "at 04:00 UTC, on days 1 to 7 of the month"),
            (
                "0 4 */2 * *",
                "at 04:00 UTC, on every 2nd day of the month from day 1",
            ),
            (
                "0 4 * * 1,3,5",
                "at 04:00 UTC, on Monday, Wednesday and Friday",
            ),
            ("0 4 * * 0,6", "at 04:00 UTC, on Sunday and Saturday"),
            ("0 4 * * tue-thu", "at 04:00 UTC, on Tuesday to Thursday"),
            ("0 4 * jan,jul *", "at 04:00 UTC, in January and July"),
            (
                "0 4 1 JAN-MAR *",
                "at 04:00 UTC, on day 1 of the month, in January to March",
            ),
            (
                "0 0 1 1 *",
                "at 00:00 UTC, on day 1 of the month, in January",
            ),
            ("*/10 * * * 1", "every 10 minutes, on Monday (UTC)"),
            ("0 * * 12 *", "every hour at minute 0, in December (UTC)"),
            // Both day fields restricted: either one matching runs the schedule.
            (
                "0 0 13 * 5",
                "at 00:00 UTC, on day 13 of the month or on Friday",
            ),
        ];
        for (expression, words) in cases {
            assert_eq!(
                cron_in_words(expression, None).as_deref(),
                Some(words),
                "{expression}"
            );
        }
    }

    #[test]
    fn crons_in_words_name_their_time_zone() {
        assert_eq!(
            cron_in_words("30 2 * * 1", Some("Europe/Paris")).as_deref(),
            Some("at 02:30 Europe/Paris, on Monday")
        );
        assert_eq!(
            cron_in_words("*/20 * 1 * *", Some("Asia/Tokyo")).as_deref(),
            Some("every 20 minutes, on day 1 of the month (Asia/Tokyo)")
        );
    }

    #[test]
    fn invalid_crons_have_no_words() {
        for expression in [
            "",
            "0 2 * *",
            "61 2 * * *",
            "0 5-2 * * *",
            "0 0 2 * * *",
            "0 0 * * 7",
        ] {
            assert_eq!(cron_in_words(expression, None), None, "{expression}");
        }
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
