//! Assembling typed segments into messages, flights and travellers, and
//! checking the control counts. A defect inside a traveller makes that
//! traveller unscreenable; a defect of the message or interchange becomes a
//! [`ManifestProblem`].

use super::segments::{Segment, SegmentError};
use super::tokenizer::RawSegment;
use super::{Flight, ListKind, MessageInfo, Paxlst};
use crate::dates;
use crate::manifest::{Location, ManifestProblem, Unscreenable};
use crate::traveller::{Sex, TravelDocument, Traveller};

/// A traveller being read, with the defects found so far.
struct Pending {
    traveller: Traveller,
    crew: bool,
    errors: Vec<(Location, String)>,
    /// Whether the last `DOC` is still open for its `DTM+36` and `LOC+91`.
    in_document: bool,
}

/// A message being read.
struct OpenMessage {
    info: MessageInfo,
    first_index: usize,
    read: u32,
    declared: Vec<(String, u32, Location)>,
    travellers: u32,
    crew: u32,
}

/// Reads segments one by one into a [`Paxlst`].
pub struct Assembler {
    pivot_year: i32,
    out: Paxlst,
    interchange_reference: Option<String>,
    group: Option<(String, u32)>,
    groups: u32,
    messages: u32,
    message: Option<OpenMessage>,
    current: Option<Pending>,
    closed: bool,
}

/// For a `NAD` party function naming a traveller, whether it is crew
/// (`FM` crew member, `DDT` crew in transit) or not (`FL` passenger, `DDU`
/// passenger in transit).
fn traveller_function(function: &str) -> Option<bool> {
    match function {
        "FM" | "DDT" => Some(true),
        "FL" | "DDU" => Some(false),
        _ => None,
    }
}

fn at(raw: &RawSegment) -> Location {
    Location::Segment { tag: raw.tag.clone(), index: raw.index, offset: raw.offset }
}

fn from_error(e: &SegmentError) -> Location {
    Location::Segment { tag: e.tag.clone(), index: e.index, offset: e.offset }
}

impl Assembler {
    pub fn new(pivot_year: i32) -> Self {
        Assembler {
            pivot_year,
            out: Paxlst::default(),
            interchange_reference: None,
            group: None,
            groups: 0,
            messages: 0,
            message: None,
            current: None,
            closed: false,
        }
    }

    pub fn problem(&mut self, location: Location, message: String) {
        self.out.manifest.problems.push(ManifestProblem { location, message });
    }

    pub fn segment(&mut self, raw: &RawSegment) {
        if let Some(m) = self.message.as_mut() {
            m.read += 1;
        }
        match Segment::from_raw(raw) {
            Ok(seg) => self.typed(raw, seg),
            Err(e) if raw.tag == "NAD" && traveller_function(raw.get(0, 0)).is_some() => {
                // A traveller whose name is unusable is still a traveller.
                self.flush_traveller();
                let crew = traveller_function(raw.get(0, 0)) == Some(true);
                let given = raw
                    .elements
                    .get(3)
                    .map(|e| e.iter().skip(1).cloned().collect::<Vec<_>>().join(" "))
                    .unwrap_or_default();
                self.start_traveller(String::new(), given, crew);
                if let Some(p) = self.current.as_mut() {
                    p.errors.push((from_error(&e), e.message));
                }
            }
            Err(e) => match self.current.as_mut() {
                Some(p) => p.errors.push((from_error(&e), e.message)),
                None => self.problem(from_error(&e), e.message),
            },
        }
    }

    fn typed(&mut self, raw: &RawSegment, seg: Segment) {
        match seg {
            Segment::Unb { sender, recipient, date, reference } => {
                if let Some(year) = date.get(0..2).and_then(|y| y.parse::<i32>().ok()) {
                    self.pivot_year = 2000 + year;
                }
                self.out.sender = sender;
                self.out.recipient = recipient;
                self.interchange_reference = Some(reference);
            }
            Segment::Ung { reference } => {
                self.groups += 1;
                self.group = Some((reference, 0));
            }
            Segment::Unh { reference, message_type } => self.open_message(raw, reference, &message_type),
            Segment::Unt { count, reference } => self.close_message(raw, count, &reference),
            Segment::Une { count, reference } => self.close_group(raw, count, &reference),
            Segment::Unz { count, reference } => self.close_interchange(raw, count, &reference),
            Segment::Nad { function, surname, given_names } => {
                if let Some(crew) = traveller_function(&function) {
                    self.flush_traveller();
                    self.start_traveller(surname, given_names.join(" "), crew);
                }
            }
            seg if self.current.is_some() => self.traveller_segment(raw, seg),
            seg => self.message_segment(raw, seg),
        }
    }

    fn open_message(&mut self, raw: &RawSegment, reference: String, message_type: &str) {
        if self.message.is_some() {
            self.problem(at(raw), "UNH before the previous message's UNT".into());
            self.flush_message();
        }
        if message_type != "PAXLST" {
            self.problem(at(raw), format!("message type {message_type:?} is not PAXLST"));
        }
        self.messages += 1;
        if let Some(g) = self.group.as_mut() {
            g.1 += 1;
        }
        self.message = Some(OpenMessage {
            info: MessageInfo { reference, list: ListKind::Passengers, flight: Flight::default() },
            first_index: raw.index,
            read: 1,
            declared: Vec::new(),
            travellers: 0,
            crew: 0,
        });
    }

    fn message_segment(&mut self, raw: &RawSegment, seg: Segment) {
        let Some(m) = self.message.as_mut() else {
            if seg != Segment::Other {
                self.problem(at(raw), "segment outside a UNH … UNT message".into());
            }
            return;
        };
        let flight = &mut m.info.flight;
        match seg {
            Segment::Bgm { code } => {
                m.info.list = match code.as_str() {
                    "745" => ListKind::Passengers,
                    "250" => ListKind::Crew,
                    _ => ListKind::Other(code),
                }
            }
            Segment::Tdt { conveyance, carrier } => {
                flight.number = conveyance;
                flight.carrier = carrier;
            }
            Segment::Loc { qualifier, place } => match qualifier.as_str() {
                "125" => flight.departure = Some(place),
                "87" => flight.arrival = Some(place),
                "92" => flight.transit.push(place),
                _ => {}
            },
            Segment::Dtm { qualifier, value } => match qualifier.as_str() {
                "189" => flight.departure_time = Some(value),
                "232" => flight.arrival_time = Some(value),
                _ => {}
            },
            Segment::Cnt { qualifier, value } => m.declared.push((qualifier, value, at(raw))),
            _ => {}
        }
    }

    fn start_traveller(&mut self, surname: String, given_names: String, crew: bool) {
        self.current = Some(Pending {
            traveller: Traveller { surname, given_names, ..Traveller::default() },
            crew,
            errors: Vec::new(),
            in_document: false,
        });
    }

    fn traveller_segment(&mut self, raw: &RawSegment, seg: Segment) {
        let pivot = self.pivot_year;
        let Some(p) = self.current.as_mut() else {
            return;
        };
        let t = &mut p.traveller;
        let mut fail = |message: String| p.errors.push((at(raw), message));
        match seg {
            Segment::Att { function, value } if function == "2" => match Sex::from_code(&value) {
                Some(sex) => t.sex = Some(sex),
                None => fail(format!("sex {value:?} is not M, F, U or X")),
            },
            Segment::Dtm { qualifier, value } => match qualifier.as_str() {
                "329" => match dates::parse_yymmdd(&value, pivot, true) {
                    Some(d) => t.date_of_birth = Some(d),
                    None => fail(format!("date of birth {value:?} is not a date")),
                },
                "36" if p.in_document => match dates::parse_yymmdd(&value, pivot, false) {
                    Some(d) => {
                        if let Some(doc) = t.documents.last_mut() {
                            doc.expiry_date = Some(d);
                        }
                    }
                    None => fail(format!("document expiry {value:?} is not a date")),
                },
                _ => {}
            },
            Segment::Nat { code } => t.nationality = Some(code),
            // ABO (unique passenger reference) wins over other references.
            Segment::Rff { qualifier, value } if t.traveller_id.is_empty() || qualifier == "ABO" => {
                t.traveller_id = value;
            }
            Segment::Doc { document_type, number } => {
                t.documents.push(TravelDocument { document_type, number, ..TravelDocument::default() });
                p.in_document = true;
            }
            Segment::Loc { qualifier, place } => match qualifier.as_str() {
                "91" if p.in_document => {
                    if let Some(doc) = t.documents.last_mut() {
                        doc.issuing_state = Some(place);
                    }
                }
                "178" => t.origin = Some(place),
                "179" => t.destination = Some(place),
                "22" => t.transit.push(place),
                _ => {}
            },
            Segment::Cnt { .. } | Segment::Bgm { .. } | Segment::Tdt { .. } => {
                // The traveller list is over: the segment belongs to the message.
                self.flush_traveller();
                self.message_segment(raw, seg);
            }
            _ => {}
        }
    }

    fn flush_traveller(&mut self) {
        let Some(mut p) = self.current.take() else {
            return;
        };
        let Some(m) = self.message.as_mut() else {
            return;
        };
        if p.crew {
            m.crew += 1;
        } else {
            m.travellers += 1;
        }
        let t = &mut p.traveller;
        if t.traveller_id.is_empty() {
            t.traveller_id = format!("{}-{}", m.info.reference, m.travellers + m.crew);
        }
        let flight = &m.info.flight;
        if t.origin.is_none() {
            t.origin.clone_from(&flight.departure);
        }
        if t.destination.is_none() {
            t.destination.clone_from(&flight.arrival);
        }
        t.transit.extend(flight.transit.iter().cloned());
        let manifest = &mut self.out.manifest;
        match p.errors.first() {
            None => manifest.travellers.push(p.traveller),
            Some((location, _)) => manifest.unscreenable.push(Unscreenable {
                name: t.full_name(),
                traveller_id: t.traveller_id.clone(),
                location: location.clone(),
                message: p.errors.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join("; "),
            }),
        }
    }

    fn close_message(&mut self, raw: &RawSegment, count: u32, reference: &str) {
        self.flush_traveller();
        let Some(m) = self.message.take() else {
            self.problem(at(raw), "UNT without UNH".into());
            return;
        };
        let expected = raw.index.saturating_sub(m.first_index) + 1;
        if usize::try_from(count).ok() != Some(expected) {
            self.problem(at(raw), format!("UNT says {count} segments, the message has {expected}"));
        }
        if reference != m.info.reference {
            self.problem(at(raw), format!("UNT reference {reference:?} differs from UNH {:?}", m.info.reference));
        }
        for (qualifier, value, location) in &m.declared {
            let (actual, what) = match qualifier.as_str() {
                "42" => (m.travellers, "passengers"),
                "41" => (m.crew, "crew members"),
                _ => continue,
            };
            if *value != actual {
                let message = format!("CNT+{qualifier} says {value} {what}, the message lists {actual}");
                self.problem(location.clone(), message);
            }
        }
        self.out.messages.push(m.info);
    }

    /// Closes a message left open at the end of input or before a new UNH.
    fn flush_message(&mut self) {
        self.flush_traveller();
        if let Some(m) = self.message.take() {
            self.out.messages.push(m.info);
        }
    }

    fn close_group(&mut self, raw: &RawSegment, count: u32, reference: &str) {
        self.flush_message();
        match self.group.take() {
            Some((group_ref, messages)) => {
                if count != messages {
                    self.problem(at(raw), format!("UNE says {count} messages, the group has {messages}"));
                }
                if group_ref != reference {
                    self.problem(at(raw), format!("UNE reference {reference:?} differs from UNG {group_ref:?}"));
                }
            }
            None => self.problem(at(raw), "UNE without UNG".into()),
        }
    }

    fn close_interchange(&mut self, raw: &RawSegment, count: u32, reference: &str) {
        self.flush_message();
        self.closed = true;
        let (expected, what) = if self.groups > 0 { (self.groups, "groups") } else { (self.messages, "messages") };
        if count != expected {
            self.problem(at(raw), format!("UNZ says {count}, the interchange has {expected} {what}"));
        }
        match self.interchange_reference.clone() {
            Some(r) if r == reference => {}
            Some(r) => self.problem(at(raw), format!("UNZ reference {reference:?} differs from UNB {r:?}")),
            None => self.problem(at(raw), "UNZ without UNB".into()),
        }
    }

    pub fn finish(mut self, end: usize) -> Paxlst {
        if self.message.is_some() {
            self.problem(Location::Byte { offset: end }, "message not closed by UNT".into());
        }
        self.flush_message();
        if !self.closed {
            self.problem(Location::Byte { offset: end }, "interchange not closed by UNZ".into());
        }
        self.out
    }
}
