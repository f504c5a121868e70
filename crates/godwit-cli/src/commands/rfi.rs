//! `godwit rfi list|show|stats --user U`: requests for information as user U
//! sees them (the same rules as the portal and `/api/v1/rfis`); `stats`
//! prints requests by pair of members as CSV.

use clap::{Args, Subcommand};
use godwit_server::api::rfis::{ListQuery, statistics_csv};
use uuid::Uuid;

use crate::commands::acting::ActingArgs;

#[derive(Subcommand)]
pub enum RfiCommand {
    /// The requests the user sees, overdue first.
    List(ListArgs),
    /// One request with its timeline (audited like a read in the portal).
    Show(ShowArgs),
    /// Requests by pair of members, as CSV.
    Stats(ActingArgs),
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
    }
    Ok(())
}
