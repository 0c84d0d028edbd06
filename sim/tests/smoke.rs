use raft::{BugKnob, Knobs};
use sim::{run_seed, RunConfig};

#[test]
fn smoke() {
    let mut clean = 0;
    let mut live = 0;
    for seed in 0..500 {
        let (o, _) = run_seed(seed, &RunConfig::default());
        if o.violation.is_none() {
            clean += 1;
        } else {
            println!("{seed} {:?}", o.violation);
        }
        if o.liveness_passed {
            live += 1;
        }
    }
    println!("clean {clean} live {live}");
    for k in BugKnob::ALL {
        let cfg = RunConfig {
            bugs: Knobs::none().with(k),
            ..RunConfig::default()
        };
        let mut found = None;
        for seed in 0..2000 {
            let (o, _) = run_seed(seed, &cfg);
            if let Some(v) = o.violation {
                found = Some((seed, v));
                break;
            }
        }
        println!("{k}: {:?}", found);
    }
}
