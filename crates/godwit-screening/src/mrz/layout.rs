//! Where each field sits in the five MRZ formats (Doc 9303 Parts 4–7).
//!
//! Positions are zero-based `(line, column)`; a [`Span`] adds a length.

use super::MrzFormat;

/// A run of characters on one line.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub line: usize,
    pub start: usize,
    pub len: usize,
}

const fn span(line: usize, start: usize, len: usize) -> Span {
    Span { line, start, len }
}

/// The position of a single character (a check digit or the sex).
pub type At = (usize, usize);

/// Field positions of one format.
pub struct Layout {
    pub code: Span,
    pub issuing_state: Span,
    pub names: Span,
    pub number: Span,
    pub number_check: At,
    pub nationality: Span,
    pub birth: Span,
    pub birth_check: At,
    pub sex: At,
    pub expiry: Span,
    pub expiry_check: At,
    pub optional: Span,
    /// TD3 only: the check digit of the optional data (personal number).
    pub optional_check: Option<At>,
    /// TD1 only: the second optional data field on line 2.
    pub optional_2: Option<Span>,
    /// The composite check digit and the spans it covers (not on visas).
    pub composite: Option<(At, &'static [Span])>,
    /// Whether a document number longer than 9 characters may continue in
    /// the optional data (TD1 and TD2, Doc 9303 Parts 5 and 6).
    pub long_number: bool,
}

const TD1_COMPOSITE: &[Span] = &[span(0, 5, 25), span(1, 0, 7), span(1, 8, 7), span(1, 18, 11)];
const TD2_COMPOSITE: &[Span] = &[span(1, 0, 10), span(1, 13, 7), span(1, 21, 14)];
const TD3_COMPOSITE: &[Span] = &[span(1, 0, 10), span(1, 13, 7), span(1, 21, 22)];

/// The layout of `format`.
pub fn layout(format: MrzFormat) -> Layout {
    match format {
        MrzFormat::Td1 => Layout {
            code: span(0, 0, 2),
            issuing_state: span(0, 2, 3),
            number: span(0, 5, 9),
            number_check: (0, 14),
            optional: span(0, 15, 15),
            birth: span(1, 0, 6),
            birth_check: (1, 6),
            sex: (1, 7),
            expiry: span(1, 8, 6),
            expiry_check: (1, 14),
            nationality: span(1, 15, 3),
            optional_2: Some(span(1, 18, 11)),
            composite: Some(((1, 29), TD1_COMPOSITE)),
            names: span(2, 0, 30),
            optional_check: None,
            long_number: true,
        },
        MrzFormat::Td2 | MrzFormat::Td3 | MrzFormat::MrvA | MrzFormat::MrvB => {
            let wide = matches!(format, MrzFormat::Td3 | MrzFormat::MrvA);
            let optional_len = match format {
                MrzFormat::Td2 => 7,
                MrzFormat::Td3 => 14,
                MrzFormat::MrvA => 16,
                _ => 8,
            };
            let composite = match format {
                MrzFormat::Td2 => Some(((1, 35), TD2_COMPOSITE)),
                MrzFormat::Td3 => Some(((1, 43), TD3_COMPOSITE)),
                _ => None,
            };
            Layout {
                code: span(0, 0, 2),
                issuing_state: span(0, 2, 3),
                names: span(0, 5, if wide { 39 } else { 31 }),
                number: span(1, 0, 9),
                number_check: (1, 9),
                nationality: span(1, 10, 3),
                birth: span(1, 13, 6),
                birth_check: (1, 19),
                sex: (1, 20),
                expiry: span(1, 21, 6),
                expiry_check: (1, 27),
                optional: span(1, 28, optional_len),
                optional_check: (format == MrzFormat::Td3).then_some((1, 42)),
                optional_2: None,
                composite,
                long_number: format == MrzFormat::Td2,
            }
        }
    }
}
