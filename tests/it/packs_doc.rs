//! docs/PACKS.md (mounted as `crossborder::_documentation::packs`) is generated from the
//! built-in packs; this test fails when it is stale. Regenerate with
//! `CROSSBORDER_BLESS=1 cargo test --test it packs_doc`.

use std::fmt::Write as _;

use crossborder::PolicyPack;
use crossborder::pack::{BUILTIN_IDS, Established};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn generate() -> String {
    let mut out = String::from(
        "# Built-in packs\n\nGenerated from `packs/*.toml` by `tests/it/packs_doc.rs`; do not edit by hand.\n",
    );
    for id in BUILTIN_IDS {
        let p = PolicyPack::builtin(id).unwrap();
        let _ = write!(
            out,
            "\n## `{}` — {}\n\nKind: {}. Issuer: {}. Version: {}. Digest: `{:016x}`.\n",
            p.id(),
            p.title(),
            p.kind().as_str(),
            p.issuer(),
            p.version(),
            p.digest()
        );
        if let Some(s) = p.summary() {
            let _ = write!(out, "\n{}\n", s.trim());
        }
        out.push_str("\nSources:\n\n");
        for s in p.sources() {
            let _ = writeln!(out, "- {} (checked {})", s.title, s.checked);
        }
        if p.options().next().is_some() {
            out.push_str("\nOptions:\n\n");
            for o in p.options() {
                let interp = if o.interpretation {
                    " *Interpretation.*"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "- `{}` (default `{}`):{interp} {}",
                    o.name,
                    o.default,
                    o.summary.trim()
                );
                if let (Some(t), Some(f)) = (o.when_true, o.when_false) {
                    let _ = writeln!(out, "  - When true: {}", t.trim());
                    let _ = writeln!(out, "  - When false: {}", f.trim());
                }
                if let Some(e) = o.established {
                    let verdict = match e {
                        Established::True | Established::False => format!(
                            "the reading when {} is established; the default follows it",
                            e.as_str()
                        ),
                        _ => format!(
                            "the sources mark the point {}; the default is the stricter reading",
                            e.as_str()
                        ),
                    };
                    let _ = writeln!(out, "  - Established: {verdict}.");
                }
            }
        }
        out.push_str("\n| rule | effect | when | citation | summary |\n|---|---|---|---|---|\n");
        for r in p.rules() {
            let effect = if r.prohibit { "prohibit" } else { "require" };
            let when = match r.option {
                Some((o, true)) => format!("`{o}` on"),
                Some((o, false)) => format!("`{o}` off"),
                None => "always".to_owned(),
            };
            let _ = writeln!(
                out,
                "| `{}` | {effect} | {when} | {} | {} |",
                r.id,
                cell(r.cite),
                cell(r.summary)
            );
        }
    }
    out
}

#[test]
fn packs_doc_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/PACKS.md");
    let want = generate();
    if std::env::var_os("CROSSBORDER_BLESS").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "docs/PACKS.md is stale: run `CROSSBORDER_BLESS=1 cargo test --test it packs_doc` and commit it"
    );
}
