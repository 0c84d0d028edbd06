//! Step labels, the targets of `rewind`: each label names one step, and every rewind names a
//! label of an earlier step.

use super::ast::{Step, StepAt};
use super::error::{suggestion, ScenarioError};
use super::parse::{get, Parser, Table};
use toml::Spanned;

impl Parser<'_> {
    /// No two steps share a label: a rewind goes to the first, so the second would be a label
    /// that looks like a target and silently is not.
    pub(super) fn check_labels(
        &self,
        raw: &[Spanned<Table>],
        steps: &[StepAt],
    ) -> Result<(), ScenarioError> {
        let label_at = |i: usize| {
            get(raw[i].get_ref(), "label").map_or(raw[i].span().start, |v| v.span().start)
        };
        for (i, st) in steps.iter().enumerate() {
            let Some(label) = st.label.as_deref() else {
                continue;
            };
            if let Some(first) = steps[..i]
                .iter()
                .position(|s| s.label.as_deref() == Some(label))
            {
                let line = self.line_at(label_at(first));
                let msg = format!(
                    "duplicate label \"{label}\": line {line} already labels a step with it; \
                     labels must be unique, so that a rewind names one step"
                );
                return Err(self.err(label_at(i), msg));
            }
        }
        Ok(())
    }

    /// Every `rewind` names a label of an earlier step.
    pub(super) fn check_rewinds(
        &self,
        raw: &[Spanned<Table>],
        steps: &[StepAt],
    ) -> Result<(), ScenarioError> {
        for (i, st) in steps.iter().enumerate() {
            if let Step::Rewind { label, .. } = &st.step {
                if !steps[..i]
                    .iter()
                    .any(|s| s.label.as_deref() == Some(label.as_str()))
                {
                    let labels: Vec<&str> = steps[..i]
                        .iter()
                        .filter_map(|s| s.label.as_deref())
                        .collect();
                    let hint = suggestion(label, labels.iter().copied());
                    let at = get(raw[i].get_ref(), "rewind")
                        .map_or(raw[i].span().start, |v| v.span().start);
                    return Err(self.err(
                        at,
                        format!("rewind to \"{label}\": no earlier step has that label{hint}"),
                    ));
                }
            }
        }
        Ok(())
    }
}
