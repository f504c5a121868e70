//! Builds MRZs from fields with the check digits Doc 9303 prescribes, for
//! the property tests and the oracle comparison.

use godwit_screening::mrz::check_digit;

/// Fields of a generated document.
#[derive(Debug, Clone)]
pub struct Doc {
    pub surname: String,
    pub given: String,
    pub number: String,
    pub nationality: &'static str,
    pub birth: String,
    pub sex: char,
    pub expiry: String,
    pub optional: String,
}

fn pad(text: &str, len: usize) -> String {
    let mut s: String = text.chars().take(len).collect();
    while s.len() < len {
        s.push('<');
    }
    s
}

fn names(d: &Doc, len: usize) -> String {
    pad(&format!("{}<<{}", d.surname.replace(' ', "<"), d.given.replace(' ', "<")), len)
}

pub fn td3(d: &Doc) -> String {
    let number = pad(&d.number, 9);
    let optional = pad(&d.optional, 14);
    let l2_head = format!(
        "{number}{}{}{}{}{}{}{}",
        check_digit::compute(&number),
        d.nationality,
        d.birth,
        check_digit::compute(&d.birth),
        d.sex,
        d.expiry,
        check_digit::compute(&d.expiry)
    );
    let optional_block = format!("{optional}{}", check_digit::compute(&optional));
    let composite_data = format!("{}{}{}{optional_block}", &l2_head[0..10], &l2_head[13..20], &l2_head[21..28]);
    let line2 = format!("{l2_head}{optional_block}{}", check_digit::compute(&composite_data));
    format!("P<{}{}\n{line2}", d.nationality, names(d, 39))
}

pub fn td1(d: &Doc) -> String {
    let number = pad(&d.number, 9);
    let optional = pad(&d.optional, 15);
    let line1 = format!("I<{}{number}{}{optional}", d.nationality, check_digit::compute(&number));
    let line2_head = format!(
        "{}{}{}{}{}{}{}",
        d.birth,
        check_digit::compute(&d.birth),
        d.sex,
        d.expiry,
        check_digit::compute(&d.expiry),
        d.nationality,
        pad("", 11)
    );
    let composite = format!("{}{}{}{}", &line1[5..30], &line2_head[0..7], &line2_head[8..15], &line2_head[18..29]);
    format!("{line1}\n{line2_head}{}\n{}", check_digit::compute(&composite), names(d, 30))
}

pub fn td2(d: &Doc) -> String {
    let number = pad(&d.number, 9);
    let optional = pad(&d.optional, 7);
    let head = format!(
        "{number}{}{}{}{}{}{}{}{optional}",
        check_digit::compute(&number),
        d.nationality,
        d.birth,
        check_digit::compute(&d.birth),
        d.sex,
        d.expiry,
        check_digit::compute(&d.expiry)
    );
    let composite = format!("{}{}{}", &head[0..10], &head[13..20], &head[21..35]);
    format!("I<{}{}\n{head}{}", d.nationality, names(d, 31), check_digit::compute(&composite))
}
