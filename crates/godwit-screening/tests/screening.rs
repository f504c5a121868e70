//! Integration tests of godwit-screening (issue 6), in one test binary.

#[path = "screening/end_to_end.rs"]
mod end_to_end;
#[path = "screening/mrz_gen.rs"]
mod mrz_gen;
#[path = "screening/mrz_props.rs"]
mod mrz_props;
#[path = "screening/oracle.rs"]
mod oracle;
#[path = "screening/paxlst_props.rs"]
mod paxlst_props;
#[path = "screening/recall.rs"]
mod recall;
