//! The demo's people: users of every role at several members, and the accredited
//! contact points (some with accreditation about to expire, so that the warning
//! shows).

use std::collections::BTreeSet;

use godwit_domain::Timestamp;
use godwit_domain::marking::Classification;
use godwit_domain::member::{ContactFunction, ContactPoint, MemberCode, MemberKind};
use godwit_domain::user::{Role, User};
use rand::Rng;

use super::region::{MEMBERS, Region, random_uuid};

/// The one password every demo user shares; printed at start-up.
pub const DEMO_PASSWORD: &str = "Pacific-Godwit-2026!";

/// Members whose people cover every role, not only the core three.
const FULL_STAFF: &[&str] = &["FJI", "AUS", "PNG", "IDN", "NZL", "THA"];

/// First names for display names, so lists look lived in.
const GIVEN_NAMES: &[&str] = &[
    "Mere", "Josaia", "Grace", "Tavita", "Sione", "Lani", "Kalo", "Ruth", "Mahe", "Aroha", "Liam", "Priya", "Dewi",
    "Budi", "Somchai", "Nur", "Ana", "Maria", "Jose", "Hemi", "Mei", "Tevita", "Salote", "Rahul",
];
const FAMILY_NAMES: &[&str] = &[
    "Nakarawa", "Kaupa", "Tuilagi", "Fifita", "Kalsakau", "Ramo", "Walker", "Thompson", "Santoso", "Wibowo", "Srisuk",
    "Rahman", "Reyes", "Cruz", "Ngata", "Lee", "Havili", "Tupou", "Kumar", "Bakri",
];

fn display_name(rng: &mut impl Rng) -> String {
    let given = GIVEN_NAMES[rng.random_range(0..GIVEN_NAMES.len())];
    let family = FAMILY_NAMES[rng.random_range(0..FAMILY_NAMES.len())];
    format!("{given} {family}")
}

/// The users of the region: `ana.fji`, `auth.fji`, `nfp.fji` at every member;
/// `ofp.`, `officer.` and a second analyst at the fully staffed members; `sec.`
/// at the secretariats; one auditor and one administrator.
pub fn users(region: &Region, rng: &mut impl Rng) -> Vec<User> {
    let mut plan: Vec<(String, &str, Vec<Role>, Classification, bool)> = Vec::new();
    for member in MEMBERS {
        let m = member.code;
        let lower = m.to_lowercase();
        let full = FULL_STAFF.contains(&m);
        if member.kind == MemberKind::Secretariat {
            plan.push((format!("sec.{lower}"), m, vec![Role::Secretariat], Classification(2), false));
        }
        plan.push((format!("ana.{lower}"), m, vec![Role::Analyst], Classification(if full { 3 } else { 2 }), false));
        plan.push((
            format!("auth.{lower}"),
            m,
            vec![Role::AuthorisingOfficer, Role::Analyst],
            Classification(3),
            false,
        ));
        plan.push((format!("nfp.{lower}"), m, vec![Role::NationalFocalPoint], Classification(2), false));
        if full {
            plan.push((format!("ana2.{lower}"), m, vec![Role::Analyst], Classification(1), false));
            plan.push((format!("ofp.{lower}"), m, vec![Role::OrganisationalFocalPoint], Classification(1), true));
            plan.push((format!("officer.{lower}"), m, vec![Role::FrontLineOfficer], Classification(1), false));
        }
    }
    plan.push(("auditor.aus".into(), "AUS", vec![Role::Auditor], Classification(0), false));
    plan.push(("admin".into(), "PIDCSEC", vec![Role::Administrator], Classification(0), false));

    plan.into_iter()
        .filter_map(|(username, member, roles, clearance, partner_org)| {
            // Organisational focal points look after a domestic partner agency when there is one.
            let org = if partner_org {
                region.partner_orgs(member).next().or_else(|| region.main_org(member))
            } else {
                region.main_org(member)
            }?;
            let name = display_name(rng);
            Some(User {
                id: random_uuid(rng),
                email: format!("{username}@{}.godwit.example", member.to_lowercase()),
                username,
                display_name: name,
                member: MemberCode(member.to_owned()),
                organisation: org.id,
                roles: roles.into_iter().collect::<BTreeSet<_>>(),
                clearance,
                disabled: false,
            })
        })
        .collect()
}

/// Contact points: an NFP, an RFI desk and (for the fully staffed members) a
/// 24/7 desk per member, and an OFP per partner agency. A few accreditations
/// run out within weeks; one has already lapsed.
pub fn contact_points(region: &Region, rng: &mut impl Rng, now: Timestamp) -> Vec<ContactPoint> {
    let mut out = Vec::new();
    for (index, member) in MEMBERS.iter().enumerate() {
        let m = member.code;
        let domain = format!("{}.godwit.example", m.to_lowercase());
        let main = region.main_org(m).map(|o| o.id);
        let mut functions = vec![(ContactFunction::NationalFocalPoint, main), (ContactFunction::RfiDesk, main)];
        if FULL_STAFF.contains(&m) {
            functions.push((ContactFunction::Duty24x7, main));
        }
        for org in region.partner_orgs(m) {
            functions.push((ContactFunction::OrganisationalFocalPoint, Some(org.id)));
        }
        for (n, (function, organisation)) in functions.into_iter().enumerate() {
            let days = match (index + n) % 9 {
                _ if index == 7 && n == 0 => -10, // lapsed
                0 => 12,                          // expiring soon
                4 => 25,                          // expiring soon
                _ => rng.random_range(90..720),
            };
            let (name, email) = match function {
                ContactFunction::NationalFocalPoint => (display_name(rng), format!("nfp@{domain}")),
                ContactFunction::RfiDesk => (format!("{} RFI desk", member.name), format!("rfi@{domain}")),
                ContactFunction::Duty24x7 => (format!("{} 24/7 duty officer", member.name), format!("duty@{domain}")),
                ContactFunction::OrganisationalFocalPoint => (display_name(rng), format!("ofp{n}@{domain}")),
            };
            out.push(ContactPoint {
                id: random_uuid(rng),
                member: MemberCode(m.to_owned()),
                organisation,
                function,
                name,
                email,
                phone: Some(format!(
                    "+{} {:03} {:04}",
                    600 + index,
                    rng.random_range(100..999),
                    rng.random_range(0..9999)
                )),
                accredited_until: now.plus_days(days),
            });
        }
    }
    out
}
