//! The demo region: its members, groups and agencies, and the places, nationalities
//! and routes that the generated items talk about.
//!
//! Everything is fixed data except the organisation ids, which come from the
//! seeded random generator so that two runs with the same seed agree.

use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberGroup, MemberKind, Organisation};
use rand::Rng;
use uuid::Uuid;

/// One member of the region with the facts the generators need.
pub struct MemberSpec {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: MemberKind,
    /// Adjective for titles: "Fijian", "Indonesian".
    pub adjective: &'static str,
    /// Border posts: (place, post code or name, environment word).
    pub posts: &'static [(&'static str, &'static str)],
    /// Agencies besides immigration (customs, police…).
    pub other_agencies: &'static [AgencyKind],
}

const fn state(
    code: &'static str,
    name: &'static str,
    adjective: &'static str,
    posts: &'static [(&'static str, &'static str)],
    other_agencies: &'static [AgencyKind],
) -> MemberSpec {
    MemberSpec { code, name, kind: MemberKind::State, adjective, posts, other_agencies }
}

use AgencyKind::{Customs, Police};

/// The members of the demo region.
pub const MEMBERS: &[MemberSpec] = &[
    state(
        "FJI",
        "Fiji",
        "Fijian",
        &[("Nadi International Airport", "NAN"), ("Suva Port", "Suva wharf"), ("Lautoka Port", "Lautoka wharf")],
        &[Customs, Police],
    ),
    state(
        "PNG",
        "Papua New Guinea",
        "Papua New Guinean",
        &[
            ("Port Moresby Jacksons International Airport", "POM"),
            ("Lae Port", "Lae wharf"),
            ("Wutung", "Wutung land crossing"),
        ],
        &[Customs, Police],
    ),
    state(
        "WSM",
        "Samoa",
        "Samoan",
        &[("Apia Faleolo International Airport", "APW"), ("Apia Port", "Matautu wharf")],
        &[],
    ),
    state(
        "TON",
        "Tonga",
        "Tongan",
        &[("Nuku'alofa Fua'amotu International Airport", "TBU"), ("Nuku'alofa Port", "Queen Salote wharf")],
        &[],
    ),
    state(
        "VUT",
        "Vanuatu",
        "Ni-Vanuatu",
        &[("Port Vila Bauerfield International Airport", "VLI"), ("Luganville Port", "Luganville wharf")],
        &[Police],
    ),
    state(
        "SLB",
        "Solomon Islands",
        "Solomon Islander",
        &[("Honiara International Airport", "HIR"), ("Honiara Port", "Point Cruz wharf")],
        &[],
    ),
    state(
        "NZL",
        "New Zealand",
        "New Zealand",
        &[
            ("Auckland International Airport", "AKL"),
            ("Christchurch International Airport", "CHC"),
            ("Port of Tauranga", "Tauranga"),
        ],
        &[Customs, Police],
    ),
    state(
        "AUS",
        "Australia",
        "Australian",
        &[
            ("Brisbane Airport", "BNE"),
            ("Sydney Kingsford Smith Airport", "SYD"),
            ("Darwin", "Darwin harbour"),
            ("Christmas Island", "Flying Fish Cove"),
        ],
        &[Customs, Police],
    ),
    state(
        "IDN",
        "Indonesia",
        "Indonesian",
        &[
            ("Denpasar Ngurah Rai International Airport", "DPS"),
            ("Jakarta Soekarno-Hatta International Airport", "CGK"),
            ("Kupang", "Tenau port"),
        ],
        &[Police],
    ),
    state(
        "THA",
        "Thailand",
        "Thai",
        &[
            ("Bangkok Suvarnabhumi Airport", "BKK"),
            ("Sadao", "Sadao land crossing"),
            ("Phuket International Airport", "HKT"),
        ],
        &[Customs, Police],
    ),
    state(
        "MYS",
        "Malaysia",
        "Malaysian",
        &[
            ("Kuala Lumpur International Airport", "KUL"),
            ("Johor Bahru", "Bangunan Sultan Iskandar"),
            ("Port Klang", "Port Klang"),
        ],
        &[Customs],
    ),
    state(
        "PHL",
        "Philippines",
        "Filipino",
        &[
            ("Manila Ninoy Aquino International Airport", "MNL"),
            ("Zamboanga Port", "Zamboanga"),
            ("Cebu Mactan International Airport", "CEB"),
        ],
        &[],
    ),
    MemberSpec {
        code: "IOM",
        name: "International Organization for Migration",
        kind: MemberKind::InternationalOrganisation,
        adjective: "IOM",
        posts: &[],
        other_agencies: &[],
    },
    MemberSpec {
        code: "PIDCSEC",
        name: "PIDC Secretariat",
        kind: MemberKind::Secretariat,
        adjective: "PIDC",
        posts: &[],
        other_agencies: &[],
    },
    MemberSpec {
        code: "RSO",
        name: "Bali Process Regional Support Office",
        kind: MemberKind::Secretariat,
        adjective: "RSO",
        posts: &[],
        other_agencies: &[],
    },
];

/// The two overlapping groups: (code, name, members).
pub const GROUPS: &[(&str, &str, &[&str])] = &[
    (
        "PIDC",
        "Pacific Immigration Development Community",
        &["FJI", "PNG", "WSM", "TON", "VUT", "SLB", "NZL", "AUS", "PIDCSEC"],
    ),
    ("BALI", "Bali Process", &["AUS", "NZL", "PNG", "FJI", "IDN", "THA", "MYS", "PHL", "IOM", "RSO"]),
];

/// Nationalities seen in irregular flows: (ICAO/ISO code, adjective).
pub const NATIONALITIES: &[(&str, &str)] = &[
    ("CHN", "Chinese"),
    ("IND", "Indian"),
    ("LKA", "Sri Lankan"),
    ("BGD", "Bangladeshi"),
    ("PAK", "Pakistani"),
    ("AFG", "Afghan"),
    ("IRN", "Iranian"),
    ("MMR", "Myanmar"),
    ("VNM", "Vietnamese"),
    ("NPL", "Nepalese"),
    ("IRQ", "Iraqi"),
    ("KHM", "Cambodian"),
];

/// Routes as origin → transit points → destination, with the environment of the last leg.
pub const ROUTES: &[(&[&str], &str)] = &[
    (&["LKA", "MYS", "IDN", "AUS"], "sea"),
    (&["CHN", "FJI", "NZL"], "air"),
    (&["IND", "THA", "PNG", "AUS"], "air"),
    (&["BGD", "MYS", "IDN", "AUS"], "sea"),
    (&["VNM", "KHM", "THA", "MYS"], "land"),
    (&["IRN", "MYS", "IDN", "AUS"], "sea"),
    (&["MMR", "THA", "MYS"], "land"),
    (&["CHN", "PHL", "PNG", "AUS"], "air"),
    (&["NPL", "THA", "FJI", "NZL"], "air"),
    (&["AFG", "PAK", "MYS", "IDN"], "air"),
    (&["IND", "SGP", "VUT", "NZL"], "air"),
    (&["CHN", "SLB", "AUS"], "sea"),
];

/// The region as built for one seed: domain values ready for the store.
#[derive(Clone)]
pub struct Region {
    pub members: Vec<Member>,
    pub groups: Vec<MemberGroup>,
    pub organisations: Vec<Organisation>,
}

impl Region {
    /// Builds the members, groups and one organisation per agency of each member.
    pub fn build(rng: &mut impl Rng) -> Region {
        let members = MEMBERS
            .iter()
            .map(|m| Member { code: MemberCode(m.code.to_owned()), name: m.name.to_owned(), kind: m.kind })
            .collect();
        let groups = GROUPS
            .iter()
            .map(|(code, name, members)| MemberGroup {
                code: (*code).to_owned(),
                name: (*name).to_owned(),
                members: members.iter().map(|m| MemberCode((*m).to_owned())).collect(),
            })
            .collect();
        let mut organisations = Vec::new();
        for member in MEMBERS {
            let (main_name, main_agency) = match member.kind {
                MemberKind::Secretariat => (format!("{} staff", member.name), AgencyKind::Secretariat),
                MemberKind::InternationalOrganisation => {
                    ("IOM Regional Office for Asia and the Pacific".to_owned(), AgencyKind::Other)
                }
                _ => (format!("{} Immigration Service", member.name), AgencyKind::Immigration),
            };
            organisations.push(organisation(rng, member.code, main_name, main_agency));
            for agency in member.other_agencies {
                let name = match agency {
                    AgencyKind::Customs => format!("{} Customs Service", member.name),
                    AgencyKind::Police => format!("{} Police Force", member.name),
                    _ => format!("{} {}", member.name, agency.as_str()),
                };
                organisations.push(organisation(rng, member.code, name, *agency));
            }
        }
        Region { members, groups, organisations }
    }

    /// The member's main organisation (immigration, the secretariat's staff, IOM's office).
    pub fn main_org(&self, member: &str) -> Option<&Organisation> {
        self.organisations.iter().find(|o| o.member.as_str() == member)
    }

    /// The member's organisations other than the main one (domestic partners).
    pub fn partner_orgs(&self, member: &str) -> impl Iterator<Item = &Organisation> {
        self.organisations.iter().filter(move |o| o.member.as_str() == member).skip(1)
    }

    pub fn groups_of(&self, member: &str) -> Vec<&str> {
        self.groups.iter().filter(|g| g.members.iter().any(|m| m.as_str() == member)).map(|g| g.code.as_str()).collect()
    }
}

fn organisation(rng: &mut impl Rng, member: &str, name: String, agency: AgencyKind) -> Organisation {
    Organisation { id: random_uuid(rng), member: MemberCode(member.to_owned()), name, agency }
}

/// A random (version 4 layout) id drawn from the seeded generator.
pub fn random_uuid(rng: &mut impl Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// A version 7 id for something created at `millis`, random bits from the seeded generator.
pub fn uuid_v7_at(rng: &mut impl Rng, millis: i64) -> Uuid {
    uuid::Builder::from_unix_timestamp_millis(u64::try_from(millis).unwrap_or(0), &rng.random()).into_uuid()
}

/// Looks a member up by code.
pub fn spec(code: &str) -> Option<&'static MemberSpec> {
    MEMBERS.iter().find(|m| m.code == code)
}

/// The states of the region (members that have border posts).
pub fn states() -> impl Iterator<Item = &'static MemberSpec> {
    MEMBERS.iter().filter(|m| !m.posts.is_empty())
}
