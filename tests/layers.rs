//! What the folders of `src/` cannot say by themselves. Each folder is a
//! layer (`src/lib.rs` declares them bottom-up: domain, data, services,
//! web, routes, app); these tests check that a file imports only from its
//! own layer or the layers below it, that no two modules import each other
//! in a circle, and that only the database seam asks which database is in
//! use.
//!
//! The imports are every `crate::` and `super::` path in `src/` outside
//! comments (`use` lines, grouped imports and paths written out in the
//! code alike). For circles, a module is a file's module path cut to two
//! segments, its layer and the module in it (`services::auth`,
//! `web::session`): what a file imports from its siblings is inside its own
//! module, and a parent and its children may name each other.
//!
//! Run it alone: `cargo test --test layers`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path: `["web", "session", "store"]`.
type Module = Vec<String>;

/// Segments of a module path that make a module, for circles: the layer
/// and the module in it.
const DEPTH: usize = 2;

#[test]
fn no_file_imports_from_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layers = layers_of(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut upward = Vec::new();
    let mut seen = 0;
    for (module, path) in rust_files(&src) {
        let Some(own) = module
            .first()
            .and_then(|l| layers.iter().position(|x| x == l))
        else {
            continue; // lib.rs declares the layers; main.rs uses the crate by name
        };
        let text = std::fs::read_to_string(&path).unwrap();
        for import in imports_in(&text, &module) {
            seen += 1;
            let Some(to) = import
                .first()
                .and_then(|l| layers.iter().position(|x| x == l))
            else {
                panic!("{}: `{}` names no layer", path.display(), name(&import));
            };
            if to > own {
                upward.push(format!(
                    "{} ({}) imports {} ({})",
                    name(&module),
                    layers[own],
                    name(&import),
                    layers[to]
                ));
            }
        }
    }
    assert!(seen > 50, "too few imports found ({seen}): is src/ read?");
    assert!(
        upward.is_empty(),
        "imports that go up a layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = import_graph(&src);
    if let Some(circle) = find_circle(&graph) {
        let names: Vec<String> = circle.iter().map(name).collect();
        panic!("a circle of imports: {}", names.join(" -> "));
    }
}

/// The database seam: only `src/data/db/` knows SQLite from PostgreSQL. Code
/// elsewhere that names a driver's own types, asks a connection which
/// backend it is, or reads the scheme of a URL, asks which backend is in
/// use, and should ask `data::db::Database` for what it needs instead.
#[test]
fn nothing_outside_the_database_seam_asks_which_backend_is_in_use() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let asks = [
        "sqlx::postgres",
        "sqlx::sqlite",
        "backend_name",
        ".scheme()",
        "Backend::",
        "is_sqlite",
    ];
    let mut found = Vec::new();
    for (module, file) in rust_files(&src) {
        if module.starts_with(&["data".to_string(), "db".to_string()]) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in code_of(&text).lines().enumerate() {
            for ask in asks.iter().filter(|ask| line.contains(*ask)) {
                found.push(format!("{}:{}: {ask}", file.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "backend questions outside src/data/db/:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_imports_super_paths_and_skips_comments() {
    let here: Module = vec!["web".into(), "session".into(), "store".into()];
    let text = "//! see crate::routes\n\
                use crate::{services::{auth::{self, login::Outcome}, cart}};\n\
                use crate::{data::db::Pool as P, domain::prefs};\n\
                let url = \"http://x/crate::web\"; crate::domain::clock::now();\n\
                use super::cookies::read;\n\
                let x = crate::data::repo::users::find(db);\n";
    let paths = imports_in(text, &here);
    let paths: BTreeSet<String> = paths.iter().map(|p| p.join("::")).collect();
    let expected: BTreeSet<String> = [
        "services::auth",
        "services::auth::login::Outcome",
        "services::cart",
        "data::db::Pool",
        "domain::prefs",
        "domain::clock::now",
        "web::session::cookies::read",
        "data::repo::users::find",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(paths, expected);
}

#[test]
fn the_checker_finds_a_circle_and_a_parent_is_not_one() {
    let m = |s: &str| -> Module { s.split("::").map(String::from).collect() };
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    graph.entry(m("a")).or_default().insert(m("b"));
    graph.entry(m("b")).or_default().insert(m("c"));
    assert_eq!(find_circle(&graph), None);
    graph.entry(m("c")).or_default().insert(m("a"));
    assert_eq!(
        find_circle(&graph),
        Some(vec![m("a"), m("b"), m("c"), m("a")])
    );
}

/// The layers, bottom-up: the `pub mod` lines of `lib.rs`, in order.
fn layers_of(lib: &str) -> Vec<String> {
    let mut layers = Vec::new();
    let mut numbers = Vec::new();
    for line in lib.lines().map(str::trim) {
        if let Some(module) = line.strip_prefix("pub mod ") {
            layers.push(module.trim_end_matches(';').to_string());
        } else if let Some((n, _)) = line.strip_prefix("/// ").and_then(|d| d.split_once(". ")) {
            numbers.extend(n.parse::<usize>().ok());
        }
    }
    assert_eq!(
        layers.len(),
        6,
        "lib.rs declares the six layers: {layers:?}"
    );
    // Each declaration's doc comment numbers it; a sorted or shuffled
    // lib.rs would turn the check upside down without this.
    assert_eq!(
        numbers,
        (1..=6).collect::<Vec<_>>(),
        "lib.rs numbers its layers 1 to 6 in the order it declares them: {layers:?}"
    );
    layers
}

fn name(module: &Module) -> String {
    module.join("::")
}

/// Who imports whom, between modules (`DEPTH` segments at most), leaving out a
/// module's imports of itself, its parent or its children.
fn import_graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let files = rust_files(src);
    let modules: BTreeSet<Module> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, path) in &files {
        if module.is_empty() || module[0] == "main" {
            continue; // lib.rs declares, main.rs uses the crate by its name
        }
        let from = cut(module);
        let text = std::fs::read_to_string(path).unwrap();
        for import in imports_in(&text, module) {
            let to = known_prefix(&import, &modules);
            let related = to.starts_with(&from) || from.starts_with(&to);
            if !to.is_empty() && !related {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
        graph.entry(from).or_default();
    }
    graph
}

/// The longest prefix of `path`, at most `DEPTH` segments, that is a
/// module.
fn known_prefix(path: &Module, modules: &BTreeSet<Module>) -> Module {
    (1..=path.len().min(DEPTH))
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| modules.iter().any(|m| m.starts_with(prefix)))
        .unwrap_or_default()
}

fn cut(module: &Module) -> Module {
    module[..module.len().min(DEPTH)].to_vec()
}

/// Every `.rs` file under `src` with its module path (`mod.rs` names its
/// folder; `lib.rs` is the empty path).
fn rust_files(src: &Path) -> Vec<(Module, PathBuf)> {
    let mut files = Vec::new();
    let mut folders = vec![src.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).unwrap().with_extension("");
                let mut module: Module = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if module.last().is_some_and(|l| l == "mod" || l == "lib") {
                    module.pop();
                }
                files.push((module, path));
            }
        }
    }
    files
}

/// The absolute paths a file's code names through `crate::` or `super::`,
/// comments left out. `here` is the file's own module path.
fn imports_in(text: &str, here: &Module) -> Vec<Module> {
    let code = code_of(text);
    let mut paths = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !is_ident(chars[i - 1]) && chars[i - 1] != ':';
        if starts_word && (at(&chars, i, "crate::") || at(&chars, i, "super::")) {
            let mut base: Module = Vec::new();
            if at(&chars, i, "crate::") {
                i += "crate::".len();
            } else {
                base = here.clone();
                while at(&chars, i, "super::") {
                    base.pop();
                    i += "super::".len();
                }
            }
            i = path_tree(&chars, i, base, &mut paths);
        } else {
            i += 1;
        }
    }
    paths
}

/// A file's code: comments left out, strings blanked, lines kept.
fn code_of(text: &str) -> String {
    without_strings(text)
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` with the inside of each string literal blanked, so that a `//`
/// in a string (a URL) is not taken for a comment, nor a path in a
/// message for an import. A `'"'` character literal is kept as it is.
fn without_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    let mut last = ' ';
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    in_string = false;
                    out.push('"');
                }
                '\n' => out.push('\n'),
                _ => {}
            }
        } else {
            if c == '"' && !(last == '\'' && chars.peek() == Some(&'\'')) {
                in_string = true;
            }
            out.push(c);
        }
        last = c;
    }
    out
}

/// Reads one path or `{...}` group at `i` under `prefix`, pushing each full
/// path; returns where it stopped.
fn path_tree(chars: &[char], mut i: usize, mut prefix: Module, out: &mut Vec<Module>) -> usize {
    loop {
        skip_space(chars, &mut i);
        if i < chars.len() && chars[i] == '{' {
            i += 1;
            loop {
                i = path_tree(chars, i, prefix.clone(), out);
                skip_space(chars, &mut i);
                match chars.get(i) {
                    Some(',') => i += 1,
                    Some('}') => return i + 1,
                    _ => return i,
                }
                skip_space(chars, &mut i);
                if chars.get(i) == Some(&'}') {
                    return i + 1;
                }
            }
        }
        let start = i;
        while i < chars.len() && is_ident(chars[i]) {
            i += 1;
        }
        let segment: String = chars[start..i].iter().collect();
        if segment.is_empty() {
            out.push(prefix);
            return i;
        }
        if segment != "self" {
            prefix.push(segment);
        }
        if at(chars, i, "::") {
            i += 2;
        } else {
            out.push(prefix);
            // `path as name`: the name is the file's own.
            let mut after = i;
            skip_space(chars, &mut after);
            if at(chars, after, "as") && !chars.get(after + 2).copied().is_some_and(is_ident) {
                i = after + 2;
                skip_space(chars, &mut i);
                while i < chars.len() && is_ident(chars[i]) {
                    i += 1;
                }
            }
            return i;
        }
    }
}

fn at(chars: &[char], i: usize, word: &str) -> bool {
    word.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn skip_space(chars: &[char], i: &mut usize) {
    while *i < chars.len() && chars[*i].is_whitespace() {
        *i += 1;
    }
}

/// A circle in the graph, as the modules along it with the first repeated
/// at the end, if there is one.
fn find_circle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        node: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        path: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(at) = path.iter().position(|m| m == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.clone());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}
