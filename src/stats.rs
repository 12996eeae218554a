//! Robust statistics for peer groups, in exact decimals: median, median absolute deviation
//! and the modified z-score `0.6745 (x - median) / MAD` (Iglewicz and Hoaglin).
//!
//! Division is `rust_decimal`'s: 28 significant digits, the last rounded half-even. Nothing
//! here divides by zero: a MAD of 0 gives no score at all.

use rust_decimal::Decimal;

/// The constant that makes the MAD of a normal sample estimate its standard deviation:
/// 0.6745 is the 75th percentile of the standard normal distribution.
pub(crate) const Z_FACTOR: Decimal = Decimal::from_parts(6745, 0, 0, false, 4);

/// The median of `values` (sorted or not); the mean of the two middle values for an even
/// count; `None` when empty.
pub(crate) fn median(values: &[Decimal]) -> Option<Decimal> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let upper = sorted.get(n / 2).copied()?;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = sorted.get(n / 2 - 1).copied()?;
    lower.checked_add(upper)?.checked_div(Decimal::TWO)
}

/// The median absolute deviation of `values` from `centre`.
pub(crate) fn mad(values: &[Decimal], centre: Decimal) -> Option<Decimal> {
    let deviations: Option<Vec<Decimal>> = values
        .iter()
        .map(|x| x.checked_sub(centre).map(|d| d.abs()))
        .collect();
    median(&deviations?)
}

/// The modified z-score of `x`; `None` when `mad` is 0 (the group has no spread to measure
/// against) or the arithmetic would overflow.
pub(crate) fn modified_z(x: Decimal, centre: Decimal, mad: Decimal) -> Option<Decimal> {
    if mad.is_zero() {
        return None;
    }
    Z_FACTOR
        .checked_mul(x.checked_sub(centre)?)?
        .checked_div(mad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn ds(values: &[&str]) -> Vec<Decimal> {
        values.iter().map(|v| d(v)).collect()
    }

    #[test]
    fn median_of_odd_and_even_groups() {
        assert_eq!(median(&ds(&["3", "1", "2"])), Some(d("2")));
        // Even: the mean of the two middle values, 2 and 3.
        assert_eq!(median(&ds(&["4", "1", "3", "2"])), Some(d("2.5")));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn scores_worked_by_hand() {
        // Six partners: 40, 45, 50, 53, 60, 212.50 (the undercutting integrator).
        let x = ds(&["40", "45", "50", "53", "60", "212.50"]);
        // Median: (50 + 53) / 2 = 51.5.
        let m = median(&x).unwrap();
        assert_eq!(m, d("51.5"));
        // Deviations: 11.5, 6.5, 1.5, 1.5, 8.5, 161; sorted 1.5, 1.5, 6.5, 8.5, 11.5, 161;
        // MAD = (6.5 + 8.5) / 2 = 7.5.
        let spread = mad(&x, m).unwrap();
        assert_eq!(spread, d("7.5"));
        // z(212.50) = 0.6745 x 161 / 7.5 = 108.5945 / 7.5 = 14.4792666...
        let z = modified_z(d("212.50"), m, spread).unwrap();
        assert_eq!(z.round_dp(4), d("14.4793"));
        // z(60) = 0.6745 x 8.5 / 7.5 = 0.7644333...: not an outlier.
        assert_eq!(
            modified_z(d("60"), m, spread).unwrap().round_dp(4),
            d("0.7644")
        );
        // z(40) is negative: below the median.
        assert!(modified_z(d("40"), m, spread).unwrap() < Decimal::ZERO);
    }

    #[test]
    fn no_spread_gives_no_score() {
        let x = ds(&["10", "10", "10", "10", "99"]);
        let m = median(&x).unwrap();
        let spread = mad(&x, m).unwrap();
        assert_eq!(spread, Decimal::ZERO);
        assert_eq!(modified_z(d("99"), m, spread), None);
    }

    #[test]
    fn the_factor_is_exact() {
        assert_eq!(Z_FACTOR, d("0.6745"));
    }
}
