package hudson.model.queue;

import hudson.ExtensionPoint;
import hudson.model.Queue.BuildableItem;
import hudson.model.Queue.LeftItem;

/**
 * Stand-in for {@code hudson.model.queue.QueueListener} (docs/jenkins-api.md §19): only the two
 * callbacks the emitter overrides.
 */
public abstract class QueueListener implements ExtensionPoint {
    public void onEnterBuildable(BuildableItem bi) {}

    public void onLeft(LeftItem li) {}
}
