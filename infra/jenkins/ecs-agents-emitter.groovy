/*
 * ecs-agents emitter: tells the ecs-agents queue webhook what happens in the Jenkins queue
 * (docs/webhook-protocol.md) and keeps single-use agents to one build (docs/emitter.md).
 *
 * Install: copy to $JENKINS_HOME/init.groovy.d/ and restart, or run once in the Script Console.
 * Running it again (Script Console, upgrade) replaces the previous instance.
 *
 * Jenkins APIs used (public javadoc):
 *   hudson.ExtensionList.lookup(Class), .add(Object), .remove(Object)  register / unregister
 *   hudson.model.queue.QueueListener.onEnterBuildable(Queue.BuildableItem), .onLeft(Queue.LeftItem)
 *   hudson.model.Queue.getItem(long), .getBuildableItems() (lock-free); Queue.BuildableItem.isPending()
 *   hudson.model.Queue.Item.getId(), .getAssignedLabel(), .getInQueueSince(), field .task
 *   hudson.model.Queue.FlyweightTask
 *   hudson.model.Queue.Task.getFullDisplayName(), .getUrl()
 *   hudson.model.Queue.LeftItem.isCancelled()
 *   hudson.model.Label.getExpression(), .getName()
 *   hudson.model.ExecutorListener.taskAccepted(Executor, Queue.Task)  (an extension point since 2.318)
 *   hudson.model.Executor.getOwner(), .isIdle(); hudson.model.OneOffExecutor (flyweight work)
 *   hudson.model.Computer.getName(), .getNode(), .isAcceptingTasks(), .isIdle(), .getExecutors()
 *   hudson.model.Node.getNodeDescription()
 *   hudson.slaves.SlaveComputer.setAcceptingTasks(boolean)
 *   jenkins.model.Jenkins.get(), .getRootUrl(), .getComputers(), .getQueue(), .getNode(String), .getSelfLabel()
 *   jenkins.util.Timer.get()  (a ScheduledExecutorService)
 *   hudson.EnvVars.masterEnvVars  (Jenkins' copy of its environment)
 *   hudson.ProxyConfiguration.newHttpClientBuilder()  (Jenkins' proxy settings, since 2.379)
 *   hudson.slaves.ComputerListener.onOnline(Computer, TaskListener)  (time to start; what a waiting build shows)
 *   hudson.slaves.ComputerListener.onTemporarilyOffline(Computer, OfflineCause)  (what a waiting build shows)
 *   hudson.model.Executor.getCurrentWorkUnit(); hudson.model.queue.WorkUnit.context; WorkUnitContext.item
 *   hudson.model.queue.SubTask.getOwnerExecutable()  (since 2.389: a Pipeline node block's run)
 *   org.jenkinsci.plugins.workflow.flow.FlowExecutionOwner.Executable.asFlowExecutionOwner(),
 *     FlowExecutionOwner.getListener()  (a Pipeline run's log; duck-typed: the plugins are optional)
 */
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import hudson.EnvVars
import hudson.ExtensionList
import hudson.ProxyConfiguration
import hudson.model.Computer
import hudson.model.Executor
import hudson.model.ExecutorListener
import hudson.model.Label
import hudson.model.OneOffExecutor
import hudson.model.Queue
import hudson.model.TaskListener
import hudson.model.queue.QueueListener
import hudson.slaves.ComputerListener
import hudson.slaves.OfflineCause
import hudson.slaves.SlaveComputer
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.charset.StandardCharsets
import java.time.Duration
import java.util.concurrent.ArrayBlockingQueue
import java.util.concurrent.RejectedExecutionHandler
import java.util.concurrent.ScheduledFuture
import java.util.concurrent.ThreadFactory
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.ThreadPoolExecutor
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import java.util.logging.Level
import java.util.logging.Logger
import java.util.regex.Pattern
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec
import jenkins.model.Jenkins
import jenkins.util.Timer

/** One instance, registered both as QueueListener and as ExecutorListener. */
class EcsAgentsEmitter extends QueueListener implements ExecutorListener, Closeable {
    static final Logger LOG = Logger.getLogger('ecs-agents.emitter')
    static final int ATTEMPTS = 3                  // per event, each signed anew
    static final long MAX_BACKOFF_MS = 10_000      // cap on our own exponential backoff
    // Cap on the webhook's Retry-After, above the 30 s it asks for (functions/ecs-agents/src/webhook/mod.rs).
    static final long MAX_RETRY_AFTER_MS = 60_000
    static final int BACKLOG = 1000                // events waiting for a posting thread
    static final int REMEMBERED = 10_000           // bound of the de-duplication sets
    static final String CLAIMED = 'claimed'        // announced: waiting for the delay before it is posted
    static final String POSTED = 'posted'          // announced: queue.buildable handed to the webhook
    /** How the functions describe the nodes they create (functions/ecs-agents/src/launch/request.rs, agent_node). */
    static final Pattern OUR_NODES = ~/(?s)ECS agent \(template .*; created \d+\s*/

    final URI webhook
    final byte[] secret
    final String prefix
    final List<String> reusable
    final long buildableDelayMs
    final HttpClient http
    // Posting never happens on the queue lock or a build thread: 2 threads, bounded backlog.
    final ThreadPoolExecutor posts
    final Map<Long, String> announced = bounded()   // queue item -> CLAIMED or POSTED
    final Set<String> released = Collections.newSetFromMap(bounded())   // nodes sent as agent.released
    final AtomicLong dropped = new AtomicLong()    // events the full backlog refused since the last report
    final Set<String> online = Collections.newSetFromMap(bounded())    // nodes sent as agent.online
    final Set<String> started = Collections.newSetFromMap(bounded())   // "node item" sent as build.started
    final EcsAgentsBuildLog buildLog                // what a waiting build shows (docs/emitter.md)
    final EcsAgentsComputers computers = new EcsAgentsComputers(this)   // the one ComputerListener: a class of its own
    ScheduledFuture<?> sweeper

    EcsAgentsEmitter(URI webhook, byte[] secret, String prefix, List<String> reusable, long buildableDelayMs) {
        this.webhook = webhook
        this.secret = secret
        this.prefix = prefix
        this.reusable = reusable
        this.buildableDelayMs = buildableDelayMs
        buildLog = new EcsAgentsBuildLog(prefix)
        http = httpClient()
        def count = new AtomicInteger()
        ThreadFactory threads = { Runnable r ->
            def t = new Thread(r, "ecs-agents-emitter-${count.incrementAndGet()}")
            t.daemon = true
            t
        } as ThreadFactory
        RejectedExecutionHandler drop = { Runnable r, ThreadPoolExecutor pool ->
            if (pool.isShutdown()) return
            // Often under the queue lock, and maybe a thousand times a second: one line now, a
            // count with the next sweep (reportDrops).
            if (dropped.getAndIncrement() == 0) {
                say(Level.WARNING, "backlog full (${BACKLOG} events): dropping events until it drains, " +
                    'the reconciler catches up; a count follows')
            }
            ((EcsAgentsPost) r).undelivered?.call()
        } as RejectedExecutionHandler
        posts = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<Runnable>(BACKLOG), threads, drop)
        posts.allowCoreThreadTimeOut(true)
    }

    /**
     * With the proxy configured in Jenkins (plugin manager → Advanced; docs/jenkins-api.md §18),
     * on HTTP/1.1: over http:// the JDK's default HTTP/2 asks for an h2c upgrade with every
     * request, which trips up local emulators and some proxies.
     */
    static HttpClient httpClient() {
        HttpClient.Builder builder
        try {
            builder = ProxyConfiguration.newHttpClientBuilder()
        } catch (MissingMethodException e) {            // Jenkins before 2.379: the JVM's -Dhttps.proxyHost… only
            builder = HttpClient.newBuilder()
        }
        builder.version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()
    }

    /** A thread-safe map that forgets its oldest entries beyond REMEMBERED. */
    static Map bounded() {
        Map lru = new LinkedHashMap() {
            protected boolean removeEldestEntry(Map.Entry eldest) { size() > REMEMBERED }
        }
        Collections.synchronizedMap(lru)
    }

    /** Registers, schedules the sweep, and announces what already waits; returns how many items wait. */
    int start() {
        ExtensionList.lookup(QueueListener).add(this)       // ExtensionList.add: deprecated, works from scripts
        ExtensionList.lookup(ExecutorListener).add(this)
        ExtensionList.lookup(ComputerListener).add(computers)
        // jenkins.util.Timer.get(): shared pool; the sweep catches everything so the repetition never dies.
        sweeper = Timer.get().scheduleWithFixedDelay({ sweep() } as Runnable, 10, 10, TimeUnit.SECONDS)
        // Jenkins restores its queue and runs init scripts in no fixed order, and a re-run starts
        // with an empty memory: items that became buildable before we listened do not enter again
        // (docs/jenkins-api.md §17). Registered first, so the de-duplication covers an item
        // entering meanwhile; the same path as onEnterBuildable, pending ones are dropped there.
        List<Queue.BuildableItem> waiting = Jenkins.get().getQueue().getBuildableItems()
        waiting.each { onEnterBuildable(it) }
        waiting.size()
    }

    /** Unregisters, stops the sweep, drops the backlog, shuts the HTTP client down. */
    void close() {
        ExtensionList.lookup(QueueListener).remove(this)
        ExtensionList.lookup(ExecutorListener).remove(this)
        ExtensionList.lookup(ComputerListener).remove(computers)
        sweeper?.cancel(false)
        int queued = posts.shutdownNow().size()
        shutDown(http)
        reportDrops()
        if (queued > 0) say(Level.INFO, "emitter stopped, ${queued} queued event(s) dropped")
    }

    /**
     * Ends the client's selector thread now rather than when the client is garbage (observed
     * surviving re-runs). HttpClient.shutdownNow() exists from Java 21; it leaves alone an
     * executor it was given, such as the one Jenkins shares (docs/jenkins-api.md §18).
     */
    static void shutDown(HttpClient client) {
        try {
            HttpClient.class.getMethod('shutdownNow').invoke(client)
        } catch (NoSuchMethodException e) {                // Java 17
        }
    }

    /** How many events the full backlog refused since the last report, if any. */
    void reportDrops() {
        long count = dropped.getAndSet(0)
        if (count > 0) say(Level.WARNING, "backlog full: ${count} event(s) dropped; the reconciler catches up")
    }

    /** Logs as 'ecs-agents.emitter' (not as the Groovy call site). Never given the secret. */
    static void say(Level level, String message, Throwable error = null) {
        // Not logp(…, msg, null): Groovy 2.4 dispatches a null to the Object overload, giving a
        // record with parameters [null] whose message formatters run through MessageFormat.
        if (error == null) {
            LOG.logp(level, 'ecs-agents.emitter', '', 'ecs-agents: ' + message)
        } else {
            LOG.logp(level, 'ecs-agents.emitter', '', 'ecs-agents: ' + message, error)
        }
    }

    /**
     * One of our single-use agents: named `<cloud>-…` (not with a reusable template's prefix),
     * and described as the functions describe our nodes. A name alone could be another cloud's
     * or a static agent's, which must never be switched off or released.
     */
    boolean singleUse(Computer computer) {
        String name = computer.getName()
        if (!name.startsWith(prefix) || reusable.any { name.startsWith(it) }) return false
        String description = computer.getNode()?.getNodeDescription()
        description != null && description ==~ OUR_NODES
    }

    // --- Queue events. Called under the queue lock: read the item, hand off, return. ---

    @Override
    void onEnterBuildable(Queue.BuildableItem item) {
        Label label = item.getAssignedLabel()               // null = unrestricted: never ours
        // A flyweight (a Pipeline's own run) runs on the controller, never on our agents.
        if (label == null || item.task instanceof Queue.FlyweightTask) return
        long id = item.getId()
        if (announced.putIfAbsent(id, CLAIMED) != null) return   // items re-enter buildable
        long seen = System.currentTimeMillis()
        Queue.Task task = item.task
        String expression = label.getExpression()
        String labelName = label.getName()
        long inQueueSince = item.getInQueueSince()
        // Posted only once the item has waited buildableDelayMs: see stillWaiting. Not delivered:
        // forgotten, so a re-entry (or a re-run) announces it again.
        post("queue.buildable item ${id}", seen + buildableDelayMs, {
            !namesANode(id, labelName) && stillWaiting(id) ? buildable(seen, id, expression, task, inQueueSince) : null
        }, {
            announced.remove(id)
            'dropped, the reconciler catches up'
        })
    }

    /**
     * A label that is a node's name is no template's: a Pipeline resumed after a restart queues
     * its node block again for the agent it ran on, by name; the built-in node's self label is
     * what work for the controller asks for (docs/jenkins-api.md §19). Forgotten, like items
     * that no longer wait.
     */
    boolean namesANode(long id, String labelName) {
        Jenkins j = Jenkins.get()
        if (j.getNode(labelName) == null && labelName != j.getSelfLabel().getName()) return false
        announced.remove(id)
        say(Level.FINE, "queue.buildable item ${id} not sent: its label names the node ${labelName}")
        true
    }

    /**
     * On the posting thread, after the delay. onEnterBuildable fires before the same queue pass
     * hands buildable items to idle executors (docs/jenkins-api.md §11): an item a warm or
     * static agent took is pending or gone by now and needs no launch. Queue.getItem is
     * lock-free. Not waiting: forgotten, so no queue.left follows and a later re-entry counts.
     */
    boolean stillWaiting(long id) {
        // POSTED first: an onLeft from now on posts queue.left, even if the check below races it.
        if (!announced.replace(id, CLAIMED, POSTED)) return false    // left meanwhile
        def now = Jenkins.get().getQueue().getItem(id)
        if (now instanceof Queue.BuildableItem && !((Queue.BuildableItem) now).isPending()) return true
        announced.remove(id)
        say(Level.FINE, "queue.buildable item ${id} not sent: ${now == null ? 'gone' : 'no longer waiting'} (${now})")
        false
    }

    /** The event, with the task's name and URL read here: for a Pipeline they may load the run from disk. */
    Map buildable(long seen, long id, String expression, Queue.Task task, long inQueueSince) {
        String root = rootUrl()
        String taskUrl = task.getUrl()                      // relative, ends with '/'
        [type: 'queue.buildable', eventTime: seen, controller: root,
         item: [id: id, label: expression,
                task: [name: task.getFullDisplayName(), url: root && taskUrl ? root + taskUrl : null],
                inQueueSince: inQueueSince]]
    }

    /** Only cancellations: the agent launched for an item that started is busy with it. */
    @Override
    void onLeft(Queue.LeftItem item) {
        if (announced.remove(item.getId()) != POSTED || !item.isCancelled()) return   // only items we announced
        long seen = System.currentTimeMillis()
        post("queue.left item ${item.getId()}", 0, {
            [type: 'queue.left', eventTime: seen, item: [id: item.getId(), cancelled: true]]
        })
    }

    // --- Single use. taskAccepted runs on the executor's thread once it holds the work, so the
    //     executor is busy: no second build can slip in before acceptingTasks is false. This sees
    //     freestyle builds and Pipeline node {} blocks alike (a RunListener sees neither node blocks
    //     nor their ends). ---

    @Override
    void taskAccepted(Executor executor, Queue.Task task) {
        Computer computer = executor.getOwner()
        if (!(executor instanceof OneOffExecutor) && computer instanceof SlaveComputer && singleUse(computer)) {
            stopAccepting((SlaveComputer) computer)
        }
        buildStarted(executor, computer)
    }

    void taskStarted(Executor executor, Queue.Task task) {}
    void taskCompleted(Executor executor, Queue.Task task, long durationMS) {}
    void taskCompletedWithProblems(Executor executor, Queue.Task task, long durationMS, Throwable problems) {}

    void stopAccepting(SlaveComputer computer) {
        if (computer.isAcceptingTasks()) {
            computer.setAcceptingTasks(false)               // transient: true again after a restart
            say(Level.INFO, "${computer.getName()} took its build; it accepts no further tasks")
        }
    }

    /** Every 10 s: report dropped events, release our single-use agents whose build is over. */
    void sweep() {
        try {
            reportDrops()
            for (Computer c : Jenkins.get().getComputers()) {
                if (!(c instanceof SlaveComputer) || !singleUse(c)) continue
                if (c.isAcceptingTasks()) {
                    // Backstop for a build the listener did not see (Jenkins before 2.318).
                    if (c.getExecutors().any { !it.isIdle() }) stopAccepting((SlaveComputer) c)
                } else if (c.isIdle() && released.add(c.getName())) {
                    String node = c.getName()
                    long seen = System.currentTimeMillis()
                    // Not delivered: forgotten, so the next sweep sends it again (releasing is idempotent).
                    post("agent.released ${node}", 0, { [type: 'agent.released', eventTime: seen, node: node] }, {
                        released.remove(node)
                        'the next sweep sends it again'
                    })
                }
            }
        } catch (Throwable t) {
            say(Level.WARNING, 'sweep failed', t)
        }
    }

    // --- Time to start (docs/emitter.md#time-to-start). agent.online and build.started carry the
    //     queue item's inQueueSince and the moment seen; the webhook records the difference. Each
    //     is sent once per node (and item) while this instance lives; a repeat after a re-run
    //     counts once more only if it reaches another function instance. ---

    /** How the functions name the item in our nodes' description (launch/request.rs, agent_node). */
    static final Pattern LAUNCHED_FOR = ~/(?s).*, queue item (\d+); created \d+\s*/

    /** Our agent, single-use or reusable: named `<cloud>-…` and described as the functions describe theirs. */
    boolean ours(Computer computer) {
        String description = computer.getNode()?.getNodeDescription()
        computer.getName().startsWith(prefix) && description != null && description ==~ OUR_NODES
    }

    /**
     * From EcsAgentsComputers, on the thread that connected the agent. The item it was launched for
     * is read on the posting thread (Queue.getItem: waiting, or left a few minutes ago); when the
     * queue no longer knows it, as after a controller restart (the agent reconnecting), nothing
     * is sent: its time to online was measured before, or cannot be.
     */
    void agentOnline(Computer computer) {
        if (!(computer instanceof SlaveComputer) || !ours(computer)) return
        String node = computer.getName()
        def launched = computer.getNode().getNodeDescription() =~ LAUNCHED_FOR
        if (!launched.matches() || !online.add(node)) return
        long id = launched.group(1).toLong()
        long seen = System.currentTimeMillis()
        post("agent.online ${node}", 0, {
            Queue.Item item = Jenkins.get().getQueue().getItem(id)
            if (item == null) {
                say(Level.FINE, "agent.online ${node} not sent: the queue no longer knows item ${id}")
                return null
            }
            [type: 'agent.online', eventTime: seen, node: node, item: [id: id, inQueueSince: item.getInQueueSince()]]
        })
    }

    /**
     * From taskAccepted, on the executor's thread: the item whose build our agent accepted, from
     * the executor's work unit (docs/jenkins-api.md §23). A Pipeline block resumed after a restart
     * is queued again for its agent by name (§19): not a build starting, not sent.
     */
    void buildStarted(Executor executor, Computer computer) {
        if (executor instanceof OneOffExecutor || !(computer instanceof SlaveComputer) || !ours(computer)) return
        Queue.BuildableItem item = executor.getCurrentWorkUnit()?.context?.item
        String node = computer.getName()
        if (item == null || item.getAssignedLabel()?.getName() == node) return
        long id = item.getId()
        long inQueueSince = item.getInQueueSince()
        if (!started.add("${node} ${id}".toString())) return
        long seen = System.currentTimeMillis()
        post("build.started ${node} item ${id}", 0, {
            [type: 'build.started', eventTime: seen, node: node, item: [id: id, inQueueSince: inQueueSince]]
        })
    }

    // --- Posting ---

    /**
     * Queues a post. `event` runs on the posting thread, not before `notBefore` (epoch ms), and
     * may answer null: nothing to send any more. Waiting out the remainder there keeps a burst
     * of items flowing: they entered together, so only the first one waits the full delay.
     * `undelivered` runs if the webhook stayed unavailable or the backlog was full, and says
     * what happens to the event then.
     */
    void post(String what, long notBefore, Closure<Map> event, Closure undelivered = null) {
        posts.execute(new EcsAgentsPost({
            try {
                long wait = notBefore - System.currentTimeMillis()
                if (wait > 0) Thread.sleep(wait)
                Map body = event.call()
                String failure = body == null ? null : deliver(what, body)
                if (failure != null) {
                    String next = undelivered?.call() ?: 'dropped, the reconciler catches up'
                    say(Level.WARNING, "${what} failed ${ATTEMPTS} times (last: ${failure}); ${next}")
                }
            } catch (InterruptedException e) {                 // close() while waiting or sending
            } catch (Throwable t) {                            // a bug here must not go unnoticed
                say(Level.WARNING, "${what} failed", t)
            }
        }, undelivered))
    }

    /** Sends with retries; null when done (accepted, or refused for good), else the last problem. */
    String deliver(String what, Map event) throws InterruptedException {
        byte[] body = JsonOutput.toJson(event).getBytes(StandardCharsets.UTF_8)
        for (int attempt = 1; ; attempt++) {
            String problem
            long delay
            try {
                HttpResponse<String> r = http.send(signed(body), HttpResponse.BodyHandlers.ofString())
                int status = r.statusCode()
                if (status < 300) {
                    say(Level.FINE, "${what} -> ${status} ${r.body()}")
                    buildLog.answered(event, status, r.body())
                    return null
                }
                if (status < 500 && status != 429) {           // 400, 401, 413, 422: retrying cannot help
                    say(Level.WARNING, "${what} rejected with ${status} ${abbreviate(r.body())}; dropped")
                    return null
                }
                problem = "${status} ${abbreviate(r.body())}"
                Long asked = retryAfter(r)
                delay = asked != null ? asked : backoff(attempt)    // 0 too: "now" is an answer
            } catch (IOException e) {                          // includes HttpTimeoutException
                problem = e.toString()
                delay = backoff(attempt)
            }
            if (attempt >= ATTEMPTS) return problem
            Thread.sleep(delay)
        }
    }

    /** A request signed now: X-Ecs-Agents-Signature = sha256=hex(HMAC-SHA256("<ts>." + body)). */
    HttpRequest signed(byte[] body) {
        String timestamp = Long.toString(System.currentTimeMillis().intdiv(1000L))
        Mac mac = Mac.getInstance('HmacSHA256')
        mac.init(new SecretKeySpec(secret, 'HmacSHA256'))
        mac.update((timestamp + '.').getBytes(StandardCharsets.UTF_8))
        String signature = 'sha256=' + mac.doFinal(body).encodeHex().toString()
        HttpRequest.newBuilder(webhook)
            .timeout(Duration.ofSeconds(30))    // the webhook only records the work: ample room for a cold start
            .header('Content-Type', 'application/json')
            .header('User-Agent', 'ecs-agents-emitter/1')
            .header('X-Ecs-Agents-Timestamp', timestamp)
            .header('X-Ecs-Agents-Signature', signature)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build()
    }

    /** Jenkins' root URL (JenkinsLocationConfiguration), or null while it is not configured. */
    static String rootUrl() {
        try {
            Jenkins.get().getRootUrl()
        } catch (IllegalStateException e) {
            null
        }
    }

    /** The webhook's Retry-After (seconds; the date form is not used), capped; null without one. */
    static Long retryAfter(HttpResponse r) {
        String seconds = r.headers().firstValue('Retry-After').orElse('').trim()
        seconds.isLong() ? Math.min(Math.max(seconds.toLong(), 0L), MAX_RETRY_AFTER_MS.intdiv(1000L)) * 1000L : null
    }

    /** Exponential (0.5 s, 1 s, 2 s … capped) with equal jitter. */
    static long backoff(int attempt) {
        long ceiling = Math.min(500L << (attempt - 1), MAX_BACKOFF_MS)
        ceiling.intdiv(2L) + ThreadLocalRandom.current().nextLong(ceiling.intdiv(2L) + 1L)
    }

    static String abbreviate(String text) {
        text == null ? '' : text.length() <= 300 ? text : text.substring(0, 300) + '…'
    }
}

/**
 * The emitter's one ComputerListener (a class, so not the emitter itself). An agent of ours coming
 * online is a time-to-start milestone (agent.online) and a line in its waiting build's log; an
 * offline cause the functions set is a note for a waiting build (EcsAgentsBuildLog). Each part
 * catches its own failure: nothing here may keep an agent from coming online.
 */
class EcsAgentsComputers extends ComputerListener {
    final EcsAgentsEmitter emitter

    EcsAgentsComputers(EcsAgentsEmitter emitter) {
        this.emitter = emitter
    }

    @Override
    void onOnline(Computer c, TaskListener listener) {
        try {
            emitter.agentOnline(c)
        } catch (Throwable t) {                            // never keep an agent from coming online
            EcsAgentsEmitter.say(Level.WARNING, "agent.online ${c.getName()} failed", t)
        }
        emitter.buildLog.online(c)
    }

    @Override
    void onTemporarilyOffline(Computer c, OfflineCause cause) {
        emitter.buildLog.noted(c, cause)
    }
}

/** A queued post, and what to do if it is never delivered. */
class EcsAgentsPost implements Runnable {
    final Runnable work
    final Closure undelivered

    EcsAgentsPost(Closure work, Closure undelivered) {
        this.work = work as Runnable
        this.undelivered = undelivered
    }

    void run() {
        work.run()
    }
}

// ---------------------------------------------------------------------------------------------
// What a waiting build shows (docs/emitter.md): the webhook's answer, the functions' notes and
// our agents coming online, printed to the log of a waiting Pipeline run, and for other builds,
// which have no log while they wait, to this log.

/**
 * Told by EcsAgentsComputers. The functions write their notes as offline causes
 * (changeOfflineCause): on the agent's node just before they delete it, or on the cloud's
 * placeholder node; Jenkins tells its ComputerListeners inside that request, before the
 * deletion can follow (docs/jenkins-api.md §24). A note reads
 * `ecs-agents: queue item 42, agent ecs-linux-42: …` (functions/ecs-agents/src/launch/note.rs).
 */
class EcsAgentsBuildLog {
    static final String PREFIX = '[ecs-agents] '
    static final String NOTE_START = 'ecs-agents: queue item '
    static final Pattern NOTE = ~/(?s)ecs-agents: queue item (\d+), agent (\S+): (.+)/

    final String prefix                          // our agents' names: `<cloud>-…`
    final String placeholder                     // the reconciler's `<cloud>_placeholder`
    final Map<Long, String> last = EcsAgentsEmitter.bounded()   // queue item -> last line printed

    EcsAgentsBuildLog(String prefix) {
        this.prefix = prefix
        this.placeholder = prefix.substring(0, prefix.length() - 1) + '_placeholder'
    }

    /** An offline cause was set on `c`: printed if it is a note of ours about one of our agents. */
    void noted(Computer c, OfflineCause cause) {
        try {
            String name = c.getName()
            String text = cause?.toString()             // `Disconnected by USER : MESSAGE`, in any language
            int at = text == null ? -1 : text.indexOf(NOTE_START)
            if (at < 0 || !(name.startsWith(prefix) || name == placeholder)) return
            def note = NOTE.matcher(text.substring(at))
            if (!note.matches() || !note.group(2).startsWith(prefix)) return
            print(note.group(1).toLong(), "agent ${note.group(2)}: ${note.group(3)}")
        } catch (Throwable t) {
            EcsAgentsEmitter.say(Level.WARNING, 'a note for a waiting build was not printed', t)
        }
    }

    /** Our agent `c` is online: said in the log of the build it was launched for. */
    void online(Computer c) {
        try {
            String description = c.getNode()?.getNodeDescription()
            if (!c.getName().startsWith(prefix) || description == null || !(description ==~ EcsAgentsEmitter.OUR_NODES)) return
            def launched = description =~ EcsAgentsEmitter.LAUNCHED_FOR
            if (launched.matches()) print(launched.group(1).toLong(), "agent ${c.getName()} connected")
        } catch (Throwable t) {
            EcsAgentsEmitter.say(Level.WARNING, 'an agent coming online was not printed', t)
        }
    }

    /**
     * The webhook's answer to `queue.buildable` (tolerant: an answer it does not know prints
     * nothing). It answers once it has recorded the work, before the launch worker launches
     * (docs/webhook-protocol.md): what became of the launch comes later, as notes.
     */
    void answered(Map event, int status, String body) {
        if (event.type != 'queue.buildable') return
        def answer
        try {
            answer = new JsonSlurper().parseText(body ?: '{}')
        } catch (Exception e) {
            return
        }
        if (!(answer instanceof Map)) return
        String line = answerLine(status, (Map) answer)
        if (line) print(((Number) event.item.id).longValue(), line)
    }

    static String answerLine(int status, Map answer) {
        String reason = answer.reason instanceof String ? answer.reason : null
        boolean named = answer.template instanceof String && answer.node instanceof String
        switch (answer.outcome) {
            case 'accepted':
                return status < 300 && named ? "template ${answer.template} serves this build; launching agent ${answer.node}" : null
            case 'ignored':
                return reason?.startsWith('no template serves') ? "${reason}: no agent is launched for this build" : null
            default:
                return null
        }
    }

    /** Prints `[ecs-agents] text` to the waiting build's log, once in a row per item. */
    void print(long id, String text) {
        String line = PREFIX + text
        if (last.put(id, line) == line) return
        Queue.Item item = Jenkins.get().getQueue().getItem(id)     // lock-free; a LeftItem for 5 minutes
        PrintStream log = item == null ? null : pipelineLog(item.task)
        if (log != null) {
            log.println(line)
            EcsAgentsEmitter.say(Level.FINE, "queue item ${id}: ${text}")
        } else {
            String task = item == null ? '' : " (${item.task.getFullDisplayName()})"
            EcsAgentsEmitter.say(Level.INFO, "queue item ${id}${task}: ${text}")
        }
    }

    /**
     * The log of the run a Pipeline `node` block belongs to: SubTask.getOwnerExecutable() (2.389)
     * is the WorkflowRun, whose FlowExecutionOwner.getListener() is its log (docs/jenkins-api.md
     * §25). Null for a freestyle build, which does not exist until it leaves the queue.
     */
    static PrintStream pipelineLog(Queue.Task task) {
        def run
        try {
            run = task.getOwnerExecutable()
        } catch (MissingMethodException e) {             // Jenkins before 2.389
            return null
        }
        if (run == null || !run.metaClass.respondsTo(run, 'asFlowExecutionOwner')) return null
        run.asFlowExecutionOwner()?.getListener()?.getLogger()
    }
}

// ---------------------------------------------------------------------------------------------
// Install. The listener extension list is the well-known place of the running instance: a
// previous one (same class name, loaded by an earlier run's class loader) is closed first.

/** System property first, then the environment; blank counts as unset. */
String setting(String property, String variable) {
    String value = System.getProperty(property) ?: System.getenv(variable)
    value?.trim() ? value.trim() : null
}

// Everything is caught: GroovyHookScript catches only RuntimeException, and an Error escaping an
// init script stops Jenkins from starting (docs/jenkins-api.md §17). A broken emitter must not.
EcsAgentsEmitter emitter = null
try {
    def previous = ExtensionList.lookup(QueueListener).findAll {
        it.getClass().getName() == 'EcsAgentsEmitter' && it instanceof Closeable
    }
    previous.each { ((Closeable) it).close() }

    String url = setting('ecs.agents.webhookUrl', 'ECS_AGENTS_WEBHOOK_URL')
    String secretFile = setting('ecs.agents.webhookSecretFile', 'ECS_AGENTS_WEBHOOK_SECRET_FILE')
    String secret = null
    String problem = null
    if (secretFile) {
        try {
            secret = new File(secretFile).getText('UTF-8')
        } catch (IOException e) {
            problem = "cannot read the webhook secret file: ${e.getMessage()}"
        }
    } else {
        secret = System.getenv('ECS_AGENTS_WEBHOOK_SECRET')    // never a system property: those show in System Information
    }
    secret = secret?.replaceAll(/[\r\n]+\z/, '')              // files usually end with a line break
    // Jenkins shows its copy of the environment on System Information and hands it to every
    // build on the built-in node (docs/jenkins-api.md §18): the secret leaves that copy,
    // whichever was used. The process environment keeps it, so a re-run still finds it.
    if (EnvVars.masterEnvVars.remove('ECS_AGENTS_WEBHOOK_SECRET') != null) {
        EcsAgentsEmitter.say(Level.INFO, 'removed ECS_AGENTS_WEBHOOK_SECRET from Jenkins\' environment ' +
            '(System Information, builds on the built-in node); a secret file is safer')
    }

    URI webhook = null
    try {
        webhook = url ? new URI(url) : null
    } catch (URISyntaxException e) {
        problem = problem ?: "ECS_AGENTS_WEBHOOK_URL is not a URL: ${e.getMessage()}"
    }
    if (!problem && !(webhook?.getScheme() in ['http', 'https'] && webhook.getHost())) {
        problem = 'no webhook URL: set ECS_AGENTS_WEBHOOK_URL (or -Decs.agents.webhookUrl) to the queue webhook Function URL'
    }
    if (!problem && !secret) {
        problem = 'no webhook secret: set ECS_AGENTS_WEBHOOK_SECRET_FILE to a file holding it'
    }
    // Our agents are named `<cloud>-<template>-<item>` (docs/agents-file.md, cloud.name).
    String cloud = setting('ecs.agents.cloud', 'ECS_AGENTS_CLOUD') ?: 'ecs'
    if (!problem && !(cloud ==~ /[A-Za-z0-9_-]{1,24}/)) {
        problem = "ECS_AGENTS_CLOUD is not a cloud name (cloud.name: letters, digits, - and _, at most 24): ${cloud}"
    }
    if (!problem && setting('ecs.agents.nodePrefix', 'ECS_AGENTS_NODE_PREFIX')) {
        problem = 'ECS_AGENTS_NODE_PREFIX is no longer read: set ECS_AGENTS_CLOUD to cloud.name instead'
    }
    String delay = setting('ecs.agents.buildableDelayMs', 'ECS_AGENTS_BUILDABLE_DELAY_MS') ?: '1000'
    if (!problem && !(delay.isLong() && delay.toLong() >= 0)) {
        problem = "ECS_AGENTS_BUILDABLE_DELAY_MS is not a number of milliseconds: ${delay}"
    }
    if (problem) {
        EcsAgentsEmitter.say(Level.SEVERE, "emitter NOT installed: ${problem}")
        return "ecs-agents emitter NOT installed: ${problem}"
    }

    String prefix = cloud + '-'
    List<String> reusable = (setting('ecs.agents.reusablePrefixes', 'ECS_AGENTS_REUSABLE_PREFIXES') ?: '')
        .split(',').collect { it.trim() }.findAll { it }

    emitter = new EcsAgentsEmitter(webhook, secret.getBytes('UTF-8'), prefix, reusable, delay.toLong())
    int waiting = emitter.start()
    String summary = "emitter installed: webhook ${webhook}, cloud ${cloud} (agents ${prefix}*)" +
        (reusable ? ", reusable ${reusable.join(', ')}" : '') +
        (waiting ? ", ${waiting} item(s) already in the queue" : '') +
        (previous ? ", replaced ${previous.size()} previous instance(s)" : '')
    EcsAgentsEmitter.say(Level.INFO, summary)
    return 'ecs-agents ' + summary
} catch (Throwable t) {
    try {
        emitter?.close()                                    // whatever part of it started
    } catch (Throwable ignored) {
    }
    EcsAgentsEmitter.say(Level.SEVERE, "emitter NOT installed: ${t}", t)
    return "ecs-agents emitter NOT installed: ${t}"
}
