//! Regional aggregates of the demo: six PIDC members opt in to the PIDC
//! region, contributing their incident records up to RESTRICTED, so that
//! `ana.fji` sees regional totals on /analysis/regional; Vanuatu and the
//! Solomon Islands stay out, so their users are shown how to opt in.

use anyhow::Context;
use godwit_domain::marking::Classification;
use godwit_domain::user::User;
use godwit_store::Store;

/// The PIDC members whose national focal points opt in.
const CONTRIBUTORS: [&str; 6] = ["FJI", "PNG", "WSM", "TON", "NZL", "AUS"];

/// Opts the contributors in; returns how many.
pub async fn seed(store: &Store, users: &[User]) -> anyhow::Result<usize> {
    for member in CONTRIBUTORS {
        let username = format!("nfp.{}", member.to_lowercase());
        let nfp = users.iter().find(|u| u.username == username).with_context(|| format!("no demo user {username}"))?;
        let subject = store.subject_for(nfp).await?;
        store.opt_in(&subject, "PIDC", Classification(2)).await.with_context(|| format!("{member} opts in"))?;
    }
    Ok(CONTRIBUTORS.len())
}
