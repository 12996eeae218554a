//! Business dates: `YYYY-MM-DD`, no time, no zone.

use std::fmt;
use std::str::FromStr;

/// A calendar date, as the rules use it (`2026-03-14`).
///
/// A thin wrapper so the date library stays an implementation detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(jiff::civil::Date);

/// A date string that is not a real `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a date like `2026-03-14`, but found `{found}`{why}")]
pub struct DateError {
    found: String,
    why: String,
}

impl Date {
    /// The earliest date there is.
    pub const MIN: Date = Date(jiff::civil::Date::MIN);

    /// The date `year-month-day`, or `None` when there is no such day.
    pub fn new(year: i16, month: i8, day: i8) -> Option<Date> {
        jiff::civil::Date::new(year, month, day).ok().map(Date)
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        // Both are valid civil dates (years -9999..=9999), so the span in days always fits.
        later
            .0
            .since(self.0)
            .map_or(0, |span| i64::from(span.get_days()))
    }

    /// The date `days` days later (earlier when negative), saturating at the calendar's ends.
    pub fn add_days(self, days: i64) -> Date {
        let span = jiff::Span::new().try_days(days).unwrap_or_default();
        Date(self.0.checked_add(span).unwrap_or(if days < 0 {
            jiff::civil::Date::MIN
        } else {
            jiff::civil::Date::MAX
        }))
    }

    /// The year.
    pub fn year(self) -> i16 {
        self.0.year()
    }

    /// The month, 1 to 12.
    pub fn month(self) -> i8 {
        self.0.month()
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> i8 {
        self.0.day()
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Date, DateError> {
        let err = |why: &str| DateError {
            found: s.chars().take(40).collect(),
            why: why.to_owned(),
        };
        // Exactly `YYYY-MM-DD`: the ISO 8601 parser would also take `20260314` and friends,
        // which no ERP export means as a business date.
        let b = s.as_bytes();
        let shaped = b.len() == 10
            && b.iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if !shaped {
            return Err(err(""));
        }
        let num =
            |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i16>().ok()).unwrap_or(0);
        let (y, m, d) = (num(0..4), num(5..7), num(8..10));
        let (Ok(m), Ok(d)) = (i8::try_from(m), i8::try_from(d)) else {
            return Err(err(""));
        };
        if !(1..=12).contains(&m) {
            return Err(err(": there is no such month"));
        }
        jiff::civil::Date::new(y, m, d)
            .map(Date)
            .map_err(|_| err(": there is no such day"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month(),
            self.0.day()
        )
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_dates_only() {
        assert_eq!(
            "2026-03-14"
                .parse::<Date>()
                .map(|d| d.to_string())
                .as_deref(),
            Ok("2026-03-14")
        );
        assert_eq!("2028-02-29".parse::<Date>().map(|d| d.day()), Ok(29));
        let e = "2026-02-30".parse::<Date>().unwrap_err().to_string();
        assert_eq!(
            e,
            "expected a date like `2026-03-14`, but found `2026-02-30`: there is no such day"
        );
        for bad in [
            "20260314",
            "2026-3-14",
            "2026-03-14T00:00",
            "",
            "2026-13-01",
            "abcd-ef-gh",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_days() {
        let a: Date = "2026-01-31".parse().unwrap();
        let b: Date = "2026-03-02".parse().unwrap();
        assert_eq!(a.days_until(b), 30);
        assert_eq!(b.days_until(a), -30);
        assert_eq!(a.add_days(30), b);
        assert_eq!(b.add_days(-30), a);
    }
}
