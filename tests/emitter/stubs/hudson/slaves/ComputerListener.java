package hudson.slaves;

import hudson.ExtensionPoint;
import hudson.model.Computer;
import hudson.model.TaskListener;
import java.io.IOException;

/**
 * Stand-in for {@code hudson.slaves.ComputerListener} (docs/jenkins-api.md §19, §23): Jenkins
 * calls {@code onOnline} on the thread that connected the computer, each listener's exception
 * caught and logged ({@code SlaveComputer.setChannel}).
 */
public abstract class ComputerListener implements ExtensionPoint {
    public void onOnline(Computer c, TaskListener listener) throws IOException, InterruptedException {}
}
