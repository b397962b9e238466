package org.jenkinsci.plugins.workflow.flow;

import hudson.model.Queue;
import hudson.model.TaskListener;
import java.io.IOException;

/**
 * Stand-in for {@code org.jenkinsci.plugins.workflow.flow.FlowExecutionOwner} of the
 * workflow-api plugin (docs/jenkins-api.md §25): a Pipeline run's owner, whose
 * {@code getListener()} is the run's log. The emitter never names this class (the Pipeline
 * plugins are optional): it reaches it by duck typing, and the driver's Pipeline runs implement
 * {@link Executable} as {@code WorkflowRun} does.
 */
public abstract class FlowExecutionOwner {
    public TaskListener getListener() throws IOException {
        throw new IOException("not implemented");
    }

    /** {@code WorkflowRun} implements it. */
    public interface Executable extends Queue.Executable {
        FlowExecutionOwner asFlowExecutionOwner();
    }
}
