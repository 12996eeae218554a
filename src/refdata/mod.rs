//! Reference data: the OEM's price list, catalog, approved sources, partners, installed
//! base, special pricing agreements and exchange rates, as a folder of CSV files the way
//! ERP systems export them.
//!
//! This file holds the types and the lookups the rules make; reading the CSV files (and
//! every diagnostic about them) is in `load.rs`, so a reader of the rules' data
//! model need not wade through parsing.

mod load;

use crate::currency::Currency;
use crate::date::Date;
use crate::diag::did_you_mean;
use rust_decimal::Decimal;
use std::fmt;

/// The maps reference data is looked up in on every record line (see `crate::hash`).
type Index<V> = crate::hash::FastMap<String, V>;

/// The four kinds of channel partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerType {
    /// Buys, stocks and resells; may service.
    Distributor,
    /// Sells and services in a territory.
    Dealer,
    /// Builds the OEM's products into larger systems.
    SystemsIntegrator,
    /// Sells on commission; never holds stock.
    SalesAgent,
}

impl PartnerType {
    /// Every partner type, in the order reports list them.
    pub const ALL: [PartnerType; 4] = [
        PartnerType::Distributor,
        PartnerType::Dealer,
        PartnerType::SystemsIntegrator,
        PartnerType::SalesAgent,
    ];

    /// The name used in CSV and rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerType::Distributor => "distributor",
            PartnerType::Dealer => "dealer",
            PartnerType::SystemsIntegrator => "systems_integrator",
            PartnerType::SalesAgent => "sales_agent",
        }
    }

    /// The type named `name`, with a hint when it is a near miss.
    pub fn parse(name: &str) -> Result<PartnerType, (String, Option<String>)> {
        PartnerType::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = PartnerType::ALL.iter().map(|t| t.as_str()).collect();
                (
                    format!("expected one of {}, but found `{name}`", ticked(&known)),
                    did_you_mean(name, known.iter().copied()),
                )
            })
    }
}

impl fmt::Display for PartnerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

pub(crate) fn ticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row of `partners.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    /// The partner's id, as records name it.
    pub id: String,
    /// What kind of partner it is.
    pub partner_type: PartnerType,
    /// The territory assigned to it.
    pub region: String,
    /// `active`, or anything else (`suspended`, `terminated`, ...).
    pub status: String,
    /// When its contract was signed; `None` when never.
    pub contract_signed: Option<Date>,
    /// When its NDA runs out; `None` when it has none.
    pub nda_expires: Option<Date>,
    /// The last day its staff's certification holds; `None` when never certified.
    pub certified_until: Option<Date>,
    /// The day its current `status` took effect; `None` when not on file (the status is
    /// then taken to hold for every record).
    pub status_since: Option<Date>,
    /// The jurisdiction whose resale-price law applies to it (`EU`, `US`, `US-CA`);
    /// `None` when not on file.
    pub jurisdiction: Option<String>,
}

impl Partner {
    /// Its status on `date`: before `status_since` it was `active` (the current status took
    /// effect that day); on or after it, and always when `status_since` is not on file, the
    /// current status.
    pub fn status_on(&self, date: Date) -> &str {
        match self.status_since {
            Some(since) if date < since => "active",
            _ => &self.status,
        }
    }
}

/// Whether a row in force from `from` through `to` (open-ended when `None`, both ends
/// inclusive) is in force on `date`.
fn in_force(from: Date, to: Option<Date>, date: Date) -> bool {
    from <= date && to.is_none_or(|to| date <= to)
}

/// The range `from..to`, as `2026-01-01..2026-06-30` or `2026-07-01..` when open.
fn shown_range(from: Date, to: Option<Date>) -> String {
    match to {
        Some(to) => format!("{from}..{to}"),
        None => format!("{from}.."),
    }
}

/// A row of `price_list.csv`: one list price for one sku, currency and date range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRow {
    /// The part number.
    pub sku: String,
    /// The list price of one unit.
    pub list_price: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// First day the price is in force.
    pub effective_from: Date,
    /// Last day the price is in force; `None` when open-ended.
    pub effective_to: Option<Date>,
    /// The row's line in `price_list.csv`, so a finding can point at it.
    pub line: usize,
}

impl PriceRow {
    /// Whether the price is in force on `date` (both ends inclusive).
    pub fn covers(&self, date: Date) -> bool {
        in_force(self.effective_from, self.effective_to, date)
    }

    /// The effective range, as `2026-01-01..2026-06-30` or `2026-07-01..` when open.
    pub fn range(&self) -> String {
        shown_range(self.effective_from, self.effective_to)
    }
}

/// A row of `special_prices.csv`: a special pricing agreement (SPA) authorising `partner`
/// to resell `sku` to `customer` at `price`, below list, between two dates. One agreement
/// may have several rows (several skus or customers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialPrice {
    /// The agreement's id, as sales and claims name it.
    pub agreement: String,
    /// The partner it is issued to.
    pub partner: String,
    /// The end customer it is for.
    pub customer: String,
    /// The part number.
    pub sku: String,
    /// The authorised resale price of one unit (0 or more).
    pub price: Decimal,
    /// The currency of `price`.
    pub currency: Currency,
    /// First day a resale under it may be dated.
    pub valid_from: Date,
    /// Last day a resale under it may be dated.
    pub valid_to: Date,
    /// The most units that may be claimed under it; `None` for no cap.
    pub max_qty: Option<u64>,
    /// How many days after the resale a claim must arrive; `None` for no deadline.
    pub claim_days: Option<u32>,
    /// The row's line in `special_prices.csv`, so a finding can point at it.
    pub line: usize,
}

impl SpecialPrice {
    /// Whether a resale dated `date` is inside the agreement's dates (both inclusive).
    pub fn covers(&self, date: Date) -> bool {
        self.valid_from <= date && date <= self.valid_to
    }

    /// The agreement's dates, as `2026-01-01..2026-06-30`.
    pub fn range(&self) -> String {
        format!("{}..{}", self.valid_from, self.valid_to)
    }
}

/// A row of `fx_rates.csv`: how many units of the pack's report currency one unit of
/// `currency` is worth between two dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxRate {
    /// The currency converted from.
    pub currency: Currency,
    /// Units of the report currency per unit of `currency` (more than 0, exact).
    pub rate: Decimal,
    /// First day the rate is in force.
    pub effective_from: Date,
    /// Last day the rate is in force; `None` when open-ended.
    pub effective_to: Option<Date>,
    /// The row's line in `fx_rates.csv`.
    pub line: usize,
}

impl FxRate {
    /// Whether the rate is in force on `date` (both ends inclusive).
    pub fn covers(&self, date: Date) -> bool {
        in_force(self.effective_from, self.effective_to, date)
    }

    /// The effective range, as `2026-01-01..2026-06-30` or `2026-07-01..` when open.
    pub fn range(&self) -> String {
        shown_range(self.effective_from, self.effective_to)
    }
}

/// A row of `catalog.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogItem {
    /// The part number.
    pub sku: String,
    /// Whether it is a genuine OEM part.
    pub genuine: bool,
    /// What it is.
    pub description: String,
}

/// A row of `installed_base.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledBase {
    /// The partner that services the assets.
    pub partner: String,
    /// Where they are installed.
    pub region: String,
    /// How many.
    pub assets: u64,
}

/// A partner in a set keyed by its id: hashed, compared and looked up (`Borrow<str>`) by
/// `id` alone.
#[derive(Debug, Clone)]
pub(crate) struct ById(pub(crate) Partner);

impl PartialEq for ById {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for ById {}

impl std::hash::Hash for ById {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.id.as_str().hash(state);
    }
}

impl std::borrow::Borrow<str> for ById {
    fn borrow(&self) -> &str {
        &self.0.id
    }
}

/// All reference data, indexed for the lookups the rules make.
#[derive(Debug, Clone, Default)]
pub struct RefData {
    /// Per sku, its price rows sorted by currency then `effective_from`.
    prices: Index<Vec<PriceRow>>,
    catalog: Index<CatalogItem>,
    sources: Index<String>,
    /// Keyed by their id, which is not kept twice: a million partners cost what their rows
    /// do.
    partners: std::collections::HashSet<ById, ahash::RandomState>,
    installed_base: Vec<InstalledBase>,
    /// Per agreement id, its rows in file order.
    agreements: Index<Vec<SpecialPrice>>,
    /// Every partner some row of `agreements` names (or named, before a merge replaced it).
    holders: std::collections::HashSet<String, ahash::RandomState>,
    /// Per currency code, its rates sorted by `effective_from` (never overlapping).
    fx: Index<Vec<FxRate>>,
    /// SHA-256 over the CSV files it was loaded from (see [`RefData::hash`]).
    hash: Option<String>,
}

impl RefData {
    /// The SHA-256 of the CSV files it was loaded from (names and bytes, in name order, as
    /// `sha256:<hex>`); `None` for data built in code or with rows merged in.
    pub fn hash(&self) -> Option<&str> {
        self.hash.as_deref()
    }

    /// An empty set of reference data, to fill in code with the `add_*` methods.
    pub fn new() -> RefData {
        RefData::default()
    }

    /// Adds a price row (keeping the index sorted).
    pub fn add_price(&mut self, row: PriceRow) {
        let rows = self.prices.entry(row.sku.clone()).or_default();
        rows.push(row);
        rows.sort_by(|a, b| (&a.currency, a.effective_from).cmp(&(&b.currency, b.effective_from)));
    }

    /// Adds a catalog item.
    pub fn add_catalog_item(&mut self, item: CatalogItem) {
        self.catalog.insert(item.sku.clone(), item);
    }

    /// Adds an approved source.
    pub fn add_source(&mut self, source: &str, name: &str) {
        self.sources.insert(source.to_owned(), name.to_owned());
    }

    /// Adds a partner.
    pub fn add_partner(&mut self, partner: Partner) {
        self.partners.replace(ById(partner));
    }

    /// Adds an installed-base row.
    pub fn add_installed_base(&mut self, row: InstalledBase) {
        self.installed_base.push(row);
    }

    /// Adds a special price row.
    pub fn add_special_price(&mut self, row: SpecialPrice) {
        self.holders.insert(row.partner.clone());
        self.agreements
            .entry(row.agreement.clone())
            .or_default()
            .push(row);
    }

    /// Adds an exchange rate (keeping the index sorted).
    pub fn add_fx_rate(&mut self, row: FxRate) {
        let rows = self.fx.entry(row.currency.as_str().to_owned()).or_default();
        rows.push(row);
        rows.sort_by_key(|r| r.effective_from);
    }

    /// The list price of `sku` in `currency` in force on `date`.
    ///
    /// A binary search over the sku's rows: rows of one currency never overlap (loading
    /// rejects overlaps), so at most one row covers a date.
    pub fn list_price(&self, sku: &str, currency: &str, date: Date) -> Option<&PriceRow> {
        let rows = self.prices.get(sku)?;
        let start = rows.partition_point(|r| r.currency.as_str() < currency);
        let rows = rows.get(start..)?;
        let end = rows.partition_point(|r| r.currency == currency);
        let rows = rows.get(..end)?;
        let after = rows.partition_point(|r| r.effective_from <= date);
        rows.get(after.checked_sub(1)?).filter(|r| r.covers(date))
    }

    /// Every price row of `sku`, sorted by currency then date.
    pub fn prices_of(&self, sku: &str) -> &[PriceRow] {
        self.prices.get(sku).map_or(&[], Vec::as_slice)
    }

    /// The catalog row of `sku`.
    pub fn catalog_item(&self, sku: &str) -> Option<&CatalogItem> {
        self.catalog.get(sku)
    }

    /// Whether `source` is an approved source (the OEM or an authorised distributor).
    pub fn is_approved_source(&self, source: &str) -> bool {
        self.sources.contains_key(source)
    }

    /// The partner with id `id`.
    pub fn partner(&self, id: &str) -> Option<&Partner> {
        self.partners.get(id).map(|p| &p.0)
    }

    /// Every partner, in id order.
    pub fn partners(&self) -> Vec<&Partner> {
        let mut all: Vec<&Partner> = self.partners.iter().map(|p| &p.0).collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// The installed base rows.
    pub fn installed_base(&self) -> &[InstalledBase] {
        &self.installed_base
    }

    /// Every row of the special pricing agreement `agreement` (any partner, customer or
    /// sku), in file order; empty when no agreement has that id.
    pub fn agreement_rows(&self, agreement: &str) -> &[SpecialPrice] {
        self.agreements.get(agreement).map_or(&[], Vec::as_slice)
    }

    /// Whether some special pricing agreement is issued to `partner`: a hash lookup, for
    /// the rules that keep more of such a partner's sales.
    pub fn holds_agreement(&self, partner: &str) -> bool {
        self.holders.contains(partner)
    }

    /// The row of agreement `agreement` that authorises `partner` to resell `sku` to
    /// `customer` in `currency`, in force on `date`; `None` when no row does (the agreement
    /// is unknown, issued to another partner or customer, without that sku or currency, or
    /// out of its dates: [`RefData::agreement_rows`] tells which).
    pub fn special_price(
        &self,
        agreement: &str,
        partner: &str,
        customer: &str,
        sku: &str,
        currency: &str,
        date: Date,
    ) -> Option<&SpecialPrice> {
        self.agreement_rows(agreement).iter().find(|r| {
            r.partner == partner
                && r.customer == customer
                && r.sku == sku
                && r.currency == currency
                && r.covers(date)
        })
    }

    /// The rate converting `currency` into the report currency on `date`: units of the
    /// report currency per unit of `currency`, from `fx_rates.csv`. The report currency
    /// itself needs no row: see [`RefData::to_report`].
    ///
    /// A binary search: one currency's rates never overlap (loading rejects overlaps).
    pub fn fx_rate(&self, currency: &str, date: Date) -> Option<Decimal> {
        let rows = self.fx.get(currency)?;
        let after = rows.partition_point(|r| r.effective_from <= date);
        rows.get(after.checked_sub(1)?)
            .filter(|r| r.covers(date))
            .map(|r| r.rate)
    }

    /// `amount` of `currency` in `report_currency` on `date`: itself when the two are the
    /// same, else times the rate of [`RefData::fx_rate`], exact (no rounding). `None` when
    /// there is no rate for the day or the product does not fit a decimal: an amount that
    /// cannot be converted is never counted as 0.
    pub fn to_report(
        &self,
        amount: Decimal,
        currency: &str,
        report_currency: &str,
        date: Date,
    ) -> Option<Decimal> {
        if currency == report_currency {
            return Some(amount);
        }
        amount.checked_mul(self.fx_rate(currency, date)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn price(currency: &str, price: &str, from: &str, to: Option<&str>) -> PriceRow {
        PriceRow {
            sku: "A".into(),
            list_price: price.parse().unwrap(),
            currency: currency.into(),
            effective_from: d(from),
            effective_to: to.map(d),
            line: 0,
        }
    }

    #[test]
    fn finds_the_price_in_force_inclusive_at_both_ends() {
        let mut data = RefData::new();
        data.add_price(price("USD", "90.00", "2026-01-01", Some("2026-06-30")));
        data.add_price(price("USD", "95.00", "2026-07-01", None));
        data.add_price(price("EUR", "80.00", "2026-01-01", None));
        let at = |c: &str, day: &str| {
            data.list_price("A", c, d(day))
                .map(|r| r.list_price.to_string())
        };
        assert_eq!(at("USD", "2026-06-30").as_deref(), Some("90.00"));
        assert_eq!(at("USD", "2026-07-01").as_deref(), Some("95.00"));
        assert_eq!(at("USD", "2030-01-01").as_deref(), Some("95.00"));
        assert_eq!(at("USD", "2025-12-31"), None);
        assert_eq!(at("EUR", "2026-03-01").as_deref(), Some("80.00"));
        assert_eq!(at("GBP", "2026-03-01"), None);
        assert_eq!(data.list_price("B", "USD", d("2026-03-01")), None);
    }
}
