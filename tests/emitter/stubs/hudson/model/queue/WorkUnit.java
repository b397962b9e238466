package hudson.model.queue;

/**
 * Stand-in for {@code hudson.model.queue.WorkUnit} (docs/jenkins-api.md §23): the work an
 * executor holds; its {@code context.item} is the queue item it came from.
 */
public final class WorkUnit {
    public final WorkUnitContext context;

    /** Harness: Jenkins' constructor is package-private and also takes the {@code SubTask}. */
    public WorkUnit(WorkUnitContext context) {
        this.context = context;
    }
}
