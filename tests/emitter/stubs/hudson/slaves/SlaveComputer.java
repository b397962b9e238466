package hudson.slaves;

import hudson.model.Computer;
import hudson.model.Executor;
import hudson.model.Slave;

/**
 * Stand-in for {@code hudson.slaves.SlaveComputer} (docs/jenkins-api.md §19, §20): the
 * accepting-tasks flag is transient and volatile, as in Jenkins.
 */
public class SlaveComputer extends Computer {
    private transient volatile boolean acceptingTasks = true;

    /** Harness: an agent's computer with one executor. */
    public SlaveComputer(Slave slave) {
        super(slave);
        executors.add(new Executor(this, 0));
    }

    @Override
    public boolean isAcceptingTasks() {
        return acceptingTasks && super.isAcceptingTasks();
    }

    public void setAcceptingTasks(boolean acceptingTasks) {
        this.acceptingTasks = acceptingTasks;
    }

    @Override
    public Slave getNode() {
        return (Slave) super.getNode();
    }
}
