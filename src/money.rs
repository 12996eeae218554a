//! Exact money: `rust_decimal::Decimal` from text, never through a float.

use rust_decimal::Decimal;
use std::fmt;
use std::ops::Deref;

/// Parses a decimal written as `81.00`, `-3`, `1199.9999999999999999` or `1.5e3`.
///
/// Digits beyond what a `Decimal` holds exactly (28 significant digits) are an error, never
/// rounded away: a price that cannot be held exactly is not a price we can judge.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, String> {
    parse_exact(text).map_err(|e| e.to_string())
}

/// [`parse_decimal`], with a typed error.
pub(crate) fn parse_exact(text: &str) -> Result<Decimal, DecimalError> {
    match plain(text) {
        Some(d) => Ok(d),
        None => parse_general(text),
    }
}

/// A decimal spelled `digits` or `digits.digits` with at most 18 digits (as nearly every
/// price is: `892.72`), read in one pass; `None` for anything else, which the general path
/// reads. Its decimal is the general path's to the bit (mantissa and scale): a property test
/// holds them to it.
fn plain(text: &str) -> Option<Decimal> {
    let bytes = text.as_bytes();
    // 18 digits always fit in an `i64`; with the point, 19 bytes.
    if bytes.len() > 19 {
        return None;
    }
    let (mut mantissa, mut scale, mut point, mut digits) = (0i64, 0u32, false, 0usize);
    for &b in bytes {
        match b {
            // An 18th digit is the last an `i64` always holds.
            b'0'..=b'9' if digits < 18 => {
                mantissa = mantissa * 10 + i64::from(b - b'0');
                digits += 1;
                scale += u32::from(point);
            }
            // A point between digits, once.
            b'.' if !point && digits > 0 => point = true,
            _ => return None,
        }
    }
    if digits == 0 || (point && scale == 0) {
        return None;
    }
    Decimal::try_new(mantissa, scale).ok()
}

/// [`parse_exact`] for any spelling.
fn parse_general(text: &str) -> Result<Decimal, DecimalError> {
    let err = |why| DecimalError {
        found: text.chars().take(40).collect(),
        why,
    };
    let Some(shape) = Shape::of(text) else {
        return Err(err(DecimalWhy::NotANumber));
    };
    // 28 significant digits always fit; 29 fit below 2^96. Anything the decimal cannot
    // hold exactly is refused, never rounded.
    if shape.significant > 29 {
        return Err(err(DecimalWhy::TooManyDigits));
    }
    match shape.exponent {
        false => Decimal::from_str_exact(text).map_err(|_| err(DecimalWhy::TooManyDigits)),
        true => Decimal::from_scientific(text)
            .ok()
            .filter(|d| d.scale() <= 28)
            .ok_or_else(|| err(DecimalWhy::OutOfRange)),
    }
}

/// A text that is not a decimal a price can hold exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalError {
    found: String,
    why: DecimalWhy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DecimalWhy {
    NotANumber,
    TooManyDigits,
    OutOfRange,
}

impl DecimalError {
    /// The text found (at most 40 characters of it).
    pub fn found(&self) -> &str {
        &self.found
    }
}

impl fmt::Display for DecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = &self.found;
        match self.why {
            DecimalWhy::NotANumber => {
                write!(
                    f,
                    "expected a decimal number like `12.50`, but found `{shown}`"
                )
            }
            DecimalWhy::TooManyDigits => write!(
                f,
                "`{shown}` has more digits than can be held exactly (28 significant digits always fit)"
            ),
            DecimalWhy::OutOfRange => {
                write!(f, "`{shown}` is out of the range a price can hold exactly")
            }
        }
    }
}

impl std::error::Error for DecimalError {}

/// How many units of a part a line carries: a whole number, never 0, at most `u32::MAX`
/// either way. Below 0 it is a return: units coming back (only a sale's lines may carry
/// one; the reader refuses it elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Qty(i64);

impl Qty {
    /// The largest quantity either way.
    pub const MAX: i64 = u32::MAX as i64;

    /// `qty` as a quantity, or `None` for 0 and for more than [`Qty::MAX`] either way.
    pub const fn new(qty: i64) -> Option<Qty> {
        if qty == 0 || qty > Qty::MAX || qty < -Qty::MAX {
            None
        } else {
            Some(Qty(qty))
        }
    }

    /// The number.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// Whether the line is a return (units coming back).
    pub const fn is_return(self) -> bool {
        self.0 < 0
    }
}

impl Deref for Qty {
    type Target = i64;
    fn deref(&self) -> &i64 {
        &self.0
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq<i64> for Qty {
    fn eq(&self, other: &i64) -> bool {
        self.0 == *other
    }
}

impl PartialOrd<i64> for Qty {
    fn partial_cmp(&self, other: &i64) -> Option<std::cmp::Ordering> {
        self.0.partial_cmp(other)
    }
}

impl From<Qty> for i64 {
    fn from(q: Qty) -> i64 {
        q.0
    }
}

impl From<Qty> for Decimal {
    fn from(q: Qty) -> Decimal {
        Decimal::from(q.0)
    }
}

/// The price of one unit: an exact decimal, never negative.
///
/// `-0` is zero, so it is a price (and keeps its spelling, as the reader always has).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(Decimal);

impl Price {
    /// `price` as a price, or `None` when it is below zero.
    pub fn new(price: Decimal) -> Option<Price> {
        (!price.is_sign_negative() || price.is_zero()).then_some(Price(price))
    }

    /// The decimal.
    pub const fn get(self) -> Decimal {
        self.0
    }
}

impl Deref for Price {
    type Target = Decimal;
    fn deref(&self) -> &Decimal {
        &self.0
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq<Decimal> for Price {
    fn eq(&self, other: &Decimal) -> bool {
        self.0 == *other
    }
}

impl PartialOrd<Decimal> for Price {
    fn partial_cmp(&self, other: &Decimal) -> Option<std::cmp::Ordering> {
        self.0.partial_cmp(other)
    }
}

impl PartialEq<Price> for Decimal {
    fn eq(&self, other: &Price) -> bool {
        *self == other.0
    }
}

impl PartialOrd<Price> for Decimal {
    fn partial_cmp(&self, other: &Price) -> Option<std::cmp::Ordering> {
        self.partial_cmp(&other.0)
    }
}

impl From<Price> for Decimal {
    fn from(p: Price) -> Decimal {
        p.0
    }
}

/// What a well-formed decimal looks like: `-?digits(.digits)?([eE][+-]?digits)?`.
struct Shape {
    /// Digits of the mantissa, leading zeros left out.
    significant: usize,
    /// Whether it has an exponent.
    exponent: bool,
}

impl Shape {
    fn of(text: &str) -> Option<Shape> {
        let body = text.strip_prefix('-').unwrap_or(text);
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(i) => (body.get(..i)?, Some(body.get(i + 1..)?)),
            None => (body, None),
        };
        let (int, frac) = match mantissa.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (mantissa, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let ok = digits(int)
            && frac.is_none_or(digits)
            && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
        // The digits of `int` then `frac`, leading zeros left out (counted without joining
        // them: this runs for every amount read).
        let int_kept = int.trim_start_matches('0');
        let significant = if int_kept.is_empty() {
            frac.unwrap_or("").trim_start_matches('0').len()
        } else {
            int_kept.len() + frac.map_or(0, str::len)
        };
        ok.then_some(Shape {
            significant,
            exponent: exponent.is_some(),
        })
    }
}

/// `100 * part / whole`, rounded half-even to two places for display; `None` when `whole` is 0.
pub(crate) fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    part.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|p| p.checked_div(whole))
        .map(|p| {
            p.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven)
                .normalize()
        })
}

/// Checks that `text` is an ISO 4217-shaped currency code (three capital letters); what
/// records carry is checked against the list itself ([`crate::Currency`]).
pub(crate) fn is_currency_code(text: &str) -> bool {
    text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exactly() {
        let d = parse_decimal("1199.9999999999999999").unwrap();
        assert!(d < Decimal::from(1200));
        assert_eq!(d.to_string(), "1199.9999999999999999");
        assert_eq!(parse_decimal("81.00").unwrap().to_string(), "81.00");
        assert_eq!(parse_decimal("1.5e3").unwrap(), Decimal::from(1500));
        assert_eq!(parse_decimal("-3").unwrap(), Decimal::from(-3));
    }

    #[test]
    fn rejects_what_is_not_exact_or_not_a_number() {
        for bad in [
            "12,50", "", " 1", "1.", ".5", "+1", "abc", "1e", "NaN", "0x10",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad}");
        }
        let long = format!("1.{}", "1".repeat(40));
        assert!(parse_decimal(&long).unwrap_err().contains("more digits"));
    }

    #[test]
    fn leading_zeros_of_the_whole_part_and_the_fraction_do_not_count_as_digits() {
        let significant = |t: &str| Shape::of(t).map(|s| s.significant);
        assert_eq!(significant("000.00120"), Some(3));
        assert_eq!(significant("0012.0300"), Some(6));
        assert_eq!(significant("-0.5e3"), Some(1));
        assert_eq!(significant("0.000"), Some(0));
        assert_eq!(significant("120"), Some(3));
        let zeros = "0".repeat(40);
        assert!(parse_decimal(&format!("{zeros}1.{}", "1".repeat(29))).is_err());
        assert!(parse_decimal(&format!("{zeros}1.{}", "1".repeat(27))).is_ok());
    }

    /// The fast path for plain spellings reads every text as the general path does: the
    /// same decimal to the bit (mantissa, scale and sign), or the same refusal.
    #[test]
    fn plain_spellings_read_as_the_general_path_reads_them() {
        use proptest::prelude::*;
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = prop_oneof![
            4 => "[0-9]{1,12}(\\.[0-9]{1,8})?",
            2 => "0{0,4}[0-9]{0,20}(\\.[0-9]{0,21})?",
            1 => "[-+]?[0-9.eE]{0,22}",
            1 => "[0-9]{17,19}|[0-9]{1,19}\\.[0-9]{0,19}",
        ];
        let (mut plain_read, cases) = (0, 5000);
        for _ in 0..cases {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            let general = parse_general(&text);
            if let Some(fast) = plain(&text) {
                plain_read += 1;
                let general = general.unwrap_or_else(|e| panic!("{text}: {e}"));
                assert_eq!(fast.serialize(), general.serialize(), "{text}");
            }
            assert_eq!(
                parse_exact(&text).map(|d| d.serialize()),
                parse_general(&text).map(|d| d.serialize()),
                "{text}"
            );
        }
        assert!(plain_read > cases / 2, "{plain_read}");
        for text in [
            "0",
            "0.0",
            "00.10",
            "892.72",
            "999999999999999999",
            "0.00000000000000001",
        ] {
            assert!(plain(text).is_some(), "{text}");
        }
        for text in [
            "",
            ".",
            "1.",
            ".5",
            "-1",
            "1e2",
            "1.2.3",
            "1234567890123456789",
        ] {
            assert!(plain(text).is_none(), "{text}");
        }
    }

    #[test]
    fn percent_rounds_half_even() {
        assert_eq!(
            percent(Decimal::from(9), Decimal::from(90)),
            Some(Decimal::from(10))
        );
        assert_eq!(percent(Decimal::ONE, Decimal::ZERO), None);
    }
}
