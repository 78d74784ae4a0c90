//! `newshound extract PATH|URL...`: what the extractor makes of pages, for users asking why an
//! article did or did not match, and for measuring extraction over a whole folder in one process.
//!
//! Files are extracted on one thread per core; URLs are fetched with the daemon's fetcher and
//! limits (from the config when there is one).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context as _;
use serde::Serialize;
use url::Url;

use newshound::config::{self, DaemonSettings};
use newshound::extract::{decode_html, extract};
use newshound::fetch::{FetchOutcome, Fetcher, Origin, Validators};
use newshound::model::{Extracted, TextSource};

/// Arguments of `extract`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// HTML files, or http(s) URLs fetched with the daemon's limits.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// One JSON object per input: url, title, author, published, language, canonical_url,
    /// site_name, text, text_source.
    #[arg(long, conflicts_with = "output_dir")]
    json: bool,
    /// Write `<input file name>.txt` per input into this folder instead of printing.
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
}

/// Extracts every input; fails when one of them failed.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let output = match (args.json, args.output_dir) {
        (_, Some(dir)) => Output::Folder(dir),
        (true, None) => Output::Json,
        (false, None) => Output::Text,
    };
    let fetcher = if args
        .inputs
        .iter()
        .any(|i| i.starts_with("http://") || i.starts_with("https://"))
    {
        Some(fetcher_for_cli(config_path)?)
    } else {
        None
    };
    let failed = extract_inputs(&args.inputs, &output, fetcher.as_ref())?;
    Ok(super::exit_code(failed == 0))
}

/// The fetcher for URLs named on the command line: the config's limits when there is a config
/// file, the defaults otherwise (extracting a page should not need a config).
fn fetcher_for_cli(path: &Path) -> anyhow::Result<Fetcher> {
    let daemon = if path.exists() {
        match config::load(path) {
            Ok(config) => config.daemon,
            Err(errors) => anyhow::bail!("{errors}"),
        }
    } else {
        DaemonSettings::defaults(Path::new("."))
    };
    Ok(Fetcher::new(daemon.fetch_settings())?)
}

/// How the results are written.
#[derive(Debug, Clone)]
enum Output {
    /// Plain text on stdout, inputs separated by a header line when there are several.
    Text,
    /// One JSON object per input and line on stdout.
    Json,
    /// `<input file name>.txt` per input in this folder.
    Folder(PathBuf),
}

/// One input on the command line.
#[derive(Debug, Clone)]
enum Input {
    File(PathBuf),
    Url(Url),
}

impl Input {
    fn parse(arg: &str) -> Input {
        match Url::parse(arg) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Input::Url(url),
            Ok(url) if url.scheme() == "file" => url
                .to_file_path()
                .map_or_else(|()| Input::File(arg.into()), Input::File),
            _ => Input::File(arg.into()),
        }
    }

    /// The name of the output file: the input's file name, or the URL's last path segment.
    fn output_name(&self) -> String {
        let name = match self {
            Input::File(path) => path.file_name().map(|n| n.to_string_lossy().into_owned()),
            Input::Url(url) => url
                .path_segments()
                .and_then(|mut segments| segments.rfind(|s| !s.is_empty()).map(str::to_owned))
                .or_else(|| url.host_str().map(str::to_owned)),
        };
        let name = name.unwrap_or_else(|| "page".into());
        let safe: String = name
            .chars()
            .map(|c| {
                if c == '/' || c == '\\' || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        format!("{safe}.txt")
    }

    fn label(&self) -> String {
        match self {
            Input::File(path) => path.display().to_string(),
            Input::Url(url) => url.to_string(),
        }
    }
}

/// What `--json` prints for one input.
#[derive(Serialize)]
struct JsonPage<'a> {
    url: &'a str,
    title: Option<&'a str>,
    author: Option<&'a str>,
    published: Option<String>,
    language: Option<&'a str>,
    canonical_url: Option<&'a str>,
    site_name: Option<&'a str>,
    text: &'a str,
    text_source: &'static str,
}

/// Extracts every input and writes the results; returns how many inputs failed (each failure
/// is reported on stderr and the others go on).
fn extract_inputs(
    args: &[String],
    output: &Output,
    fetcher: Option<&Fetcher>,
) -> anyhow::Result<usize> {
    let inputs: Vec<Input> = args.iter().map(|a| Input::parse(a)).collect();
    if let Output::Folder(dir) = output {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let results = extract_all(&inputs, fetcher)?;
    let mut failed = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (index, (input, result)) in inputs.iter().zip(results).enumerate() {
        match result {
            Ok((url, page)) => {
                write_result(&mut out, output, input, &url, &page, index, inputs.len())?
            }
            Err(error) => {
                failed += 1;
                eprintln!("newshound: {}: {error:#}", input.label());
            }
        }
    }
    Ok(failed)
}

type PageResult = anyhow::Result<(Url, Extracted)>;

/// Files on one thread per core, URLs through the fetcher; results in input order.
fn extract_all(inputs: &[Input], fetcher: Option<&Fetcher>) -> anyhow::Result<Vec<PageResult>> {
    let mut results: Vec<Option<PageResult>> = inputs.iter().map(|_| None).collect();
    let files: Vec<(usize, &Path)> = inputs
        .iter()
        .enumerate()
        .filter_map(|(i, input)| match input {
            Input::File(path) => Some((i, path.as_path())),
            Input::Url(_) => None,
        })
        .collect();
    for (i, result) in extract_files(&files) {
        results[i] = Some(result);
    }
    let urls: Vec<(usize, &Url)> = inputs
        .iter()
        .enumerate()
        .filter_map(|(i, input)| match input {
            Input::Url(url) => Some((i, url)),
            Input::File(_) => None,
        })
        .collect();
    if !urls.is_empty() {
        let fetcher = fetcher.context("no fetcher for URL inputs")?;
        let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
        for (i, url) in urls {
            results[i] = Some(runtime.block_on(fetch_and_extract(fetcher, url)));
        }
    }
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(anyhow::anyhow!("not processed"))))
        .collect())
}

fn extract_files(files: &[(usize, &Path)]) -> Vec<(usize, PageResult)> {
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    while let Some(&(i, path)) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                        done.push((i, extract_file(path)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

fn extract_file(path: &Path) -> PageResult {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let url = Url::from_file_path(&absolute)
        .map_err(|()| anyhow::anyhow!("{} is not a usable file path", path.display()))?;
    let html = decode_html(&bytes, None);
    let page = extract(&html, &url);
    Ok((url, page))
}

async fn fetch_and_extract(fetcher: &Fetcher, url: &Url) -> PageResult {
    let fetched = match fetcher
        .fetch(url, Origin::CommandLine, &Validators::default())
        .await?
    {
        FetchOutcome::Fetched(page) => page,
        FetchOutcome::NotModified { .. } => anyhow::bail!("unexpected 304 Not Modified"),
    };
    if !fetched.is_html() {
        anyhow::bail!(
            "not an HTML page ({})",
            fetched.content_type.as_deref().unwrap_or_default()
        );
    }
    let html = decode_html(&fetched.body, fetched.charset.as_deref());
    let page = extract(&html, &fetched.final_url);
    Ok((fetched.final_url, page))
}

fn write_result(
    out: &mut impl Write,
    output: &Output,
    input: &Input,
    url: &Url,
    page: &Extracted,
    index: usize,
    count: usize,
) -> anyhow::Result<()> {
    match output {
        Output::Text => {
            if count > 1 {
                if index > 0 {
                    writeln!(out)?;
                }
                writeln!(out, "==> {} <==", input.label())?;
            }
            writeln!(out, "{}", page.text)?;
        }
        Output::Json => {
            let json = JsonPage {
                url: url.as_str(),
                title: page.title.as_deref(),
                author: page.author.as_deref(),
                published: page.published_at.map(|t| t.to_rfc3339()),
                language: page.language.as_deref(),
                canonical_url: page.canonical_url.as_ref().map(Url::as_str),
                site_name: page.site_name.as_deref(),
                text: &page.text,
                text_source: TextSource::Page.as_str(),
            };
            writeln!(out, "{}", serde_json::to_string(&json)?)?;
        }
        Output::Folder(dir) => {
            let path = dir.join(input.output_name());
            std::fs::write(&path, format!("{}\n", page.text))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}
