//! Markdown to HTML for item bodies, with raw HTML and scripts removed. The
//! renderer is godwit-report's, beside the report's reading of the same
//! Markdown, so that its fuzz target builds without the server.

pub use godwit_report::markdown::html as render;
