package hudson.model;

/**
 * Stand-in for {@code hudson.model.Label} (docs/jenkins-api.md §19): equal by name, as in Jenkins.
 */
public abstract class Label {
    protected final transient String name;

    protected Label(String name) {
        this.name = name;
    }

    public final String getName() {
        return name;
    }

    public abstract String getExpression();

    @Override
    public final boolean equals(Object that) {
        return that instanceof Label && name.equals(((Label) that).name);
    }

    @Override
    public final int hashCode() {
        return name.hashCode();
    }
}
