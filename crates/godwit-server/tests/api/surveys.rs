//! Member capacity surveys (issue 9) through the API: the PIDC secretariat
//! designs and publishes a questionnaire to the PIDC group, Fiji's focal point
//! answers with a section delegated to an analyst, Fiji's officer approves;
//! New Zealand and Tonga answer too, Tonga releasing its answers to the
//! secretariat only. Each reader then sees the findings the disclosure rule
//! allows: Tonga's answers are never listed to others, and are counted only
//! where the findings are released. Bad input is a 4xx naming the field.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Node, assert_marked, call, nodes, pdf_pages};

/// The questionnaire; findings released to `release`.
fn questionnaire(release: Value) -> Value {
    json!({
        "title": "Information sharing capacity",
        "round": "2026",
        "opens_on": "2026-10-25",
        "closes_on": "2026-11-30",
        "audience": { "groups": ["PIDC"] },
        "classification": 0,
        "tlp": "CLEAR",
        "release": release,
        "sections": [
            { "key": "sharing", "title": "Provisions for sharing", "questions": [
                { "key": "provisions", "text": "Do you have provisions allowing for sharing of information?",
                  "kind": { "type": "yes_no" }, "required": true },
                { "key": "plans", "text": "Are such provisions being developed?", "kind": { "type": "yes_no" },
                  "required": true, "show_if": { "question": "provisions", "any_of": ["no"] } },
                { "key": "storage", "text": "How is information stored?", "kind": { "type": "single_choice", "options": [
                    { "key": "paper", "label": "On paper" },
                    { "key": "excel", "label": "In spreadsheets" },
                    { "key": "database", "label": "In a database" } ] } },
                { "key": "analysts", "text": "How many analysts?", "kind": { "type": "number", "min": 0 } },
                { "key": "comments", "text": "Comments", "kind": { "type": "free_text" } }
            ]},
            { "key": "priorities", "title": "Priorities", "questions": [
                { "key": "support", "text": "Rank the support you need", "required": true,
                  "kind": { "type": "ranking", "options": [
                      { "key": "sops", "label": "Policies, SOPs and guidelines" },
                      { "key": "law", "label": "Legislation" },
                      { "key": "training", "label": "Training" } ] } }
            ]}
        ]
    })
}

fn field(response: &crate::harness::Response) -> &str {
    response.json["errors"][0]["field"].as_str().unwrap_or_default()
}

/// `member`'s focal point answers, submits, and its officer approves with `release`.
async fn respond(node: &Node, member: &str, id: &str, answers: Value, release: Value) {
    let (nfp, officer) = (node.login(&format!("nfp.{member}")).await, node.login(&format!("officer.{member}")).await);
    let saved =
        call(node, Method::PUT, &nfp, &format!("surveys/{id}/response"), Some(json!({ "answers": answers }))).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);
    let submitted = call(node, Method::POST, &nfp, &format!("surveys/{id}/response/submit"), None).await;
    assert_eq!(submitted.json["state"], "awaiting_approval", "{}", submitted.json);
    let approval = json!({ "classification": 0, "tlp": "CLEAR", "release": release });
    let approved = call(node, Method::POST, &officer, &format!("surveys/{id}/response/approve"), Some(approval)).await;
    assert_eq!(approved.json["state"], "submitted", "{}", approved.json);
}

fn question<'a>(findings: &'a Value, key: &str) -> &'a Value {
    findings["findings"]["questions"].as_array().unwrap().iter().find(|q| q["key"] == key).unwrap()
}

fn counts(findings: &Value, key: &str) -> Vec<(u64, u64)> {
    question(findings, key)["tally"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["count"].as_u64().unwrap(), o["percent"].as_u64().unwrap()))
        .collect()
}

fn members(findings: &Value) -> Vec<&str> {
    findings["released"].as_array().unwrap().iter().map(|r| r["member"].as_str().unwrap()).collect()
}

fn texts(findings: &Value) -> Vec<&str> {
    question(findings, "comments")["tally"]["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["text"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn designed_answered_approved_submitted_and_found() {
    for mut node in nodes().await {
        node.enrol_totp("nfp.fji").await;
        let secretariat = node.login("sec.pidc").await;
        let (nfp_fji, ana_fji, ana_nzl) =
            (node.login("nfp.fji").await, node.login("ana.fji").await, node.login("ana.nzl").await);

        // Designed by the secretariat only; faults are 4xx naming the field.
        let release = json!({ "members": ["NZL"] });
        let refused = call(&node, Method::POST, &ana_fji, "surveys", Some(questionnaire(release.clone()))).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let mut backwards = questionnaire(release.clone());
        backwards["closes_on"] = json!("2026-10-01");
        let wrong = call(&node, Method::POST, &secretariat, "surveys", Some(backwards)).await;
        assert_eq!((wrong.status, field(&wrong)), (StatusCode::UNPROCESSABLE_ENTITY, "closes_on"), "{}", wrong.json);
        let mut looping = questionnaire(release.clone());
        looping["sections"][0]["questions"][0]["show_if"] = json!({ "question": "plans", "any_of": ["yes"] });
        let wrong = call(&node, Method::POST, &secretariat, "surveys", Some(looping)).await;
        assert_eq!(field(&wrong), "sections/0/questions/0/show_if/question", "{}", wrong.json);
        let wrong =
            call(&node, Method::POST, &secretariat, "surveys", Some(json!({ "title": "x", "sections": 3 }))).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.json["detail"].as_str().unwrap().contains("not acceptable"), "{}", wrong.json);

        let created = call(&node, Method::POST, &secretariat, "surveys", Some(questionnaire(release.clone()))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
        let id = created.json["id"].as_str().unwrap().to_owned();
        assert_eq!(
            call(&node, Method::GET, &nfp_fji, &format!("surveys/{id}"), None).await.status,
            StatusCode::NOT_FOUND
        );
        let mut publish = questionnaire(release);
        publish["publish"] = json!(true);
        let published = call(&node, Method::PUT, &secretariat, &format!("surveys/{id}"), Some(publish)).await;
        assert_eq!(published.json["state"], "published", "{}", published.json);
        let listed = call(&node, Method::GET, &nfp_fji, "surveys", None).await;
        assert_eq!(listed.json[0]["asked"], true);
        assert_eq!(listed.json[0]["findings_released"], false);

        // Fiji's focal point answers the first section; the condition hides "plans" until "no".
        let view = call(&node, Method::GET, &nfp_fji, &format!("surveys/{id}/response"), None).await;
        assert!(view.json["response"].is_null());
        assert_eq!(view.json["editable_sections"], json!(["sharing", "priorities"]));
        assert!(!view.json["asked"].as_array().unwrap().contains(&json!("plans")));
        let answers = |a: Value| Some(json!({ "answers": a }));
        let path = format!("surveys/{id}/response");
        let wrong = call(&node, Method::PUT, &nfp_fji, &path, answers(json!({ "storage": "cloud" }))).await;
        assert_eq!((wrong.status, field(&wrong)), (StatusCode::UNPROCESSABLE_ENTITY, "answers/storage"));
        let wrong = call(&node, Method::PUT, &nfp_fji, &path, answers(json!({ "colour": "blue" }))).await;
        assert_eq!(field(&wrong), "answers/colour");
        let draft = json!({ "provisions": false, "plans": true, "storage": "excel", "analysts": 2,
                            "comments": "Stored in Excel" });
        let saved = call(&node, Method::PUT, &nfp_fji, &path, answers(draft)).await;
        assert_eq!(saved.json["state"], "draft", "{}", saved.json);
        assert_eq!(saved.json["answers"]["plans"], true);

        // The priorities go to an analyst, who answers them alone.
        let analyst = call(&node, Method::GET, &ana_fji, "auth/me", None).await.json["user"]["id"].clone();
        let to = json!({ "section": "priorities", "to": analyst });
        let delegated = call(&node, Method::POST, &nfp_fji, &format!("{path}/delegate"), Some(to)).await;
        assert_eq!(delegated.json["delegations"]["priorities"], analyst, "{}", delegated.json);
        let view = call(&node, Method::GET, &ana_fji, &path, None).await;
        assert_eq!(view.json["editable_sections"], json!(["priorities"]));
        let wrong = call(&node, Method::PUT, &ana_fji, &path, answers(json!({ "storage": "paper" }))).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ranked =
            call(&node, Method::PUT, &ana_fji, &path, answers(json!({ "support": ["law", "training"] }))).await;
        assert_eq!(ranked.json["answers"].as_object().unwrap().len(), 6, "{}", ranked.json);

        // Submitted by the focal point, approved by the officer (not by the focal point).
        let submitted = call(&node, Method::POST, &nfp_fji, &format!("{path}/submit"), None).await;
        assert_eq!(submitted.json["state"], "awaiting_approval");
        let approval = json!({ "classification": 0, "tlp": "CLEAR", "release": { "groups": ["PIDC"] } });
        let own = call(&node, Method::POST, &nfp_fji, &format!("{path}/approve"), Some(approval.clone())).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
        let officer = node.login("officer.fji").await;
        let approved = call(&node, Method::POST, &officer, &format!("{path}/approve"), Some(approval)).await;
        assert_eq!(approved.json["state"], "submitted", "{}", approved.json);
        let late = call(&node, Method::PUT, &nfp_fji, &path, answers(json!({ "analysts": 3 }))).await;
        assert_eq!(late.status, StatusCode::CONFLICT);

        // Tonga cannot submit what is incomplete; it releases its answers to the secretariat only.
        let nfp_ton = node.login("nfp.ton").await;
        let incomplete = call(&node, Method::POST, &nfp_ton, &format!("{path}/submit"), None).await;
        assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", incomplete.json);
        let nzl = json!({ "provisions": true, "storage": "database", "analysts": 5, "comments": "Shared with police",
                          "support": ["training", "law"] });
        respond(&node, "nzl", &id, nzl, json!({ "groups": ["PIDC"] })).await;
        let ton = json!({ "provisions": false, "plans": false, "storage": "paper", "analysts": 0,
                          "comments": "Paper arrival cards", "support": ["law", "sops"] });
        respond(&node, "ton", &id, ton, json!({})).await;

        // Themes of free text are analysis: set after publishing; the questions themselves stay.
        let mut themed = questionnaire(json!({ "members": ["NZL"] }));
        themed["sections"][0]["questions"][4]["themes"] =
            json!([{ "key": "storage", "label": "Storage", "keywords": ["excel", "paper"] }]);
        let changed = call(&node, Method::PUT, &secretariat, &format!("surveys/{id}"), Some(themed.clone())).await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.json);
        themed["sections"][0]["questions"][4]["themes"][0]["key"] = json!("other");
        let wrong = call(&node, Method::PUT, &secretariat, &format!("surveys/{id}"), Some(themed.clone())).await;
        assert_eq!(field(&wrong), "sections/0/questions/4/themes/0/key", "{}", wrong.json);
        themed["sections"][0]["questions"][4]["text"] = json!("Reworded");
        let wrong = call(&node, Method::PUT, &secretariat, &format!("surveys/{id}"), Some(themed)).await;
        assert_eq!(wrong.status, StatusCode::CONFLICT);

        // The secretariat reads and counts all three; New Zealand, to which the
        // findings are released, learns that three members responded but
        // counts only the two answers released to it: Tonga's are neither read
        // nor counted.
        let findings = format!("surveys/{id}/findings");
        let seen = call(&node, Method::GET, &secretariat, &findings, None).await.json;
        assert_eq!(
            (seen["findings"]["submitted"].as_u64(), seen["findings"]["responding"].as_u64()),
            (Some(3), Some(3))
        );
        assert_eq!(members(&seen), ["FJI", "NZL", "TON"]);
        let seen = call(&node, Method::GET, &ana_nzl, &findings, None).await.json;
        assert_eq!(
            (seen["findings"]["submitted"].as_u64(), seen["findings"]["responding"].as_u64()),
            (Some(3), Some(2)),
            "{seen}"
        );
        assert_eq!(counts(&seen, "provisions"), [(1, 50), (1, 50)]);
        assert_eq!(members(&seen), ["FJI", "NZL"]);
        assert_eq!(texts(&seen), ["Stored in Excel", "Shared with police"]);
        let order: Vec<&str> = question(&seen, "support")["tally"]["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].as_str().unwrap())
            .collect();
        assert_eq!(order, ["law", "training", "sops"]);
        assert_eq!(seen["asked"], 3);

        // Fiji, to which the findings are not released, counts the answers
        // released to it and is not told how many members responded.
        let seen = call(&node, Method::GET, &ana_fji, &findings, None).await.json;
        assert_eq!((seen["findings"]["submitted"].as_u64(), seen["findings"]["responding"].as_u64()), (None, Some(2)));
        assert_eq!(counts(&seen, "provisions"), [(1, 50), (1, 50)]);
        assert_eq!(members(&seen), ["FJI", "NZL"]);
        assert!(!seen.to_string().contains("Paper arrival cards"));
        let themes: Vec<(&str, Vec<&str>)> = question(&seen, "comments")["tally"]["themes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let texts = t["answers"].as_array().unwrap().iter().map(|a| a["text"].as_str().unwrap()).collect();
                (t["key"].as_str().unwrap(), texts)
            })
            .collect();
        assert_eq!(themes, [("storage", vec!["Stored in Excel"]), ("other", vec!["Shared with police"])]);

        // The data as CSV and XLSX, as the reader may see it.
        let csv = call(&node, Method::GET, &ana_fji, &format!("{findings}/data?format=csv"), None).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = String::from_utf8(csv.bytes).unwrap();
        assert!(
            csv.starts_with("section,question,question_text,row,answer,value,percent,rank,member,theme,responding\n"),
            "{csv}"
        );
        assert!(
            csv.contains(
                "sharing,provisions,Do you have provisions allowing for sharing of information?,,Yes,1,50,,,,2\n"
            ),
            "{csv}"
        );
        assert!(csv.contains("sharing,comments,Comments,,Stored in Excel,,,,FJI,Storage,2\n"), "{csv}");
        assert!(csv.contains(",Shared with police,,,,NZL,Other,2\n") && !csv.contains("Paper arrival cards"));
        let xlsx = call(&node, Method::GET, &secretariat, &format!("{findings}/data?format=xlsx"), None).await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert!(xlsx.bytes.starts_with(b"PK"), "an XLSX workbook is a zip");
        let wrong = call(&node, Method::GET, &secretariat, &format!("{findings}/data?format=pdf"), None).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);

        // The report as PDF, as Fiji may see it: the marking on every page, Fiji's figures, no Tongan text.
        let pdf = node.pdf(&ana_fji, &format!("{findings}/pdf?reason=for%20the%20working%20group")).await;
        assert!(pdf.headers["content-disposition"].to_str().unwrap().contains(&format!("survey-{id}-findings.pdf")));
        if let Some(pages) = pdf_pages("survey-findings", &pdf.bytes) {
            assert_marked(&pages, "UNCLASSIFIED // TLP:CLEAR", "REL TO PIDCSEC (originator), NZL");
            // pdftotext breaks long lines where the page does: compare words.
            let all = pages.concat().split_whitespace().collect::<Vec<_>>().join(" ");
            for text in [
                "Findings: Information sharing capacity",
                "2 responding members whose answers are released to you, of 3 asked",
                "only answers released to you are counted",
                "Yes (50%)",
                "No (50%)",
                "Stored in Excel",
                "Storage (1)",
                "Other (1)",
                "Policies, SOPs and guidelines",
            ] {
                assert!(all.contains(text), "{text}: {all}");
            }
            assert!(!all.contains("Paper arrival cards"));
        }
        let too_long = format!("{findings}/pdf?reason={}", "x".repeat(501));
        let wrong = call(&node, Method::GET, &ana_fji, &too_long, None).await;
        assert_eq!((wrong.status, field(&wrong)), (StatusCode::UNPROCESSABLE_ENTITY, "reason"));

        // Every download audited as an export, the PDF with its reason.
        let auditor = node.login("auditor.fji").await;
        let formats: Vec<(String, Value)> = node
            .audit_details(&auditor, "survey.export")
            .await
            .into_iter()
            .map(|d| (d["format"].as_str().unwrap().to_owned(), d["reason"].clone()))
            .collect();
        let expected = [("csv", Value::Null), ("xlsx", Value::Null), ("pdf", json!("for the working group"))];
        assert_eq!(formats, expected.map(|(f, r)| (f.to_owned(), r)));

        // Outsiders and bad ids.
        let border = node.login("border.fji").await;
        assert_eq!(call(&node, Method::GET, &border, &findings, None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(call(&node, Method::GET, &ana_fji, "surveys/not-an-id", None).await.status, StatusCode::BAD_REQUEST);
        let unknown = format!("surveys/{}/findings", uuid::Uuid::nil());
        assert_eq!(call(&node, Method::GET, &ana_fji, &unknown, None).await.status, StatusCode::NOT_FOUND);

        let openapi = node.call(Method::GET, "/api/openapi.json", None, None).await;
        assert!(openapi.json["paths"]["/api/v1/surveys/{id}/response/approve"].is_object());
        assert!(openapi.json["components"]["schemas"]["RoundChange"].is_object());
        assert!(openapi.json["paths"]["/api/v1/surveys/{id}/findings/pdf"]["get"].is_object());
    }
}

#[tokio::test]
async fn answered_approved_and_read_in_the_portal() {
    for node in nodes().await {
        let secretariat = node.login("sec.pidc").await;
        let mut publish = questionnaire(json!({ "groups": ["PIDC"] }));
        publish["classification"] = json!(1);
        let created = call(&node, Method::POST, &secretariat, "surveys", Some(publish.clone())).await;
        let id = created.json["id"].as_str().unwrap().to_owned();
        publish["publish"] = json!(true);
        call(&node, Method::PUT, &secretariat, &format!("surveys/{id}"), Some(publish)).await;

        // New Zealand's focal point finds it, answers the first section and saves a draft.
        let nfp = node.portal_login("nfp.nzl").await;
        assert!(node.page(&nfp, "/surveys").await.text().contains("Information sharing capacity"));
        let nav = node.page(&nfp, "/").await.text();
        assert!(nav.contains("href=\"/surveys\""), "the navigation links to surveys");
        let answer = format!("/surveys/{id}/answer");
        let form = node.page(&nfp, &answer).await.text();
        assert!(form.contains("name=\"q.provisions\"") && form.contains("name=\"q.support.law\""), "{form}");
        assert!(
            form.contains("data-question=\"plans\" data-show-if=\"provisions\" data-any-of=\"no\" hidden"),
            "{form}"
        );
        let fields = [
            ("q.provisions", "no"),
            ("q.storage", "excel"),
            ("q.analysts", "3"),
            ("q.comments", "Kept in spreadsheets"),
            ("q.support.law", "1"),
            ("q.support.training", "2"),
            ("step", "save"),
        ];
        let saved = node.post_form(&nfp, &answer, &fields).await;
        assert_eq!(saved.location(), format!("{answer}?done=save"));
        let form = node.page(&nfp, &answer).await.text();
        assert!(form.contains("data-question=\"plans\" data-show-if=\"provisions\" data-any-of=\"no\">"), "now asked");
        assert!(form.contains("<option selected>2</option>"), "the ranking is shown as saved");

        // Submitting without the question now asked names it; a number that is not one too.
        let mut submit = fields.to_vec();
        submit.retain(|(k, _)| *k != "step");
        submit.push(("step", "submit"));
        let refused = node.post_form(&nfp, &answer, &submit).await.text();
        assert!(refused.contains("plans: must be answered"), "{refused}");
        let wrong = node.post_form(&nfp, &answer, &[("q.analysts", "three"), ("step", "save")]).await.text();
        assert!(wrong.contains("analysts: must be a whole number"), "{wrong}");
        submit.push(("q.plans", "yes"));
        let sent = node.post_form(&nfp, &answer, &submit).await;
        assert_eq!(sent.location(), format!("{answer}?done=submit"));

        // The officer approves, releasing the answers to PIDC (unclassified, TLP:CLEAR: no agreement needed).
        let officer = node.portal_login("officer.nzl").await;
        let page = node.page(&officer, &answer).await.text();
        assert!(page.contains("Approve the answers") && page.contains("Kept in spreadsheets"), "{page}");
        let approval = [("classification", "0"), ("tlp", "CLEAR"), ("groups", "PIDC"), ("members", "")];
        let approved = node.post_form(&officer, &format!("/surveys/{id}/approve"), &approval).await;
        assert_eq!(approved.location(), format!("{answer}?done=approve"));

        // Findings: counts of one responding member, a chart, the free text, downloads.
        let reader = node.portal_login("ana.ton").await;
        let findings = node.page(&reader, &format!("/surveys/{id}/findings")).await.text();
        assert!(findings.contains("1 responding member whose answers are released to you, of 3 asked"), "{findings}");
        assert!(findings.contains("<svg") && findings.contains("Kept in spreadsheets"), "{findings}");
        assert!(findings.contains(&format!("/surveys/{id}/findings/data?format=xlsx")));
        let csv = node.page(&reader, &format!("/surveys/{id}/findings/data?format=csv")).await;
        assert!(String::from_utf8(csv.bytes).unwrap().contains("Kept in spreadsheets"));
        assert!(findings.contains(&format!("/surveys/{id}/findings/pdf")));
        let pdf = node.page(&reader, &format!("/surveys/{id}/findings/pdf")).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert!(pdf.bytes.starts_with(b"%PDF"));
        let questionnaire_page = node.page(&reader, &format!("/surveys/{id}")).await.text();
        assert!(questionnaire_page.contains("Provisions for sharing") && questionnaire_page.contains("class=\"banner"));
    }
}

/// The version a portal form of the editor was drawn from.
fn updated(page: &str) -> String {
    let at = page.find("name=\"updated\" value=\"").expect("a version") + "name=\"updated\" value=\"".len();
    page[at..].chars().take_while(char::is_ascii_digit).collect()
}

#[tokio::test]
async fn designed_in_the_portal_editor() {
    for node in nodes().await {
        let designer = node.portal_login("sec.pidc").await;
        assert!(node.page(&designer, "/surveys").await.text().contains("href=\"/surveys/new\""));
        let analyst = node.portal_login("ana.fji").await;
        assert_eq!(node.page(&analyst, "/surveys/new").await.status, StatusCode::FORBIDDEN);

        // The settings; a fault is shown beside its field, with what was typed.
        let mut settings = vec![
            ("title", "Training needs"),
            ("round", "2026"),
            ("opens_on", "2026-11-01"),
            ("closes_on", "2026-10-01"),
            ("audience_groups", "PIDC"),
            ("category", "border_management"),
            ("classification", "UNCLASSIFIED"),
            ("tlp", "CLEAR"),
            ("release_groups", "PIDC"),
        ];
        let refused = node.post_form(&designer, "/surveys/new", &settings).await.text();
        assert!(
            refused.contains("id=\"closes_on-error\"") && refused.contains("value=\"Training needs\""),
            "{refused}"
        );
        settings[3] = ("closes_on", "2026-12-15");
        let created = node.post_form(&designer, "/surveys/new", &settings).await;
        let design = created.location().replace("?done=created", "");
        let id = design.trim_start_matches("/surveys/").trim_end_matches("/design").to_owned();
        assert!(design.ends_with("/design"), "{}", created.text());

        // A section, then questions in it.
        let page = node.page(&designer, &design).await.text();
        let added = node
            .post_form(
                &designer,
                &format!("/surveys/{id}/sections"),
                &[("updated", &updated(&page)), ("title", "Training")],
            )
            .await;
        assert_eq!(added.location(), format!("{design}?done=saved"), "{}", added.text());
        let form = node.page(&designer, &format!("/surveys/{id}/questions?section=training")).await.text();
        assert!(form.contains("name=\"kind\"") && form.contains("Ranked priorities"), "{form}");
        let add = |fields: Vec<(&'static str, &'static str)>| {
            let (node, designer, id) = (&node, &designer, id.clone());
            async move {
                let page = node.page(designer, &format!("/surveys/{id}/design")).await.text();
                let version = updated(&page);
                let mut all = vec![("updated", version.as_str()), ("section", "training")];
                all.extend(fields);
                node.post_form(designer, &format!("/surveys/{id}/questions"), &all).await
            }
        };
        let saved = add(vec![("text", "Do you run induction training?"), ("kind", "yes_no"), ("required", "on")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let one_option = add(vec![("text", "Who trains?"), ("kind", "single_choice"), ("options", "Ourselves")]).await;
        let page = one_option.text();
        assert!(page.contains("id=\"options-error\"") && page.contains("Who trains?"), "{page}");
        let saved = add(vec![
            ("text", "Who trains?"),
            ("kind", "single_choice"),
            ("options", "own: Ourselves\nA partner agency"),
            ("show_if_question", "do_you_run_induction_training"),
            ("show_if_values", "yes"),
        ])
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let saved = add(vec![
            ("text", "What training do you need?"),
            ("key", "needs"),
            ("kind", "free_text"),
            ("themes", "analysis: Analysis = analys, charting\nlaw: Legislation = law"),
        ])
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());

        // Moving the conditional question above the one it depends on is refused, naming why.
        let page = node.page(&designer, &design).await.text();
        let fields = [
            ("updated", updated(&page)),
            ("what", "question".into()),
            ("key", "who_trains".into()),
            ("step", "up".into()),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = node.post_form(&designer, &design, &fields).await.text();
        assert!(refused.contains("is not an earlier question"), "{refused}");
        // A form drawn from an older version changes nothing.
        let stale = [("updated", "1"), ("what", "question"), ("key", "needs"), ("step", "remove")];
        assert!(node.post_form(&designer, &design, &stale).await.text().contains("changed meanwhile"));

        // Published, the questionnaire is as designed; its themes still change.
        let secretariat = node.login("sec.pidc").await;
        node.post_form(&designer, &format!("/surveys/{id}/publish"), &[]).await;
        let q = call(&node, Method::GET, &secretariat, &format!("surveys/{id}"), None).await.json;
        assert_eq!(q["state"], "published", "{q}");
        let questions = &q["sections"][0]["questions"];
        let keys: Vec<&str> = questions.as_array().unwrap().iter().map(|x| x["key"].as_str().unwrap()).collect();
        assert_eq!(keys, ["do_you_run_induction_training", "who_trains", "needs"]);
        assert_eq!(
            questions[1]["kind"]["options"][1],
            json!({ "key": "a_partner_agency", "label": "A partner agency" })
        );
        assert_eq!(questions[1]["show_if"], json!({ "question": "do_you_run_induction_training", "any_of": ["yes"] }));
        assert_eq!(questions[2]["themes"][0]["keywords"], json!(["analys", "charting"]));
        let form = node.page(&designer, &format!("/surveys/{id}/questions/needs")).await.text();
        let themes = [("updated", updated(&form)), ("themes", "law: Legislation = law, legal".to_owned())];
        let themes: Vec<(&str, &str)> = themes.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let saved = node.post_form(&designer, &format!("/surveys/{id}/questions/needs"), &themes).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let q = call(&node, Method::GET, &secretariat, &format!("surveys/{id}"), None).await.json;
        assert_eq!(
            q["sections"][0]["questions"][2]["themes"],
            json!([{ "key": "law", "label": "Legislation", "keywords": ["law", "legal"] }])
        );
        assert_eq!(q["sections"][0]["questions"][2]["text"], "What training do you need?");
    }
}
