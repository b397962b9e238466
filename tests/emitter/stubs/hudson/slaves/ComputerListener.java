package hudson.slaves;

import hudson.ExtensionPoint;
import hudson.model.Computer;
import hudson.model.TaskListener;
import java.io.IOException;

/**
 * Stand-in for {@code hudson.slaves.ComputerListener} (docs/jenkins-api.md §19, §23, §24): the two
 * callbacks the emitter overrides. Jenkins calls {@code onOnline} on the thread that connected the
 * computer, each listener's exception caught and logged ({@code SlaveComputer.setChannel}), and
 * {@code onTemporarilyOffline} from {@code Node.setTemporaryOfflineCause}, inside the request that
 * set the cause ({@code changeOfflineCause}), each listener's failure caught.
 */
public abstract class ComputerListener implements ExtensionPoint {
    public void onOnline(Computer c, TaskListener listener) throws IOException, InterruptedException {}

    public void onTemporarilyOffline(Computer c, OfflineCause cause) {}
}
