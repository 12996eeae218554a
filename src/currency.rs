//! Currencies: ISO 4217 codes, checked against the standard's own list.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::str::FromStr;

/// An ISO 4217 currency, such as `USD`.
///
/// Only codes in the standard's list are currencies: `usd` (not capitals) and `ZZZ` (not
/// in the list) are refused. The list comes from the `iso_currency` crate, which follows the
/// standard's maintenance agency; that crate stays an implementation detail. At most two
/// bytes, `Copy`; it reads as its code (`Deref<Target = str>`, `Display`, `== "USD"`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Currency(iso_currency::Currency);

/// A text that is not an ISO 4217 currency code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CurrencyError {
    /// Not three capital letters (`usd`, `US`, `US$`).
    NotACode {
        /// The text found (at most 40 characters of it).
        found: String,
    },
    /// Three capital letters, but not a code in ISO 4217 (`ZZZ`).
    Unknown {
        /// The code found.
        found: String,
    },
}

impl fmt::Display for CurrencyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CurrencyError::NotACode { found } => write!(
                f,
                "expected a three-letter ISO 4217 code like `USD`, but found `{found}`"
            ),
            CurrencyError::Unknown { found } => {
                write!(f, "`{found}` is not an ISO 4217 currency code")
            }
        }
    }
}

impl std::error::Error for CurrencyError {}

thread_local! {
    /// The code [`Currency::new`] found last on this thread, and its currency.
    static LAST: std::cell::Cell<Option<([u8; 3], Currency)>> = const { std::cell::Cell::new(None) };
}

impl Currency {
    /// The US dollar, the default report currency.
    pub const USD: Currency = Currency(iso_currency::Currency::USD);

    /// The currency with code `code` (three capital letters, as in ISO 4217).
    pub fn new(code: &str) -> Result<Currency, CurrencyError> {
        if !(code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(CurrencyError::NotACode {
                found: code.chars().take(40).collect(),
            });
        }
        // The list is searched one code at a time: remember the last code each thread
        // found, as a batch's amounts are mostly in a few currencies.
        let key = code.as_bytes();
        if let Some((last, currency)) = LAST.get() {
            if last == key {
                return Ok(currency);
            }
        }
        let currency = iso_currency::Currency::from_code(code)
            .map(Currency)
            .ok_or_else(|| CurrencyError::Unknown {
                found: code.to_owned(),
            })?;
        if let Ok(bytes) = <[u8; 3]>::try_from(key) {
            LAST.set(Some((bytes, currency)));
        }
        Ok(currency)
    }

    /// The three-letter code, such as `USD`.
    pub fn as_str(&self) -> &'static str {
        self.0.code()
    }

    /// How many digits the currency has after the decimal point (2 for `USD`, 0 for `JPY`),
    /// or `None` for the codes ISO 4217 gives none (gold `XAU`, "no currency" `XXX`).
    pub fn minor_units(&self) -> Option<u8> {
        self.0.exponent().and_then(|e| u8::try_from(e).ok())
    }
}

impl FromStr for Currency {
    type Err = CurrencyError;
    fn from_str(s: &str) -> Result<Currency, CurrencyError> {
        Currency::new(s)
    }
}

impl Deref for Currency {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Currency {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({:?})", self.as_str())
    }
}

// Hashed and ordered as its code, like the string it replaces.
impl Hash for Currency {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Currency) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Currency {
    fn cmp(&self, other: &Currency) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Currency {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Currency {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Currency {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Currency> for str {
    fn eq(&self, other: &Currency) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Currency> for &str {
    fn eq(&self, other: &Currency) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Currency> for String {
    fn eq(&self, other: &Currency) -> bool {
        self == other.as_str()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_iso_codes_are_currencies() {
        let usd = Currency::new("USD").unwrap();
        assert_eq!(usd.as_str(), "USD");
        assert_eq!(usd, "USD");
        assert_eq!(usd.minor_units(), Some(2));
        assert_eq!(Currency::new("JPY").unwrap().minor_units(), Some(0));
        assert_eq!(
            Currency::new("ZZZ").unwrap_err().to_string(),
            "`ZZZ` is not an ISO 4217 currency code"
        );
        assert_eq!(
            Currency::new("usd").unwrap_err().to_string(),
            "expected a three-letter ISO 4217 code like `USD`, but found `usd`"
        );
        assert!(std::mem::size_of::<Currency>() <= 2);
    }

    #[test]
    fn a_code_after_another_is_its_own_currency() {
        for code in ["USD", "EUR", "USD", "USD", "JPY", "EUR"] {
            assert_eq!(Currency::new(code).unwrap().as_str(), code);
        }
        assert!(Currency::new("USD").is_ok());
        assert!(Currency::new("ZZZ").is_err());
        assert!(Currency::new("ZZZ").is_err());
        assert_eq!(Currency::new("CHF").unwrap().minor_units(), Some(2));
    }
}
