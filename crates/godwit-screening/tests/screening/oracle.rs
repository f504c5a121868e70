//! Agreement with implementations nobody on this project wrote (issue 6,
//! item 9): PyPI `mrz` on 10,000 generated machine readable zones and PyPI
//! `pydifact` on generated PAXLST interchanges.
//!
//! They need Python with both packages in `target/venv`, which `scripts/test`
//! installs (pinned in `scripts/python-requirements.txt`);
//! `GODWIT_ORACLE_PYTHON` may name another interpreter.

use std::io::Write;
use std::process::Command;

use godwit_screening::mrz::{self, CheckedField};
use godwit_screening::paxlst::tokenizer;
use godwit_screening::synthetic::Rng;
use serde_json::{Value, json};

use crate::mrz_gen::{Doc, td1, td2, td3};

/// Runs `script` with `input` (one JSON value per line) on stdin-like file,
/// returning one JSON value per output line.
fn run_python(script: &str, input: &[Value]) -> Vec<Value> {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    for value in input {
        writeln!(file, "{value}").expect("write");
    }
    let output = Command::new(godwit_domain::oracles::python())
        .arg("-W")
        .arg("ignore")
        .arg("-c")
        .arg(script)
        .arg(file.path())
        .output();
    let output = output.expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

fn word(rng: &mut Rng, min: usize, max: usize) -> String {
    let len = min + rng.below(max - min + 1);
    (0..len).map(|_| char::from(b'A' + u8::try_from(rng.below(26)).unwrap_or(0))).collect()
}

fn alnum(rng: &mut Rng, len: usize) -> String {
    const SET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..len).map(|_| char::from(SET[rng.below(SET.len())])).collect()
}

fn date(rng: &mut Rng) -> String {
    format!("{:02}{:02}{:02}", rng.below(100), 1 + rng.below(12), 1 + rng.below(28))
}

fn random_doc(rng: &mut Rng) -> Doc {
    let optional_len = rng.below(7);
    Doc {
        surname: word(rng, 2, 10),
        given: word(rng, 2, 8),
        number: alnum(rng, 9),
        nationality: ["UTO", "FRA", "DEU", "GBR", "AUS", "IDN"][rng.below(6)],
        birth: date(rng),
        sex: ['M', 'F'][rng.below(2)],
        expiry: date(rng),
        optional: alnum(rng, optional_len),
    }
}

const MRZ_SCRIPT: &str = r#"
import json, sys
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td2 import TD2CodeChecker
from mrz.checker.td3 import TD3CodeChecker
checkers = {"TD1": TD1CodeChecker, "TD2": TD2CodeChecker, "TD3": TD3CodeChecker}
for line in open(sys.argv[1]):
    doc = json.loads(line)
    c = checkers[doc["format"]](doc["text"])
    f = c.fields()
    print(json.dumps({"valid": bool(c), "falses": [name for name, _ in c.report.falses],
        "surname": f.surname, "name": f.name, "number": f.document_number,
        "birth": f.birth_date, "expiry": f.expiry_date, "sex": f.sex}))
"#;

/// Our failed check digits, named as PyPI `mrz` names them.
fn our_false_hashes(m: &mrz::Mrz) -> Vec<&'static str> {
    let mut names: Vec<&str> = m
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| match c.field {
            CheckedField::DocumentNumber => "document number hash",
            CheckedField::DateOfBirth => "birth date hash",
            CheckedField::DateOfExpiry => "expiry date hash",
            CheckedField::OptionalData => "optional data hash",
            CheckedField::Composite => "final hash",
        })
        .collect();
    names.sort_unstable();
    names
}

#[test]
fn mrz_check_digits_and_fields_agree_with_pypi_mrz() {
    let mut rng = Rng::new(9303);
    let mut docs = Vec::new();
    for i in 0..10_000 {
        let d = random_doc(&mut rng);
        let (format, mut text) = match i % 3 {
            0 => ("TD1", td1(&d)),
            1 => ("TD2", td2(&d)),
            _ => ("TD3", td3(&d)),
        };
        if rng.chance(0.3) {
            // Change one character of the last data line to a digit.
            let mut chars: Vec<char> = text.chars().collect();
            let start = text.rfind('\n').map_or(0, |p| p + 1);
            let at = if format == "TD1" { text[..start - 1].rfind('\n').map_or(0, |p| p + 1) } else { start };
            let pos = at + rng.below(28);
            chars[pos] = char::from(b'0' + u8::try_from(rng.below(10)).unwrap_or(0));
            text = chars.into_iter().collect();
        }
        docs.push(json!({"format": format, "text": text}));
    }
    let theirs = run_python(MRZ_SCRIPT, &docs);
    assert_eq!(theirs.len(), docs.len());
    let mut disagreements = Vec::new();
    let mut with_failures = 0;
    for (doc, their) in docs.iter().zip(&theirs) {
        let text = doc["text"].as_str().unwrap_or_default();
        let ours = mrz::parse(text).expect("generated MRZs are well shaped");
        let mut their_hashes: Vec<&str> = their["falses"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|f| f.ends_with("hash"))
            .collect();
        their_hashes.sort_unstable();
        let fields_agree = their["number"] == ours.document_number
            && their["surname"] == ours.surname
            && their["name"] == ours.given_names;
        with_failures += usize::from(!their_hashes.is_empty());
        if our_false_hashes(&ours) != their_hashes || !fields_agree {
            disagreements.push(format!("{text}\nours {:?} theirs {their}", our_false_hashes(&ours)));
        }
    }
    assert!(with_failures > 2000, "the mutations must exercise failing checks: {with_failures}");
    assert!(
        disagreements.is_empty(),
        "{} of 10000 disagree, e.g.\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(5)].join("\n")
    );
}

const EDIFACT_SCRIPT: &str = r#"
import json, sys
from pydifact.segmentcollection import Interchange
for line in open(sys.argv[1]):
    text = json.loads(line)
    i = Interchange.from_str(text)
    print(json.dumps([[s.tag, s.elements] for s in i.segments]))
"#;

/// A random PAXLST interchange whose data uses every service character.
fn random_interchange(rng: &mut Rng) -> String {
    let mut body = vec!["UNH+M1+PAXLST:D:05B:UN:IATA".to_string(), "BGM+745".into(), "TDT+20+GW1".into()];
    for _ in 0..1 + rng.below(5) {
        let mut name = word(rng, 2, 6);
        for _ in 0..rng.below(3) {
            let special = ["?'", "?+", "?:", "??", " "][rng.below(5)];
            name.push_str(special);
            name.push_str(&word(rng, 1, 4));
        }
        body.push(format!("NAD+FL+++{name}:{}", word(rng, 2, 6)));
        body.push(format!("DTM+329:{}", date(rng)));
        body.push(format!("DOC+P:110:111+{}", alnum(rng, 9)));
    }
    body.push(format!("UNT+{}+M1", body.len() + 1));
    let segments: String = body.iter().map(|s| format!("{s}'")).collect();
    format!("UNA:+.? 'UNB+UNOA:4+AIR+GOV+261123:0900+R1'{segments}UNZ+1+R1'")
}

/// Our segments in pydifact's shape: an element with one component is a string.
fn as_pydifact(text: &str) -> Value {
    let segments = tokenizer::tokenize(text).expect("generated text tokenizes");
    let shaped: Vec<Value> = segments
        .iter()
        .filter(|s| !matches!(s.tag.as_str(), "UNB" | "UNZ"))
        .map(|s| {
            let elements: Vec<Value> =
                s.elements.iter().map(|e| if e.len() == 1 { json!(e[0]) } else { json!(e) }).collect();
            json!([s.tag, elements])
        })
        .collect();
    Value::Array(shaped)
}

#[test]
fn paxlst_tokenization_agrees_with_pydifact() {
    let mut rng = Rng::new(5);
    let texts: Vec<String> = (0..500).map(|_| random_interchange(&mut rng)).collect();
    let inputs: Vec<Value> = texts.iter().map(|t| json!(t)).collect();
    let theirs = run_python(EDIFACT_SCRIPT, &inputs);
    assert_eq!(theirs.len(), texts.len());
    for (text, their) in texts.iter().zip(&theirs) {
        assert_eq!(&as_pydifact(text), their, "{text}");
    }
}
