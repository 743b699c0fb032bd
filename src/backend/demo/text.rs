//! Writing numbers into strings without `format!`: a generated history writes several per
//! deployment, and the formatting machinery is most of their cost.

const HEX: &[u8; 16] = b"0123456789abcdef";
/// The two hex digits of every byte.
const HEX_PAIRS: [[u8; 2]; 256] = {
    let mut pairs = [[0u8; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        pairs[byte] = [HEX[byte >> 4], HEX[byte & 0xf]];
        byte += 1;
    }
    pairs
};

/// `value` as 16 lowercase hex digits, as `{:016x}` writes it.
pub(crate) fn hex16(value: u64) -> [u8; 16] {
    let mut digits = [0u8; 16];
    for (pair, byte) in digits.chunks_exact_mut(2).zip(value.to_be_bytes()) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(byte)]);
    }
    digits
}

/// Appends the low `digits` (at most 16) hex digits of `value`, as `{:0digits$x}` does for
/// a value that fits in them.
pub(crate) fn push_hex(out: &mut String, value: u64, digits: usize) {
    debug_assert!(digits >= 16 || value >> (4 * digits) == 0, "{value:x} fits");
    let all = hex16(value);
    push_ascii(out, &all[16 - digits.min(16)..]);
}

/// Appends digits made by this module.
pub(crate) fn push_ascii(out: &mut String, digits: &[u8]) {
    out.push_str(std::str::from_utf8(digits).expect("ascii digits"));
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
    push_ascii(out, &buffer[start..]);
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
        for value in [0u64, 7, 0xabc, 0xdead_beef, u64::MAX] {
            assert_eq!(hex16(value).as_slice(), format!("{value:016x}").as_bytes());
            let mut out = String::from("sha256:");
            push_hex(&mut out, value, 16);
            assert_eq!(out, format!("sha256:{value:016x}"));
        }
        let mut out = String::new();
        push_hex(&mut out, 0x12_3456_789a, 10);
        push_hex(&mut out, 0xa, 10);
        assert_eq!(out, format!("{:010x}{:010x}", 0x12_3456_789au64, 0xa));
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
