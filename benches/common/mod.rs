//! What the single-record benches share: the sale they check.

use pactum::Record;

/// A sale of three lines by a clean dealer, the first line at `price` (list price 90.00).
pub fn sale(price: &str) -> Record {
    let json = serde_json::json!({
        "id": "S-1", "kind": "sale", "date": "2026-03-14", "partner": "P-DE-04",
        "lines": [
            {"sku": "SEAL-200", "qty": 4, "unit_price": price, "currency": "USD", "source": "oem"},
            {"sku": "FILTER-5", "qty": 10, "unit_price": "25.00", "currency": "USD", "source": "oem"},
            {"sku": "PUMP-10", "qty": 1, "unit_price": "1200.00", "currency": "USD", "source": "oem"}
        ],
        "documents": [{"kind": "purchase_order", "ref": "PO-1"}]
    });
    Record::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}
