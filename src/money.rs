//! Exact money: `rust_decimal::Decimal` from text, never through a float.

use rust_decimal::Decimal;

/// Parses a decimal written as `81.00`, `-3`, `1199.9999999999999999` or `1.5e3`.
///
/// Digits beyond what a `Decimal` holds exactly (28 significant digits) are an error, never
/// rounded away: a price that cannot be held exactly is not a price we can judge.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let shown: String = text.chars().take(40).collect();
    let bad = || format!("expected a decimal number like `12.50`, but found `{shown}`");
    let Some(shape) = Shape::of(text) else {
        return Err(bad());
    };
    // 28 significant digits always fit; 29 fit below 2^96. Anything the decimal cannot
    // hold exactly is refused, never rounded.
    let too_many = || {
        format!(
            "`{shown}` has more digits than can be held exactly (28 significant digits always fit)"
        )
    };
    if shape.significant > 29 {
        return Err(too_many());
    }
    match shape.exponent {
        false => Decimal::from_str_exact(text).map_err(|_| too_many()),
        true => Decimal::from_scientific(text)
            .ok()
            .filter(|d| d.scale() <= 28)
            .ok_or_else(|| format!("`{shown}` is out of the range a price can hold exactly")),
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
        let significant = format!("{int}{}", frac.unwrap_or(""))
            .trim_start_matches('0')
            .len();
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

/// Checks that `text` is an ISO 4217-shaped currency code (three capital letters).
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
    fn percent_rounds_half_even() {
        assert_eq!(
            percent(Decimal::from(9), Decimal::from(90)),
            Some(Decimal::from(10))
        );
        assert_eq!(percent(Decimal::ONE, Decimal::ZERO), None);
    }
}
