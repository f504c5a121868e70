//! Authentication: credentials, sessions and API tokens, sign-in throttling, and
//! the extractor that turns a request into an authenticated caller.

pub mod account;
pub mod credentials;
pub mod session;
pub mod sign_in;
pub mod throttle;

pub use session::{Caller, EnrollingCaller};
