//! Authentication: credentials, sessions and API tokens, and the extractor that
//! turns a request into an authenticated caller.

pub mod credentials;
