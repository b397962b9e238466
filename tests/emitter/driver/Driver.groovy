import hudson.EnvVars
import hudson.ExtensionList
import hudson.ProxyConfiguration
import hudson.model.Computer
import hudson.model.Executor
import hudson.model.ExecutorListener
import hudson.model.Label
import hudson.model.OneOffExecutor
import hudson.model.Queue
import hudson.model.Slave
import hudson.model.TaskListener
import hudson.model.labels.LabelAtom
import hudson.model.queue.QueueListener
import hudson.model.queue.WorkUnit
import hudson.model.queue.WorkUnitContext
import hudson.slaves.ComputerListener
import hudson.slaves.OfflineCause
import hudson.slaves.SlaveComputer
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import java.util.logging.Handler
import java.util.logging.Level
import java.util.logging.LogManager
import java.util.logging.LogRecord
import java.util.logging.Logger
import jenkins.model.Jenkins
import jenkins.util.Timer
import org.jenkinsci.plugins.workflow.flow.FlowExecutionOwner

/**
 * Plays Jenkins around the emitter script: reads one command per line on stdin, answers with
 * zero or more lines and then `ok` (or `error …`) on stdout. Every log record is printed as it
 * happens, as a `log` line. The commands are listed in tests/emitter/README.md.
 *
 * Usage: Driver <script file> <Jenkins root URL or "none">
 */
class Driver {
    static File script
    // One Binding for every evaluation, as GroovyHookScript keeps one for all init scripts.
    static final Binding binding = new Binding()
    static final Map<Long, HarnessTask> tasks = new ConcurrentHashMap<Long, HarnessTask>()
    // Held: JUL keeps loggers weakly, and a collected one forgets the level set here.
    static final Logger emitterLog = Logger.getLogger('ecs-agents.emitter')

    static void main(String[] args) {
        script = new File(args[0])
        Jenkins.harnessStart(args[1] == 'none' ? null : args[1])
        captureLogs()
        def input = new BufferedReader(new InputStreamReader(System.in, 'UTF-8'))
        for (String line = input.readLine(); line != null; line = input.readLine()) {
            try {
                execute(line.trim())
                say('ok')
            } catch (Throwable t) {
                say("error ${t}")
            }
        }
    }

    /** One line of output; println on one stream is atomic, so lines never interleave. */
    static void say(Object text) {
        System.out.println(text.toString().replace('\r', '\\r').replace('\n', '\\n'))
    }

    /** Every record of every logger, FINE and up, as `log<TAB>level<TAB>logger<TAB>message<TAB>params<TAB>thrown`. */
    static void captureLogs() {
        LogManager.getLogManager().reset()
        Handler handler = new Handler() {
            void publish(LogRecord r) {
                String params = r.parameters == null ? 'none' : r.parameters.toList().toString()
                String thrown = r.thrown == null ? 'none' : r.thrown.toString()
                say(['log', r.level, r.loggerName, r.message, params, thrown]
                    .collect { String.valueOf(it).replace('\t', ' ') }.join('\t'))
            }
            void flush() {}
            void close() {}
        }
        handler.level = Level.ALL
        Logger root = Logger.getLogger('')
        root.addHandler(handler)
        root.level = Level.INFO
        emitterLog.level = Level.FINE
    }

    static void execute(String line) {
        List<String> words = line.split(/\s+/).toList()
        switch (words[0]) {
            case 'run': run(); break
            case 'queue': inQueueLock(line.substring('queue'.length())); break
            case 'restore': restore(words[1].toLong(), words[2]); break
            case 'flood': flood(words[1].toLong(), words[2].toInteger(), words[3]); break
            case 'node': node(words[1], line.split(/\s+/, 3).size() > 2 ? line.split(/\s+/, 3)[2] : ''); break
            case 'accept': accept(words[1], words.contains('oneoff'), words.drop(2).find { it.isLong() }?.toLong()); break
            case 'online': online(words[1]); break
            case 'finish': executor(words[1]).harnessIdle(true); break
            case 'accepting': say("accepting ${words[1]} ${computer(words[1]).isAcceptingTasks()}"); break
            case 'sweep': sweep(); break
            case 'listeners': listeners(); break
            case 'env': say("env ${words[1]} ${EnvVars.masterEnvVars.containsKey(words[1]) ? 'present' : 'absent'}"); break
            case 'proxy': proxy(words[1]); break
            case 'fault': Timer.harnessErrorOnGet = new NoClassDefFoundError('jenkins/util/Timer (a fault the harness injected)'); break
            case 'threads': say("threads ${words[1]} ${Thread.getAllStackTraces().keySet().count { it.alive && it.name.contains(words[1]) }}"); break
            case 'taskcalls': taskCalls(words[1].toLong()); break
            case 'sleep': Thread.sleep(words[1].toLong()); break
            case 'offline': offline(words[1], line.split(/\s+/, 3).size() > 2 ? line.split(/\s+/, 3)[2] : null); break
            case 'buildlog': buildLog(words[1].toLong()); break
            default: throw new IllegalArgumentException("unknown command: ${line}")
        }
    }

    /** Evaluates the script exactly as GroovyHookScript.execute(GroovyCodeSource) does. */
    static void run() {
        def source = new GroovyCodeSource(script)
        try {
            def result = new GroovyShell(Driver.classLoader, binding).evaluate(source)
            say("result ${result}")
        } catch (RuntimeException x) {
            // GroovyHookScript logs it and Jenkins carries on.
            Logger.getLogger('jenkins.util.groovy.GroovyHookScript').log(Level.WARNING, "Failed to run script ${source.name}", x)
            say("failed ${x}")
        } catch (Throwable t) {
            // GroovyHookScript lets anything else escape: Jenkins would not start.
            say("escaped ${t}")
        }
    }

    static Queue queue() {
        Jenkins.get().getQueue()
    }

    /** `queue enter 1 linux ; take 1`: the steps of one queue pass, under one hold of the lock. */
    static void inQueueLock(String steps) {
        Throwable failure = null
        Queue.withLock({
            try {
                steps.split(';').each { queueStep(it.trim().split(/\s+/).toList()) }
            } catch (Throwable t) {
                failure = t
            }
        } as Runnable)
        if (failure != null) throw failure
    }

    static void queueStep(List<String> step) {
        long id = step[1].toLong()
        switch (step[0]) {
            case 'enter':     // label '-' = unrestricted; a third word 'flyweight' or 'pipeline' = such a task
                queue().harnessEnterBuildable(task(id, step[2], step.size() > 3 ? step[3] : null), id, inQueueSince(id), true)
                break
            case 'take': queue().harnessMakePending(id); break
            case 'start': queue().harnessStart(id); break
            case 'cancel': queue().harnessCancel(id); break
            case 'block': queue().harnessBlock(id); break
            case 'unblock': queue().harnessUnblock(id); break
            default: throw new IllegalArgumentException("unknown queue step: ${step}")
        }
    }

    /** An item Jenkins restored from disk before the script registered its listener. */
    static void restore(long id, String label) {
        Queue.withLock({ queue().harnessEnterBuildable(task(id, label, null), id, inQueueSince(id), false) } as Runnable)
    }

    /** `count` items entering buildable one after another, each in its own queue pass. */
    static void flood(long from, int count, String label) {
        for (long id = from; id < from + count; id++) {
            long item = id
            Queue.withLock({ queue().harnessEnterBuildable(task(item, label, null), item, inQueueSince(item), true) } as Runnable)
        }
    }

    static long inQueueSince(long id) {
        1764270000000L + id
    }

    /** `kind`: null for a freestyle job, 'flyweight', or 'pipeline' (a `node` block of a run). */
    static HarnessTask task(long id, String label, String kind) {
        Label assigned = label == '-' ? null : label ==~ /[\w.-]+/ ? new LabelAtom(label) : new Expression(label)
        HarnessTask t = kind == 'flyweight' ? new HarnessFlyweight(id, assigned)
            : kind == 'pipeline' ? new HarnessNodeBlock(id, assigned) : new HarnessTask(id, assigned)
        tasks[id] = t
        t
    }

    /**
     * The functions' user sets an offline cause (changeOfflineCause): Jenkins tells every
     * ComputerListener from Node.setTemporaryOfflineCause, each failure caught (Listeners.notify).
     */
    static void offline(String name, String message) {
        OfflineCause cause = new OfflineCause.UserCause('ecs-agents', message)
        for (ComputerListener l : ExtensionList.lookup(ComputerListener)) {
            try {
                l.onTemporarilyOffline(computer(name), cause)
            } catch (Throwable t) {
                Logger.getLogger('jenkins.util.Listeners').log(Level.WARNING, null, t)
            }
        }
    }

    /** `buildlog ID <line>` for every line printed to item ID's Pipeline run so far. */
    static void buildLog(long id) {
        def t = tasks[id]
        if (!(t instanceof HarnessNodeBlock)) throw new IllegalArgumentException("item ${id} is no Pipeline node block")
        ((HarnessNodeBlock) t).run.lines().each { say("buildlog ${id} ${it}") }
    }

    static void node(String name, String description) {
        Jenkins.get().harnessAddAgent(new HarnessAgent(name, description))
    }

    static SlaveComputer computer(String name) {
        def c = Jenkins.get().harnessComputers().find { it.getName() == name }
        if (!(c instanceof SlaveComputer)) throw new IllegalArgumentException("no agent ${name}")
        (SlaveComputer) c
    }

    static Executor executor(String name) {
        computer(name).getExecutors()[0]
    }

    /**
     * The executor takes work; WorkUnitContext then tells every ExecutorListener on its thread.
     * With an item id, the work is that queue item's (its work unit's context.item); without,
     * the executor holds no work unit, which only the single-use tests rely on.
     */
    static void accept(String name, boolean oneOff, Long itemId = null) {
        Executor executor = oneOff ? new OneOffExecutor(computer(name)) : executor(name)
        if (itemId != null) {
            def item = queue().getItem(itemId)
            if (!(item instanceof Queue.BuildableItem)) throw new IllegalStateException("item ${itemId} is not buildable: ${item}")
            executor.harnessWorkUnit(new WorkUnit(new WorkUnitContext((Queue.BuildableItem) item)))
        }
        executor.harnessIdle(false)
        Queue.Task work = new HarnessTask(0, null)
        def thread = new Thread({
            for (ExecutorListener l : ExtensionList.lookup(ExecutorListener)) {
                try {
                    l.taskAccepted(executor, work)
                } catch (Throwable t) {
                    Logger.getLogger('hudson.model.queue.WorkUnitContext').log(Level.WARNING, null, t)
                }
            }
        } as Runnable, executor.getName())
        thread.start()
        thread.join()
    }

    /** The agent connected: every ComputerListener's onOnline on the connecting thread, each failure caught and logged (SlaveComputer.setChannel). */
    static void online(String name) {
        SlaveComputer c = computer(name)
        TaskListener log = { System.err } as TaskListener    // the computer's launch log
        def thread = new Thread({
            for (ComputerListener l : ExtensionList.lookup(ComputerListener)) {
                try {
                    l.onOnline(c, log)
                } catch (Exception e) {
                    Logger.getLogger('hudson.slaves.SlaveComputer').log(Level.WARNING, null, e)
                }
            }
        } as Runnable, "Channel reader thread: ${name}")
        thread.start()
        thread.join()
    }

    /** Runs every live repeating task once, on a Timer thread, and waits for it. */
    static void sweep() {
        def periodic = Timer.harnessPeriodic()
        say("periodic ${periodic.size()} every ${periodic*.delayMillis.unique().join(',') ?: '-'} ms")
        periodic.each { p ->
            def thread = new Thread(p.command, 'jenkins.util.Timer [#1]')
            thread.start()
            thread.join()
        }
    }

    static void listeners() {
        say("listeners queue=${ExtensionList.lookup(QueueListener).size()} executor=${ExtensionList.lookup(ExecutorListener).size()} computer=${ExtensionList.lookup(ComputerListener).size()}")
    }

    static void proxy(String hostPort) {
        def (host, port) = hostPort.tokenize(':')
        ProxyConfiguration.harnessProxy = new InetSocketAddress(host, port.toInteger())
    }

    static void taskCalls(long id) {
        def t = tasks[id]
        say("taskcalls ${id} locked=${t.locked.get()} unlocked=${t.unlocked.get()}")
    }
}

/** A queued job; counts whether its name and URL were asked for under the queue lock. */
class HarnessTask implements Queue.Task {
    final long id
    final Label label
    final AtomicInteger locked = new AtomicInteger()
    final AtomicInteger unlocked = new AtomicInteger()

    HarnessTask(long id, Label label) {
        this.id = id
        this.label = label
    }

    String getFullDisplayName() {
        count()
        "app \u00bb job-${id}"
    }

    String getUrl() {
        count()
        "job/app/job/job-${id}/"
    }

    Label getAssignedLabel() {
        label
    }

    void count() {
        (Queue.harnessLockHeld() ? locked : unlocked).incrementAndGet()
    }
}

/**
 * A Pipeline `node` block waiting in the queue (ExecutorStepExecution.PlaceholderTask): its
 * owner executable is its run (docs/jenkins-api.md §25).
 */
class HarnessNodeBlock extends HarnessTask {
    final HarnessRun run = new HarnessRun()

    HarnessNodeBlock(long id, Label label) {
        super(id, label)
    }

    Queue.Executable getOwnerExecutable() {
        run
    }
}

/** A Pipeline run (WorkflowRun): its owner's listener prints to its log, kept here. */
class HarnessRun implements FlowExecutionOwner.Executable {
    final ByteArrayOutputStream log = new ByteArrayOutputStream()
    final PrintStream logger = new PrintStream(log, true, 'UTF-8')

    FlowExecutionOwner asFlowExecutionOwner() {
        HarnessRun run = this
        new FlowExecutionOwner() {
            TaskListener getListener() {
                return ({ run.logger } as TaskListener)
            }
        }
    }

    void run() {}

    List<String> lines() {
        synchronized (log) {
            log.toString('UTF-8').readLines()
        }
    }
}

class HarnessFlyweight extends HarnessTask implements Queue.FlyweightTask {
    HarnessFlyweight(long id, Label label) {
        super(id, label)
    }
}

/** A label expression such as `linux&&arm64`: named by its (normalised) expression, as in Jenkins. */
class Expression extends Label {
    Expression(String expression) {
        super(expression)
    }

    String getExpression() {
        name
    }
}

class HarnessAgent extends Slave {
    HarnessAgent(String name, String description) {
        super(name, description)
    }
}
