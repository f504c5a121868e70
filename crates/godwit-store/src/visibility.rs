//! The access policy pushed down into SQL. SECURITY-CRITICAL.
//!
//! [`condition`] translates `godwit_domain::policy::decide` into a WHERE clause
//! over the `items` table for one subject at one moment, so that lists and
//! searches never load what the subject may not read. The differential test in
//! `tests/store/visibility.rs` proves the two return exactly the same items on
//! both backends; results are also re-checked with `decide` before they leave
//! the store.
//!
//! Agreements are few (tens), so instead of joining them per row the condition
//! lists, for each partner member, the categories and the highest classification
//! an agreement in force covers.

use godwit_domain::Timestamp;
use godwit_domain::agreement::Agreement;
use godwit_domain::item::{ItemKind, ItemState};
use godwit_domain::marking::{Classification, Tlp};
use godwit_domain::user::{Role, Subject};
use sea_query::{Cond, Condition, Expr, ExprTrait, Query};

use crate::schema::{ItemReleaseGroups, ItemReleaseMembers, ItemReleaseOrgs, Items};

pub(crate) fn never() -> Condition {
    Cond::all().add(Expr::val(1).eq(0))
}

fn state_in(states: &[ItemState]) -> Expr {
    Expr::col((Items::Table, Items::State)).is_in(states.iter().map(|s| s.as_str()))
}

/// `EXISTS (SELECT 1 FROM link WHERE link.item_id = items.id AND link.col IN values)`.
fn released_through<T, C>(table: T, item_col: C, col: C, values: Vec<String>) -> Expr
where
    T: sea_query::IntoIden + Copy,
    C: sea_query::IntoIden + Copy,
{
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(table)
            .and_where(Expr::col((table, item_col)).equals((Items::Table, Items::Id)))
            .and_where(Expr::col((table, col)).is_in(values))
            // LIMIT/OFFSET keep PostgreSQL from hashing every release row of the
            // member on each call: it probes the index per item instead.
            .limit(1)
            .offset(0)
            .to_owned(),
    )
}

/// The WHERE clause that keeps exactly the items `decide` allows `subject` at `now`.
pub fn condition(subject: &Subject, agreements: &[Agreement], now: Timestamp) -> Condition {
    if !subject.reads_content() {
        return never();
    }
    let member = subject.member.as_str().to_owned();
    let mut all = Cond::all().add(Expr::col((Items::Table, Items::Classification)).lte(i64::from(subject.clearance.0)));

    if subject.front_line_only() {
        all = all
            .add(Expr::col((Items::Table, Items::Kind)).eq(ItemKind::Alert.as_str()))
            .add(Expr::col((Items::Table, Items::State)).eq(ItemState::Published.as_str()))
            .add(
                Cond::any()
                    .add(Expr::col((Items::Table, Items::ValidFrom)).is_null())
                    .add(Expr::col((Items::Table, Items::ValidFrom)).lte(now.0)),
            )
            .add(
                Cond::any()
                    .add(Expr::col((Items::Table, Items::ValidUntil)).is_null())
                    .add(Expr::col((Items::Table, Items::ValidUntil)).gt(now.0)),
            );
    }

    let home = Expr::col((Items::Table, Items::OriginatorMember)).eq(member.as_str());
    let mut own_member = Cond::any().add(Expr::col((Items::Table, Items::Author)).eq(subject.user.to_string()));
    if subject.has(Role::AuthorisingOfficer) {
        own_member = own_member.add(state_in(&[ItemState::Submitted]));
    }
    own_member = own_member.add(
        Cond::all().add(state_in(&[ItemState::Published, ItemState::Superseded, ItemState::Withdrawn])).add(
            Cond::any()
                .add(Expr::col((Items::Table, Items::OriginatorOrg)).eq(subject.organisation.to_string()))
                .add(released_through(
                    ItemReleaseOrgs::Table,
                    ItemReleaseOrgs::ItemId,
                    ItemReleaseOrgs::OrganisationId,
                    vec![subject.organisation.to_string()],
                ))
                .add(released_through(
                    ItemReleaseMembers::Table,
                    ItemReleaseMembers::ItemId,
                    ItemReleaseMembers::MemberCode,
                    vec![member.clone()],
                )),
        ),
    );

    let mut released = Cond::any().add(released_through(
        ItemReleaseMembers::Table,
        ItemReleaseMembers::ItemId,
        ItemReleaseMembers::MemberCode,
        vec![member.clone()],
    ));
    if !subject.member_groups.is_empty() {
        released = released.add(Cond::all().add(Expr::col((Items::Table, Items::Tlp)).ne(Tlp::Red.as_str())).add(
            released_through(
                ItemReleaseGroups::Table,
                ItemReleaseGroups::ItemId,
                ItemReleaseGroups::GroupCode,
                subject.member_groups.iter().cloned().collect(),
            ),
        ));
    }

    let mut covered = Cond::any().add(
        Cond::all()
            .add(Expr::col((Items::Table, Items::Classification)).eq(i64::from(Classification::LOWEST.0)))
            .add(Expr::col((Items::Table, Items::Tlp)).eq(Tlp::Clear.as_str())),
    );
    for agreement in agreements.iter().filter(|a| a.in_force(now) && a.parties.contains(&subject.member)) {
        let partners: Vec<&str> =
            agreement.parties.iter().filter(|p| **p != subject.member).map(|p| p.as_str()).collect();
        let mut clause = Cond::all()
            .add(Expr::col((Items::Table, Items::OriginatorMember)).is_in(partners))
            .add(Expr::col((Items::Table, Items::Category)).is_in(agreement.categories.iter().map(|c| c.as_str())))
            .add(Expr::col((Items::Table, Items::Classification)).lte(i64::from(agreement.max_classification.0)));
        if !agreement.personal_data {
            clause = clause.add(Expr::col((Items::Table, Items::CaveatPersonalData)).eq(false));
        }
        covered = covered.add(clause);
    }

    let foreign = Cond::all()
        .add(Expr::col((Items::Table, Items::OriginatorMember)).ne(member.as_str()))
        .add(state_in(&[ItemState::Published, ItemState::Superseded]))
        // Column tests before the release lookups: most rows a deep page walks
        // past fail on the agreement, and need no index probe then.
        .add(covered)
        .add(released);

    all.add(Cond::any().add(Cond::all().add(home).add(own_member)).add(foreign))
}
