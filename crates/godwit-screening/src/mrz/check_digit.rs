//! The ICAO Doc 9303 Part 3 §4.9 check digit: weights 7, 3, 1 repeating,
//! digits count as themselves, `A`–`Z` as 10–35 and the filler `<` as 0;
//! the check digit is the weighted sum modulo 10.

/// Value of one MRZ character for the check digit, or `None` for a
/// character that cannot appear in an MRZ.
pub fn char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        'A'..='Z' => Some(u32::from(c) - u32::from('A') + 10),
        '<' => Some(0),
        _ => None,
    }
}

/// Computes the check digit over `field`; characters outside the MRZ set
/// (already rejected by the parser) count as 0.
pub fn compute(field: &str) -> char {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let sum: u32 = field.chars().zip(WEIGHTS.iter().cycle()).map(|(c, w)| char_value(c).unwrap_or(0) * w).sum();
    char::from_digit(sum % 10, 10).unwrap_or('0')
}

#[cfg(test)]
mod tests {
    use super::compute;

    #[test]
    fn doc_9303_worked_examples() {
        // Part 3 §4.9 worked example: date 27 July 1952 gives 3.
        assert_eq!(compute("520727"), '3');
        // Specimen passport number L898902C3 has check digit 6.
        assert_eq!(compute("L898902C3"), '6');
        assert_eq!(compute("D23145890"), '7');
        assert_eq!(compute("<<<<<<<<<<<<<<"), '0');
    }
}
