package hudson;

/**
 * Stand-in for {@code hudson.ExtensionPoint}: a marker interface (docs/jenkins-api.md §19).
 */
public interface ExtensionPoint {}
