package hudson.model;

import java.io.PrintStream;

/** Stand-in for {@code hudson.model.TaskListener}: where a build's log is printed. */
public interface TaskListener {
    PrintStream getLogger();
}
