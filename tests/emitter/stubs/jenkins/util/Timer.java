package jenkins.util;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Stand-in for {@code jenkins.util.Timer} (docs/jenkins-api.md §10, §19). Repeating tasks are
 * recorded, not timed: the driver runs them when a test says "a sweep happens", so no test
 * waits for, or races with, a real 10 s period.
 */
public class Timer {
    static ScheduledExecutorService executorService;

    /** Harness: when set, the next {@link #get()} throws it (an installation that breaks). */
    public static volatile Error harnessErrorOnGet;

    public static synchronized ScheduledExecutorService get() {
        Error error = harnessErrorOnGet;
        if (error != null) {
            harnessErrorOnGet = null;
            throw error;
        }
        if (executorService == null) {
            executorService = new Recording();
        }
        return executorService;
    }

    /** Harness: the repeating tasks not cancelled yet. */
    public static synchronized List<Periodic> harnessPeriodic() {
        List<Periodic> live = new CopyOnWriteArrayList<>();
        if (executorService != null) {
            for (Periodic p : ((Recording) executorService).periodic) {
                if (!p.future.isCancelled()) live.add(p);
            }
        }
        return live;
    }

    /** Harness: a repeating task and the delay it asked for. */
    public static final class Periodic {
        public final Runnable command;
        public final long delayMillis;
        final ScheduledFuture<?> future;

        Periodic(Runnable command, long delayMillis, ScheduledFuture<?> future) {
            this.command = command;
            this.delayMillis = delayMillis;
            this.future = future;
        }
    }

    private static final class Recording extends ScheduledThreadPoolExecutor {
        final List<Periodic> periodic = new CopyOnWriteArrayList<>();

        Recording() {
            super(1, r -> {
                Thread t = new Thread(r, "jenkins.util.Timer [#1]");
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(
                Runnable command, long initialDelay, long delay, TimeUnit unit) {
            // A future that can be cancelled like the real one but never fires by itself.
            ScheduledFuture<?> future = super.schedule(() -> {}, 365, TimeUnit.DAYS);
            periodic.add(new Periodic(command, unit.toMillis(delay), future));
            return future;
        }
    }
}
