//! The HTML pages in a real browser: headless Chromium loads them and the page's own JavaScript
//! draws what is asserted. Skipped with a message when Chromium is missing on a developer's
//! machine; CI (CI=true) installs it and requires it.
//!
//! Figure 8 is stepped through frame by frame with the page's own buttons (`?walk=1` clicks
//! "next" through every frame of every branch, switching branches with their tabs, and writes
//! what each frame showed into the page): panel (d)'s caption is shown while S5's 2:3 is drawn
//! over S3's 2:2, and branch (e) is reached. Screenshots of both are saved as artefacts in
//! `target/tmp/html-viewer/`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

fn dump_dom(page: &Path, query: &str, profile: &Path) -> String {
    let url = format!("file://{}?{query}", page.display());
    let out = Command::new(CHROMIUM)
        .args(chromium_args(profile))
        .args(["--dump-dom", &url])
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn screenshot(page: &Path, query: &str, profile: &Path, png: &Path) {
    let url = format!("file://{}?{query}", page.display());
    let status = Command::new(CHROMIUM)
        .args(chromium_args(profile))
        .args([
            "--window-size=1200,1250",
            &format!("--screenshot={}", png.display()),
            &url,
        ])
        .output()
        .expect("chromium runs");
    assert!(status.status.success(), "chromium took the screenshot");
    let size = std::fs::metadata(png).map_or(0, |m| m.len());
    assert!(
        size > 20_000,
        "{} is a real picture ({size} bytes)",
        png.display()
    );
}

/// The table the page drew (between its id and the end of the table).
fn log_table(dom: &str) -> &str {
    let start = dom
        .find(r#"id="logtable""#)
        .expect("the page drew the log table");
    let end = dom[start..]
        .find("</table>")
        .map_or(dom.len(), |e| start + e);
    &dom[start..end]
}

/// The cluster view the page drew.
fn cluster(dom: &str) -> &str {
    let start = dom
        .find(r#"<svg id="cluster""#)
        .expect("the page drew the cluster");
    let end = dom[start..].find("</svg>").map_or(dom.len(), |e| start + e);
    &dom[start..end]
}

fn chromium_present() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI must install chromium (see .ci/run)"
    );
    eprintln!("skipped: {CHROMIUM} is missing (apt-get install chromium)");
    false
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("raftsim-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn stepping_forward_changes_the_displayed_logs() {
    if !chromium_present() {
        return;
    }
    let dir = scratch("html");
    let page = dir.join("figure7.html");
    let status = Command::new(env!("CARGO_BIN_EXE_raftsim"))
        .args(["run", "figure7", "--html", page.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let profile = dir.join("profile");
    let first = dump_dom(&page, "step=0", &profile);
    let middle = dump_dom(&page, "step=3", &profile);
    let end = dump_dom(&page, "step=100000", &profile);
    let (a, b, c) = (log_table(&first), log_table(&middle), log_table(&end));
    assert_ne!(a, b, "step 3 shows other logs than step 0");
    assert_ne!(b, c, "the last step shows other logs than step 3");
    assert!(
        middle.contains("frame 3 / "),
        "the frame counter follows ?step="
    );
    assert!(
        c.contains(r#"class="committed""#),
        "committed entries are marked:\n{c}"
    );
    // Figure 7's servers are all voters, always: the page draws no configuration.
    for dom in [&first, &end] {
        assert!(
            dom.contains(r#"<div id="membership"></div>"#),
            "no configuration line"
        );
        assert!(dom.contains(r#"<span id="legend-membership" hidden="">"#));
        for drawn in [r#"class="standing"#, r#"class="conf""#] {
            assert!(!cluster(dom).contains(drawn), "{drawn} drawn");
        }
        for badge in ["learner", "outside", "joining", "leaving"] {
            let drawn = format!(r#"class="badge {badge}""#);
            assert!(!log_table(dom).contains(&drawn), "{drawn} drawn");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `sim/src/picture/mod.rs`'s `CHANGES`: n4 and n5 start as spares, n4 joins as a learner and
/// is promoted, n3 is removed, and joint consensus swaps n4 for n5.
const CHANGES: &str = include_str!("../sim/src/picture/changes.toml");

/// The page of a run whose configuration changes shows, frame by frame, each server's place in
/// its own configuration (in the cluster view and as a badge on its log's row) and the
/// configuration itself, in one line while the servers agree and per server while they differ.
#[test]
fn the_page_shows_each_servers_place_in_its_configuration() {
    if !chromium_present() {
        return;
    }
    let dir = scratch("changes");
    let (scenario, page) = (dir.join("changes.toml"), dir.join("changes.html"));
    std::fs::write(&scenario, CHANGES).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_raftsim"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let profile = dir.join("profile");
    let frames = walk(&dump_dom(&page, "walk=1", &profile));
    assert!(frames.len() > 50, "the walk saw {} frames", frames.len());
    let text = |f: &Value, k: &str| f[k].as_str().unwrap_or("").to_string();
    let place = |f: &Value, server: usize| f["standing"][server].as_str().unwrap_or("").to_string();
    let badges = |f: &Value, server: usize| f["badges"][server].as_str().unwrap_or("").to_string();

    let first = &frames[0];
    assert_eq!(
        text(first, "membership"),
        "Configuration (every server): voters S1 S2 S3"
    );
    for server in [3, 4] {
        assert_eq!(
            place(first, server),
            "outside",
            "S{} is a spare",
            server + 1
        );
        assert_eq!(badges(first, server), "outside");
    }
    assert_eq!(place(first, 0), "voter");
    let find = |what: &str, f: &dyn Fn(&Value) -> bool| {
        frames
            .iter()
            .find(|x| f(x))
            .unwrap_or_else(|| panic!("no frame shows {what}"))
    };
    let learner = find("S4 a learner", &|f| place(f, 3) == "learner");
    assert!(badges(learner, 3).contains("learner"));
    let differ = find("servers that disagree", &|f| {
        text(f, "membership").starts_with("Configurations differ")
    });
    assert!(
        text(differ, "membership").contains("S1: voters S1 S2 S3 · learners S4"),
        "{}",
        text(differ, "membership")
    );
    let joint = find("a joint configuration", &|f| {
        place(f, 3) == "leaving" && place(f, 4) == "joining"
    });
    assert!(
        text(joint, "membership").contains("voters S1 S2 S5 · joint with S1 S2 S4 (C_old)"),
        "{}",
        text(joint, "membership")
    );
    let end = frames.last().unwrap();
    assert_eq!(place(end, 4), "voter", "S5 ends a voter");
    let dom = dump_dom(&page, "step=100000", &profile);
    assert!(
        !dom.contains(r#"<span id="legend-membership" hidden"#),
        "the legend explains the badges"
    );
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-viewer");
    std::fs::create_dir_all(&shots).unwrap();
    let at = joint["frame"].as_u64().unwrap();
    screenshot(
        &page,
        &format!("step={at}"),
        &profile,
        &shots.join("changes-joint.png"),
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// What the walk recorded: one JSON object per frame shown.
fn walk(dom: &str) -> Vec<Value> {
    let start = dom.find(r#"<pre id="walk">"#).expect("the page has a walk") + 15;
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a walk line is JSON"))
        .collect()
}

#[test]
fn figure8_is_told_as_a_story_with_both_branches() {
    if !chromium_present() {
        return;
    }
    let dir = scratch("figure8");
    let out = Command::new(env!("CARGO_BIN_EXE_raftsim"))
        .args(["tour", "figure8", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(
        index.contains("href=\"figure8.html\""),
        "the index links Figure 8"
    );
    let page = dir.join("figure8.html");
    let profile = dir.join("profile");
    let frames = walk(&dump_dom(&page, "walk=1", &profile));
    assert!(frames.len() > 50, "the walk saw {} frames", frames.len());
    let text = |f: &Value, k: &str| f[k].as_str().unwrap_or("").to_string();
    assert!(
        frames.iter().all(|f| f.get("membership").is_none()),
        "figure 8's servers are all voters: no configuration is shown"
    );

    // The captions follow the paper's panels, (a) to (d) on the first branch.
    let panels_of = |branch: u64| -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for f in frames.iter().filter(|f| f["branch"] == branch) {
            let p = text(f, "panel");
            if !p.is_empty() && seen.last() != Some(&p) {
                seen.push(p);
            }
        }
        seen
    };
    assert_eq!(panels_of(0), ["(a)", "(b)", "(c)", "(d)"]);
    assert_eq!(panels_of(1), ["(a)", "(b)", "(c)", "(e)"]);

    // Panel (d): its caption is shown while S5's 2:3 is drawn over index 2 on S3 (was 2:2).
    let overwrite = frames.iter().find(|f| {
        f["branch"] == 0
            && text(f, "panel") == "(d)"
            && f["logs"][2]
                .as_str()
                .is_some_and(|row| row.split(' ').nth(1).is_some_and(|c| c.starts_with("3!2")))
    });
    let overwrite = overwrite.unwrap_or_else(|| {
        panic!("no frame of panel (d) shows S3's index 2 overwritten by 3 (was 2)")
    });
    assert!(
        text(overwrite, "caption").starts_with("(d)S1 crashes. S5 restarts and wins term 5"),
        "panel (d)'s caption is shown: {}",
        text(overwrite, "caption")
    );
    assert!(
        text(overwrite, "current").starts_with("(d)"),
        "the (d) branch tab is current"
    );

    // Branch (e) is reached through its tab, and there 3:4 commits on S1, S2 and S3.
    let e = frames
        .iter()
        .find(|f| f["branch"] == 1 && text(f, "panel") == "(e)")
        .expect("the walk reached panel (e)");
    assert!(
        text(e, "current").starts_with("(e)"),
        "the (e) tab is current"
    );
    assert!(
        frames
            .iter()
            .any(|f| f["branch"] == 1 && f["logs"][0].as_str() == Some("1* 2* 4*")),
        "on branch (e) S1 commits 1:1, 2:2 and 3:4"
    );

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-viewer");
    std::fs::create_dir_all(&shots).unwrap();
    let at = overwrite["frame"].as_u64().unwrap();
    screenshot(
        &page,
        &format!("branch=0&step={at}"),
        &profile,
        &shots.join("figure8-d.png"),
    );
    screenshot(
        &page,
        "branch=1&panel=e&at=end",
        &profile,
        &shots.join("figure8-e.png"),
    );
    eprintln!("screenshots in {}", shots.display());
    std::fs::remove_dir_all(&dir).ok();
}
