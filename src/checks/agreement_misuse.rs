//! `agreement-misuse`: a sale naming a special pricing agreement of `special_prices.csv`
//! was issued that agreement: the agreement has a row for the sale's partner and customer.
//! An agreement merely out of its dates is not misuse (`min-list-price` then judges the
//! sale against list), and an agreement not in `special_prices.csv` is `agreement-on-file`'s
//! business.

use super::{At, CheckKind, Ctx, Env, ExplainCx, RuleRef, Step, step};
use crate::outcome::Verdict;
use crate::pack::FileLoader;
use crate::record::Record;
use crate::refdata::RefData;
use serde::Deserialize;

/// The `agreement-misuse` check; it takes no parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AgreementMisuse;

/// `[rule.params]` as written: none.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {}

/// What the agreement a sale names says about the sale.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    /// The sale names no agreement of `special_prices.csv`.
    NotSpecial,
    /// The agreement has a row for the sale's partner and customer.
    Issued,
    /// The agreement is issued only to other partners (listed, sorted).
    OtherPartner(Vec<String>),
    /// The agreement is the partner's, but for other customers only (listed, sorted).
    OtherCustomer(Vec<String>),
}

impl AgreementMisuse {
    /// The one decision.
    fn decide(record: &Record, data: &RefData) -> Decision {
        let Some(agreement) = record.agreement.as_deref() else {
            return Decision::NotSpecial;
        };
        let rows = data.agreement_rows(agreement);
        if rows.is_empty() {
            return Decision::NotSpecial;
        }
        let customer = record.customer.as_deref();
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| r.partner == record.partner.as_str())
            .collect();
        if mine.is_empty() {
            let mut owners: Vec<String> = rows.iter().map(|r| r.partner.clone()).collect();
            owners.sort();
            owners.dedup();
            return Decision::OtherPartner(owners);
        }
        if mine.iter().any(|r| Some(r.customer.as_str()) == customer) {
            return Decision::Issued;
        }
        let mut customers: Vec<String> = mine.iter().map(|r| r.customer.clone()).collect();
        customers.sort();
        customers.dedup();
        Decision::OtherCustomer(customers)
    }
}

impl CheckKind for AgreementMisuse {
    type Params = Params;
    type State = ();
    const STATELESS: bool = true;

    fn load(_: Params, _: &mut FileLoader<'_>) -> Option<Self> {
        Some(AgreementMisuse)
    }

    fn judge(&self, at: &RuleRef<'_>, ctx: &Ctx<'_>, env: &mut Env<'_>, out: &mut Verdict) {
        let record = ctx.record;
        match Self::decide(record, env.data) {
            Decision::NotSpecial | Decision::Issued => {}
            d => out
                .findings
                .push(misuse(&At::record(at, record, None), record, &d)),
        }
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let rec = cx.ctx.record;
        let agreement = rec.agreement.as_deref().unwrap_or("-");
        let customer = rec.customer.as_deref().unwrap_or("no customer given");
        let text = match Self::decide(rec, cx.data) {
            Decision::NotSpecial => {
                format!("names no agreement of special_prices.csv (agreement: {agreement}); passes")
            }
            Decision::Issued => format!(
                "agreement {agreement} has a row for {} and customer {customer}: issued to this partner, passes",
                rec.partner
            ),
            d => format!("{}; a finding", words(rec, &d)),
        };
        vec![step(
            "agreement",
            text,
            &[
                ("agreement", agreement.to_owned()),
                ("partner", rec.partner.to_string()),
                ("customer", customer.to_owned()),
            ],
        )]
    }
}

/// The finding's sentence.
fn words(record: &Record, d: &Decision) -> String {
    let agreement = record.agreement.as_deref().unwrap_or("-");
    match d {
        Decision::OtherPartner(owners) => format!(
            "names special pricing agreement {agreement}, which is issued to {}, not to {}",
            owners.join(", "),
            record.partner
        ),
        Decision::OtherCustomer(customers) => format!(
            "names special pricing agreement {agreement}, which {} holds for customer {} only, not for {}",
            record.partner,
            customers.join(", "),
            record
                .customer
                .as_deref()
                .unwrap_or("a sale with no customer")
        ),
        Decision::NotSpecial | Decision::Issued => String::new(),
    }
}

#[cold]
fn misuse(at: &At<'_>, record: &Record, d: &Decision) -> crate::finding::Finding {
    let expected = match d {
        Decision::OtherPartner(owners) => format!("a sale by {}", owners.join(" or ")),
        Decision::OtherCustomer(customers) => format!("a sale to {}", customers.join(" or ")),
        Decision::NotSpecial | Decision::Issued => String::new(),
    };
    let actual = format!(
        "a sale by {} to {}",
        record.partner,
        record.customer.as_deref().unwrap_or("no customer")
    );
    at.finding(words(record, d), expected, actual)
}
