package hudson.model;

/**
 * Stand-in for {@code hudson.model.Slave}: an agent node with a name and a description
 * (docs/jenkins-api.md §19).
 */
public abstract class Slave extends Node {
    private final String name;
    private final String description;

    /** Harness: Jenkins' constructors take the whole node configuration. */
    protected Slave(String name, String description) {
        this.name = name;
        this.description = description;
    }

    @Override
    public String getNodeName() {
        return name;
    }

    @Override
    public String getNodeDescription() {
        return description;
    }
}
