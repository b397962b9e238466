package hudson.model;

import hudson.ExtensionList;
import hudson.model.queue.QueueListener;
import hudson.model.queue.WorkUnitContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Stand-in for {@code hudson.model.Queue} (docs/jenkins-api.md §10, §11, §19). The lists are
 * changed under the queue lock and read without it, as Jenkins' snapshot is; listeners are told
 * under the lock, each failure caught and logged, as {@code Listeners.notify} does. The
 * {@code harness…} methods play the transitions {@code Queue.maintain()} and friends make.
 */
public class Queue {
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final Logger LOGGER = Logger.getLogger("jenkins.util.Listeners");

    private final List<BuildableItem> buildables = new CopyOnWriteArrayList<>();
    private final List<BuildableItem> pendings = new CopyOnWriteArrayList<>();
    private final List<BlockedItem> blocked = new CopyOnWriteArrayList<>();
    private final Map<Long, LeftItem> leftItems = new ConcurrentHashMap<>();

    public static void withLock(Runnable runnable) {
        LOCK.lock();
        try {
            runnable.run();
        } finally {
            LOCK.unlock();
        }
    }

    /** Harness: whether the calling thread holds the queue lock. */
    public static boolean harnessLockHeld() {
        return LOCK.isHeldByCurrentThread();
    }

    public Item getItem(long id) {
        for (Item item : blocked) {
            if (item.getId() == id) return item;
        }
        for (Item item : buildables) {
            if (item.getId() == id) return item;
        }
        for (Item item : pendings) {
            if (item.getId() == id) return item;
        }
        return leftItems.get(id);
    }

    public List<BuildableItem> getBuildableItems() {
        List<BuildableItem> r = new ArrayList<>(buildables);
        r.addAll(pendings);
        return r;
    }

    /** Harness, under the lock: an item becomes buildable; {@code notify} false = restored before listeners exist. */
    public BuildableItem harnessEnterBuildable(Task task, long id, long inQueueSince, boolean notify) {
        BuildableItem item = new BuildableItem(task, id, inQueueSince);
        buildables.add(item);
        if (notify) {
            tell(l -> l.onEnterBuildable(item));
        }
        return item;
    }

    /** Harness, under the lock: an idle executor took the item (Jenkins' {@code makePending}). */
    public void harnessMakePending(long id) {
        BuildableItem item = buildable(id);
        buildables.remove(item);
        item.isPending = true;
        pendings.add(item);
    }

    /** Harness, under the lock: the item's build starts ({@code onStartExecuting}). */
    public void harnessStart(long id) {
        BuildableItem item = buildable(id);
        buildables.remove(item);
        pendings.remove(item);
        left(new LeftItem(new WorkUnitContext(item)));
    }

    /** Harness, under the lock: the item is cancelled. */
    public void harnessCancel(long id) {
        Item item = getItem(id);
        buildables.remove(item);
        pendings.remove(item);
        blocked.remove(item);
        left(new LeftItem(item));
    }

    /** Harness, under the lock: a buildable item becomes blocked. */
    public void harnessBlock(long id) {
        BuildableItem item = buildable(id);
        buildables.remove(item);
        blocked.add(new BlockedItem(item));
    }

    /** Harness, under the lock: a blocked item becomes buildable again. */
    public void harnessUnblock(long id) {
        Item item = getItem(id);
        blocked.remove(item);
        BuildableItem again = new BuildableItem(item);
        buildables.add(again);
        tell(l -> l.onEnterBuildable(again));
    }

    private BuildableItem buildable(long id) {
        Item item = getItem(id);
        if (!(item instanceof BuildableItem)) {
            throw new IllegalStateException("item " + id + " is not buildable: " + item);
        }
        return (BuildableItem) item;
    }

    private void left(LeftItem item) {
        leftItems.put(item.getId(), item);
        tell(l -> l.onLeft(item));
    }

    private static void tell(Consumer<QueueListener> call) {
        if (!harnessLockHeld()) {
            throw new IllegalStateException("queue listeners are told under the queue lock");
        }
        for (QueueListener l : ExtensionList.lookup(QueueListener.class)) {
            try {
                call.accept(l);
            } catch (Throwable t) {
                LOGGER.log(Level.WARNING, null, t);
            }
        }
    }

    /** Something that can be queued: a job, or a Pipeline {@code node} block. */
    public interface Task {
        String getFullDisplayName();

        String getUrl();

        /** In Jenkins inherited from {@code SubTask}; null = unrestricted. */
        default Label getAssignedLabel() {
            return null;
        }

        /**
         * In Jenkins inherited from {@code SubTask} (since 2.389): the executable this task
         * belongs to, such as the run of a Pipeline {@code node} block; null by default
         * (docs/jenkins-api.md §25).
         */
        default Executable getOwnerExecutable() {
            return null;
        }
    }

    /** What an executor runs: a build, a Pipeline run. */
    public interface Executable extends Runnable {}

    /** A task that runs on a one-off executor, such as a Pipeline's own run. */
    public interface FlyweightTask extends Task {}

    public abstract static class Item {
        private final long id;
        public final Task task;
        private final long inQueueSince;

        /** Harness: Jenkins' constructor also takes actions and a future. */
        protected Item(Task task, long id, long inQueueSince) {
            this.task = task;
            this.id = id;
            this.inQueueSince = inQueueSince;
        }

        protected Item(Item item) {
            this(item.task, item.id, item.inQueueSince);
        }

        public long getId() {
            return id;
        }

        public long getInQueueSince() {
            return inQueueSince;
        }

        public Label getAssignedLabel() {
            return task.getAssignedLabel();
        }

        @Override
        public String toString() {
            return getClass().getSimpleName() + ":" + id;
        }
    }

    public abstract static class NotWaitingItem extends Item {
        protected NotWaitingItem(Task task, long id, long inQueueSince) {
            super(task, id, inQueueSince);
        }

        protected NotWaitingItem(Item item) {
            super(item);
        }
    }

    public static final class BuildableItem extends NotWaitingItem {
        private volatile boolean isPending;

        BuildableItem(Task task, long id, long inQueueSince) {
            super(task, id, inQueueSince);
        }

        BuildableItem(Item item) {
            super(item);
        }

        public boolean isPending() {
            return isPending;
        }
    }

    public final class BlockedItem extends NotWaitingItem {
        BlockedItem(Item item) {
            super(item);
        }
    }

    public static final class LeftItem extends Item {
        public final WorkUnitContext outcome;

        public LeftItem(WorkUnitContext wuc) {
            super(wuc.item);
            this.outcome = wuc;
        }

        public LeftItem(Item cancelled) {
            super(cancelled);
            this.outcome = null;
        }

        public boolean isCancelled() {
            return outcome == null;
        }
    }
}
