use std::collections::BTreeSet;

use proptest::prelude::*;
use uuid::Uuid;

use super::answers::{AnswerValue, Answers, Response, ResponseAction, ResponseRelease, ResponseState, SurveyError};
use super::findings::{Respondent, Tally, TextAnswer, borda, by_theme, compare, findings, percent};
use super::*;

fn code(c: &str) -> MemberCode {
    MemberCode(c.into())
}

fn choices(keys: &[&str]) -> Vec<Choice> {
    keys.iter().map(|k| Choice { key: (*k).into(), label: k.to_uppercase() }).collect()
}

fn question(key: &str, kind: QuestionKind, required: bool, show_if: Option<(&str, &[&str])>) -> Question {
    Question {
        key: key.into(),
        text: format!("Question {key}?"),
        help: String::new(),
        kind,
        required,
        show_if: show_if.map(|(q, values)| Condition {
            question: q.into(),
            any_of: values.iter().map(|v| (*v).to_owned()).collect(),
        }),
        themes: Vec::new(),
    }
}

fn theme(key: &str, keywords: &[&str]) -> Theme {
    Theme { key: key.into(), label: key.to_uppercase(), keywords: keywords.iter().map(|k| (*k).to_owned()).collect() }
}

/// A small questionnaire in the shape of seed 003: "Do you have an automated
/// border management system?" and, only if not, "Are you developing one?".
fn capacity() -> QuestionnaireDraft {
    QuestionnaireDraft {
        title: "Information sharing capacity".into(),
        description: String::new(),
        round: "2026".into(),
        previous_round: None,
        opens_on: "2026-11-01".into(),
        closes_on: "2026-11-30".into(),
        audience: Audience { members: BTreeSet::new(), groups: BTreeSet::from(["PIDC".to_owned()]) },
        category: Category::BorderManagement,
        classification: Classification(1),
        tlp: Tlp::Amber,
        caveats: Caveats::default(),
        release: Releasability { groups: BTreeSet::from(["PIDC".to_owned()]), ..Releasability::default() },
        sections: vec![
            Section {
                key: "systems".into(),
                title: "Information systems".into(),
                description: String::new(),
                questions: vec![
                    question("abmis", QuestionKind::YesNo, true, None),
                    question("abmis_plans", QuestionKind::YesNo, true, Some(("abmis", &["no"]))),
                    question(
                        "storage",
                        QuestionKind::MultipleChoice { options: choices(&["excel", "cards", "abmis"]) },
                        false,
                        None,
                    ),
                    question("officers", QuestionKind::Number { min: Some(0), max: Some(500) }, true, None),
                ],
            },
            Section {
                key: "priorities".into(),
                title: "Priorities".into(),
                description: String::new(),
                questions: vec![
                    question(
                        "support",
                        QuestionKind::Ranking { options: choices(&["sops", "law", "training", "systems"]), most: None },
                        true,
                        None,
                    ),
                    question(
                        "maturity",
                        QuestionKind::Matrix {
                            items: choices(&["collect", "analyse"]),
                            options: choices(&["none", "some", "full"]),
                        },
                        true,
                        None,
                    ),
                    question(
                        "confidence",
                        QuestionKind::Scale { min: 1, max: 5, low_label: "low".into(), high_label: "high".into() },
                        false,
                        None,
                    ),
                    question("comments", QuestionKind::FreeText, false, None),
                ],
            },
        ],
    }
}

fn known() -> (BTreeSet<MemberCode>, BTreeSet<String>) {
    (BTreeSet::from([code("FJI"), code("SEC"), code("TON")]), BTreeSet::from(["PIDC".to_owned()]))
}

fn full_answers(abmis: bool) -> Answers {
    let mut a = Answers::new();
    a.insert("abmis".into(), AnswerValue::Bool(abmis));
    if !abmis {
        a.insert("abmis_plans".into(), AnswerValue::Bool(true));
    }
    a.insert("officers".into(), AnswerValue::Number(3));
    a.insert("support".into(), AnswerValue::List(vec!["sops".into(), "law".into()]));
    a.insert(
        "maturity".into(),
        AnswerValue::Map([("collect".to_owned(), "some".to_owned()), ("analyse".to_owned(), "none".to_owned())].into()),
    );
    a
}

#[test]
fn a_well_formed_questionnaire_passes_and_faults_are_named() {
    let (members, groups) = known();
    let scale = ClassificationScale::default();
    assert_eq!(capacity().validate(&members, &groups, &scale), Ok(()));
    let mut bad = capacity();
    bad.closes_on = "2026-10-01".into();
    bad.audience = Audience::default();
    if let Some(section) = bad.sections.get_mut(0) {
        // A condition on a later question, on a number, and on an unknown answer.
        section.questions.insert(0, question("early", QuestionKind::YesNo, false, Some(("abmis", &["yes"]))));
        section.questions.push(question("on_number", QuestionKind::FreeText, false, Some(("officers", &["3"]))));
        section.questions.push(question("on_bad", QuestionKind::FreeText, false, Some(("abmis", &["maybe"]))));
        section.questions.push(question("abmis", QuestionKind::YesNo, false, None));
    }
    let errors = bad.validate(&members, &groups, &scale).expect_err("faults");
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "closes_on",
            "audience",
            "sections/0/questions/0/show_if/question",
            "sections/0/questions/5/show_if/question",
            "sections/0/questions/6/show_if/any_of",
            "sections/0/questions/7/key",
        ]
    );
}

#[test]
fn answers_are_checked_against_their_questions() {
    let q = capacity();
    assert_eq!(q.accept(full_answers(false), true).map(|a| a.len()), Ok(5));
    let mut bad = full_answers(true);
    bad.insert("abmis".into(), AnswerValue::Text("yes".into()));
    bad.insert("officers".into(), AnswerValue::Number(-1));
    bad.insert("support".into(), AnswerValue::List(vec!["law".into(), "law".into(), "boats".into()]));
    bad.insert("maturity".into(), AnswerValue::Map([("collect".to_owned(), "some".to_owned())].into()));
    bad.insert("confidence".into(), AnswerValue::Number(6));
    bad.insert("nope".into(), AnswerValue::Bool(true));
    let errors = q.accept(bad, true).expect_err("faults");
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "answers/nope",
            "answers/abmis",
            "answers/officers",
            "answers/support",
            "answers/support",
            "answers/maturity",
            "answers/confidence",
        ]
    );
    // A draft may leave required questions open; a submission may not.
    let draft: Answers = [("abmis".to_owned(), AnswerValue::Bool(false))].into();
    assert!(q.accept(draft.clone(), false).is_ok());
    let errors = q.accept(draft, true).expect_err("incomplete");
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["answers/abmis_plans", "answers/officers", "answers/support", "answers/maturity"]);
}

#[test]
fn an_answer_to_a_question_no_longer_asked_is_dropped() {
    let q = capacity();
    let mut answers = full_answers(false);
    answers.insert("abmis".into(), AnswerValue::Bool(true));
    answers.insert("comments".into(), AnswerValue::Text("   ".into()));
    let kept = q.accept(answers, true).expect("complete");
    assert!(!kept.contains_key("abmis_plans"));
    assert!(!kept.contains_key("comments"));
}

fn subject(user: u128, member: &str, roles: &[Role]) -> Subject {
    Subject {
        user: Uuid::from_u128(user),
        member: code(member),
        organisation: Uuid::nil(),
        roles: roles.iter().copied().collect(),
        clearance: Classification(1),
        member_groups: BTreeSet::from(["PIDC".to_owned()]),
    }
}

fn published() -> Questionnaire {
    Questionnaire {
        id: Uuid::from_u128(1),
        member: code("SEC"),
        organisation: Uuid::nil(),
        created_by: Uuid::from_u128(100),
        state: QuestionnaireState::Published,
        draft: capacity(),
        created_at: Timestamp(0),
        updated_at: Timestamp(0),
    }
}

fn day(d: &str) -> time::Date {
    crate::incident::parse_iso_date(d).expect("a date")
}

#[test]
fn a_response_goes_from_focal_point_and_delegate_to_the_authorising_officer() {
    let q = published();
    let today = day("2026-11-10");
    let nfp = subject(1, "FJI", &[Role::NationalFocalPoint]);
    let colleague = subject(2, "FJI", &[Role::Analyst]);
    let officer = subject(3, "FJI", &[Role::AuthorisingOfficer]);
    let other = subject(4, "TON", &[Role::NationalFocalPoint]);
    let mut r = Response::started(Uuid::from_u128(9), &q, &nfp, Timestamp(0));
    // The colleague edits nothing until given a section, then only that section.
    assert!(matches!(r.next_state(&q, &colleague, &ResponseAction::Save, today), Err(SurveyError::Forbidden(_))));
    let delegate = ResponseAction::Delegate { section: "priorities".into(), to: Some(colleague.user) };
    assert!(matches!(r.next_state(&q, &colleague, &delegate, today), Err(SurveyError::Forbidden(_))));
    assert_eq!(r.next_state(&q, &nfp, &delegate, today), Ok(ResponseState::Draft));
    r.delegations.insert("priorities".into(), colleague.user);
    assert_eq!(r.next_state(&q, &colleague, &ResponseAction::Save, today), Ok(ResponseState::Draft));
    let theirs: Answers = [("officers".to_owned(), AnswerValue::Number(3))].into();
    assert!(matches!(r.merged_answers(&q.draft, &colleague, theirs), Err(SurveyError::Invalid(_))));
    let theirs: Answers = [("support".to_owned(), AnswerValue::List(vec!["law".into()]))].into();
    r.answers = [("abmis".to_owned(), AnswerValue::Bool(true))].into();
    let merged = r.merged_answers(&q.draft, &colleague, theirs).expect("in scope");
    assert_eq!(merged.len(), 2);
    // Another member is not asked to touch Fiji's answers.
    assert!(matches!(r.next_state(&q, &other, &ResponseAction::Save, today), Err(SurveyError::Forbidden(_))));
    // Incomplete answers are not submitted; complete ones are, by the focal point only.
    assert!(matches!(r.next_state(&q, &nfp, &ResponseAction::Submit, today), Err(SurveyError::Invalid(_))));
    r.answers = full_answers(true);
    assert!(matches!(r.next_state(&q, &colleague, &ResponseAction::Submit, today), Err(SurveyError::Forbidden(_))));
    assert_eq!(r.next_state(&q, &nfp, &ResponseAction::Submit, today), Ok(ResponseState::AwaitingApproval));
    r.state = ResponseState::AwaitingApproval;
    r.submitted_by = Some(nfp.user);
    let approve = ResponseAction::Approve(ResponseRelease::of(&q.draft));
    assert!(matches!(r.next_state(&q, &nfp, &approve, today), Err(SurveyError::Forbidden(_))));
    let empty = ResponseAction::Return { reason: " ".into() };
    assert!(matches!(r.next_state(&q, &officer, &empty, today), Err(SurveyError::Invalid(_))));
    assert_eq!(r.next_state(&q, &officer, &approve, today), Ok(ResponseState::Submitted));
    // Nothing is taken once the questionnaire closes.
    assert_eq!(r.next_state(&q, &officer, &approve, day("2026-12-01")), Err(SurveyError::Closed));
}

#[test]
fn a_delegated_section_is_done_once_answered_with_its_required_questions() {
    let q = published();
    let nfp = subject(1, "FJI", &[Role::NationalFocalPoint]);
    let mut r = Response::started(Uuid::from_u128(9), &q, &nfp, Timestamp(0));
    r.delegations.insert("priorities".into(), Uuid::from_u128(2));
    let not_done = |r: &Response| -> Vec<(String, Uuid)> {
        r.delegations_not_done(&q.draft).map(|(s, user)| (s.key.clone(), user)).collect()
    };
    assert_eq!(not_done(&r), [("priorities".to_owned(), Uuid::from_u128(2))], "nothing answered");
    // An optional answer alone leaves the required ranking and matrix to do.
    r.answers.insert("comments".into(), AnswerValue::Text("Later".into()));
    assert_eq!(not_done(&r).len(), 1);
    r.answers = full_answers(true);
    assert!(not_done(&r).is_empty(), "every required question of the section answered");
}

#[test]
fn the_officer_who_submitted_does_not_approve_too() {
    let q = published();
    let both = subject(1, "FJI", &[Role::NationalFocalPoint, Role::AuthorisingOfficer]);
    let mut r = Response::started(Uuid::from_u128(9), &q, &both, Timestamp(0));
    r.state = ResponseState::AwaitingApproval;
    r.submitted_by = Some(both.user);
    let approve = ResponseAction::Approve(ResponseRelease::of(&q.draft));
    assert!(matches!(r.next_state(&q, &both, &approve, day("2026-11-10")), Err(SurveyError::Forbidden(_))));
}

#[test]
fn borda_gives_the_overall_order() {
    let options = choices(&["sops", "law", "training"]);
    let list = |keys: &[&str]| AnswerValue::List(keys.iter().map(|k| (*k).to_owned()).collect());
    let answers = [list(&["law", "sops"]), list(&["sops", "training", "law"]), list(&["sops"])];
    let order = borda(&options, answers.iter());
    let summary: Vec<(&str, u64, usize)> = order.iter().map(|r| (r.key.as_str(), r.points, r.first)).collect();
    // sops: 2 + 3 + 3; law: 3 + 1; training: 2.
    assert_eq!(summary, [("sops", 8, 2), ("law", 4, 1), ("training", 2, 0)]);
}

#[test]
fn percentages_round_half_up() {
    assert_eq!(percent(0, 0), 0);
    assert_eq!(percent(2, 5), 40);
    assert_eq!(percent(1, 8), 13);
    assert_eq!(percent(2, 3), 67);
    assert_eq!(percent(5, 5), 100);
}

#[test]
fn rounds_are_compared_by_question_and_option() {
    let q = capacity();
    let members = [code("FJI"), code("TON"), code("VUT")];
    let before = [full_answers(false), full_answers(false), full_answers(true)];
    let after = [full_answers(true), full_answers(true), full_answers(false)];
    let respondents = |answers: &'_ [Answers; 3]| -> Vec<(MemberCode, Answers)> {
        members.iter().cloned().zip(answers.iter().cloned()).collect()
    };
    let view = |list: &[(MemberCode, Answers)]| {
        let r: Vec<Respondent> =
            list.iter().map(|(m, a)| Respondent { member: m, answers: a, released: true }).collect();
        findings(&q, &r, true)
    };
    let (then, now) = (view(&respondents(&before)), view(&respondents(&after)));
    let changes = compare(&now, &then);
    let abmis_yes = changes.iter().find(|c| c.question == "abmis" && c.option == "yes").expect("compared");
    assert_eq!((abmis_yes.then, abmis_yes.now), (33, 67));
}

#[test]
fn free_text_is_listed_under_each_theme_it_matches_and_other() {
    let themes = [theme("systems", &["ABMIS", "spreadsheet"]), theme("training", &["training", "workshop"])];
    let answer = |member: &str, text: &str| TextAnswer { member: code(member), text: text.into() };
    let answers = [
        answer("FJI", "Our abmis is new; analysis still in spreadsheets."),
        answer("TON", "We need Training before systems."),
        answer("NZL", "Training on the ABMIS, please."),
        answer("PNG", "Arrival cards are keyed in late."),
    ];
    let groups = by_theme(&themes, &answers);
    let listed: Vec<(&str, Vec<&str>)> =
        groups.iter().map(|g| (g.key.as_str(), g.answers.iter().map(|a| a.member.as_str()).collect())).collect();
    assert_eq!(listed, [("systems", vec!["FJI", "NZL"]), ("training", vec!["TON", "NZL"]), ("other", vec!["PNG"])]);
    assert_eq!(groups[2].label, "Other");
    // A theme nobody matched is still listed; no "Other" when all matched; no themes, no groups.
    let groups = by_theme(&[theme("law", &["legislation"]), theme("systems", &["abmis"])], &answers[..1]);
    assert_eq!(groups.iter().map(|g| g.answers.len()).collect::<Vec<_>>(), [0, 1]);
    assert!(by_theme(&[], &answers).is_empty());
}

#[test]
fn themes_are_checked_and_change_after_publishing() {
    let (members, groups) = known();
    let scale = ClassificationScale::default();
    let mut q = capacity();
    let set_themes = |q: &mut QuestionnaireDraft, key: &str, themes: Vec<Theme>| {
        let question = q.sections.iter_mut().flat_map(|s| s.questions.iter_mut()).find(|x| x.key == key);
        question.expect("a question").themes = themes;
    };
    set_themes(&mut q, "comments", vec![theme("systems", &["abmis"]), theme("other", &["x"]), theme("law", &[" "])]);
    set_themes(&mut q, "abmis", vec![theme("systems", &["abmis"])]);
    let errors = q.validate(&members, &groups, &scale).expect_err("faults");
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "sections/0/questions/0/themes",
            "sections/1/questions/3/themes/1/key",
            "sections/1/questions/3/themes/2/keywords"
        ]
    );
    // Themes are analysis: the questionnaire still asks the same questions.
    let mut themed = capacity();
    set_themes(&mut themed, "comments", vec![theme("systems", &["abmis"])]);
    assert!(themed.asks_as(&capacity()));
    assert_eq!(themed.validate(&members, &groups, &scale), Ok(()));
    let mut reworded = capacity();
    reworded.sections[0].questions[0].text = "Another question?".into();
    assert!(!reworded.asks_as(&capacity()));
}

#[test]
fn a_draft_may_be_unfinished_but_is_published_only_whole() {
    let (members, groups) = known();
    let mut q = capacity();
    q.sections[1].questions.clear();
    assert_eq!(q.validate(&members, &groups, &ClassificationScale::default()), Ok(()));
    let errors = q.check_publishable().expect_err("an empty section");
    assert_eq!(errors.0[0].field, "sections/1/questions");
    q.sections.clear();
    assert_eq!(q.check_publishable().expect_err("no section").0[0].field, "sections");
    assert_eq!(capacity().check_publishable(), Ok(()));
}

// ---- Property tests ----

/// A random questionnaire of one section: each question is yes/no or a
/// single choice of three, optionally conditional on an earlier question.
fn arb_questionnaire() -> impl Strategy<Value = QuestionnaireDraft> {
    prop::collection::vec(
        (any::<bool>(), any::<bool>(), prop::option::of((any::<prop::sample::Index>(), 0usize..3))),
        1..10,
    )
    .prop_map(|specs| {
        let mut draft = capacity();
        let mut questions: Vec<Question> = Vec::new();
        for (n, (yes_no, required, condition)) in specs.into_iter().enumerate() {
            let kind = if yes_no {
                QuestionKind::YesNo
            } else {
                QuestionKind::SingleChoice { options: choices(&["a", "b", "c"]) }
            };
            let show_if = condition.filter(|_| !questions.is_empty()).and_then(|(index, value)| {
                let controlling = questions.get(index.index(questions.len()))?;
                let values = controlling.kind.condition_values()?;
                let value = values.get(value % values.len())?;
                Some(Condition { question: controlling.key.clone(), any_of: vec![(*value).to_owned()] })
            });
            questions.push(Question { show_if, ..question(&format!("q{n}"), kind, required, None) });
        }
        draft.sections = vec![Section { key: "s".into(), title: "S".into(), description: String::new(), questions }];
        draft
    })
}

/// Random answers to any of `q{0..10}`: yes/no or a choice key, right or not for its question.
fn arb_answers() -> impl Strategy<Value = Answers> {
    prop::collection::btree_map(
        (0usize..10).prop_map(|n| format!("q{n}")),
        prop_oneof![
            any::<bool>().prop_map(AnswerValue::Bool),
            (0usize..3).prop_map(|i| AnswerValue::Text(["a", "b", "c"][i].into()))
        ],
        0..10,
    )
}

/// Answers every asked question right, in order, choosing by `picks`.
fn complete_answers(q: &QuestionnaireDraft, picks: &[usize]) -> Answers {
    let mut answers = Answers::new();
    for (n, (_, question)) in q.questions().enumerate() {
        if !q.asked(&answers).contains(&question.key) {
            continue;
        }
        let pick = picks.get(n).copied().unwrap_or(0);
        let value = match &question.kind {
            QuestionKind::YesNo => AnswerValue::Bool(pick % 2 == 0),
            _ => AnswerValue::Text(["a", "b", "c"][pick % 3].into()),
        };
        answers.insert(question.key.clone(), value);
    }
    answers
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Generated questionnaires are valid: conditions only name earlier questions.
    #[test]
    fn conditions_name_earlier_questions(q in arb_questionnaire()) {
        let (members, groups) = known();
        prop_assert_eq!(q.validate(&members, &groups, &ClassificationScale::default()), Ok(()));
    }

    /// What is kept is asked, is kept again unchanged, and a question is asked
    /// only when its controlling question is asked and answered as the condition says.
    #[test]
    fn only_asked_questions_keep_answers(q in arb_questionnaire(), answers in arb_answers()) {
        let asked = q.asked(&answers);
        for (_, question) in q.questions() {
            if let Some(c) = &question.show_if {
                let controlling_matches = asked.contains(&c.question) && answers.get(&c.question).is_some_and(|a| match a {
                    AnswerValue::Bool(b) => c.any_of.contains(&(if *b { "yes" } else { "no" }).to_owned()),
                    AnswerValue::Text(t) => c.any_of.contains(t),
                    _ => false,
                });
                prop_assert_eq!(asked.contains(&question.key), controlling_matches);
            } else {
                prop_assert!(asked.contains(&question.key));
            }
        }
        if let Ok(kept) = q.accept(answers, false) {
            let kept_asked = q.asked(&kept);
            prop_assert!(kept.keys().all(|k| kept_asked.contains(k)));
            prop_assert_eq!(q.accept(kept.clone(), false), Ok(kept));
        }
    }

    /// Answering every asked question completes the questionnaire; leaving out
    /// a required asked question does not.
    #[test]
    fn complete_answers_are_accepted(q in arb_questionnaire(), picks in prop::collection::vec(0usize..6, 10), drop in any::<prop::sample::Index>()) {
        let answers = complete_answers(&q, &picks);
        prop_assert_eq!(q.accept(answers.clone(), true), Ok(answers.clone()));
        let keys: Vec<&String> = answers.keys().collect();
        if !keys.is_empty() {
            let dropped = keys[drop.index(keys.len())].clone();
            let mut fewer = answers.clone();
            fewer.remove(&dropped);
            let required = q.question(&dropped).is_some_and(|x| x.required);
            // Dropping an answer may also hide the questions it controlled; a
            // required question still asked must then be reported.
            if required {
                prop_assert!(q.accept(fewer, true).is_err());
            }
        }
    }

    /// Totals are consistent, and no answer of a response not released to the
    /// viewer is counted or shown: the findings are those of the released
    /// responses alone, whatever the unreleased ones say, however many there
    /// are and whether or not the findings are released to the viewer (which
    /// adds only how many members submitted).
    #[test]
    fn findings_count_only_what_the_viewer_may_count(
        responses in prop::collection::vec((any::<bool>(), any::<bool>(), prop::collection::vec(0usize..6, 10)), 0..8),
        findings_released in any::<bool>(),
    ) {
        let mut q = capacity();
        let themes = vec![theme("low", &["note 0", "note 1", "note 2"]), theme("even", &["note 0", "note 2", "note 4"])];
        q.sections[1].questions[3].themes = themes.clone();
        let members: Vec<MemberCode> = (0..responses.len()).map(|n| MemberCode(format!("M{n:02}"))).collect();
        let answers: Vec<Answers> = responses
            .iter()
            .map(|(abmis, _, picks)| {
                let mut a = full_answers(*abmis);
                a.insert("comments".into(), AnswerValue::Text(format!("note {}", picks.first().copied().unwrap_or(0))));
                if picks.get(1).is_some_and(|p| p % 2 == 0) {
                    a.insert("storage".into(), AnswerValue::List(vec!["excel".into(), "cards".into()]));
                }
                a
            })
            .collect();
        // What the unreleased members might have answered instead.
        let otherwise: Vec<Answers> = responses
            .iter()
            .zip(&answers)
            .map(|((abmis, released, _), a)| {
                if *released {
                    return a.clone();
                }
                let mut other = full_answers(!abmis);
                other.insert("comments".into(), AnswerValue::Text("note 2, unreleased".into()));
                other
            })
            .collect();
        let respondents_of = |answers: &'_ [Answers]| -> Vec<(MemberCode, Answers, bool)> {
            members.iter().cloned().zip(answers.iter().cloned()).zip(&responses).map(|((m, a), (_, r, _))| (m, a, *r)).collect()
        };
        let view = |list: &[(MemberCode, Answers, bool)], findings_released: bool| {
            let r: Vec<Respondent> =
                list.iter().map(|(m, a, released)| Respondent { member: m, answers: a, released: *released }).collect();
            findings(&q, &r, findings_released)
        };
        let all = respondents_of(&answers);
        let seen = view(&all, findings_released);
        prop_assert_eq!(&seen, &view(&respondents_of(&otherwise), findings_released));
        let released_only: Vec<(MemberCode, Answers, bool)> = all.iter().filter(|r| r.2).cloned().collect();
        prop_assert_eq!(&seen.questions, &view(&released_only, false).questions);
        prop_assert_eq!(seen.responding, released_only.len());
        prop_assert_eq!(seen.submitted, findings_released.then_some(responses.len()));
        let released: Vec<Respondent> = released_only
            .iter()
            .map(|(m, a, _)| Respondent { member: m, answers: a, released: true })
            .collect();
        let released_members: BTreeSet<&MemberCode> = released.iter().map(|r| r.member).collect();
        for question in &seen.questions {
            prop_assert!(question.answered <= seen.responding);
            match &question.tally {
                Tally::Options { options } if question.key == "abmis" => {
                    prop_assert_eq!(options.iter().map(|o| o.count).sum::<usize>(), question.answered);
                }
                Tally::Options { options } => prop_assert!(options.iter().all(|o| o.count <= question.answered)),
                Tally::Matrix { rows } => {
                    for row in rows {
                        prop_assert_eq!(row.options.iter().map(|o| o.count).sum::<usize>(), question.answered);
                    }
                }
                Tally::Ranking { order } => {
                    // Each respondent ranked sops then law: 4 + 3 points.
                    prop_assert_eq!(order.iter().map(|r| r.points).sum::<u64>(), 7 * question.answered as u64);
                }
                Tally::Text { answers, themes: groups } => {
                    prop_assert!(answers.iter().all(|t| released_members.contains(&t.member)));
                    prop_assert_eq!(answers.len(), released.len());
                    // By theme: only these answers, each under exactly the themes it
                    // matches, or under "Other" alone.
                    for group in groups {
                        prop_assert!(group.answers.iter().all(|a| answers.contains(a)));
                    }
                    for answer in answers {
                        let under: Vec<&str> =
                            groups.iter().filter(|g| g.answers.contains(answer)).map(|g| g.key.as_str()).collect();
                        let matching: Vec<&str> =
                            themes.iter().filter(|t| t.matches(&answer.text)).map(|t| t.key.as_str()).collect();
                        let expected = if matching.is_empty() { vec![OTHER_THEME] } else { matching };
                        prop_assert_eq!(under, expected);
                    }
                }
                Tally::Numbers { total, .. } => prop_assert_eq!(*total, 3 * question.answered as i64),
            }
        }
    }

    /// Every free-text answer is listed under at least one theme or "Other",
    /// under a theme only if it holds one of its keywords, and nothing else is listed.
    #[test]
    fn every_answer_is_listed_under_a_theme_or_other(
        texts in prop::collection::vec("[a-cA-C ]{0,12}", 0..12),
        keywords in prop::collection::vec(prop::collection::vec("[a-cA-C]{1,3}", 1..4), 0..4),
    ) {
        let themes: Vec<Theme> = keywords
            .iter()
            .enumerate()
            .map(|(n, k)| Theme { key: format!("t{n}"), label: format!("T{n}"), keywords: k.clone() })
            .collect();
        let answers: Vec<TextAnswer> =
            texts.iter().enumerate().map(|(n, t)| TextAnswer { member: MemberCode(format!("M{n:02}")), text: t.clone() }).collect();
        let groups = by_theme(&themes, &answers);
        if themes.is_empty() {
            prop_assert!(groups.is_empty());
        } else {
            for answer in &answers {
                prop_assert!(groups.iter().any(|g| g.answers.contains(answer)));
            }
            for group in &groups {
                for answer in &group.answers {
                    prop_assert!(answers.contains(answer));
                    match themes.iter().find(|t| t.key == group.key) {
                        Some(t) => prop_assert!(t.keywords.iter().any(|k| answer.text.to_lowercase().contains(&k.to_lowercase()))),
                        None => prop_assert!(group.key == OTHER_THEME && !themes.iter().any(|t| t.matches(&answer.text))),
                    }
                }
            }
        }
    }
}
