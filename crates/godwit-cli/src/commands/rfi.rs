//! `godwit rfi list|show|stats --user U`: requests for information as user U
//! sees them (the same rules as the portal and `/api/v1/rfis`); `stats`
//! prints requests by pair of members as CSV. `godwit rfi ask|assign|answer|
//! decline|rate|close --user U`: the steps, taken as U through the store
//! functions the API calls, so the same checks, notifications and audit apply.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use godwit_domain::requirement::Priority;
use godwit_domain::rfi::{Rating, Recipient, Rfi, RfiAction, RfiDraft};
use godwit_server::api::rfis::{ListQuery, statistics_csv};
use uuid::Uuid;

use crate::commands::acting::{ActingArgs, audience, text_or_file};

#[derive(Subcommand)]
pub enum RfiCommand {
    /// The requests the user sees, overdue first.
    List(ListArgs),
    /// One request with its timeline (audited like a read in the portal).
    Show(ShowArgs),
    /// Requests by pair of members, as CSV.
    Stats(ActingArgs),
    /// Ask a member or a group; its contact points are notified.
    Ask(AskArgs),
    /// Give a received request to an author of the user's member (contact points).
    Assign(AssignArgs),
    /// Answer with a published `rfi_response` item of the user's member naming the request.
    Answer(AnswerArgs),
    /// Decline, with a reason.
    Decline(DeclineArgs),
    /// Rate the answer (requesting member), which closes the request.
    Rate(RateArgs),
    /// Close the request without rating it (requesting member).
    Close(ShowArgs),
}

#[derive(Args)]
pub struct AskArgs {
    #[command(flatten)]
    who: ActingArgs,
    /// The member or group asked: `FJI`, `PIDC`.
    #[arg(long)]
    to: String,
    #[arg(long)]
    title: String,
    #[arg(long, required_unless_present = "question_file")]
    question: Option<String>,
    /// The question read from this file.
    #[arg(long, conflicts_with = "question")]
    question_file: Option<PathBuf>,
    /// high, medium or low.
    #[arg(long, value_parser = parse_priority, default_value = "medium")]
    priority: Priority,
    /// `YYYY-MM-DD`.
    #[arg(long)]
    due: String,
    /// By name (`RESTRICTED`); unclassified when not given.
    #[arg(long)]
    classification: Option<String>,
    /// Other members and groups who may see the request: `NZL,PIDC`.
    #[arg(long, default_value = "")]
    releasable_to: String,
}

#[derive(Args)]
pub struct AssignArgs {
    #[command(flatten)]
    who: ActingArgs,
    id: Uuid,
    /// The username of the assignee.
    #[arg(long)]
    to: String,
}

#[derive(Args)]
pub struct AnswerArgs {
    #[command(flatten)]
    who: ActingArgs,
    id: Uuid,
    /// The answer item.
    #[arg(long)]
    item: Uuid,
}

#[derive(Args)]
pub struct DeclineArgs {
    #[command(flatten)]
    who: ActingArgs,
    id: Uuid,
    #[arg(long)]
    reason: String,
}

#[derive(Args)]
pub struct RateArgs {
    #[command(flatten)]
    who: ActingArgs,
    id: Uuid,
    /// 1 (useless) to 5 (fully answered).
    #[arg(long, alias = "rating")]
    score: u8,
    #[arg(long, default_value = "")]
    comment: String,
}

fn parse_priority(text: &str) -> Result<Priority, String> {
    Priority::parse(text).ok_or_else(|| "must be one of high, medium, low".to_owned())
}

/// The request after a step: its id, state and title.
fn print_state(rfi: &Rfi) {
    println!("{}\t{}\t{}", rfi.id, rfi.state, rfi.draft.title);
}

/// Takes `action` on request `id` as the user of `who`.
async fn step(who: &ActingArgs, id: Uuid, action: RfiAction) -> anyhow::Result<()> {
    let (store, subject) = who.open().await?;
    print_state(&store.act_on_rfi(&subject, id, action).await?);
    Ok(())
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    who: ActingArgs,
    /// open, assigned, answered, declined or closed.
    #[arg(long)]
    state: Option<String>,
    /// high, medium or low.
    #[arg(long)]
    priority: Option<String>,
    /// sent or received.
    #[arg(long = "box")]
    mailbox: Option<String>,
    /// Only those awaiting an answer past their due date.
    #[arg(long)]
    overdue: bool,
}

#[derive(Args)]
pub struct ShowArgs {
    #[command(flatten)]
    who: ActingArgs,
    id: Uuid,
}

pub async fn run(command: RfiCommand) -> anyhow::Result<()> {
    match command {
        RfiCommand::List(args) => {
            let (store, subject) = args.who.open().await?;
            let query = ListQuery {
                state: args.state,
                priority: args.priority,
                mailbox: args.mailbox,
                overdue: args.overdue.then(|| "true".to_owned()),
            };
            let filter = query.filter().map_err(|e| {
                let faults: Vec<String> = e.errors.iter().map(|f| format!("--{}: {}", f.field, f.message)).collect();
                anyhow::anyhow!(faults.join("; "))
            })?;
            for listed in store.rfis(&subject, &filter).await? {
                let r = &listed.rfi;
                println!(
                    "{} {:<9} {:<6} {}→{:<6} due {}{} {}",
                    r.id,
                    r.state.as_str(),
                    r.draft.priority.as_str(),
                    r.requester_member,
                    r.draft.recipient.code(),
                    r.draft.due_on,
                    if listed.overdue { " OVERDUE" } else { "" },
                    r.draft.title
                );
            }
        }
        RfiCommand::Show(args) => {
            let (store, subject) = args.who.open().await?;
            let detail = store.read_rfi(&subject, args.id).await?;
            let r = &detail.rfi;
            println!(
                "{} ({} → {}, {}, due {})",
                r.draft.title,
                r.requester_member,
                r.draft.recipient.code(),
                r.state,
                r.draft.due_on
            );
            println!("{}", r.draft.question);
            match (&detail.answer, detail.answer_withheld) {
                (Some(answer), _) => println!("answer: {} {}", answer.id, answer.title),
                (None, true) => println!("answer: not released to you"),
                (None, false) => {}
            }
            for e in &detail.timeline {
                println!("  {} {} {} {}", e.at.to_rfc3339(), e.actor_member, e.action, e.detail);
            }
        }
        RfiCommand::Stats(who) => {
            let (store, subject) = who.open().await?;
            print!("{}", statistics_csv(&store.rfi_statistics(&subject).await?));
        }
        RfiCommand::Ask(args) => {
            let (store, subject) = args.who.open().await?;
            let to = audience(&store, &args.to).await?;
            let recipient = match (to.members.len() + to.groups.len(), to.members.first(), to.groups.first()) {
                (1, Some(member), _) => Recipient::Member(member.clone()),
                (1, _, Some(group)) => Recipient::Group(group.clone()),
                _ => bail!("--to names one member or one group"),
            };
            let release = audience(&store, &args.releasable_to).await?;
            let classification = match &args.classification {
                Some(name) => store.scale().parse(name).with_context(|| format!("no classification {name}"))?,
                None => Default::default(),
            };
            let draft = RfiDraft {
                title: args.title,
                question: text_or_file(args.question, args.question_file.as_ref())?.unwrap_or_default(),
                priority: args.priority,
                due_on: args.due,
                classification,
                recipient,
                release_members: release.members,
                release_groups: release.groups,
            };
            print_state(&store.create_rfi(&subject, draft).await?);
        }
        RfiCommand::Assign(args) => {
            let (store, subject) = args.who.open().await?;
            let assignee = store.user_by_username(&args.to).await?.with_context(|| format!("no user {}", args.to))?;
            print_state(&store.act_on_rfi(&subject, args.id, RfiAction::Assign { to: assignee.user.id }).await?);
        }
        RfiCommand::Answer(args) => step(&args.who, args.id, RfiAction::Answer { item: args.item }).await?,
        RfiCommand::Decline(args) => step(&args.who, args.id, RfiAction::Decline { reason: args.reason }).await?,
        RfiCommand::Rate(args) => {
            step(&args.who, args.id, RfiAction::Rate(Rating { score: args.score, comment: args.comment })).await?;
        }
        RfiCommand::Close(args) => step(&args.who, args.id, RfiAction::Close).await?,
    }
    Ok(())
}
