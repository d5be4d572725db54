//! `crossborder packs`: the built-in packs, or one pack's rules, options and sources.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use crossborder::PolicyPack;
use crossborder::pack::BUILTIN_IDS;
use serde_json::json;

use crate::input;
use crate::report::Failure;
use crate::{Exit, Outcome};

#[derive(Args, Debug)]
pub(crate) struct PacksArgs {
    /// A pack to show in full: a built-in id (or, with `--pack-file`, that file's pack).
    #[arg(value_name = "ID")]
    id: Option<String>,
    /// A pack file to list or show beside the built-ins; repeatable.
    #[arg(long = "pack-file", value_name = "PATH")]
    files: Vec<PathBuf>,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t = PacksOutput::Text)]
    output: PacksOutput,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum PacksOutput {
    Text,
    Json,
}

pub(crate) fn run(args: &PacksArgs) -> Outcome {
    let json = args.output == PacksOutput::Json;
    let mut packs: Vec<PolicyPack> = BUILTIN_IDS
        .iter()
        .filter_map(|id| PolicyPack::builtin(id))
        .collect();
    for f in &args.files {
        packs.push(input::load_pack(f, None).map_err(|e| e.json(json))?);
    }
    match &args.id {
        None => {
            if json {
                let list: Vec<_> = packs.iter().map(|p| pack_json(p, false)).collect();
                crate::outln!(
                    "{}",
                    serde_json::to_string_pretty(&list).unwrap_or_default()
                );
            } else {
                crate::out!("{}", list_text(&packs));
            }
        }
        Some(id) => {
            let Some(pack) = packs.iter().rev().find(|p| p.id() == id) else {
                let ids: Vec<&str> = packs.iter().map(PolicyPack::id).collect();
                let near = ids
                    .iter()
                    .find(|c| {
                        c.eq_ignore_ascii_case(id) || c.replace('-', "_") == id.replace('-', "_")
                    })
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                return Err(
                    Failure::invalid(vec![crate::report::Diagnostic::new(format!(
                        "unknown pack `{id}`{near} (packs: {})",
                        ids.join(", ")
                    ))])
                    .json(json),
                );
            };
            if json {
                crate::outln!(
                    "{}",
                    serde_json::to_string_pretty(&pack_json(pack, true)).unwrap_or_default()
                );
            } else {
                crate::out!("{}", detail_text(pack));
            }
        }
    }
    Ok(Exit::Ok)
}

/// The pack as JSON: its identity and, in `full`, its summary, options, rules and sources
/// (else the option defaults and the number of rules).
fn pack_json(p: &PolicyPack, full: bool) -> serde_json::Value {
    let mut v = json!({
        "id": p.id(),
        "version": p.version(),
        "kind": p.kind().as_str(),
        "issuer": p.issuer(),
        "title": p.title(),
        "sha256": p.sha256(),
    });
    let Some(map) = v.as_object_mut() else {
        return v;
    };
    if !full {
        let options: serde_json::Map<String, serde_json::Value> = p
            .options()
            .map(|o| (o.name.to_owned(), json!(o.default)))
            .collect();
        map.insert("rules".into(), json!(p.rules().count()));
        map.insert("options".into(), options.into());
        return v;
    }
    let options: Vec<_> = p
        .options()
        .map(|o| {
            json!({ "name": o.name, "default": o.default, "summary": o.summary,
                    "interpretation": o.interpretation })
        })
        .collect();
    let rules: Vec<_> = p
        .rules()
        .map(|r| {
            json!({ "id": r.id, "summary": r.summary, "cite": r.cite, "prohibit": r.prohibit,
                    "option": r.option.map(|(name, on)| json!({ "name": name, "when": on })) })
        })
        .collect();
    let sources: Vec<_> = p
        .sources()
        .map(|s| json!({ "title": s.title, "url": s.url, "checked": s.checked }))
        .collect();
    map.insert("summary".into(), json!(p.summary()));
    map.insert("options".into(), options.into());
    map.insert("rules".into(), rules.into());
    map.insert("sources".into(), sources.into());
    v
}

fn list_text(packs: &[PolicyPack]) -> String {
    let w = packs.iter().map(|p| p.id().len()).max().unwrap_or(2).max(2);
    let v = packs
        .iter()
        .map(|p| p.version().len())
        .max()
        .unwrap_or(7)
        .max(7);
    let mut s = format!(
        "{:w$}  {:v$}  {:9}  {:>5}  options (default)\n",
        "id", "version", "kind", "rules"
    );
    for p in packs {
        let options: Vec<String> = p
            .options()
            .map(|o| format!("{}={}", o.name, o.default))
            .collect();
        s.push_str(&format!(
            "{:w$}  {:v$}  {:9}  {:>5}  {}\n",
            p.id(),
            p.version(),
            p.kind().as_str(),
            p.rules().count(),
            if options.is_empty() {
                "-".to_owned()
            } else {
                options.join(", ")
            }
        ));
    }
    s
}

fn detail_text(p: &PolicyPack) -> String {
    let mut s = format!(
        "{} {} ({}, issued by {}): {}\nsha256 {}\n",
        p.id(),
        p.version(),
        p.kind().as_str(),
        p.issuer(),
        p.title(),
        p.sha256()
    );
    let options: Vec<_> = p.options().collect();
    if !options.is_empty() {
        s.push_str("\noptions:\n");
        for o in options {
            let interp = if o.interpretation {
                " [interpretation]"
            } else {
                ""
            };
            s.push_str(&format!(
                "  {} = {}{interp}\n      {}\n",
                o.name, o.default, o.summary
            ));
        }
    }
    s.push_str("\nrules:\n");
    for r in p.rules() {
        let kind = if r.prohibit { "prohibit" } else { "require" };
        let gate = match r.option {
            Some((o, true)) => format!(" (if option `{o}`)"),
            Some((o, false)) => format!(" (unless option `{o}`)"),
            None => String::new(),
        };
        s.push_str(&format!(
            "  {} [{kind}]{gate}: {}\n      cite: {}\n",
            r.id, r.summary, r.cite
        ));
    }
    s
}
