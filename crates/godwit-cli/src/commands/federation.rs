//! `godwit node` and `godwit peer`: this node's federation identity, the
//! peer nodes it exchanges with, and pulls from them (docs/federation.md).

use anyhow::Context;
use clap::{Args, Subcommand};
use godwit_domain::member::MemberCode;
use godwit_exchange::federation::PublicKey;
use godwit_store::audit::AuditEvent;
use godwit_store::federation::{Peer, PeerRegistration, Route};

use crate::store_cmd::DatabaseArgs;

#[derive(Subcommand)]
pub enum NodeCommand {
    /// Give this node its federation identity (an Ed25519 key pair, the
    /// private half sealed under the secret key), speaking for a member.
    Init {
        #[command(flatten)]
        db: DatabaseArgs,
        /// The member this node speaks for: what it serves to peers is what this member originated.
        #[arg(long)]
        member: String,
    },
    /// Print this node's member, public key and its fingerprint, for peers to register.
    Identity {
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Subcommand)]
pub enum PeerCommand {
    /// Register a peer node (or replace its URL and key).
    Add(AddArgs),
    /// The registered peers and how far this node has pulled from each.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Remove a peer: it may pull nothing more, and nothing is pulled from it.
    Remove {
        #[command(flatten)]
        db: DatabaseArgs,
        member: String,
    },
    /// As a hub: take the sealed pages peers have for one another and keep them for their recipients.
    Relay {
        #[command(flatten)]
        db: DatabaseArgs,
        /// Outbox entries per sealed page (1–1,000).
        #[arg(long, default_value_t = 500)]
        page: u64,
    },
    /// Pull what peers released to this node's member since the last pull.
    Pull {
        #[command(flatten)]
        db: DatabaseArgs,
        /// Only this peer's member; every peer without it.
        member: Option<String>,
        /// Outbox entries per page (1–1,000).
        #[arg(long, default_value_t = 500)]
        page: u64,
    },
}

#[derive(Args)]
pub struct AddArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The member the peer node speaks for.
    #[arg(long)]
    member: String,
    /// The peer node's address, e.g. https://godwit.immigration.govt.nz
    #[arg(long, required_unless_present = "via", conflicts_with = "via")]
    url: Option<String>,
    /// The hub (a member whose node is a direct peer) through which the peer is reached.
    #[arg(long)]
    via: Option<String>,
    /// The peer's signing key as `godwit node identity` prints it there (base64).
    #[arg(long)]
    signing_key: String,
    /// The peer's encryption key, as printed beside it; needed with --via.
    #[arg(long)]
    encryption_key: Option<String>,
}

fn member(code: &str) -> anyhow::Result<MemberCode> {
    MemberCode::parse(code).with_context(|| format!("{code:?} is not a member code"))
}

fn describe(peer: &Peer) -> String {
    let route = match &peer.route {
        Route::Direct(url) => url.clone(),
        Route::Via(hub) => format!("via {hub}"),
    };
    format!(
        "{} {route} signing key {} (fingerprint {}), pulled to {}",
        peer.member,
        peer.signing_key.to_base64(),
        peer.signing_key.fingerprint(),
        peer.cursor
    )
}

fn print_identity(identity: &godwit_store::federation::NodeIdentity) {
    println!("member {}", identity.member);
    println!("signing key {}", identity.public.to_base64());
    println!("encryption key {}", identity.encryption.to_base64());
    println!("fingerprint {}", identity.public.fingerprint());
}

pub async fn node(command: NodeCommand) -> anyhow::Result<()> {
    match command {
        NodeCommand::Init { db, member: code } => {
            let store = db.open().await?;
            print_identity(&store.init_node(&member(&code)?, AuditEvent::new("node.init")).await?);
        }
        NodeCommand::Identity { db } => {
            let store = db.open_existing().await?;
            let identity =
                store.node_identity().await?.context("this node has no identity yet: run `godwit node init`")?;
            print_identity(&identity);
        }
    }
    Ok(())
}

pub async fn peer(command: PeerCommand) -> anyhow::Result<()> {
    match command {
        PeerCommand::Add(args) => {
            let store = args.db.open_existing().await?;
            let route = match (args.url, args.via) {
                (Some(url), _) => Route::Direct(url),
                (None, Some(hub)) => Route::Via(member(&hub)?),
                (None, None) => anyhow::bail!("--url or --via is needed"),
            };
            let registration = PeerRegistration {
                member: member(&args.member)?,
                route,
                signing_key: PublicKey::from_base64(&args.signing_key).context("--signing-key")?,
                encryption_key: args
                    .encryption_key
                    .as_deref()
                    .map(PublicKey::from_base64)
                    .transpose()
                    .context("--encryption-key")?,
            };
            let peer = store.put_peer(registration, AuditEvent::new("peer.put")).await?;
            println!("registered {}", describe(&peer));
        }
        PeerCommand::List { db } => {
            let store = db.open_existing().await?;
            for peer in store.peers().await? {
                println!("{}", describe(&peer));
            }
        }
        PeerCommand::Remove { db, member: code } => {
            let store = db.open_existing().await?;
            store.remove_peer(&member(&code)?, AuditEvent::new("peer.remove")).await?;
            println!("removed {code}");
        }
        PeerCommand::Relay { db, page } => {
            let store = db.open_existing().await?;
            let report = godwit_server::federation::relay_round(&store, page).await?;
            println!("{} sealed pages taken and kept for their recipients", report.pages);
            for (peer, reason) in &report.unreachable {
                eprintln!("{peer}: not relayed from: {reason}");
            }
            anyhow::ensure!(
                report.unreachable.is_empty(),
                "{} peers could not be relayed from",
                report.unreachable.len()
            );
        }
        PeerCommand::Pull { db, member: only, page } => {
            let store = db.open_existing().await?;
            let peers = match only {
                Some(code) => vec![store.peer(&member(&code)?).await?],
                None => store.peers().await?,
            };
            for peer in peers {
                let report = godwit_server::federation::pull(&store, &peer.member, page)
                    .await
                    .with_context(|| format!("pulling from {}", peer.member))?;
                println!(
                    "{}: {} new or changed, {} revoked, {} unchanged, in {} pages; pulled to {}",
                    peer.member, report.applied, report.revoked, report.unchanged, report.pages, report.cursor
                );
            }
        }
    }
    Ok(())
}
