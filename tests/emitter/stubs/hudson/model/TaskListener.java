package hudson.model;

/**
 * Stand-in for {@code hudson.model.TaskListener} (docs/jenkins-api.md §23): the computer's launch
 * log in {@code ComputerListener.onOnline}. In Jenkins it extends
 * {@code SerializableOnlyOverRemoting}; the script only passes it through.
 */
public interface TaskListener {}
