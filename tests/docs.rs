//! Docs that cannot go stale (issue 27): every file and every Rust item
//! that README.md, BENCHMARKS.md, bench/NOTES.md and docs/*.md name exists.
//! A failure lists each broken reference as `file:line: reference — why`.
//!
//! The rule. "Code" is an inline code span or a fenced block's text.
//!
//! - **Files and folders.** (a) A markdown link's target (`[x](y)`, `[x]: y`),
//!   from the document's own folder, unless it is a URL (`https:`, `mailto:`)
//!   or starts with `/`; a `#anchor` on it must be a heading of the page it
//!   leads to (GitHub's anchors). (b) In code, a relative path whose first
//!   folder is one of the repository's (`TOP`): `src/web/session/store.rs`,
//!   `tests/common`, `.ci/run`, `migrations/...` (a last segment of `...` or
//!   with `*` names its folder). (c) An inline code span that is a bare
//!   file name with a source extension (`EXTENSIONS`): `deny.toml`,
//!   `main.rs`, which some file of the repository must be called. So URLs,
//!   the shop's own URL paths (`/profile/sessions`) and files the shop makes
//!   at run time (`data/session.key`) are never read as paths.
//! - **Rust items.** An inline code span that is, as a whole, a path of two
//!   or more segments, maybe followed by `()`, `(…)`, `<…>` or `!`
//!   (`write_back::decide`, `crate::web::session::Store`,
//!   `SessionState::is_blank()`); and every such path in a fenced block
//!   (the diagrams). A path into another crate (its first segment in
//!   `EXTERNAL`) is skipped; a single name (`Visitor`) is not checked.
//!   `crate::` (or `cookie_jar::`) paths start at the crate's root; any
//!   other path may leave out its leading segments: it resolves when its
//!   first segments are the last ones of a module of `src/` (a file, a
//!   folder, an inline `mod`; none at all also fits) and what follows is
//!   nothing (the module itself), one item of that module (`fn`, `struct`,
//!   `enum`, `trait`, `const`, `static`, `type`, `mod`, `union`,
//!   `macro_rules!`, or a name it re-exports with `pub use`), or a type of
//!   that module and one of its members (a variant, a field, or an `fn`,
//!   `const` or `type` of an `impl` or a trait of that name anywhere).
//!
//! `src/` is read as text, trusting rustfmt's layout (`cargo fmt --check`
//! runs in CI): an item is its keyword and its name anywhere in its module's
//! file, outside `//` comments; a type's members are the lines one indent
//! into its `impl`, `enum`, `struct`, `trait` or `union` block, which ends
//! at the `}` at the block's own indent.
//!
//! Run it alone: `cargo test --test docs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

/// The repository's folders: a path in code that starts with one of them
/// is a path of the repository.
const TOP: &[&str] = &[
    ".cargo",
    ".ci",
    "bench",
    "docs",
    "examples",
    "fuzz",
    "migrations",
    "scripts",
    "src",
    "static",
    "templates",
    "tests",
];

/// A bare file name in code with one of these extensions names a file of
/// the repository.
const EXTENSIONS: &[&str] = &["rs", "md", "sh", "toml", "sql", "html", "lua", "py"];

/// Crates that are not this one: paths that start with them are not
/// checked.
const EXTERNAL: &[&str] = &[
    "std",
    "core",
    "alloc",
    "actix_web",
    "actix_http",
    "actix_files",
    "anyhow",
    "argon2",
    "askama",
    "deadpool_redis",
    "lettre",
    "metrics",
    "redis",
    "serde",
    "serde_json",
    "sqlx",
    "thiserror",
    "time",
    "tokio",
    "tracing",
    "tracing_actix_web",
    "tracing_subscriber",
];

/// The documents checked, relative to the repository.
fn documents(root: &Path) -> Vec<String> {
    let mut docs: Vec<String> = ["README.md", "BENCHMARKS.md", "bench/NOTES.md"]
        .map(String::from)
        .to_vec();
    let mut more: Vec<String> = fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    more.sort();
    docs.extend(more);
    docs
}

/// What `src/` defines: each module's items, and each type's members.
#[derive(Default)]
struct Index {
    /// Module path (`web::session::write_back`, "" for the root) to the
    /// names of its items.
    modules: BTreeMap<String, BTreeSet<String>>,
    /// Type name to its members' names.
    members: BTreeMap<String, BTreeSet<String>>,
    /// The file names of the repository (`mod.rs`, `deny.toml`).
    file_names: BTreeSet<String>,
}

fn index(root: &Path) -> Index {
    let item = Regex::new(
        r"\b(?:fn|struct|enum|trait|const|static|type|mod|union|macro_rules!)\s+([A-Za-z_][A-Za-z0-9_]*)",
    )
    .unwrap();
    let reexport = Regex::new(r"(?s)\bpub(?:\([^)]*\))?\s+use\s+([^;]+);").unwrap();
    let last_name = Regex::new(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:[,}]|$)").unwrap();
    let inline_mod = Regex::new(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*\{").unwrap();
    let block = Regex::new(
        r"^(?:pub(?:\([^)]*\))?\s+)?(?:unsafe\s+)?(?:struct|enum|trait|union)\s+([A-Za-z_][A-Za-z0-9_]*)",
    )
    .unwrap();
    let member = Regex::new(
        r"^(?:(?:pub(?:\([^)]*\))?|const|async|unsafe|default|extern\s+\S+)\s+)*(?:fn|const|type)\s+([A-Za-z_][A-Za-z0-9_]*)|^(?:pub(?:\([^)]*\))?\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:[,({=:]|$)",
    )
    .unwrap();

    let mut index = Index::default();
    for path in files_under(&root.join("src")) {
        let rel = path.strip_prefix(root.join("src")).unwrap();
        if path.extension().is_none_or(|e| e != "rs") || rel == Path::new("main.rs") {
            continue;
        }
        let file = rel.with_extension("").to_string_lossy().replace('/', "::");
        let module = match file.as_str() {
            "lib" => String::new(),
            _ => file.strip_suffix("::mod").unwrap_or(&file).to_string(),
        };
        let code = fs::read_to_string(&path).unwrap();
        // Comment lines out: they name things, they define none.
        let code: String = code
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .map(|line| format!("{line}\n"))
            .collect();
        let names = index.modules.entry(module.clone()).or_default();
        names.extend(item.captures_iter(&code).map(|c| c[1].to_string()));
        for tree in reexport.captures_iter(&code) {
            names.extend(last_name.captures_iter(&tree[1]).map(|c| c[1].to_string()));
        }
        // An inline `mod` is a module too, with its file's items (they are
        // not told apart).
        let all = names.clone();
        for inline in inline_mod.captures_iter(&code) {
            let path = format!("{module}::{}", &inline[1]);
            let path = path.trim_start_matches("::").to_string();
            index.modules.entry(path).or_default().extend(all.clone());
        }

        let lines: Vec<&str> = code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let indent = line.len() - line.trim_start().len();
            let text = line.trim_start();
            let owner = match block.captures(text) {
                Some(c) => c[1].to_string(),
                None if text.starts_with("impl ") || text.starts_with("impl<") => {
                    match impl_type(text) {
                        Some(name) => name,
                        None => continue,
                    }
                }
                None => continue,
            };
            if text.ends_with(';') || text.ends_with('}') {
                continue; // `struct Id(i64);`, `impl Error for AppError {}`: no block
            }
            let end = format!("{}}}", " ".repeat(indent));
            let inside = format!("{}    ", " ".repeat(indent));
            let members = index.members.entry(owner).or_default();
            for line in lines[i + 1..].iter().take_while(|l| !l.starts_with(&end)) {
                let Some(text) = line.strip_prefix(&inside) else {
                    continue;
                };
                if let Some(c) = member.captures(text) {
                    members.insert(c.get(1).or(c.get(2)).unwrap().as_str().to_string());
                }
            }
        }
    }
    index.file_names = files_under(root)
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    index
}

/// The type an `impl` line is for: `impl<'a> FromRequest for Visitor {`
/// gives `Visitor`, `impl Db<'_> {` gives `Db`.
fn impl_type(line: &str) -> Option<String> {
    let mut rest = line.strip_prefix("impl")?;
    if rest.starts_with('<') {
        // Skip the generic parameters, which may nest.
        let mut depth = 0;
        let end = rest.char_indices().find_map(|(i, ch)| {
            match ch {
                '<' => depth += 1,
                '>' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(i + 1)
        })?;
        rest = &rest[end..];
    }
    let rest = rest.rsplit(" for ").next()?.trim_start();
    let path = rest.split(['<', ' ', '{']).next()?;
    let name = path.rsplit("::").next()?;
    (!name.is_empty()).then(|| name.to_string())
}

/// Every file under `dir`, outside build output, dependencies and git.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if path.is_dir() {
            if !matches!(&*name, "target" | "node_modules" | ".git") {
                files.extend(files_under(&path));
            }
        } else {
            files.push(path);
        }
    }
    files
}

/// Whether a Rust path (`write_back::decide`) names something in `src/`.
fn resolves(path: &str, index: &Index) -> bool {
    let mut segments: Vec<&str> = path.split("::").collect();
    let anchored = matches!(segments[0], "crate" | "cookie_jar");
    if anchored {
        segments.remove(0);
    }
    (0..=segments.len()).any(|k| {
        let (lead, rest) = segments.split_at(k);
        index.modules.iter().any(|(module, names)| {
            let module: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
            let fits = if anchored {
                module == lead
            } else {
                module.ends_with(lead)
            };
            fits && match rest {
                [] => k > 0 || anchored,
                [item] => names.contains(*item),
                [ty, member] => {
                    names.contains(*ty)
                        && index.members.get(*ty).is_some_and(|m| m.contains(*member))
                }
                _ => false,
            }
        })
    })
}

/// Why a path of the repository (`src/web/`, `migrations/*.sql`) is
/// broken, if it is.
fn missing_file(root: &Path, path: &str) -> Option<&'static str> {
    let path = path.trim_end_matches(['.', '…']);
    let path = match path.rsplit_once('/') {
        Some((folder, last)) if last.contains('*') => folder,
        _ => path,
    };
    (!root.join(path).exists()).then_some("no such file or folder")
}

/// GitHub's anchors for the headings of a markdown document.
fn anchors(text: &str) -> BTreeSet<String> {
    let heading = Regex::new(r"(?m)^#+ (.+)$").unwrap();
    heading
        .captures_iter(&outside_fences(text))
        .map(|c| {
            c[1].to_lowercase()
                .chars()
                .filter_map(|ch| match ch {
                    ' ' => Some('-'),
                    ch if ch.is_alphanumeric() || ch == '-' || ch == '_' => Some(ch),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

/// The text with every line of a fenced code block blanked (the lines stay,
/// so line numbers do too).
fn outside_fences(text: &str) -> String {
    let mut fenced = false;
    let mut out = String::new();
    for line in text.lines() {
        let fence = line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~");
        if !fenced && !fence {
            out.push_str(line);
        }
        if fence {
            fenced = !fenced;
        }
        out.push('\n');
    }
    out
}

/// The lines of fenced code blocks, with their numbers (from 1).
fn fenced_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            fenced = !fenced;
        } else if fenced {
            out.push((n + 1, line));
        }
    }
    out
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// One thing a document names.
#[derive(Debug, PartialEq)]
enum Reference {
    /// A Rust path: `write_back::decide`.
    Item(String),
    /// A path of the repository, from its root: `src/web/`.
    Path(String),
    /// A bare file name: `deny.toml`.
    FileName(String),
    /// A link's target, from the document's folder: `ARCHITECTURE.md#conventions`.
    Link(String),
}

/// Everything a document names, with its line (from 1), in order.
fn references(text: &str) -> Vec<(usize, Reference)> {
    let rust_path = Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+").unwrap();
    let any_rust_path =
        Regex::new(r"\b[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+").unwrap();
    let repo_path =
        Regex::new(r"^\.?[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:/[A-Za-z0-9_.\-*…]*)*$").unwrap();
    let code_span = Regex::new(r"`([^`]+)`").unwrap();
    let link = Regex::new(r#"\]\(([^)\s]+)(?:\s+"[^"]*")?\)|(?m)^\[[^\]]+\]:\s*(\S+)"#).unwrap();
    // A word of code that is a path of the repository, or (inline only) a
    // bare file name.
    let file = |word: &str, inline: bool| {
        if word.contains("://") || !repo_path.is_match(word) {
            None
        } else if word
            .split_once('/')
            .is_some_and(|(top, _)| TOP.contains(&top))
        {
            Some(Reference::Path(word.to_string()))
        } else if inline
            && !word.contains('/')
            && Path::new(word)
                .extension()
                .is_some_and(|e| EXTENSIONS.contains(&&*e.to_string_lossy()))
        {
            Some(Reference::FileName(word.to_string()))
        } else {
            None
        }
    };

    let mut found = Vec::new();
    let prose = outside_fences(text);
    for span in code_span.captures_iter(&prose) {
        let line = line_of(&prose, span.get(0).unwrap().start());
        let code = span[1].trim();
        if let Some(path) = rust_path.find(code) {
            let after = &code[path.end()..];
            if after.is_empty()
                || after == "!"
                || (after.starts_with('(') && after.ends_with(')'))
                || (after.starts_with('<') && after.ends_with('>'))
            {
                found.push((line, Reference::Item(path.as_str().to_string())));
            }
        }
        found.extend(file(code, true).map(|r| (line, r)));
    }
    // Links, outside code spans.
    let prose = code_span.replace_all(&prose, |c: &regex::Captures<'_>| {
        c[0].replace(|ch: char| ch != '\n', " ")
    });
    for target in link.captures_iter(&prose) {
        let target = target.get(1).or(target.get(2)).unwrap();
        let text = target.as_str();
        if !(text.contains("://") || text.starts_with("mailto:") || text.starts_with('/')) {
            found.push((
                line_of(&prose, target.start()),
                Reference::Link(text.to_string()),
            ));
        }
    }
    for (line, code) in fenced_lines(text) {
        for path in any_rust_path.find_iter(code) {
            found.push((line, Reference::Item(path.as_str().to_string())));
        }
        for word in code.split_whitespace() {
            let word = word.trim_matches(|c: char| "\"'()[],;:".contains(c));
            found.extend(file(word, false).map(|r| (line, r)));
        }
    }
    found.sort_by_key(|(line, _)| *line);
    found
}

/// Why a reference of the document `doc` (its path in the repository, and
/// its text) is broken, if it is.
fn why_broken(
    doc: (&str, &str),
    reference: &Reference,
    root: &Path,
    index: &Index,
) -> Option<String> {
    match reference {
        Reference::Item(path) => (!EXTERNAL.contains(&path.split("::").next().unwrap())
            && !resolves(path, index))
        .then(|| "nothing in src/ by that path".to_string()),
        Reference::Path(path) => missing_file(root, path).map(String::from),
        Reference::FileName(name) => (!index.file_names.contains(name))
            .then(|| "no file of the repository has that name".to_string()),
        Reference::Link(target) => {
            let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
            let (path, text) = if file.is_empty() {
                (PathBuf::from(doc.0), Some(doc.1.to_string()))
            } else {
                let path = Path::new(doc.0).parent().unwrap().join(file);
                if !root.join(&path).exists() {
                    return Some("no such file or folder".to_string());
                }
                let text = fs::read_to_string(root.join(&path)).ok();
                (path, text)
            };
            match text {
                Some(text) if !anchor.is_empty() && !anchors(&text).contains(anchor) => {
                    Some(format!("no heading of {} has that anchor", path.display()))
                }
                _ => None,
            }
        }
    }
}

/// Every broken reference of one document, as `file:line: reference — why`,
/// and how many references it has.
fn broken_references(doc: &str, text: &str, root: &Path, index: &Index) -> (usize, Vec<String>) {
    let references = references(text);
    let broken = references
        .iter()
        .filter_map(|(line, reference)| {
            let why = why_broken((doc, text), reference, root, index)?;
            let (Reference::Item(name)
            | Reference::Path(name)
            | Reference::FileName(name)
            | Reference::Link(name)) = reference;
            Some(format!("{doc}:{line}: {name} — {why}"))
        })
        .collect();
    (references.len(), broken)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_file_and_item_the_docs_name_exists() {
    let root = root();
    let index = index(root);
    assert!(
        index.modules.len() > 50 && index.members.len() > 50,
        "too little of src/ read: {} modules, {} types",
        index.modules.len(),
        index.members.len()
    );
    let docs = documents(root);
    assert!(docs.contains(&"docs/SESSIONS.md".to_string()), "{docs:?}");
    let mut checked = 0;
    let mut broken = Vec::new();
    for doc in &docs {
        let text = fs::read_to_string(root.join(doc)).unwrap();
        let (count, found) = broken_references(doc, &text, root, &index);
        checked += count;
        broken.extend(found);
    }
    assert!(
        checked > 300,
        "the docs name only {checked} files and items: is the checker reading them?"
    );
    assert!(
        broken.is_empty(),
        "{} references in the docs name nothing:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn the_checker_catches_a_made_up_path_and_a_made_up_item() {
    let root = root();
    let index = index(root);
    let text = "\
# An example
Real: `src/lib.rs`, `src/domain/`, `write_back::decide`, `crate::web::session`,
`SessionState::is_blank`, `sqlx::AnyPool`, [arch](ARCHITECTURE.md#the-path-of-a-request),
`/profile/sessions`, `https://example.com/x.rs`, `data/session.key`, [up](#an-example).

Made up: `src/nowhere.rs` and `web::nothing_here`, `SessionState::nothing`,
`crate::session`, [gone](../src/gone.rs), [anchor](SESSIONS.md#no-such-heading),
[down](#no-such-heading).

```
tests/nowhere/ and services::auth::nothing
```
";
    for (path, exists) in [
        ("write_back::decide", true),
        ("session::write_back::CASES", true),
        ("crate::web::session::Store", true), // a `pub use`
        ("services::cart::CartOwner::Guest", true),
        ("RequestSession::of", true),
        ("Visitor::layout", true),
        ("SessionState::csrf_token", true), // a field
        ("RequestSession::regenerate", false),
        ("crate::session::SessionState", false),
        ("web::decide", false),
    ] {
        assert_eq!(resolves(path, &index), exists, "{path}");
    }
    let (checked, broken) = broken_references("docs/EXAMPLE.md", text, root, &index);
    assert_eq!(checked, 17);
    assert_eq!(
        broken,
        [
            "docs/EXAMPLE.md:6: src/nowhere.rs — no such file or folder",
            "docs/EXAMPLE.md:6: web::nothing_here — nothing in src/ by that path",
            "docs/EXAMPLE.md:6: SessionState::nothing — nothing in src/ by that path",
            "docs/EXAMPLE.md:7: crate::session — nothing in src/ by that path",
            "docs/EXAMPLE.md:7: ../src/gone.rs — no such file or folder",
            "docs/EXAMPLE.md:7: SESSIONS.md#no-such-heading — no heading of docs/SESSIONS.md has that anchor",
            "docs/EXAMPLE.md:8: #no-such-heading — no heading of docs/EXAMPLE.md has that anchor",
            "docs/EXAMPLE.md:11: services::auth::nothing — nothing in src/ by that path",
            "docs/EXAMPLE.md:11: tests/nowhere/ — no such file or folder",
        ]
    );
}

/// `bench/run.sh` writes BENCHMARKS.md as the tables it measured followed by
/// `bench/NOTES.md`: a fix to the notes goes into both, or the next run
/// undoes it (or the notes' fix is lost until then).
#[test]
fn benchmarks_md_ends_with_the_notes_bench_run_sh_appends() {
    let benchmarks = fs::read_to_string(root().join("BENCHMARKS.md")).unwrap();
    let notes = fs::read_to_string(root().join("bench/NOTES.md")).unwrap();
    assert!(
        benchmarks.ends_with(&notes),
        "BENCHMARKS.md must end with bench/NOTES.md, as bench/run.sh writes it: \
         copy the notes over its \"## Reading these figures\", or rerun bench/run.sh"
    );
}
