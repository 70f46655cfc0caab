//! Simulated time: integer milliseconds since the start of a run.
//!
//! Owns `SimTime` (an instant) and `SimDuration` (a span), their arithmetic,
//! and the human duration syntax used in scenario files and reports
//! (`"500ms"`, `"30s"`, `"5m"`, `"2h"`, `"30d"`, and compounds like `"1h30m"`).
//! Formatting is canonical, so `parse(format(d)) == d` for every duration.
//! Does not own any notion of wall-clock time: there is none in the engine.

use serde::{Serialize, Serializer};
use std::fmt;

/// An instant of simulated time, in milliseconds since the run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(u64);

/// A span of simulated time, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(u64);

const MS_PER_SECOND: u64 = 1_000;
const MS_PER_MINUTE: u64 = 60 * MS_PER_SECOND;
const MS_PER_HOUR: u64 = 60 * MS_PER_MINUTE;
const MS_PER_DAY: u64 = 24 * MS_PER_HOUR;

/// Units from largest to smallest, as written in durations.
const UNITS: [(&str, u64); 5] =
    [("d", MS_PER_DAY), ("h", MS_PER_HOUR), ("m", MS_PER_MINUTE), ("s", MS_PER_SECOND), ("ms", 1)];

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms)
    }
    pub const fn as_millis(self) -> u64 {
        self.0
    }
    /// The time elapsed since `earlier`; zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
    pub fn saturating_add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl std::ops::Add<SimDuration> for SimTime {
    type Output = SimTime;
    /// Saturates: an instant past the end of time is the end of time, which
    /// lies beyond every run's horizon (validation bounds it), so no
    /// user-given duration can make the clock overflow.
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms)
    }
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s.saturating_mul(MS_PER_SECOND))
    }
    pub const fn from_mins(m: u64) -> SimDuration {
        SimDuration(m.saturating_mul(MS_PER_MINUTE))
    }
    pub const fn as_millis(self) -> u64 {
        self.0
    }
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
    pub fn saturating_mul(self, n: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(n))
    }
}

impl std::ops::Add for SimDuration {
    type Output = SimDuration;
    fn add(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }
}

/// Why a duration string could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    Empty,
    /// A number was not followed by a unit, e.g. `"30"`.
    MissingUnit,
    /// A unit that is not one of `d h m s ms`.
    UnknownUnit(String),
    /// A unit was not preceded by a number, or a character is not a digit or unit.
    ExpectedNumber,
    /// Units must go from largest to smallest, each at most once (`"1h30m"`, not `"30m1h"`).
    UnitOrder,
    Overflow,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Empty => write!(f, "the duration is empty"),
            DurationError::MissingUnit => write!(f, "a number needs a unit (d, h, m, s or ms)"),
            DurationError::UnknownUnit(u) => {
                write!(f, "unknown unit `{u}` (expected d, h, m, s or ms)")
            }
            DurationError::ExpectedNumber => write!(f, "expected a whole number before each unit"),
            DurationError::UnitOrder => {
                write!(f, "units must go from largest to smallest, each once (like 1h30m)")
            }
            DurationError::Overflow => write!(f, "the duration is too long"),
        }
    }
}

impl std::error::Error for DurationError {}

impl std::str::FromStr for SimDuration {
    type Err = DurationError;

    /// Reads `"500ms"`, `"30s"`, `"5m"`, `"2h"`, `"30d"` or a compound such as
    /// `"1h30m"`. `"0s"` is zero; a bare `"0"` is accepted as zero too.
    fn from_str(text: &str) -> Result<SimDuration, DurationError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DurationError::Empty);
        }
        if text == "0" {
            return Ok(SimDuration::ZERO);
        }
        let bytes = text.as_bytes();
        let mut total: u64 = 0;
        let mut i = 0;
        // Index into UNITS of the last unit seen; the next must be strictly smaller.
        let mut last_unit: Option<usize> = None;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if start == i {
                return Err(DurationError::ExpectedNumber);
            }
            let number: u64 = text[start..i].parse().map_err(|_| DurationError::Overflow)?;
            let unit_start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            if unit_start == i {
                return Err(DurationError::MissingUnit);
            }
            let unit = &text[unit_start..i];
            let Some(index) = UNITS.iter().position(|(name, _)| *name == unit) else {
                return Err(DurationError::UnknownUnit(unit.to_string()));
            };
            if last_unit.is_some_and(|last| index <= last) {
                return Err(DurationError::UnitOrder);
            }
            last_unit = Some(index);
            let ms = number.checked_mul(UNITS[index].1).ok_or(DurationError::Overflow)?;
            total = total.checked_add(ms).ok_or(DurationError::Overflow)?;
        }
        Ok(SimDuration(total))
    }
}

impl SimDuration {
    /// The canonical text, written into `buf` (at most 12 digits of days and
    /// 17 bytes of the smaller units: 64 bytes are plenty), without the
    /// formatting machinery: times are written into every message.
    fn render(self, buf: &mut [u8; 64]) -> &str {
        if self.0 == 0 {
            return "0s";
        }
        let ms = self.0;
        let mut len = put_part(buf, 0, ms / MS_PER_DAY, b"d");
        len = put_part(buf, len, ms % MS_PER_DAY / MS_PER_HOUR, b"h");
        len = put_part(buf, len, ms % MS_PER_HOUR / MS_PER_MINUTE, b"m");
        len = put_part(buf, len, ms % MS_PER_MINUTE / MS_PER_SECOND, b"s");
        len = put_part(buf, len, ms % MS_PER_SECOND, b"ms");
        std::str::from_utf8(&buf[..len]).expect("digits and unit names are ASCII")
    }

    /// Appends the canonical text to `out`, as `Display` writes it.
    pub fn push_to(self, out: &mut String) {
        let mut buf = [0u8; 64];
        out.push_str(self.render(&mut buf));
    }
}

impl SimTime {
    /// Appends the time since the start of the run to `out`, as `Display` writes it.
    pub fn push_to(self, out: &mut String) {
        SimDuration(self.0).push_to(out);
    }
}

/// Writes `count` and its unit at `buf[len..]` unless `count` is zero, and
/// returns the length after them.
#[inline(always)]
fn put_part(buf: &mut [u8; 64], len: usize, count: u64, unit: &[u8]) -> usize {
    if count == 0 {
        return len;
    }
    let mut digits = 1;
    let mut rest = count / 10;
    while rest > 0 {
        digits += 1;
        rest /= 10;
    }
    let mut rest = count;
    for slot in buf[len..len + digits].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    let end = len + digits + unit.len();
    buf[len + digits..end].copy_from_slice(unit);
    end
}

impl fmt::Display for SimDuration {
    /// Canonical form: largest units first, zero parts left out, `0s` for zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 64];
        let text = self.render(&mut buf);
        if f.width().is_some() {
            // Padding needs the whole text first.
            return f.pad(text);
        }
        f.write_str(text)
    }
}

impl fmt::Display for SimTime {
    /// An instant prints as the time since the start of the run, like `5m30s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&SimDuration(self.0), f)
    }
}

impl Serialize for SimTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> SimDuration {
        text.parse().unwrap()
    }

    #[test]
    fn reads_each_unit() {
        assert_eq!(d("500ms").as_millis(), 500);
        assert_eq!(d("30s").as_millis(), 30_000);
        assert_eq!(d("5m").as_millis(), 300_000);
        assert_eq!(d("2h").as_millis(), 7_200_000);
        assert_eq!(d("30d").as_millis(), 2_592_000_000);
        assert_eq!(d("1h30m").as_millis(), 5_400_000);
        assert_eq!(d("0s"), SimDuration::ZERO);
        assert_eq!(d("0"), SimDuration::ZERO);
    }

    #[test]
    fn rejects_malformed_durations() {
        assert_eq!("".parse::<SimDuration>(), Err(DurationError::Empty));
        assert_eq!("30".parse::<SimDuration>(), Err(DurationError::MissingUnit));
        assert_eq!("5x".parse::<SimDuration>(), Err(DurationError::UnknownUnit("x".into())));
        assert_eq!("s".parse::<SimDuration>(), Err(DurationError::ExpectedNumber));
        assert_eq!("-5s".parse::<SimDuration>(), Err(DurationError::ExpectedNumber));
        assert_eq!("1.5h".parse::<SimDuration>(), Err(DurationError::MissingUnit));
        assert_eq!("30m1h".parse::<SimDuration>(), Err(DurationError::UnitOrder));
        assert_eq!("1m1m".parse::<SimDuration>(), Err(DurationError::UnitOrder));
        assert_eq!("99999999999999999999d".parse::<SimDuration>(), Err(DurationError::Overflow));
    }

    #[test]
    fn formats_canonically() {
        assert_eq!(d("90s").to_string(), "1m30s");
        assert_eq!(d("1500ms").to_string(), "1s500ms");
        assert_eq!(SimDuration::ZERO.to_string(), "0s");
        assert_eq!(d("25h").to_string(), "1d1h");
        assert_eq!(SimDuration::from_millis(u64::MAX).to_string(), "213503982334d14h25m51s615ms");
        assert_eq!(format!("[{:>8}]", d("90s")), "[   1m30s]");
        assert_eq!(format!("[{:<5}]", SimTime::from_millis(1)), "[1ms  ]");
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(ms in 0u64..(u64::MAX / 2)) {
            let duration = SimDuration::from_millis(ms);
            prop_assert_eq!(duration.to_string().parse::<SimDuration>(), Ok(duration));
        }

        #[test]
        fn formats_as_the_sum_of_its_units(ms in 0u64..u64::MAX) {
            // Written plainly: each unit with a count, largest first.
            let mut want = String::new();
            let mut rest = ms;
            for (name, unit) in UNITS {
                if rest / unit > 0 {
                    want += &format!("{}{name}", rest / unit);
                    rest %= unit;
                }
            }
            if want.is_empty() {
                want = "0s".into();
            }
            let mut pushed = String::from(">");
            SimTime::from_millis(ms).push_to(&mut pushed);
            prop_assert_eq!(&pushed[1..], &want);
            prop_assert_eq!(SimDuration::from_millis(ms).to_string(), want);
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,16}") {
            let _ = text.parse::<SimDuration>();
        }
    }
}
