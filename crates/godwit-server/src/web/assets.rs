//! The portal's CSS and scripts, compiled into the binary. Each is served under
//! a path holding a hash of its content, so browsers may keep it for a year and
//! still fetch a new one the moment it changes: on a satellite link a page then
//! costs only its HTML.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One static file and the URL pages link it by.
pub struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    hash: String,
    pub href: String,
}

impl Asset {
    fn new(name: &'static str, content_type: &'static str, body: &'static [u8]) -> Self {
        let hash = hex::encode(&Sha256::digest(body)[..8]);
        let href = format!("/static/{hash}/{name}");
        Asset { name, content_type, body, hash, href }
    }

    /// Its text, for a page that must stand alone (a bulletin saved as a file).
    pub fn text(&self) -> &'static str {
        std::str::from_utf8(self.body).unwrap_or_default()
    }
}

/// Every static file of the portal.
pub struct Assets {
    pub css: Asset,
    pub script: Asset,
    pub htmx: Asset,
}

pub static ASSETS: LazyLock<Assets> = LazyLock::new(|| Assets {
    css: Asset::new("godwit.css", "text/css; charset=utf-8", include_bytes!("../../static/godwit.css")),
    script: Asset::new("godwit.js", "text/javascript; charset=utf-8", include_bytes!("../../static/godwit.js")),
    htmx: Asset::new(
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/htmx.min.js"),
    ),
});

pub async fn serve(Path((hash, name)): Path<(String, String)>) -> Response {
    let assets = &*ASSETS;
    let Some(asset) = [&assets.css, &assets.script, &assets.htmx].into_iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // An old hash still gets the file, but must not be cached as if it were the old one.
    let cache = if asset.hash == hash { "public, max-age=31536000, immutable" } else { "no-cache" };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        asset.body,
    )
        .into_response()
}
