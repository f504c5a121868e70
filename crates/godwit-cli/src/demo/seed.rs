//! Writes the demo region into a store: members, groups, organisations, contact
//! points, agreements, users (with TOTP where their roles require it) and items.
//!
//! Bulk items go in through `put_items` (fast); a handful go through the real
//! workflow so that item history and the audit trail look like daily use.

use anyhow::Context;
use godwit_domain::Timestamp;
use godwit_domain::item::{Item, ItemKind, ItemState};
use godwit_domain::user::User;
use godwit_domain::workflow::Action;
use godwit_server::auth::credentials::{hash_password, new_totp_secret};
use godwit_store::Store;
use godwit_store::audit::AuditEvent;
use godwit_store::items::Method;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::catalogue::demo_items;
use super::items::{ItemFactory, Staff};
use super::people::{DEMO_PASSWORD, contact_points, users};
use super::region::{Region, spec};

/// Items per `put_items` call.
const BATCH: usize = 100;

/// What was seeded, for the start-up message.
pub struct SeedSummary {
    pub members: usize,
    pub users: usize,
    pub agreements: usize,
    pub items: usize,
}

/// Seeds an empty store with the demo region generated from `seed` at `now`.
pub async fn seed(store: &Store, seed: u64, now: Timestamp) -> anyhow::Result<SeedSummary> {
    let mut rng = StdRng::seed_from_u64(seed);
    let region = Region::build(&mut rng);
    for member in &region.members {
        store.upsert_member(member).await?;
    }
    for group in &region.groups {
        store.put_group(group).await?;
    }
    for org in &region.organisations {
        store.put_organisation(org).await?;
    }
    for contact in contact_points(&region, &mut rng, now) {
        store.put_contact_point(&contact).await?;
    }
    let agreements = super::agreements::agreements(&mut rng, now);
    for agreement in &agreements {
        let event = AuditEvent::new("agreement.create").on(agreement.id).with(serde_json::json!({ "source": "demo" }));
        store.put_agreement(agreement, event).await.with_context(|| format!("agreement {}", agreement.title))?;
    }

    let people = users(&region, &mut rng);
    // One hash for the shared demo password: argon2id is slow on purpose, and
    // every demo user has the same password anyway.
    let hash = hash_password(DEMO_PASSWORD)?;
    for user in &people {
        let event = AuditEvent::new("user.create").on(&user.username).with(serde_json::json!({ "source": "demo" }));
        store.create_user(user, &hash, event).await.with_context(|| format!("user {}", user.username))?;
        if user.requires_totp() {
            let event = AuditEvent::new("user.totp_enrol").on(&user.username);
            store.set_totp(user.id, Some(&new_totp_secret()), true, event).await?;
        }
    }
    let all_users = people;
    signed_copies(store, &agreements, &all_users).await?;

    let factory = ItemFactory::new(&region, Staff::from_users(&all_users), now);
    let mut items = demo_items(&factory, &mut rng);
    // Their own generator, so that the rest of the demo stays as it was.
    let planted = super::early_warning::items(&factory, &mut StdRng::seed_from_u64(seed ^ 0x6A3D));
    items.extend(planted.iter().cloned());
    for batch in items.chunks(BATCH) {
        let event = AuditEvent::new("item.import").with(serde_json::json!({ "source": "demo" }));
        store.put_items(batch, event).await?;
    }
    let through_workflow = workflow(store, &factory, &mut rng, &all_users).await?;
    super::plans::seed(store, &all_users, &planted, now).await?;
    let responses = super::rfis::seed(store, &all_users, now).await?;
    super::regional::seed(store, &all_users).await?;
    super::threats::seed(store, &all_users, &planted, now).await?;
    super::surveys::seed(store, &all_users, now).await?;
    super::bulletins::seed(store, &all_users, now).await?;

    Ok(SeedSummary {
        members: region.members.len(),
        users: all_users.len(),
        agreements: agreements.len(),
        items: items.len() + through_workflow + responses,
    })
}

/// The signed MoU of each bilateral agreement, attached by the first party's
/// national focal point as the portal would, so that agreement pages show one.
async fn signed_copies(
    store: &Store,
    agreements: &[godwit_domain::agreement::Agreement],
    users: &[User],
) -> anyhow::Result<()> {
    for agreement in agreements.iter().filter(|a| a.kind == godwit_domain::agreement::AgreementKind::Bilateral) {
        let Some(party) = agreement.parties.first() else { continue };
        let Ok(nfp) = find(users, &format!("nfp.{}", party.as_str().to_lowercase())) else { continue };
        let text = format!(
            "%PDF-1.4\n% Demo: the signed text of \"{}\", between {}.\n%%EOF\n",
            agreement.title,
            agreement.parties.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(" and ")
        );
        let filename = format!("{} signed.pdf", agreement.title.replace(['/', '\\'], "-"));
        store.add_agreement_document(agreement.id, &filename, text.as_bytes(), nfp.id, &nfp.member).await?;
    }
    Ok(())
}

fn find<'u>(users: &'u [User], username: &str) -> anyhow::Result<&'u User> {
    users.iter().find(|u| u.username == username).with_context(|| format!("demo user {username} missing"))
}

/// Writes, submits and approves a few items at the fully staffed members; FJI
/// also has one returned with a comment, AUS one new version that supersedes
/// the first. Returns how many items were created.
async fn workflow(store: &Store, factory: &ItemFactory<'_>, rng: &mut StdRng, users: &[User]) -> anyhow::Result<usize> {
    let kinds = [
        ItemKind::Alert,
        ItemKind::IntelligenceReport,
        ItemKind::IncidentRecord,
        ItemKind::Alert,
        ItemKind::ThreatAssessment,
        ItemKind::Alert,
    ];
    let mut created = 0;
    for (member, kind) in ["fji", "aus", "png", "idn", "nzl", "tha"].into_iter().zip(kinds) {
        let author = store.subject_for(find(users, &format!("ana.{member}"))?).await?;
        let approver = store.subject_for(find(users, &format!("auth.{member}"))?).await?;
        let Some(content) = draft_content(factory, rng, &member.to_uppercase(), kind) else { continue };
        let item = store.create_item(&author, content).await?;
        store.act_on_item(&author, item.id, Action::Submit, None, Method::Portal).await?;
        store
            .act_on_item(
                &approver,
                item.id,
                Action::Approve,
                Some("Checked against the source report."),
                Method::Portal,
            )
            .await?;
        created += 1;
        if member == "aus" {
            let next = store.new_item_version(&author, item.id).await?;
            store.act_on_item(&author, next.id, Action::Submit, None, Method::Portal).await?;
            store
                .act_on_item(&approver, next.id, Action::Approve, Some("Revised figures approved."), Method::Portal)
                .await?;
            created += 1;
        }
        if member == "fji"
            && let Some(content) = draft_content(factory, rng, "FJI", ItemKind::IntelligenceReport)
        {
            let item = store.create_item(&author, content).await?;
            store.act_on_item(&author, item.id, Action::Submit, None, Method::Portal).await?;
            let comment = "Please grade the second source and remove CONTAINS PERSONAL DATA if it does not apply.";
            store.act_on_item(&approver, item.id, Action::Return, Some(comment), Method::Portal).await?;
            created += 1;
        }
    }
    Ok(created)
}

/// The content of a fresh item by `member`, generated like the bulk items.
fn draft_content(
    factory: &ItemFactory<'_>,
    rng: &mut StdRng,
    member: &str,
    kind: ItemKind,
) -> Option<godwit_domain::item::ItemContent> {
    let spec = spec(member)?;
    let now = factory.now();
    let text = factory.text(rng, kind, spec, now);
    let item: Item = factory.item(rng, spec, text, now, ItemState::Draft)?;
    Some(item.content)
}
