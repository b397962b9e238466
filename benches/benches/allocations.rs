//! Heap allocations per invocation of each function's hot path, on the
//! in-memory ports, counted by dhat's allocator. Each path runs once to warm
//! up (first-use caches), then is counted over a few invocations; the table
//! shows the mean allocations and bytes per invocation and the peak heap in
//! use while they ran (the deployment's own state included).

use std::future::Future;

use dhat::{HeapStats, Profiler};
use hot_path_benches::{
    BUILDABLE, RELEASED, STOPPED, WORK_BUILDABLE, WORK_RELEASED, answer, forged, request,
    sqs_event, task_stopped, webhook, work, worker,
};
use tokio::runtime::Runtime;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

const RUNS: u64 = 20;

/// One row: mean allocations and bytes per run of `invoke`, peak heap bytes.
fn count<F: Future<Output = ()>>(rt: &Runtime, mut invoke: impl FnMut() -> F) -> [u64; 3] {
    rt.block_on(invoke());
    // A profiler per path, so that its peak is this path's; in testing
    // mode it writes no file when dropped.
    let _profiler = Profiler::builder()
        .testing()
        .trim_backtraces(Some(1))
        .build();
    let before = HeapStats::get();
    for _ in 0..RUNS {
        rt.block_on(invoke());
    }
    let after = HeapStats::get();
    [
        (after.total_blocks - before.total_blocks) / RUNS,
        (after.total_bytes - before.total_bytes) / RUNS,
        after.max_bytes as u64,
    ]
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let mut rows = Vec::new();

    let shared = webhook();
    for (name, sample, forge, expected) in [
        (
            "queue-webhook: queue.buildable recorded",
            BUILDABLE,
            false,
            202,
        ),
        (
            "queue-webhook: agent.released recorded",
            RELEASED,
            false,
            202,
        ),
        (
            "queue-webhook: a forged signature is refused",
            BUILDABLE,
            true,
            401,
        ),
    ] {
        let counted = count(&rt, || {
            let request = if forge {
                forged(sample)
            } else {
                request(sample)
            };
            let webhook = &shared;
            async move {
                assert_eq!(answer(webhook, request).await, expected);
            }
        });
        rows.push((name, counted));
    }

    // A fresh deployment per launch, built before counting, so each run launches.
    let mut fresh: Vec<_> = (0..=RUNS).map(|_| worker()).collect();
    let launch = count(&rt, || {
        let worker = fresh.pop().expect("one deployment per run");
        let event = sqs_event(WORK_BUILDABLE);
        async move {
            assert_eq!(work(&worker, event).await, "launched");
        }
    });
    rows.push(("launch-worker: work that launches an agent", launch));

    let shared = worker();
    let first = rt.block_on(work(&shared, sqs_event(WORK_BUILDABLE)));
    assert_eq!(first, "launched", "the first delivery");
    for (name, sample, expected) in [
        (
            "launch-worker: the same work again",
            WORK_BUILDABLE,
            "already-launching",
        ),
        ("launch-worker: agent.released", WORK_RELEASED, "released"),
    ] {
        let counted = count(&rt, || {
            let event = sqs_event(sample);
            let worker = &shared;
            async move {
                assert_eq!(work(worker, event).await, expected);
            }
        });
        rows.push((name, counted));
    }

    let handler = task_stopped();
    let stopped = count(&rt, || async {
        let event = serde_json::from_str(STOPPED).expect("the sample parses");
        let outcome = task_stopped::handle(&handler, event).await;
        assert_eq!(outcome.expect("handled")["outcome"], "stopped");
    });
    rows.push(("task-stopped: a STOPPED event from its JSON", stopped));

    println!(
        "{:<48} {:>11} {:>9} {:>10}",
        "path, per invocation", "allocations", "bytes", "peak heap"
    );
    for (name, [allocations, bytes, peak]) in rows {
        println!("{name:<48} {allocations:>11} {bytes:>9} {peak:>10}");
    }
}
