package hudson.model;

/**
 * Stand-in for {@code hudson.model.OneOffExecutor}: runs flyweight tasks such as a Pipeline's own
 * run (docs/jenkins-api.md §19).
 */
public class OneOffExecutor extends Executor {
    public OneOffExecutor(Computer owner) {
        super(owner, -1);
    }
}
