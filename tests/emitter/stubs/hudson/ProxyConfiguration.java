package hudson;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * Stand-in for {@code hudson.ProxyConfiguration} (docs/jenkins-api.md §18, §19): as in Jenkins,
 * {@link #newHttpClientBuilder()} applies the proxy configured in Jenkins, a connect timeout, and
 * one executor shared by every client it builds.
 */
public final class ProxyConfiguration {
    private static final Executor httpClientExecutor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "Jenkins HttpClient");
        t.setDaemon(true);
        return t;
    });

    /** Harness: the proxy an administrator configured in Jenkins, or null for none. */
    public static volatile InetSocketAddress harnessProxy;

    private ProxyConfiguration() {}

    public static HttpClient.Builder newHttpClientBuilder() {
        HttpClient.Builder builder = HttpClient.newBuilder();
        InetSocketAddress proxy = harnessProxy;
        if (proxy != null) {
            builder.proxy(ProxySelector.of(proxy));
        }
        builder.connectTimeout(Duration.ofSeconds(20));
        builder.executor(httpClientExecutor);
        return builder;
    }
}
