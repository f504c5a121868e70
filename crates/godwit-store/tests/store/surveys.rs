//! Member capacity surveys through the store, on both backends: a
//! questionnaire designed and published by the secretariat, answered by Fiji's
//! focal point with a section delegated, approved by Fiji's authorising
//! officer; findings as each viewer may see them (counts, individual answers
//! and free text only from the answers released to it); reminders before the
//! closing date once per recipient.

use std::collections::BTreeSet;
use std::sync::Arc;

use godwit_domain::agreement::{Agreement, AgreementKind, AgreementStatus, ThirdPartyRule};
use godwit_domain::item::Category;
use godwit_domain::marking::Classification;
use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberGroup, MemberKind, Organisation};
use godwit_domain::survey::answers::{AnswerValue, Answers, ResponseAction, ResponseRelease, ResponseState};
use godwit_domain::survey::findings::Tally;
use godwit_domain::survey::{QuestionnaireDraft, QuestionnaireState, Theme};
use godwit_domain::user::{Role, Subject, User};
use godwit_domain::{FixedClock, Timestamp};
use godwit_store::audit::{AuditEvent, AuditQuery};
use godwit_store::{Store, StoreError};
use uuid::Uuid;

use crate::harness::backends;

/// 2026-11-10 00:00 UTC.
const NOW: Timestamp = Timestamp(1_794_268_800_000);

fn code(c: &str) -> MemberCode {
    MemberCode(c.into())
}

async fn member_user(store: &Store, n: u128, member: &str, roles: &[Role]) -> Subject {
    let user = User {
        id: Uuid::from_u128(n),
        username: format!("u{n}"),
        display_name: format!("User {n}"),
        email: format!("u{n}@example.org"),
        member: code(member),
        organisation: Uuid::from_u128(1000 + n),
        roles: roles.iter().copied().collect(),
        clearance: Classification(2),
        disabled: false,
    };
    let org = Organisation {
        id: user.organisation,
        member: code(member),
        name: format!("{member} office {n}"),
        agency: AgencyKind::Immigration,
    };
    store.put_organisation(&org).await.unwrap();
    store.create_user(&user, "x", AuditEvent::new("test.user")).await.unwrap();
    store.subject_for(&user).await.unwrap()
}

/// The secretariat (SEC), four PIDC members under one multilateral
/// arrangement, and Australia outside the group.
async fn region(store: &Store) {
    for m in ["SEC", "FJI", "TON", "VUT", "WSM", "AUS"] {
        store.upsert_member(&Member { code: code(m), name: m.into(), kind: MemberKind::State }).await.unwrap();
    }
    let pidc = ["SEC", "FJI", "TON", "VUT", "WSM"];
    let group =
        MemberGroup { code: "PIDC".into(), name: "PIDC".into(), members: pidc.iter().map(|m| code(m)).collect() };
    store.put_group(&group).await.unwrap();
    let agreement = Agreement {
        id: Uuid::from_u128(77),
        title: "PIDC information sharing arrangement".into(),
        kind: AgreementKind::Multilateral,
        status: AgreementStatus::Active,
        parties: pidc.iter().map(|m| code(m)).collect(),
        categories: BTreeSet::from([Category::BorderManagement]),
        max_classification: Classification(2),
        personal_data: false,
        third_party_rule: ThirdPartyRule::OriginatorConsent,
        valid_from: Timestamp(0),
        valid_until: None,
    };
    store.put_agreement(&agreement, AuditEvent::new("test.agreement")).await.unwrap();
}

fn questionnaire() -> QuestionnaireDraft {
    serde_json::from_value(serde_json::json!({
        "title": "Information sharing capacity",
        "round": "2026",
        "opens_on": "2026-11-01",
        "closes_on": "2026-11-30",
        "audience": { "groups": ["PIDC"] },
        "release": { "groups": ["PIDC"] },
        "sections": [
            { "key": "systems", "title": "Information systems", "questions": [
                { "key": "abmis", "text": "Do you have an automated border management system?", "kind": { "type": "yes_no" }, "required": true },
                { "key": "abmis_plans", "text": "Are you developing one?", "kind": { "type": "yes_no" }, "required": true,
                  "show_if": { "question": "abmis", "any_of": ["no"] } },
                { "key": "comments", "text": "Anything else?", "kind": { "type": "free_text" } }
            ]},
            { "key": "priorities", "title": "Priorities", "questions": [
                { "key": "support", "text": "Rank the support you need", "required": true,
                  "kind": { "type": "ranking", "options": [
                      { "key": "sops", "label": "Policies, SOPs and guidelines" },
                      { "key": "law", "label": "Legislation" },
                      { "key": "training", "label": "Training" } ] } }
            ]}
        ]
    }))
    .unwrap()
}

fn answers(abmis: bool, comment: &str) -> Answers {
    let mut a = Answers::new();
    a.insert("abmis".into(), AnswerValue::Bool(abmis));
    if !abmis {
        a.insert("abmis_plans".into(), AnswerValue::Bool(true));
    }
    a.insert("comments".into(), AnswerValue::Text(comment.into()));
    a
}

fn priorities(keys: &[&str]) -> Answers {
    Answers::from([("support".to_owned(), AnswerValue::List(keys.iter().map(|k| (*k).to_owned()).collect()))])
}

/// `member`'s focal point answers, its officer approves with the default release.
async fn respond(store: &Store, nfp: &Subject, officer: &Subject, id: Uuid, mut given: Answers) {
    given.extend(priorities(&["law", "sops"]));
    store.act_on_survey_response(nfp, id, ResponseAction::Save, given).await.unwrap();
    store.act_on_survey_response(nfp, id, ResponseAction::Submit, Answers::new()).await.unwrap();
    let q = store.questionnaire(officer, id).await.unwrap();
    let approve = ResponseAction::Approve(ResponseRelease::of(&q.draft));
    let r = store.act_on_survey_response(officer, id, approve, Answers::new()).await.unwrap();
    assert_eq!(r.state, ResponseState::Submitted);
}

#[tokio::test]
async fn answered_by_focal_point_and_delegate_approved_by_the_officer() {
    for db in backends(NOW).await {
        let store = &db.store;
        region(store).await;
        let secretariat = member_user(store, 1, "SEC", &[Role::Secretariat]).await;
        let nfp = member_user(store, 2, "FJI", &[Role::NationalFocalPoint]).await;
        let analyst = member_user(store, 3, "FJI", &[Role::Analyst]).await;
        let officer = member_user(store, 4, "FJI", &[Role::AuthorisingOfficer]).await;
        let tonga = member_user(store, 5, "TON", &[Role::NationalFocalPoint]).await;
        let australia = member_user(store, 6, "AUS", &[Role::NationalFocalPoint]).await;

        // Designers only; a draft is not seen by the audience until published.
        assert!(matches!(store.create_questionnaire(&analyst, questionnaire()).await, Err(StoreError::Forbidden(_))));
        let q = store.create_questionnaire(&secretariat, questionnaire()).await.unwrap();
        assert!(store.questionnaires(&nfp).await.unwrap().is_empty());
        // A draft is designed a piece at a time: a section without questions
        // is saved, but not published.
        let mut unfinished = q.draft.clone();
        unfinished.sections[1].questions.clear();
        let saved = store.update_questionnaire(&secretariat, q.id, unfinished.clone(), false).await.unwrap();
        assert!(matches!(
            store.update_questionnaire(&secretariat, q.id, unfinished, true).await,
            Err(StoreError::Invalid(e)) if e.0[0].field == "sections/1/questions"
        ));
        assert_eq!(store.questionnaire(&secretariat, q.id).await.unwrap().state, QuestionnaireState::Draft);
        assert!(saved.draft.sections[1].questions.is_empty());
        let q = store.update_questionnaire(&secretariat, q.id, q.draft.clone(), true).await.unwrap();
        let listed = store.questionnaires(&nfp).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].asked && listed[0].findings_released);
        assert!(store.questionnaires(&australia).await.unwrap().is_empty());
        assert!(matches!(store.questionnaire(&australia, q.id).await, Err(StoreError::NotFound(_))));
        // The questions stay once published; the themes of free text are analysis, and change.
        let mut changed = q.draft.clone();
        changed.sections.pop();
        assert!(matches!(
            store.update_questionnaire(&secretariat, q.id, changed, false).await,
            Err(StoreError::Conflict(_))
        ));
        let mut themed = q.draft.clone();
        let comments = themed.sections.iter_mut().flat_map(|s| s.questions.iter_mut()).find(|x| x.key == "comments");
        comments.unwrap().themes =
            vec![Theme { key: "storage".into(), label: "Storage".into(), keywords: vec!["excel".into()] }];
        let q = store.update_questionnaire(&secretariat, q.id, themed, false).await.unwrap();
        assert_eq!(q.draft.question("comments").unwrap().themes.len(), 1);

        // The focal point starts, delegates the priorities; the analyst answers only those.
        let save = |who: &Subject, a: Answers| {
            let (store, who, id) = (store.clone(), who.clone(), q.id);
            async move { store.act_on_survey_response(&who, id, ResponseAction::Save, a).await }
        };
        assert!(matches!(save(&analyst, priorities(&["law"])).await, Err(StoreError::Forbidden(_))));
        save(&nfp, answers(false, "Stored in Excel")).await.unwrap();
        let delegate = ResponseAction::Delegate { section: "priorities".into(), to: Some(analyst.user) };
        store.act_on_survey_response(&nfp, q.id, delegate, Answers::new()).await.unwrap();
        assert!(matches!(save(&analyst, answers(true, "")).await, Err(StoreError::Invalid(_))));
        save(&analyst, priorities(&["law", "training"])).await.unwrap();
        let draft = store.survey_response(&nfp, q.id).await.unwrap().unwrap();
        assert_eq!(draft.answers.len(), 4, "the focal point's answers are kept beside the delegate's");
        assert!(store.survey_response(&tonga, q.id).await.unwrap().is_none());

        // Submitted by the focal point; the officer is told, and approves.
        store.act_on_survey_response(&nfp, q.id, ResponseAction::Submit, Answers::new()).await.unwrap();
        assert!(matches!(save(&nfp, answers(true, "")).await, Err(StoreError::Conflict(_))));
        let bell = store.notifications_of(officer.user, false, 10).await.unwrap();
        assert_eq!(bell.len(), 1);
        assert_eq!(bell[0].item_id, q.id);
        let back = ResponseAction::Return { reason: "Check the priorities".into() };
        store.act_on_survey_response(&officer, q.id, back, Answers::new()).await.unwrap();
        store.act_on_survey_response(&nfp, q.id, ResponseAction::Submit, Answers::new()).await.unwrap();
        let approve = ResponseAction::Approve(ResponseRelease::of(&q.draft));
        assert!(matches!(
            store.act_on_survey_response(&nfp, q.id, approve.clone(), Answers::new()).await,
            Err(StoreError::Forbidden(_))
        ));
        let done = store.act_on_survey_response(&officer, q.id, approve, Answers::new()).await.unwrap();
        assert_eq!(done.state, ResponseState::Submitted);

        // One respondent: Tonga counts only what is released to it (nothing),
        // the secretariat reads Fiji's answers, released to it by default.
        let seen = store.survey_findings(&tonga, q.id).await.unwrap();
        assert_eq!((seen.findings.submitted, seen.findings.responding), (Some(1), 0));
        assert!(seen.released.is_empty());
        let seen = store.survey_findings(&secretariat, q.id).await.unwrap();
        assert_eq!(seen.findings.responding, 1);
        assert_eq!(seen.asked, 5);
        assert_eq!(seen.released.iter().map(|r| r.member.as_str()).collect::<Vec<_>>(), ["FJI"]);
        let steps: Vec<String> = store
            .audit_records(&AuditQuery { limit: 500, ..Default::default() })
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .filter(|a| a.starts_with("survey."))
            .collect();
        for step in [
            "survey.create",
            "survey.publish",
            "survey.response.delegate",
            "survey.response.approve",
            "survey.findings",
        ] {
            assert!(steps.iter().any(|s| s == step), "{step} audited on {}", db.url);
        }
    }
}

#[tokio::test]
async fn findings_count_only_the_answers_released_to_the_reader() {
    for db in backends(NOW).await {
        let store = &db.store;
        region(store).await;
        let secretariat = member_user(store, 1, "SEC", &[Role::Secretariat]).await;
        let mut draft = questionnaire();
        // Findings released to Fiji by name only: Tonga sees no findings.
        draft.release.groups.clear();
        draft.release.members.insert(code("FJI"));
        let q = store.create_questionnaire(&secretariat, draft).await.unwrap();
        let q = store.update_questionnaire(&secretariat, q.id, q.draft.clone(), true).await.unwrap();
        let mut viewers = Vec::new();
        let mut before_vanuatu = None;
        for (n, (member, abmis, comment)) in
            [("FJI", false, "Excel only"), ("TON", true, "Arrival cards"), ("VUT", true, "No storage")]
                .into_iter()
                .enumerate()
        {
            let n = 10 + 2 * n as u128;
            let nfp = member_user(store, n, member, &[Role::NationalFocalPoint]).await;
            let officer = member_user(store, n + 1, member, &[Role::AuthorisingOfficer]).await;
            if member == "VUT" {
                before_vanuatu = Some(store.survey_findings(&viewers[0], q.id).await.unwrap());
            }
            respond(store, &nfp, &officer, q.id, answers(abmis, comment)).await;
            viewers.push(nfp);
        }
        let (fiji, tonga) = (&viewers[0], &viewers[1]);

        // The findings are released to Fiji, the other members' answers (to
        // the secretariat only) are not: Fiji learns that three members
        // responded, and counts its own answers alone. Two others answering
        // "yes" would otherwise show it what they answered.
        let seen = store.survey_findings(fiji, q.id).await.unwrap();
        assert_eq!((seen.findings.submitted, seen.findings.responding), (Some(3), 1));
        let abmis = seen.findings.questions.iter().find(|x| x.key == "abmis").unwrap();
        let Tally::Options { options } = &abmis.tally else { panic!("options") };
        assert_eq!(options.iter().map(|o| (o.count, o.percent)).collect::<Vec<_>>(), [(0, 0), (1, 100)]);
        let support = seen.findings.questions.iter().find(|x| x.key == "support").unwrap();
        let Tally::Ranking { order } = &support.tally else { panic!("ranking") };
        assert_eq!((order[0].key.as_str(), order[0].ranked_by), ("law", 1));
        // Free text and individual answers: Fiji's own only.
        let comments = seen.findings.questions.iter().find(|x| x.key == "comments").unwrap();
        let Tally::Text { answers, themes } = &comments.tally else { panic!("text") };
        assert_eq!(answers.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(), ["Excel only"]);
        assert!(themes.is_empty(), "no themes defined");
        assert_eq!(seen.released.len(), 1);
        // Vanuatu submitting changed nothing Fiji reads but how many responded.
        let before = before_vanuatu.expect("read before Vanuatu submitted");
        assert_eq!((before.findings.submitted, before.findings.questions), (Some(2), seen.findings.questions));

        // Tonga, to which the findings are not released, is not told how many responded.
        let seen = store.survey_findings(tonga, q.id).await.unwrap();
        assert_eq!((seen.findings.submitted, seen.findings.responding), (None, 1));
        let secretariat_view = store.survey_findings(&secretariat, q.id).await.unwrap();
        assert_eq!((secretariat_view.findings.responding, secretariat_view.released.len()), (3, 3));
    }
}

#[tokio::test]
async fn those_who_still_have_to_act_are_reminded_once_before_closing() {
    for db in backends(NOW).await {
        let store = &db.store;
        region(store).await;
        let secretariat = member_user(store, 1, "SEC", &[Role::Secretariat]).await;
        let fiji = member_user(store, 2, "FJI", &[Role::NationalFocalPoint]).await;
        let fiji_officer = member_user(store, 3, "FJI", &[Role::AuthorisingOfficer]).await;
        let tonga = member_user(store, 4, "TON", &[Role::NationalFocalPoint]).await;
        let tonga_analyst = member_user(store, 5, "TON", &[Role::Analyst]).await;
        let tonga_officer = member_user(store, 6, "TON", &[Role::AuthorisingOfficer]).await;
        let vanuatu = member_user(store, 7, "VUT", &[Role::NationalFocalPoint]).await;
        let vanuatu_officer = member_user(store, 8, "VUT", &[Role::AuthorisingOfficer]).await;
        let q = store.create_questionnaire(&secretariat, questionnaire()).await.unwrap();
        let q = store.update_questionnaire(&secretariat, q.id, q.draft.clone(), true).await.unwrap();
        // Vanuatu is done; Fiji's answers await its officer; Tonga's
        // priorities are with its analyst, not answered yet.
        respond(store, &vanuatu, &vanuatu_officer, q.id, answers(true, "")).await;
        let mut fiji_answers = answers(true, "");
        fiji_answers.extend(priorities(&["law"]));
        store.act_on_survey_response(&fiji, q.id, ResponseAction::Save, fiji_answers).await.unwrap();
        store.act_on_survey_response(&fiji, q.id, ResponseAction::Submit, Answers::new()).await.unwrap();
        store.act_on_survey_response(&tonga, q.id, ResponseAction::Save, answers(true, "")).await.unwrap();
        let delegate = ResponseAction::Delegate { section: "priorities".into(), to: Some(tonga_analyst.user) };
        store.act_on_survey_response(&tonga, q.id, delegate, Answers::new()).await.unwrap();

        assert_eq!(store.remind_surveys().await.unwrap(), 0, "more than a week before closing");
        let clock = Arc::new(FixedClock::new(NOW.plus_days(14)));
        let later = store.with_clock(clock);
        assert_eq!(later.remind_surveys().await.unwrap(), 4);
        assert_eq!(later.remind_surveys().await.unwrap(), 0);
        let latest = |who: &Subject| {
            let (store, user) = (store.clone(), who.user);
            async move { store.notifications_of(user, false, 10).await.unwrap().into_iter().next().unwrap().title }
        };
        let closes = "\"Information sharing capacity\" closes on 2026-11-30: ";
        assert_eq!(latest(&fiji_officer).await, format!("{closes}your member's answers await your approval"));
        assert_eq!(
            latest(&fiji).await,
            format!("{closes}your member's answers await its authorising officer's approval")
        );
        assert_eq!(latest(&tonga).await, format!("{closes}your member's answers are not submitted yet"));
        assert_eq!(latest(&tonga_analyst).await, format!("{closes}the sections given to you are not done: Priorities"));
        // Nothing for the officer of answers not submitted for approval, nor
        // for a member that submitted.
        for done in [&tonga_officer, &vanuatu, &vanuatu_officer] {
            assert!(
                store
                    .notifications_of(done.user, false, 10)
                    .await
                    .unwrap()
                    .iter()
                    .all(|n| !n.title.contains("closes on")),
                "{:?}",
                done.user
            );
        }
    }
}
