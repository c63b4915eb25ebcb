//! The generator against a copy of the real site in a temporary folder.

use std::fs;
use std::path::{Path, PathBuf};

/// Asserts that `$root/$path` exists and contains each of the strings.
macro_rules! file_contains {
    ($root:expr, $path:expr, $($needle:expr),+ $(,)?) => {{
        let path = $root.join($path);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        $(assert!(text.contains($needle), "{} lacks {:?}", path.display(), $needle);)+
    }};
}

/// Asserts that `$root/$path` does not contain the string.
macro_rules! file_lacks {
    ($root:expr, $path:expr, $needle:expr) => {{
        let path = $root.join($path);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!text.contains($needle), "{} contains {:?}", path.display(), $needle);
    }};
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A copy of the real site (config.toml and content/) in a fresh temporary folder.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::copy(repo().join("config.toml"), dir.path().join("config.toml")).expect("config");
    copy_dir(&repo().join("config"), &dir.path().join("config"));
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    dir
}

fn build(root: &Path) -> PathBuf {
    let out = root.join("public");
    let report = site::build(root, &out).expect("build succeeds");
    assert_eq!(report.pages, 16);
    out
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn every_page_of_the_notice_is_built() {
    let dir = fixture();
    let out = build(dir.path());
    for (path, title) in [
        ("index.html", "2025年度内蒙古自治区专业技术人才特殊培养工作"),
        ("notice/index.html", "通知全文"),
        ("categories/index.html", "培养类别和方式"),
        ("scope/index.html", "选拔范围"),
        ("principles/index.html", "选拔原则"),
        ("criteria/index.html", "选拔条件"),
        ("quota/index.html", "名额"),
        ("funding/index.html", "经费"),
        ("process/index.html", "申报流程与时间"),
        ("contact/index.html", "联系方式"),
        ("apply/index.html", "在线申报"),
        ("check/index.html", "资格自测"),
        ("status/index.html", "申报进度查询"),
        ("404.html", "页面不存在"),
    ] {
        file_contains!(out, path, &format!("<h1>{title}</h1>"), "<html lang=\"zh-CN\">", "name=\"viewport\"");
    }
    // The notice in full: every section, the signature, the date and the closing lines.
    file_contains!(
        out,
        "notice/index.html",
        "一、培养类别和方式",
        "八、相关要求",
        "人社部发〔2024〕61号",
        "3.68万元",
        "1819448970@qq.com",
        "内蒙古自治区人力资源和社会保障厅<br>2025年3月13日",
        "（此件主动公开）",
        "（联系单位：专业技术人员管理处）",
        "附件1、附件2未随通知全文公布"
    );
}

#[test]
fn rule_pages_are_rendered_from_programme_toml() {
    let dir = fixture();
    let out = build(dir.path());
    file_contains!(
        out,
        "criteria/index.html",
        "年龄在45周岁以下，即1979年3月22日及以后出生",
        "1989年3月22日及以后出生",
        "满60个月",
        "副高级及以上职称",
        "中级及以上职称"
    );
    file_contains!(
        out,
        "quota/index.html",
        "<td data-label=\"名额\" class=\"num\">60名</td>",
        "<td data-label=\"名额\" class=\"num\">50名</td>",
        "<td data-label=\"名额\" class=\"num\">40名</td>",
        "<td data-label=\"名额\" class=\"num\">150名</td>",
        "本站未收录附件1"
    );
    file_contains!(
        out,
        "funding/index.html",
        "49,000",
        "2,450,000",
        "34,800",
        "1,392,000",
        "人力资源社会保障部留学人员和专家服务中心"
    );
    file_contains!(
        out,
        "apply/index.html",
        "<option value=\"蒙古族\">蒙古族</option>",
        "<option value=\"manzhouli\">满洲里市</option>",
        "内蒙古医科大学"
    );
    file_contains!(
        out,
        "check/index.html",
        "action=\"/api/eligibility\"",
        "<legend>培养方式</legend>",
        "type=\"month\""
    );
}

#[test]
fn changing_a_threshold_changes_the_published_rule() {
    let dir = fixture();
    let programme = dir.path().join("content/programme.toml");
    edit(&programme, "age_limit = 45\nborn_on_or_after = 1979-03-22", "age_limit = 40\nborn_on_or_after = 1984-03-22");
    edit(&programme, "quota = 50", "quota = 55");
    edit(&programme, "tuition_lodging_per_year = 36800", "tuition_lodging_per_year = 40000");
    let out = build(dir.path());
    file_contains!(out, "criteria/index.html", "年龄在40周岁以下，即1984年3月22日及以后出生");
    file_lacks!(out, "criteria/index.html", "1979年3月22日");
    file_contains!(
        out,
        "quota/index.html",
        "<td data-label=\"名额\" class=\"num\">55名</td>",
        "<td data-label=\"名额\" class=\"num\">155名</td>"
    );
    // 40,000 + 7,200 + 5,000 per person, times 55 places.
    file_contains!(out, "funding/index.html", "52,200", "2,871,000", "每人每年40,000元（4万元）");
    // Every occurrence follows, on every computed page: no old figure is left anywhere.
    for page in ["index.html", "criteria/index.html", "quota/index.html", "funding/index.html", "check/index.html"] {
        for old in ["1979年3月22日", "45周岁", "36,800", "3.68万元", "2,450,000"] {
            file_lacks!(out, page, old);
        }
    }
    file_lacks!(out, "quota/index.html", "<td data-label=\"名额\" class=\"num\">50名</td>");
    file_lacks!(out, "index.html", ">50名<");
}

#[test]
fn changing_the_deadline_moves_every_date_that_follows_it() {
    let dir = fixture();
    let programme = dir.path().join("content/programme.toml");
    // A later round: the deadline, the count date and the birth dates that follow from it.
    edit(&programme, "date = 2025-03-21", "date = 2025-03-28");
    edit(&programme, "count_at = 2025-03-21", "count_at = 2025-03-28");
    edit(&programme, "born_on_or_after = 1979-03-22", "born_on_or_after = 1979-03-29");
    edit(&programme, "born_on_or_after = 1989-03-22", "born_on_or_after = 1989-03-29");
    edit(&programme, "unit_closes = \"2025-03-21T00:00:00+08:00\"", "unit_closes = \"2025-03-28T00:00:00+08:00\"");
    edit(&programme, "hr_closes = \"2025-03-22T00:00:00+08:00\"", "hr_closes = \"2025-03-29T00:00:00+08:00\"");
    let out = build(dir.path());
    file_contains!(out, "index.html", "2025年3月28日前");
    file_contains!(out, "criteria/index.html", "1979年3月29日及以后出生", "通知规定的完成时间2025年3月28日");
    file_contains!(out, "process/index.html", "2025年3月28日前完成系统申报和线下报送");
    for page in ["index.html", "criteria/index.html", "check/index.html"] {
        file_lacks!(out, page, "2025年3月21日");
    }
    // On the process page only the notice's own words, quoted, keep the old date.
    let process = fs::read_to_string(out.join("process/index.html")).expect("process");
    let outside_quote = process.split("<blockquote>").next().expect("before the quote");
    assert!(!outside_quote.contains("2025年3月21日"), "a date not from programme.toml on /process/");
    // The body names follow programme.toml too: the centre's name on every page that names it.
    edit(&programme, "name = \"自治区人事人才公共服务中心\"", "name = \"自治区人才服务中心\"");
    let out = build(dir.path());
    file_contains!(out, "contact/index.html", "报送至自治区人才服务中心");
}

#[test]
fn attachment1_caps_appear_when_published() {
    let dir = fixture();
    let programme = dir.path().join("content/programme.toml");
    edit(
        &programme,
        "published = false\n\n[attachment2]",
        "published = true\ncaps = { region-out = { hohhot = 6 } }\n\n[attachment2]",
    );
    let out = build(dir.path());
    file_contains!(out, "quota/index.html", "<th scope=\"row\">呼和浩特市</th><td class=\"num\">6名</td>");
    file_lacks!(out, "quota/index.html", "未随通知全文公布");
}

#[test]
fn bad_programme_names_the_key() {
    let dir = fixture();
    edit(&dir.path().join("content/programme.toml"), "training_months = 12", "training_months = 12\nquotum = 1");
    let err = site::build(dir.path(), &dir.path().join("public")).expect_err("refused").to_string();
    assert!(err.contains("programme.toml") && err.contains("quotum"), "{err}");
}

#[test]
fn output_is_byte_identical_across_builds() {
    let dir = fixture();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    site::build(dir.path(), &a).expect("first");
    site::build(dir.path(), &b).expect("second");
    let mut files = Vec::new();
    collect(&a, &mut files);
    assert!(files.len() >= 18);
    for file in files {
        let rel = file.strip_prefix(&a).expect("prefix");
        assert_eq!(fs::read(&file).expect("a"), fs::read(b.join(rel)).expect("b"), "{}", rel.display());
    }
}

/// A build into a folder that holds an earlier build writes over it in place (a page keeps its
/// file, no new inode), and leaves exactly what a build into an empty folder leaves: a page taken
/// out of content/, a stray file and a folder standing where a file goes are gone.
#[test]
fn a_build_over_an_earlier_one_writes_in_place_and_leaves_nothing_stale() {
    use std::os::unix::fs::MetadataExt;
    let dir = fixture();
    let out = build(dir.path());
    let inode = |p: &str| fs::metadata(out.join(p)).expect("metadata").ino();
    let before = inode("notice/index.html");
    fs::write(out.join("stray.txt"), "left by hand").expect("stray");
    fs::create_dir_all(out.join("old/deeper")).expect("old folder");
    fs::write(out.join("old/deeper/index.html"), "old page").expect("old page");
    fs::remove_file(out.join("robots.txt")).expect("robots");
    fs::create_dir_all(out.join("robots.txt/in-the-way")).expect("a folder where a file goes");
    // Links left in the folder are removed, never written through: neither outside file changes.
    let outside = dir.path().join("outside");
    fs::create_dir_all(&outside).expect("outside");
    fs::write(outside.join("index.html"), "outside").expect("outside file");
    fs::remove_dir_all(out.join("funding")).expect("funding");
    std::os::unix::fs::symlink(&outside, out.join("funding")).expect("a folder link");
    fs::remove_file(out.join("sitemap.xml")).expect("sitemap");
    std::os::unix::fs::symlink(outside.join("index.html"), out.join("sitemap.xml")).expect("a file link");
    // A hard link is replaced, not written through (red team): the outside file keeps its text.
    fs::write(outside.join("linked.txt"), "outside, hard-linked").expect("outside file");
    fs::remove_file(out.join("404.html")).expect("404");
    fs::hard_link(outside.join("linked.txt"), out.join("404.html")).expect("a hard link");
    // So is the build's own marker, left as a link to a file outside.
    fs::write(outside.join("marker.txt"), "outside marker").expect("outside file");
    fs::remove_file(out.join(".tepei-build")).expect("marker");
    std::os::unix::fs::symlink(outside.join("marker.txt"), out.join(".tepei-build")).expect("a marker link");
    fs::remove_file(dir.path().join("content/principles.md")).expect("a page taken out");
    let contact = dir.path().join("content/contact.md");
    fs::write(&contact, fs::read_to_string(&contact).expect("contact") + "\n改过的一句。\n").expect("a page changed");
    let report = site::build(dir.path(), &out).expect("second build");
    assert_eq!(report.pages, 15);
    assert_eq!(inode("notice/index.html"), before, "written in place");
    let fresh = dir.path().join("fresh");
    site::build(dir.path(), &fresh).expect("a build into an empty folder");
    let (mut over, mut clean) = (Vec::new(), Vec::new());
    collect(&out, &mut over);
    collect(&fresh, &mut clean);
    let relative = |files: Vec<PathBuf>, root: &Path| -> Vec<PathBuf> {
        let mut r: Vec<PathBuf> = files.iter().map(|f| f.strip_prefix(root).expect("prefix").to_owned()).collect();
        r.sort();
        r
    };
    let over = relative(over, &out);
    assert_eq!(over, relative(clean, &fresh));
    for file in &over {
        assert_eq!(fs::read(out.join(file)).expect("over"), fs::read(fresh.join(file)).expect("fresh"), "{file:?}");
    }
    file_contains!(out, "contact/index.html", "改过的一句。");
    assert_eq!(fs::read_to_string(outside.join("index.html")).expect("outside"), "outside", "written through a link");
    assert_eq!(fs::read_to_string(outside.join("linked.txt")).expect("linked"), "outside, hard-linked");
    assert_eq!(fs::read_to_string(outside.join("marker.txt")).expect("marker"), "outside marker");
    // The build did not leave a link to the outside file, but a marker of its own.
    assert!(!out.join(".tepei-build").is_symlink());
    assert!(!out.join("funding").is_symlink() && !out.join("sitemap.xml").is_symlink());
    assert!(!out.join("old").exists() && !out.join("principles").exists(), "empty folders removed");
    assert_eq!(fs::read(out.join("robots.txt")).expect("robots"), fs::read(fresh.join("robots.txt")).expect("robots"));
}

/// A folder holding anything but an earlier build is never written over: it is refused, naming
/// it, and keeps its files; an empty one is written.
#[test]
fn a_folder_of_other_files_is_refused_as_output() {
    let dir = fixture();
    let theirs = dir.path().join("theirs");
    fs::create_dir_all(theirs.join("photos")).expect("folder");
    fs::write(theirs.join("thesis.docx"), "important").expect("file");
    let err = site::build(dir.path(), &theirs).expect_err("refused").to_string();
    assert!(err.contains("not an earlier tepei build") && err.contains("theirs"), "{err}");
    assert!(theirs.join("thesis.docx").exists() && theirs.join("photos").exists());
    // The site's public rules.json copied in does not make it an earlier build (red team).
    let built = build(dir.path());
    fs::copy(built.join("rules.json"), theirs.join("rules.json")).expect("copy");
    let err = site::build(dir.path(), &theirs).expect_err("refused").to_string();
    assert!(err.contains("not an earlier tepei build"), "{err}");
    assert!(theirs.join("thesis.docx").exists() && theirs.join("photos").exists());
    let empty = dir.path().join("empty");
    fs::create_dir_all(&empty).expect("empty");
    site::build(dir.path(), &empty).expect("an empty folder is written");
}

/// A folder checked, then replaced by a link to another folder before the site is written into
/// it (serve writes after it listens; red team): nothing is written or pruned there.
#[test]
fn an_output_folder_replaced_after_its_check_is_not_written() {
    let dir = fixture();
    let site = site::Site::load(dir.path()).expect("load");
    let out = dir.path().join("swapped");
    let output = site.open_output(&out).expect("checked");
    let theirs = dir.path().join("theirs");
    fs::create_dir_all(&theirs).expect("theirs");
    fs::write(theirs.join("keep.txt"), "kept").expect("a file of theirs");
    fs::rename(&out, dir.path().join("moved")).expect("moved away");
    std::os::unix::fs::symlink(&theirs, &out).expect("a link in its place");
    let err = output.write(Path::new("index.html"), b"page").expect_err("refused").to_string();
    assert!(err.contains("was replaced"), "{err}");
    let _ = output.finish(); // prunes nothing there either (checked below)
    let files: Vec<_> = fs::read_dir(&theirs).expect("theirs").map(|e| e.expect("e").file_name()).collect();
    assert_eq!(files, vec![std::ffi::OsString::from("keep.txt")]);
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() { collect(&path, out) } else { out.push(path) }
    }
}

#[test]
fn assets_sitemap_robots_and_breadcrumbs() {
    let dir = fixture();
    let out = build(dir.path());
    let assets: Vec<String> = fs::read_dir(out.join("assets"))
        .expect("assets")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    let css = assets.iter().find(|a| a.starts_with("style.") && a.ends_with(".css")).expect("hashed css");
    file_contains!(out, "notice/index.html", &format!("href=\"/assets/{css}\""));
    file_contains!(out, "sitemap.xml", "<loc>http://127.0.0.1:3000/notice/</loc>", "<loc>http://127.0.0.1:3000/</loc>");
    file_lacks!(out, "sitemap.xml", "404");
    file_contains!(out, "robots.txt", "Sitemap: http://127.0.0.1:3000/sitemap.xml", "Disallow: /review/");
    file_contains!(
        out,
        "funding/index.html",
        "aria-label=\"当前位置\"",
        "<a href=\"/\">首页</a>",
        "<span aria-current=\"page\">经费</span>"
    );
    file_contains!(out, "funding/index.html", "<a href=\"/funding/\" aria-current=\"page\">经费</a>");
    // Nested sections take their titles from _index.md.
    fs::create_dir_all(dir.path().join("content/guide")).expect("mkdir");
    fs::write(dir.path().join("content/guide/_index.md"), "+++\ntitle = \"指南\"\n+++\n").expect("write");
    fs::write(dir.path().join("content/guide/forms.md"), "+++\ntitle = \"表格\"\n+++\n[上级](/guide/)\n")
        .expect("write");
    let out = dir.path().join("public2");
    site::build(dir.path(), &out).expect("build");
    file_contains!(
        out,
        "guide/forms/index.html",
        "<li><a href=\"/guide/\">指南</a></li>",
        "<span aria-current=\"page\">表格</span>"
    );
}

#[test]
fn templates_escape_content_from_data() {
    let dir = fixture();
    edit(&dir.path().join("content/programme.toml"), "\"内蒙古大学\",", "\"<script>alert(1)</script>\",");
    let out = build(dir.path());
    file_contains!(out, "apply/index.html", "&lt;script&gt;alert(1)&lt;/script&gt;");
    file_lacks!(out, "apply/index.html", "<script>alert(1)");
}

#[test]
fn the_link_checker_finds_broken_links_anchors_and_assets() {
    let dir = fixture();
    let out = build(dir.path());
    assert_eq!(site::check_links(&out).expect("check"), vec![], "the real site has no broken links");
    fs::write(
        dir.path().join("content/broken.md"),
        "+++\ntitle = \"坏链接\"\n+++\n[无页](/missing/) [无锚点](/notice/#part-99) [好锚点](/notice/#part-8) ![图](/assets/none.png) [外部](https://example.com/)\n",
    )
    .expect("write");
    let out = dir.path().join("public2");
    site::build(dir.path(), &out).expect("build");
    let broken = site::check_links(&out).expect("check");
    let links: Vec<&str> = broken.iter().map(|b| b.link.as_str()).collect();
    assert_eq!(links, ["/assets/none.png", "/missing/", "/notice/#part-99"], "{broken:?}");
    assert!(broken.iter().all(|b| b.page == "broken/index.html"));
}

/// With `index_links`, every link to a page names its file, so a private object store without
/// index documents serves every page: the exact-key check finds nothing broken; without it, the
/// same check finds the folder links.
#[test]
fn index_links_name_every_file_for_a_plain_object_store() {
    let dir = fixture();
    let out = build(dir.path());
    let folders = site::check_links_with(&out, true).expect("check");
    assert!(folders.iter().any(|b| b.link == "/notice/"), "folder links are found: {folders:?}");
    edit(&dir.path().join("config.toml"), "index_links = false", "index_links = true");
    let out = dir.path().join("public-keys");
    site::build(dir.path(), &out).expect("build");
    assert_eq!(site::check_links_with(&out, true).expect("check"), vec![], "every link names its file");
    file_contains!(
        out,
        "funding/index.html",
        "<a href=\"/funding/index.html\" aria-current=\"page\">经费</a>",
        "<a href=\"/\">首页</a>",
        "href=\"/notice/index.html#part-"
    );
    file_contains!(out, "status/index.html", "action=\"/api/status-link\"");
}

/// Markdown that failed to parse shows its marks as text (CommonMark does not close `**` after a
/// full-width bracket followed by a letter): no built page shows `**` or `__` in its text.
#[test]
fn no_markdown_mark_is_left_as_text() {
    let dir = fixture();
    let out = build(dir.path());
    let mut pages = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                pages.push(path);
            }
        }
    }
    assert_eq!(pages.len(), 16);
    for page in pages {
        let html = fs::read_to_string(&page).expect("read");
        // Only the text between tags: attribute values (URLs, class names) are not prose.
        let text: String = html.split('<').map(|part| part.split_once('>').map_or(part, |(_, t)| t)).collect();
        for mark in ["**", "__"] {
            assert!(!text.contains(mark), "{} shows {mark:?} as text", page.display());
        }
    }
}

/// Every file under `dir` whose name ends with one of `exts`.
fn files_with(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut all = Vec::new();
    collect(dir, &mut all);
    all.retain(|p| exts.iter().any(|e| p.to_string_lossy().ends_with(e)));
    all
}

/// The bodies named before each "服务中心" in `text` that are not in `bodies`.
fn unknown_bodies(text: &str, bodies: &[String]) -> Vec<String> {
    let mut unknown = Vec::new();
    for (at, _) in text.match_indices("服务中心") {
        let before: String = text[..at].chars().rev().take_while(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).collect();
        let named: String = before.chars().rev().collect::<String>() + "服务中心";
        if !bodies.iter().any(|b| b.ends_with("服务中心") && named.ends_with(b.as_str())) {
            unknown.push(named);
        }
    }
    unknown
}

/// The real site built, with the rules it was built from.
fn built() -> (tempfile::TempDir, PathBuf, policy::Programme) {
    let dir = fixture();
    let out = build(dir.path());
    let toml = fs::read_to_string(dir.path().join("content/programme.toml")).expect("programme.toml");
    (dir, out, policy::Programme::parse(&toml).expect("programme"))
}

/// Everything the site says: every page built into `out`, every template (mail included), every
/// page's source, every message of the handler and the rules, and config.toml.
fn everything_said(out: &Path) -> Vec<PathBuf> {
    let mut files = files_with(out, &[".html"]);
    files.extend(files_with(&repo().join("theme/templates"), &[".html", ".txt"]));
    files.extend(files_with(&repo().join("content"), &[".md"]));
    files.extend(files_with(&repo().join("handler/src"), &[".rs"]));
    files.extend(files_with(&repo().join("policy/src"), &[".rs"]));
    files.push(repo().join("config.toml"));
    files
}

#[test]
fn every_body_named_anywhere_is_one_the_notice_names() {
    let (_dir, out, programme) = built();
    let files = everything_said(&out);
    let mut seen = 0;
    for file in &files {
        let text = fs::read_to_string(file).expect("read");
        seen += text.matches("服务中心").count();
        let unknown = unknown_bodies(&text, &programme.bodies);
        assert!(unknown.is_empty(), "{} names bodies not in programme.toml: {unknown:?}", file.display());
    }
    assert!(seen > 10, "the check saw the centre named ({seen} times)");
    // The wrong body once on the dashboard request page is caught.
    let wrong = unknown_bodies("材料报送至自治区留学人员和专家服务中心。", &programme.bodies);
    assert_eq!(wrong, ["材料报送至自治区留学人员和专家服务中心"]);
}

/// What applying here counts for, in the one sentence of the round's mode, at the top of every
/// page: while this site is not the system the notice names, that applying here does not replace
/// applying there (with a link to it); once it is, that it is.
#[test]
fn every_page_says_what_applying_here_counts_for() {
    let dir = fixture();
    let out = build(dir.path());
    let not_it =
        "在本站提交不能代替在“少数民族专业技术人才特殊培养管理系统”的申报：请同时在该系统申报，并按通知报送纸质材料。";
    for page in files_with(&out, &[".html"]) {
        let text = fs::read_to_string(&page).expect("read");
        let main = text.find("<main").expect("main");
        let said =
            text.find(not_it).unwrap_or_else(|| panic!("{} lacks what applying here counts for", page.display()));
        assert!(said < main, "{}: said below the top", page.display());
        assert!(text.contains("href=\"https://ssmztp.xjzcsq.com\""), "{} lacks the link", page.display());
        assert!(!text.contains("依据通知提供的申报服务"), "{}: the notice provides no such service", page.display());
    }
    file_contains!(out, "process/index.html", "在本站申报不需要注册账号（本站设置）", "注册登录并申报");
    file_contains!(
        out,
        "process/index.html",
        "注册登录“少数民族专业技术人才特殊培养管理系统”",
        "一式三份",
        "1819448970@qq.com"
    );
    edit(&dir.path().join("content/programme.toml"), "this_site = false", "this_site = true");
    let out = build(dir.path());
    let it = "本站即通知规定的“少数民族专业技术人才特殊培养管理系统”：在本站提交即通知规定的线上申报";
    for page in ["index.html", "apply/index.html", "process/index.html"] {
        file_contains!(out, page, it);
        file_lacks!(out, page, "不能代替");
    }
    file_lacks!(out, "process/index.html", "在本站申报不需要注册账号");
}

#[test]
fn each_reading_of_the_site_is_marked_as_one() {
    let dir = fixture();
    let out = build(dir.path());
    let mark = "<span class=\"reading\">本站口径，通知未作规定，以审核为准</span>";
    // Age and years counted at the deadline, in whole months; the 东北 conditions; 满洲里市 and
    // 二连浩特市; the self-check's counting.
    for page in ["criteria/index.html", "scope/index.html", "check/index.html"] {
        file_contains!(out, page, mark);
    }
    file_contains!(out, "criteria/index.html", "《“东北地区少数民族专业技术人才特殊培养”内蒙古自治区学员管理办法》");
    file_contains!(out, "scope/index.html", "纳入东部5盟市范围");
    file_lacks!(out, "scope/index.html", "按东部5盟市对待");
    file_contains!(out, "quota/index.html", "本站未收录附件1");
    file_contains!(out, "index.html", "填写相关信息，初步判断是否符合申报条件");
    file_contains!(out, "funding/index.html", "本站把它们列为自治区特培项目的费用标准", "3.68万元");
    // Each reading the notice does not settle carries its mark beside the words it qualifies.
    let marked = |page: &str, words: &str| {
        let text = fs::read_to_string(out.join(page)).expect("page");
        let at = text.find(words).unwrap_or_else(|| panic!("{page} lacks {words:?}"));
        let after: String = text[at..].chars().take(words.chars().count() + 120).collect();
        assert!(after.contains("本站口径") || after.contains("本站设置"), "{page}: {words:?} unmarked: {after}");
    };
    marked("funding/index.html", "本站把它们列为自治区特培项目的费用标准");
    marked("quota/index.html", "审核通过计为占用一个推荐名额");
    marked("criteria/index.html", "“以下”“以上”均包含本数");
    marked("scope/index.html", "不适用");
    marked("process/index.html", "本站理解为所在盟市的人力资源社会保障部门");
    marked("index.html", "主办单位");
    marked("privacy/index.html", "一、个人信息处理者");
    marked("apply/index.html", "必须上传");
    marked("apply/index.html", "申报时间为");
    file_contains!(out, "apply/index.html", "通知只要求“上传相关附件证明材料”");
    file_contains!(out, "index.html", "2025年3月18日24:00前</span> 申报人在本站提交申报截止（北京时间，本站设置）");
    file_contains!(out, "criteria/index.html", "计算至通知规定的完成时间2025年3月21日");
}

#[test]
fn the_footer_says_who_runs_the_site_and_shows_registration_numbers_once_set() {
    let dir = fixture();
    let out = build(dir.path());
    file_contains!(
        out,
        "index.html",
        "主办单位：内蒙古自治区人力资源和社会保障厅",
        "承办单位：",
        "张翼飞",
        "（0471）6918865"
    );
    file_lacks!(out, "index.html", "网站标识码");
    file_lacks!(out, "index.html", "门户网站");
    let toml = dir.path().join("content/programme.toml");
    edit(&toml, "site_code = \"\"", "site_code = \"1500000001\"");
    edit(&toml, "icp = \"\"", "icp = \"蒙ICP备00000000号\"");
    edit(&toml, "portal_url = \"\"", "portal_url = \"https://portal.example.gov.cn/\"");
    let out = build(dir.path());
    file_contains!(
        out,
        "notice/index.html",
        "网站标识码：1500000001",
        "蒙ICP备00000000号",
        "href=\"https://portal.example.gov.cn/\""
    );
}

/// The 个人信息处理规则 page comes from programme.toml: every category with its fields in the
/// form's words, the sensitive ones named, the version; the footer of every page and the form
/// link to it.
#[test]
fn the_privacy_rules_page_is_built_from_programme_toml() {
    let dir = fixture();
    edit(&dir.path().join("content/programme.toml"), "version = \"2025-3\"", "version = \"2025-4\"");
    let out = build(dir.path());
    file_contains!(
        out,
        "privacy/index.html",
        "版本：2025-4",
        "登记后，可在同一页面申请删除",
        "已撤回的申报，在最后一次变化30天后删除上述个人信息",
        "<th scope=\"row\" data-label=\"类别\">身份信息</th><td data-label=\"包含的信息\">姓名、性别、民族、居民身份证号码</td>",
        "<td data-label=\"敏感个人信息\">民族、居民身份证号码</td>",
        "身心健康声明",
        "自治区人事人才公共服务中心",
        "中华人民共和国境内"
    );
    file_contains!(out, "notice/index.html", "<a href=\"/privacy/\">个人信息处理规则</a>");
    file_contains!(
        out,
        "apply/index.html",
        "<a href=\"/privacy/\" target=\"_blank\" rel=\"noopener\">个人信息处理规则</a>（2025-4版"
    );
}

/// The application form has an input for every field of `policy::FIELDS` it takes, labelled in
/// the table's words (a declaration in the words of its statement): a field added to the table
/// with no input, or a label the form words otherwise, fails here.
#[test]
fn the_form_asks_every_field_of_the_table_in_its_words() {
    let dir = fixture();
    let programme = fs::read_to_string(dir.path().join("content/programme.toml")).expect("programme.toml");
    let centre = policy::Programme::parse(&programme).expect("rules").centre.name;
    let out = build(dir.path());
    let html = fs::read_to_string(out.join("apply/index.html")).expect("apply page");
    let form = &html[html.find("<form id=\"apply-form\"").expect("the form")..];
    let text_after = |from: usize| form[from..].split('<').next().unwrap_or_default();
    let taken = policy::FIELDS.iter().filter(|f| f.answered_at == f.code && f.input != policy::Input::Derived);
    for f in taken {
        let input = form
            .find(&format!("name=\"{}\" ", f.code))
            .or_else(|| form.find(&format!("name=\"{}\">", f.code)))
            .unwrap_or_else(|| panic!("the form has no input for {} ({})", f.code, f.label));
        assert!(form.contains(&format!("id=\"f-{}\"", f.code)), "{}: no #f-{0} for the error summary", f.code);
        let expected = match f.ask.map(|a| a.control) {
            Some(policy::Control::Check { statement }) if !statement.is_empty() => {
                statement.replace("{centre}", &centre)
            }
            _ => f.label.to_owned(),
        };
        let tag = &form[form[..input].rfind('<').unwrap_or_default()..];
        let shown = if tag[..tag.find('>').unwrap_or_default()].contains("type=\"radio\"") {
            // Radio buttons: the legend of their group.
            form[..input].rfind("<legend>").map(|at| text_after(at + "<legend>".len())).unwrap_or_default()
        } else {
            let label = format!("<label for=\"f-{}\">", f.code);
            form.find(&label).map(|at| text_after(at + label.len())).unwrap_or_default()
        };
        assert_eq!(shown, expected, "the form labels {} otherwise than the table", f.code);
    }
}

/// Every stage's open and close as pages and mail write them (`2025年3月18日24:00`), from
/// programme.toml: the site's settings, each to be followed by its mark.
fn stage_dates(p: &policy::Programme) -> Vec<String> {
    let mut dates: Vec<String> = policy::Actor::ALL
        .into_iter()
        .filter_map(|actor| p.stage_closes(actor))
        .map(|close| theme::before_text(close).trim_end_matches('前').to_owned())
        .collect();
    dates.extend(p.window_opens().ok().map(theme::chinese_instant));
    dates
}

/// `text` without its markup (`<…>`), as a person reads it.
fn without_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// What a text says that the notice does not: each finding names the words and why.
fn misreadings(text: &str, stage_dates: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    // The selection is the issuer's: nothing has the centre decide it.
    for words in ["确定入选", "确定未入选", "确定结果"] {
        if text.contains(words) {
            found.push(format!("{words:?}: the centre is given the selection"));
        }
    }
    for (at, _) in text.match_indices("确定") {
        let before: String = text[..at].chars().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect();
        if before.contains("中心") {
            found.push(format!("{before}确定: the centre is given a decision"));
        }
    }
    // The notice keeps 1819448970@qq.com for the 汇总表's electronic copy.
    let code = |l: &&str| !l.trim_start().starts_with('#') && !l.trim_start().starts_with("//");
    for line in text.lines().filter(code).filter(|l| l.contains("reply_to") && !l.contains("reply_to(")) {
        if line.contains("centre") || line.contains("1819448970") {
            found.push(format!("{:?}: a Reply-To of the centre's mailbox", line.trim()));
        }
    }
    if text.contains("回复本邮件将送达") && text.contains("centre.name") {
        found.push("replies sent to the centre".to_owned());
    }
    for words in ["每人每年度只能申报一次", "只能申报一次", "申报截止日"] {
        if text.contains(words) {
            found.push(format!("{words:?}: not the notice's rule"));
        }
    }
    // A stage's date is this site's setting: its mark follows it (in the words read, tags aside).
    let words = without_tags(text);
    for date in stage_dates {
        for (at, _) in words.match_indices(date.as_str()) {
            let after: String = words[at + date.len()..].chars().take(30).collect();
            if !after.contains("本站设置") {
                found.push(format!("{date}{after}: a stage date without （本站设置）"));
            }
        }
    }
    found
}

/// Every page built, every template (mail included), every page's source and every message of
/// the handler and the rules (`handler/src`, `policy/src`), and config.toml: none gives the centre
/// the selection, sends replies to the centre's mailbox, limits applications to one a year, names
/// a 申报截止日, or shows a stage's date without its mark.
#[test]
fn nothing_the_site_says_gives_a_body_a_power_the_notice_does_not() {
    let (_dir, out, programme) = built();
    let dates = stage_dates(&programme);
    assert_eq!(dates.len(), 4, "{dates:?}");
    let files = everything_said(&out);
    let mut findings = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("read");
        findings.extend(misreadings(&text, &dates).into_iter().map(|f| format!("{}: {f}", file.display())));
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
    let config = site::Config::parse(&fs::read_to_string(repo().join("config.toml")).expect("config")).expect("config");
    assert_eq!(config.reply_to(&programme.centre.email), Ok(None), "Reply-To is unset by default");
    // Each finding is caught where it would be.
    let caught = |text: &str| !misreadings(text, &dates).is_empty();
    assert!(caught("由自治区人事人才公共服务中心确定入选。"));
    assert!(caught("自治区人事人才公共服务中心：确定结果"));
    assert!(caught("        reply_to: Some(p.centre.email.clone()),"));
    assert!(caught("每人每年度只能申报一次"));
    assert!(caught("年龄计算至申报截止日2025年3月21日"));
    assert!(caught("所在单位审核：2025年3月20日24:00前</li>"));
    assert!(!caught("所在单位审核：2025年3月20日24:00前（本站设置）"));
}
