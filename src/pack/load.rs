//! Loading a pack: parse every file, convert the wire structs into [`Rule`]s, and collect
//! every problem (with file, line and column) before giving up.

use super::{Check, Pack, Rule, Selector, Severity, wire};
use crate::diag::{Diagnostic, LineIndex, LoadError, Location, codes, did_you_mean};
use crate::limits::Limits;
use crate::money::parse_decimal;
use crate::record::Kind;
use crate::refdata::{PartnerType, ticked};
use crate::script::{CompileError, Compiler};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// The manifest's file name; every other `*.toml` file in the pack folder is a rule file.
pub(crate) const MANIFEST: &str = "pack.toml";

impl Pack {
    /// Loads and validates the pack in `dir`, reporting every problem found.
    pub fn load(dir: impl AsRef<Path>) -> Result<Pack, LoadError> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            let message = format!("rule pack folder `{}` does not exist", dir.display());
            return Err(Diagnostic::new(Location::new(dir, 0, 0), message)
                .with_code(codes::PACK_MISSING_FOLDER)
                .into());
        }
        // The pack's real place: every file read must lie inside it, whatever links lead
        // where.
        let real = std::fs::canonicalize(dir).map_err(|e| {
            let message = format!("cannot resolve rule pack folder `{}`: {e}", dir.display());
            Diagnostic::new(Location::new(dir, 0, 0), message).with_code(codes::PACK_UNREADABLE)
        })?;
        load(&Source::Dir {
            dir: dir.to_path_buf(),
            real,
        })
    }

    /// Loads and validates a pack held in memory, as [`Pack::load`] does a folder: `files`
    /// are `(path, text)` pairs with paths relative to the pack's root (`pack.toml`,
    /// `price.toml`, `scripts/partner_active.rhai`, ...). Diagnostics name the files
    /// `<name>/<path>`, and [`Pack::dir`] is `name`; the manifest's `[tests] data` is
    /// resolved against `name` too, so a pack from memory has no test data of its own.
    pub fn from_files(
        name: &str,
        files: impl IntoIterator<Item = (PathBuf, String)>,
    ) -> Result<Pack, LoadError> {
        let files = files
            .into_iter()
            .map(|(path, text)| (normal(&path), text))
            .collect();
        load(&Source::Memory {
            root: PathBuf::from(name),
            files,
        })
    }
}

/// Where a pack's files are read from: a folder, or files held in memory.
enum Source {
    /// A folder: `dir` as given (diagnostics name files under it), `real` its canonical
    /// path, the boundary every file read must lie inside.
    Dir { dir: PathBuf, real: PathBuf },
    /// Files by their normalised path relative to the pack's root.
    Memory {
        root: PathBuf,
        files: BTreeMap<PathBuf, String>,
    },
}

impl Source {
    /// The pack folder, or the name of a pack in memory.
    fn root(&self) -> &Path {
        match self {
            Source::Dir { dir, .. } => dir,
            Source::Memory { root, .. } => root,
        }
    }

    fn is_file(&self, relative: &Path) -> bool {
        match self {
            Source::Dir { dir, .. } => dir.join(relative).is_file(),
            Source::Memory { files, .. } => files.contains_key(&normal(relative)),
        }
    }

    /// The rule files: the `*.toml` files at the root but the manifest, sorted.
    fn rule_files(&self) -> std::io::Result<Vec<PathBuf>> {
        let is_rule_file = |p: &Path| {
            p.extension().is_some_and(|x| x == "toml")
                && p.file_name().is_none_or(|n| n != MANIFEST)
        };
        let mut files: Vec<PathBuf> = match self {
            Source::Dir { dir, .. } => std::fs::read_dir(dir)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_rule_file(p) && p.is_file())
                .filter_map(|p| p.file_name().map(PathBuf::from))
                .collect(),
            Source::Memory { files, .. } => files
                .keys()
                .filter(|p| p.components().count() == 1 && is_rule_file(p))
                .cloned()
                .collect(),
        };
        files.sort();
        Ok(files)
    }

    /// Reads `relative`, naming it in diagnostics as the pack's root joined with it, and
    /// keeps its text for rendering them. A file of a folder is resolved first (links
    /// followed) and read only when its real path lies inside the pack's: a link out of the
    /// pack is a load error that neither reads nor quotes the target.
    fn read(&self, relative: &Path, errors: &mut LoadError) -> Option<(PathBuf, Arc<str>)> {
        let file = self.root().join(relative);
        let text = match self {
            Source::Dir { real, .. } => match std::fs::canonicalize(&file) {
                Ok(target) if target.starts_with(real) => std::fs::read_to_string(&target),
                Ok(_) => {
                    errors.push(
                        Diagnostic::new(
                            Location::new(&file, 0, 0),
                            format!(
                                "`{}` leads outside the rule pack folder (a link?); pack files must lie inside it",
                                file.display()
                            ),
                        )
                        .with_code(codes::PACK_OUTSIDE),
                    );
                    return None;
                }
                Err(e) => Err(e),
            },
            Source::Memory { files, .. } => files
                .get(&normal(relative))
                .cloned()
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound)),
        };
        match text {
            Ok(text) => {
                let text: Arc<str> = Arc::from(text.strip_prefix('\u{feff}').unwrap_or(&text));
                errors.add_source(&file, Arc::clone(&text));
                Some((file, text))
            }
            Err(e) => {
                errors.push(
                    Diagnostic::new(
                        Location::new(&file, 0, 0),
                        format!("cannot read `{}`: {e}", file.display()),
                    )
                    .with_code(codes::PACK_UNREADABLE),
                );
                None
            }
        }
    }
}

/// `path` without `.` components, so `./pack.toml` and `pack.toml` are one file.
fn normal(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

fn load(source: &Source) -> Result<Pack, LoadError> {
    let dir = source.root();
    let mut errors = LoadError::default();
    let manifest = load_manifest(source, &mut errors);
    let limits = manifest.as_ref().map_or(Limits::DEFAULT, |m| m.limits);
    let compiler = Compiler::new(&limits);
    let rule_files = source.rule_files().map_err(|e| {
        let message = format!("cannot list rule pack folder `{}`: {e}", dir.display());
        LoadError::from(
            Diagnostic::new(Location::new(dir, 0, 0), message).with_code(codes::PACK_UNREADABLE),
        )
    })?;
    if rule_files.is_empty() {
        errors.push(
            Diagnostic::new(
                Location::new(dir, 0, 0),
                format!(
                    "rule pack `{}` has no rule files (`*.toml` beside `{MANIFEST}`)",
                    dir.display()
                ),
            )
            .with_code(codes::PACK_NO_RULE_FILES),
        );
    }
    let mut rules = Vec::new();
    for relative in &rule_files {
        if let Some((file, text)) = source.read(relative, &mut errors) {
            FileLoader::new(&file, &text, &mut errors, source, Some(&compiler))
                .load_rules(&mut rules);
        }
    }
    check_duplicate_ids(&rules, &mut errors);
    let manifest = manifest.unwrap_or_default();
    let hash = crate::digest::pack_hash(dir, errors.sources());
    errors.into_result(Pack {
        hash,
        name: manifest.name,
        version: manifest.version,
        description: manifest.description,
        dir: dir.to_path_buf(),
        rules,
        limits: manifest.limits,
        test_data: manifest.test_data,
    })
}

/// What the manifest says, validated.
#[derive(Default)]
struct ManifestInfo {
    name: String,
    version: String,
    description: String,
    limits: Limits,
    test_data: Option<PathBuf>,
}

fn load_manifest(source: &Source, errors: &mut LoadError) -> Option<ManifestInfo> {
    let dir = source.root();
    if !source.is_file(Path::new(MANIFEST)) {
        let file = dir.join(MANIFEST);
        errors.push(
            Diagnostic::new(
                Location::new(&file, 0, 0),
                format!(
                    "rule pack `{}` has no manifest `{MANIFEST}` (name, version, description)",
                    dir.display()
                ),
            )
            .with_code(codes::PACK_MISSING_MANIFEST),
        );
        return None;
    }
    let (file, text) = source.read(Path::new(MANIFEST), errors)?;
    let mut loader = FileLoader::new(&file, &text, errors, source, None);
    let table = loader.parse()?;
    let manifest: wire::Manifest = loader.deserialize(Spanned::new(
        table.span(),
        DeValue::Table(table.into_inner()),
    ))?;
    for field in [&manifest.name, &manifest.version] {
        if field.get_ref().trim().is_empty() {
            loader.fail(field.span(), "must not be empty".to_owned(), None);
        }
    }
    let limits = match manifest.limits {
        None => Limits::DEFAULT,
        Some(limits) => {
            let span = limits.span();
            let limits = limits.into_inner();
            // 0 (rhai's "no limit") and values above the ceilings are refused; the pack
            // then compiles under the defaults, so a huge depth cannot crash loading.
            let problems = limits.problems();
            for message in &problems {
                loader.fail_with(codes::PACK_BAD_LIMIT, span.clone(), message.clone(), None);
            }
            if problems.is_empty() {
                limits
            } else {
                Limits::DEFAULT
            }
        }
    };
    let test_data = manifest.tests.and_then(|t| t.data).map(|d| dir.join(d));
    Some(ManifestInfo {
        name: manifest.name.into_inner(),
        version: manifest.version.into_inner(),
        description: manifest.description,
        limits,
        test_data,
    })
}

fn check_duplicate_ids(rules: &[Rule], errors: &mut LoadError) {
    let mut first: HashMap<&str, &Location> = HashMap::new();
    for rule in rules {
        if let Some(original) = first.get(rule.id.as_str()) {
            errors.push(
                Diagnostic::new(
                    rule.location.clone(),
                    format!("duplicate rule id `{}`", rule.id),
                )
                .with_code(codes::DUPLICATE_RULE_ID)
                .with_related((*original).clone(), "first defined"),
            );
        } else {
            first.insert(&rule.id, &rule.location);
        }
    }
}

/// Loads one file, pushing its problems to `errors`. The check kinds' `load` functions
/// (in `crate::checks`) report through it.
pub(crate) struct FileLoader<'a> {
    file: &'a Path,
    text: &'a str,
    /// Where the lines of `text` start: every problem's line and column come from it.
    lines: LineIndex,
    errors: &'a mut LoadError,
    /// The pack's files, which script paths are relative to.
    source: &'a Source,
    /// Compiles scripts and conditions; `None` while reading the manifest.
    pub(crate) compiler: Option<&'a Compiler>,
}

impl<'a> FileLoader<'a> {
    fn new(
        file: &'a Path,
        text: &'a str,
        errors: &'a mut LoadError,
        source: &'a Source,
        compiler: Option<&'a Compiler>,
    ) -> Self {
        FileLoader {
            file,
            text,
            lines: LineIndex::new(text),
            errors,
            source,
            compiler,
        }
    }

    /// The location of `span` in the file.
    fn location(&self, span: Range<usize>) -> Location {
        Location::in_text(self.file, self.text, &self.lines, span)
    }

    /// Reports a value that is not allowed at `span` of the file
    /// ([`codes::PACK_BAD_VALUE`]); see [`FileLoader::fail_with`] for the other codes.
    #[cold]
    pub(crate) fn fail(&mut self, span: Range<usize>, message: String, help: Option<String>) {
        self.fail_with(codes::PACK_BAD_VALUE, span, message, help);
    }

    /// Reports a problem at `span` of the file, with its stable `code` (see [`codes`]).
    #[cold]
    pub(crate) fn fail_with(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        message: String,
        help: Option<String>,
    ) {
        let location = self.location(span);
        self.errors.push(
            Diagnostic::new(location, message)
                .with_code(code)
                .with_help(help),
        );
    }

    /// A TOML error: a syntax error when `parsing`, else a value serde could not read
    /// (an unknown or missing key, a wrong type).
    fn toml_error(&mut self, e: &toml::de::Error, fallback: Range<usize>, parsing: bool) {
        let message = e.message().trim().replace('\n', "; ");
        let help = unknown_key_hint(&message);
        let code = if parsing {
            codes::PACK_SYNTAX
        } else if message.starts_with("unknown field") {
            codes::PACK_UNKNOWN_KEY
        } else if message.starts_with("missing field") {
            codes::PACK_MISSING_KEY
        } else {
            codes::PACK_BAD_VALUE
        };
        self.fail_with(code, e.span().unwrap_or(fallback), message, help);
    }

    /// Parses the file, reporting every syntax error; `None` when there was one.
    fn parse(&mut self) -> Option<Spanned<DeTable<'a>>> {
        let (table, parse_errors) = DeTable::parse_recoverable(self.text);
        for e in &parse_errors {
            self.toml_error(e, 0..0, true);
        }
        parse_errors.is_empty().then_some(table)
    }

    fn deserialize<T: DeserializeOwned>(&mut self, value: Spanned<DeValue<'_>>) -> Option<T> {
        let span = value.span();
        T::deserialize(ValueDeserializer::from(value))
            .map_err(|e| self.toml_error(&e, span, false))
            .ok()
    }

    fn load_rules(&mut self, rules: &mut Vec<Rule>) {
        let Some(table) = self.parse() else { return };
        let whole = table.span();
        let mut found_rules = false;
        for (key, value) in table.into_inner() {
            if key.get_ref() != "rule" {
                let help = did_you_mean(key.get_ref(), ["rule"])
                    .or(Some("rules are `[[rule]]` tables".to_owned()));
                self.fail_with(
                    codes::PACK_UNKNOWN_KEY,
                    key.span(),
                    format!("unknown key `{}` at the top of a rule file", key.get_ref()),
                    help,
                );
                continue;
            }
            found_rules = true;
            let span = value.span();
            let DeValue::Array(items) = value.into_inner() else {
                self.fail(
                    span,
                    "expected `[[rule]]` tables, but found a single value".to_owned(),
                    None,
                );
                continue;
            };
            for item in items {
                if let Some(rule) = self.load_rule(item) {
                    rules.push(rule);
                }
            }
        }
        if !found_rules {
            self.fail(
                whole.start..whole.start,
                "a rule file must define at least one `[[rule]]`".to_owned(),
                None,
            );
        }
    }

    fn load_rule(&mut self, item: Spanned<DeValue<'a>>) -> Option<Rule> {
        let span = item.span();
        let DeValue::Table(mut table) = item.into_inner() else {
            self.fail(span, "expected a `[[rule]]` table".to_owned(), None);
            return None;
        };
        let params = table.remove("params");
        let wire: Option<wire::Rule> =
            self.deserialize(Spanned::new(span.clone(), DeValue::Table(table)));
        let wire = wire?;
        let location = self.location(wire.id.span());
        if !valid_id(wire.id.get_ref()) {
            self.fail_with(
                codes::PACK_BAD_RULE_ID,
                wire.id.span(),
                format!(
                    "rule id `{}` must be lowercase letters, digits, `.`, `-` or `_`, starting with a letter",
                    wire.id.get_ref()
                ),
                None,
            );
        }
        let severity = Severity::from_name(wire.severity.get_ref());
        if severity.is_none() {
            let known = ["info", "warning", "error"];
            let help = did_you_mean(wire.severity.get_ref(), known);
            self.fail(
                wire.severity.span(),
                format!(
                    "expected a severity of {}, but found `{}`",
                    ticked(&known),
                    wire.severity.get_ref()
                ),
                help,
            );
        }
        let select = self.selector(wire.select);
        let check = self.check(&wire.check, params, span);
        Some(Rule {
            id: wire.id.into_inner(),
            title: wire.title.into_inner(),
            description: wire.description,
            severity: severity?,
            select: select?,
            check: check?,
            location,
        })
    }

    fn selector(&mut self, wire: wire::Selector) -> Option<Selector> {
        let mut ok = true;
        let mut kinds = Vec::new();
        for k in &wire.kinds {
            match self.kind(k) {
                Some(kind) => kinds.push(kind),
                None => ok = false,
            }
        }
        let mut partner_types = Vec::new();
        for t in &wire.partner_types {
            match PartnerType::parse(t.get_ref()) {
                Ok(pt) => partner_types.push(pt),
                Err((message, help)) => {
                    self.fail(t.span(), message, help);
                    ok = false;
                }
            }
        }
        ok.then_some(Selector {
            kinds,
            partner_types,
            regions: wire.regions,
        })
    }

    /// A record kind. Kinds beyond the five standard ones are allowed (they reach scripts),
    /// but a near miss of a standard one is a typo that would leave a rule silently dead.
    pub(crate) fn kind(&mut self, name: &Spanned<String>) -> Option<Kind> {
        let kind = Kind::from_name(name.get_ref());
        if let Kind::Other(other) = &kind {
            if let Some(help) = did_you_mean(other, Kind::KNOWN.iter().copied()) {
                self.fail(
                    name.span(),
                    format!("`{other}` is not a standard record kind"),
                    Some(help),
                );
                return None;
            }
        }
        Some(kind)
    }

    /// Reads a rule's `[rule.params]` (an empty table when there is none).
    pub(crate) fn params<T: DeserializeOwned>(
        &mut self,
        params: Option<Spanned<DeValue<'_>>>,
        rule: &Range<usize>,
    ) -> Option<T> {
        let params =
            params.unwrap_or_else(|| Spanned::new(rule.clone(), DeValue::Table(DeTable::new())));
        self.deserialize(params)
    }

    fn check(
        &mut self,
        kind: &Spanned<String>,
        params: Option<Spanned<DeValue<'a>>>,
        rule: Range<usize>,
    ) -> Option<Check> {
        let name = kind.get_ref().as_str();
        Check::load(name, params, &rule, self).unwrap_or_else(|()| {
            let help = did_you_mean(name, Check::KINDS.iter().copied());
            self.fail_with(
                codes::PACK_UNKNOWN_CHECK_KIND,
                kind.span(),
                format!(
                    "unknown check kind `{name}`; expected one of {}",
                    ticked(Check::KINDS)
                ),
                help,
            );
            None
        })
    }

    /// A compile error inside a TOML string, placed at its line and column in the file.
    pub(crate) fn inline_error(&mut self, value: &Spanned<String>, e: CompileError) {
        let span = value.span();
        let cooked = crate::diag::offset_of(value.get_ref(), e.line.max(1), e.column.max(1));
        let raw = self.text.get(span.clone()).unwrap_or("");
        let offset = (span.start + raw_offset(raw, cooked)).min(span.end);
        let message = format!("rhai: {}", e.message);
        self.fail_with(codes::SCRIPT_COMPILE, offset..offset + 1, message, None);
    }

    /// Reads and compiles a script file named by a rule.
    pub(crate) fn script(&mut self, path: &Spanned<String>) -> Option<crate::script::Script> {
        let compiler = self.compiler?;
        let relative = Path::new(path.get_ref());
        let inside = relative
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !inside || relative.extension().is_none_or(|x| x != "rhai") {
            let message = format!(
                "script `{}` must be a `.rhai` file inside the pack folder, named relative to it",
                path.get_ref()
            );
            let code = if inside {
                codes::PACK_BAD_PARAM
            } else {
                codes::PACK_OUTSIDE
            };
            self.fail_with(code, path.span(), message, None);
            return None;
        }
        if !self.source.is_file(relative) {
            self.fail_with(
                codes::PACK_MISSING_SCRIPT,
                path.span(),
                format!(
                    "script `{}` does not exist in `{}`",
                    path.get_ref(),
                    self.source.root().display()
                ),
                None,
            );
            return None;
        }
        let (file, text) = self.source.read(relative, self.errors)?;
        compiler
            .script(&file, std::sync::Arc::clone(&text))
            .map_err(|e| {
                let offset = crate::diag::offset_of(&text, e.line.max(1), e.column.max(1));
                let location = Location::from_span(&file, &text, offset..offset + 1);
                self.errors.push(
                    Diagnostic::new(location, format!("rhai: {}", e.message))
                        .with_code(codes::SCRIPT_COMPILE),
                );
            })
            .ok()
    }

    /// A fraction from 0 up to (not including) 1.
    pub(crate) fn fraction(&mut self, text: &Spanned<String>) -> Option<Decimal> {
        match parse_decimal(text.get_ref()) {
            Ok(d) if d >= Decimal::ZERO && d < Decimal::ONE => Some(d),
            Ok(d) => {
                let message = format!(
                    "expected a fraction from 0 up to (not including) 1 such as `0.05`, but found `{d}`"
                );
                self.fail_with(codes::PACK_BAD_PARAM, text.span(), message, None);
                None
            }
            Err(e) => {
                self.fail_with(codes::PACK_BAD_PARAM, text.span(), e, None);
                None
            }
        }
    }

    /// A number of days from `least` to 36600.
    pub(crate) fn days(&mut self, days: &Spanned<i64>, least: i64) -> Option<i64> {
        let n = *days.get_ref();
        if n < least || n > 36_600 {
            self.fail_with(
                codes::PACK_BAD_PARAM,
                days.span(),
                format!("expected a number of days from {least} to 36600, but found `{n}`"),
                None,
            );
            return None;
        }
        Some(n)
    }
}

/// Byte offset in `raw`, a TOML string as written (quotes included), of the character at
/// byte `target` of the string's value: escapes, the newline that opens a multi-line
/// string and line-ending backslashes are walked over, so an error inside a condition
/// points at the right place in the rule file.
fn raw_offset(raw: &str, target: usize) -> usize {
    let multi = raw.starts_with("\"\"\"") || raw.starts_with("'''");
    let escapes = raw.starts_with('"');
    let mut i = if multi { 3 } else { 1 };
    if multi {
        let rest = raw.get(i..).unwrap_or("");
        i += if rest.starts_with("\r\n") {
            2
        } else {
            usize::from(rest.starts_with('\n'))
        };
    }
    let mut cooked = 0;
    loop {
        let rest = raw.get(i..).unwrap_or("");
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        let escape = escapes && c == '\\';
        let next = chars.next();
        // A line-ending backslash swallows the newline and the blanks after it, and
        // stands for nothing in the value.
        if escape && multi && next.is_some_and(char::is_whitespace) {
            let blank = rest.get(1..).unwrap_or("");
            i += 1 + blank.len() - blank.trim_start().len();
            continue;
        }
        if cooked >= target {
            break;
        }
        (i, cooked) = match (escape, next) {
            (false, _) => (i + c.len_utf8(), cooked + c.len_utf8()),
            (true, Some('u')) => (i + 6, cooked + 1),
            (true, Some('U')) => (i + 10, cooked + 1),
            (true, _) => (i + 2, cooked + 1),
        };
    }
    i.min(raw.len())
}

fn valid_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

/// serde words an unknown key as "unknown field `x`, expected one of `a`, `b`"; turn that
/// into a "did you mean" hint when one of the expected keys is close.
pub(crate) fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(unknown, known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_from_serde_messages() {
        let m = "unknown field `severty`, expected one of `id`, `title`, `severity`";
        assert_eq!(
            unknown_key_hint(m).as_deref(),
            Some("did you mean `severity`?")
        );
        assert_eq!(unknown_key_hint("missing field `id`"), None);
    }

    #[test]
    fn raw_offsets_walk_over_escapes() {
        // `x` is byte 5 of the value `a\"b" x` and byte 8 of the string as written.
        assert_eq!(raw_offset(r#""a\"b\" x""#, 5), 8);
        assert_eq!(raw_offset("'a\\b x'", 4), 5);
        // The newline after `"""` is not part of the value.
        assert_eq!(raw_offset("\"\"\"\nab\ncd\"\"\"", 3), 7);
        // A line-ending backslash swallows the newline and the indentation.
        assert_eq!(raw_offset("\"\"\"ab \\\n    cd\"\"\"", 3), 12);
    }

    #[test]
    fn packs_in_memory_load_like_folders_and_name_their_files() {
        let manifest = "name = \"m\"\nversion = \"1\"\n";
        let rule = "[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"warning\"\ncheck = \"script\"\nparams = { file = \"scripts/a.rhai\" }\n";
        let files = |script: &str| {
            [
                ("./pack.toml", manifest),
                ("a.toml", rule),
                ("scripts/a.rhai", script),
                ("tests/a.toml", "not a rule file"),
            ]
            .map(|(p, t)| (PathBuf::from(p), t.to_owned()))
        };
        let pack = Pack::from_files("mem", files("fn check(record) { [] }")).unwrap();
        assert_eq!((pack.name(), pack.dir()), ("m", Path::new("mem")));
        assert_eq!(pack.rules().len(), 1);
        let e = Pack::from_files("mem", files("let = ;")).unwrap_err();
        let d = e.diagnostics().first().unwrap();
        assert_eq!(d.location().file(), Path::new("mem/scripts/a.rhai"));
        let e = Pack::from_files("mem", Vec::new()).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("mem/pack.toml") && text.contains("no rule files"),
            "{text}"
        );
    }

    #[test]
    fn rule_ids_are_plain() {
        assert!(valid_id("price.min-list"));
        assert!(!valid_id("Price"));
        assert!(!valid_id(""));
        assert!(!valid_id("a b"));
    }
}
