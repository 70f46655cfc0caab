//! Kubernetes resource quantities: `"10Gi"`, `"512Mi"`, `"1G"`, `"500m"`, `"0.5"`.
//!
//! Owns reading a quantity into an exact integer in base units: bytes for
//! memory and storage, millicores for CPU. The grammar is Kubernetes' own: a
//! non-negative decimal number, then an optional suffix: binary `Ki Mi Gi Ti
//! Pi Ei`, decimal `k M G T P E`, `m u n` (thousandths, millionths,
//! billionths: `metrics-server` writes CPU in `n`), or a decimal exponent
//! `e3`/`E-3`. All arithmetic is integer (u128 with overflow checks). A value
//! that is not a whole number of base units is rounded up, as the API server
//! reads it (`Quantity.Value()` and `MilliValue()` round up: `memory: 500m`,
//! half a byte, is 1 byte; `cpu: 0.1m` is 1m): it accepts such values for
//! CPU, memory and storage, whose requests need no whole number
//! (`ValidateResourceQuantityValue` asks one only of integer resources).
//! Does not own where a quantity sits in a file or what it is for.

/// A parsed quantity as an exact fraction `numerator / denominator`.
struct Fraction {
    numerator: u128,
    denominator: u128,
}

const SUFFIXES: &str = "Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P, E, m, u or n";

/// The longest number we read: 38 digits always fit in a u128.
const MAX_DIGITS: usize = 38;

fn pow10(exponent: u32) -> Option<u128> {
    10u128.checked_pow(exponent)
}

fn parse_fraction(text: &str) -> Result<Fraction, String> {
    let too_large = || format!("invalid quantity {text:?}: the value is too large");
    if text.is_empty() {
        return Err("invalid quantity \"\": the quantity is empty".to_string());
    }
    let body = match text.strip_prefix('+') {
        Some(rest) => rest,
        None if text.starts_with('-') => {
            return Err(format!("invalid quantity {text:?}: must not be negative"));
        }
        None => text,
    };
    let number_end = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    let (number, suffix) = body.split_at(number_end);
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (number, ""),
    };
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return Err(format!("invalid quantity {text:?}: expected a number like 512Mi, 10Gi, 1.5 or 500m"));
    }
    let fraction = fraction.trim_end_matches('0');
    let digits: String = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > MAX_DIGITS {
        return Err(too_large());
    }
    let mut numerator: u128 = if digits.is_empty() { 0 } else { digits.parse().map_err(|_| too_large())? };
    // `fraction` is at most MAX_DIGITS long here, because `digits` is.
    let mut denominator = u32::try_from(fraction.len()).ok().and_then(pow10).ok_or_else(too_large)?;

    let (multiplier, divisor): (u128, u128) = match suffix {
        "" => (1, 1),
        "Ki" => (1 << 10, 1),
        "Mi" => (1 << 20, 1),
        "Gi" => (1 << 30, 1),
        "Ti" => (1 << 40, 1),
        "Pi" => (1 << 50, 1),
        "Ei" => (1 << 60, 1),
        "n" => (1, 1_000_000_000),
        "u" => (1, 1_000_000),
        "m" => (1, 1_000),
        "k" => (1_000, 1),
        "M" => (1_000_000, 1),
        "G" => (1_000_000_000, 1),
        "T" => (1_000_000_000_000, 1),
        "P" => (1_000_000_000_000_000, 1),
        "E" => (1_000_000_000_000_000_000, 1),
        _ => {
            let exponent = suffix.strip_prefix(['e', 'E']).ok_or_else(|| unknown_suffix(text, suffix))?;
            let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(unknown_suffix(text, suffix));
            }
            let power: u32 = digits.parse().ok().filter(|p| *p <= MAX_DIGITS as u32).ok_or_else(too_large)?;
            let scale = pow10(power).ok_or_else(too_large)?;
            if exponent.starts_with('-') { (1, scale) } else { (scale, 1) }
        }
    };
    numerator = numerator.checked_mul(multiplier).ok_or_else(too_large)?;
    denominator = denominator.checked_mul(divisor).ok_or_else(too_large)?;
    Ok(Fraction { numerator, denominator })
}

fn unknown_suffix(text: &str, suffix: &str) -> String {
    format!("invalid quantity {text:?}: unknown suffix `{suffix}` (expected {SUFFIXES})")
}

/// `fraction * scale` rounded up to a u64, or why not.
fn rounded_up(text: &str, fraction: Fraction, scale: u128) -> Result<u64, String> {
    let too_large = || format!("invalid quantity {text:?}: the value is too large");
    let scaled = fraction.numerator.checked_mul(scale).ok_or_else(too_large)?;
    // `parse_fraction` makes denominators of powers of ten, never 0.
    let whole = scaled.div_ceil(fraction.denominator.max(1));
    u64::try_from(whole).map_err(|_| too_large())
}

/// Reads a memory or storage quantity into bytes: `"10Gi"`, `"512Mi"`,
/// `"1G"`, `"100"`, `"1.5Gi"`; a fraction of a byte rounds up.
pub fn parse_quantity(text: &str) -> Result<u64, String> {
    let fraction = parse_fraction(text)?;
    rounded_up(text, fraction, 1)
}

/// Reads a CPU quantity into millicores: `"500m"` is 500, `"2"` is 2000,
/// `"0.5"` is 500; a fraction of a millicore rounds up.
pub fn parse_cpu(text: &str) -> Result<u64, String> {
    let fraction = parse_fraction(text)?;
    rounded_up(text, fraction, 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_memory_quantities() {
        assert_eq!(parse_quantity("10Gi"), Ok(10 << 30));
        assert_eq!(parse_quantity("512Mi"), Ok(512 << 20));
        assert_eq!(parse_quantity("1G"), Ok(1_000_000_000));
        assert_eq!(parse_quantity("100"), Ok(100));
        assert_eq!(parse_quantity("1.5Gi"), Ok(3 << 29));
        assert_eq!(parse_quantity("1k"), Ok(1000));
        assert_eq!(parse_quantity("2Ki"), Ok(2048));
        assert_eq!(parse_quantity("1e3"), Ok(1000));
        assert_eq!(parse_quantity("1E"), Ok(1_000_000_000_000_000_000));
        assert_eq!(parse_quantity("15Ei"), Ok(15 << 60));
        assert_eq!(parse_quantity("+0"), Ok(0));
        assert_eq!(parse_quantity("0.000"), Ok(0));
        assert_eq!(parse_quantity("2000m"), Ok(2));
        assert_eq!(parse_quantity("3000000u"), Ok(3));
        assert_eq!(parse_quantity("4000000000n"), Ok(4));
    }

    #[test]
    fn rejects_bad_memory_quantities() {
        for bad in ["", "-1Gi", "Gi", "1Gb", "1.5.5", "1 Gi", ".", "16Ei", "1e", "1e-", "1e99", "abc"] {
            assert!(parse_quantity(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(
            parse_quantity("10Gb"),
            Err("invalid quantity \"10Gb\": unknown suffix `Gb` (expected Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P, E, m, u or n)".into())
        );
        assert_eq!(parse_quantity("-1"), Err("invalid quantity \"-1\": must not be negative".into()));
        // Fractions of a byte round up, as `Quantity.Value()` rounds them.
        assert_eq!(parse_quantity("1.5"), Ok(2));
        assert_eq!(parse_quantity("500m"), Ok(1));
        assert_eq!(parse_quantity("0.1Ki"), Ok(103));
        assert_eq!(parse_quantity("1n"), Ok(1));
        assert!(
            parse_quantity("99999999999999999999999999999999999999999").unwrap_err().contains("too large")
        );
    }

    #[test]
    fn reads_cpu_quantities() {
        assert_eq!(parse_cpu("500m"), Ok(500));
        assert_eq!(parse_cpu("2"), Ok(2000));
        assert_eq!(parse_cpu("0.5"), Ok(500));
        assert_eq!(parse_cpu("0.25"), Ok(250));
        assert_eq!(parse_cpu("1k"), Ok(1_000_000));
        // Fractions of a millicore round up, as `MilliValue()` rounds them.
        assert_eq!(parse_cpu("0.0001"), Ok(1));
        assert_eq!(parse_cpu("0.1m"), Ok(1));
        assert_eq!(parse_cpu("1.5m"), Ok(2));
        assert_eq!(parse_cpu("1500u"), Ok(2));
        assert!(parse_cpu("-1").is_err());
        assert_eq!(parse_cpu("250000000n"), Ok(250), "as metrics-server writes CPU");
        assert!(parse_cpu("").is_err());
    }

    proptest! {
        #[test]
        fn gibibytes_are_exact(n in 0u64..=(u64::MAX >> 30)) {
            prop_assert_eq!(parse_quantity(&format!("{n}Gi")), Ok(n << 30));
        }

        #[test]
        fn millicores_are_exact(n in 0u64..=1_000_000_000) {
            prop_assert_eq!(parse_cpu(&format!("{n}m")), Ok(n));
        }

        #[test]
        fn never_panics(text in "\\PC{0,24}") {
            let _ = parse_quantity(&text);
            let _ = parse_cpu(&text);
        }

        #[test]
        fn never_panics_on_quantity_like_text(text in "[+-]?[0-9.]{0,45}([eE][+-]?[0-9]{0,4}|[KMGTPE]i?|k|m)?") {
            let _ = parse_quantity(&text);
            let _ = parse_cpu(&text);
        }
    }
}
