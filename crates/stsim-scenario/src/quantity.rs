//! Kubernetes resource quantities: `"10Gi"`, `"512Mi"`, `"1G"`, `"500m"`, `"0.5"`.
//!
//! Owns reading a quantity into an exact integer in base units: bytes for
//! memory and storage, millicores for CPU. The grammar is Kubernetes' own: a
//! non-negative decimal number, then an optional suffix: binary `Ki Mi Gi Ti
//! Pi Ei`, decimal `k M G T P E`, `m u n` (thousandths, millionths,
//! billionths: `metrics-server` writes CPU in `n`), or a decimal exponent
//! `e3`/`E-3`. All arithmetic is exact, on the decimal digits as written. A
//! value that is not a whole number of base units is rounded up, as the API
//! server reads it (`Quantity.Value()` and `MilliValue()` round up: `memory:
//! 500m`, half a byte, is 1 byte; `cpu: 0.1m` is 1m; `storage: 1e-40`, which
//! `ParseQuantity` rounds up to its smallest amount, 1n, is 1 byte): it
//! accepts such values for CPU, memory and storage, whose requests need no
//! whole number (`ValidateResourceQuantityValue` asks one only of integer
//! resources). As the API server reads it (apimachinery
//! `api/resource/quantity.go`), white space around the text is dropped
//! (`UnmarshalJSON` parses `strings.TrimSpace` of it) and a value with a
//! binary suffix is capped at 2^63 - 1 (`16Ei` is 2^63 - 1 bytes); one with
//! a decimal suffix or exponent is not capped there, and one too large for
//! stsim's integers (a u64 of base units) is refused.
//! Does not own where a quantity sits in a file or what it is for.

/// What the API server's decoding of a quantity says of `text` when
/// `ParseQuantity` refuses it (apimachinery `api/resource/quantity.go`):
/// `ErrFormatWrong` when the text does not scan as a sign, digits with a
/// point, suffix letters and an exponent's digits (`parseQuantityString`),
/// and `ErrSuffix` when the letters are no suffix it knows (`100mi`, `1e`).
/// `None` when it parses: a negative or too large value is the
/// validation's to refuse, not the decoder's. (Its fast path reads a text
/// with no digit, `Gi` or `.`, as zero; stsim refuses those in validation,
/// as no number.) White space around the text is dropped first
/// (`UnmarshalJSON`).
pub fn decode_error(text: &str) -> Option<&'static str> {
    const FORMAT_WRONG: &str =
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    const SUFFIX: &str = "unable to parse quantity's suffix";
    let text = text.trim().as_bytes();
    if text.is_empty() {
        return Some(FORMAT_WRONG);
    }
    let digits = |from: usize| from + text[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    // The numerator, then a denominator after a point; the text may end
    // anywhere in them.
    let mut pos = digits(usize::from(matches!(text[0], b'+' | b'-')));
    if text.get(pos) == Some(&b'.') {
        pos = digits(pos + 1);
    }
    let suffix_start = pos;
    pos += text[pos..].iter().take_while(|b| b"eEinumkKMGTP".contains(b)).count();
    if pos < text.len() && matches!(text[pos], b'+' | b'-') {
        pos += 1;
    }
    if digits(pos) < text.len() {
        return Some(FORMAT_WRONG);
    }
    let suffix = &text[suffix_start..];
    let known = matches!(
        suffix,
        b"" | b"n"
            | b"u"
            | b"m"
            | b"k"
            | b"M"
            | b"G"
            | b"T"
            | b"P"
            | b"E"
            | b"Ki"
            | b"Mi"
            | b"Gi"
            | b"Ti"
            | b"Pi"
            | b"Ei"
    );
    // `interpret`: a decimal exponent is `e` or `E` and what ParseInt reads.
    let exponent = suffix.len() > 1
        && matches!(suffix[0], b'e' | b'E')
        && std::str::from_utf8(&suffix[1..]).is_ok_and(|e| e.parse::<i64>().is_ok());
    (!known && !exponent).then_some(SUFFIX)
}

/// A parsed quantity, exactly: `digits × 10^exponent × 2^binary`.
struct Parsed {
    /// Decimal digits (values 0 to 9), most significant first, without
    /// leading zeros: empty for zero.
    digits: Vec<u8>,
    exponent: i64,
    /// The binary suffix's power of two (`Ki` 10 ... `Ei` 60), 0 without one.
    binary: u32,
}

const SUFFIXES: &str = "Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P, E, m, u or n";

/// The largest amount a quantity with a binary suffix keeps: the API
/// server caps larger ones to it (`maxAllowed`, 2^63 - 1).
const BINARY_MAX: u64 = i64::MAX as u64;

fn parse(text: &str) -> Result<Parsed, String> {
    // `Quantity.UnmarshalJSON` parses `strings.TrimSpace` of the string, so
    // `" 10Gi "` is 10Gi (Go's white space is Unicode's, as `trim`'s).
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("invalid quantity {text:?}: the quantity is empty"));
    }
    let body = match trimmed.strip_prefix('+') {
        Some(rest) => rest,
        None if trimmed.starts_with('-') => {
            return Err(format!("invalid quantity {text:?}: must not be negative"));
        }
        None => trimmed,
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
    let (exponent, binary): (i64, u32) = match suffix {
        "" => (0, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        _ => {
            let exponent = suffix.strip_prefix(['e', 'E']).ok_or_else(|| unknown_suffix(text, suffix))?;
            let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(unknown_suffix(text, suffix));
            }
            // The API server keeps the exponent as an int32 (`suffix.go`
            // `interpret`) and misreads one past it, and negates it into a
            // scale, which overflows for the least: stsim refuses those.
            let power: i32 = exponent.parse().ok().filter(|p| *p != i32::MIN).ok_or_else(|| {
                format!("invalid quantity {text:?}: the exponent `{exponent}` is out of range (at most 2147483647 either way)")
            })?;
            (i64::from(power), 0)
        }
    };
    let digits: Vec<u8> =
        whole.bytes().chain(fraction.bytes()).skip_while(|b| *b == b'0').map(|b| b - b'0').collect();
    // `fraction` is at most as long as the text, far from i64's limits.
    let exponent = exponent - i64::try_from(fraction.len()).unwrap_or(i64::MAX);
    Ok(Parsed { digits, exponent, binary })
}

fn unknown_suffix(text: &str, suffix: &str) -> String {
    format!("invalid quantity {text:?}: unknown suffix `{suffix}` (expected {SUFFIXES})")
}

/// `digits × 2^power`, in decimal digits, most significant first.
fn times_power_of_two(digits: &[u8], power: u32) -> Vec<u8> {
    let factor = 1u128 << power;
    let mut out = Vec::with_capacity(digits.len() + 19);
    let mut carry = 0u128;
    for &d in digits.iter().rev() {
        let x = u128::from(d) * factor + carry;
        out.push((x % 10) as u8);
        carry = x / 10;
    }
    while carry > 0 {
        out.push((carry % 10) as u8);
        carry /= 10;
    }
    out.reverse();
    out
}

/// `digits × 10^exponent` rounded up to a whole number, if it fits in a
/// u64 (`None` if not).
fn ceil_u64(digits: &[u8], exponent: i64) -> Option<u64> {
    // `digits` is at most a few megabytes long: these fit in i64.
    let len = i64::try_from(digits.len()).ok()?;
    let (whole, rest) = if exponent >= 0 {
        (digits, &[][..])
    } else if -exponent >= len {
        (&[][..], digits)
    } else {
        digits.split_at(usize::try_from(len + exponent).ok()?)
    };
    // u64::MAX has 20 digits.
    let zeros = exponent.max(0);
    if i64::try_from(whole.len()).ok()? + zeros > 20 && !whole.is_empty() {
        return None;
    }
    let mut value: u128 = 0;
    for &d in whole {
        value = value * 10 + u128::from(d);
    }
    for _ in 0..zeros.min(20) {
        value = value.checked_mul(10)?;
    }
    if rest.iter().any(|d| *d != 0) {
        value += 1;
    }
    u64::try_from(value).ok()
}

/// The quantity in units of `10^-scale` of its base unit (0: bytes, 3:
/// millicores), rounded up, as the API server reads it: a value below the
/// smallest it keeps, a nano, is rounded up to one (`ParseQuantity`: "This
/// rounds non-zero values up to the minimum representable value"), and
/// `Value()` and `MilliValue()` round up again, so any positive amount
/// is at least one unit; a value with a binary suffix is capped at 2^63 - 1
/// ("The max is just a simple cap"). Others too large for a u64 are
/// refused.
fn amount(text: &str, scale: i64) -> Result<u64, String> {
    let parsed = parse(text)?;
    if parsed.digits.is_empty() {
        return Ok(0);
    }
    let too_large = || format!("invalid quantity {text:?}: the value is too large");
    let (mut digits, mut exponent) = (times_power_of_two(&parsed.digits, parsed.binary), parsed.exponent);
    if parsed.binary > 0 {
        // Over the cap if its whole part is, or equal with a fraction left.
        let over = match ceil_u64(&digits, exponent) {
            None => true,
            Some(ceiling) => ceiling > BINARY_MAX,
        };
        if over {
            digits = BINARY_MAX.to_string().bytes().map(|b| b - b'0').collect();
            exponent = 0;
        }
    }
    ceil_u64(&digits, exponent.saturating_add(scale)).ok_or_else(too_large)
}

/// Reads a memory or storage quantity into bytes: `"10Gi"`, `"512Mi"`,
/// `"1G"`, `"100"`, `"1.5Gi"`; a fraction of a byte rounds up.
pub fn parse_quantity(text: &str) -> Result<u64, String> {
    amount(text, 0)
}

/// Reads a CPU quantity into millicores: `"500m"` is 500, `"2"` is 2000,
/// `"0.5"` is 500; a fraction of a millicore rounds up.
pub fn parse_cpu(text: &str) -> Result<u64, String> {
    amount(text, 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The decoder's two refusals, as `ParseQuantity` gives them; what it
    /// parses (negative, huge, odd but well formed) is left to validation.
    #[test]
    fn the_decoder_refuses_what_parse_quantity_refuses() {
        let format = Some(
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        );
        for text in ["", "  ", "100x", "1GB", "1e3M", "10Gb", "1.2.3", "1 Gi", "abc", "1e+-3", "1Gi\u{0}"] {
            assert_eq!(decode_error(text), format, "{text:?}");
        }
        let suffix = Some("unable to parse quantity's suffix");
        for text in ["100mi", "1e", "1iM", "5mm", "1KiKi", "1e99999999999999999999", "1E+", "--1"] {
            assert_eq!(decode_error(text), suffix, "{text:?}");
        }
        for text in [
            "0",
            "10Gi",
            " 10Gi ",
            "-1",
            "+5",
            "1.5",
            ".5",
            "5.",
            "1e3",
            "1E-3",
            "2E",
            "500m",
            "+",
            "16Ei",
            "Gi",
            ".",
            "99999999999999999999999P",
        ] {
            assert_eq!(decode_error(text), None, "{text:?}");
        }
    }

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
        assert_eq!(parse_quantity("7Ei"), Ok(7 << 60));
        assert_eq!(parse_quantity("+0"), Ok(0));
        assert_eq!(parse_quantity("0.000"), Ok(0));
        assert_eq!(parse_quantity("2000m"), Ok(2));
        assert_eq!(parse_quantity("3000000u"), Ok(3));
        assert_eq!(parse_quantity("4000000000n"), Ok(4));
    }

    #[test]
    fn rejects_bad_memory_quantities() {
        for bad in ["", "  ", "-1Gi", "Gi", "1Gb", "1.5.5", "1 Gi", ".", "1e", "1e-", "1e99", "1e20", "abc"] {
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
    fn tiny_values_round_up_to_one_unit() {
        // `ParseQuantity` rounds a positive value up to 1n, then `Value()` to 1.
        for tiny in ["1e-40", "1e-300", "1e-2147483647", "0.1n", "0.0000000000000000000001Ki"] {
            assert_eq!(parse_quantity(tiny), Ok(1), "{tiny}");
            assert_eq!(parse_cpu(tiny), Ok(1), "{tiny}");
        }
        let decimals = format!("0.{}1", "0".repeat(43));
        assert_eq!(parse_quantity(&decimals), Ok(1));
        assert_eq!(parse_quantity("0e-40"), Ok(0));
        assert_eq!(parse_quantity(&format!("0.{}", "0".repeat(3000))), Ok(0));
        // A fraction anywhere in thousands of digits still rounds up.
        assert_eq!(parse_quantity(&format!("1.{}1", "0".repeat(3000))), Ok(2));
        assert_eq!(parse_quantity(&format!("{}e-3000", "1".repeat(3002))), Ok(12));
    }

    #[test]
    fn binary_values_are_capped_and_others_too_large_refused() {
        // `if format == BinarySI && amount.Cmp(maxAllowed.Dec) > 0`: capped.
        for huge in ["16Ei", "8Ei", "100000000000000000000Gi", "8191.9999999999999999999999Pi"] {
            assert_eq!(parse_quantity(huge), Ok(BINARY_MAX), "{huge}");
        }
        assert!(parse_quantity("1e-2Ki").is_err(), "no exponent with a binary suffix");
        assert_eq!(parse_quantity(&format!("{}Ki", "9".repeat(3000))), Ok(BINARY_MAX));
        assert_eq!(parse_quantity("9223372036854775807"), Ok(BINARY_MAX));
        assert_eq!(parse_quantity("8388607.9999999999999Ti"), Ok(BINARY_MAX));
        // Decimal suffixes and exponents are not capped: too large for stsim.
        assert_eq!(parse_quantity("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            parse_quantity("18446744073709551616"),
            Err("invalid quantity \"18446744073709551616\": the value is too large".into())
        );
        assert!(parse_quantity(&"9".repeat(3000)).unwrap_err().ends_with("the value is too large"));
        assert!(parse_quantity("1e1000000").unwrap_err().ends_with("the value is too large"));
        // Capped bytes are too many millicores.
        assert!(parse_cpu("16Ei").unwrap_err().ends_with("the value is too large"));
        assert!(parse_quantity("1e-2147483648").unwrap_err().contains("out of range"));
        assert_eq!(
            parse_quantity("1e-9999999999"),
            Err("invalid quantity \"1e-9999999999\": the exponent `-9999999999` is out of range (at most 2147483647 either way)".into())
        );
    }

    #[test]
    fn white_space_around_a_quantity_is_dropped() {
        // `UnmarshalJSON`: `ParseQuantity(strings.TrimSpace(...))`.
        assert_eq!(parse_quantity(" 10Gi "), Ok(10 << 30));
        assert_eq!(parse_cpu("\t500m\n"), Ok(500));
        assert_eq!(parse_quantity("\u{a0}1Ki"), Ok(1024));
        assert!(parse_quantity("10 Gi").is_err(), "inside, it is no quantity");
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
        fn gibibytes_are_exact(n in 0u64..=(BINARY_MAX >> 30)) {
            prop_assert_eq!(parse_quantity(&format!("{n}Gi")), Ok(n << 30));
        }

        #[test]
        fn gibibytes_past_the_cap_are_capped(n in (BINARY_MAX >> 30) + 1..=u64::MAX) {
            prop_assert_eq!(parse_quantity(&format!("{n}Gi")), Ok(BINARY_MAX));
        }

        #[test]
        fn decimal_values_are_exact(n in 0u64..=u64::MAX, shift in 0u32..20) {
            // n / 10^shift, written with a decimal point, rounded up.
            let text = format!("{n:0>21}");
            let (whole, fraction) = text.split_at(21 - shift as usize);
            let divisor = 10u64.pow(shift);
            prop_assert_eq!(parse_quantity(&format!("{whole}.{fraction}")), Ok(n.div_ceil(divisor)));
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
