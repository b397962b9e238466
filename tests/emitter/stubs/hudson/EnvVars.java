package hudson;

import java.util.Map;
import java.util.TreeMap;

/**
 * Stand-in for {@code hudson.EnvVars} (docs/jenkins-api.md §18, §19). {@link #masterEnvVars} is,
 * as in Jenkins, a mutable copy of the controller's environment taken when the class loads; it is
 * what System Information shows and what builds on the built-in node inherit.
 */
public class EnvVars extends TreeMap<String, String> {
    public static final Map<String, String> masterEnvVars = new EnvVars(System.getenv());

    public EnvVars(Map<String, String> m) {
        super(m);
    }
}
