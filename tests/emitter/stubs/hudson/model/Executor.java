package hudson.model;

import hudson.model.queue.WorkUnit;

/**
 * Stand-in for {@code hudson.model.Executor} (docs/jenkins-api.md §19): a thread of a computer;
 * the driver runs callbacks on threads named like it, never starts this one.
 */
public class Executor extends Thread {
    private final Computer owner;
    private volatile boolean idle = true;
    private volatile WorkUnit workUnit;

    public Executor(Computer owner, int n) {
        super("Executor #" + n + " for " + owner.getName());
        this.owner = owner;
    }

    public Computer getOwner() {
        return owner;
    }

    public boolean isIdle() {
        return idle;
    }

    /** {@code @CheckForNull} in Jenkins; set while the executor holds work. */
    public WorkUnit getCurrentWorkUnit() {
        return workUnit;
    }

    /** Harness: the work the executor holds, or null. */
    public void harnessWorkUnit(WorkUnit workUnit) {
        this.workUnit = workUnit;
    }

    /** Harness: the executor took work (false) or finished it (true). */
    public void harnessIdle(boolean idle) {
        this.idle = idle;
    }
}
