package hudson.model;

import hudson.model.labels.LabelAtom;

/**
 * Stand-in for {@code hudson.model.Node} (docs/jenkins-api.md §19): a node's name, its
 * description and its self label (an atom equal to the name).
 */
public abstract class Node {
    public abstract String getNodeName();

    public abstract String getNodeDescription();

    public LabelAtom getSelfLabel() {
        return new LabelAtom(getNodeName());
    }
}
