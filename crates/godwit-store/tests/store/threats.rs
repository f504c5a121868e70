//! Threat and risk registers on both backends: a register's life with its
//! history, ratings from its matrix, evidence only the editor may read, and a
//! property test that viewers see exactly the registers released to them, in
//! the list and in the regional picture.

use std::collections::BTreeSet;

use godwit_domain::item::{Envelope, Item, ItemState, Releasability};
use godwit_domain::marking::{Classification, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::policy::decide;
use godwit_domain::risk::{Rating, Trend};
use godwit_domain::testing::*;
use godwit_domain::threat::{EntryDraft, Mitigation, RegisterSettings, Threat};
use godwit_domain::user::{Role, Subject};
use godwit_store::StoreError;
use godwit_store::audit::AuditEvent;
use proptest::prelude::*;
use uuid::Uuid;

use crate::harness::{TestDb, backends_with_groups};

fn person(member: usize, n: u8, roles: &[Role]) -> Subject {
    let code = godwit_domain::testing::member(member);
    Subject {
        user: Uuid::from_u128(0xe000 + member as u128 * 16 + u128::from(n)),
        member_groups: groups_of(&code),
        member: code,
        organisation: org(member, 0),
        roles: roles.iter().copied().collect(),
        clearance: Classification(3),
    }
}

fn draft(likelihood: u8, consequence: u8) -> EntryDraft {
    EntryDraft {
        assessment: "Forged visas seen at the airport".into(),
        likelihood,
        consequence,
        trend: Trend::Rising,
        mitigations: vec![Mitigation { strategy: "Document examination training".into(), owner: "Border unit".into() }],
        review_on: "2027-01-31".into(),
    }
}

/// A published item of `member`, unclassified and released to nobody else.
fn own_item(member: usize, n: u128) -> Item {
    report_from(
        &Envelope {
            id: Uuid::from_u128(0xf000 + n),
            kind: godwit_domain::item::ItemKind::IncidentRecord,
            category: godwit_domain::item::Category::DocumentFraud,
            originator_member: godwit_domain::testing::member(member),
            originator_org: org(member, 0),
            author: Uuid::from_u128(1),
            state: ItemState::Published,
            classification: Classification::LOWEST,
            tlp: Tlp::Amber,
            caveats: Default::default(),
            release: Releasability::default(),
            valid_from: None,
            valid_until: None,
        },
        n as i64,
    )
}

#[tokio::test]
async fn a_register_keeps_every_change_and_rates_from_its_matrix() {
    for db in backends_with_groups(NOW).await {
        let s = &db.store;
        let (officer, analyst) = (person(0, 1, &[Role::AuthorisingOfficer]), person(0, 2, &[Role::Analyst]));
        let outsider = person(1, 1, &[Role::Analyst, Role::AuthorisingOfficer]);
        let aaa = MemberCode("AAA".into());
        let settings = RegisterSettings {
            classification: Classification::LOWEST,
            tlp: Tlp::Clear,
            ..RegisterSettings::new("AAA threats")
        };
        assert!(matches!(s.create_threat_register(&analyst, settings.clone()).await, Err(StoreError::Forbidden(_))));
        s.create_threat_register(&officer, settings.clone()).await.unwrap();
        assert!(matches!(s.create_threat_register(&officer, settings.clone()).await, Err(StoreError::Conflict(_))));

        // Default deny: another member neither reads nor edits it.
        assert!(matches!(s.threat_register_view(&outsider, &aaa).await, Err(StoreError::NotFound(_))));
        assert!(matches!(
            s.put_threat_entry(&outsider, &aaa, "document-fraud", draft(3, 3)).await,
            Err(StoreError::NotFound(_))
        ));

        s.put_threat_entry(&analyst, &aaa, "document-fraud", draft(3, 3)).await.unwrap();
        s.put_threat_entry(&analyst, &aaa, "document-fraud", draft(5, 4)).await.unwrap();
        s.put_threat_entry(&analyst, &aaa, "visa-regimes", draft(1, 2)).await.unwrap();
        let unknown = s.put_threat_entry(&analyst, &aaa, "no-such-threat", draft(1, 1)).await;
        assert!(matches!(unknown, Err(StoreError::NotFound("threat"))));
        let bad = s.put_threat_entry(&analyst, &aaa, "visa-regimes", draft(0, 6)).await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));

        // A threat a member adds is assessed like a seeded one.
        let added = Threat {
            code: "crew-desertion".into(),
            name: "Crew deserting ships".into(),
            description: String::new(),
            added_by: None,
        };
        s.add_threat(&analyst, added.clone()).await.unwrap();
        assert!(matches!(s.add_threat(&analyst, added).await, Err(StoreError::Conflict(_))));
        s.put_threat_entry(&analyst, &aaa, "crew-desertion", draft(2, 2)).await.unwrap();

        // Evidence: the editor's own item links; another member's unreleased one does not.
        let (mine, theirs) = (own_item(0, 1), own_item(1, 2));
        s.put_items(&[mine.clone(), theirs.clone()], AuditEvent::new("test.seed")).await.unwrap();
        s.set_threat_evidence(&analyst, &aaa, "document-fraud", mine.id, true).await.unwrap();
        let foreign = s.set_threat_evidence(&analyst, &aaa, "document-fraud", theirs.id, true).await;
        assert!(matches!(foreign, Err(StoreError::NotFound("item"))));

        let view = s.threat_register_view(&analyst, &aaa).await.unwrap();
        let entries: Vec<(&str, Rating)> = view.entries.iter().map(|e| (e.entry.threat.as_str(), e.rating)).collect();
        assert_eq!(
            entries,
            [("document-fraud", Rating::Extreme), ("visa-regimes", Rating::Low), ("crew-desertion", Rating::Low)]
        );
        assert_eq!(view.entries[0].evidence.iter().map(|i| i.id).collect::<Vec<_>>(), [mine.id]);
        assert!(view.editable && !view.releasable);

        // A stricter matrix re-rates without touching the entries.
        let mut stricter = settings.clone();
        stricter.method.matrix[0][1] = Rating::Medium;
        stricter.method.matrix[1][1] = Rating::Medium;
        assert!(matches!(
            s.update_threat_register(&analyst, &aaa, stricter.clone()).await,
            Err(StoreError::Forbidden(_))
        ));
        s.update_threat_register(&officer, &aaa, stricter).await.unwrap();
        let view = s.threat_register_view(&analyst, &aaa).await.unwrap();
        assert_eq!(view.entries[1].rating, Rating::Medium, "visa regimes at 1 × 2 under the stricter matrix");

        s.set_threat_evidence(&analyst, &aaa, "document-fraud", mine.id, false).await.unwrap();
        s.delete_threat_entry(&analyst, &aaa, "visa-regimes").await.unwrap();

        let history = s.threat_register_history(&analyst, &aaa).await.unwrap();
        let actions: Vec<(&str, Option<&str>)> =
            history.iter().map(|c| (c.action.as_str(), c.threat.as_deref())).collect();
        assert_eq!(
            actions,
            [
                ("entry.delete", Some("visa-regimes")),
                ("evidence.unlink", Some("document-fraud")),
                ("settings", None),
                ("evidence.link", Some("document-fraud")),
                ("entry.create", Some("crew-desertion")),
                ("entry.create", Some("visa-regimes")),
                ("entry.update", Some("document-fraud")),
                ("entry.create", Some("document-fraud")),
                ("create", None),
            ],
            "on {}",
            db.url
        );
        let update = &history[6];
        assert_eq!(update.changed_by, analyst.user);
        assert_eq!(update.before.as_ref().and_then(|b| b["likelihood"].as_u64()), Some(3));
        assert_eq!(update.after.as_ref().and_then(|a| a["likelihood"].as_u64()), Some(5));
        assert!(history[0].after.is_none() && history[0].before.is_some());

        // Released to the other member (unclassified, TLP:CLEAR: no agreement
        // needed), it is read but not edited there, and the evidence of an item
        // it may not read is not named in the history.
        let mut released = s.threat_register(&officer, &aaa).await.unwrap().settings;
        released.release.members.insert(outsider.member.clone());
        s.update_threat_register(&officer, &aaa, released).await.unwrap();
        s.set_threat_evidence(&analyst, &aaa, "document-fraud", mine.id, true).await.unwrap();
        let seen = s.threat_register_view(&outsider, &aaa).await.unwrap();
        assert!(!seen.editable && seen.entries[0].evidence.is_empty());
        let theirs_history = s.threat_register_history(&outsider, &aaa).await.unwrap();
        assert!(theirs_history.iter().all(|c| c.item.is_none()));
        assert!(matches!(
            s.put_threat_entry(&outsider, &aaa, "document-fraud", draft(1, 1)).await,
            Err(StoreError::Forbidden(_))
        ));
    }
}

/// A register of `member` with the markings of a generated envelope.
fn settings_from(envelope: &Envelope) -> RegisterSettings {
    RegisterSettings {
        category: envelope.category,
        classification: envelope.classification,
        tlp: envelope.tlp,
        caveats: envelope.caveats,
        release: Releasability { organisations: BTreeSet::new(), ..envelope.release.clone() },
        ..RegisterSettings::new("generated")
    }
}

async fn reset(db: &TestDb) {
    db.raw("DELETE FROM threat_registers; DELETE FROM threat_entries; DELETE FROM threat_changes; DELETE FROM agreements; DELETE FROM agreement_parties; DELETE FROM agreement_categories;").await;
}

#[test]
fn viewers_see_exactly_the_registers_released_to_them() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dbs = runtime.block_on(backends_with_groups(NOW));
    let cases = if dbs.len() > 1 { 16 } else { 32 };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
    let (seen, hidden) = (std::cell::Cell::new(0usize), std::cell::Cell::new(0usize));
    let world = (
        proptest::collection::vec((arb_envelope(), 1..=5u8, 1..=5u8), MEMBERS.len()),
        arb_agreements(),
        proptest::collection::vec(arb_subject(), 1..12),
    );
    runner
        .run(&world, |(markings, agreements, subjects)| {
            runtime.block_on(async {
                for db in &dbs {
                    reset(db).await;
                    for agreement in &agreements {
                        db.store.put_agreement(agreement, AuditEvent::new("test.agreement")).await.unwrap();
                    }
                    let mut registers = Vec::new();
                    for (m, (envelope, likelihood, consequence)) in markings.iter().enumerate() {
                        let officer = person(m, 0, &[Role::AuthorisingOfficer]);
                        let register =
                            db.store.create_threat_register(&officer, settings_from(envelope)).await.unwrap();
                        let code = register.member.clone();
                        db.store
                            .put_threat_entry(&officer, &code, "changing-routes", draft(*likelihood, *consequence))
                            .await
                            .unwrap();
                        registers.push(register);
                    }
                    for subject in &subjects {
                        let allowed: BTreeSet<MemberCode> = registers
                            .iter()
                            .filter(|r| decide(subject, &r.envelope(), &agreements, NOW).is_allowed())
                            .map(|r| r.member.clone())
                            .collect();
                        // Independently of `decide`: a foreign register is seen only when
                        // released to the viewer's member by name or (not TLP:RED) by group.
                        for r in registers.iter().filter(|r| allowed.contains(&r.member) && r.member != subject.member)
                        {
                            let release = &r.settings.release;
                            let by_group =
                                r.settings.tlp != Tlp::Red && !release.groups.is_disjoint(&subject.member_groups);
                            prop_assert!(release.members.contains(&subject.member) || by_group);
                            prop_assert!(subject.clearance >= r.settings.classification);
                        }
                        let listed: BTreeSet<MemberCode> =
                            db.store.threat_registers(subject).await.unwrap().into_iter().map(|r| r.member).collect();
                        prop_assert_eq!(&listed, &allowed, "registers of {:?} on {}", subject, db.url);
                        let picture = db.store.regional_picture(subject).await.unwrap();
                        let pictured: BTreeSet<MemberCode> = picture.members.iter().cloned().collect();
                        prop_assert_eq!(&pictured, &allowed);
                        let in_cells: BTreeSet<MemberCode> = picture.cells.iter().map(|c| c.member.clone()).collect();
                        prop_assert_eq!(&in_cells, &allowed, "every released register has its entry in the picture");
                        for r in &registers {
                            let read = db.store.threat_register_view(subject, &r.member).await;
                            prop_assert_eq!(read.is_ok(), allowed.contains(&r.member));
                        }
                        seen.set(seen.get() + allowed.len());
                        hidden.set(hidden.get() + registers.len() - allowed.len());
                    }
                }
                Ok(())
            })
        })
        .unwrap();
    assert!(seen.get() > 0 && hidden.get() > 0, "seen {} hidden {}", seen.get(), hidden.get());
}
