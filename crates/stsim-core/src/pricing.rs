//! Storage prices: what a volume costs per month, exactly.
//!
//! Owns money (integer micro-dollars, never floating point), the built-in
//! price presets of the common cloud disk classes, and the monthly rate of
//! one volume under a class. Clouds bill provisioned size, not bytes used,
//! from disk creation to disk deletion; a month is 730 hours (the OpenCost
//! and Infracost convention). Prices come from `shared/failure-modes.md`
//! section 3, each preset stating where and when it was priced.
//!
//! Does not own when a volume costs or is orphaned (`cost`).

use serde::{Serialize, Serializer};
use std::fmt;

/// An amount of money in micro-dollars (millionths of a US dollar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Money(pub u64);

impl Money {
    pub const ZERO: Money = Money(0);

    /// Reads a decimal dollar amount exactly, like `0.08` or `19.71`;
    /// more than six decimals is an error, never a rounding.
    pub fn from_dollars(text: &str) -> Option<Money> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() && fraction.is_empty() || fraction.len() > 6 {
            return None;
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let fraction: u64 = format!("{fraction:0<6}").parse().ok()?;
        whole.checked_mul(1_000_000)?.checked_add(fraction).map(Money)
    }

    pub fn micro_dollars(self) -> u64 {
        self.0
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0 + other.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Money {
    /// `$0.80`, `$19.71`, `$0.001095`: at least two decimals, more only when needed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 1_000_000;
        let fraction = format!("{:06}", self.0 % 1_000_000);
        let trimmed = fraction.trim_end_matches('0');
        let decimals = if trimmed.len() < 2 { &fraction[..2] } else { trimmed };
        f.pad(&format!("${whole}.{decimals}"))
    }
}

impl Serialize for Money {
    /// Serialized as integer micro-dollars.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// Hours in a billing month.
pub const HOURS_PER_MONTH: u64 = 730;
const MS_PER_MONTH: u128 = HOURS_PER_MONTH as u128 * 3_600_000;
const BYTES_PER_GIB: u128 = 1 << 30;

/// A price per unit per month above an included amount, e.g. gp3 IOPS above 3,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExtraPrice {
    pub included: u64,
    pub per_unit_month: Money,
}

/// How a storage class is billed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pricing {
    /// Per GiB of provisioned size per month.
    pub per_gib_month: Money,
    /// Provisioned IOPS, if the class charges for them.
    pub iops: Option<ExtraPrice>,
    /// Provisioned throughput in MiB/s, if the class charges for it.
    pub throughput: Option<ExtraPrice>,
    /// Size tiers `(GiB, price per month)`, ascending, for classes that bill
    /// the tier a disk rounds up to (Azure managed disks). Empty otherwise.
    pub tiers: Vec<(u64, Money)>,
    /// Where and when the prices were taken.
    pub priced_at: String,
}

impl Pricing {
    /// A flat per-GiB price, as written in a scenario.
    pub fn per_gib(price: Money) -> Pricing {
        Pricing {
            per_gib_month: price,
            iops: None,
            throughput: None,
            tiers: Vec::new(),
            priced_at: "set in the scenario".into(),
        }
    }

    /// What one volume costs per month: size (or its tier), plus provisioned
    /// IOPS and throughput above what the class includes.
    pub fn monthly(&self, size_bytes: u64, iops: u64, throughput_mibps: u64) -> Money {
        let size = match self
            .tiers
            .iter()
            .find(|(gib, _)| u128::from(*gib) * BYTES_PER_GIB >= u128::from(size_bytes))
        {
            Some((_, price)) => price.0 as u128,
            // Larger than every tier (or no tiers): per GiB of the provisioned size.
            None => u128::from(self.per_gib_month.0) * u128::from(size_bytes) / BYTES_PER_GIB,
        };
        let extra = |price: Option<ExtraPrice>, amount: u64| {
            price
                .map_or(0, |p| u128::from(amount.saturating_sub(p.included)) * u128::from(p.per_unit_month.0))
        };
        Money((size + extra(self.iops, iops) + extra(self.throughput, throughput_mibps)) as u64)
    }
}

/// What `monthly` costs over `ms` milliseconds, rounded down to a micro-dollar.
pub fn accrued(monthly: Money, ms: u64) -> Money {
    Money((u128::from(monthly.0) * u128::from(ms) / MS_PER_MONTH) as u64)
}

fn dollars(text: &str) -> Money {
    Money::from_dollars(text).expect("a preset price is a valid amount")
}

const AWS: &str = "AWS EBS us-east-1 list prices (infracost price tests, checked against 2024-2026 tables)";
const GCP: &str = "GCP us-central1 list prices of 2025-12-18";
const AZURE: &str = "Azure eastus LRS list prices (infracost price tests, 2026)";

/// The names of the built-in presets.
pub const PRESETS: &[&str] = &[
    "aws-gp3",
    "aws-gp2",
    "aws-io1",
    "aws-io2",
    "aws-st1",
    "aws-sc1",
    "gcp-pd-standard",
    "gcp-pd-balanced",
    "gcp-pd-ssd",
    "gcp-regional-pd-standard",
    "gcp-regional-pd-balanced",
    "gcp-regional-pd-ssd",
    "azure-standard-ssd",
    "azure-premium-ssd",
];

/// The preset of a provisioner's usual default class (its cloud's), for a
/// class that names no preset and no price.
pub fn default_preset(provisioner: &str) -> Option<&'static str> {
    match provisioner {
        "ebs.csi.aws.com" | "kubernetes.io/aws-ebs" => Some("aws-gp3"),
        "pd.csi.storage.gke.io" | "kubernetes.io/gce-pd" => Some("gcp-pd-balanced"),
        "disk.csi.azure.com" | "kubernetes.io/azure-disk" => Some("azure-standard-ssd"),
        _ => None,
    }
}

/// The preset of a regional class of `provisioner` that names no preset:
/// its cloud's regional disk of the default type (a regional disk is
/// billed for both of its replicas).
pub fn default_regional_preset(provisioner: &str) -> Option<&'static str> {
    match provisioner {
        "pd.csi.storage.gke.io" | "kubernetes.io/gce-pd" => Some("gcp-regional-pd-balanced"),
        other => default_preset(other),
    }
}

/// Whether a class of `provisioner` has a price without one written: its
/// cloud's preset, or nothing at all for a node's own disk (a local
/// provisioner's volumes, the local volumes made by hand that a
/// `kubernetes.io/no-provisioner` class holds, a hostPath provisioner's
/// directories), which is paid for with the node.
pub fn priced_by_provisioner(provisioner: &str) -> bool {
    default_preset(provisioner).is_some()
        || crate::objects::makes_local_volumes(provisioner)
        || provisioner == crate::objects::NO_PROVISIONER
        || crate::objects::host_path_dir_of(provisioner).is_some()
}

/// A built-in preset by name.
pub fn preset(name: &str) -> Option<Pricing> {
    let flat = |price: &str, at: &str| Pricing {
        per_gib_month: dollars(price),
        iops: None,
        throughput: None,
        tiers: Vec::new(),
        priced_at: at.to_string(),
    };
    let pricing = match name {
        // gp3 includes 3,000 IOPS and 125 MiB/s.
        "aws-gp3" => Pricing {
            iops: Some(ExtraPrice { included: 3_000, per_unit_month: dollars("0.005") }),
            throughput: Some(ExtraPrice { included: 125, per_unit_month: dollars("0.04") }),
            ..flat("0.08", AWS)
        },
        "aws-gp2" => flat("0.10", AWS),
        // io1 and io2 bill every provisioned IOPS (io2's cheaper tiers above
        // 32,000 IOPS are not modelled).
        "aws-io1" | "aws-io2" => Pricing {
            iops: Some(ExtraPrice { included: 0, per_unit_month: dollars("0.065") }),
            ..flat("0.125", AWS)
        },
        "aws-st1" => flat("0.045", AWS),
        "aws-sc1" => flat("0.015", AWS),
        "gcp-pd-standard" => flat("0.04", GCP),
        "gcp-pd-balanced" => flat("0.10", GCP),
        "gcp-pd-ssd" => flat("0.17", GCP),
        // Regional disks: twice the zonal price, one replica in each zone.
        "gcp-regional-pd-standard" => flat("0.08", GCP),
        "gcp-regional-pd-balanced" => flat("0.20", GCP),
        "gcp-regional-pd-ssd" => flat("0.34", GCP),
        // Standard SSD: E30 (1 TiB) is $76.80, $0.075 per GiB; smaller tiers
        // are priced at that rate on the provisioned size.
        "azure-standard-ssd" => flat("0.075", AZURE),
        // Premium SSD bills the tier the disk rounds up to. Only P4, P10, P20
        // and P30 are in our price source; a disk between two of them is
        // billed at the larger (a P6 or P15 disk is over-priced).
        "azure-premium-ssd" => Pricing {
            tiers: vec![
                (32, dollars("5.28")),
                (128, dollars("19.71")),
                (512, dollars("73.22")),
                (1024, dollars("135.17")),
            ],
            ..flat("0.132", AZURE)
        },
        _ => return None,
    };
    Some(pricing)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    #[test]
    fn money_reads_and_prints_exactly() {
        assert_eq!(Money::from_dollars("0.08"), Some(Money(80_000)));
        assert_eq!(Money::from_dollars("19.71"), Some(Money(19_710_000)));
        assert_eq!(Money::from_dollars("3"), Some(Money(3_000_000)));
        assert_eq!(Money::from_dollars("0.0000001"), None);
        assert_eq!(Money::from_dollars("-1"), None);
        assert_eq!(Money(800_000).to_string(), "$0.80");
        assert_eq!(Money(1_095).to_string(), "$0.001095");
        assert_eq!(Money(19_710_000).to_string(), "$19.71");
        assert_eq!(Money(0).to_string(), "$0.00");
    }

    #[test]
    fn ten_gib_of_gp3_costs_eighty_cents_a_month() {
        let gp3 = preset("aws-gp3").unwrap();
        let monthly = gp3.monthly(10 * GIB, 3_000, 125);
        assert_eq!(monthly, Money(800_000));
        // One billing month accrues exactly the monthly price; one hour 1/730 of it.
        assert_eq!(accrued(monthly, 730 * 3_600_000), Money(800_000));
        assert_eq!(accrued(monthly, 3_600_000), Money(1_095)); // 0.8 / 730 = 0.001095890...
    }

    #[test]
    fn extras_and_tiers_follow_the_price_lists() {
        let gp3 = preset("aws-gp3").unwrap();
        // 4,000 IOPS and 250 MiB/s: 1,000 extra IOPS at $0.005, 125 MiB/s at $0.04.
        assert_eq!(gp3.monthly(100 * GIB, 4_000, 250), dollars("8") + dollars("5") + dollars("5"));
        let io1 = preset("aws-io1").unwrap();
        assert_eq!(io1.monthly(100 * GIB, 300, 0), dollars("12.5") + dollars("19.5"));
        let premium = preset("azure-premium-ssd").unwrap();
        assert_eq!(premium.monthly(100 * GIB, 0, 0), dollars("19.71"), "100 GiB bills as P10 (128 GiB)");
        assert_eq!(premium.monthly(32 * GIB, 0, 0), dollars("5.28"));
        assert_eq!(premium.monthly(2048 * GIB, 0, 0), dollars("270.336"), "beyond P30: per GiB");
        for name in PRESETS {
            assert!(preset(name).is_some(), "{name}");
        }
        assert!(preset("aws-gp9").is_none());
    }
}
