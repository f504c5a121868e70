use super::*;

const BANNER: &str = "RESTRICTED // TLP:AMBER // NOT FOR JUDICIAL USE";

/// Text without its white space: layout splits and joins runs of text.
fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn long_report() -> Report {
    let paragraph = "Routes through the region shift as controls tighten at the main airports; \
                     organisers move people through smaller ports with no notice of arrival. "
        .repeat(6);
    let mut sections: Vec<Section> = (1..=6)
        .map(|n| {
            Section::new(format!("Section {n}"))
                .with_markdown(&format!("{paragraph}\n\n**Assessment.** {paragraph}\n\n- first\n- second"))
        })
        .collect();
    sections.push(
        Section::new("Numbers")
            .with(Block::table(
                vec!["Category".into(), "Incidents".into()],
                vec![vec!["people smuggling".into(), "12".into()], vec!["document fraud".into(), "3".into()]],
            ))
            .with(Block::BarChart {
                title: "Incidents per month".into(),
                bars: vec![Bar { label: "2026-01".into(), value: 4 }, Bar { label: "2026-02".into(), value: 0 }],
            }),
    );
    Report {
        title: "Regional threat assessment 2026".into(),
        subtitle: "By FJI for PIDC, version 3".into(),
        banner: BANNER.into(),
        releasability: "REL TO FJI (originator), group PIDC".into(),
        sections,
    }
}

#[test]
fn markdown_becomes_paragraphs_lists_and_headings() {
    let blocks =
        markdown("Routes **shift** south, *fast*, via `NAN`.\n\n## Outlook\n\n- one\n  - nested\n- two\n\nAfter.");
    assert_eq!(blocks.len(), 4, "{blocks:?}");
    let Block::Paragraph { spans } = &blocks[0] else { panic!("a paragraph first: {blocks:?}") };
    let styled: Vec<(&str, bool, bool, bool)> =
        spans.iter().map(|s| (s.text.as_str(), s.strong, s.emph, s.code)).collect();
    assert_eq!(
        styled,
        [
            ("Routes ", false, false, false),
            ("shift", true, false, false),
            (" south, ", false, false, false),
            ("fast", false, true, false),
            (", via ", false, false, false),
            ("NAN", false, false, true),
            (".", false, false, false),
        ]
    );
    assert_eq!(blocks[1], Block::Heading { text: "Outlook".into() });
    let Block::List { items } = &blocks[2] else { panic!("a list: {blocks:?}") };
    let entries: Vec<String> = items.iter().map(|i| i.iter().map(|s| s.text.as_str()).collect()).collect();
    assert_eq!(entries, ["one", "nested", "two"]);
    assert_eq!(blocks[3], Block::paragraph("After."));
    assert!(markdown("  \n\n").is_empty());
}

#[test]
fn tables_are_as_wide_as_their_header() {
    let Block::Table { rows, numeric, .. } = Block::table(
        vec!["Member".into(), "Count".into(), "Note".into()],
        vec![vec!["FJI".into(), "3".into()], vec!["NZL".into(), "12".into(), "x".into(), "extra".into()]],
    ) else {
        panic!("a table")
    };
    assert!(rows.iter().all(|r| r.len() == 3));
    assert_eq!(numeric, [false, true, false]);
}

#[test]
fn every_page_carries_the_banner_and_the_sections_are_printed() {
    let report = long_report();
    let rendered = render(&report).expect("typeset");
    assert!(rendered.pdf.starts_with(b"%PDF"));
    let pages = rendered.pages.len();
    assert!(pages >= 2, "the report spans pages: {pages}");
    for (n, text) in rendered.pages.iter().enumerate() {
        let text = squash(text);
        // Header and footer.
        assert_eq!(text.matches(&squash(BANNER)).count(), 2, "page {}: {text}", n + 1);
        assert!(text.contains(&squash(&format!("{} of {pages}", n + 1))), "page number on page {}", n + 1);
        assert!(text.contains(&squash(&report.releasability)));
    }
    let all = squash(&rendered.pages.concat());
    for heading in report.sections.iter().map(|s| &s.heading).chain([&report.title]) {
        assert!(all.contains(&squash(heading)), "{heading}");
    }
    assert!(all.contains("peoplesmuggling") && all.contains("Incidentspermonth"));
}

/// Text that is typst markup or code is printed as it is, never run.
#[test]
fn user_text_is_never_typst_source() {
    let hostile = r#"#panic("boom") #read("/etc/passwd") ]} *x* $y$ <z> @w"#;
    let report = Report {
        title: hostile.into(),
        subtitle: hostile.into(),
        banner: hostile.into(),
        releasability: hostile.into(),
        sections: vec![
            Section::new(hostile)
                .with_markdown(hostile)
                .with(Block::table(vec![hostile.into()], vec![vec![hostile.into()]]))
                .with(Block::BarChart { title: hostile.into(), bars: vec![Bar { label: hostile.into(), value: 1 }] })
                .with(Block::note(hostile))
                .with(Block::Marking { text: hostile.into() }),
        ],
    };
    let rendered = render(&report).expect("typeset");
    let text = squash(&rendered.pages.concat());
    assert!(text.matches(&squash(r#"#panic("boom")#read("/etc/passwd")"#)).count() >= 8, "{text}");
    assert!(!text.contains("root:"));
}

#[test]
fn an_empty_report_is_one_page() {
    let rendered = render(&Report { title: "Nothing".into(), ..Report::default() }).expect("typeset");
    assert_eq!(rendered.pages.len(), 1);
    assert!(rendered.pdf.starts_with(b"%PDF"));
}
