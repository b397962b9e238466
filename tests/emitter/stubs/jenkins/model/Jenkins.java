package jenkins.model;

import hudson.model.AbstractCIBase;
import hudson.model.Computer;
import hudson.model.Node;
import hudson.model.Queue;
import hudson.model.Slave;
import hudson.model.labels.LabelAtom;
import hudson.slaves.SlaveComputer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stand-in for {@code jenkins.model.Jenkins} (docs/jenkins-api.md §19): the controller, its
 * built-in node (self label {@code built-in}), its agents and its queue.
 */
public class Jenkins extends AbstractCIBase {
    private static volatile Jenkins instance;

    private final Queue queue = new Queue();
    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private final List<Computer> computers = new CopyOnWriteArrayList<>();
    private volatile String rootUrl;

    private Jenkins(String rootUrl) {
        this.rootUrl = rootUrl;
        computers.add(new Computer(this) {});
    }

    /** Harness: the controller comes up with this root URL (null = not configured). */
    public static synchronized Jenkins harnessStart(String rootUrl) {
        instance = new Jenkins(rootUrl);
        return instance;
    }

    /** Harness: an agent node is added, with its computer. */
    public SlaveComputer harnessAddAgent(Slave slave) {
        nodes.put(slave.getNodeName(), slave);
        SlaveComputer computer = new SlaveComputer(slave);
        computers.add(computer);
        return computer;
    }

    public static Jenkins get() throws IllegalStateException {
        Jenkins j = instance;
        if (j == null) {
            throw new IllegalStateException("Jenkins has not been started, or was already shut down");
        }
        return j;
    }

    public static Jenkins getInstanceOrNull() {
        return instance;
    }

    public Queue getQueue() {
        return queue;
    }

    public Computer[] getComputers() {
        return computers.toArray(new Computer[0]);
    }

    public String getRootUrl() throws IllegalStateException {
        return rootUrl;
    }

    public Node getNode(String name) {
        return nodes.get(name);
    }

    @Override
    public LabelAtom getSelfLabel() {
        return new LabelAtom("built-in");
    }

    @Override
    public String getNodeName() {
        return "";
    }

    @Override
    public String getNodeDescription() {
        return "the Jenkins controller's built-in node";
    }

    /** Harness: every agent computer, by name. */
    public List<Computer> harnessComputers() {
        return new ArrayList<>(computers);
    }
}
