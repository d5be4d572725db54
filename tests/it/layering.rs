//! The module graph is the pipeline: each layer of `src/` names only the layers below it.
//!
//! ```text
//! error  ←  model  ←  pack  ←  engine  ←  scenario
//!              ↖  evidence  ↙
//! ```
//!
//! `model` names only `error`; `pack` names `error` and `model`; `evidence` names `error` and
//! `model` (its queries carry plain values, never the compiled program); `engine` names all of
//! those; `scenario` (the scenario runner, over the public API) may name anything. A path is
//! "named" when non-test code mentions `crate::<module>` (or reaches it through `super::`), or
//! a crate-root item that lives in a higher layer. Comments and
//! `#[cfg(test)]` modules do not count.

use std::path::{Path, PathBuf};

/// The layers, bottom first, and the top-level modules of `src/` each may name.
const ALLOWED: &[(&str, &[&str])] = &[
    ("error", &["error"]),
    ("model", &["error", "model"]),
    ("pack", &["error", "model", "pack"]),
    ("evidence", &["error", "model", "evidence"]),
    ("engine", &["error", "model", "pack", "evidence", "engine"]),
];

/// Crate-root items re-exported from a layer, with that layer (a file that writes
/// `crate::Engine` names the engine as surely as `crate::engine::Engine`).
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("Engine", "engine"),
    ("EngineBuilder", "engine"),
    ("Transfer", "engine"),
    ("Decision", "engine"),
    ("Effect", "engine"),
    ("decision", "engine"),
    ("report", "engine"),
    ("PolicyPack", "pack"),
    ("PackLoader", "pack"),
    ("Evidence", "evidence"),
    ("MemoryEvidence", "evidence"),
    ("NoEvidence", "evidence"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/` (`["engine", "compile", "rules"]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its `#[cfg(test)]` module.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules `code` (in module `module`) names, with the text that names each.
fn named_modules(module: &[String], code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `$crate::` in a macro counts too; `foo_crate::` does not
        }
        let rest = &code[i + "crate::".len()..];
        let first: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let target = ROOT_ITEMS
            .iter()
            .find(|(item, _)| *item == first)
            .map_or(first.clone(), |(_, layer)| (*layer).to_owned());
        out.push((target, format!("crate::{first}")));
    }
    // `super::super::…` chains that climb out of the file's layer.
    for (i, _) in code.match_indices("super::") {
        if code[..i].ends_with("super::") {
            continue; // counted from the chain's first `super`
        }
        let mut depth = 0;
        let mut rest = &code[i..];
        while let Some(r) = rest.strip_prefix("super::") {
            depth += 1;
            rest = r;
        }
        if depth >= module.len() {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push((name.clone(), format!("{}{name}", "super::".repeat(depth))));
        }
    }
    out
}

/// Every place a file of `src/` names a layer it must not.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let module = module_path(rel);
        let Some(layer) = module.first() else {
            continue; // lib.rs: the root re-exports every layer
        };
        let Some((_, allowed)) = ALLOWED.iter().find(|(l, _)| l == layer) else {
            continue; // scenario, _documentation: may name anything
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (target, how) in named_modules(&module, &code(&text)) {
            if !allowed.contains(&target.as_str()) {
                found.push(format!(
                    "src/{} names `{how}` ({layer} → {target})",
                    rel.display()
                ));
            }
        }
    }
    found
}

#[test]
fn lower_layers_never_name_higher_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn the_check_catches_each_way_of_naming_a_higher_layer() {
    let model = ["model".to_owned(), "act".to_owned()];
    let names = |code: &str| -> Vec<String> {
        named_modules(&model, code)
            .into_iter()
            .map(|(target, _)| target)
            .collect()
    };
    assert_eq!(names("use crate::engine::Engine;"), ["engine"]);
    assert_eq!(names("fn f(e: &crate::Engine) {}"), ["engine"]);
    assert_eq!(names("use super::super::evidence::key_hash;"), ["evidence"]);
    assert_eq!(names("$crate::pack::ast::Rule"), ["pack"]);
    assert_eq!(
        names("use super::names::Tag; use crate::error::ModelError;"),
        ["error"]
    );
    assert!(
        code("/// see [`crate::Engine`]\nfn f() {}")
            .find("crate::")
            .is_none()
    );
    assert!(
        code("fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::engine::Engine;\n}")
            .find("engine")
            .is_none()
    );
}
