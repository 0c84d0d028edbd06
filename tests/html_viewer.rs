//! The HTML viewer in a real browser: headless Chromium loads the page at two steps and the
//! displayed logs differ (the page's own JavaScript drew them). Skipped with a message when
//! Chromium is missing on a developer's machine; CI (CI=true) installs it and requires it.

use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn dump_dom(page: &Path, step: usize, profile: &Path) -> String {
    let url = format!("file://{}?step={step}", page.display());
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &url,
        ])
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
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

#[test]
fn stepping_forward_changes_the_displayed_logs() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!("skipped: {CHROMIUM} is missing (apt-get install chromium)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("raftsim-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("figure7.html");
    let status = Command::new(env!("CARGO_BIN_EXE_raftsim"))
        .args(["run", "figure7", "--html", page.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let profile = dir.join("profile");
    let first = dump_dom(&page, 0, &profile);
    let middle = dump_dom(&page, 3, &profile);
    let end = dump_dom(&page, 100_000, &profile);
    let (a, b, c) = (log_table(&first), log_table(&middle), log_table(&end));
    assert_ne!(a, b, "step 3 shows other logs than step 0");
    assert_ne!(b, c, "the last step shows other logs than step 3");
    assert!(
        middle.contains("step 3 / "),
        "the step counter follows ?step="
    );
    assert!(
        c.contains(r#"class="committed""#),
        "committed entries are marked:\n{c}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
