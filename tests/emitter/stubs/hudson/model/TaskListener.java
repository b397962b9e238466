package hudson.model;

import java.io.PrintStream;

/**
 * Stand-in for {@code hudson.model.TaskListener}: where a log is printed. The emitter meets two:
 * the computer's launch log in {@code ComputerListener.onOnline} (docs/jenkins-api.md §23), which
 * it only passes through, and a Pipeline run's log from {@code FlowExecutionOwner.getListener()}
 * (§25), which it prints to. In Jenkins it extends {@code SerializableOnlyOverRemoting}.
 */
public interface TaskListener {
    PrintStream getLogger();
}
