//! Exact money: `rust_decimal::Decimal` from text, never through a float.

use rust_decimal::Decimal;

/// Parses a decimal written as `81.00`, `-3`, `1199.9999999999999999` or `1.5e3`.
///
/// Digits beyond what a `Decimal` holds exactly (28 significant digits) are an error, never
/// rounded away: a price that cannot be held exactly is not a price we can judge.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let shown: String = text.chars().take(40).collect();
    let bad = || format!("expected a decimal number like `12.50`, but found `{shown}`");
    let t = text.trim();
    if t.is_empty() || t != text {
        return Err(bad());
    }
    let plain = t
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+');
    if plain {
        if t.starts_with('+') || t.starts_with('.') || t.ends_with('.') {
            return Err(bad());
        }
        return Decimal::from_str_exact(t).map_err(|e| match e {
            rust_decimal::Error::Underflow | rust_decimal::Error::ExceedsMaximumPossibleValue => {
                format!("`{shown}` has more digits than can be held exactly (28 at most)")
            }
            _ => bad(),
        });
    }
    if t.bytes().any(|b| b == b'e' || b == b'E')
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b".-+eE".contains(&b))
    {
        return Decimal::from_scientific(t)
            .ok()
            .filter(|d| d.to_string().len() <= 40)
            .ok_or_else(|| format!("`{shown}` is out of the range a price can hold exactly"));
    }
    Err(bad())
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
