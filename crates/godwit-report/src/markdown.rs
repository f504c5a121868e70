//! The Markdown authors write (item bodies, executive summaries, forewords,
//! report bodies), in the two forms Godwit shows it:
//!
//! - [`html`] for the portal and the API: CommonMark with tables and
//!   strikethrough, sanitised so that it carries no script, style or event
//!   handler into a reader's browser;
//! - [`markdown`] as report blocks: paragraphs with bold, italic and code
//!   spans, headings, bulleted lists. Anything else (quotes, code blocks,
//!   links, images, raw HTML) keeps its text and loses its form: it is
//!   printed, never interpreted.
//!
//! Both take any text from any author; `fuzz/fuzz_targets/markdown.rs` fuzzes
//! them (crate::fuzz_checks).

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::{Block, Span};

#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    /// The spans of the paragraph, heading or list entry being read.
    spans: Vec<Span>,
    /// Entries of the list being read, when in one.
    items: Option<Vec<Vec<Span>>>,
    /// How deep in lists: a nested list continues the outer one, flat.
    lists: usize,
    strong: usize,
    emph: usize,
}

impl Builder {
    fn text(&mut self, text: &str, code: bool) {
        let span = Span { text: text.to_owned(), strong: self.strong > 0, emph: self.emph > 0, code };
        match self.spans.last_mut() {
            Some(last) if (last.strong, last.emph, last.code) == (span.strong, span.emph, span.code) => {
                last.text.push_str(text)
            }
            _ => self.spans.push(span),
        }
    }

    /// Ends the run of text being read: an entry of the open list, or a paragraph.
    fn flush(&mut self) {
        if self.spans.iter().all(|s| s.text.trim().is_empty()) {
            self.spans.clear();
            return;
        }
        let spans = std::mem::take(&mut self.spans);
        match &mut self.items {
            Some(items) => items.push(spans),
            None => self.blocks.push(Block::Paragraph { spans }),
        }
    }
}

/// Renders Markdown `text` to HTML and sanitises the result, so an item body
/// can never carry script, styles or event handlers into a reader's browser.
pub fn html(text: &str) -> String {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let parser = Parser::new_ext(text, options);
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(|_, attribute, value| {
            if matches!(attribute, "href" | "src") && hides_script_scheme(value) { None } else { Some(value.into()) }
        })
        .clean(&html)
        .to_string()
}

/// Whether a URL becomes a `javascript:`, `vbscript:` or `data:` one once
/// blanks and control characters are taken out (`jav&#x18;ascript:`).
/// Browsers read such a URL as relative, but other readers of the HTML
/// (mail clients, older browsers) drop those characters; the link goes.
fn hides_script_scheme(url: &str) -> bool {
    let squeezed: String = url.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    let squeezed = squeezed.to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"].iter().any(|scheme| squeezed.starts_with(scheme))
}

/// The blocks of Markdown `text`.
pub fn markdown(text: &str) -> Vec<Block> {
    let mut b = Builder::default();
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Strong) => b.strong += 1,
            Event::End(TagEnd::Strong) => b.strong = b.strong.saturating_sub(1),
            Event::Start(Tag::Emphasis) => b.emph += 1,
            Event::End(TagEnd::Emphasis) => b.emph = b.emph.saturating_sub(1),
            Event::Start(Tag::List(_)) => {
                b.flush();
                b.lists += 1;
                b.items.get_or_insert_with(Vec::new);
            }
            Event::End(TagEnd::List(_)) => {
                b.flush();
                b.lists = b.lists.saturating_sub(1);
                if b.lists == 0
                    && let Some(items) = b.items.take().filter(|i| !i.is_empty())
                {
                    b.blocks.push(Block::List { items });
                }
            }
            Event::Start(Tag::Item) | Event::End(TagEnd::Item) => b.flush(),
            Event::End(TagEnd::Heading(_)) => {
                let text: String = b.spans.drain(..).map(|s| s.text).collect();
                if !text.trim().is_empty() {
                    b.blocks.push(Block::Heading { text: text.trim().to_owned() });
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::CodeBlock | TagEnd::BlockQuote(_)) => b.flush(),
            Event::Start(Tag::Heading { .. }) => b.flush(),
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => b.text(&t, false),
            Event::Code(t) => b.text(&t, true),
            Event::SoftBreak | Event::HardBreak => b.text(" ", false),
            _ => {}
        }
    }
    b.flush();
    b.blocks
}
