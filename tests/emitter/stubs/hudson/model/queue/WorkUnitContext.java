package hudson.model.queue;

import hudson.model.Queue.BuildableItem;

/**
 * Stand-in for {@code hudson.model.queue.WorkUnitContext}: what a started item's
 * {@code LeftItem} carries as its outcome, and what an executor's {@code WorkUnit} belongs to
 * (docs/jenkins-api.md §19, §23).
 */
public final class WorkUnitContext {
    public final BuildableItem item;

    public WorkUnitContext(BuildableItem item) {
        this.item = item;
    }
}
