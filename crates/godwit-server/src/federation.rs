//! Federation over HTTP (docs/federation.md): the endpoints a peer node pulls
//! signed pages of changes from (directly, or sealed through a hub), and the
//! client that pulls from peers and applies what it receives, and relays as
//! a hub.
//!
//! Requests between nodes are signed with the requesting node's Ed25519 key
//! over the method, the path and query as this server sees them, the time
//! and the body; no password or API token crosses between nodes. A reverse
//! proxy in front must therefore pass paths through unchanged.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use godwit_domain::member::MemberCode;
use godwit_exchange::federation::{
    self, BUNDLE_MEDIA_TYPE, DATE_HEADER, NODE_HEADER, NodeKey, RelayEnvelope, SIGNATURE_HEADER, SignedRequest,
};
use godwit_store::federation::{Peer, Route};
use godwit_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::AppState;

/// The path of the changes a peer pulls.
pub const ITEMS_PATH: &str = "/federation/v1/items";
/// The path a hub pulls sealed pages for a member it relays to from.
pub const RELAY_PATH: &str = "/federation/v1/relay";
/// The path a hub asks which members a peer reaches through it.
pub const ROUTES_PATH: &str = "/federation/v1/routes";
/// The path a member pulls the sealed pages a hub holds for it from.
pub const RELAYED_PATH: &str = "/federation/v1/relayed";
/// Relayed pages handed over per request.
const RELAYED_PER_REQUEST: u64 = 50;
/// The most outbox entries one page covers.
pub const MAX_PAGE: u64 = 1_000;
/// The largest page body the client reads.
const MAX_BUNDLE_BYTES: u64 = 256 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ITEMS_PATH, get(items))
        .route(ROUTES_PATH, get(routes_through))
        .route(RELAY_PATH, get(relay))
        .route(RELAYED_PATH, get(relayed))
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    after: i64,
    limit: Option<u64>,
    nonce: String,
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, ApiError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthenticated(format!("a signed request from a peer node needs the {name} header")))
}

/// The registered peer that signed this request.
async fn signed_peer(state: &AppState, uri: &Uri, headers: &HeaderMap) -> Result<Peer, ApiError> {
    let signed = SignedRequest {
        node: header_text(headers, NODE_HEADER)?.to_owned(),
        date: header_text(headers, DATE_HEADER)?.to_owned(),
        signature: header_text(headers, SIGNATURE_HEADER)?.to_owned(),
    };
    let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let key = signed
        .verify("GET", path_and_query, b"", state.store.clock().now())
        .map_err(|e| ApiError::unauthenticated(e.to_string()))?;
    state.store.peer_by_key(&key).await?.ok_or_else(|| ApiError::unauthenticated("not a registered peer node"))
}

fn page_limit(limit: Option<u64>) -> Result<u64, ApiError> {
    let limit = limit.unwrap_or(500);
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::invalid("limit", format!("1 to {MAX_PAGE}")))
    }
}

fn position(after: i64) -> Result<i64, ApiError> {
    if after < 0 { Err(ApiError::invalid("after", "an outbox position, 0 or more")) } else { Ok(after) }
}

fn member_param(field: &str, text: &str) -> Result<MemberCode, ApiError> {
    MemberCode::parse(text).ok_or_else(|| ApiError::invalid(field, "a member code"))
}

type Queried<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

/// `GET /federation/v1/items?after=N&limit=M&nonce=X`: the changes after
/// this node's outbox position `after` released to the requesting peer's
/// member, as a bundle signed by this node.
async fn items(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    query: Queried<PullQuery>,
) -> Result<Response, ApiError> {
    let peer = signed_peer(&state, &uri, &headers).await?;
    let Query(query) = query?;
    if !(16..=64).contains(&query.nonce.len()) || !query.nonce.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::invalid("nonce", "16 to 64 letters and digits"));
    }
    let (after, limit) = (position(query.after)?, page_limit(query.limit)?);
    let (_, node_key) = state.store.node_key().await?;
    let bundle = state.store.federation_bundle(&peer, after, limit, &query.nonce).await?;
    let body = serde_json::to_vec(&bundle).map_err(|_| ApiError::internal())?;
    let signature = HeaderValue::from_str(&node_key.sign(&body)).map_err(|_| ApiError::internal())?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(BUNDLE_MEDIA_TYPE)),
            (header::HeaderName::from_static(SIGNATURE_HEADER), signature),
        ],
        body,
    )
        .into_response())
}

/// The members a node reaches through the hub that asks.
#[derive(Serialize, Deserialize)]
struct Routes {
    members: Vec<MemberCode>,
}

/// `GET /federation/v1/routes`, asked by a hub: the members this node
/// reaches through it, so that the hub asks for their pages and no others.
async fn routes_through(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Result<Response, ApiError> {
    let hub = signed_peer(&state, &uri, &headers).await?;
    let members = state
        .store
        .peers()
        .await?
        .into_iter()
        .filter(|p| matches!(&p.route, Route::Via(via) if via == &hub.member))
        .map(|p| p.member)
        .collect();
    Ok(axum::Json(Routes { members }).into_response())
}

#[derive(Deserialize)]
struct RelayQuery {
    #[serde(rename = "for")]
    recipient: String,
    #[serde(default)]
    after: i64,
    limit: Option<u64>,
}

/// `GET /federation/v1/relay?for=MEMBER&after=N`, asked by a hub: the next
/// page for a member this node reaches through that hub, sealed to the
/// member and signed by this node (403 when the member is not reached
/// through the asking hub).
async fn relay(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    query: Queried<RelayQuery>,
) -> Result<Response, ApiError> {
    let hub = signed_peer(&state, &uri, &headers).await?;
    let Query(query) = query?;
    let recipient = member_param("for", &query.recipient)?;
    let envelope = state.store.relay_page(&hub, &recipient, position(query.after)?, page_limit(query.limit)?).await?;
    Ok(axum::Json(envelope).into_response())
}

#[derive(Deserialize)]
struct RelayedQuery {
    from: String,
    #[serde(default)]
    after: i64,
}

/// The sealed pages a hub hands to their recipient.
#[derive(Serialize, Deserialize)]
struct RelayedPages {
    pages: Vec<RelayEnvelope>,
}

/// `GET /federation/v1/relayed?from=MEMBER&after=N`, asked by a member's
/// node: the sealed pages this hub holds for it from `from`'s node, in
/// order from its cursor `after`.
async fn relayed(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    query: Queried<RelayedQuery>,
) -> Result<Response, ApiError> {
    let recipient = signed_peer(&state, &uri, &headers).await?;
    let Query(query) = query?;
    let from = member_param("from", &query.from)?;
    let pages =
        state.store.relayed_pages(&from, &recipient.member, position(query.after)?, RELAYED_PER_REQUEST).await?;
    Ok(axum::Json(RelayedPages { pages }).into_response())
}

/// What a pull from a peer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullReport {
    pub pages: usize,
    pub applied: usize,
    pub unchanged: usize,
    pub revoked: usize,
    /// The peer's outbox position this node has now pulled to.
    pub cursor: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{url}: {reason}")]
    Http { url: String, status: Option<u16>, reason: String },
    #[error(transparent)]
    Key(#[from] federation::FederationError),
}

/// Pulls every change `peer` has for this node's member since this node's
/// cursor, page by page, each applied in one transaction as it arrives: a
/// pull cut off resumes from the last page applied. A peer reached through
/// a hub is pulled from the hub, sealed pages opened here.
pub async fn pull(store: &Store, peer: &MemberCode, page: u64) -> Result<PullReport, PullError> {
    let (_, key) = store.node_key().await?;
    let mut report = PullReport::default();
    loop {
        let peer = store.peer(peer).await?;
        let pages = match &peer.route {
            Route::Direct(url) => {
                let nonce = federation::nonce()?;
                let path =
                    format!("{ITEMS_PATH}?after={}&limit={}&nonce={nonce}", peer.cursor, page.clamp(1, MAX_PAGE));
                let fetched = signed_get(store, &key, url, path).await?;
                let signature = fetched.signature.ok_or_else(|| PullError::Http {
                    url: url.clone(),
                    status: None,
                    reason: "the page is not signed".into(),
                })?;
                vec![store.receive_bundle(&peer.member, &fetched.body, &signature, &nonce).await?]
            }
            Route::Via(hub) => {
                let url = hub_url(store, hub).await?;
                let path = format!("{RELAYED_PATH}?from={}&after={}", peer.member, peer.cursor);
                let fetched = signed_get(store, &key, &url, path).await?;
                let relayed: RelayedPages = fetched.json(&url, "relayed pages")?;
                let mut applied = Vec::new();
                for envelope in &relayed.pages {
                    applied.push(store.receive_relayed(envelope).await?);
                }
                applied
            }
        };
        let Some(last) = pages.last() else { return Ok(report) };
        let more = last.more;
        for received in pages {
            report.pages += 1;
            report.applied += received.applied.len();
            report.revoked += received.revoked.len();
            report.unchanged += received.unchanged;
            report.cursor = received.cursor;
        }
        if !more {
            return Ok(report);
        }
    }
}

async fn hub_url(store: &Store, hub: &MemberCode) -> Result<String, PullError> {
    match store.peer(hub).await?.route {
        Route::Direct(url) => Ok(url),
        Route::Via(_) => {
            Err(PullError::Http { url: hub.to_string(), status: None, reason: "a hub must be a direct peer".into() })
        }
    }
}

/// What this node relays as a hub in one round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelayReport {
    /// Sealed pages taken from originating nodes and kept for their recipients.
    pub pages: usize,
    /// Peers that could not be asked this round, and why; the others were.
    pub unreachable: Vec<(MemberCode, String)>,
}

/// As a hub: asks every direct peer which members it reaches through this
/// node, then for the sealed pages it has for each of them that is a direct
/// peer here, and keeps them for their recipients. A peer that cannot be
/// reached is reported and the round goes on with the others.
pub async fn relay_round(store: &Store, page: u64) -> Result<RelayReport, PullError> {
    let (_, key) = store.node_key().await?;
    let peers = store.peers().await?;
    let mut report = RelayReport::default();
    for origin in &peers {
        let Route::Direct(url) = &origin.route else { continue };
        match relay_from(store, &key, origin, url, &peers, page).await {
            Ok(pages) => report.pages += pages,
            Err(PullError::Http { reason, .. }) => report.unreachable.push((origin.member.clone(), reason)),
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

/// Takes from `origin`'s node (at `url`) the sealed pages for the direct
/// peers it reaches through this hub; how many were kept.
async fn relay_from(
    store: &Store,
    key: &NodeKey,
    origin: &Peer,
    url: &str,
    peers: &[Peer],
    page: u64,
) -> Result<usize, PullError> {
    let routes: Routes = signed_get(store, key, url, ROUTES_PATH.to_owned()).await?.json(url, "routes")?;
    let recipients = peers.iter().filter(|p| {
        p.member != origin.member && matches!(p.route, Route::Direct(_)) && routes.members.contains(&p.member)
    });
    let mut kept = 0;
    for recipient in recipients {
        loop {
            let head = store.relay_head(&origin.member, &recipient.member).await?;
            let path = format!("{RELAY_PATH}?for={}&after={head}&limit={}", recipient.member, page.clamp(1, MAX_PAGE));
            let envelope: RelayEnvelope = signed_get(store, key, url, path).await?.json(url, "a relayed page")?;
            if !store.keep_relayed(origin, &envelope).await? {
                break;
            }
            kept += 1;
            if !envelope.more {
                break;
            }
        }
    }
    Ok(kept)
}

/// A signed GET of `path` at `base`, off the async threads.
async fn signed_get(store: &Store, key: &NodeKey, base: &str, path: String) -> Result<Fetched, PullError> {
    let signed = key.sign_request("GET", &path, b"", store.clock().now());
    let url = format!("{base}{path}");
    let failed = url.clone();
    tokio::task::spawn_blocking(move || fetch(&url, &signed)).await.map_err(|e| PullError::Http {
        url: failed,
        status: None,
        reason: format!("the request task failed: {e}"),
    })?
}

/// Every `interval`, for as long as the server runs: relays as a hub
/// (when peers reach each other through this node), then pulls from every
/// registered peer. With several processes on one database, the cursor check in
/// the store lets only one of them apply a page; the others stop there.
pub async fn pull_forever(store: Store, interval: std::time::Duration) {
    let mut ticks = tokio::time::interval(interval);
    loop {
        ticks.tick().await;
        if !matches!(store.node_identity().await, Ok(Some(_))) {
            continue;
        }
        let peers = match store.peers().await {
            Ok(peers) => peers,
            Err(e) => {
                tracing::warn!(error = %e, "federation: reading the peers failed");
                continue;
            }
        };
        match relay_round(&store, 500).await {
            Ok(report) => {
                if report.pages > 0 {
                    tracing::info!(pages = report.pages, "federation: relayed");
                }
                for (peer, reason) in report.unreachable {
                    tracing::warn!(%peer, %reason, "federation: relaying from this peer failed");
                }
            }
            Err(e) => tracing::warn!(error = %e, "federation: relaying failed"),
        }
        for peer in peers {
            match pull(&store, &peer.member, 500).await {
                Ok(report) if report.applied + report.revoked > 0 => tracing::info!(
                    peer = %peer.member, applied = report.applied, revoked = report.revoked, cursor = report.cursor,
                    "federation: pulled"
                ),
                Ok(_) => {}
                Err(PullError::Store(StoreError::Conflict(e))) => {
                    tracing::debug!(peer = %peer.member, %e, "federation")
                }
                Err(e) => tracing::warn!(peer = %peer.member, error = %e, "federation: pull failed"),
            }
        }
    }
}

/// An answer of a peer node: its body and, on a page, the signature.
struct Fetched {
    signature: Option<String>,
    body: Vec<u8>,
}

impl Fetched {
    /// The body as JSON of `what` the peer at `url` was asked for.
    fn json<T: serde::de::DeserializeOwned>(&self, url: &str, what: &str) -> Result<T, PullError> {
        serde_json::from_slice(&self.body).map_err(|e| PullError::Http {
            url: url.to_owned(),
            status: None,
            reason: format!("not {what}: {e}"),
        })
    }
}

/// One signed GET; an error for any status but 2xx, with the peer's reason.
fn fetch(url: &str, signed: &SignedRequest) -> Result<Fetched, PullError> {
    let failed = |status: Option<u16>, reason: String| PullError::Http { url: url.to_owned(), status, reason };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(std::time::Duration::from_secs(300)))
        .user_agent("Godwit-federation")
        .build()
        .into();
    let mut response = agent
        .get(url)
        .header("accept", BUNDLE_MEDIA_TYPE)
        .header(NODE_HEADER, &signed.node)
        .header(DATE_HEADER, &signed.date)
        .header(SIGNATURE_HEADER, &signed.signature)
        .call()
        .map_err(|e| failed(None, e.to_string()))?;
    let status = response.status().as_u16();
    let signature = response.headers().get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BUNDLE_BYTES)
        .read_to_vec()
        .map_err(|e| failed(Some(status), format!("reading the answer: {e}")))?;
    if !(200..300).contains(&status) {
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let detail = problem["detail"].as_str().unwrap_or("no problem details");
        return Err(failed(Some(status), format!("HTTP {status}: {detail}")));
    }
    Ok(Fetched { signature, body })
}
