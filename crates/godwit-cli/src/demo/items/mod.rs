//! Synthetic items: realistic text from templates per kind, varied markings,
//! grading and releasability, and whole [`Item`]s in any workflow state.
//!
//! The demo region and the benchmark share this factory, so the benchmark lists
//! items that look like the demo's, not uniform filler.

mod alerts;
mod incidents;
mod markings;
mod reports;
mod requests;
pub mod text;

use std::collections::BTreeMap;

use godwit_domain::Timestamp;
use godwit_domain::item::{AlertType, Item, ItemContent, ItemKind, ItemState};
use godwit_domain::member::MemberCode;
use godwit_domain::user::{Role, User};
use rand::Rng;
use uuid::Uuid;

use super::region::{MEMBERS, MemberSpec, Region, random_uuid, spec, states, uuid_v7_at};
use text::{Ctx, Text};

/// How far back generated items go: 18 months.
pub const HISTORY_DAYS: i64 = 540;

/// Who writes and who approves at each member.
pub struct Staff {
    /// (user, organisation) of those who write items.
    authors: BTreeMap<String, Vec<(Uuid, Uuid)>>,
    approvers: BTreeMap<String, Vec<Uuid>>,
}

impl Staff {
    /// Analysts and secretariat staff write; authorising officers approve.
    pub fn from_users(users: &[User]) -> Staff {
        let mut staff = Staff { authors: BTreeMap::new(), approvers: BTreeMap::new() };
        for user in users {
            let member = user.member.as_str().to_owned();
            if user.has(Role::Analyst) || user.has(Role::Secretariat) {
                staff.authors.entry(member.clone()).or_default().push((user.id, user.organisation));
            }
            if user.has(Role::AuthorisingOfficer) {
                staff.approvers.entry(member).or_default().push(user.id);
            }
        }
        staff
    }

    /// One made-up author and approver per member, for the benchmark, which
    /// needs no accounts.
    pub fn synthetic(region: &Region, rng: &mut impl Rng) -> Staff {
        let mut staff = Staff { authors: BTreeMap::new(), approvers: BTreeMap::new() };
        for member in MEMBERS {
            if let Some(org) = region.main_org(member.code) {
                staff.authors.insert(member.code.to_owned(), vec![(random_uuid(rng), org.id)]);
                staff.approvers.insert(member.code.to_owned(), vec![random_uuid(rng)]);
            }
        }
        staff
    }
}

/// Makes items for one region at one moment.
pub struct ItemFactory<'a> {
    region: &'a Region,
    staff: Staff,
    now: Timestamp,
}

impl<'a> ItemFactory<'a> {
    pub fn new(region: &'a Region, staff: Staff, now: Timestamp) -> Self {
        ItemFactory { region, staff, now }
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// A member that plausibly writes items of `kind`.
    pub fn writer(&self, rng: &mut impl Rng, kind: ItemKind) -> &'static MemberSpec {
        let states: Vec<&'static MemberSpec> = states().collect();
        let pick_code = |rng: &mut dyn rand::RngCore, codes: &[&str]| {
            spec(codes[rng.random_range(0..codes.len())]).unwrap_or(&MEMBERS[0])
        };
        match kind {
            ItemKind::Bulletin => pick_code(rng, &["PIDCSEC", "RSO"]),
            ItemKind::ThreatAssessment if rng.random_bool(0.25) => pick_code(rng, &["PIDCSEC", "RSO"]),
            ItemKind::LibraryDocument if rng.random_bool(0.5) => pick_code(rng, &["PIDCSEC", "RSO", "IOM"]),
            ItemKind::Alert if rng.random_bool(0.05) => pick_code(rng, &["IOM"]),
            _ => states[rng.random_range(0..states.len())],
        }
    }

    /// A random moment in the last 18 months.
    pub fn random_time(&self, rng: &mut impl Rng) -> Timestamp {
        Timestamp(self.now.0 - rng.random_range(0..HISTORY_DAYS * 86_400_000))
    }

    /// The text of an item of `kind` by `member` written at `when`. Requests go to
    /// a random other state; responses answer a made-up request (the demo links
    /// real ones with [`ItemFactory::response_text`]).
    pub fn text<R: Rng>(&self, rng: &mut R, kind: ItemKind, member: &'static MemberSpec, when: Timestamp) -> Text {
        let mut ctx = Ctx { rng, member, when };
        match kind {
            ItemKind::Alert => match ctx.pick(&[
                AlertType::DocumentFraud,
                AlertType::DocumentFraud,
                AlertType::ModusOperandi,
                AlertType::Route,
                AlertType::Facilitator,
            ]) {
                AlertType::DocumentFraud => alerts::document_fraud(&mut ctx),
                AlertType::ModusOperandi => alerts::modus_operandi(&mut ctx),
                AlertType::Route => alerts::route(&mut ctx),
                AlertType::Facilitator => alerts::facilitator(&mut ctx),
            },
            ItemKind::IntelligenceReport => reports::intelligence_report(&mut ctx),
            ItemKind::IncidentRecord => incidents::incident_record(&mut ctx),
            ItemKind::Bulletin => reports::bulletin(&mut ctx),
            ItemKind::ThreatAssessment => reports::threat_assessment(&mut ctx),
            ItemKind::LibraryDocument => requests::library(&mut ctx),
            ItemKind::RequestForInformation => {
                let others: Vec<&'static MemberSpec> = states().filter(|s| s.code != member.code).collect();
                let addressee = others[ctx.rng.random_range(0..others.len())];
                requests::request(&mut ctx, addressee)
            }
            ItemKind::RfiResponse => {
                let request = random_uuid(ctx.rng);
                requests::response(
                    &mut ctx,
                    request,
                    "an earlier request",
                    godwit_domain::item::Category::DocumentFraud,
                )
            }
        }
    }

    /// The addressee's response to `request`, released to the requesting member.
    pub fn response_text<R: Rng>(
        &self,
        rng: &mut R,
        request: &Item,
        when: Timestamp,
    ) -> Option<(&'static MemberSpec, Text)> {
        let godwit_domain::item::ItemDetails::RequestForInformation { addressee, .. } = &request.content.details else {
            return None;
        };
        let member = spec(addressee.as_str())?;
        let mut ctx = Ctx { rng, member, when };
        Some((member, requests::response(&mut ctx, request.id, &request.content.title, request.content.category)))
    }

    /// A published item of `kind` from a plausible member at a random time.
    pub fn published(&self, rng: &mut impl Rng, kind: ItemKind) -> Option<Item> {
        let member = self.writer(rng, kind);
        let when = self.random_time(rng);
        let text = self.text(rng, kind, member, when);
        self.item(rng, member, text, when, ItemState::Published)
    }

    /// Puts text, markings and workflow fields together into a whole item.
    /// `None` when the member has no author (never for the region's members).
    pub fn item(
        &self,
        rng: &mut impl Rng,
        member: &'static MemberSpec,
        text: Text,
        when: Timestamp,
        state: ItemState,
    ) -> Option<Item> {
        let authors = self.staff.authors.get(member.code)?;
        let (author, org) = authors[rng.random_range(0..authors.len())];
        let approver = self.staff.approvers.get(member.code).and_then(|a| a.iter().copied().find(|id| *id != author));
        let kind = text.details.kind();
        let marks = markings::choose(rng, self.region, member, &text);
        let content = ItemContent {
            title: text.title,
            summary: text.summary,
            body: text.body,
            category: text.category,
            details: text.details,
            classification: marks.classification,
            tlp: marks.tlp,
            caveats: marks.caveats,
            release: marks.release,
            grading: marks.grading,
            tags: text.tags,
            countries: text.countries,
            environment: text.environment,
            valid_from: text.valid_days.map(|_| when),
            valid_until: text.valid_days.map(|d| when.plus_days(d)),
        };
        let edited = Timestamp(when.0 + rng.random_range(60_000..7_200_000));
        let released = matches!(state, ItemState::Published | ItemState::Superseded | ItemState::Withdrawn);
        let published_at = released.then(|| Timestamp(edited.0 + rng.random_range(600_000..86_400_000)));
        let later = |rng: &mut dyn rand::RngCore, at: Timestamp| {
            Timestamp((at.0 + rng.random_range(86_400_000..20 * 86_400_000)).min(self.now.0))
        };
        let updated_at = match state {
            ItemState::Withdrawn | ItemState::Superseded => later(rng, published_at.unwrap_or(edited)),
            _ => published_at.unwrap_or(edited),
        };
        Some(Item {
            id: uuid_v7_at(rng, when.0),
            kind,
            originator_member: MemberCode(member.code.to_owned()),
            originator_org: org,
            author,
            state,
            content,
            version: 1,
            supersedes: None,
            superseded_by: None,
            created_at: when,
            updated_at,
            published_at,
            approved_by: if released { approver } else { None },
            return_comment: (state == ItemState::Returned)
                .then(|| "Please add the source grading rationale and narrow the release list.".to_owned()),
            withdrawn_reason: (state == ItemState::Withdrawn)
                .then(|| "The originating member found the information to be inaccurate.".to_owned()),
        })
    }
}
