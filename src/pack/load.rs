//! Loading a pack: parse every file, convert the wire structs into [`Rule`]s, and collect
//! every problem (with file, line and column) before giving up.

use super::{Check, Pack, Profile, Rule, RuleOverride, Selector, Settings, Severity, wire};
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
        load(
            &Source::Dir {
                dir: dir.to_path_buf(),
                real,
            },
            None,
            &[],
        )
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
        from_memory(name, files, None)
    }

    /// Loads a layered pack held in memory over `base`, as [`Pack::from_files`] does a
    /// pack: its rules are added to the base's, its manifest's `[override."id"]` tables
    /// change the base's rules, and its `extends` key, if any, is not resolved (`base`
    /// is the base).
    pub fn from_files_extending(
        name: &str,
        files: impl IntoIterator<Item = (PathBuf, String)>,
        base: &Pack,
    ) -> Result<Pack, LoadError> {
        from_memory(name, files, Some(base))
    }
}

/// A pack (or a layer over `base`) from `(path, text)` pairs, paths made relative to the
/// pack's root.
fn from_memory(
    name: &str,
    files: impl IntoIterator<Item = (PathBuf, String)>,
    base: Option<&Pack>,
) -> Result<Pack, LoadError> {
    let files = files
        .into_iter()
        .map(|(path, text)| (normal(&path), text))
        .collect();
    load(
        &Source::Memory {
            root: PathBuf::from(name),
            files,
        },
        base,
        &[],
    )
}

/// How many packs a chain of `extends` may hold, the layer included.
pub const MAX_EXTENDS_DEPTH: usize = 8;

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

fn load(source: &Source, given: Option<&Pack>, chain: &[PathBuf]) -> Result<Pack, LoadError> {
    let dir = source.root();
    let mut errors = LoadError::default();
    let manifest = load_manifest(source, &mut errors);
    let base = match (given, &manifest) {
        (Some(base), _) => Some(Arc::new(base.clone())),
        (None, Some(m)) => m
            .extends
            .as_ref()
            .and_then(|e| load_base(source, e, chain, &mut errors))
            .map(Arc::new),
        (None, None) => None,
    };
    let limits = match (&manifest, &base) {
        (Some(m), _) if m.limits_given => m.limits,
        (_, Some(b)) => *b.limits(),
        (Some(m), None) => m.limits,
        (None, None) => Limits::DEFAULT,
    };
    // A layer's report currency replaces its base's; its jurisdictions are added over its
    // base's, one by one.
    let settings = {
        let base = base.as_ref().map(|b| b.settings());
        let currency = manifest
            .as_ref()
            .and_then(|m| m.report_currency)
            .or(base.map(Settings::report_currency))
            .unwrap_or(crate::currency::Currency::USD);
        let mut jurisdictions = base.map(|b| b.jurisdictions().clone()).unwrap_or_default();
        if let Some(m) = &manifest {
            jurisdictions.extend(m.jurisdictions.iter().map(|(k, v)| (k.clone(), *v)));
        }
        Settings::new(currency, jurisdictions)
    };
    let compiler = Compiler::new(&limits);
    let rule_files = source.rule_files().map_err(|e| {
        let message = format!("cannot list rule pack folder `{}`: {e}", dir.display());
        LoadError::from(
            Diagnostic::new(Location::new(dir, 0, 0), message).with_code(codes::PACK_UNREADABLE),
        )
    })?;
    // A layer may only change its base, with no rules of its own.
    let extends = base.is_some() || manifest.as_ref().is_some_and(|m| m.extends.is_some());
    if rule_files.is_empty() && !extends {
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
    let added: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
    let mut overrides = Vec::new();
    if let Some(m) = &manifest {
        let mut base_rules = base.as_ref().map(|b| b.rules().to_vec());
        load_overrides(
            source,
            m,
            base_rules.as_mut(),
            &compiler,
            &mut overrides,
            &mut errors,
        );
        if let Some(mut base_rules) = base_rules {
            for rule in &rules {
                if let Some(original) = base_rules.iter().find(|b| b.id == rule.id) {
                    errors.push(
                        Diagnostic::new(
                            rule.location.clone(),
                            format!("duplicate rule id `{}`: the base pack has it", rule.id),
                        )
                        .with_code(codes::DUPLICATE_RULE_ID)
                        .with_help(Some(format!(
                            "to change the base rule, write `[override.\"{}\"]` in `{MANIFEST}`",
                            rule.id
                        )))
                        .with_related(original.location.clone(), "defined in the base pack"),
                    );
                }
            }
            let disabled: Vec<&str> = overrides
                .iter()
                .filter(|o: &&RuleOverride| o.disable)
                .map(|o| o.id.as_str())
                .collect();
            base_rules.retain(|r| !disabled.contains(&r.id.as_str()));
            base_rules.append(&mut rules);
            rules = base_rules;
        }
    }
    let manifest = manifest.unwrap_or_default();
    let own_hash = crate::digest::pack_hash(dir, errors.sources());
    let hash = match &base {
        // The layer's files and its base's hash: an edit of either changes it. The name
        // has a NUL, so no file of the layer can take its place.
        Some(base) => crate::digest::layered_hash(dir, errors.sources(), base.hash()),
        None => own_hash.clone(),
    };
    let test_data = manifest.test_data.or_else(|| {
        base.as_ref()
            .and_then(|b| b.test_data().map(Path::to_path_buf))
    });
    let case_files = match source {
        Source::Dir { .. } => None,
        Source::Memory { files, .. } => Some(
            files
                .iter()
                .filter(|(p, _)| {
                    p.parent() == Some(Path::new(crate::testing::TESTS_DIR))
                        && p.extension().is_some_and(|x| x == "toml")
                })
                .map(|(p, text)| (p.clone(), text.clone()))
                .collect(),
        ),
    };
    errors.into_result(Pack {
        hash,
        own_hash,
        case_files,
        name: manifest.name,
        version: manifest.version,
        description: manifest.description,
        dir: dir.to_path_buf(),
        rules,
        limits,
        settings,
        test_data,
        base,
        overrides,
        added,
    })
}

/// Loads the base pack a folder's manifest `extends`, with the same checks as any pack
/// (its files must lie inside its own folder); its problems name its own files. `None`
/// when it cannot be loaded (the problems are in `errors`).
fn load_base(
    source: &Source,
    extends: &(String, Location),
    chain: &[PathBuf],
    errors: &mut LoadError,
) -> Option<Pack> {
    let (path, location) = extends;
    let fail = |errors: &mut LoadError, code, message: String| {
        errors.push(Diagnostic::new(location.clone(), message).with_code(code));
    };
    let Source::Dir { dir, real } = source else {
        fail(
            errors,
            codes::PACK_EXTENDS_MISSING,
            format!(
                "the pack in memory `{}` extends `{path}`, but no base pack was given (see `Pack::from_files_extending`)",
                source.root().display()
            ),
        );
        return None;
    };
    let base_dir = dir.join(path);
    let Ok(base_real) = std::fs::canonicalize(&base_dir)
        .map_err(|_| ())
        .and_then(|r| if r.is_dir() { Ok(r) } else { Err(()) })
    else {
        fail(
            errors,
            codes::PACK_EXTENDS_MISSING,
            format!(
                "`extends` names `{path}`, but `{}` is not a rule pack folder",
                base_dir.display()
            ),
        );
        return None;
    };
    let mut chain = chain.to_vec();
    chain.push(real.clone());
    if chain.contains(&base_real) {
        fail(
            errors,
            codes::PACK_EXTENDS_CYCLE,
            format!("`extends` names `{path}`, which leads back to a pack already in the chain"),
        );
        return None;
    }
    if chain.len() >= MAX_EXTENDS_DEPTH {
        fail(
            errors,
            codes::PACK_EXTENDS_TOO_DEEP,
            format!("`extends` chains more than {MAX_EXTENDS_DEPTH} packs"),
        );
        return None;
    }
    let base_source = Source::Dir {
        dir: base_dir.clone(),
        real: base_real,
    };
    match load(&base_source, None, &chain) {
        Ok(base) => Some(base),
        Err(e) => {
            for d in e.diagnostics() {
                errors.push(d.clone());
            }
            for (file, text) in e.sources() {
                errors.add_source(file, Arc::from(text));
            }
            fail(
                errors,
                codes::PACK_EXTENDS_MISSING,
                format!("the base pack `{}` does not load", base_dir.display()),
            );
            None
        }
    }
}

/// Reads the manifest's `[override."id"]` tables and applies them to `base` (the base
/// pack's rules; `None` when the pack extends nothing, so an override is an error).
fn load_overrides(
    source: &Source,
    manifest: &ManifestInfo,
    mut base: Option<&mut Vec<Rule>>,
    compiler: &Compiler,
    overrides: &mut Vec<RuleOverride>,
    errors: &mut LoadError,
) {
    let Some((file, text)) = &manifest.text else {
        return;
    };
    let mut loader = FileLoader::new(file, text, errors, source, Some(compiler));
    let Some(table) = loader.parse() else { return };
    let mut table = table.into_inner();
    let Some(value) = table.remove("override") else {
        return;
    };
    let span = value.span();
    let Some(base) = base.as_mut() else {
        if manifest.extends.is_some() {
            // The base did not load; that is reported already.
            return;
        }
        loader.fail(
            span,
            "`override` changes the rules of a base pack, but this pack has no `extends`"
                .to_owned(),
            None,
        );
        return;
    };
    let DeValue::Table(items) = value.into_inner() else {
        loader.fail(
            span,
            "expected `[override.\"rule.id\"]` tables".to_owned(),
            None,
        );
        return;
    };
    for (key, value) in items {
        let id = key.get_ref().to_string();
        let Some(rule) = base.iter_mut().find(|r| r.id == id) else {
            let help = did_you_mean(&id, base.iter().map(|r| r.id.as_str()));
            loader.fail_with(
                codes::PACK_UNKNOWN_OVERRIDE,
                key.span(),
                format!("`override` names rule `{id}`, which the base pack does not have"),
                help,
            );
            continue;
        };
        let span = value.span();
        let DeValue::Table(mut fields) = value.into_inner() else {
            loader.fail(
                span,
                format!("expected a table of changes for `{id}`"),
                None,
            );
            continue;
        };
        let params = fields.remove("params");
        let wire: Option<wire::Override> =
            loader.deserialize(Spanned::new(span.clone(), DeValue::Table(fields)));
        let Some(wire) = wire else { continue };
        let location = loader.location(key.span());
        let mut change = RuleOverride {
            id: id.clone(),
            severity: None,
            select: wire.select.is_some(),
            params: params.is_some(),
            disable: wire.disable,
            location,
        };
        if !wire.disable && wire.severity.is_none() && !change.select && !change.params {
            loader.fail(
                key.span(),
                format!("the override of `{id}` changes nothing; give `severity`, `select`, `params` or `disable = true`"),
                None,
            );
            continue;
        }
        let mut ok = true;
        let mut severity = None;
        if let Some(s) = &wire.severity {
            severity = Severity::from_name(s.get_ref());
            if severity.is_none() {
                let known = ["info", "warning", "error"];
                let help = did_you_mean(s.get_ref(), known);
                loader.fail(
                    s.span(),
                    format!(
                        "expected a severity of {}, but found `{}`",
                        ticked(&known),
                        s.get_ref()
                    ),
                    help,
                );
                ok = false;
            }
        }
        let select = wire.select.map(|w| loader.selector(w));
        if matches!(select, Some(None)) {
            ok = false;
        }
        let mut params = params;
        let check = match loader.rebind_policy(&rule.check, &mut params) {
            Some(Some(check)) => Some(check),
            Some(None) => {
                ok = false;
                None
            }
            None => match params {
                Some(p) => match Check::load(rule.check.kind_name(), Some(p), &span, &mut loader) {
                    Ok(Some(check)) => Some(check),
                    _ => {
                        ok = false;
                        None
                    }
                },
                None => None,
            },
        };
        if !ok {
            continue;
        }
        if let Some(to) = severity {
            change.severity = Some((rule.severity, to));
            rule.severity = to;
        }
        if let Some(Some(select)) = select {
            rule.select = select;
        }
        if let Some(check) = check {
            rule.check = check;
        }
        overrides.push(change);
    }
}

/// What the manifest says, validated.
#[derive(Default)]
struct ManifestInfo {
    name: String,
    version: String,
    description: String,
    limits: Limits,
    /// Whether the manifest has a `[limits]` table (else a layer takes its base's).
    limits_given: bool,
    test_data: Option<PathBuf>,
    /// `extends`, with where it is written.
    extends: Option<(String, Location)>,
    /// `report_currency`, when given (and valid).
    report_currency: Option<crate::currency::Currency>,
    /// `[jurisdictions]`, the valid entries.
    jurisdictions: BTreeMap<String, Profile>,
    /// The manifest's file and text, read again for its `[override]` tables.
    text: Option<(PathBuf, Arc<str>)>,
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
    let span = table.span();
    let mut table = table.into_inner();
    // Read apart, once the base is loaded (`load_overrides`).
    table.remove("override");
    let manifest: wire::Manifest = loader.deserialize(Spanned::new(span, DeValue::Table(table)))?;
    for field in [&manifest.name, &manifest.version] {
        if field.get_ref().trim().is_empty() {
            loader.fail(field.span(), "must not be empty".to_owned(), None);
        }
    }
    let limits_given = manifest.limits.is_some();
    let extends = manifest
        .extends
        .map(|e| (e.get_ref().clone(), loader.location(e.span())));
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
    let report_currency = manifest.report_currency.and_then(|c| {
        crate::currency::Currency::new(c.get_ref())
            .map_err(|e| {
                let message = format!("`report_currency`: {e}");
                loader.fail(c.span(), message, None);
            })
            .ok()
    });
    let mut jurisdictions = BTreeMap::new();
    for (name, profile) in manifest.jurisdictions.unwrap_or_default() {
        if name.trim().is_empty() {
            let message = "`jurisdictions`: a jurisdiction's name must not be empty".to_owned();
            loader.fail(profile.span(), message, None);
            continue;
        }
        match Profile::from_name(profile.get_ref()) {
            Some(p) => {
                jurisdictions.insert(name, p);
            }
            None => {
                let known = Profile::ALL.map(Profile::as_str);
                let help = did_you_mean(profile.get_ref(), known);
                let message = format!(
                    "`jurisdictions.{name}`: expected {}, but found `{}`",
                    ticked(&known).replace(", ", " or "),
                    profile.get_ref()
                );
                loader.fail(profile.span(), message, help);
            }
        }
    }
    Some(ManifestInfo {
        name: manifest.name.into_inner(),
        version: manifest.version.into_inner(),
        description: manifest.description,
        limits,
        limits_given,
        test_data,
        extends,
        report_currency,
        jurisdictions,
        text: Some((file.clone(), Arc::clone(&text))),
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
    /// The policy parameters of the rule being read (see [`CheckKind::OWN_KEYS`]).
    ///
    /// [`CheckKind::OWN_KEYS`]: crate::checks::CheckKind::OWN_KEYS
    policy_params: Option<crate::script::Params>,
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
            policy_params: None,
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

    /// Takes the keys of `params` that are not in `own` out as the policy's parameters,
    /// typed, for [`FileLoader::take_policy_params`]; a key a letter or two from an own
    /// key the rule leaves out is reported as the typo it is.
    pub(crate) fn split_policy_params(
        &mut self,
        params: &mut Option<Spanned<DeValue<'_>>>,
        own: &[&str],
    ) {
        let mut values = std::collections::BTreeMap::new();
        let mut ok = true;
        if let Some(params) = params.as_mut() {
            if let DeValue::Table(table) = params.get_mut() {
                let policy: Vec<_> = table
                    .keys()
                    .filter(|k| !own.contains(&k.get_ref().as_ref()))
                    .cloned()
                    .collect();
                // Only an own key the rule leaves out can be what a near miss meant.
                let missing: Vec<&str> = own
                    .iter()
                    .copied()
                    .filter(|k| !table.contains_key(*k))
                    .collect();
                for key in policy {
                    let Some(value) = table.remove(&key) else {
                        continue;
                    };
                    let name = key.get_ref().to_string();
                    if let Some(help) = did_you_mean(&name, missing.iter().copied()) {
                        self.fail_with(
                            codes::PACK_UNKNOWN_KEY,
                            key.span(),
                            format!("`{name}` is not a key of this check, and reads as a misspelling of one"),
                            Some(format!("{help} (other keys are the policy's `params`)")),
                        );
                        ok = false;
                        continue;
                    }
                    match crate::script::param_from_toml(value) {
                        Ok(v) => {
                            values.insert(name, v);
                        }
                        Err((span, message)) => {
                            self.fail_with(codes::PACK_BAD_PARAM, span, message, None);
                            ok = false;
                        }
                    }
                }
            }
        }
        self.policy_params = ok.then(|| crate::script::Params::new(values));
    }

    /// The policy parameters [`FileLoader::split_policy_params`] took out; `None` when one
    /// of them could not be read (already reported).
    pub(crate) fn take_policy_params(&mut self) -> Option<crate::script::Params> {
        self.policy_params.take()
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
    /// The rule's parameters (`None`: they could not be read, already reported) are bound
    /// to the script, and its uses of them checked.
    pub(crate) fn script(
        &mut self,
        path: &Spanned<String>,
        params: Option<crate::script::Params>,
    ) -> Option<crate::script::Script> {
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
        let script = compiler
            .script(&file, std::sync::Arc::clone(&text))
            .map_err(|e| self.script_error(&file, &text, e, codes::SCRIPT_COMPILE))
            .ok()?;
        self.bind_script(script, params?, path.span())
    }

    /// A script bound to a rule's parameters; a script that cannot take them, or a use of
    /// them in the script they cannot satisfy, is reported (at `at` and in the script).
    fn bind_script(
        &mut self,
        script: crate::script::Script,
        params: crate::script::Params,
        at: Range<usize>,
    ) -> Option<crate::script::Script> {
        if !params.is_empty() && !script.takes_params() {
            let names: Vec<&str> = params.names().collect();
            let message = format!(
                "the rule gives the parameters `{}`, but `{}` defines `fn check(record)`, which does not take them",
                names.join("`, `"),
                script.file().display()
            );
            let help =
                Some("write `fn check(record, params)` and read them as `params.NAME`".to_owned());
            self.fail_with(codes::PACK_BAD_PARAM, at, message, help);
            return None;
        }
        let (file, text) = (script.file().to_path_buf(), script.source().to_owned());
        script
            .with_params(params)
            .map_err(|errors| {
                for e in errors {
                    self.script_error(&file, &text, e, codes::SCRIPT_PARAMS);
                }
            })
            .ok()
    }

    /// A problem at a line and column of a script file.
    fn script_error(&mut self, file: &Path, text: &str, e: CompileError, code: &'static str) {
        let offset = crate::diag::offset_of(text, e.line.max(1), e.column.max(1));
        let location = Location::from_span(file, text, offset..offset + 1);
        self.errors
            .push(Diagnostic::new(location, format!("rhai: {}", e.message)).with_code(code));
    }

    /// A layer's `params` override of a policy rule that gives only parameters: the base's
    /// script or condition, bound to them. `None` (nothing reported) when the override
    /// gives one of the policy's own keys, and so replaces the params whole.
    pub(crate) fn rebind_policy(
        &mut self,
        check: &Check,
        params: &mut Option<Spanned<DeValue<'_>>>,
    ) -> Option<Option<Check>> {
        let own = check.own_keys()?;
        let span = params.as_ref()?.span();
        let DeValue::Table(table) = params.as_ref()?.get_ref() else {
            return None;
        };
        if own.iter().any(|k| table.contains_key(*k)) {
            return None;
        }
        self.split_policy_params(params, own);
        let Some(values) = self.take_policy_params() else {
            return Some(None);
        };
        Some(match check {
            Check::Script(script) => self
                .bind_script(script.clone(), values, span)
                .map(Check::Script),
            Check::Condition(condition) => {
                let text = condition.source().to_owned();
                match condition.clone().with_params(values) {
                    Ok(c) => Some(Check::Condition(c)),
                    Err(errors) => {
                        for e in errors {
                            let message = format!("rhai: in the condition `{text}`: {}", e.message);
                            self.fail_with(codes::SCRIPT_PARAMS, span.clone(), message, None);
                        }
                        None
                    }
                }
            }
            _ => None,
        })
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

    /// The pack `mem` with `manifest` (after the name and version) and one script rule.
    fn with_manifest(manifest: &str) -> Result<Pack, LoadError> {
        let rule = "[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"warning\"\ncheck = \"condition\"\nparams = { when = \"false\", message = \"m\" }\n";
        let files = [
            (
                "pack.toml",
                format!("name = \"m\"\nversion = \"1\"\n{manifest}"),
            ),
            ("a.toml", rule.to_owned()),
        ];
        Pack::from_files("mem", files.map(|(p, t)| (PathBuf::from(p), t)))
    }

    /// `(line, column, code, message)` of each problem loading `manifest`.
    fn manifest_problems(manifest: &str) -> Vec<(usize, usize, &'static str, String)> {
        with_manifest(manifest)
            .err()
            .map(|e| {
                e.diagnostics()
                    .iter()
                    .map(|d| {
                        let l = d.location();
                        assert_eq!(l.file(), Path::new("mem/pack.toml"));
                        (l.line(), l.column(), d.code(), d.message().to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn report_currency_defaults_to_usd_and_takes_an_iso_code() {
        let pack = with_manifest("").unwrap();
        assert_eq!(pack.settings().report_currency(), "USD");
        assert!(pack.settings().jurisdictions().is_empty());
        let pack = with_manifest("report_currency = \"EUR\"\n").unwrap();
        assert_eq!(pack.settings().report_currency(), "EUR");
        assert_eq!(
            manifest_problems("report_currency = \"usd\"\n"),
            [(
                3,
                19,
                codes::PACK_BAD_VALUE,
                "`report_currency`: expected a three-letter ISO 4217 code like `USD`, but found `usd`".to_owned()
            )]
        );
        assert_eq!(
            manifest_problems("report_currency = \"ZZZ\"\n"),
            [(
                3,
                19,
                codes::PACK_BAD_VALUE,
                "`report_currency`: `ZZZ` is not an ISO 4217 currency code".to_owned()
            )]
        );
    }

    #[test]
    fn jurisdictions_are_enforce_or_monitor_with_a_hint() {
        let pack = with_manifest("[jurisdictions]\nEU = \"monitor\"\nUS = \"enforce\"\n").unwrap();
        let s = pack.settings();
        assert_eq!(s.jurisdictions().get("EU"), Some(&Profile::Monitor));
        assert_eq!(s.profile("EU"), Profile::Monitor);
        assert_eq!(s.profile("US"), Profile::Enforce);
        assert_eq!(s.profile("JP"), Profile::Enforce);
        let problems = manifest_problems("[jurisdictions]\nEU = \"monitr\"\n");
        assert_eq!(
            problems,
            [(
                4,
                6,
                codes::PACK_BAD_VALUE,
                "`jurisdictions.EU`: expected `enforce` or `monitor`, but found `monitr`"
                    .to_owned()
            )]
        );
        let e = with_manifest("[jurisdictions]\nEU = \"monitr\"\n").unwrap_err();
        assert_eq!(
            e.diagnostics().first().and_then(|d| d.help()),
            Some("did you mean `monitor`?")
        );
        // Not a string: serde's message, at the value.
        let problems = manifest_problems("[jurisdictions]\nEU = 1\n");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].0, problems[0].2), (4, codes::PACK_BAD_VALUE));
        let problems = manifest_problems("jurisdiction = {}\n");
        assert_eq!(problems[0].2, codes::PACK_UNKNOWN_KEY, "{problems:?}");
    }

    #[test]
    fn a_state_takes_its_country_profile_unless_it_has_its_own_and_agents_are_enforced() {
        use crate::refdata::{Partner, PartnerType};
        let pack =
            with_manifest("[jurisdictions]\nUS = \"monitor\"\nUS-NY = \"enforce\"\n").unwrap();
        let s = pack.settings();
        assert_eq!(s.profile("US-CA"), Profile::Monitor);
        assert_eq!(s.profile("US-NY"), Profile::Enforce);
        assert_eq!(s.profile("USA"), Profile::Enforce);
        let partner = |t: PartnerType, j: Option<&str>| Partner {
            id: "P".into(),
            partner_type: t,
            region: "R".into(),
            status: "active".into(),
            contract_signed: None,
            nda_expires: None,
            certified_until: None,
            status_since: None,
            jurisdiction: j.map(str::to_owned),
        };
        assert_eq!(
            s.profile_of(&partner(PartnerType::Dealer, Some("US-CA"))),
            Profile::Monitor
        );
        assert_eq!(
            s.profile_of(&partner(PartnerType::Distributor, Some("US"))),
            Profile::Monitor
        );
        assert_eq!(
            s.profile_of(&partner(PartnerType::SalesAgent, Some("US"))),
            Profile::Enforce
        );
        assert_eq!(
            s.profile_of(&partner(PartnerType::Dealer, None)),
            Profile::Enforce
        );
    }

    #[test]
    fn a_layer_keeps_its_base_settings_unless_it_sets_its_own() {
        let base = with_manifest(
            "report_currency = \"EUR\"\n[jurisdictions]\nEU = \"monitor\"\nUS = \"monitor\"\n",
        )
        .unwrap();
        let layer = |manifest: &str| {
            let files = [(
                PathBuf::from("pack.toml"),
                format!("name = \"l\"\nversion = \"1\"\n{manifest}"),
            )];
            Pack::from_files_extending("layer", files, &base).unwrap()
        };
        let same = layer("");
        assert_eq!(same.settings(), base.settings());
        let changed = layer("report_currency = \"CAD\"\n[jurisdictions]\nUS = \"enforce\"\n");
        assert_eq!(changed.settings().report_currency(), "CAD");
        assert_eq!(changed.settings().profile("EU"), Profile::Monitor);
        assert_eq!(changed.settings().profile("US"), Profile::Enforce);
    }

    #[test]
    fn rule_ids_are_plain() {
        assert!(valid_id("price.min-list"));
        assert!(!valid_id("Price"));
        assert!(!valid_id(""));
        assert!(!valid_id("a b"));
    }
}
