//! The body of the Markdown fuzz target (`fuzz/fuzz_targets/markdown.rs`),
//! here so that ordinary tests replay it over the seeds and mutations of them
//! without libFuzzer (docs/fuzzing.md).

use crate::Block;

/// Elements that run code, load content or restyle the page; sanitised HTML
/// holds none of them.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "form", "input",
    "button", "textarea", "select", "base", "link", "meta", "template", "noscript",
];

/// Attributes whose value is a URL.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "srcset", "cite", "action", "formaction", "poster", "background"];

/// URL schemes that run code or smuggle a document.
const FORBIDDEN_SCHEMES: &[&str] = &["javascript:", "vbscript:", "data:"];

/// Any text as an author's Markdown, rendered both ways: the portal's HTML
/// carries no script, no active element, no event handler, style or
/// script URL; the report blocks are never empty.
pub fn markdown(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_html(&crate::markdown::html(&text));
    check_blocks(&crate::markdown::markdown(&text));
}

/// Panics unless `html` is inert. Its serialiser escapes `<` and `>` in text
/// and in attribute values, so every `<` opens a tag and the next `>` closes it.
fn check_html(html: &str) {
    for tag in html.split('<').skip(1) {
        let Some((tag, _)) = tag.split_once('>') else { panic!("an unclosed tag in {html:?}") };
        let name = tag.split_ascii_whitespace().next().unwrap_or_default().trim_start_matches('/').to_ascii_lowercase();
        assert!(!FORBIDDEN_ELEMENTS.contains(&name.as_str()), "<{name}> in {html:?}");
        for attribute in attributes(tag) {
            let (key, value) = attribute.split_once('=').unwrap_or((attribute.as_str(), ""));
            let key = key.to_ascii_lowercase();
            assert!(!key.starts_with("on") && key != "style" && key != "srcdoc", "attribute {key} in {html:?}");
            if !URL_ATTRIBUTES.contains(&key.as_str()) {
                continue;
            }
            let value: String =
                value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_lowercase();
            let value = value.trim_matches('"');
            assert!(!FORBIDDEN_SCHEMES.iter().any(|s| value.starts_with(s)), "{key}={value} in {html:?}");
        }
    }
}

/// The attributes of a tag's inside (`a href="x y" title="z"`) as
/// `key="value"`, splitting on blanks outside the quoted values.
fn attributes(tag: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in tag.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_ascii_whitespace() && !quoted => {
                out.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    // The first word is the element's name.
    out.into_iter().skip(1).filter(|a| !a.is_empty()).collect()
}

/// Panics when a block would print as nothing: a paragraph, list entry or
/// heading without text, or a list without entries.
fn check_blocks(blocks: &[Block]) {
    let has_text = |spans: &[crate::Span]| spans.iter().any(|s| !s.text.trim().is_empty());
    for block in blocks {
        match block {
            Block::Paragraph { spans } => assert!(has_text(spans), "an empty paragraph in {blocks:?}"),
            Block::Heading { text } => {
                assert!(!text.is_empty() && text.trim() == text, "heading {text:?} in {blocks:?}")
            }
            Block::List { items } => {
                assert!(!items.is_empty() && items.iter().all(|i| has_text(i)), "an empty list entry in {blocks:?}")
            }
            other => panic!("Markdown made {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn markdown_fuzz_inputs_replay() {
        godwit_domain::fuzz_replay::replay("markdown", super::markdown);
    }

    #[test]
    fn hostile_markdown_is_rendered_inert() {
        let html = crate::markdown::html(
            "**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> \
             <a href=\"jav&#x09;ascript:alert(1)\">t</a> <svg onload=alert(1)> ![<script>](data:text/html,x) \
             <a href=\"jav&#x18;ascript:alert(1)\">u</a> <a href=\" Da\tTA:text/html,x\">v</a>",
        );
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onerror"));
        assert!(!html.contains("ascript") && !html.contains("text/html"), "{html}");
        super::check_html(&html);
    }

    #[test]
    fn the_html_check_catches_what_sanitising_removes() {
        for unsafe_html in [
            "<p><script>x</script></p>",
            "<a href=\"JavaScript:x\">a</a>",
            "<img src=\"x\" onerror=\"y\">",
            "<a title=\"a b\" style=\"x\">a</a>",
            "<a href=\" data:text/html,x\">a</a>",
        ] {
            assert!(std::panic::catch_unwind(|| super::check_html(unsafe_html)).is_err(), "{unsafe_html}");
        }
        super::check_html("<p>a &lt;script&gt; <a href=\"https://x/\" title=\"data: on x\" rel=\"noopener\">l</a></p>");
    }
}
