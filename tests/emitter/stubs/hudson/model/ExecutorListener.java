package hudson.model;

import hudson.ExtensionPoint;

/**
 * Stand-in for {@code hudson.model.ExecutorListener}, an extension point since 2.318
 * (docs/jenkins-api.md §19).
 */
public interface ExecutorListener extends ExtensionPoint {
    default void taskAccepted(Executor executor, Queue.Task task) {}

    default void taskStarted(Executor executor, Queue.Task task) {}

    default void taskCompleted(Executor executor, Queue.Task task, long durationMS) {}

    default void taskCompletedWithProblems(
            Executor executor, Queue.Task task, long durationMS, Throwable problems) {}
}
