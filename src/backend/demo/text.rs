//! Writing numbers into strings without `format!`: a generated history writes several per
//! deployment, and the formatting machinery is most of their cost.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends the low `digits` hex digits of `value`, lowercase and zero-padded, as
/// `{:0digits$x}` does for a value that fits in them.
pub(crate) fn push_hex(out: &mut String, value: u128, digits: usize) {
    debug_assert!(digits >= 32 || value >> (4 * digits) == 0, "{value:x} fits");
    for k in (0..digits).rev() {
        let nibble = if k < 32 { (value >> (4 * k)) & 0xf } else { 0 };
        out.push(char::from(HEX[nibble as usize]));
    }
}

/// Appends `value` in decimal, as `{}` does.
pub(crate) fn push_decimal(out: &mut String, value: u64) {
    let mut buffer = [0u8; 20];
    let mut start = buffer.len();
    let mut rest = value;
    loop {
        start -= 1;
        buffer[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buffer[start..]).expect("ascii digits"));
}

/// How many characters `push_decimal` writes for `value`.
pub(crate) fn decimal_len(value: u64) -> usize {
    value.checked_ilog10().map_or(1, |log| log as usize + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_the_formatter() {
        for value in [0u128, 1, 0xabc, u64::MAX as u128, u128::MAX, 0xff_ffff_ffff] {
            let mut out = String::new();
            push_hex(&mut out, value, 40);
            assert_eq!(out, format!("{value:040x}"));
        }
        for value in [0u64, 7, 0xdead_beef, u64::MAX] {
            let mut out = String::from("sha256:");
            push_hex(&mut out, value.into(), 16);
            assert_eq!(out, format!("sha256:{value:016x}"));
        }
        let mut out = String::new();
        push_hex(&mut out, 0x12_3456_789a, 10);
        assert_eq!(out, format!("{:010x}", 0x12_3456_789au64));
    }

    #[test]
    fn decimal_matches_the_formatter() {
        for value in [0u64, 9, 10, 99, 100, 10_000, 123_456_789, u64::MAX] {
            let mut out = String::from("v");
            push_decimal(&mut out, value);
            assert_eq!(out, format!("v{value}"));
            assert_eq!(decimal_len(value), value.to_string().len());
        }
    }
}
