//! Figure 8 (c) of the Raft paper at the node level, shared by `figure8.rs` and `knobs.rs`:
//! S1 leads term 4 with log [1, 2, 4]; S3 and S4 have just acknowledged 2:2.

use super::*;
use raft::{Config, Knobs, Node};

/// S1 in Figure 8 (c): it has seen term 3, holds [1, 2], and wins term 4 with the votes of S2
/// and S3; its no-op is 3:4. One entry per AppendEntries, as when 2:2 is copied alone.
pub fn s1_leading_term_4(bugs: Knobs) -> Node {
    let config = Config {
        max_entries_per_append: 1,
        bugs,
        ..Config::default()
    };
    let mut s1 = node_with(1, 5, config, durable(3, &[1, 2]));
    make_leader(&mut s1, 5);
    assert_eq!((s1.current_term().0, terms(&s1)), (4, vec![1, 2, 4]));
    s1
}

/// S3 and S4 hold only [1]: each refuses S1's first AppendEntries (prev 2:2), is sent 2:2
/// alone, and acknowledges it. Afterwards S1's matchIndex shows 2:2 on S1, S3, S4: a majority.
pub fn copy_2_2_to_s3_and_s4(s1: &mut Node) {
    for peer in [n(3), n(4)] {
        let out = step(s1, peer, append_reply(4, false, 1));
        assert_eq!(sends(&out), vec![(peer, append(4, 1, (1, 1), &[2], 0))]);
        let out = step(s1, peer, append_reply(4, true, 2));
        let (entries, commit) = (s1.log().entries()[2..].to_vec(), s1.commit_index().0);
        let next = append_with(4, 1, (2, 2), entries, commit);
        assert_eq!(sends(&out), vec![(peer, next)], "then 3:4");
    }
}
