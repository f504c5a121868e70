//! Integration tests of godwit-exchange (issue 7), in one test binary.

#[path = "exchange/refusals.rs"]
mod refusals;
#[path = "exchange/round_trip.rs"]
mod round_trip;
#[path = "exchange/samples.rs"]
mod samples;
#[path = "exchange/validator.rs"]
mod validator;
