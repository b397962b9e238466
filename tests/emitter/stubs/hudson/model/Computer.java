package hudson.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stand-in for {@code hudson.model.Computer} (docs/jenkins-api.md §19, §20).
 */
public abstract class Computer {
    private final Node node;
    /** Harness: the executors, changed only by the driver. */
    protected final List<Executor> executors = new CopyOnWriteArrayList<>();

    /** Harness: Jenkins creates computers for nodes itself. */
    protected Computer(Node node) {
        this.node = node;
    }

    public String getName() {
        return node.getNodeName();
    }

    public Node getNode() {
        return node;
    }

    public List<Executor> getExecutors() {
        return new ArrayList<>(executors);
    }

    public final boolean isIdle() {
        for (Executor e : executors) {
            if (!e.isIdle()) {
                return false;
            }
        }
        return true;
    }

    public boolean isAcceptingTasks() {
        return true;
    }
}
